"""The tutor in Discord: slash commands, buttons and typed messages in, the engine's
replies out.

Each update is first placed (a DM, a lesson thread, a channel: which conversation,
is it meant for the bot), then handed to the engine in a worker thread, since a
turn reads and writes the database, and the replies are rendered (`render`) and
sent (`outbox`). An interaction is answered directly when its turn is quick and
deferred when it is not, so Discord always has its acknowledgement within
`Settings.defer_after` seconds; a picture is drawn after the text is out.

`/tutor start` in a server channel opens a private thread for the learner, where
their lesson happens; where the bot may not open one, the lesson moves to DMs, and
where DMs are closed too, it stays in the channel as messages only the learner sees.
In a lesson thread every message of the learner is for the tutor when the bot has
the message-content intent; without it Discord hides what people type, so the
thread says to use the slash commands and buttons instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import hashlib
import json
import logging
import re
import weakref
from dataclasses import dataclass
from typing import Any, Literal

import discord
from discord import app_commands

from adapters import service
from adapters.discord_bot import render
from adapters.discord_bot.buttons import TEMPLATE, is_digest
from adapters.discord_bot.commands import command_set
from adapters.discord_bot.config import Settings
from adapters.discord_bot.outbox import (
    CANNOT_DM,
    NO_PINGS,
    ChannelOutbox,
    InteractionOutbox,
    typing_after,
)
from adapters.discord_bot.registry import Registry, ServerSettings
from adapters.markup import clean
from tutorbot.engine.engine import Engine
from tutorbot.engine.messages import ChatKind, Event, Reply
from tutorbot.errors import TutorbotError
from tutorbot.store import Store

log = logging.getLogger(__name__)

PLATFORM = "discord"
Interaction = discord.Interaction[Any]
Outbox = InteractionOutbox | ChannelOutbox
CHOICES_LIMIT = 25
CHOICE_LIMIT = 100
AUTOCOMPLETE_BUDGET = 1.5
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080
SOMEONE_ELSES = ("That button belongs to someone else's lesson. Start your own with "
                 "/tutor start.")
NOT_ALLOWED = "Only members with Manage Server (or the tutor's settings role) may change this."


class IntentNotGranted(TutorbotError):
    """The bot asked for the message-content intent, which the application lacks."""


@dataclass(frozen=True)
class Place:
    """Where something happened, as far as the tutor cares."""

    kind: Literal["dm", "thread", "channel"]
    channel_id: int
    guild_id: int | None = None
    parent_id: int | None = None
    lesson_thread: bool = False
    """A thread the bot opened (a learner's lesson thread)."""

    @property
    def answering_channel(self) -> int:
        """The channel a server's settings speak of: a thread's parent, else itself."""
        return self.parent_id if self.parent_id is not None else self.channel_id

    def conversation(self, user_id: int) -> str:
        if self.kind == "dm":
            return f"discord:dm:{user_id}"
        return f"discord:{self.channel_id}:{user_id}"

    @property
    def chat(self) -> ChatKind:
        if self.kind == "dm":
            return "private"
        return "thread" if self.kind == "thread" else "group"


class DiscordFrontend:
    """One bot: the engine it talks for, the store behind it, and its discord.py client
    (built anew by `build` whenever the bot connects afresh)."""

    def __init__(self, engine: Engine, store: Store, settings: Settings) -> None:
        self.engine = engine
        self.store = store
        self.settings = settings
        self.registry = Registry(store)
        self.client: TutorClient | None = None
        self.reads_messages = False
        self.syncs = 0
        self.readies = 0
        self.turns = 0
        """Turns answered so far (their replies sent, or given up on)."""
        self.chores: asyncio.Task[None] | None = None
        self._servers: dict[int, ServerSettings] = {}
        self._writable: dict[int, bool] = {}
        self._told_unreadable: set[str] = set()
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary())

    def build(self, *, message_content: bool) -> TutorClient:
        self.reads_messages = message_content
        self.client = TutorClient(self, message_content=message_content)
        return self.client

    @property
    def me(self) -> int:
        user = self.client.user if self.client is not None else None
        return user.id if user is not None else 0

    # Lifecycle ------------------------------------------------------------------------------

    async def setup(self, client: TutorClient) -> None:
        """Once per client, after login and before the gateway: the intent check, the
        commands (synced only when they changed) and the chores (once per process)."""
        flags = client.application_flags
        granted = flags.gateway_message_content or flags.gateway_message_content_limited
        if self.reads_messages and not granted and self.settings.message_content == "auto":
            raise IntentNotGranted("the application has no message-content intent")
        await self.sync_commands(client)
        if self.chores is None:
            chores = service.forget_old_deliveries(self.store, self.settings.chores_every)
            self.chores = asyncio.create_task(chores, name="tutorbot-discord-chores")
        log.info("mode: %s", "typed commands and answers in lesson threads and DMs"
                 if self.reads_messages else
                 "slash commands and buttons in servers (no message-content intent); "
                 "typed messages in DMs")

    async def sync_commands(self, client: TutorClient) -> None:
        if client.application_id is None:
            log.error("the application id is unknown; commands not synced")
            return
        payload = [command.to_dict(client.tree) for command in client.tree.get_commands()]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        stored = await asyncio.to_thread(self.registry.commands_hash, client.application_id)
        if stored == digest:
            log.info("slash commands unchanged since the last sync; not synced")
            return
        try:
            await client.tree.sync()
        except discord.HTTPException as error:
            log.error("slash commands not synced: %s %s %s", error.status, error.code,
                      error.text)
            return
        await asyncio.to_thread(self.registry.save_commands_hash, client.application_id, digest)
        self.syncs += 1
        log.info("slash commands synced (%d top-level commands)", len(payload))

    async def finish(self) -> None:
        if self.chores is not None:
            self.chores.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.chores
            self.chores = None

    # Where things happen ----------------------------------------------------------------------

    def place_of(self, channel: Any, guild_id: int | None, channel_id: int) -> Place:
        if guild_id is None:
            return Place("dm", channel_id)
        if isinstance(channel, discord.Thread):
            return Place("thread", channel_id, guild_id, channel.parent_id,
                         lesson_thread=channel.owner_id == self.me and self.me != 0)
        return Place("channel", channel_id, guild_id)

    def _interaction_place(self, interaction: Interaction) -> Place:
        return self.place_of(interaction.channel, interaction.guild_id,
                             interaction.channel_id or 0)

    def _event(self, place: Place, user: discord.abc.User, *, text: str | None = None,
               button: str | None = None, delivery: str | None = None,
               message_id: str | None = None) -> Event:
        return Event(PLATFORM, place.conversation(user.id), str(user.id),
                     clean(user.display_name)[:64], chat=place.chat, text=text, button=button,
                     message_id=message_id, addressed=True, delivery=delivery)

    async def server(self, guild_id: int) -> ServerSettings:
        found = self._servers.get(guild_id)
        if found is None:
            found = await asyncio.to_thread(self.registry.server, guild_id)
            self._servers[guild_id] = found
        return found

    async def _answers_in(self, place: Place) -> bool:
        if place.guild_id is None:
            return True
        return (await self.server(place.guild_id)).answers_in(place.answering_channel)

    async def _refuse_elsewhere(self, interaction: Interaction, place: Place) -> bool:
        """True (and an ephemeral pointer sent) if the server keeps the tutor out of here."""
        if await self._answers_in(place):
            return False
        assert place.guild_id is not None
        channels = sorted((await self.server(place.guild_id)).channels)
        listed = ", ".join(f"<#{channel}>" for channel in channels[:20])
        log.info("interaction %s refused: the tutor does not answer in channel %s",
                 interaction.id, place.answering_channel)
        await InteractionOutbox(interaction, 0, ephemeral=True).refuse(
            f"On this server the tutor answers in {listed}.")
        return True

    # Slash commands and buttons --------------------------------------------------------------

    async def command(self, interaction: Interaction, *, text: str | None = None,
                      button: str | None = None) -> None:
        """A learner's slash command, as the engine's text command (or a button)."""
        place = self._interaction_place(interaction)
        if await self._refuse_elsewhere(interaction, place):
            return
        outbox = InteractionOutbox(interaction, interaction.user.id,
                                   ephemeral=place.kind == "channel")
        event = self._event(place, interaction.user, text=text, button=button,
                            delivery=str(interaction.id))
        await self._interaction_turn(event, outbox)

    async def on_button(self, interaction: Interaction, owner: int, payload: str) -> None:
        if owner and interaction.user.id != owner:
            log.info("button press %s refused: %s pressed a button of %s's lesson",
                     interaction.id, interaction.user.id, owner)
            await InteractionOutbox(interaction, owner, ephemeral=True).refuse(SOMEONE_ELSES)
            return
        if is_digest(payload):
            found = await asyncio.to_thread(self.registry.payload, payload)
            payload = found if found is not None else payload
        place = self._interaction_place(interaction)
        message = interaction.message
        ephemeral = bool(message is not None and message.flags.ephemeral)
        outbox = InteractionOutbox(interaction, interaction.user.id, ephemeral=ephemeral)
        event = self._event(place, interaction.user, button=payload,
                            delivery=str(interaction.id))
        await self._interaction_turn(event, outbox)

    async def _interaction_turn(self, event: Event, outbox: InteractionOutbox) -> None:
        work = asyncio.ensure_future(asyncio.to_thread(self.engine.handle, event))
        done, _ = await asyncio.wait({work}, timeout=self.settings.defer_after)
        if not done:
            await outbox.defer()
        replies = await work
        if not replies and not outbox.acknowledged:
            await outbox.defer()
        try:
            await self.deliver(replies, outbox)
        finally:
            self.turns += 1

    async def deliver(self, replies: list[Reply], outbox: Outbox) -> bool:
        """Send the replies in order, each picture after its text; False if the place
        stopped taking messages."""
        for reply in replies:
            for index, message in enumerate(render.messages(reply)):
                if not await outbox.send(message, edit=reply.edit and index == 0):
                    return False
            image = reply.image
            if reply.drawing is not None:
                image = await asyncio.to_thread(self.engine.draw, reply.drawing)
            if image is not None and not await outbox.picture(image):
                return False
        return True

    # /tutor start -------------------------------------------------------------------------

    async def start(self, interaction: Interaction, tutorial: str | None) -> None:
        place = self._interaction_place(interaction)
        chosen = tutorial if tutorial in self.engine.content.tutorials else None
        text, button = ("/start", None) if chosen is None else (None, f"open:{chosen}")
        if place.kind != "channel":
            await self.command(interaction, text=text, button=button)
            return
        if await self._refuse_elsewhere(interaction, place):
            return
        pointer = InteractionOutbox(interaction, interaction.user.id, ephemeral=True)
        if not await pointer.defer():
            return
        user = interaction.user
        destination, where, mode = await self._lesson_place(interaction, place)
        if destination is not None:
            channel, lesson_place = destination
            outbox = ChannelOutbox(channel, lesson_place.channel_id, user.id, self._refused)
            welcome = f"{user.mention} 👋 This is your lesson, {where}. {mode}"
            if await outbox.post_text(welcome, mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[user], replied_user=False)):
                shown = channel.mention if isinstance(channel, discord.Thread) else "your DMs"
                await pointer.send(render.Message(content=f"Your lesson is in {shown}."))
                await self._channel_turn(self._event(
                    lesson_place, user, text=text, button=button,
                    delivery=str(interaction.id)), outbox)
                return
        log.info("lesson of %s stays in channel %s: no thread, and no DMs", user.id,
                 place.channel_id)
        await pointer.send(render.Message(
            content="I can't open a thread here and I can't write to you in DMs, so your "
                    "lesson is right here, visible only to you."))
        event = self._event(place, user, text=text, button=button,
                            delivery=str(interaction.id))
        try:
            await self.deliver(await asyncio.to_thread(self.engine.handle, event), pointer)
        finally:
            self.turns += 1

    async def _lesson_place(
        self, interaction: Interaction, place: Place
    ) -> tuple[tuple[discord.Thread | discord.DMChannel, Place] | None, str, str]:
        """Where the learner's lesson goes: their thread, else their DMs, else nowhere."""
        thread = await self._lesson_thread(interaction, place)
        if thread is not None:
            mode = (self.typed_mode() if self.reads_messages else self.slash_mode())
            return (thread, Place("thread", thread.id, place.guild_id, place.channel_id,
                                  lesson_thread=True)), "in a private thread", mode
        try:
            dm = await interaction.user.create_dm()
        except discord.HTTPException as error:
            log.info("no DM channel with %s: %s %s", interaction.user.id, error.status,
                     error.code)
            return None, "", ""
        reason = "in DMs, since I may not open threads in that channel"
        return (dm, Place("dm", dm.id)), reason, self.typed_mode()

    async def _lesson_thread(self, interaction: Interaction,
                             place: Place) -> discord.Thread | None:
        channel = interaction.channel
        allowed = interaction.app_permissions
        if not isinstance(channel, discord.TextChannel) or not (
                allowed.create_private_threads and allowed.send_messages_in_threads):
            log.info("no lesson thread in channel %s: not a text channel, or no permission "
                     "to open private threads", place.channel_id)
            return None
        user = interaction.user
        known = await asyncio.to_thread(self.registry.thread_of, channel.id, user.id)
        if known is not None:
            found = channel.guild.get_thread(known)
            if found is not None and not (found.archived or found.locked):
                return found
        name = clean(f"📚 {user.display_name}'s lesson").replace("\n", " ")[:100]
        try:
            thread = await channel.create_thread(
                name=name, type=discord.ChannelType.private_thread, invitable=False,
                auto_archive_duration=THREAD_ARCHIVE_MINUTES)
            await thread.add_user(user)
        except discord.HTTPException as error:
            log.warning("could not open a lesson thread in channel %s: %s %s", channel.id,
                        error.status, error.code)
            return None
        await asyncio.to_thread(self.registry.remember_thread, channel.id, user.id, thread.id)
        log.info("lesson thread %s opened for %s in channel %s", thread.id, user.id, channel.id)
        return thread

    @staticmethod
    def typed_mode() -> str:
        return ("Type your answers and design commands right here (`add 8 app`, "
                "`connect lb app`, `check`, `simulate`), or use the buttons and /design, "
                "/answer.")

    @staticmethod
    def slash_mode() -> str:
        return ("This bot can't read typed messages in servers (no message-content intent), "
                "so answer with /answer, build with /design add and /design connect, and "
                "use the buttons.")

    # Typed messages ---------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        guild_id = message.guild.id if message.guild is not None else None
        place = self.place_of(message.channel, guild_id, message.channel.id)
        text = message.content
        if place.kind != "dm" and not place.lesson_thread:
            mention = re.compile(rf"<@!?{self.me}>")
            if self.me == 0 or not mention.search(text):
                return
            text = mention.sub("", text).strip()
        if not await self._answers_in(place):
            log.debug("message %s dropped: the tutor does not answer in channel %s",
                      message.id, place.answering_channel)
            return
        if not await self._may_write(place.channel_id):
            log.debug("message %s dropped: channel %s refused the bot before", message.id,
                      place.channel_id)
            return
        outbox = ChannelOutbox(message.channel, place.channel_id, message.author.id,
                               self._refused,
                               reference=message if place.kind == "channel" else None)
        conversation = place.conversation(message.author.id)
        if not text.strip() and not self.reads_messages and place.kind == "thread":
            if conversation not in self._told_unreadable:
                self._told_unreadable.add(conversation)
                await outbox.post_text(self.slash_mode())
            log.debug("message %s dropped: its text is hidden without the intent", message.id)
            return
        event = self._event(place, message.author, text=text, delivery=str(message.id),
                            message_id=str(message.id))
        await self._channel_turn(event, outbox, typing_in=message.channel)

    async def _channel_turn(self, event: Event, outbox: ChannelOutbox, *,
                            typing_in: discord.abc.Messageable | None = None) -> None:
        """A turn answered in a channel, after the conversation's earlier turns."""
        async with self._lock(event.conversation):
            work = asyncio.ensure_future(asyncio.to_thread(self.engine.handle, event))
            typing = None
            if typing_in is not None:
                typing = asyncio.create_task(
                    typing_after(typing_in, self.settings.typing_after, work))
            try:
                replies = await work
            finally:
                if typing is not None:
                    typing.cancel()
            try:
                await self.deliver(replies, outbox)
            finally:
                self.turns += 1

    def _lock(self, conversation: str) -> asyncio.Lock:
        found = self._locks.get(conversation)
        if found is None:
            found = asyncio.Lock()
            self._locks[conversation] = found
        return found

    # Channels that refuse the bot -------------------------------------------------------------

    async def _may_write(self, channel_id: int) -> bool:
        known = self._writable.get(channel_id)
        if known is None:
            known = await asyncio.to_thread(self.registry.writable, channel_id)
            self._writable[channel_id] = known
        return known

    async def _refused(self, channel: discord.abc.Messageable, channel_id: int,
                       error: discord.HTTPException) -> None:
        """A 403 or 404 where the bot wrote: stop writing there, and tell an admin once."""
        guild = (channel.guild if isinstance(channel, discord.abc.GuildChannel | discord.Thread)
                 else None)
        if guild is None or error.code == CANNOT_DM:
            log.info("channel %s refused a message: %s %s", channel_id, error.status,
                     error.code)
            return
        self._writable[channel_id] = False
        reason = f"{error.status} {error.code}"
        first = await asyncio.to_thread(self.registry.forbid, channel_id, reason)
        log.warning("channel %s of server %s refused the bot (%s); not writing there any more",
                    channel_id, guild.id, reason)
        if first:
            await self._tell_admin(guild, channel_id, error)

    async def _tell_admin(self, guild: discord.Guild, channel_id: int,
                          error: discord.HTTPException) -> None:
        client = self.client
        if client is None or guild.owner_id is None:
            return
        server = render.escape(clean(guild.name))
        text = (f"I can't write in <#{channel_id}> on **{server}** (Discord said "
                f"{error.status} {error.code}: missing permissions or access), so I've stopped "
                "answering there. Give me View Channel, Send Messages and Send Messages in "
                "Threads in that channel, or choose the tutor's channels with "
                "/tutor-settings channel.")
        try:
            owner = client.get_user(guild.owner_id) or await client.fetch_user(guild.owner_id)
            await owner.send(text, allowed_mentions=NO_PINGS)
        except discord.HTTPException as failed:
            log.warning("could not tell the owner of server %s: %s %s", guild.id,
                        failed.status, failed.code)
            return
        log.info("told the owner of server %s that channel %s refuses the bot", guild.id,
                 channel_id)

    async def channel_changed(self, channel_id: int) -> None:
        """A channel's permissions may have changed: try writing there again."""
        if self._writable.get(channel_id) is False:
            await asyncio.to_thread(self.registry.allow, channel_id)
            self._writable[channel_id] = True
            log.info("channel %s changed; writing there again", channel_id)

    # Autocomplete ---------------------------------------------------------------------------

    def tutorial_choices(self, current: str) -> list[app_commands.Choice[str]]:
        tutorials = self.engine.content.tutorials
        named = {tutorial_id: f"{tutorial.emoji} {tutorial.title}"
                 for tutorial_id, tutorial in tutorials.items()}
        chosen = _closest(current, {tutorial_id: (tutorial_id, tutorial.title)
                                    for tutorial_id, tutorial in tutorials.items()})
        return [app_commands.Choice(name=render.plain_text(named[key], CHOICE_LIMIT),
                                    value=key) for key in chosen]

    async def component_choices(self, interaction: Interaction,
                                current: str) -> list[app_commands.Choice[str]]:
        place = self._interaction_place(interaction)
        conversation = place.conversation(interaction.user.id)
        try:
            tutorial_id = await asyncio.wait_for(
                asyncio.to_thread(self._tutorial_of, conversation), AUTOCOMPLETE_BUDGET)
        except (TimeoutError, TutorbotError) as error:
            log.debug("autocomplete without the current tutorial: %r", error)
            tutorial_id = None
        content = self.engine.content
        tutorial = content.tutorials.get(tutorial_id) if tutorial_id else None
        types = list(tutorial.components) if tutorial is not None else list(dict.fromkeys(
            component for every in content.tutorials.values() for component in every.components))
        known: dict[str, tuple[str, ...]] = {}
        shown: dict[str, str] = {}
        for type_ in types:
            component = content.catalogue.get(type_)
            if component is None:
                known[type_], shown[type_] = (type_,), type_
                continue
            known[type_] = (type_, component.name, *component.aliases)
            shown[type_] = f"{component.emoji} {component.name} ({type_})"
        return [app_commands.Choice(name=render.plain_text(shown[key], CHOICE_LIMIT),
                                    value=key) for key in _closest(current, known)]

    def _tutorial_of(self, conversation: str) -> str | None:
        """The tutorial open in the conversation (a glance: no lock, no turn)."""
        found = self.engine.current_tutorial(conversation)
        return None if found is None else found.id

    # /tutor-settings ------------------------------------------------------------------------

    async def _configurable(self, interaction: Interaction) -> ServerSettings | None:
        guild_id = interaction.guild_id
        if guild_id is None:
            await InteractionOutbox(interaction, 0, ephemeral=True).refuse(
                "Settings belong to a server; run this in one.")
            return None
        current = await self.server(guild_id)
        member = interaction.user
        roles = ({role.id for role in member.roles} if isinstance(member, discord.Member)
                 else set())
        if interaction.permissions.manage_guild or (
                current.admin_role is not None and current.admin_role in roles):
            return current
        log.info("settings change by %s on server %s refused", member.id, guild_id)
        await InteractionOutbox(interaction, 0, ephemeral=True).refuse(NOT_ALLOWED)
        return None

    async def _save_server(self, interaction: Interaction, changed: ServerSettings,
                           said: str) -> None:
        guild_id = interaction.guild_id
        assert guild_id is not None
        outbox = InteractionOutbox(interaction, 0, ephemeral=True)
        work = asyncio.ensure_future(asyncio.to_thread(self.registry.save_server, guild_id,
                                                       changed))
        done, _ = await asyncio.wait({work}, timeout=self.settings.defer_after)
        if not done:
            await outbox.defer()
        try:
            await work
        except TutorbotError as error:
            log.error("settings of server %s not saved: %s", guild_id, error)
            await outbox.send(render.Message(content="Sorry, the settings could not be "
                                                     "saved; nothing changed."))
            return
        self._servers[guild_id] = changed
        await outbox.send(render.Message(content=said))

    async def settings_show(self, interaction: Interaction) -> None:
        current = await self._configurable(interaction)
        if current is None:
            return
        await InteractionOutbox(interaction, 0, ephemeral=True).send(
            render.Message(content=_describe(current)))

    async def settings_channel(self, interaction: Interaction, channel_id: int,
                               answer: bool) -> None:
        current = await self._configurable(interaction)
        if current is None:
            return
        channels = set(current.channels)
        if answer:
            channels.add(channel_id)
            await self.channel_changed(channel_id)
        else:
            channels.discard(channel_id)
        changed = ServerSettings(frozenset(channels), current.admin_role)
        await self._save_server(interaction, changed, _describe(changed))

    async def settings_everywhere(self, interaction: Interaction) -> None:
        current = await self._configurable(interaction)
        if current is None:
            return
        changed = ServerSettings(frozenset(), current.admin_role)
        await self._save_server(interaction, changed, _describe(changed))

    async def settings_role(self, interaction: Interaction, role_id: int | None) -> None:
        current = await self._configurable(interaction)
        if current is None:
            return
        changed = ServerSettings(current.channels, role_id)
        await self._save_server(interaction, changed, _describe(changed))


def _describe(settings: ServerSettings) -> str:
    channels = (", ".join(f"<#{channel}>" for channel in sorted(settings.channels)[:30])
                if settings.channels else "every channel")
    role = f"<@&{settings.admin_role}>" if settings.admin_role is not None else "none"
    return (f"⚙️ The tutor answers in: {channels}.\nSettings role (besides Manage Server): "
            f"{role}.")


def _closest(typed: str, names: dict[str, tuple[str, ...]]) -> list[str]:
    """Keys whose names start with what was typed, then those containing it, then the
    close ones; all for nothing typed. Junk finds nothing rather than failing."""
    wanted = " ".join(clean(typed).lower().split())[:CHOICE_LIMIT]
    if not wanted:
        return list(names)[:CHOICES_LIMIT]
    starting = [key for key, words in names.items()
                if any(word.lower().startswith(wanted) for word in words)]
    containing = [key for key, words in names.items()
                  if any(wanted in word.lower() for word in words)]
    spelled: dict[str, str] = {}
    for key, words in names.items():
        for word in words:
            for part in (word, *re.split(r"[^a-z0-9]+", word.lower())):
                spelled.setdefault(part.lower(), key)
    close = [spelled[word] for word in difflib.get_close_matches(
        wanted, list(spelled), n=CHOICES_LIMIT, cutoff=0.6)]
    return list(dict.fromkeys([*starting, *containing, *close]))[:CHOICES_LIMIT]


class TutorButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """Any tutor button on any message, old or new, routed to the frontend."""

    def __init__(self, owner: int, payload: str) -> None:
        super().__init__(discord.ui.Button(label="…", custom_id=f"tb:{owner}:{payload}"))
        self.owner = owner
        self.payload = payload

    @classmethod
    async def from_custom_id(cls, interaction: Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> TutorButton:
        return cls(int(match["owner"]), match["payload"])

    async def callback(self, interaction: Interaction) -> None:
        client = interaction.client
        if isinstance(client, TutorClient):
            await client.frontend.on_button(interaction, self.owner, self.payload)


class TutorClient(discord.AutoShardedClient):
    """discord.py's client, every event handed to the frontend."""

    def __init__(self, frontend: DiscordFrontend, *, message_content: bool) -> None:
        settings = frontend.settings
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        intents.dm_messages = True
        intents.message_content = message_content
        shards: dict[str, Any] = {}
        if settings.shard_count is not None:
            shards["shard_count"] = settings.shard_count
        if settings.shard_ids is not None:
            shards["shard_ids"] = list(settings.shard_ids)
        super().__init__(intents=intents, allowed_mentions=NO_PINGS,
                         guild_ready_timeout=settings.guild_ready_timeout, **shards)
        self.frontend = frontend
        self.tree: app_commands.CommandTree[TutorClient] = app_commands.CommandTree(self)
        for command in command_set(frontend):
            self.tree.add_command(command)
        self.tree.error(self._command_failed)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(TutorButton)
        await self.frontend.setup(self)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        if not self.frontend.settings.quick_identify:
            await super().before_identify_hook(shard_id, initial=initial)

    async def on_ready(self) -> None:
        self.frontend.readies += 1
        log.info("ready as %s in %d servers (ready #%d)", self.user, len(self.guilds),
                 self.frontend.readies)

    async def on_message(self, message: discord.Message) -> None:
        await self.frontend.on_message(message)

    async def on_guild_channel_update(self, before: discord.abc.GuildChannel,
                                      after: discord.abc.GuildChannel) -> None:
        await self.frontend.channel_changed(after.id)

    async def on_thread_update(self, before: discord.Thread, after: discord.Thread) -> None:
        await self.frontend.channel_changed(after.id)

    async def _command_failed(self, interaction: Interaction,
                              error: app_commands.AppCommandError) -> None:
        log.error("slash command %s failed", interaction.command and interaction.command.name,
                  exc_info=error)
        await InteractionOutbox(interaction, 0, ephemeral=True).refuse(
            "Sorry — something went wrong on my side. Please try again.")


async def serve(frontend: DiscordFrontend, stop: asyncio.Event) -> None:
    """Run the bot until `stop` is set, then close the connection and the chores.

    With `message_content="auto"` the bot asks for the intent only when the
    application has it: if it turns out not to, it connects again without."""
    settings = frontend.settings
    wanted = settings.message_content != "off"
    try:
        while True:
            client = frontend.build(message_content=wanted)
            running = asyncio.create_task(client.start(settings.token), name="discord-client")
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not running.done():
                log.info("stopping: closing the Discord connection")
                await client.close()
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await asyncio.wait_for(running, 5)
                return
            await client.close()
            error = running.exception()
            retry = isinstance(error, IntentNotGranted | discord.PrivilegedIntentsRequired)
            if retry and wanted and settings.message_content == "auto":
                log.warning("the application has no message-content intent (Developer Portal "
                            "→ Bot → Message Content Intent); running with slash commands "
                            "and buttons in servers")
                wanted = False
                continue
            if error is not None:
                raise error
            return
    finally:
        await frontend.finish()
        log.info("stopped")
