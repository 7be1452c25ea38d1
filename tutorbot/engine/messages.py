"""What the engine hears and what it says, free of any chat platform.

Adapters turn a platform's update into an `Event` and each `Reply` into the
platform's calls. Reply text uses one small markup that every adapter can
translate: paragraphs, `**bold**`, `*italic*`, `` `code` `` and `- ` lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ChatKind = Literal["private", "group", "thread"]


@dataclass(frozen=True)
class Event:
    """One thing a person did: typed text or pressed a button."""

    platform: str
    conversation: str
    user_id: str
    display_name: str
    chat: ChatKind = "private"
    text: str | None = None
    button: str | None = None
    message_id: str | None = None
    reply_to: str | None = None
    addressed: bool = True
    """In a group: whether the message was meant for the bot (a mention, a reply
    to the bot or a command). Messages not meant for it get no reply."""
    delivery: str | None = None
    """The platform's id for this update. An update delivered again (a platform
    retrying after a crash) is recognised by it and changes nothing."""


@dataclass(frozen=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True)
class Image:
    data: bytes
    alt: str
    filename: str


@dataclass(frozen=True)
class Reply:
    """One message to send. `buttons` are rows. `edit` asks to replace a message
    instead of sending a new one: in answer to a button, the message that carried
    the button, else the bot's last message; where the platform cannot edit, it
    is sent anew."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default=())
    image: Image | None = None
    edit: bool = False
