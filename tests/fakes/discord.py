"""Discord's REST API and gateway on 127.0.0.1, for tests that run the real discord.py.

REST lives at `http://127.0.0.1:<port>/api/v10` (point `discord.http.Route.BASE`
there) and the gateway at `ws://127.0.0.1:<port>/gateway` (point
`DiscordWebSocket.DEFAULT_GATEWAY` there, or let `GET /gateway/bot` tell an
`AutoShardedClient`); `fake.patch_discord_py()` does both and restores them.
Replies carry Discord's JSON error shapes, and the limits that bite a real bot
are enforced: message, embed and component sizes, the 3-second interaction
window, one callback per interaction, autocomplete choices, channel permissions,
closed DMs, privileged intents, and scripted 429s and failures. Every message
records its `allowed_mentions` and whom it would actually ping.

The test plays Discord's users. It builds guilds, roles, members and channels,
makes users write messages, run slash commands, press buttons and type into
autocomplete, and then waits for what the bot did. The objects and permission
arithmetic live in `discord_model`, the limits in `discord_limits`, the
websocket in `discord_gateway`.

    async with FakeDiscord() as discord_fake, discord_fake.patch_discord_py():
        ada = discord_fake.user("Ada")
        guild = discord_fake.guild("Study hall", members=[ada])
        lessons = discord_fake.text_channel(guild, "lessons")
        ...  # start the bot with discord_fake.token
        answer = await discord_fake.slash(ada, lessons, "tutor", subcommand="start")
        reply = await answer.wait_for_original()
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from .discord_gateway import Gateway, Session
from .discord_limits import Audience, FormErrors, check_choices, check_commands, check_message
from .discord_limits import compute_pings as _compute_pings
from .discord_model import (
    BOT_DEFAULTS,
    EPHEMERAL,
    LOADING,
    MEMBER_DEFAULTS,
    NO_INTENTS,
    NO_PERMISSIONS,
    ApiCall,
    ApiError,
    Attachment,
    Callback,
    CallbackType,
    Channel,
    ChannelType,
    FakeInteraction,
    FakeMessage,
    Guild,
    Intent,
    InteractionType,
    Json,
    Member,
    Overwrite,
    Permission,
    Pings,
    Role,
    Snowflakes,
    User,
    interaction_token,
    missing_access,
    missing_permissions,
    timestamp,
    unknown,
)
from .loopback import LoopbackServer

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "ApiError",
    "Attachment",
    "Callback",
    "CallbackType",
    "Channel",
    "ChannelType",
    "FakeDiscord",
    "FakeInteraction",
    "FakeMessage",
    "Guild",
    "Intent",
    "InteractionType",
    "Member",
    "Permission",
    "Pings",
    "Role",
    "User",
]

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.fake.discord-token-for-tests"
API_PREFIX = re.compile(r"^/api/v(9|10)")
ATTACHMENT_LIMIT = 10 * 1024 * 1024
FLAG_PRESENCE_LIMITED = 1 << 13
FLAG_MEMBERS_LIMITED = 1 << 15
FLAG_CONTENT_LIMITED = 1 << 19

UNAUTHORIZED = ApiError(401, 0, "401: Unauthorized")
NOT_FOUND = ApiError(404, 0, "404: Not Found")
ALREADY_ACKNOWLEDGED = ApiError(400, 40060, "Interaction has already been acknowledged.")
CANNOT_DM = ApiError(403, 50007, "Cannot send messages to this user")
WRONG_CHANNEL_TYPE = ApiError(400, 50024, "Cannot execute action on this channel type")
THREAD_ARCHIVED = ApiError(400, 50083, "Thread is archived")
TOO_LARGE = ApiError(413, 40005, "Request entity too large")
INVALID_WEBHOOK_TOKEN = ApiError(401, 50027, "Invalid Webhook Token")

_COMMAND_TYPES = {1: "chat input", 2: "user", 3: "message"}
_CALLBACKS_FOR = {
    InteractionType.APPLICATION_COMMAND: {4, 5, 9},
    InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    InteractionType.AUTOCOMPLETE: {8},
    InteractionType.MODAL_SUBMIT: {4, 5, 6, 7},
}
_PYTHON_TYPES: dict[int, type | tuple[type, ...]] = {3: str, 4: int, 5: bool, 10: (int, float)}
_STRIPPED_WITHOUT_CONTENT = ("content", "embeds", "attachments", "components", "poll")


@dataclass
class _File:
    field: str
    filename: str
    data: bytes
    content_type: str | None


@dataclass
class _Request:
    method: str
    route: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    files: list[_File]

    def id(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise NOT_FOUND from None

    def json(self) -> Json:
        return self.body if isinstance(self.body, dict) else {}


@dataclass
class _Scripted:
    route: str
    error: ApiError
    remaining: int


Handler = Callable[[_Request], Awaitable[Any]]


@dataclass
class _Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    authenticated: bool


@dataclass
class _Command:
    payload: Json
    guild_id: int | None

    @property
    def name(self) -> str:
        name: str = self.payload["name"]
        return name

    @property
    def type(self) -> int:
        kind: int = self.payload.get("type", 1)
        return kind


@dataclass
class _Resolved:
    entries: dict[str, dict[str, Json]] = field(default_factory=dict)

    def add(self, kind: str, key: int, value: Json) -> None:
        self.entries.setdefault(kind, {})[str(key)] = value


class FakeDiscord(LoopbackServer):
    """A Discord for one bot application, served on 127.0.0.1 until `stop`."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_name: str = "tutorbot",
        privileged_intents: Intent = NO_INTENTS,
        shard_count: int = 1,
        interaction_window: float = 3.0,
        followup_window: float = 15 * 60.0,
        heartbeat_interval: float = 41_250,
        attachment_limit: int = ATTACHMENT_LIMIT,
    ) -> None:
        self.token = token
        self.granted_intents = privileged_intents
        self.shard_count = shard_count
        self.interaction_window = interaction_window
        self.followup_window = followup_window
        self.heartbeat_interval = heartbeat_interval
        self.attachment_limit = attachment_limit
        self._ids = Snowflakes()
        self.application_id = self._ids.next()
        self.bot = User(self._ids.next(), bot_name, bot=True)
        self.owner = User(self._ids.next(), "Application owner")
        self.users: dict[int, User] = {self.bot.id: self.bot, self.owner.id: self.owner}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, FakeMessage] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self.calls: list[ApiCall] = []
        self.call_counts: Counter[str] = Counter()
        self.command_syncs = 0
        self.typing: Counter[int] = Counter()
        self.unhandled: list[str] = []
        self.gateway = Gateway(self)
        self._by_token: dict[str, FakeInteraction] = {}
        self._commands: dict[int | None, list[_Command]] = {}
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self._scripted: list[_Scripted] = []
        self._routes = self._route_table()
        self._changed = asyncio.Event()
        super().__init__()

    # Lifecycle ----------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What `discord.http.Route.BASE` should be."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """What `DiscordWebSocket.DEFAULT_GATEWAY` should be."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    def routes(self, application: web.Application) -> None:
        application.router.add_get("/gateway", self.gateway.handle)
        application.router.add_get("/resume", self.gateway.handle)
        application.router.add_get(
            "/attachments/{channel_id}/{attachment_id}/{filename}", self._serve_attachment
        )
        application.router.add_route("*", "/api/{tail:.*}", self._serve)

    async def start(self) -> None:
        await super().start()
        log.debug("fake Discord listening on %s", self.base_url)

    async def stop(self) -> None:
        await self.gateway.close()
        await super().stop()
        self._notify()

    @contextlib.contextmanager
    def patch_discord_py(self) -> Iterator[None]:
        """Point discord.py's process-wide REST base and gateway here, and restore them after."""
        import yarl
        from discord.gateway import DiscordWebSocket
        from discord.http import Route

        saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
        Route.BASE = self.api_url
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved

    # The world ----------------------------------------------------------------------------------

    def user(self, name: str, *, accepts_dms: bool = True) -> User:
        """A Discord user; they join guilds through `guild(members=...)` or `member`."""
        created = User(self._ids.next(), name, accepts_dms=accepts_dms)
        self.users[created.id] = created
        return created

    def guild(
        self,
        name: str,
        *,
        members: Iterable[User] = (),
        owner: User | None = None,
        everyone: Permission = MEMBER_DEFAULTS,
        bot_permissions: Permission = BOT_DEFAULTS,
    ) -> Guild:
        """A guild the bot is in, with @everyone, the bot's managed role and the members given."""
        owner = owner or self.user(f"{name} owner")
        guild = Guild(self._ids.next(), name, owner)
        guild.roles[guild.id] = Role(guild.id, "@everyone", everyone, position=0)
        bot_role = Role(self._ids.next(), self.bot.name, bot_permissions, managed=True)
        guild.roles[bot_role.id] = bot_role
        guild.members[self.bot.id] = Member(self.bot, [bot_role])
        for user in (owner, *members):
            guild.members.setdefault(user.id, Member(user, []))
        self.guilds[guild.id] = guild
        self.gateway.dispatch("GUILD_CREATE", {}, guild_id=guild.id, intent=Intent.GUILDS,
                              shape=lambda session, _: self._guild_create(guild, session))
        return guild

    def role(
        self, guild: Guild, name: str, permissions: Permission = NO_PERMISSIONS,
        *, mentionable: bool = False,
    ) -> Role:
        created = Role(self._ids.next(), name, permissions, position=len(guild.roles),
                       mentionable=mentionable)
        guild.roles[created.id] = created
        self.gateway.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild.id),
                              "role": created.to_dict()}, guild_id=guild.id, intent=Intent.GUILDS)
        return created

    def member(self, guild: Guild, user: User, *roles: Role) -> Member:
        """Add `user` to `guild` (or give an existing member these roles)."""
        joined = user.id not in guild.members
        found = guild.members.setdefault(user.id, Member(user, []))
        found.roles.extend(role for role in roles if role not in found.roles)
        event = "GUILD_MEMBER_ADD" if joined else "GUILD_MEMBER_UPDATE"
        self.gateway.dispatch(event, found.to_dict() | {"guild_id": str(guild.id)},
                              guild_id=guild.id, intent=Intent.GUILD_MEMBERS)
        return found

    def text_channel(
        self,
        guild: Guild,
        name: str,
        *,
        deny: Permission = NO_PERMISSIONS,
        allow: Permission = NO_PERMISSIONS,
        everyone_deny: Permission = NO_PERMISSIONS,
    ) -> Channel:
        """A text channel; `deny` and `allow` overwrite the bot's permissions in it.

        `deny=Permission.CREATE_PRIVATE_THREADS` makes a channel without threads,
        `deny=Permission.SEND_MESSAGES` one where the bot's messages get 403 50013.
        """
        channel = Channel(self._ids.next(), ChannelType.TEXT, name, guild=guild)
        if everyone_deny:
            channel.overwrites.append(Overwrite(guild.id, 0, deny=everyone_deny))
        if deny or allow:
            channel.overwrites.append(Overwrite(self.bot.id, 1, allow=allow, deny=deny))
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self.gateway.dispatch("CHANNEL_CREATE", channel.to_dict(), guild_id=guild.id,
                              intent=Intent.GUILDS)
        return channel

    def thread(
        self, parent: Channel, name: str, *, owner: User, private: bool = True,
        members: Iterable[User] = (),
    ) -> Channel:
        """A thread a user opened; the bot is in it when listed among `members`."""
        assert parent.guild is not None
        kind = ChannelType.PRIVATE_THREAD if private else ChannelType.PUBLIC_THREAD
        thread = Channel(self._ids.next(), kind, name, guild=parent.guild, parent=parent,
                         owner=owner, thread_members={owner.id, *(user.id for user in members)})
        parent.guild.channels[thread.id] = thread
        self.channels[thread.id] = thread
        self._dispatch_thread_create(thread)
        return thread

    def dm_channel(self, user: User) -> Channel:
        """The DM channel between `user` and the bot, created on first use."""
        for channel in self.channels.values():
            if channel.type is ChannelType.DM and channel.recipient is user:
                return channel
        channel = Channel(self._ids.next(), ChannelType.DM, "", recipient=user)
        self.channels[channel.id] = channel
        return channel

    def set_bot_permissions(
        self, channel: Channel, *, deny: Permission = NO_PERMISSIONS,
        allow: Permission = NO_PERMISSIONS,
    ) -> None:
        """Replace the bot's overwrite in `channel`."""
        channel.overwrites = [o for o in channel.overwrites if (o.type, o.id) != (1, self.bot.id)]
        if deny or allow:
            channel.overwrites.append(Overwrite(self.bot.id, 1, allow=allow, deny=deny))
        self.gateway.dispatch("CHANNEL_UPDATE", channel.to_dict(), guild_id=_guild_id(channel),
                              intent=Intent.GUILDS)

    # Users acting -------------------------------------------------------------------------------

    def send_message(
        self, user: User, channel: Channel, content: str, *, reply_to: FakeMessage | None = None
    ) -> FakeMessage:
        """`user` writes `content` in `channel`; the bot gets MESSAGE_CREATE (held until READY)."""
        self._require_presence(user, channel)
        body: Json = {"content": content}
        return self._create_message(channel, user, body, [], reply_to=reply_to, hold=True)

    async def slash(
        self,
        user: User,
        channel: Channel,
        name: str,
        subcommand: str | None = None,
        options: dict[str, Any] | None = None,
        *,
        timeout: float = 5.0,
    ) -> FakeInteraction:
        """`user` runs `/name subcommand` with `options` in `channel`: INTERACTION_CREATE type 2.

        `subcommand` is `"start"` or `"group start"`; option values are str, int, float,
        bool, or a `User`, `Role` or `Channel` for those option types. The command is
        resolved against the commands the bot last synced, as the Discord client does.
        """
        command = self._visible_command(user, channel, name)
        resolved = _Resolved()
        built = self._command_options(command, subcommand, options or {}, resolved, None)
        data: Json = {"id": str(self._command_id(command)), "name": name, "type": 1,
                      "options": built}
        if resolved.entries:
            data["resolved"] = resolved.entries
        if command.guild_id is not None:
            data["guild_id"] = str(command.guild_id)
        return await self._interact(InteractionType.APPLICATION_COMMAND, user, channel, data,
                                    None, timeout)

    async def autocomplete(
        self,
        user: User,
        channel: Channel,
        name: str,
        subcommand: str | None = None,
        options: dict[str, Any] | None = None,
        *,
        focused: str,
        timeout: float = 5.0,
    ) -> FakeInteraction:
        """`user` is typing option `focused` of `/name subcommand`: INTERACTION_CREATE type 4."""
        command = self._visible_command(user, channel, name)
        resolved = _Resolved()
        built = self._command_options(command, subcommand, options or {}, resolved, focused)
        data: Json = {"id": str(self._command_id(command)), "name": name, "type": 1,
                      "options": built}
        if command.guild_id is not None:
            data["guild_id"] = str(command.guild_id)
        return await self._interact(InteractionType.AUTOCOMPLETE, user, channel, data, None,
                                    timeout)

    async def press(
        self,
        user: User,
        message: FakeMessage,
        custom_id: str,
        *,
        values: list[str] | None = None,
        timeout: float = 5.0,
    ) -> FakeInteraction:
        """`user` presses the button (or picks `values` in the select) `custom_id`: type 3."""
        if message.deleted:
            raise LookupError(f"message {message.id} was deleted")
        found = next((c for c in message.iter_components() if c.get("custom_id") == custom_id),
                     None)
        if found is None:
            raise LookupError(f"message {message.id} has no component {custom_id!r}; "
                              f"it has {message.custom_ids}")
        if found.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        data: Json = {"custom_id": custom_id, "component_type": found["type"]}
        if found["type"] != 2:
            data["values"] = list(values or [])
        return await self._interact(InteractionType.MESSAGE_COMPONENT, user, message.channel,
                                    data, message, timeout)

    def disconnect(self, *, resumable: bool = True, code: int = 4000) -> int:
        """Drop every gateway socket; the client resumes, or identifies again if not resumable."""
        dropped = self.gateway.disconnect(code=code, resumable=resumable)
        self._notify()
        return dropped

    # Scripting ----------------------------------------------------------------------------------

    def fail_next(
        self, route: str, *, status: int = 500, code: int = 0, message: str = "Internal error",
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `route` (e.g. `"POST /channels/{channel_id}/messages"`,
        or `"*"`) with this error instead of handling them."""
        self._scripted.append(_Scripted(route, ApiError(status, code, message), times))

    def rate_limit_next(
        self, route: str, *, retry_after: float = 0.05, is_global: bool = False, times: int = 1
    ) -> None:
        """Answer the next `times` calls of `route` with 429 and `retry_after`, as Discord does."""
        headers = {
            "Via": "1.1 google", "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}", "X-RateLimit-Bucket": "fake",
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        error = ApiError(429, 0, "You are being rate limited.", headers=headers,
                         extra={"retry_after": retry_after, "global": is_global})
        self._scripted.append(_Scripted(route, error, times))

    # Looking ------------------------------------------------------------------------------------

    def calls_to(self, route: str) -> list[ApiCall]:
        """Every call of `route`, e.g. `"PUT /applications/{application_id}/commands"`."""
        return [call for call in self.calls if call.name == route]

    def commands(self, guild: Guild | None = None) -> list[Json]:
        """The commands the bot synced, globally or for `guild`, as Discord stores them."""
        scope = guild.id if guild is not None else None
        return [dict(command.payload) for command in self._commands.get(scope, [])]

    def channel_messages(self, channel: Channel, *, from_bot: bool = True) -> list[FakeMessage]:
        return [message for message in self.messages.values()
                if message.channel is channel and not message.deleted
                and (message.author is self.bot) == from_bot]

    def threads_of(self, channel: Channel) -> list[Channel]:
        return [thread for thread in self.channels.values() if thread.parent is channel]

    async def wait_for_messages(
        self, channel: Channel, n: int = 1, timeout: float = 5.0, *, include_ephemeral: bool = True
    ) -> list[FakeMessage]:
        """The first `n` messages the bot posted in `channel` (deferred ones once filled in)."""

        def enough() -> list[FakeMessage] | None:
            shown = [message for message in self.channel_messages(channel)
                     if not message.loading and (include_ephemeral or not message.ephemeral)]
            return shown[:n] if len(shown) >= n else None

        found: list[FakeMessage] = await self.wait_for(enough, timeout,
                                                       f"{n} bot messages in #{channel.name}")
        return found

    async def wait_for_calls(self, route: str, n: int = 1, timeout: float = 5.0) -> list[ApiCall]:
        def enough() -> list[ApiCall] | None:
            calls = self.calls_to(route)
            return calls[:n] if len(calls) >= n else None

        found: list[ApiCall] = await self.wait_for(enough, timeout, f"{n} calls of {route}")
        return found

    async def wait_until_connected(self, guild: Guild | None = None, timeout: float = 5.0) -> None:
        """Until a live gateway session receives `guild`'s events (or DMs)."""

        def connected() -> bool | None:
            guild_id = guild.id if guild else None
            live = any(session.routes(guild_id) for session in self.gateway.live_sessions)
            return True if live else None

        await self.wait_for(connected, timeout, "a connected gateway session")

    async def wait_for(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        """Wait until `check()` returns something other than None, and return it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"waited {timeout} s for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # What the gateway asks ----------------------------------------------------------------------

    def gateway_changed(self) -> None:
        self._notify()

    def ready_payload(self, session: Session) -> Json:
        user = self.bot.to_dict() | {"verified": True, "mfa_enabled": False, "flags": 0}
        return {
            "v": 10, "user": user, "session_type": "normal",
            "guilds": [{"id": str(guild.id), "unavailable": True}
                       for guild in self.guilds.values() if session.routes(guild.id)],
            "session_id": session.id,
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/resume",
            "shard": [session.shard_id, session.shard_count],
            "application": {"id": str(self.application_id), "flags": self._application_flags()},
            "private_channels": [], "relationships": [], "presences": [],
            "geo_ordered_rtc_regions": [], "guild_join_requests": [],
        }

    def guild_creates(self, session: Session) -> list[Json]:
        if not session.intents & Intent.GUILDS:
            return []
        return [self._guild_create(guild, session) for guild in self.guilds.values()
                if session.routes(guild.id)]

    def member_chunks(self, session: Session, request: Json) -> list[Json]:
        guild = self.guilds.get(int(request.get("guild_id") or 0))
        if guild is None:
            return []
        members = list(guild.members.values()) if session.intents & Intent.GUILD_MEMBERS else []
        wanted = {int(user) for user in request.get("user_ids") or []}
        query = str(request.get("query") or "").lower()
        chosen = [member for member in members
                  if (not wanted or member.user.id in wanted)
                  and member.user.name.lower().startswith(query)]
        chunk: Json = {"guild_id": str(guild.id), "members": [m.to_dict() for m in chosen],
                       "chunk_index": 0, "chunk_count": 1, "not_found": []}
        if request.get("nonce") is not None:
            chunk["nonce"] = request["nonce"]
        return [chunk]

    def _guild_create(self, guild: Guild, session: Session) -> Json:
        with_members = session.intents & Intent.GUILD_MEMBERS
        members = list(guild.members.values()) if with_members else [guild.members[self.bot.id]]
        bot = guild.members[self.bot.id]
        threads = [channel for channel in guild.channels.values()
                   if channel.is_thread and channel.permissions_for(bot)]
        return guild.to_dict() | {
            "joined_at": timestamp(guild.created_at), "large": False, "unavailable": False,
            "member_count": len(guild.members), "members": [m.to_dict() for m in members],
            "channels": [channel.to_dict() for channel in guild.channels.values()
                         if not channel.is_thread],
            "threads": [thread.to_dict() for thread in threads], "presences": [],
            "voice_states": [], "stage_instances": [], "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def _application_flags(self) -> int:
        flags = 0
        if self.granted_intents & Intent.MESSAGE_CONTENT:
            flags |= FLAG_CONTENT_LIMITED
        if self.granted_intents & Intent.GUILD_MEMBERS:
            flags |= FLAG_MEMBERS_LIMITED
        if self.granted_intents & Intent.GUILD_PRESENCES:
            flags |= FLAG_PRESENCE_LIMITED
        return flags

    # Messages -----------------------------------------------------------------------------------

    def _create_message(
        self,
        channel: Channel,
        author: User,
        body: Json,
        files: list[_File],
        *,
        reply_to: FakeMessage | None = None,
        interaction: FakeInteraction | None = None,
        flags: int = 0,
        hold: bool = False,
    ) -> FakeMessage:
        message = FakeMessage(
            self._ids.next(), channel, author, content=body.get("content") or "",
            embeds=list(body.get("embeds") or []), components=list(body.get("components") or []),
            attachments=self._attachments(body, files),
            allowed_mentions=body.get("allowed_mentions"), flags=flags,
            reference_id=reply_to.id if reply_to else None,
        )
        if interaction is not None:
            message.interaction_id = interaction.id
            message.application_id = self.application_id
        replied = reply_to.author.id if reply_to is not None else None
        message.pings = self.compute_pings(channel, author, message.content,
                                           message.allowed_mentions, replied)
        self.messages[message.id] = message
        channel.last_message_id = message.id
        channel.message_count += 1
        if not message.ephemeral and not message.loading:
            self._dispatch_message("MESSAGE_CREATE", message, hold=hold)
        self._notify()
        return message

    def compute_pings(
        self, channel: Channel, author: User, content: str, allowed: Json | None,
        replied_user: int | None = None,
    ) -> Pings:
        """Whom `content` from `author` would notify in `channel` under `allowed`."""
        guild = channel.guild
        if guild is None:
            audience = Audience(False, frozenset(), frozenset(), replied_user)
        else:
            member = guild.members.get(author.id)
            permissions = channel.permissions_for(member)
            audience = Audience(
                bool(permissions & Permission.MENTION_EVERYONE),
                frozenset(role.id for role in guild.roles.values() if role.mentionable),
                frozenset(role.id for role in guild.roles.values() if role.id != guild.id),
                replied_user,
            )
        return _compute_pings(content, allowed, audience)

    def _attachments(self, body: Json, files: list[_File]) -> list[Attachment]:
        described = {str(item.get("id")): item for item in body.get("attachments") or []}
        attachments = []
        for index, upload in enumerate(files):
            about = described.get(str(index), {})
            attachments.append(Attachment(
                self._ids.next(), about.get("filename") or upload.filename, upload.data,
                upload.content_type, about.get("description"),
            ))
        return attachments

    def _edit_message(self, message: FakeMessage, body: Json, files: list[_File]) -> None:
        check_message(body, files=len(files), creating=False)
        message.revisions.append(message.snapshot())
        if "content" in body:
            message.content = body["content"] or ""
        if "embeds" in body:
            message.embeds = list(body["embeds"] or [])
        if "components" in body:
            message.components = list(body["components"] or [])
        if "allowed_mentions" in body:
            message.allowed_mentions = body["allowed_mentions"]
        if "attachments" in body:
            kept = {str(item.get("id")) for item in body["attachments"] or []}
            message.attachments = [a for a in message.attachments if str(a.id) in kept]
        message.attachments.extend(self._attachments(body, files))
        if "flags" in body and body["flags"] is not None:
            message.flags = (message.flags & EPHEMERAL) | (int(body["flags"]) & ~EPHEMERAL)
        was_loading = message.loading
        message.flags &= ~LOADING
        message.edited_at = None if was_loading else time.time()
        if not message.ephemeral:
            self._dispatch_message("MESSAGE_CREATE" if was_loading else "MESSAGE_UPDATE", message)
        self._notify()

    def _delete_message(self, message: FakeMessage) -> None:
        message.deleted = True
        if not message.ephemeral:
            data: Json = {"id": str(message.id), "channel_id": str(message.channel.id)}
            if message.channel.guild is not None:
                data["guild_id"] = str(message.channel.guild.id)
            self.gateway.dispatch("MESSAGE_DELETE", data, guild_id=_guild_id(message.channel),
                                  intent=_message_intent(message.channel))
        self._notify()

    def _dispatch_message(self, event: str, message: FakeMessage, *, hold: bool = False) -> None:
        data = message.to_dict(self.base_url)
        guild = message.channel.guild
        if guild is not None and message.author.id in guild.members:
            data["member"] = guild.members[message.author.id].to_dict(with_user=False)

        def shaped(session: Session, payload: Json) -> Json:
            if session.intents & Intent.MESSAGE_CONTENT or self._content_exempt(message):
                return payload
            return payload | {key: "" if key == "content" else [] for key in
                              _STRIPPED_WITHOUT_CONTENT if key in payload}

        self.gateway.dispatch(event, data, guild_id=_guild_id(message.channel),
                              intent=_message_intent(message.channel), shape=shaped, hold=hold)

    def _content_exempt(self, message: FakeMessage) -> bool:
        """Discord shows content without the intent in DMs, to its author, and when it's pinged."""
        return (message.channel.type is ChannelType.DM or message.author is self.bot
                or self.bot.mention in message.content
                or f"<@!{self.bot.id}>" in message.content)

    def _dispatch_thread_create(self, thread: Channel) -> None:
        payload = thread.to_dict() | {"newly_created": True}
        if self.bot.id in thread.thread_members:
            payload["member"] = {"id": str(thread.id), "user_id": str(self.bot.id),
                                 "join_timestamp": timestamp(time.time()), "flags": 0}
        elif thread.type is ChannelType.PRIVATE_THREAD:
            return
        self.gateway.dispatch("THREAD_CREATE", payload, guild_id=_guild_id(thread),
                              intent=Intent.GUILDS)

    # Interactions -------------------------------------------------------------------------------

    async def _interact(
        self, kind: InteractionType, user: User, channel: Channel, data: Json,
        message: FakeMessage | None, timeout: float,
    ) -> FakeInteraction:
        self._require_presence(user, channel)
        await self.wait_until_connected(channel.guild, timeout)
        interaction = FakeInteraction(self._ids.next(), interaction_token(), kind, user, channel,
                                      data, message, self.wait_for)
        self.interactions[interaction.id] = interaction
        self._by_token[interaction.token] = interaction
        self.gateway.dispatch("INTERACTION_CREATE", self._interaction_payload(interaction),
                              guild_id=_guild_id(channel))
        interaction.sent_at = time.monotonic()
        self._notify()
        return interaction

    def _interaction_payload(self, interaction: FakeInteraction) -> Json:
        channel = interaction.channel
        guild = channel.guild
        payload: Json = {
            "id": str(interaction.id), "application_id": str(self.application_id),
            "type": int(interaction.type), "token": interaction.token, "version": 1,
            "data": interaction.data, "channel_id": str(channel.id), "channel": channel.to_dict(),
            "locale": "en-US", "entitlements": [], "attachment_size_limit": self.attachment_limit,
        }
        if guild is not None:
            member = guild.members[interaction.user.id]
            payload["guild_id"] = str(guild.id)
            payload["guild_locale"] = "en-US"
            payload["member"] = member.to_dict() | {
                "permissions": str(int(channel.permissions_for(member)))}
            payload["app_permissions"] = str(int(
                channel.permissions_for(guild.members[self.bot.id])))
            payload["context"] = 0
            payload["authorizing_integration_owners"] = {"0": str(guild.id)}
        else:
            payload["user"] = interaction.user.to_dict()
            payload["app_permissions"] = str(int(channel.permissions_for(None)))
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"0": "0"}
        if interaction.message is not None:
            payload["message"] = interaction.message.to_dict(self.base_url)
        return payload

    def _visible_command(self, user: User, channel: Channel, name: str) -> _Command:
        guild = channel.guild
        scopes: list[int | None] = [guild.id, None] if guild is not None else [None]
        command = next((command for scope in scopes for command in self._commands.get(scope, [])
                        if command.name == name and command.type == 1), None)
        if command is None:
            synced = sorted(c.name for scope in scopes for c in self._commands.get(scope, []))
            raise LookupError(f"/{name} is not a synced command here; synced: {synced}")
        payload = command.payload
        if guild is None:
            contexts = payload.get("contexts")
            no_dms = contexts is not None and 1 not in contexts
            if payload.get("dm_permission") is False or no_dms:
                raise PermissionError(f"/{name} is not offered in DMs")
            return command
        needed = payload.get("default_member_permissions")
        if needed is not None:
            granted = channel.permissions_for(guild.members[user.id])
            if int(needed) & ~int(granted):
                raise PermissionError(f"Discord hides /{name} from {user.name}")
        return command

    def _command_id(self, command: _Command) -> int:
        return int(command.payload["id"])

    def _command_options(
        self, command: _Command, subcommand: str | None, values: dict[str, Any],
        resolved: _Resolved, focused: str | None,
    ) -> list[Json]:
        declared: list[Json] = command.payload.get("options") or []
        root: list[Json] = []
        current = root
        trail = [command.name]
        for part in (subcommand or "").split():
            option = next((o for o in declared if o["name"] == part and o["type"] in (1, 2)),
                          None)
            if option is None:
                raise LookupError(f"/{' '.join(trail)} has no subcommand {part!r}")
            nested: Json = {"name": part, "type": option["type"], "options": []}
            current.append(nested)
            current = nested["options"]
            declared = option.get("options") or []
            trail.append(part)
        if any(option["type"] in (1, 2) for option in declared):
            raise LookupError(f"/{' '.join(trail)} needs a subcommand")
        by_name = {option["name"]: option for option in declared}
        for name, value in values.items():
            option = by_name.get(name)
            if option is None:
                raise LookupError(f"/{' '.join(trail)} has no option {name!r}; "
                                  f"it has {sorted(by_name)}")
            if name == focused:
                current.append({"name": name, "type": option["type"], "value": str(value),
                                "focused": True})
            else:
                current.append(self._option_value(option, value, resolved))
        if focused is None:
            missing = [o["name"] for o in declared
                       if o.get("required") and o["name"] not in values]
            if missing:
                raise ValueError(f"/{' '.join(trail)} requires {missing}")
        elif focused not in values:
            raise ValueError(f"the focused option {focused!r} needs a value (the text typed)")
        return root

    def _option_value(self, option: Json, value: Any, resolved: _Resolved) -> Json:
        kind = option["type"]
        name = option["name"]
        if kind in (6, 7, 8, 9):
            return {"name": name, "type": kind, "value": str(self._resolve(kind, value, resolved))}
        expected = _PYTHON_TYPES.get(kind)
        if expected is None:
            raise NotImplementedError(f"option type {kind} of {name!r} is not faked")
        if not isinstance(value, expected) or (kind in (4, 10) and isinstance(value, bool)):
            raise TypeError(f"option {name!r} takes {expected}, not {value!r}")
        choices = option.get("choices")
        if choices and value not in [choice["value"] for choice in choices]:
            raise ValueError(f"{value!r} is not one of the choices of {name!r}")
        low, high = option.get("min_value"), option.get("max_value")
        if kind in (4, 10) and ((low is not None and value < low)
                                or (high is not None and value > high)):
            raise ValueError(f"{value!r} is out of range for {name!r}")
        return {"name": name, "type": kind, "value": value}

    def _resolve(self, kind: int, value: Any, resolved: _Resolved) -> int:
        if isinstance(value, Member):
            value = value.user
        if isinstance(value, User) and kind in (6, 9):
            resolved.add("users", value.id, value.to_dict())
            for guild in self.guilds.values():
                if value.id in guild.members:
                    resolved.add("members", value.id,
                                 guild.members[value.id].to_dict(with_user=False)
                                 | {"permissions": "0"})
                    break
            return value.id
        if isinstance(value, Role) and kind in (8, 9):
            resolved.add("roles", value.id, value.to_dict())
            return value.id
        if isinstance(value, Channel) and kind == 7:
            resolved.add("channels", value.id, value.to_dict() | {"permissions": "0"})
            return value.id
        raise TypeError(f"option type {kind} cannot take {value!r}")

    def _require_presence(self, user: User, channel: Channel) -> None:
        if channel.type is ChannelType.DM:
            if channel.recipient is not user:
                raise PermissionError(f"{user.name} is not in DM {channel.id}")
            return
        assert channel.guild is not None
        member = channel.guild.members.get(user.id)
        if member is None or not channel.permissions_for(member) & Permission.VIEW_CHANNEL:
            raise PermissionError(f"{user.name} cannot see #{channel.name}")

    # HTTP ---------------------------------------------------------------------------------------

    def _route_table(self) -> list[_Route]:
        table: list[tuple[str, str, Handler, bool]] = [
            ("GET", "/users/@me", self._get_me, True),
            ("POST", "/users/@me/channels", self._create_dm, True),
            ("GET", "/users/{user_id}", self._get_user, True),
            ("GET", "/oauth2/applications/@me", self._get_application, True),
            ("GET", "/applications/@me", self._get_application, True),
            ("GET", "/gateway", self._get_gateway, False),
            ("GET", "/gateway/bot", self._get_gateway_bot, True),
            ("GET", "/applications/{application_id}/commands", self._get_commands, True),
            ("PUT", "/applications/{application_id}/commands", self._put_commands, True),
            ("POST", "/applications/{application_id}/commands", self._post_command, True),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands",
             self._get_commands, True),
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands",
             self._put_commands, True),
            ("POST", "/applications/{application_id}/guilds/{guild_id}/commands",
             self._post_command, True),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._callback, False),
            ("POST", "/webhooks/{application_id}/{token}", self._followup, False),
            ("GET", "/webhooks/{application_id}/{token}/messages/{message_id}",
             self._get_webhook_message, False),
            ("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}",
             self._edit_webhook_message, False),
            ("DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}",
             self._delete_webhook_message, False),
            ("GET", "/channels/{channel_id}", self._get_channel, True),
            ("PATCH", "/channels/{channel_id}", self._edit_channel, True),
            ("POST", "/channels/{channel_id}/messages", self._post_message, True),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message, True),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._patch_message, True),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete, True),
            ("POST", "/channels/{channel_id}/typing", self._typing, True),
            ("POST", "/channels/{channel_id}/threads", self._create_thread, True),
            ("GET", "/channels/{channel_id}/thread-members", self._thread_members, True),
            ("PUT", "/channels/{channel_id}/thread-members/{user_id}", self._join_thread, True),
            ("DELETE", "/channels/{channel_id}/thread-members/{user_id}", self._leave_thread,
             True),
            ("GET", "/guilds/{guild_id}", self._get_guild, True),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels, True),
            ("GET", "/guilds/{guild_id}/roles", self._get_roles, True),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member, True),
        ]
        routes = []
        for method, template, handler, authenticated in table:
            pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")
            routes.append(_Route(method, template, pattern, handler, authenticated))
        return routes

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        path = API_PREFIX.sub("", request.path)
        match = next(((route, found) for route in self._routes
                      if route.method == request.method
                      and (found := route.pattern.match(path)) is not None), None)
        if match is None:
            self.unhandled.append(f"{request.method} {path}")
            log.warning("fake Discord has no route for %s %s", request.method, path)
            return _answer(NOT_FOUND)
        route, found = match
        try:
            parsed = await self._read(request, route, found.groupdict())
        except ApiError as unreadable:
            return _answer(unreadable)
        result: Any = None
        error: ApiError | None = self._take_scripted(route)
        authorized = request.headers.get("Authorization") == f"Bot {self.token}"
        if error is None and route.authenticated and not authorized:
            error = UNAUTHORIZED
        if error is None:
            try:
                result = await route.handler(parsed)
            except ApiError as refused:
                error = refused
        self.calls.append(ApiCall(
            request.method, route.template, path, parsed.query, parsed.body,
            {upload.filename: upload.data for upload in parsed.files},
            200 if error is None else error.status, None if error is None else error.code,
            time.time(),
        ))
        self.call_counts[f"{request.method} {route.template}"] += 1
        self._notify()
        if error is not None:
            log.debug("fake Discord refused %s %s: %s", request.method, path, error)
            return _answer(error)
        if result is None:
            return web.Response(status=204)
        return _json(200, result)

    async def _read(self, request: web.Request, route: _Route, params: dict[str, str]) -> _Request:
        files: list[_File] = []
        body: Any = None
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue
                data = await part.read()
                name = part.name or ""
                if name == "payload_json":
                    body = json.loads(data)
                elif part.filename is not None:
                    kind = part.headers.get("Content-Type")
                    files.append(_File(name, part.filename, bytes(data), kind))
            if sum(len(upload.data) for upload in files) > self.attachment_limit:
                raise TOO_LARGE
        elif request.can_read_body:
            raw = await request.read()
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise ApiError(400, 50109, "The request body contains invalid JSON.") from None
        return _Request(request.method, route.template, params, dict(request.query), body, files)

    def _take_scripted(self, route: _Route) -> ApiError | None:
        name = f"{route.method} {route.template}"
        for scripted in self._scripted:
            if scripted.route in (name, "*"):
                scripted.remaining -= 1
                if scripted.remaining <= 0:
                    self._scripted.remove(scripted)
                return scripted.error
        return None

    async def _serve_attachment(self, request: web.Request) -> web.StreamResponse:
        for message in self.messages.values():
            for attachment in message.attachments:
                if str(attachment.id) == request.match_info["attachment_id"]:
                    kind = attachment.content_type or "application/octet-stream"
                    return web.Response(body=attachment.data, content_type=kind)
        return web.Response(status=404)

    # Handlers: users, application, gateway ------------------------------------------------------

    async def _get_me(self, request: _Request) -> Json:
        return self.bot.to_dict() | {"verified": True, "mfa_enabled": False, "flags": 0}

    async def _get_user(self, request: _Request) -> Json:
        return self._user(request.id("user_id")).to_dict()

    async def _get_application(self, request: _Request) -> Json:
        return {
            "id": str(self.application_id), "name": self.bot.name, "icon": None,
            "description": "", "summary": "", "type": None, "bot_public": True,
            "bot_require_code_grant": False, "verify_key": "0" * 64,
            "owner": self.owner.to_dict(), "team": None, "flags": self._application_flags(),
            "bot": self.bot.to_dict(), "redirect_uris": [], "interactions_endpoint_url": None,
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
            "approximate_guild_count": len(self.guilds),
        }

    async def _get_gateway(self, request: _Request) -> Json:
        return {"url": self.gateway_url}

    async def _get_gateway_bot(self, request: _Request) -> Json:
        return {"url": self.gateway_url, "shards": self.shard_count, "session_start_limit": {
            "total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}}

    async def _create_dm(self, request: _Request) -> Json:
        user = self._user(_int(request.json().get("recipient_id")))
        return self.dm_channel(user).to_dict()

    def _user(self, user_id: int) -> User:
        found = self.users.get(user_id)
        if found is None:
            raise unknown("User", 10013)
        return found

    # Handlers: application commands --------------------------------------------------------------

    def _command_scope(self, request: _Request) -> int | None:
        if request.id("application_id") != self.application_id:
            raise missing_access()
        if "guild_id" not in request.params:
            return None
        guild_id = request.id("guild_id")
        if guild_id not in self.guilds:
            raise missing_access()
        return guild_id

    async def _get_commands(self, request: _Request) -> list[Json]:
        scope = self._command_scope(request)
        return [dict(command.payload) for command in self._commands.get(scope, [])]

    async def _put_commands(self, request: _Request) -> list[Json]:
        scope = self._command_scope(request)
        check_commands(request.body)
        self._commands[scope] = [self._stored_command(scope, item) for item in request.body]
        self.command_syncs += 1
        return [dict(command.payload) for command in self._commands[scope]]

    async def _post_command(self, request: _Request) -> Json:
        scope = self._command_scope(request)
        check_commands([request.body])
        stored = self._stored_command(scope, request.json())
        kept = [c for c in self._commands.get(scope, [])
                if (c.name, c.type) != (stored.name, stored.type)]
        self._commands[scope] = [*kept, stored]
        return dict(stored.payload)

    def _stored_command(self, scope: int | None, given: Json) -> _Command:
        kind = given.get("type", 1)
        key = (scope, given["name"], kind)
        command_id = self._command_ids.setdefault(key, self._ids.next())
        payload = {
            "description": "", "options": [], "default_member_permissions": None,
            "dm_permission": True, "nsfw": False, "contexts": None, "integration_types": [0],
        } | given | {
            "id": str(command_id), "application_id": str(self.application_id), "type": kind,
            "version": str(self._ids.next()),
        }
        if scope is not None:
            payload["guild_id"] = str(scope)
        return _Command(payload, scope)

    # Handlers: interactions and their webhooks --------------------------------------------------

    async def _callback(self, request: _Request) -> Json | None:
        interaction = self.interactions.get(request.id("interaction_id"))
        if interaction is None or interaction.token != request.params["token"]:
            raise unknown("interaction", 10062)
        try:
            self._answer(interaction, request)
        except ApiError as refused:
            interaction.refusals.append(refused)
            self._notify()
            raise
        if request.query.get("with_response") not in ("1", "true", "True"):
            return None
        return self._callback_response(interaction)

    def _answer(self, interaction: FakeInteraction, request: _Request) -> None:
        if interaction.callback is not None:
            raise ALREADY_ACKNOWLEDGED
        if time.monotonic() - interaction.sent_at > self.interaction_window:
            raise unknown("interaction", 10062)
        body = request.json()
        kind = body.get("type")
        if not isinstance(kind, int) or kind not in _CALLBACKS_FOR[interaction.type]:
            errors = FormErrors()
            errors.add(["type"], "INTERACTION_RESPONSE_TYPE_INVALID",
                       f"Interaction response type {kind} is not valid for this interaction")
            raise ApiError(400, 50035, "Invalid Form Body", errors.errors)
        data: Json = body.get("data") or {}
        callback = CallbackType(kind)
        flags = int(data.get("flags") or 0)
        if callback is CallbackType.CHANNEL_MESSAGE:
            check_message(data, files=len(request.files))
            interaction.original = self._create_message(
                interaction.channel, self.bot, data, request.files, interaction=interaction,
                flags=flags)
        elif callback is CallbackType.DEFERRED_CHANNEL_MESSAGE:
            interaction.original = self._create_message(
                interaction.channel, self.bot, {}, [], interaction=interaction,
                flags=(flags & EPHEMERAL) | LOADING)
        elif callback is CallbackType.DEFERRED_UPDATE_MESSAGE:
            interaction.original = interaction.message
        elif callback is CallbackType.UPDATE_MESSAGE:
            assert interaction.message is not None
            self._edit_message(interaction.message, data, request.files)
            interaction.original = interaction.message
        elif callback is CallbackType.AUTOCOMPLETE_RESULT:
            check_choices(data.get("choices"))
        interaction.callback = Callback(callback, data, time.monotonic())
        self._notify()

    def _callback_response(self, interaction: FakeInteraction) -> Json:
        assert interaction.callback is not None
        original = interaction.original
        about: Json = {"id": str(interaction.id), "type": int(interaction.type)}
        response: Json = {"interaction": about}
        if original is not None:
            about.update(response_message_id=str(original.id),
                         response_message_loading=original.loading,
                         response_message_ephemeral=original.ephemeral)
            response["resource"] = {"type": int(interaction.callback.type),
                                    "message": original.to_dict(self.base_url)}
        return response

    def _webhook_interaction(self, request: _Request) -> FakeInteraction:
        if request.id("application_id") != self.application_id:
            raise unknown("Webhook", 10015)
        interaction = self._by_token.get(request.params["token"])
        if interaction is None or interaction.callback is None:
            raise unknown("Webhook", 10015)
        if time.monotonic() - interaction.sent_at > self.followup_window:
            raise INVALID_WEBHOOK_TOKEN
        return interaction

    def _webhook_message(self, request: _Request) -> tuple[FakeInteraction, FakeMessage]:
        interaction = self._webhook_interaction(request)
        wanted = request.params["message_id"]
        candidates = [interaction.original, *interaction.followups]
        for message in candidates:
            if message is None or message.deleted:
                continue
            if wanted == "@original" and message is interaction.original:
                return interaction, message
            if wanted == str(message.id):
                return interaction, message
        raise unknown("Message", 10008)

    async def _followup(self, request: _Request) -> Json | None:
        interaction = self._webhook_interaction(request)
        body = request.json()
        check_message(body, files=len(request.files))
        message = self._create_message(interaction.channel, self.bot, body, request.files,
                                       interaction=interaction, flags=int(body.get("flags") or 0))
        interaction.followups.append(message)
        self._notify()
        if request.query.get("wait") not in ("1", "true", "True"):
            return None
        return message.to_dict(self.base_url)

    async def _get_webhook_message(self, request: _Request) -> Json:
        _, message = self._webhook_message(request)
        return message.to_dict(self.base_url)

    async def _edit_webhook_message(self, request: _Request) -> Json:
        _, message = self._webhook_message(request)
        self._edit_message(message, request.json(), request.files)
        return message.to_dict(self.base_url)

    async def _delete_webhook_message(self, request: _Request) -> None:
        _, message = self._webhook_message(request)
        self._delete_message(message)

    # Handlers: channels and messages ------------------------------------------------------------

    def _channel(self, request: _Request) -> Channel:
        channel = self.channels.get(request.id("channel_id"))
        if channel is None:
            raise unknown("Channel", 10003)
        if channel.guild is not None and not self._bot_may(channel) & Permission.VIEW_CHANNEL:
            raise missing_access()
        return channel

    def _bot_may(self, channel: Channel) -> Permission:
        if channel.guild is None:
            return channel.permissions_for(None)
        return channel.permissions_for(channel.guild.members.get(self.bot.id))

    def _require(self, channel: Channel, needed: Permission) -> None:
        if needed & ~self._bot_may(channel):
            raise missing_permissions()

    def _require_send(self, channel: Channel, *, files: bool = False) -> None:
        if channel.type is ChannelType.DM:
            assert channel.recipient is not None
            if not channel.recipient.accepts_dms:
                raise CANNOT_DM
            return
        if channel.is_thread and (channel.archived or channel.locked):
            raise THREAD_ARCHIVED
        sending = (Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread
                   else Permission.SEND_MESSAGES)
        self._require(channel, sending | (Permission.ATTACH_FILES if files else NO_PERMISSIONS))

    def _message(self, request: _Request, channel: Channel) -> FakeMessage:
        message = self.messages.get(request.id("message_id"))
        if message is None or message.channel is not channel or message.deleted:
            raise unknown("Message", 10008)
        return message

    async def _get_channel(self, request: _Request) -> Json:
        return self._channel(request).to_dict()

    async def _edit_channel(self, request: _Request) -> Json:
        channel = self._channel(request)
        body = request.json()
        if not channel.is_thread:
            self._require(channel, Permission.MANAGE_CHANNELS)
        elif channel.owner is not self.bot:
            self._require(channel, Permission.MANAGE_THREADS)
        if "name" in body:
            channel.name = str(body["name"])
        channel.archived = bool(body.get("archived", channel.archived))
        channel.locked = bool(body.get("locked", channel.locked))
        data = channel.to_dict()
        event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
        self.gateway.dispatch(event, data, guild_id=_guild_id(channel), intent=Intent.GUILDS)
        return data

    async def _post_message(self, request: _Request) -> Json:
        channel = self._channel(request)
        self._require_send(channel, files=bool(request.files))
        body = request.json()
        check_message(body, files=len(request.files))
        reference = body.get("message_reference") or {}
        reply_to = self.messages.get(_int(reference.get("message_id")))
        message = self._create_message(channel, self.bot, body, request.files, reply_to=reply_to,
                                       flags=int(body.get("flags") or 0) & ~EPHEMERAL)
        return message.to_dict(self.base_url)

    async def _get_message(self, request: _Request) -> Json:
        channel = self._channel(request)
        self._require(channel, Permission.READ_MESSAGE_HISTORY)
        return self._message(request, channel).to_dict(self.base_url)

    async def _patch_message(self, request: _Request) -> Json:
        channel = self._channel(request)
        message = self._message(request, channel)
        if message.author is not self.bot:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        self._edit_message(message, request.json(), request.files)
        return message.to_dict(self.base_url)

    async def _delete(self, request: _Request) -> None:
        channel = self._channel(request)
        message = self._message(request, channel)
        if message.author is not self.bot:
            self._require(channel, Permission.MANAGE_MESSAGES)
        self._delete_message(message)

    async def _typing(self, request: _Request) -> None:
        channel = self._channel(request)
        self._require_send(channel)
        self.typing[channel.id] += 1

    async def _create_thread(self, request: _Request) -> Json:
        parent = self._channel(request)
        if parent.type is not ChannelType.TEXT or parent.guild is None:
            raise WRONG_CHANNEL_TYPE
        body = request.json()
        kind = ChannelType(body.get("type", ChannelType.PRIVATE_THREAD))
        if kind not in (ChannelType.PRIVATE_THREAD, ChannelType.PUBLIC_THREAD):
            raise WRONG_CHANNEL_TYPE
        errors = FormErrors()
        if errors.required(["name"], body.get("name")):
            errors.too_long(["name"], body["name"], 100)
        errors.raise_if_any()
        self._require(parent, Permission.CREATE_PRIVATE_THREADS
                      if kind is ChannelType.PRIVATE_THREAD else Permission.CREATE_PUBLIC_THREADS)
        thread = Channel(
            self._ids.next(), kind, str(body["name"]), guild=parent.guild, parent=parent,
            owner=self.bot, thread_members={self.bot.id},
            invitable=bool(body.get("invitable", True)),
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        parent.guild.channels[thread.id] = thread
        self.channels[thread.id] = thread
        self._dispatch_thread_create(thread)
        self._notify()
        return thread.to_dict()

    def _thread(self, request: _Request) -> Channel:
        thread = self._channel(request)
        if not thread.is_thread:
            raise WRONG_CHANNEL_TYPE
        return thread

    async def _thread_members(self, request: _Request) -> list[Json]:
        thread = self._thread(request)
        return [{"id": str(thread.id), "user_id": str(user_id), "flags": 0,
                 "join_timestamp": timestamp(thread.created_at)}
                for user_id in sorted(thread.thread_members)]

    async def _join_thread(self, request: _Request) -> None:
        thread = self._thread(request)
        who = request.params["user_id"]
        user_id = self.bot.id if who == "@me" else request.id("user_id")
        assert thread.guild is not None
        if user_id not in thread.guild.members:
            raise unknown("Member", 10007)
        if thread.archived:
            raise THREAD_ARCHIVED
        if user_id != self.bot.id:
            self._require(thread, Permission.SEND_MESSAGES_IN_THREADS)
        thread.thread_members.add(user_id)
        self._notify()

    async def _leave_thread(self, request: _Request) -> None:
        thread = self._thread(request)
        who = request.params["user_id"]
        user_id = self.bot.id if who == "@me" else request.id("user_id")
        if user_id != self.bot.id and thread.owner is not self.bot:
            self._require(thread, Permission.MANAGE_THREADS)
        thread.thread_members.discard(user_id)
        self._notify()

    # Handlers: guilds ---------------------------------------------------------------------------

    def _guild(self, request: _Request) -> Guild:
        guild = self.guilds.get(request.id("guild_id"))
        if guild is None:
            raise unknown("Guild", 10004)
        return guild

    async def _get_guild(self, request: _Request) -> Json:
        guild = self._guild(request)
        return guild.to_dict() | {"approximate_member_count": len(guild.members),
                                  "approximate_presence_count": 0}

    async def _get_guild_channels(self, request: _Request) -> list[Json]:
        guild = self._guild(request)
        return [channel.to_dict() for channel in guild.channels.values() if not channel.is_thread]

    async def _get_roles(self, request: _Request) -> list[Json]:
        return [role.to_dict() for role in self._guild(request).roles.values()]

    async def _get_member(self, request: _Request) -> Json:
        member = self._guild(request).members.get(request.id("user_id"))
        if member is None:
            raise unknown("Member", 10007)
        return member.to_dict()


def _guild_id(channel: Channel) -> int | None:
    return channel.guild.id if channel.guild is not None else None


def _message_intent(channel: Channel) -> Intent:
    return Intent.DIRECT_MESSAGES if channel.guild is None else Intent.GUILD_MESSAGES


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _json(status: int, value: Any, headers: dict[str, str] | None = None) -> web.Response:
    response = web.Response(status=status, body=json.dumps(value).encode(),
                            headers={"Content-Type": "application/json", **(headers or {})})
    return response


def _answer(error: ApiError) -> web.Response:
    return _json(error.status, error.body(), error.headers)
