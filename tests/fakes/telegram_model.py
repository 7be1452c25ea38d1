"""What the fake Telegram is made of: its error answers and the world around the bot.

Errors are data: an `ApiError` is the body Telegram would send, and `Timeout` and
`Disconnect` are the two ways the network lets a bot down. The world is the users, the
chats with their state, and every message in them, the bot's included, with its
parsed text and its edits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]

# Errors, as Telegram words them -------------------------------------------------------


@dataclass(frozen=True)
class ApiError:
    """An error answer: HTTP status, Telegram's description and optional parameters."""

    status: int
    description: str
    parameters: Mapping[str, Any] | None = None

    def body(self) -> Json:
        body: Json = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def migrated(to_chat_id: int) -> ApiError:
    """The answer for a group that became a supergroup; PTB raises ChatMigrated."""
    return ApiError(
        400, "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": to_chat_id},
    )


def flood(retry_after: int) -> ApiError:
    """The answer to a bot over its flood limit; PTB raises RetryAfter."""
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


BLOCKED = ApiError(403, "Forbidden: bot was blocked by the user")
KICKED = ApiError(403, "Forbidden: bot was kicked from the group chat")
KICKED_SUPERGROUP = ApiError(403, "Forbidden: bot was kicked from the supergroup chat")
CANT_INITIATE = ApiError(403, "Forbidden: bot can't initiate conversation with a user")
QUERY_TOO_OLD = bad_request(
    "query is too old and response timeout expired or query ID is invalid"
)
NOT_MODIFIED = bad_request(
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
NOT_FOUND = ApiError(404, "Not Found")
UNAUTHORIZED = ApiError(401, "Unauthorized")


@dataclass(frozen=True)
class Timeout:
    """Hold the answer longer than the client waits; `applied` says whether the call still
    takes effect, which is how a retry after a time-out becomes a double send."""

    applied: bool = True
    hold: float = 3600.0


@dataclass(frozen=True)
class Disconnect:
    """Close the connection without answering, after applying the call if `applied`."""

    applied: bool = False


Failure = ApiError | Timeout | Disconnect


# The world the bot lives in -------------------------------------------------------------


@dataclass(eq=False)
class User:
    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False

    def to_dict(self) -> Json:
        data: Json = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass(eq=False)
class Chat:
    """A chat and what Telegram knows about it: who is in it and whether the bot may post."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    is_forum: bool = False
    started: bool = True
    blocked: bool = False
    bot_kicked: bool = False
    bot_admin: bool = False
    migrated_to: int | None = None
    members: dict[int, str] = field(default_factory=dict)
    topics: dict[int, str] = field(default_factory=dict)

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def to_dict(self) -> Json:
        data: Json = {"id": self.id, "type": self.type}
        if self.title is not None:
            data["title"] = self.title
        if self.username is not None:
            data["username"] = self.username
        if self.first_name is not None:
            data["first_name"] = self.first_name
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass(frozen=True)
class Topic:
    """A forum thread; its id is that of the service message that created it."""

    chat: Chat
    message_thread_id: int
    name: str


@dataclass(frozen=True)
class Revision:
    """What a message said before an edit."""

    text: str | None
    entities: list[Json]
    caption: str | None
    reply_markup: Json | None
    edit_date: int | None


@dataclass(eq=False)
class FakeMessage:
    """A message in a chat, the bot's or a user's, with its parsed text and edits."""

    chat: Chat
    message_id: int
    sender: User
    date: int
    text: str | None = None
    entities: list[Json] = field(default_factory=list)
    source: str | None = None
    parse_mode: str | None = None
    caption: str | None = None
    caption_entities: list[Json] = field(default_factory=list)
    photo: bytes | None = None
    media: Json = field(default_factory=dict)
    reply_markup: Json | None = None
    reply_to: FakeMessage | None = None
    thread_id: int | None = None
    edit_date: int | None = None
    edits: list[Revision] = field(default_factory=list)
    deleted: bool = False
    update_id: int | None = None
    service: Json = field(default_factory=dict)

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot

    @property
    def poll(self) -> Json | None:
        poll: Json | None = self.media.get("poll")
        return poll

    @property
    def buttons(self) -> list[Json]:
        """The inline keyboard's buttons, row after row."""
        if not self.reply_markup:
            return []
        rows: list[list[Json]] = self.reply_markup.get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def button(self, text: str) -> Json:
        """The button labelled `text`."""
        for button in self.buttons:
            if button.get("text") == text:
                return button
        labels = [button.get("text") for button in self.buttons]
        raise KeyError(f"no button {text!r} on message {self.message_id}; buttons: {labels}")

    def revision(self) -> Revision:
        return Revision(self.text, self.entities, self.caption, self.reply_markup, self.edit_date)

    def to_dict(self, *, nested: bool = True) -> Json:
        data: Json = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat.to_dict(),
            "from": self.sender.to_dict(),
        }
        if self.thread_id is not None:
            data["message_thread_id"] = self.thread_id
            data["is_topic_message"] = True
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        if self.caption is not None:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = self.caption_entities
        data.update(self.media)
        data.update(self.service)
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        if nested and self.reply_to is not None:
            data["reply_to_message"] = self.reply_to.to_dict(nested=False)
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        return data


@dataclass
class ApiCall:
    """One request the bot made, and how the fake answered it."""

    method: str
    params: Json
    files: dict[str, bytes]
    chat_id: int | None
    status: int = 0
    description: str | None = None
    outcome: str = "pending"
    applied: bool = False
    result: Any = None


@dataclass(frozen=True)
class CallbackAnswer:
    query_id: str
    text: str | None
    show_alert: bool
    url: str | None


@dataclass(frozen=True)
class WebhookDelivery:
    update_id: int
    status: int | None
    error: str | None = None
