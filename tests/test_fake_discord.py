"""The fake Discord against the real discord.py: login, commands, buttons, limits, reconnects.

Each test starts a real `discord.Client` with an `app_commands.CommandTree`, points
it at a `FakeDiscord` on 127.0.0.1, plays a user through the fake's test-side API
and asserts on what discord.py raised and what the fake recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.http import Route
from fakes.discord import (
    CallbackType,
    ChannelType,
    FakeDiscord,
    Guild,
    Intent,
    Permission,
    User,
)

TUTORIALS = ["url-shortener", "chat-app", "news-feed", "video-streaming"]


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


class TutorBot(discord.Client):
    """A small bot with the shapes the adapter will use: a command group, a view, a thread."""

    def __init__(self, *, intents: discord.Intents | None = None) -> None:
        super().__init__(intents=intents or discord.Intents.default(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.readies = 0
        self.resumes = 0
        self.seen: list[discord.Message] = []
        self.failures: list[Exception] = []
        self.changed = asyncio.Event()
        self.tree.add_command(_tutor_group(self))
        self.tree.error(self._command_failed)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify again at once; discord.py's default waits 5 s before every re-IDENTIFY."""

    async def on_ready(self) -> None:
        self.readies += 1
        self._poke()

    async def on_resumed(self) -> None:
        self.resumes += 1
        self._poke()

    async def on_message(self, message: discord.Message) -> None:
        if message.author != self.user:
            self.seen.append(message)
            self._poke()

    async def _command_failed(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        self.failures.append(error.__cause__ if isinstance(error.__cause__, Exception) else error)
        self._poke()

    def _poke(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    async def until(self, check: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not check():
                await self.changed.wait()


class NextStep(discord.ui.View):
    """A persistent button, answered by editing the message it sits on."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Next", custom_id="lesson:next", style=discord.ButtonStyle.primary)
    async def next_step(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content="Step 2: add a load balancer", view=None)


def _tutor_group(bot: TutorBot) -> app_commands.Group:
    tutor = app_commands.Group(name="tutor", description="Learn system design")

    @tutor.command(name="start", description="Start a tutorial")
    async def start(interaction: discord.Interaction, tutorial: str) -> None:
        await interaction.response.send_message(f"Starting {tutorial}", view=NextStep())

    @start.autocomplete("tutorial")
    async def tutorials(interaction: discord.Interaction, typed: str) -> list[
        app_commands.Choice[str]
    ]:
        if typed == "everything":
            many = [app_commands.Choice(name=f"t{n}", value=f"t{n}") for n in range(26)]
            try:
                await interaction.response.autocomplete(many)
            except discord.HTTPException as error:
                bot.failures.append(error)
            return []
        return [app_commands.Choice(name=name, value=name) for name in TUTORIALS if typed in name]

    @tutor.command(name="slow", description="Think before answering")
    async def slow(interaction: discord.Interaction, seconds: float = 0.0) -> None:
        await asyncio.sleep(seconds)
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("Here is the worked answer")
        await interaction.edit_original_response(content="Done thinking")

    @tutor.command(name="late", description="Answer after the window closed")
    async def late(interaction: discord.Interaction, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await interaction.response.send_message("too late")

    @tutor.command(name="thread", description="Open a private thread")
    async def thread(interaction: discord.Interaction) -> None:
        assert isinstance(interaction.channel, discord.TextChannel)
        await interaction.response.defer(ephemeral=True)
        created = await interaction.channel.create_thread(
            name=f"lesson-{interaction.user.name}", type=discord.ChannelType.private_thread,
            invitable=False,
        )
        await created.add_user(interaction.user)
        await created.send(f"Welcome {interaction.user.mention}",
                           allowed_mentions=discord.AllowedMentions(users=True))
        await interaction.followup.send(f"Your lesson is in {created.mention}", ephemeral=True)

    return tutor


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll a condition on discord.py's side, where the fake cannot notify us."""
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.005)


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, bot: discord.Client) -> AsyncIterator[discord.Client]:
    """Run `bot` against `fake` until the block ends; wait for its first on_ready."""
    ready = asyncio.Event()
    bot.event(_once(ready))
    task = asyncio.create_task(bot.start(fake.token))
    try:
        async with asyncio.timeout(5):
            done, _ = await asyncio.wait(
                [task, asyncio.create_task(ready.wait())], return_when=asyncio.FIRST_COMPLETED
            )
        if task in done:
            task.result()
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)


def _once(ready: asyncio.Event) -> Callable[[], Any]:
    async def on_connect() -> None:
        ready.set()

    return on_connect


@contextlib.asynccontextmanager
async def serving(**options: Any) -> AsyncIterator[FakeDiscord]:
    """A started fake with discord.py pointed at it, restored afterwards."""
    async with FakeDiscord(**options) as started:
        with started.patch_discord_py():
            yield started


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with serving(privileged_intents=Intent.MESSAGE_CONTENT) as started:
        yield started


@pytest.fixture
def ada(fake: FakeDiscord) -> User:
    return fake.user("Ada")


@pytest.fixture
def hall(fake: FakeDiscord, ada: User) -> Guild:
    return fake.guild("Study hall", members=[ada])


@pytest.fixture
async def bot(fake: FakeDiscord, hall: Guild) -> AsyncIterator[TutorBot]:
    fake.text_channel(hall, "lessons")
    started = TutorBot(intents=discord.Intents.default() | discord.Intents(message_content=True))
    async with running(fake, started):
        await started.until(lambda: started.readies == 1)
        await started.tree.sync()
        yield started


async def test_login_identify_and_ready_see_the_guild(
    fake: FakeDiscord, hall: Guild, bot: TutorBot
) -> None:
    guild = bot.get_guild(hall.id)

    assert bot.user is not None and bot.user.id == fake.bot.id
    assert bot.application_id == fake.application_id
    assert guild is not None and [c.name for c in guild.text_channels] == ["lessons"]
    assert fake.gateway.identifies == 1
    assert fake.call_counts["GET /users/@me"] == 1
    assert fake.call_counts["GET /oauth2/applications/@me"] == 1


@pytest.mark.parametrize("compress", [None, "zlib-stream"])
async def test_gateway_speaks_plain_or_zlib_stream_frames(
    fake: FakeDiscord, compress: str | None
) -> None:
    query = {"v": "10", "encoding": "json"} | ({"compress": compress} if compress else {})

    async with aiohttp.ClientSession() as session, session.ws_connect(
        fake.gateway_url, params=query
    ) as socket:
        frame = await socket.receive(timeout=2)
        await socket.send_json({"op": 1, "d": None})
        ack = await socket.receive(timeout=2)

    if compress is None:
        assert frame.type is aiohttp.WSMsgType.TEXT
        hello, acked = json.loads(frame.data), json.loads(ack.data)
    else:
        assert frame.type is aiohttp.WSMsgType.BINARY and frame.data.endswith(b"\x00\x00\xff\xff")
        inflate = zlib.decompressobj()
        hello = json.loads(inflate.decompress(frame.data))
        acked = json.loads(inflate.decompress(ack.data))
    assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 41_250
    assert acked["op"] == 11


async def test_sync_registers_commands_and_a_slash_command_is_answered(
    fake: FakeDiscord, hall: Guild, ada: User, bot: TutorBot
) -> None:
    lessons = next(iter(hall.channels.values()))

    answer = await fake.slash(ada, lessons, "tutor", subcommand="start",
                              options={"tutorial": "chat-app"})
    callback = await answer.wait_for_callback()
    original = await answer.wait_for_original()

    assert fake.command_syncs == 1
    assert [command["name"] for command in fake.commands()] == ["tutor"]
    assert callback.type is CallbackType.CHANNEL_MESSAGE
    assert original.content == "Starting chat-app"
    assert original.custom_ids == ["lesson:next"]
    assert await fake.wait_for_messages(lessons, 1) == [original]


async def test_a_deferred_command_is_followed_up_and_its_original_edited(
    fake: FakeDiscord, hall: Guild, ada: User, bot: TutorBot
) -> None:
    lessons = next(iter(hall.channels.values()))

    answer = await fake.slash(ada, lessons, "tutor", subcommand="slow")
    [followup] = await answer.wait_for_followups(1)
    original = await answer.wait_for_original()

    assert answer.callback is not None
    assert answer.callback.type is CallbackType.DEFERRED_CHANNEL_MESSAGE
    assert followup.content == "Here is the worked answer"
    assert original.content == "Done thinking"
    assert fake.call_counts["PATCH /webhooks/{application_id}/{token}/messages/{message_id}"] == 1


async def test_a_button_press_is_answered_by_updating_its_message(
    fake: FakeDiscord, hall: Guild, ada: User, bot: TutorBot
) -> None:
    bot.add_view(NextStep())
    lessons = next(iter(hall.channels.values()))
    started = await fake.slash(ada, lessons, "tutor", subcommand="start",
                               options={"tutorial": "url-shortener"})
    lesson = await started.wait_for_original()

    press = await fake.press(ada, lesson, "lesson:next")
    callback = await press.wait_for_callback()

    assert callback.type is CallbackType.UPDATE_MESSAGE
    assert lesson.content == "Step 2: add a load balancer"
    assert lesson.components == []
    assert lesson.revisions[0]["content"] == "Starting url-shortener"


async def test_autocomplete_offers_choices_and_more_than_25_are_refused(
    fake: FakeDiscord, hall: Guild, ada: User, bot: TutorBot
) -> None:
    lessons = next(iter(hall.channels.values()))

    typing = await fake.autocomplete(ada, lessons, "tutor", subcommand="start",
                                     options={"tutorial": "app"}, focused="tutorial")
    choices = await typing.wait_for_choices()
    flooding = await fake.autocomplete(ada, lessons, "tutor", subcommand="start",
                                       options={"tutorial": "everything"}, focused="tutorial")
    await flooding.wait_for_choices()

    assert [choice["value"] for choice in choices] == ["chat-app"]
    [refused] = bot.failures
    assert isinstance(refused, discord.HTTPException)
    assert (refused.status, refused.code) == (400, 50035)
    assert flooding.refusals[0].errors is not None and "choices" in flooding.refusals[0].errors[
        "data"]


@pytest.mark.parametrize(
    ("asked", "granted", "content_seen"),
    [(True, True, "add 8 app"), (False, True, ""), (False, False, "")],
)
async def test_message_content_arrives_only_with_the_intent(
    asked: bool, granted: bool, content_seen: str
) -> None:
    granting = Intent.MESSAGE_CONTENT if granted else Intent(0)
    async with serving(privileged_intents=granting) as fake:
        ada = fake.user("Ada")
        lessons = fake.text_channel(fake.guild("Study hall", members=[ada]), "lessons")
        intents = discord.Intents.default()
        intents.message_content = asked
        bot = TutorBot(intents=intents)
        async with running(fake, bot):
            fake.send_message(ada, lessons, "add 8 app")
            fake.send_message(ada, lessons, f"{fake.bot.mention} show")
            await bot.until(lambda: len(bot.seen) == 2)

    assert [message.content for message in bot.seen] == [content_seen, f"{fake.bot.mention} show"]


async def test_asking_for_a_privileged_intent_the_app_lacks_closes_with_4014() -> None:
    async with serving() as fake:
        fake.guild("Study hall")
        bot = TutorBot(intents=discord.Intents.all())

        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with running(fake, bot):
                pass

    assert 4014 in fake.gateway.close_codes


def _too_long_embed(**overrides: Any) -> dict[str, Any]:
    return {"title": "Tiers", "description": "ok"} | overrides


def _button(custom_id: str, label: str = "Go") -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": label, "custom_id": custom_id}


@pytest.mark.parametrize(
    ("payload", "error_path"),
    [
        ({"content": "x" * 2001}, ["content"]),
        ({"embeds": [_too_long_embed(title="t" * 257)]}, ["embeds", "0", "title"]),
        ({"embeds": [_too_long_embed(description="d" * 4097)]}, ["embeds", "0", "description"]),
        ({"embeds": [_too_long_embed(fields=[{"name": "n", "value": "v"}] * 26)]},
         ["embeds", "0", "fields"]),
        ({"embeds": [_too_long_embed(fields=[{"name": "n", "value": "v" * 1025}])]},
         ["embeds", "0", "fields", "0", "value"]),
        ({"embeds": [_too_long_embed(footer={"text": "f" * 2049})]},
         ["embeds", "0", "footer", "text"]),
        ({"embeds": [_too_long_embed(description="d" * 3000)] * 3}, ["embeds"]),
        ({"embeds": [_too_long_embed()] * 11}, ["embeds"]),
        ({"content": "rows", "components": [
            {"type": 1, "components": [_button(f"b{n}")]} for n in range(6)]}, ["components"]),
        ({"content": "wide", "components": [
            {"type": 1, "components": [_button(f"b{n}") for n in range(6)]}]},
         ["components", "0", "components"]),
        ({"content": "id", "components": [{"type": 1, "components": [_button("i" * 101)]}]},
         ["components", "0", "components", "0", "custom_id"]),
        ({"content": "label", "components": [
            {"type": 1, "components": [_button("ok", label="l" * 81)]}]},
         ["components", "0", "components", "0", "label"]),
    ],
)
async def test_each_limit_surfaces_in_discord_py_as_invalid_form_body(
    fake: FakeDiscord, hall: Guild, bot: TutorBot, payload: dict[str, Any], error_path: list[str]
) -> None:
    lessons = next(iter(hall.channels.values()))
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=lessons.id)

    with pytest.raises(discord.HTTPException) as raised:
        await bot.http.request(route, json=payload)

    assert (raised.value.status, raised.value.code) == (400, 50035)
    assert f"In {'.'.join(error_path)}: " in raised.value.text
    assert fake.channel_messages(lessons) == []


async def test_empty_and_oversized_content_through_channel_send(
    fake: FakeDiscord, hall: Guild, bot: TutorBot
) -> None:
    channel = bot.get_channel(next(iter(hall.channels)))
    assert isinstance(channel, discord.TextChannel)

    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)
    with pytest.raises(discord.HTTPException) as empty:
        await channel.send("")

    assert too_long.value.code == 50035 and "content" in str(too_long.value)
    assert empty.value.code == 50006


async def test_a_channel_without_send_permission_is_forbidden(
    fake: FakeDiscord, hall: Guild, bot: TutorBot
) -> None:
    quiet = fake.text_channel(hall, "announcements", deny=Permission.SEND_MESSAGES)
    partial = bot.get_partial_messageable(quiet.id)

    with pytest.raises(discord.Forbidden) as raised:
        await partial.send("hello")

    assert (raised.value.status, raised.value.code) == (403, 50013)


async def test_an_answer_after_three_seconds_is_an_unknown_interaction(
    fake: FakeDiscord, hall: Guild, ada: User, bot: TutorBot
) -> None:
    fake.interaction_window = 0.2
    lessons = next(iter(hall.channels.values()))

    late = await fake.slash(ada, lessons, "tutor", subcommand="late", options={"seconds": 0.3})
    await bot.until(lambda: bool(bot.failures))

    [error] = bot.failures
    assert isinstance(error, discord.NotFound) and error.code == 10062
    assert late.callback is None and late.refusals[0].code == 10062


async def test_a_scripted_429_is_waited_out_by_discord_py(
    fake: FakeDiscord, hall: Guild, bot: TutorBot
) -> None:
    lessons = next(iter(hall.channels.values()))
    fake.rate_limit_next("POST /channels/{channel_id}/messages", retry_after=0.05)

    await bot.get_partial_messageable(lessons.id).send("after the wait")

    statuses = [call.status for call in fake.calls_to("POST /channels/{channel_id}/messages")]
    assert statuses == [429, 200]
    assert [m.content for m in fake.channel_messages(lessons)] == ["after the wait"]


async def test_pings_follow_allowed_mentions_and_permissions(
    fake: FakeDiscord, hall: Guild, ada: User, bot: TutorBot
) -> None:
    mods = fake.role(hall, "Mods", mentionable=True)
    lessons = next(iter(hall.channels.values()))
    channel = bot.get_partial_messageable(lessons.id)
    text = f"@everyone @here {ada.mention} {mods.mention}"

    loud = await channel.send(text)
    quiet = await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
    users_only = await channel.send(text, allowed_mentions=discord.AllowedMentions(
        everyone=False, roles=False, users=True))

    pings = {message.id: fake.messages[message.id].pings for message in (loud, quiet, users_only)}
    assert not pings[loud.id].everyone and not pings[loud.id].here  # no MENTION_EVERYONE
    assert pings[loud.id].users == {ada.id} and pings[loud.id].roles == {mods.id}
    assert not pings[quiet.id].anyone
    assert fake.messages[quiet.id].allowed_mentions == {"parse": []}
    assert pings[users_only.id].users == {ada.id} and not pings[users_only.id].roles


async def test_a_dropped_socket_resumes_and_an_invalid_session_readies_again(
    fake: FakeDiscord, hall: Guild, ada: User, bot: TutorBot
) -> None:
    lessons = next(iter(hall.channels.values()))

    fake.disconnect()
    fake.send_message(ada, lessons, "while away")
    await bot.until(lambda: bot.resumes == 1 and len(bot.seen) == 1)
    fake.disconnect(resumable=False)
    await bot.until(lambda: bot.readies == 2)
    answer = await fake.slash(ada, lessons, "tutor", subcommand="start",
                              options={"tutorial": "news-feed"})

    assert (await answer.wait_for_original()).content == "Starting news-feed"
    assert bot.seen[0].content == "while away"
    assert (fake.gateway.identifies, fake.gateway.resumes) == (2, 1)
    assert fake.command_syncs == 1


async def test_a_command_opens_a_private_thread_for_the_learner(
    fake: FakeDiscord, hall: Guild, ada: User, bot: TutorBot
) -> None:
    lessons = next(iter(hall.channels.values()))

    answer = await fake.slash(ada, lessons, "tutor", subcommand="thread")
    [pointer] = await answer.wait_for_followups(1)

    [thread] = fake.threads_of(lessons)
    [welcome] = await fake.wait_for_messages(thread, 1)
    assert thread.type is ChannelType.PRIVATE_THREAD and not thread.invitable
    assert thread.thread_members == {fake.bot.id, ada.id}
    assert welcome.pings.users == {ada.id}
    assert pointer.ephemeral and thread.mention in pointer.content


async def test_a_channel_without_thread_permission_refuses_the_thread(
    fake: FakeDiscord, hall: Guild, ada: User, bot: TutorBot
) -> None:
    closed = fake.text_channel(hall, "no-threads", deny=Permission.CREATE_PRIVATE_THREADS)
    await eventually(lambda: bot.get_channel(closed.id) is not None)
    channel = bot.get_channel(closed.id)
    assert isinstance(channel, discord.TextChannel)

    with pytest.raises(discord.Forbidden) as raised:
        await channel.create_thread(name="lesson", type=discord.ChannelType.private_thread)

    assert raised.value.code == 50013 and fake.threads_of(closed) == []


async def test_direct_messages_open_and_closed_dms_are_refused(
    fake: FakeDiscord, hall: Guild, ada: User, bot: TutorBot
) -> None:
    shy = fake.user("Shy", accepts_dms=False)
    fake.member(hall, shy)

    sent = await (await bot.fetch_user(ada.id)).send("Lesson 1")
    with pytest.raises(discord.Forbidden) as raised:
        await (await bot.fetch_user(shy.id)).send("Lesson 1")

    [dm] = await fake.wait_for_messages(fake.dm_channel(ada), 1)
    assert dm.id == sent.id and raised.value.code == 50007


class QuickShards(discord.AutoShardedClient):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify every shard at once (discord.py waits 5 s between them)."""


async def test_an_auto_sharded_client_gets_its_shard_count_from_the_gateway() -> None:
    async with serving(shard_count=2) as fake:
        guilds = [fake.guild(f"Server {n}") for n in range(4)]
        bot = QuickShards(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        async with running(fake, bot):
            await eventually(lambda: len(bot.guilds) == 4)

            shards = {session.shard_id for session in fake.gateway.live_sessions}
            assert bot.shard_count == 2 and shards == {0, 1}
            assert {guild.id: guild.shard_id for guild in bot.guilds} == {
                guild.id: (guild.id >> 22) % 2 for guild in guilds}


async def test_files_arrive_as_attachments_with_their_bytes(
    fake: FakeDiscord, hall: Guild, bot: TutorBot
) -> None:
    lessons = next(iter(hall.channels.values()))
    picture = b"\x89PNG\r\n\x1a\n-design-"
    embed = discord.Embed(title="Your design").set_image(url="attachment://design.png")

    await bot.get_partial_messageable(lessons.id).send(
        embed=embed, file=discord.File(io.BytesIO(picture), "design.png"))

    [message] = await fake.wait_for_messages(lessons, 1)
    [attachment] = message.attachments
    assert (attachment.filename, attachment.data) == ("design.png", picture)
    assert message.embeds[0]["image"]["url"] == "attachment://design.png"


async def test_a_second_callback_is_refused_and_a_wrong_token_cannot_log_in(
    fake: FakeDiscord, hall: Guild, ada: User, bot: TutorBot
) -> None:
    lessons = next(iter(hall.channels.values()))
    answer = await fake.slash(ada, lessons, "tutor", subcommand="start",
                              options={"tutorial": "chat-app"})
    await answer.wait_for_callback()
    callback_url = f"{fake.api_url}/interactions/{answer.id}/{answer.token}/callback"

    async with aiohttp.ClientSession() as session, session.post(
        callback_url, json={"type": 4, "data": {"content": "again"}}
    ) as again:
        refused = (again.status, await again.json())
    stranger = discord.Client(intents=discord.Intents.default())
    with pytest.raises(discord.LoginFailure):
        await stranger.login("not-the-token")
    await stranger.close()

    assert refused == (400, {"code": 40060,
                             "message": "Interaction has already been acknowledged."})
