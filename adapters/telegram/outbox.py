"""Sending to Telegram, and the one place where its errors become decisions.

Every call goes through `Outbox._call`, which decides what each failure means:

- 403 Forbidden (blocked, kicked, never started): the chat is marked inactive in
  the store and nothing more is sent to it until someone there writes again.
- A group upgraded to a supergroup: its conversations move to the new chat id
  and the message is sent there.
- 429 Too Many Requests: the rate limiter has already waited and retried; if it
  still fails, the message is given up and logged.
- A time-out after the request may have reached Telegram (read or write) is not
  retried: a second copy is worse than a missing one, and the learner can ask
  again. A failure before anything was sent (no connection, a dropped connection,
  a connect or pool time-out) is retried a few times with a growing pause.
- Any other refusal is logged; an edit refused falls back to a new message, and
  "message is not modified" counts as done.

Nothing here raises: one failed send is logged and the bot goes on.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable

import httpx
from telegram import (
    Bot,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    ReplyParameters,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from adapters.telegram.updates import PLATFORM, Where, group_prefix
from tutorbot.engine.messages import Image
from tutorbot.errors import TutorbotError
from tutorbot.store import Store

log = logging.getLogger(__name__)

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_UNSENT_TIMEOUTS = (httpx.ConnectTimeout, httpx.PoolTimeout)


class Outcome(enum.Enum):
    SENT = "sent"
    UNCHANGED = "unchanged"
    """An edit Telegram found identical to the message: as good as done."""
    REFUSED = "refused"
    """Telegram refused this request; another kind of request may work."""
    GONE = "gone"
    """The chat is closed to the bot."""
    LOST = "lost"
    """Given up after network or flood trouble; it may or may not have arrived."""


class Outbox:
    """Sends replies for the frontend; remembers closed and migrated chats."""

    def __init__(self, bot: Bot, store: Store, *, retries: int = 3,
                 pause: float = 0.5) -> None:
        self.bot = bot
        self.store = store
        self.retries = retries
        self.pause = pause
        self._moved: dict[int, int] = {}
        self._closed: set[int] = set()
        self._open: set[int] = set()

    # What the frontend asks for ---------------------------------------------------------

    async def send_text(self, where: Where, chunks: list[str],
                        keyboard: InlineKeyboardMarkup | None, edit: bool = False) -> Outcome:
        """The chunks in order, the keyboard under the last; the first replaces the
        pressed button's message when `edit` (or is sent anew if that is refused)."""
        outcome = Outcome.SENT
        for index, chunk in enumerate(chunks):
            markup = keyboard if index == len(chunks) - 1 else None
            if index == 0 and edit and where.button_message is not None:
                outcome = await self._edit(where, where.button_message, chunk, markup)
                if outcome is not Outcome.REFUSED:
                    if outcome is Outcome.GONE:
                        return outcome
                    continue
            outcome = await self._send(where, chunk, markup)
            if outcome is Outcome.GONE:
                return outcome
        return outcome

    async def send_photo(self, where: Where, image: Image, caption: str) -> Outcome:
        async def send(chat_id: int) -> object:
            return await self.bot.send_photo(
                chat_id, InputFile(image.data, filename=image.filename), caption=caption or None,
                parse_mode=ParseMode.HTML, message_thread_id=where.thread_id,
                reply_parameters=_reply(where),
            )

        return await self._call(where, "sendPhoto", send)

    async def show_action(self, where: Where, action: str = ChatAction.TYPING) -> None:
        async def act(chat_id: int) -> object:
            return await self.bot.send_chat_action(chat_id, action,
                                                   message_thread_id=where.thread_id)

        await self._call(where, "sendChatAction", act)

    async def answer_button(self, query_id: str) -> None:
        """Stop the button's spinner; a query too old to answer changes nothing else."""
        try:
            await self.bot.answer_callback_query(query_id)
        except BadRequest as error:
            log.debug("callback query %s not answered: %s", query_id, error.message)
        except TelegramError as error:
            log.info("callback query %s not answered: %s", query_id, error.message)

    async def heard_from(self, chat_id: int) -> None:
        """Someone wrote in the chat, so the bot may write there again."""
        if chat_id in self._open:
            return
        key = str(chat_id)
        try:
            if not await asyncio.to_thread(self.store.chat_active, PLATFORM, key):
                await asyncio.to_thread(self.store.set_chat_active, PLATFORM, key, True)
                log.info("chat %s wrote again: marked active", chat_id)
        except TutorbotError as error:
            log.error("could not mark chat %s active: %s", chat_id, error)
            return
        self._closed.discard(chat_id)
        self._open.add(chat_id)

    async def close(self, chat_id: int, reason: str) -> None:
        """Mark the chat inactive: Telegram said the bot may not write there."""
        self._closed.add(chat_id)
        self._open.discard(chat_id)
        try:
            await asyncio.to_thread(
                self.store.set_chat_active, PLATFORM, str(chat_id), False, reason
            )
        except TutorbotError as error:
            log.error("could not mark chat %s inactive: %s", chat_id, error)
            return
        log.info("chat %s marked inactive: %s", chat_id, reason)

    async def migrate(self, old: int, new: int) -> None:
        """The group `old` is now the supergroup `new`: its lessons move with it."""
        if self._moved.get(old) == new:
            return
        self._moved[old] = new
        try:
            moved = await asyncio.to_thread(
                self.store.move_conversations, group_prefix(old), group_prefix(new)
            )
        except TutorbotError as error:
            log.error("could not move the conversations of chat %s to %s: %s", old, new, error)
            return
        log.info("group %s became supergroup %s: %d conversations moved", old, new, moved)

    # Requests -----------------------------------------------------------------------------

    async def _send(self, where: Where, html: str,
                    keyboard: InlineKeyboardMarkup | None) -> Outcome:
        async def send(chat_id: int) -> object:
            return await self.bot.send_message(
                chat_id, html, parse_mode=ParseMode.HTML, message_thread_id=where.thread_id,
                reply_parameters=_reply(where), reply_markup=keyboard,
                link_preview_options=_NO_PREVIEW,
            )

        return await self._call(where, "sendMessage", send)

    async def _edit(self, where: Where, message_id: int, html: str,
                    keyboard: InlineKeyboardMarkup | None) -> Outcome:
        async def edit(chat_id: int) -> object:
            return await self.bot.edit_message_text(
                html, chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=keyboard,
                link_preview_options=_NO_PREVIEW,
            )

        return await self._call(where, "editMessageText", edit)

    async def _call(self, where: Where, method: str,
                    request: Callable[[int], Awaitable[object]]) -> Outcome:
        chat_id = self._moved.get(where.chat_id, where.chat_id)
        if chat_id in self._closed:
            log.debug("%s to chat %s skipped: the chat is closed to the bot", method, chat_id)
            return Outcome.GONE
        failures = 0
        while True:
            try:
                await request(chat_id)
                return Outcome.SENT
            except ChatMigrated as error:
                if self._moved.get(chat_id) == error.new_chat_id or failures > self.retries:
                    log.warning("%s to chat %s: migrated again; given up", method, chat_id)
                    return Outcome.LOST
                await self.migrate(chat_id, error.new_chat_id)
                chat_id = error.new_chat_id
                failures += 1
                continue
            except Forbidden as error:
                await self.close(chat_id, error.message)
                return Outcome.GONE
            except RetryAfter as error:
                log.warning("%s to chat %s given up: still flood-limited (%s)",
                            method, chat_id, error.message)
                return Outcome.LOST
            except TimedOut as error:
                if not isinstance(error.__cause__, _UNSENT_TIMEOUTS):
                    log.warning("%s to chat %s timed out after it was sent; not sent again, "
                                "so it may be missing", method, chat_id)
                    return Outcome.LOST
                trouble = f"not sent ({error.message})"
            except BadRequest as error:
                if "not modified" in error.message.lower():
                    return Outcome.UNCHANGED
                log.warning("%s to chat %s refused: %s", method, chat_id, error.message)
                return Outcome.REFUSED
            except NetworkError as error:
                trouble = error.message
            except TelegramError as error:
                log.warning("%s to chat %s failed: %s", method, chat_id, error.message)
                return Outcome.REFUSED
            except Exception:
                log.exception("%s to chat %s failed", method, chat_id)
                return Outcome.LOST
            failures += 1
            if failures > self.retries:
                log.warning("%s to chat %s given up after %d network failures: %s",
                            method, chat_id, failures, trouble)
                return Outcome.LOST
            log.info("%s to chat %s: %s; trying again", method, chat_id, trouble)
            await asyncio.sleep(self.pause * 2 ** (failures - 1))


def _reply(where: Where) -> ReplyParameters | None:
    if where.reply_to is None:
        return None
    return ReplyParameters(where.reply_to, allow_sending_without_reply=True)
