"""The engine's buttons as an inline keyboard, their payloads as callback data.

Telegram carries at most 64 bytes of callback data. The engine's payloads are short
(`open:tutorial-simple-blog`, `hint`), so they travel as they are; a longer one is
replaced by a digest remembered here, and a digest this process no longer remembers
reaches the engine as it is, which answers it like any button of an older message.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from tutorbot.engine.messages import Button

log = logging.getLogger(__name__)

MAX_CALLBACK_DATA = 64
_DIGEST_MARK = "#~"


class CallbackData:
    """Payloads to callback data and back."""

    def __init__(self, remembered: int = 10_000) -> None:
        self._long: OrderedDict[str, str] = OrderedDict()
        self._remembered = remembered

    def encode(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA and not payload.startswith(
            _DIGEST_MARK
        ):
            return payload
        digest = _DIGEST_MARK + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
        log.warning("a button payload of %d bytes was replaced by a digest",
                    len(payload.encode("utf-8")))
        self._long[digest] = payload
        self._long.move_to_end(digest)
        while len(self._long) > self._remembered:
            self._long.popitem(last=False)
        return digest

    def decode(self, data: str) -> str:
        return self._long.get(data, data)

    def keyboard(self, rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
        """The rows as an inline keyboard; None for no buttons."""
        keyboard = [
            [InlineKeyboardButton(button.label.strip() or "…",
                                  callback_data=self.encode(button.payload))
             for button in row]
            for row in rows
        ]
        keyboard = [row for row in keyboard if row]
        return InlineKeyboardMarkup(keyboard) if keyboard else None
