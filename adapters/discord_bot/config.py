"""How the Discord frontend is configured: from the command line and the environment.

Nothing here imports discord.py, so `tutorbot discord --check` and the other
commands start quickly.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import os
import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from adapters.service import ConfigurationError

TOKEN_VARIABLE = "TUTORBOT_DISCORD_TOKEN"
API_URL_VARIABLE = "TUTORBOT_DISCORD_API_URL"
GATEWAY_URL_VARIABLE = "TUTORBOT_DISCORD_GATEWAY_URL"
DISCORD_API_URL = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"

TOKEN_SHAPE = re.compile(r"(?P<id>[A-Za-z0-9_-]{16,40})\.[A-Za-z0-9_-]{4,12}\.[A-Za-z0-9_-]{20,}")
MAX_SHARDS = 10_000

MessageContent = Literal["auto", "on", "off"]


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
    api_url: str = DISCORD_API_URL
    gateway_url: str = DISCORD_GATEWAY_URL
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    message_content: MessageContent = "auto"
    """Ask for the privileged message-content intent: "auto" asks only when the
    application has it (Developer Portal → Bot → Message Content Intent)."""
    defer_after: float = 1.0
    """Seconds a turn may take before its interaction is deferred ("thinking…");
    Discord drops an interaction not acknowledged within 3 s."""
    typing_after: float = 0.5
    """Seconds a typed message's turn may take before "typing…" shows."""
    guild_ready_timeout: float = 2.0
    quick_identify: bool = False
    """Identify again at once after a lost session (tests; discord.py waits 5 s, as
    Discord's identify limits want)."""
    chores_every: float = 3600.0

    @property
    def bot_id(self) -> str:
        return bot_id_of(self.token) or "?"

    @property
    def custom_endpoints(self) -> bool:
        return (self.api_url.rstrip("/"), self.gateway_url.rstrip("/")) != (
            DISCORD_API_URL, DISCORD_GATEWAY_URL.rstrip("/"))


def bot_id_of(token: str) -> str | None:
    """The bot's user id, which a token's first part encodes; None if it does not."""
    match = TOKEN_SHAPE.fullmatch(token)
    if match is None:
        return None
    encoded = match["id"]
    try:
        decoded = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        return None
    text = decoded.decode("ascii", errors="replace")
    return text if text.isdigit() and 15 <= len(text) <= 21 else None


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings the arguments and environment describe; raises ConfigurationError."""
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise ConfigurationError(
            f"set {TOKEN_VARIABLE} to the bot token (Developer Portal → your application "
            "→ Bot → Reset Token)")
    if bot_id_of(token) is None:
        raise ConfigurationError(
            f"{TOKEN_VARIABLE} does not look like a bot token (three parts separated by "
            "dots, the first encoding the bot's id)")
    api_url = _url(API_URL_VARIABLE, DISCORD_API_URL, ("http", "https"))
    gateway_url = _url(GATEWAY_URL_VARIABLE, DISCORD_GATEWAY_URL, ("ws", "wss"))
    count, ids = shards_from(args.shard_count, args.shard_ids)
    return Settings(token=token, api_url=api_url, gateway_url=gateway_url, shard_count=count,
                    shard_ids=ids, message_content=args.message_content)


def _url(variable: str, default: str, schemes: tuple[str, ...]) -> str:
    value = os.environ.get(variable, "").strip() or default
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        shown = " or ".join(f"{scheme}://" for scheme in schemes)
        raise ConfigurationError(f"{variable} must be a {shown} URL, such as {default}")
    return value


def shards_from(count: int | None, ids: str | None) -> tuple[int | None, tuple[int, ...] | None]:
    """`--shard-count` and `--shard-ids` checked against each other."""
    if count is not None and not 1 <= count <= MAX_SHARDS:
        raise ConfigurationError(f"--shard-count must be 1 to {MAX_SHARDS}, not {count}")
    if ids is None:
        return count, None
    if count is None:
        raise ConfigurationError("--shard-ids needs --shard-count: the total across "
                                 "every process")
    try:
        chosen = _id_list(ids)
    except ValueError:
        raise ConfigurationError(
            f"--shard-ids takes numbers and ranges such as 0,1 or 0-3, not {ids!r}") from None
    outside = [shard for shard in chosen if shard >= count]
    if outside:
        raise ConfigurationError(f"--shard-ids {outside} are not below --shard-count {count}")
    return count, chosen


def _id_list(text: str) -> tuple[int, ...]:
    chosen: set[int] = set()
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        if dash:
            first, last = int(low), int(high)
            if first > last or first < 0:
                raise ValueError(part)
            chosen.update(range(first, last + 1))
        else:
            number = int(low)
            if number < 0:
                raise ValueError(part)
            chosen.add(number)
    if not chosen:
        raise ValueError(text)
    return tuple(sorted(chosen))
