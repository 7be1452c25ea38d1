"""What a Telegram update means to the tutor: an engine `Event`, and where to answer.

Conversations are keyed by where the learning happens: a private chat is one
learner's (`telegram:{chat}`); in a group each learner has their own lesson
(`telegram:{chat}:{user}`), and in a forum topic their own per topic
(`telegram:{chat}:{topic}:{user}`), so a group upgraded to a supergroup keeps
every lesson by moving the `telegram:{chat}:` prefix.

In groups, privacy mode lets the bot see only commands, replies to its own
messages and mentions of it; those are "addressed" to it. `/a <answer>` (or
`/a@bot <answer>`) answers as if the learner had typed the answer alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import CallbackQuery, Chat, Message, MessageEntity, User

from tutorbot.engine.messages import ChatKind, Event

PLATFORM = "telegram"
ANSWER_COMMAND = "a"


@dataclass(frozen=True)
class Me:
    """The bot as Telegram knows it, for recognising what is addressed to it."""

    id: int
    username: str


@dataclass(frozen=True)
class Where:
    """Where the answers to an update go."""

    chat_id: int
    thread_id: int | None = None
    reply_to: int | None = None
    """The learner's message to reply to (in groups)."""
    button_message: int | None = None
    """The message whose button was pressed: the one an `edit` reply replaces."""


@dataclass(frozen=True)
class Incoming:
    """An update for the engine."""

    event: Event
    where: Where
    query_id: str | None = None


@dataclass(frozen=True)
class Unreadable:
    """A sticker, photo, voice note or other message without text."""

    where: Where
    private: bool
    addressed: bool


def conversation(chat: Chat, user: User, thread_id: int | None) -> tuple[str, ChatKind]:
    """The conversation key and chat kind for `user` writing in `chat`."""
    if chat.type == Chat.PRIVATE:
        return f"{PLATFORM}:{chat.id}", "private"
    if thread_id is not None:
        return f"{PLATFORM}:{chat.id}:{thread_id}:{user.id}", "thread"
    return f"{PLATFORM}:{chat.id}:{user.id}", "group"


def group_prefix(chat_id: int) -> str:
    """The start of every conversation key in a group chat."""
    return f"{PLATFORM}:{chat_id}:"


def from_message(message: Message, update_id: int, me: Me) -> Incoming | Unreadable | None:
    """The event a user's new message makes; None for messages of no concern."""
    user, chat = message.from_user, message.chat
    if user is None or user.is_bot or chat.type == Chat.CHANNEL:
        return None
    thread_id = _topic(message)
    private = chat.type == Chat.PRIVATE
    where = Where(chat.id, thread_id, None if private else message.message_id)
    if message.text is None:
        return Unreadable(where, private, private or _replies_to_me(message, me))
    text, addressed = _read_text(message, me)
    key, kind = conversation(chat, user, thread_id)
    event = Event(
        PLATFORM, key, str(user.id), user.full_name, chat=kind, text=text,
        message_id=str(message.message_id),
        reply_to=_reply_id(message),
        addressed=private or addressed, delivery=str(update_id),
    )
    return Incoming(event, where)


def from_button(query: CallbackQuery, update_id: int, payload: str) -> Incoming | None:
    """The event a pressed button makes; None if its message is out of reach."""
    message = query.message
    if message is None:
        return None
    chat, user = message.chat, query.from_user
    thread_id = _topic(message) if isinstance(message, Message) else None
    key, kind = conversation(chat, user, thread_id)
    event = Event(
        PLATFORM, key, str(user.id), user.full_name, chat=kind, button=payload,
        message_id=str(message.message_id), delivery=str(update_id),
    )
    where = Where(chat.id, thread_id, button_message=message.message_id)
    return Incoming(event, where, query.id)


def _topic(message: Message) -> int | None:
    """The forum topic of the message; None outside forums and in the General topic."""
    if message.chat.is_forum and message.is_topic_message:
        return message.message_thread_id
    return None


def _reply_id(message: Message) -> str | None:
    replied = message.reply_to_message
    return str(replied.message_id) if replied is not None else None


def _replies_to_me(message: Message, me: Me) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == me.id)


def _read_text(message: Message, me: Me) -> tuple[str, bool]:
    """The text the engine should read, and whether it is addressed to the bot."""
    text = message.text or ""
    addressed = _replies_to_me(message, me)
    mine = "@" + me.username.lower()
    for entity, content in sorted(message.parse_entities().items(),
                                  key=lambda item: -item[0].offset):
        start = _index(text, entity.offset)
        end = start + len(content)
        if entity.type == MessageEntity.BOT_COMMAND and start == 0:
            name, _, target = content[1:].partition("@")
            if target and "@" + target.lower() != mine:
                return text, False
            if name.lower() == ANSWER_COMMAND:
                return text[end:].strip(), True
            text = "/" + name + text[end:]
            addressed = True
        elif entity.type == MessageEntity.MENTION and content.lower() == mine:
            text = (text[:start] + text[end:]).strip()
            addressed = True
        elif entity.type == MessageEntity.TEXT_MENTION and entity.user and (
            entity.user.id == me.id
        ):
            addressed = True
    return text, addressed


def _index(text: str, utf16_offset: int) -> int:
    """The string index of a UTF-16 offset, as Telegram counts entity offsets."""
    units = 0
    for index, character in enumerate(text):
        if units >= utf16_offset:
            return index
        units += 2 if ord(character) > 0xFFFF else 1
    return len(text)
