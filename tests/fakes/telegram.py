"""A Telegram Bot API server on 127.0.0.1, for tests that run the real python-telegram-bot.

The fake answers `http://127.0.0.1:<port>/bot<token>/<method>` the way Telegram does:
form-encoded, JSON or multipart bodies in, `{"ok": true, "result": ...}` or an error
with Telegram's own `error_code`, `description` and `parameters` out. It enforces the
limits that bite a real bot (message length, HTML validity, callback data size, flood
control) and can be told to fail the next call with any error Telegram returns, or to
time out, recording whether the timed-out call took effect.

The test plays the users: it creates users and chats, makes them write, press buttons
and edit messages, and then waits for what the bot sent. Ids are deterministic.
The HTML parse mode lives in `telegram_html`, flood control in `telegram_limits`, and
the error answers and the chats, users and messages in `telegram_model`.

    async with FakeTelegram() as tg:
        ada = tg.user("Ada")
        chat = tg.private_chat(ada)
        application = Application.builder().token(tg.token).base_url(tg.base_url).build()
        ...
        tg.send_text(ada, chat, "/start")
        [reply] = await tg.wait_for_messages(chat, 1)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from .loopback import LoopbackServer
from .telegram_html import EntityParseError, parse_html, utf16_len
from .telegram_limits import FloodControl, Limits
from .telegram_model import (
    BLOCKED,
    CANT_INITIATE,
    KICKED,
    KICKED_SUPERGROUP,
    NOT_FOUND,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    UNAUTHORIZED,
    ApiCall,
    ApiError,
    CallbackAnswer,
    Chat,
    Disconnect,
    Failure,
    FakeMessage,
    Json,
    Revision,
    Timeout,
    Topic,
    User,
    WebhookDelivery,
    bad_request,
    flood,
    migrated,
)

__all__ = [
    "BLOCKED",
    "CANT_INITIATE",
    "DEFAULT_TOKEN",
    "KICKED",
    "KICKED_SUPERGROUP",
    "NOT_MODIFIED",
    "QUERY_TOO_OLD",
    "TINY_PNG",
    "ApiCall",
    "ApiError",
    "CallbackAnswer",
    "Chat",
    "Disconnect",
    "FakeMessage",
    "FakeTelegram",
    "Limits",
    "Revision",
    "Timeout",
    "Topic",
    "User",
    "WebhookDelivery",
    "bad_request",
    "flood",
    "migrated",
]

logger = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456789:TEST-fake-telegram-token"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_DEFAULT_HIDDEN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
_BUTTON_ACTIONS = (
    "callback_data", "url", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_BOT_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w@])")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}(?!\w)")
_IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")


class _Refused(Exception):
    def __init__(self, error: ApiError) -> None:
        super().__init__(error.description)
        self.error = error


@dataclass
class _Pending:
    update_id: int
    kind: str
    payload: Json
    redelivery: bool = False
    in_flight: bool = False

    def to_dict(self) -> Json:
        return {"update_id": self.update_id, self.kind: self.payload}


@dataclass
class _CallbackQuery:
    user: User
    message: FakeMessage
    data: str
    created: float
    answered: bool = False


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: frozenset[str] | None
    last_error: str | None = None
    task: asyncio.Task[None] | None = None


@dataclass
class _Scripted:
    method: str
    failure: Failure
    chat_id: int | None
    remaining: int


class _Params:
    """A request's parameters, typed on demand the way the Bot API reads them."""

    def __init__(self, values: Json, files: dict[str, bytes]) -> None:
        self.values = values
        self.files = files

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise _Refused(bad_request(f"invalid {name} specified")) from None

    def number(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _Refused(bad_request(f"invalid {name} specified")) from None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        return value is True or str(value).lower() in ("true", "1")

    def structure(self, name: str, what: str) -> Any:
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise _Refused(bad_request(f"can't parse {what} JSON object")) from None

    def chat_id(self) -> int | None:
        with contextlib.suppress(_Refused):
            return self.integer("chat_id")
        return None


Handler = Callable[[_Params], Awaitable[Any]]


class FakeTelegram(LoopbackServer):
    """The fake server and the users around the bot; use it as an async context manager."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "tutorbot_test_bot",
        can_read_all_group_messages: bool = False,
        limits: Limits | None = None,
        strict_ampersand: bool = True,
        callback_query_ttl: float = 15.0,
        webhook_retry_delay: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.bot = User(int(token.split(":")[0]), "Tutorbot", bot_username, None, None, True)
        self.can_read_all_group_messages = can_read_all_group_messages
        self.strict_ampersand = strict_ampersand
        self.callback_query_ttl = callback_query_ttl
        self.webhook_retry_delay = webhook_retry_delay
        self.limits = limits or Limits()
        self._clock = clock
        self._flood = FloodControl(self.limits, clock)

        self.calls: list[ApiCall] = []
        self.counts: Counter[str] = Counter()
        self.chat_actions: list[tuple[int, str]] = []
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.confirmed: set[int] = set()
        self.files: dict[str, bytes] = {}

        self._users: dict[int, User] = {}
        self._chats: dict[int, Chat] = {}
        self._messages: dict[tuple[int, int], FakeMessage] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._updates: dict[int, _Pending] = {}
        self._pending: list[_Pending] = []
        self._callback_queries: dict[str, _CallbackQuery] = {}
        self._polls: dict[str, FakeMessage] = {}
        self._commands: dict[tuple[str, str], list[Json]] = {}
        self._scripted: list[_Scripted] = []
        self._allowed_updates: frozenset[str] | None = None
        self._webhook: _Webhook | None = None
        self._poll_generation = 0

        self._user_ids = itertools.count(10_001)
        self._group_ids = itertools.count(20_001)
        self._supergroup_ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._poll_ids = itertools.count(1)

        self._changed = asyncio.Event()
        self._closing = False
        super().__init__()
        self._session: aiohttp.ClientSession | None = None
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in self._handlers().items()
        }

    # Lifecycle ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What to give PTB's `base_url`; the token and method follow it."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def routes(self, application: web.Application) -> None:
        application.router.add_route("*", "/bot{token}/{method}", self._serve)
        application.router.add_get("/file/bot{token}/{path:.+}", self._serve_file)

    async def start(self) -> None:
        await super().start()
        self._session = aiohttp.ClientSession(trust_env=False)
        logger.debug("fake Telegram listening on %s", self.base_url)

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        if self._webhook is not None and self._webhook.task is not None:
            self._webhook.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook.task
        if self._session is not None:
            await self._session.close()
        await super().stop()

    def set_limits(self, limits: Limits) -> None:
        """Replace the flood limits, with full buckets."""
        self.limits = limits
        self._flood = FloodControl(limits, self._clock)

    # The people and chats around the bot --------------------------------------------------

    def user(
        self,
        first_name: str = "Ada",
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> User:
        user = User(next(self._user_ids), first_name, username, last_name, language_code)
        self._users[user.id] = user
        return user

    def private_chat(self, user: User, *, started: bool = True) -> Chat:
        """The user's chat with the bot; `started=False` if they never wrote to it."""
        chat = self._chats.get(user.id)
        if chat is None:
            chat = Chat(user.id, "private", username=user.username, first_name=user.first_name)
            chat.members[user.id] = "member"
            self._chats[chat.id] = chat
        chat.started = started
        return chat

    def group(
        self,
        title: str = "Study group",
        *,
        creator: User | None = None,
        admins: Iterable[User] = (),
        members: Iterable[User] = (),
    ) -> Chat:
        chat = Chat(-next(self._group_ids), "group", title=title)
        return self._populate(chat, creator, admins, members)

    def supergroup(
        self,
        title: str = "Study supergroup",
        *,
        forum: bool = False,
        username: str | None = None,
        creator: User | None = None,
        admins: Iterable[User] = (),
        members: Iterable[User] = (),
    ) -> Chat:
        chat_id = -1_000_000_000_000 - next(self._supergroup_ids)
        chat = Chat(chat_id, "supergroup", title=title, username=username, is_forum=forum)
        return self._populate(chat, creator, admins, members)

    def topic(self, chat: Chat, name: str, *, creator: User | None = None) -> Topic:
        """A new forum thread in `chat`."""
        if not chat.is_forum:
            raise ValueError(f"chat {chat.id} is not a forum")
        opener = creator or self._someone_in(chat)
        message = self._new_message(chat, opener)
        message.service["forum_topic_created"] = {"name": name, "icon_color": 7322096}
        message.thread_id = message.message_id
        chat.topics[message.message_id] = name
        return Topic(chat, message.message_id, name)

    def set_member(self, chat: Chat, user: User, status: str) -> None:
        """Make `user` a "creator", "administrator", "member", "left" or "kicked" of `chat`."""
        chat.members[user.id] = status

    def set_bot_admin(self, chat: Chat, admin: bool = True) -> None:
        """An administrator bot sees every group message, privacy mode or not."""
        chat.bot_admin = admin

    def block(self, user: User) -> None:
        """The user blocks the bot: sends to their chat fail with 403."""
        chat = self.private_chat(user)
        chat.blocked = True
        self._chat_member_update(chat, user, "member", "kicked")

    def unblock(self, user: User) -> None:
        chat = self.private_chat(user)
        chat.blocked = False
        self._chat_member_update(chat, user, "kicked", "member")

    def kick_bot(self, chat: Chat, *, by: User | None = None) -> None:
        """The bot is removed from a group: sends to it fail with 403."""
        chat.bot_kicked = True
        self._chat_member_update(chat, by or self._someone_in(chat), "member", "kicked")

    def migrate(self, group: Chat, *, by: User | None = None) -> Chat:
        """Upgrade a basic group to a supergroup; the old id then answers with a migrate error."""
        if group.type != "group":
            raise ValueError(f"chat {group.id} is not a basic group")
        actor = by or self._someone_in(group)
        supergroup = self.supergroup(group.title or "Study supergroup")
        supergroup.members.update(group.members)
        supergroup.bot_admin = group.bot_admin
        group.migrated_to = supergroup.id
        farewell = self._new_message(group, actor)
        farewell.service["migrate_to_chat_id"] = supergroup.id
        self._enqueue("message", farewell.to_dict())
        welcome = self._new_message(supergroup, actor)
        welcome.service["migrate_from_chat_id"] = group.id
        self._enqueue("message", welcome.to_dict())
        return supergroup

    # What the users do ---------------------------------------------------------------------

    def send_text(
        self,
        user: User,
        chat: Chat,
        text: str,
        *,
        reply_to: FakeMessage | None = None,
        topic: Topic | None = None,
    ) -> FakeMessage:
        """The user writes `text`; returns the message, whose `update_id` is None if privacy
        mode kept it from the bot."""
        message = self._user_message(user, chat, reply_to, topic)
        message.text = text
        message.entities = _detected_entities(text)
        return self._publish(message)

    def send_sticker(
        self, user: User, chat: Chat, emoji: str = "👍", *, reply_to: FakeMessage | None = None
    ) -> FakeMessage:
        message = self._user_message(user, chat, reply_to, None)
        file_id, unique_id = self._new_file(b"sticker")
        message.media["sticker"] = {
            "file_id": file_id, "file_unique_id": unique_id, "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": emoji,
        }
        return self._publish(message)

    def send_photo(
        self,
        user: User,
        chat: Chat,
        data: bytes = TINY_PNG,
        *,
        caption: str | None = None,
        reply_to: FakeMessage | None = None,
    ) -> FakeMessage:
        message = self._user_message(user, chat, reply_to, None)
        message.photo = data
        message.media["photo"] = self._photo_sizes(data)
        if caption is not None:
            message.caption = caption
            message.caption_entities = _detected_entities(caption)
        return self._publish(message)

    def send_voice(
        self, user: User, chat: Chat, duration: int = 2, *, reply_to: FakeMessage | None = None
    ) -> FakeMessage:
        message = self._user_message(user, chat, reply_to, None)
        file_id, unique_id = self._new_file(b"OggS-voice")
        message.media["voice"] = {
            "file_id": file_id, "file_unique_id": unique_id, "duration": duration,
            "mime_type": "audio/ogg", "file_size": 10,
        }
        return self._publish(message)

    def edit_text(self, message: FakeMessage, text: str) -> int | None:
        """The user edits their message; returns the edited_message update's id, if any."""
        if message.from_bot or message.text is None:
            raise ValueError("only a user's text message can be edited by the user")
        message.edits.append(message.revision())
        message.text = text
        message.entities = _detected_entities(text)
        message.edit_date = _now()
        if not self._bot_sees(message):
            return None
        return self._enqueue("edited_message", message.to_dict())

    def press(self, user: User, message: FakeMessage, callback_data: str) -> str:
        """The user taps the button carrying `callback_data`; returns the callback query id."""
        if message.deleted or callback_data not in {
            button.get("callback_data") for button in message.buttons
        }:
            raise ValueError(
                f"message {message.message_id} shows no button with data {callback_data!r}"
            )
        query_id = str(next(self._query_ids))
        self._callback_queries[query_id] = _CallbackQuery(
            user, message, callback_data, time.monotonic()
        )
        self._enqueue("callback_query", {
            "id": query_id,
            "from": user.to_dict(),
            "message": message.to_dict(),
            "chat_instance": str(abs(message.chat.id) * 7919),
            "data": callback_data,
        })
        return query_id

    def expire_callback_query(self, query_id: str) -> None:
        """Make the query too old to answer, as if the bot had been slow."""
        self._callback_queries[query_id].created -= self.callback_query_ttl + 1

    def answer_poll(self, user: User, message: FakeMessage, option_ids: list[int]) -> int | None:
        """The user votes; a poll_answer update reaches the bot unless the poll is anonymous."""
        poll = message.poll
        if poll is None:
            raise ValueError(f"message {message.message_id} is not a poll")
        for option_id in option_ids:
            poll["options"][option_id]["voter_count"] += 1
        poll["total_voter_count"] += 1
        if poll["is_anonymous"]:
            return None
        return self._enqueue("poll_answer", {
            "poll_id": poll["id"],
            "user": user.to_dict(),
            "option_ids": option_ids,
            "option_persistent_ids": [str(option_id) for option_id in option_ids],
        })

    def push_update(self, payload: Json) -> int:
        """Queue a raw update, such as a type the bot does not know; `update_id` is added."""
        [(kind, body)] = payload.items()
        return self._enqueue(kind, body)

    def redeliver(self, update_id: int) -> None:
        """Deliver an update again with its original id, as Telegram does after a bot failed
        to confirm it; it reaches a polling bot even if its offset has moved past it."""
        original = self._updates[update_id]
        self._pending.append(_Pending(update_id, original.kind, original.payload, True))
        self._notify()

    # Scripted failures ------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error: Failure,
        *,
        chat_id: Chat | int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`, if given) with `error`."""
        target = chat_id.id if isinstance(chat_id, Chat) else chat_id
        self._scripted.append(_Scripted(method.lower(), error, target, times))

    # What the bot did -------------------------------------------------------------------------

    def bot_messages(self, chat: Chat, *, topic: Topic | None = None) -> list[FakeMessage]:
        """Every message the bot sent to `chat` (or a thread of it), deleted ones included."""
        thread = topic.message_thread_id if topic is not None else None
        return [
            message for (chat_id, _), message in sorted(self._messages.items())
            if chat_id == chat.id and message.from_bot
            and (topic is None or message.thread_id == thread)
        ]

    def message(self, chat: Chat, message_id: int) -> FakeMessage:
        return self._messages[(chat.id, message_id)]

    def calls_of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def commands(self, *, scope: Json | None = None, language_code: str = "") -> list[Json]:
        """The command menu set for a scope (default scope unless given)."""
        return list(self._commands.get(_commands_key(scope, language_code), []))

    def pending_updates(self) -> list[int]:
        return [entry.update_id for entry in self._pending]

    async def wait_for_messages(
        self, chat: Chat, n: int = 1, timeout: float = 5.0, *, topic: Topic | None = None
    ) -> list[FakeMessage]:
        """All the bot's messages in `chat` once there are at least `n`."""
        await self._wait_until(
            lambda: len(self.bot_messages(chat, topic=topic)) >= n, timeout,
            lambda: f"{n} bot messages in chat {chat.id}, got "
            f"{[message.text for message in self.bot_messages(chat, topic=topic)]}",
        )
        return self.bot_messages(chat, topic=topic)

    async def wait_for_calls(self, method: str, n: int = 1, timeout: float = 5.0) -> list[ApiCall]:
        """All finished calls of `method` once there are at least `n`."""
        def finished() -> list[ApiCall]:
            return [call for call in self.calls_of(method) if call.outcome != "pending"]

        await self._wait_until(
            lambda: len(finished()) >= n, timeout,
            lambda: f"{n} finished {method} calls, got {len(finished())}",
        )
        return finished()

    async def wait_for_confirmed(self, update_id: int, timeout: float = 5.0) -> None:
        """Until the bot has confirmed the update (polling offset past it, or webhook 2xx)."""
        await self._wait_until(
            lambda: update_id in self.confirmed, timeout,
            lambda: f"update {update_id} confirmed",
        )

    async def wait_for_callback_answer(
        self, query_id: str, timeout: float = 5.0
    ) -> CallbackAnswer:
        await self._wait_until(
            lambda: query_id in self.callback_answers, timeout,
            lambda: f"an answer to callback query {query_id}",
        )
        return self.callback_answers[query_id]

    # Behind the scenes ------------------------------------------------------------------------

    def _populate(
        self, chat: Chat, creator: User | None, admins: Iterable[User], members: Iterable[User]
    ) -> Chat:
        for member in members:
            chat.members[member.id] = "member"
        for admin in admins:
            chat.members[admin.id] = "administrator"
        if creator is not None:
            chat.members[creator.id] = "creator"
        self._chats[chat.id] = chat
        return chat

    def _someone_in(self, chat: Chat) -> User:
        for user_id, status in chat.members.items():
            if status in ("creator", "administrator", "member"):
                return self._users[user_id]
        return self.user("Someone")

    def _new_message(self, chat: Chat, sender: User) -> FakeMessage:
        counter = self._message_ids.setdefault(chat.id, itertools.count(1))
        message = FakeMessage(chat, next(counter), sender, _now())
        self._messages[(chat.id, message.message_id)] = message
        return message

    def _new_file(self, data: bytes) -> tuple[str, str]:
        number = next(self._file_ids)
        file_id = f"AgACAgfake-{number}"
        self.files[file_id] = data
        return file_id, f"unique-{number}"

    def _photo_sizes(self, data: bytes) -> list[Json]:
        file_id, unique_id = self._new_file(data)
        width, height = _image_size(data)
        return [{
            "file_id": file_id, "file_unique_id": unique_id, "width": width, "height": height,
            "file_size": len(data),
        }]

    def _user_message(
        self, user: User, chat: Chat, reply_to: FakeMessage | None, topic: Topic | None
    ) -> FakeMessage:
        if chat.type == "private":
            chat.started = True
        elif user.id not in chat.members:
            chat.members[user.id] = "member"
        message = self._new_message(chat, user)
        message.reply_to = reply_to
        if topic is not None:
            message.thread_id = topic.message_thread_id
        return message

    def _publish(self, message: FakeMessage) -> FakeMessage:
        if self._bot_sees(message):
            message.update_id = self._enqueue("message", message.to_dict())
        return message

    def _bot_sees(self, message: FakeMessage) -> bool:
        """Privacy mode: in groups the bot sees commands and replies to itself only."""
        chat = message.chat
        if chat.type == "private":
            return not chat.blocked
        if chat.bot_kicked or chat.migrated_to is not None:
            return False
        if self.can_read_all_group_messages or chat.bot_admin:
            return True
        if message.reply_to is not None and message.reply_to.from_bot:
            return True
        text = message.text if message.text is not None else message.caption or ""
        command = _BOT_COMMAND.match(text)
        if command is None:
            return False
        _, _, addressee = command.group().partition("@")
        return addressee == "" or addressee.lower() == (self.bot.username or "").lower()

    def _chat_member_update(self, chat: Chat, by: User, old: str, new: str) -> None:
        def member(status: str) -> Json:
            data: Json = {"user": self.bot.to_dict(), "status": status}
            if status == "kicked":
                data["until_date"] = 0
            return data

        self._enqueue("my_chat_member", {
            "chat": chat.to_dict(), "from": by.to_dict(), "date": _now(),
            "old_chat_member": member(old), "new_chat_member": member(new),
        })

    def _enqueue(self, kind: str, payload: Json) -> int:
        entry = _Pending(next(self._update_ids), kind, payload)
        self._updates[entry.update_id] = entry
        self._pending.append(entry)
        self._notify()
        return entry.update_id

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(
        self, ready: Callable[[], bool], timeout: float, wanted: Callable[[], str]
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not ready():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout} s waiting for {wanted()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def _take_failure(self, method: str, params: _Params) -> Failure | None:
        chat_id = params.chat_id()
        for scripted in self._scripted:
            if scripted.method == method.lower() and scripted.chat_id in (None, chat_id):
                scripted.remaining -= 1
                if scripted.remaining <= 0:
                    self._scripted.remove(scripted)
                return scripted.failure
        return None

    # HTTP ---------------------------------------------------------------------------------------

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _answer(UNAUTHORIZED)
        name = request.match_info["method"]
        entry = self._methods.get(name.lower())
        try:
            params = await _read_params(request)
        except _Refused as refused:
            return _answer(refused.error)
        call = ApiCall(entry[0] if entry else name, params.values, params.files, params.chat_id())
        self.calls.append(call)
        self.counts[call.method] += 1
        if entry is None:
            return self._finish(call, NOT_FOUND)
        failure = self._take_failure(call.method, params)
        if isinstance(failure, ApiError):
            return self._finish(call, failure)
        refusal: ApiError | None = None
        if failure is None or failure.applied:
            try:
                call.result = await entry[1](params)
            except _Refused as refused:
                refusal = refused.error
            else:
                call.applied = True
        if failure is None:
            return self._finish(call, refusal)
        if refusal is not None:
            call.description = refusal.description
        return await self._misbehave(request, call, failure, refusal)

    def _finish(self, call: ApiCall, error: ApiError | None) -> web.Response:
        if error is None:
            call.status, call.outcome = 200, "ok"
            response = web.json_response({"ok": True, "result": call.result})
        else:
            call.status, call.outcome, call.description = error.status, "error", error.description
            response = _answer(error)
        self._notify()
        return response

    async def _misbehave(
        self,
        request: web.Request,
        call: ApiCall,
        failure: Timeout | Disconnect,
        refusal: ApiError | None,
    ) -> web.Response:
        if isinstance(failure, Timeout):
            call.outcome = "timeout"
            self._notify()
            await asyncio.sleep(failure.hold)
            if refusal is not None:
                return _answer(refusal)
            return web.json_response({"ok": True, "result": call.result})
        call.outcome = "disconnect"
        self._notify()
        if request.transport is not None:
            request.transport.close()
        await asyncio.sleep(3600)
        raise AssertionError("unreachable: the handler is cancelled when the connection closes")

    async def _serve_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].rpartition("/")[2]
        data = self.files.get(file_id)
        if data is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=data, content_type="application/octet-stream")

    def _handlers(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendPoll": self._send_poll,
            "stopPoll": self._stop_poll,
            "deleteMessage": self._delete_message,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getFile": self._get_file,
        }

    # Bot API methods -------------------------------------------------------------------------

    async def _get_me(self, params: _Params) -> Json:
        return {
            **self.bot.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: _Params) -> list[Json]:
        if self._webhook is not None:
            raise _Refused(ApiError(
                409, "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            ))
        offset = params.integer("offset") or 0
        limit = min(max(params.integer("limit") or 100, 1), 100)
        timeout = max(params.number("timeout") or 0.0, 0.0)
        allowed = params.structure("allowed_updates", "allowed updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        self._poll_generation += 1
        generation = self._poll_generation
        self._confirm_below(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
            if generation != self._poll_generation:
                raise _Refused(ApiError(
                    409, "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                ))
        for entry in batch:
            entry.redelivery = False
        return [entry.to_dict() for entry in batch]

    def _confirm_below(self, offset: int) -> None:
        if offset < 0:
            for entry in self._pending[:offset]:
                self.confirmed.add(entry.update_id)
            self._pending = self._pending[offset:]
            return
        for entry in list(self._pending):
            if entry.update_id < offset and not entry.redelivery:
                self._pending.remove(entry)
                self.confirmed.add(entry.update_id)
        self._notify()

    def _deliverable(self, limit: int) -> list[_Pending]:
        batch: list[_Pending] = []
        for entry in list(self._pending):
            if not self._allowed(entry.kind, self._allowed_updates):
                self._pending.remove(entry)
                continue
            batch.append(entry)
            if len(batch) == limit:
                break
        return batch

    @staticmethod
    def _allowed(kind: str, allowed: frozenset[str] | None) -> bool:
        return kind not in _DEFAULT_HIDDEN_UPDATES if allowed is None else kind in allowed

    async def _set_webhook(self, params: _Params) -> bool:
        url = params.text("url") or ""
        if not url:
            return await self._delete_webhook(params)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _Refused(bad_request("bad webhook: invalid webhook URL specified"))
        if parts.hostname not in _LOOPBACK:
            raise _Refused(bad_request(
                "bad webhook: Failed to resolve host: Name or service not known"
            ))
        allowed = params.structure("allowed_updates", "allowed updates")
        if params.flag("drop_pending_updates"):
            self._drop_pending()
        await self._cancel_webhook()
        hook = _Webhook(
            url, params.text("secret_token"), params.integer("max_connections") or 40,
            frozenset(allowed) if allowed else None,
        )
        hook.task = asyncio.create_task(self._deliver_webhooks(hook))
        self._webhook = hook
        self._poll_generation += 1
        self._notify()
        return True

    async def _delete_webhook(self, params: _Params) -> bool:
        if params.flag("drop_pending_updates"):
            self._drop_pending()
        await self._cancel_webhook()
        return True

    async def _cancel_webhook(self) -> None:
        hook, self._webhook = self._webhook, None
        if hook is not None and hook.task is not None:
            hook.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await hook.task
        for entry in self._pending:
            entry.in_flight = False

    def _drop_pending(self) -> None:
        self.confirmed.update(entry.update_id for entry in self._pending)
        self._pending.clear()

    async def _get_webhook_info(self, params: _Params) -> Json:
        hook = self._webhook
        info: Json = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.allowed_updates is not None:
                info["allowed_updates"] = sorted(hook.allowed_updates)
            if hook.last_error is not None:
                info["last_error_date"] = _now()
                info["last_error_message"] = hook.last_error
        return info

    async def _deliver_webhooks(self, hook: _Webhook) -> None:
        slots = asyncio.Semaphore(hook.max_connections)
        posts: set[asyncio.Task[None]] = set()
        try:
            while not self._closing:
                entry = next((entry for entry in self._pending if not entry.in_flight), None)
                if entry is None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), 1.0)
                    continue
                if not self._allowed(entry.kind, hook.allowed_updates):
                    self._pending.remove(entry)
                    continue
                await slots.acquire()
                entry.in_flight = True
                post = asyncio.create_task(self._post_update(hook, entry, slots))
                posts.add(post)
                post.add_done_callback(posts.discard)
        finally:
            for post in list(posts):
                post.cancel()

    async def _post_update(
        self, hook: _Webhook, entry: _Pending, slots: asyncio.Semaphore
    ) -> None:
        assert self._session is not None
        headers = {}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        status: int | None = None
        error: str | None = None
        try:
            async with self._session.post(
                hook.url, json=entry.to_dict(), headers=headers,
                timeout=aiohttp.ClientTimeout(total=10),
            ) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            slots.release()
        self.webhook_deliveries.append(WebhookDelivery(entry.update_id, status, error))
        if status is not None and 200 <= status < 300:
            if entry in self._pending:
                self._pending.remove(entry)
            self.confirmed.add(entry.update_id)
            self._notify()
            return
        hook.last_error = error or f"Wrong response from the webhook: {status}"
        self._notify()
        await asyncio.sleep(self.webhook_retry_delay)
        entry.in_flight = False
        self._notify()

    async def _send_message(self, params: _Params) -> Json:
        chat = self._writable_chat(params)
        thread_id = self._thread(chat, params)
        reply_to = self._reply_target(chat, params)
        text, entities, source = self._formatted(params, "text", "entities", MAX_TEXT)
        if not text.strip():
            raise _Refused(bad_request("message text is empty"))
        if utf16_len(text) > MAX_TEXT:
            raise _Refused(bad_request("message is too long"))
        markup = self._markup(params)
        self._spend(chat)
        message = self._new_message(chat, self.bot)
        message.text, message.entities, message.source = text, entities, source
        message.parse_mode = params.text("parse_mode")
        message.reply_markup, message.reply_to, message.thread_id = markup, reply_to, thread_id
        return message.to_dict()

    async def _send_photo(self, params: _Params) -> Json:
        chat = self._writable_chat(params)
        thread_id = self._thread(chat, params)
        reply_to = self._reply_target(chat, params)
        data, sizes = self._photo_upload(params)
        caption, entities, _ = self._formatted(params, "caption", "caption_entities", MAX_CAPTION)
        if utf16_len(caption) > MAX_CAPTION:
            raise _Refused(bad_request("message caption is too long"))
        markup = self._markup(params)
        self._spend(chat)
        message = self._new_message(chat, self.bot)
        message.photo, message.media["photo"] = data, sizes
        if caption:
            message.caption, message.caption_entities = caption, entities
        message.reply_markup, message.reply_to, message.thread_id = markup, reply_to, thread_id
        return message.to_dict()

    def _photo_upload(self, params: _Params) -> tuple[bytes | None, list[Json]]:
        value = params.text("photo")
        data = params.files.get("photo")
        if value and value.startswith("attach://"):
            data = params.files.get(value.removeprefix("attach://"))
        if data is not None:
            if not data:
                raise _Refused(bad_request("file must be non-empty"))
            if not data.startswith(_IMAGE_SIGNATURES) and data[8:12] != b"WEBP":
                raise _Refused(bad_request("IMAGE_PROCESS_FAILED"))
            return data, self._photo_sizes(data)
        if not value:
            raise _Refused(bad_request("there is no photo in the request"))
        if value in self.files:
            return self.files[value], self._photo_sizes(self.files[value])
        if value.startswith(("http://", "https://")):
            return None, self._photo_sizes(b"")
        raise _Refused(bad_request("wrong file identifier/HTTP URL specified"))

    async def _send_poll(self, params: _Params) -> Json:
        chat = self._writable_chat(params)
        thread_id = self._thread(chat, params)
        reply_to = self._reply_target(chat, params)
        question = params.text("question") or ""
        if not question.strip():
            raise _Refused(bad_request("poll question must be non-empty"))
        if len(question) > 300:
            raise _Refused(bad_request("poll question length must not exceed 300"))
        options = _poll_options(params.structure("options", "poll options"))
        kind = params.text("type") or "regular"
        correct = _correct_options(params)
        if kind == "quiz" and (not correct or not all(0 <= c < len(options) for c in correct)):
            raise _Refused(bad_request("wrong correct option ID specified"))
        markup = self._markup(params)
        self._spend(chat)
        poll: Json = {
            "id": str(5_000_000 + next(self._poll_ids)),
            "question": question,
            "options": [
                {"text": text, "voter_count": 0, "persistent_id": str(index)}
                for index, text in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": params.flag("is_anonymous", default=True),
            "type": kind,
            "allows_multiple_answers": params.flag("allows_multiple_answers"),
            "allows_revoting": params.flag("allows_revoting", default=kind != "quiz"),
            "members_only": params.flag("members_only"),
        }
        if kind == "quiz":
            poll["correct_option_ids"] = correct
        explanation = params.text("explanation")
        if explanation:
            poll["explanation"] = explanation
        message = self._new_message(chat, self.bot)
        message.media["poll"] = poll
        message.reply_markup, message.reply_to, message.thread_id = markup, reply_to, thread_id
        self._polls[poll["id"]] = message
        return message.to_dict()

    async def _stop_poll(self, params: _Params) -> Json:
        chat = self._writable_chat(params)
        message = self._bot_message(chat, params, "message with poll to stop not found")
        poll = message.poll
        if poll is None:
            raise _Refused(bad_request("message with poll to stop not found"))
        if poll["is_closed"]:
            raise _Refused(bad_request("poll has already been closed"))
        poll["is_closed"] = True
        return dict(poll)

    async def _edit_message_text(self, params: _Params) -> Json:
        chat = self._writable_chat(params)
        message = self._bot_message(chat, params, "message to edit not found")
        if message.text is None:
            raise _Refused(bad_request("there is no text in the message to edit"))
        text, entities, source = self._formatted(params, "text", "entities", MAX_TEXT)
        if not text.strip():
            raise _Refused(bad_request("message text is empty"))
        if utf16_len(text) > MAX_TEXT:
            raise _Refused(bad_request("message is too long"))
        markup = self._markup(params)
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise _Refused(NOT_MODIFIED)
        if self.limits.count_edits:
            self._spend(chat)
        message.edits.append(message.revision())
        message.text, message.entities, message.source = text, entities, source
        message.parse_mode = params.text("parse_mode")
        message.reply_markup, message.edit_date = markup, _now()
        return message.to_dict()

    async def _edit_message_reply_markup(self, params: _Params) -> Json:
        chat = self._writable_chat(params)
        message = self._bot_message(chat, params, "message to edit not found")
        markup = self._markup(params)
        if markup == message.reply_markup:
            raise _Refused(NOT_MODIFIED)
        if self.limits.count_edits:
            self._spend(chat)
        message.edits.append(message.revision())
        message.reply_markup, message.edit_date = markup, _now()
        return message.to_dict()

    async def _delete_message(self, params: _Params) -> bool:
        chat = self._writable_chat(params)
        message_id = params.integer("message_id")
        message = self._messages.get((chat.id, message_id or 0))
        if message is None or message.deleted:
            raise _Refused(bad_request("message to delete not found"))
        if not message.from_bot and chat.is_group and not chat.bot_admin:
            raise _Refused(bad_request("message can't be deleted"))
        message.deleted = True
        return True

    async def _answer_callback_query(self, params: _Params) -> bool:
        query_id = params.text("callback_query_id") or ""
        query = self._callback_queries.get(query_id)
        too_old = query is None or time.monotonic() - query.created > self.callback_query_ttl
        if query is None or too_old or query.answered:
            raise _Refused(QUERY_TOO_OLD)
        text = params.text("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER:
            raise _Refused(bad_request("MESSAGE_TOO_LONG"))
        query.answered = True
        self.callback_answers[query_id] = CallbackAnswer(
            query_id, text, params.flag("show_alert"), params.text("url")
        )
        return True

    async def _send_chat_action(self, params: _Params) -> bool:
        chat = self._writable_chat(params)
        self._thread(chat, params)
        action = params.text("action") or ""
        if action not in _CHAT_ACTIONS:
            raise _Refused(bad_request("wrong parameter action in request"))
        self.chat_actions.append((chat.id, action))
        return True

    async def _set_my_commands(self, params: _Params) -> bool:
        commands = params.structure("commands", "bot commands")
        if not isinstance(commands, list):
            raise _Refused(bad_request("can't parse bot commands JSON object"))
        if len(commands) > 100:
            raise _Refused(bad_request("BOT_COMMANDS_TOO_MUCH"))
        for command in commands:
            if not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise _Refused(bad_request("BOT_COMMAND_INVALID"))
            description = str(command.get("description", ""))
            if not description.strip():
                raise _Refused(bad_request("command description must be non-empty"))
            if len(description) > 256:
                raise _Refused(bad_request("BOT_COMMAND_DESCRIPTION_INVALID"))
        key = _commands_key(
            params.structure("scope", "bot command scope"), params.text("language_code") or ""
        )
        self._commands[key] = [
            {"command": command["command"], "description": command["description"]}
            for command in commands
        ]
        return True

    async def _get_my_commands(self, params: _Params) -> list[Json]:
        key = _commands_key(
            params.structure("scope", "bot command scope"), params.text("language_code") or ""
        )
        return list(self._commands.get(key, []))

    async def _delete_my_commands(self, params: _Params) -> bool:
        key = _commands_key(
            params.structure("scope", "bot command scope"), params.text("language_code") or ""
        )
        self._commands.pop(key, None)
        return True

    async def _get_chat_member(self, params: _Params) -> Json:
        chat = self._known_chat(params)
        user_id = params.integer("user_id")
        if user_id == self.bot.id:
            status = "administrator" if chat.bot_admin else "member"
            return _member(self.bot, "kicked" if chat.bot_kicked else status)
        user = self._users.get(user_id or 0)
        if user is None:
            raise _Refused(bad_request("user not found"))
        return _member(user, chat.members.get(user.id, "left"))

    async def _get_chat_administrators(self, params: _Params) -> list[Json]:
        chat = self._known_chat(params)
        if chat.type == "private":
            raise _Refused(bad_request("there are no administrators in the private chat"))
        admins = [
            _member(self._users[user_id], status)
            for user_id, status in chat.members.items()
            if status in ("creator", "administrator")
        ]
        if chat.bot_admin:
            admins.append(_member(self.bot, "administrator"))
        return admins

    async def _get_file(self, params: _Params) -> Json:
        file_id = params.text("file_id") or ""
        data = self.files.get(file_id)
        if data is None:
            raise _Refused(bad_request("wrong file_id or the file is temporarily unavailable"))
        return {
            "file_id": file_id, "file_unique_id": f"unique-{file_id.rpartition('-')[2]}",
            "file_size": len(data), "file_path": f"files/{file_id}",
        }

    # Checks shared by the methods -------------------------------------------------------------

    def _known_chat(self, params: _Params) -> Chat:
        raw = params.values.get("chat_id")
        if raw is None or raw == "":
            raise _Refused(bad_request("chat_id is empty"))
        chat: Chat | None
        if isinstance(raw, str) and raw.startswith("@"):
            name = raw[1:].lower()
            chat = next(
                (c for c in self._chats.values() if (c.username or "").lower() == name), None
            )
        else:
            try:
                chat = self._chats.get(int(raw))
            except (TypeError, ValueError):
                chat = None
        if chat is None:
            raise _Refused(bad_request("chat not found"))
        return chat

    def _writable_chat(self, params: _Params) -> Chat:
        """The target chat, if the bot may write to it."""
        chat = self._known_chat(params)
        if chat.migrated_to is not None:
            raise _Refused(migrated(chat.migrated_to))
        if chat.type == "private" and chat.blocked:
            raise _Refused(BLOCKED)
        if chat.type == "private" and not chat.started:
            raise _Refused(CANT_INITIATE)
        if chat.bot_kicked:
            raise _Refused(KICKED if chat.type == "group" else KICKED_SUPERGROUP)
        return chat

    def _thread(self, chat: Chat, params: _Params) -> int | None:
        thread_id = params.integer("message_thread_id")
        if thread_id is not None and thread_id not in chat.topics:
            raise _Refused(bad_request("message thread not found"))
        return thread_id

    def _reply_target(self, chat: Chat, params: _Params) -> FakeMessage | None:
        reply = params.structure("reply_parameters", "reply parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            tolerant = bool(reply.get("allow_sending_without_reply"))
        else:
            message_id = params.integer("reply_to_message_id")
            tolerant = params.flag("allow_sending_without_reply")
        if message_id is None:
            return None
        target = self._messages.get((chat.id, int(message_id)))
        if target is None or target.deleted:
            if tolerant:
                return None
            raise _Refused(bad_request("message to be replied not found"))
        return target

    def _bot_message(self, chat: Chat, params: _Params, missing: str) -> FakeMessage:
        if params.values.get("inline_message_id"):
            raise _Refused(bad_request("MESSAGE_ID_INVALID"))
        message = self._messages.get((chat.id, params.integer("message_id") or 0))
        if message is None or message.deleted:
            raise _Refused(bad_request(missing))
        if not message.from_bot:
            raise _Refused(bad_request("message can't be edited"))
        return message

    def _formatted(
        self, params: _Params, text_field: str, entities_field: str, limit: int
    ) -> tuple[str, list[Json], str]:
        """The text after entity parsing, its entities and the source as sent."""
        source = params.text(text_field) or ""
        parse_mode = (params.text("parse_mode") or "").lower()
        if parse_mode == "html":
            try:
                text, entities = parse_html(source, strict_ampersand=self.strict_ampersand)
            except EntityParseError as exc:
                raise _Refused(bad_request(f"can't parse entities: {exc}")) from None
            return text, entities, source
        if parse_mode in ("markdown", "markdownv2"):
            raise _Refused(bad_request(
                "can't parse entities: the fake Telegram implements parse_mode HTML only"
            ))
        if parse_mode:
            raise _Refused(bad_request("unsupported parse_mode"))
        entities = params.structure(entities_field, "entities") or []
        if not isinstance(entities, list):
            raise _Refused(bad_request("can't parse entities JSON object"))
        return source, entities, source

    def _markup(self, params: _Params) -> Json | None:
        markup = params.structure("reply_markup", "reply keyboard markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _Refused(bad_request("can't parse reply keyboard markup JSON object"))
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _Refused(bad_request(
                "can't parse inline keyboard button: "
                'Field "inline_keyboard" must be of type Array'
            ))
        for row in rows:
            for button in row:
                _check_button(button)
        return markup

    def _spend(self, chat: Chat) -> None:
        retry_after = self._flood.retry_after(chat.id, group=chat.is_group)
        if retry_after:
            raise _Refused(flood(retry_after))


# Helpers -------------------------------------------------------------------------------------


async def _read_params(request: web.Request) -> _Params:
    values: Json = dict(request.query)
    files: dict[str, bytes] = {}
    if request.content_type == "application/json":
        raw = await request.read()
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                raise _Refused(bad_request("can't parse JSON encoded request")) from None
            if not isinstance(body, dict):
                raise _Refused(bad_request("can't parse JSON encoded request"))
            values.update(body)
    elif request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = value.file.read()
            else:
                values[key] = value
    return _Params(values, files)


def _answer(error: ApiError) -> web.Response:
    return web.json_response(error.body(), status=error.status)


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise _Refused(bad_request(
            'can\'t parse inline keyboard button: Can\'t find field "text"'
        ))
    if not button["text"]:
        raise _Refused(bad_request("can't parse inline keyboard button: Text must be non-empty"))
    data = button.get("callback_data")
    if not any(button.get(action) not in (None, "") for action in _BUTTON_ACTIONS):
        raise _Refused(bad_request(
            "can't parse InlineKeyboardButton: Text buttons are not allowed in the inline keyboard"
        ))
    if data is not None and len(str(data).encode("utf-8")) > MAX_CALLBACK_DATA:
        raise _Refused(bad_request("BUTTON_DATA_INVALID"))
    url = button.get("url")
    if url is not None and urlsplit(str(url)).scheme not in ("http", "https", "tg"):
        raise _Refused(bad_request("BUTTON_URL_INVALID"))


def _poll_options(raw: Any) -> list[str]:
    if not isinstance(raw, list):
        raise _Refused(bad_request("can't parse poll options JSON object"))
    options = [str(option["text"] if isinstance(option, dict) else option) for option in raw]
    if len(options) < 2:
        raise _Refused(bad_request("poll must have at least 2 option"))
    if len(options) > 12:
        raise _Refused(bad_request("poll can't have more than 12 options"))
    if any(not option.strip() or len(option) > 100 for option in options):
        raise _Refused(bad_request("poll options length must not exceed 100"))
    return options


def _correct_options(params: _Params) -> list[int]:
    many = params.structure("correct_option_ids", "correct option IDs")
    if isinstance(many, list):
        return [int(option) for option in many]
    single = params.integer("correct_option_id")
    return [] if single is None else [single]


def _commands_key(scope: Any, language_code: str) -> tuple[str, str]:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code


def _member(user: User, status: str) -> Json:
    data: Json = {"status": status, "user": user.to_dict()}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        rights = (
            "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
            "can_restrict_members", "can_change_info", "can_invite_users", "can_pin_messages",
        )
        data.update(dict.fromkeys(rights, True))
        data.update({
            "can_be_edited": False, "is_anonymous": False, "can_promote_members": False,
            "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
        })
    elif status == "kicked":
        data["until_date"] = 0
    return data


def _detected_entities(text: str) -> list[Json]:
    """The entities Telegram adds to a user's plain text: commands and mentions."""
    found = [("bot_command", match) for match in _BOT_COMMAND.finditer(text)]
    found += [("mention", match) for match in _MENTION.finditer(text)]
    entities = [
        {
            "type": kind,
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for kind, match in found
    ]
    return sorted(entities, key=lambda entity: entity["offset"])


def _image_size(data: bytes) -> tuple[int, int]:
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 512, 512


def _now() -> int:
    return int(time.time())
