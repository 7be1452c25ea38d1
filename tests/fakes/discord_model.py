"""What the fake Discord knows: users, guilds, roles, channels, messages and interactions.

Every object renders itself as the JSON Discord would send (`to_dict`), and the
permission arithmetic here is Discord's own: the guild's base permissions from
@everyone and the member's roles, then the channel's overwrites for @everyone,
for the member's roles and for the member, threads inheriting from their parent.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum, IntFlag
from typing import Any

Json = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000


class Permission(IntFlag):
    """The permission bits the fake reads or reports."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38


ALL_PERMISSIONS = Permission((1 << 51) - 1)
NO_PERMISSIONS = Permission(0)

MEMBER_DEFAULTS = (
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.SEND_MESSAGES_IN_THREADS
    | Permission.CREATE_PUBLIC_THREADS
    | Permission.CREATE_PRIVATE_THREADS
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.ADD_REACTIONS
    | Permission.USE_APPLICATION_COMMANDS
)

BOT_DEFAULTS = MEMBER_DEFAULTS | Permission.MANAGE_THREADS

DM_PERMISSIONS = (
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.ADD_REACTIONS
    | Permission.USE_APPLICATION_COMMANDS
)


class Intent(IntFlag):
    """Gateway intents the fake honours."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15


NO_INTENTS = Intent(0)
PRIVILEGED_INTENTS = Intent.GUILD_MEMBERS | Intent.GUILD_PRESENCES | Intent.MESSAGE_CONTENT


class ChannelType(IntEnum):
    TEXT = 0
    DM = 1
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12


class InteractionType(IntEnum):
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType(IntEnum):
    PONG = 1
    CHANNEL_MESSAGE = 4
    DEFERRED_CHANNEL_MESSAGE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


EPHEMERAL = 1 << 6
LOADING = 1 << 7


def timestamp(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat()


class ApiError(Exception):
    """A refusal in Discord's JSON shape: the HTTP status and the body's code and message."""

    def __init__(
        self, status: int, code: int, message: str, errors: Json | None = None,
        *, headers: dict[str, str] | None = None, extra: Json | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> Json:
        body: Json = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


def missing_access() -> ApiError:
    return ApiError(403, 50001, "Missing Access")


def unknown(what: str, code: int) -> ApiError:
    return ApiError(404, code, f"Unknown {what}")


class Snowflakes:
    """Ids in Discord's layout: milliseconds since 2015 above 22 bits.

    Each id takes a millisecond of its own (running ahead of the clock when many are
    made at once), so that guilds made together still spread over shards.
    """

    def __init__(self) -> None:
        self._last_ms = 0
        self._count = 0

    def next(self) -> int:
        now = int(time.time() * 1000) - DISCORD_EPOCH_MS
        self._last_ms = max(now, self._last_ms + 1)
        self._count += 1
        return (self._last_ms << 22) | (self._count & 0xFFF)


@dataclass(eq=False)
class User:
    id: int
    name: str
    bot: bool = False
    accepts_dms: bool = True

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_dict(self) -> Json:
        return {
            "id": str(self.id), "username": self.name.lower(), "global_name": self.name,
            "discriminator": "0", "avatar": None, "bot": self.bot, "public_flags": 0,
        }


@dataclass(eq=False)
class Role:
    id: int
    name: str
    permissions: Permission
    position: int = 1
    mentionable: bool = False
    managed: bool = False

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_dict(self) -> Json:
        return {
            "id": str(self.id), "name": self.name, "color": 0, "colors": {"primary_color": 0},
            "hoist": False, "icon": None, "unicode_emoji": None, "position": self.position,
            "permissions": str(int(self.permissions)), "managed": self.managed,
            "mentionable": self.mentionable, "flags": 0,
        }


@dataclass(eq=False)
class Member:
    user: User
    roles: list[Role]
    joined_at: float = field(default_factory=time.time)

    def to_dict(self, *, with_user: bool = True) -> Json:
        payload: Json = {
            "roles": [str(role.id) for role in self.roles], "nick": None, "avatar": None,
            "joined_at": timestamp(self.joined_at), "premium_since": None, "deaf": False,
            "mute": False, "flags": 0, "pending": False, "communication_disabled_until": None,
        }
        if with_user:
            payload["user"] = self.user.to_dict()
        return payload


@dataclass(eq=False)
class Overwrite:
    id: int
    type: int  # 0 for a role, 1 for a member
    allow: Permission = NO_PERMISSIONS
    deny: Permission = NO_PERMISSIONS

    def to_dict(self) -> Json:
        return {
            "id": str(self.id), "type": self.type,
            "allow": str(int(self.allow)), "deny": str(int(self.deny)),
        }


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner: User
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    created_at: float = field(default_factory=time.time)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def base_permissions(self, member: Member) -> Permission:
        if member.user.id == self.owner.id:
            return ALL_PERMISSIONS
        granted = self.everyone.permissions
        for role in member.roles:
            granted |= role.permissions
        if granted & Permission.ADMINISTRATOR:
            return ALL_PERMISSIONS
        return granted

    def to_dict(self) -> Json:
        return {
            "id": str(self.id), "name": self.name, "icon": None, "splash": None,
            "owner_id": str(self.owner.id), "afk_timeout": 300, "verification_level": 0,
            "default_message_notifications": 1, "explicit_content_filter": 0,
            "roles": [role.to_dict() for role in self.roles.values()], "emojis": [],
            "stickers": [], "features": [], "mfa_level": 0, "system_channel_id": None,
            "system_channel_flags": 0, "rules_channel_id": None, "vanity_url_code": None,
            "description": None, "banner": None, "premium_tier": 0, "preferred_locale": "en-US",
            "public_updates_channel_id": None, "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }


@dataclass(eq=False)
class Channel:
    id: int
    type: ChannelType
    name: str
    guild: Guild | None = None
    parent: Channel | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    recipient: User | None = None
    owner: User | None = None
    thread_members: set[int] = field(default_factory=set)
    invitable: bool = True
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    created_at: float = field(default_factory=time.time)
    last_message_id: int | None = None
    message_count: int = 0

    @property
    def is_thread(self) -> bool:
        return self.type in (ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def permissions_for(self, member: Member | None) -> Permission:
        """What `member` may do here; a DM grants its fixed set to its two ends."""
        if self.guild is None:
            return DM_PERMISSIONS
        if member is None:
            return Permission(0)
        if self.parent is not None:
            inherited = self.parent.permissions_for(member)
            if self.type is ChannelType.PRIVATE_THREAD and not (
                member.user.id in self.thread_members or inherited & Permission.MANAGE_THREADS
            ):
                return Permission(0)
            return inherited
        base = self.guild.base_permissions(member)
        if base & Permission.ADMINISTRATOR or member.user.id == self.guild.owner.id:
            return ALL_PERMISSIONS
        granted = self._overwritten(base, member)
        if not granted & Permission.VIEW_CHANNEL:
            return Permission(0)
        if not granted & Permission.SEND_MESSAGES:
            granted &= ~(Permission.MENTION_EVERYONE | Permission.ATTACH_FILES
                         | Permission.EMBED_LINKS)
        return granted

    def _overwritten(self, base: Permission, member: Member) -> Permission:
        by_id = {(overwrite.type, overwrite.id): overwrite for overwrite in self.overwrites}
        granted = base
        everyone = by_id.get((0, self.guild.id if self.guild else 0))
        if everyone is not None:
            granted = (granted & ~everyone.deny) | everyone.allow
        allow, deny = Permission(0), Permission(0)
        for role in member.roles:
            overwrite = by_id.get((0, role.id))
            if overwrite is not None:
                allow |= overwrite.allow
                deny |= overwrite.deny
        granted = (granted & ~deny) | allow
        personal = by_id.get((1, member.user.id))
        if personal is not None:
            granted = (granted & ~personal.deny) | personal.allow
        return granted

    def to_dict(self) -> Json:
        payload: Json = {"id": str(self.id), "type": int(self.type),
                         "last_message_id": _optional_id(self.last_message_id)}
        if self.type is ChannelType.DM:
            assert self.recipient is not None
            payload.update(recipients=[self.recipient.to_dict()], flags=0)
            return payload
        assert self.guild is not None
        payload.update(
            guild_id=str(self.guild.id), name=self.name, nsfw=False, rate_limit_per_user=0,
            flags=0, position=0, parent_id=_optional_id(self.parent.id if self.parent else None),
        )
        if not self.is_thread:
            payload.update(
                topic=None, default_auto_archive_duration=1440,
                permission_overwrites=[overwrite.to_dict() for overwrite in self.overwrites],
            )
            return payload
        assert self.owner is not None
        payload.update(
            owner_id=str(self.owner.id), member_count=len(self.thread_members),
            message_count=self.message_count, total_message_sent=self.message_count,
            thread_metadata={
                "archived": self.archived, "locked": self.locked, "invitable": self.invitable,
                "auto_archive_duration": self.auto_archive_duration,
                "archive_timestamp": timestamp(self.created_at),
                "create_timestamp": timestamp(self.created_at),
            },
        )
        return payload


def _optional_id(value: int | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Pings:
    """Whom a message actually notifies, after `allowed_mentions` and permissions."""

    everyone: bool = False
    here: bool = False
    roles: frozenset[int] = frozenset()
    users: frozenset[int] = frozenset()

    @property
    def anyone(self) -> bool:
        return self.everyone or self.here or bool(self.roles) or bool(self.users)


@dataclass(eq=False)
class Attachment:
    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None

    def to_dict(self, base_url: str, channel_id: int) -> Json:
        url = f"{base_url}/attachments/{channel_id}/{self.id}/{self.filename}"
        payload: Json = {
            "id": str(self.id), "filename": self.filename, "size": len(self.data),
            "url": url, "proxy_url": url, "content_type": self.content_type,
        }
        if self.description is not None:
            payload["description"] = self.description
        return payload


@dataclass(eq=False)
class FakeMessage:
    """A message in a channel, as the fake stored it; `revisions` holds earlier contents."""

    id: int
    channel: Channel
    author: User
    content: str = ""
    embeds: list[Json] = field(default_factory=list)
    components: list[Json] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    allowed_mentions: Json | None = None
    pings: Pings = Pings()
    flags: int = 0
    interaction_id: int | None = None
    application_id: int | None = None
    reference_id: int | None = None
    created_at: float = field(default_factory=time.time)
    edited_at: float | None = None
    deleted: bool = False
    revisions: list[Json] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    @property
    def custom_ids(self) -> list[str]:
        return [component["custom_id"] for component in self.iter_components()
                if "custom_id" in component]

    def iter_components(self) -> list[Json]:
        found: list[Json] = []
        pending = list(self.components)
        while pending:
            component = pending.pop(0)
            found.append(component)
            pending[0:0] = list(component.get("components") or [])
        return found

    def snapshot(self) -> Json:
        return {"content": self.content, "embeds": self.embeds, "components": self.components,
                "attachments": [attachment.filename for attachment in self.attachments]}

    def to_dict(self, base_url: str) -> Json:
        payload: Json = {
            "id": str(self.id), "channel_id": str(self.channel.id), "type": 0,
            "author": self.author.to_dict(), "content": self.content,
            "timestamp": timestamp(self.created_at),
            "edited_timestamp": None if self.edited_at is None else timestamp(self.edited_at),
            "tts": False, "mention_everyone": self.pings.everyone or self.pings.here,
            "mentions": [{"id": str(user_id), "username": str(user_id), "discriminator": "0",
                          "avatar": None} for user_id in sorted(self.pings.users)],
            "mention_roles": [str(role_id) for role_id in sorted(self.pings.roles)],
            "attachments": [attachment.to_dict(base_url, self.channel.id)
                            for attachment in self.attachments],
            "embeds": self.embeds, "components": self.components, "pinned": False,
            "flags": self.flags,
        }
        if self.application_id is not None:
            payload["application_id"] = str(self.application_id)
        if self.interaction_id is not None and self.application_id is not None:
            payload["webhook_id"] = str(self.application_id)
        if self.reference_id is not None:
            payload["message_reference"] = {
                "type": 0, "message_id": str(self.reference_id),
                "channel_id": str(self.channel.id),
            }
        if self.channel.guild is not None:
            payload["guild_id"] = str(self.channel.guild.id)
        return payload


@dataclass(frozen=True)
class ApiCall:
    """One REST request as the fake received and answered it."""

    method: str
    route: str
    path: str
    query: dict[str, str]
    body: Any
    files: dict[str, bytes]
    status: int
    code: int | None
    at: float

    @property
    def name(self) -> str:
        return f"{self.method} {self.route}"


@dataclass(frozen=True)
class Callback:
    """The bot's answer to an interaction, `POST /interactions/{id}/{token}/callback`."""

    type: CallbackType
    data: Json
    at: float


Waiter = Callable[[Callable[[], Any], float, str], Awaitable[Any]]


@dataclass(eq=False)
class FakeInteraction:
    """An interaction the fake sent, and everything the bot did with it.

    Await `wait_for_callback`, `wait_for_original`, `wait_for_followups` or
    `wait_for_choices` to see the bot's answer; the properties show what is there now.
    """

    id: int
    token: str
    type: InteractionType
    user: User
    channel: Channel
    data: Json
    message: FakeMessage | None
    _wait: Waiter
    sent_at: float = field(default_factory=time.monotonic)
    callback: Callback | None = None
    original: FakeMessage | None = None
    followups: list[FakeMessage] = field(default_factory=list)
    refusals: list[ApiError] = field(default_factory=list)

    @property
    def choices(self) -> list[Json] | None:
        if self.callback is None or self.callback.type is not CallbackType.AUTOCOMPLETE_RESULT:
            return None
        choices: list[Json] = self.callback.data.get("choices", [])
        return choices

    async def wait_for_callback(self, timeout: float = 5.0) -> Callback:
        def answered() -> Callback | None:
            return self.callback

        result: Callback = await self._wait(answered, timeout, f"a callback to {self.id}")
        return result

    async def wait_for_original(self, timeout: float = 5.0) -> FakeMessage:
        """The response message once it has content: the reply, or the deferred one edited."""

        def shown() -> FakeMessage | None:
            original = self.original
            return original if original is not None and not original.loading else None

        result: FakeMessage = await self._wait(shown, timeout, f"the response to {self.id}")
        return result

    async def wait_for_followups(self, n: int = 1, timeout: float = 5.0) -> list[FakeMessage]:
        def enough() -> list[FakeMessage] | None:
            return list(self.followups[:n]) if len(self.followups) >= n else None

        result: list[FakeMessage] = await self._wait(enough, timeout, f"{n} follow-ups")
        return result

    async def wait_for_choices(self, timeout: float = 5.0) -> list[Json]:
        def given() -> list[Json] | None:
            return self.choices

        result: list[Json] = await self._wait(given, timeout, "autocomplete choices")
        return result


_tokens = itertools.count(1)


def interaction_token() -> str:
    return f"aW50ZXJhY3Rpb24{next(_tokens):08d}"
