"""The engine's buttons as Discord buttons whose custom ids carry everything they need.

A custom id is `tb:{owner}:{payload}`: the user whose lesson the button belongs to
and the engine's payload. Nothing about a button lives in memory, so a button
keeps working after a restart, on any process: discord.py routes every custom id
that matches `TEMPLATE` to the client's dynamic item (`client.TutorButton`),
whatever message it sits on. A payload
too long for Discord's 100 characters travels as a digest that the store maps
back (see `Registry.remember_payload`).
"""

from __future__ import annotations

import hashlib
import logging
import re

import discord

from adapters.discord_bot.render import plain_text
from tutorbot.engine.messages import Button

log = logging.getLogger(__name__)

CUSTOM_ID_LIMIT = 100
LABEL_LIMIT = 80
ROWS, ROW_WIDTH = 5, 5
DIGEST_MARK = "#"
TEMPLATE = r"tb:(?P<owner>[0-9]{1,20}):(?P<payload>[!-~]{1,90})"


def custom_id(owner: int, payload: str) -> str:
    """The custom id for `payload` on `owner`'s lesson; a digest when it would not fit."""
    whole = f"tb:{owner}:{payload}"
    if (len(whole) <= CUSTOM_ID_LIMIT and payload.isascii() and payload.isprintable()
            and not payload.startswith(DIGEST_MARK) and re.fullmatch(TEMPLATE, whole)):
        return whole
    return f"tb:{owner}:{digest(payload)}"


def digest(payload: str) -> str:
    return DIGEST_MARK + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def is_digest(payload: str) -> bool:
    return payload.startswith(DIGEST_MARK)


def rows(buttons: tuple[tuple[Button, ...], ...]) -> list[list[Button]]:
    """The engine's rows within Discord's five rows of five; extra buttons are dropped
    with a warning (the engine never sends so many)."""
    laid_out = [list(row[at:at + ROW_WIDTH]) for row in buttons if row
                for at in range(0, len(row), ROW_WIDTH)]
    if len(laid_out) > ROWS:
        log.warning("a reply had %d rows of buttons; Discord shows %d", len(laid_out), ROWS)
    return laid_out[:ROWS]


def view(owner: int, buttons: tuple[tuple[Button, ...], ...]) -> discord.ui.View | None:
    """A view holding the buttons, or None for none.

    The view is stopped before it is sent: discord.py would otherwise keep every
    sent view in memory forever, and presses reach `TutorButton` anyway.
    """
    laid_out = rows(buttons)
    if not laid_out:
        return None
    shown = discord.ui.View(timeout=None)
    for number, row in enumerate(laid_out):
        for button in row:
            shown.add_item(discord.ui.Button(
                label=plain_text(button.label, LABEL_LIMIT) or "…",
                custom_id=custom_id(owner, button.payload),
                style=discord.ButtonStyle.secondary, row=number,
            ))
    shown.stop()
    return shown
