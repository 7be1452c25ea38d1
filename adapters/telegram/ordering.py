"""Updates of one chat one after another, different chats side by side.

python-telegram-bot hands each update to the processor in a task of its own, the
tasks started in the order the updates arrived. Each task first takes its chat's
lock, which asyncio grants first come, first served, so a learner's answers are
judged in the order they were typed while other chats go on. Only then does it take
one of the slots that bound how much work runs at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# The base class's own bound is set out of reach: a task waiting there could be
# overtaken by a later update of its chat, so the real bound is applied after the
# chat's lock is held.
_UNBOUNDED = 1_000_000


class ChatOrderedProcessor(BaseUpdateProcessor):
    """At most `concurrency` updates at once, and one at a time per chat."""

    def __init__(self, concurrency: int = 64) -> None:
        super().__init__(max_concurrent_updates=_UNBOUNDED)
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = _chat_of(update)
        if chat is None:
            async with self._slots:
                await coroutine
            return
        lock, users = self._chats.get(chat, (asyncio.Lock(), 0))
        self._chats[chat] = (lock, users + 1)
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            lock, users = self._chats[chat]
            if users == 1:
                del self._chats[chat]
            else:
                self._chats[chat] = (lock, users - 1)

    @property
    def busy_chats(self) -> int:
        """Chats with an update being processed or waiting."""
        return len(self._chats)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _chat_of(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None
