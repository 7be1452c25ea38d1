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
    """A picture: PNG bytes, a short description (a caption, alt text) and, for
    places where pictures cannot go (a terminal, a screen reader), the same
    thing as text."""

    data: bytes
    alt: str
    filename: str
    text: str = ""


@dataclass(frozen=True)
class Drawing:
    """A picture of a design, still to be drawn.

    Drawing takes a tenth of a second or more, so the dialogue only asks for it;
    the adapter has `Engine.draw` draw it once the turn is committed, showing a
    "sending a photo…" sign meanwhile where the platform has one. The design is
    given as the commands that build it, and `run` is a simulation to tint the
    boxes with (`simulate peak fail app 2`), empty for none.
    """

    tutorial_id: str
    design: tuple[str, ...]
    run: str = ""


@dataclass(frozen=True)
class Reply:
    """One message to send. `buttons` are rows. `edit` asks to replace a message
    instead of sending a new one: in answer to a button, the message that carried
    the button, else the bot's last message; where the platform cannot edit, it
    is sent anew. `drawing` is a picture to draw and send with the text (see
    `Drawing`)."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default=())
    image: Image | None = None
    edit: bool = False
    drawing: Drawing | None = None
