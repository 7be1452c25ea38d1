"""The Discord frontend, with the real discord.py against the fake Discord on 127.0.0.1.

Each test starts the bot (`serve`) on a fresh SQLite database, plays Discord's users
through the fake (slash commands, buttons, typed messages, autocomplete) and asserts
on what the fake recorded: messages, embeds, attachments, callbacks and pings.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.discord import (
    CallbackType,
    Channel,
    ChannelType,
    FakeDiscord,
    FakeInteraction,
    FakeMessage,
    Guild,
    Intent,
    Permission,
    User,
)

from adapters.cli import main as tutorbot
from adapters.discord_bot.config import Settings
from adapters.discord_bot.frontend import DiscordFrontend, serve
from tutorbot.content import load_content
from tutorbot.engine.engine import Engine
from tutorbot.store import Store
from tutorbot.store.turn import Turn

CONTENT = load_content()
BLOG = "tutorial-simple-blog"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(f"sqlite:///{(tmp_path / 'tutor.db').as_posix()}")
    opened.migrate()
    yield opened
    opened.close()


@contextlib.asynccontextmanager
async def serving(intents: Intent = Intent.MESSAGE_CONTENT) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(privileged_intents=intents) as started:
        with started.patch_discord_py():
            yield started
        refused = [call for call in started.calls if call.status == 400]
        assert refused == [], "the bot sent invalid requests"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with serving() as started:
        yield started


async def eventually(check: Callable[[], object], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.005)


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, store: Store, **options: Any
                  ) -> AsyncIterator[DiscordFrontend]:
    """The bot, connected to `fake`, until the block ends."""
    settings = Settings(token=fake.token, guild_ready_timeout=0.05, quick_identify=True,
                        **options)
    frontend = DiscordFrontend(Engine(CONTENT, store), store, settings)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(frontend, stop))
    try:
        await eventually(lambda: frontend.readies >= 1 or task.done())
        if task.done():
            task.result()
        await fake.wait_until_connected()
        yield frontend
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


class Learner:
    """One of Discord's users, doing what a learner does and reading the bot's answers."""

    def __init__(self, fake: FakeDiscord, frontend: DiscordFrontend, user: User,
                 channel: Channel) -> None:
        self.fake, self.frontend, self.user, self.channel = fake, frontend, user, channel
        self.seen = 0

    async def slash(self, name: str, subcommand: str | None = None,
                    **options: Any) -> FakeInteraction:
        before = self.frontend.turns
        interaction = await self.fake.slash(self.user, self.channel, name, subcommand, options)
        await eventually(lambda: self.frontend.turns > before)
        return interaction

    async def press(self, payload: str) -> FakeInteraction:
        message = self.latest_with(payload)
        before = self.frontend.turns
        interaction = await self.fake.press(self.user, message,
                                            f"tb:{self.user.id}:{payload}")
        await eventually(lambda: self.frontend.turns > before)
        return interaction

    async def types(self, text: str) -> None:
        before = self.frontend.turns
        self.fake.send_message(self.user, self.channel, text)
        await eventually(lambda: self.frontend.turns > before)

    def latest_with(self, payload: str) -> FakeMessage:
        wanted = f"tb:{self.user.id}:{payload}"
        return next(message for message in reversed(self.fake.channel_messages(self.channel))
                    if wanted in message.custom_ids)

    def new_text(self) -> str:
        """Everything the bot showed in the channel since the last call."""
        messages = self.fake.channel_messages(self.channel)
        shown = "\n".join(shown_text(message) for message in messages[self.seen:])
        self.seen = len(messages)
        return shown


def shown_text(message: FakeMessage) -> str:
    parts = [message.content]
    for embed in message.embeds:
        parts += [embed.get("title") or "", embed.get("description") or ""]
    return "\n".join(part for part in parts if part)


@pytest.fixture
def ada(fake: FakeDiscord) -> User:
    return fake.user("Ada")


@pytest.fixture
def hall(fake: FakeDiscord, ada: User) -> Guild:
    return fake.guild("Study hall", members=[ada])


@pytest.fixture
def lessons(fake: FakeDiscord, hall: Guild) -> Channel:
    return fake.text_channel(hall, "lessons")


async def open_thread(fake: FakeDiscord, frontend: DiscordFrontend, user: User,
                      channel: Channel) -> Learner:
    """`/tutor start` in a server channel, and the learner then in their thread."""
    started = await fake.slash(user, channel, "tutor", "start")
    await eventually(lambda: frontend.turns >= 1 and fake.threads_of(channel))
    [thread] = fake.threads_of(channel)
    pointer = await started.wait_for_original()
    assert pointer.ephemeral and thread.mention in pointer.content
    return Learner(fake, frontend, user, thread)


# A whole lesson ----------------------------------------------------------------------------


async def test_a_learner_completes_the_blog_lesson_in_a_private_thread(
    fake: FakeDiscord, store: Store, ada: User, lessons: Channel
) -> None:
    async with running(fake, store) as frontend:
        learner = await open_thread(fake, frontend, ada, lessons)
        thread = learner.channel
        menu = learner.new_text()
        await learner.press(f"open:{BLOG}")
        intro = fake.channel_messages(thread)[-1]
        learner.new_text()
        await learner.press("lesson:start")
        step1 = learner.new_text()
        await learner.slash("answer", value="4")
        foreseen = learner.new_text()
        await learner.slash("answer", value="1000/200")
        right = learner.new_text()
        await learner.press("next")
        step2 = learner.new_text()
        await learner.slash("answer", value="the app server loses everything on restart, "
                                             "the database persists it")
        for component in ("client", "app", "db_primary"):
            await learner.slash("design", "add", component=component)
        await learner.slash("design", "connect", **{"from": "client", "to": "app"})
        learner.new_text()
        await learner.slash("design", "connect", **{"from": "app", "to": "db_primary"})
        tier0 = learner.new_text()
        await learner.press("next")
        step3 = learner.new_text()
        await learner.slash("answer", value="health checks")
        partial = learner.new_text()
        await learner.slash("answer", value="it spreads traffic across servers and fails over")
        await learner.slash("design", "add", component="lb")
        learner.new_text()
        await learner.slash("design", "add", component="app")
        tier1 = learner.new_text()
        await learner.slash("design", "connect", **{"from": "client", "to": "lb"})
        await learner.slash("design", "connect", **{"from": "lb", "to": "app"})
        await learner.slash("tutor", "next")
        await learner.slash("tutor", "next")
        learner.new_text()
        await learner.slash("answer", value="9,500")
        await learner.slash("design", "add", component="app", count=6)
        learner.new_text()
        await learner.slash("design", "add", component="db_replica")
        tier2 = learner.new_text()
        await learner.slash("design", "connect", **{"from": "app", "to": "db_replica"})
        await learner.slash("tutor", "next")
        summary = learner.new_text()
        progress = await learner.slash("tutor", "progress")

    assert thread.type is ChannelType.PRIVATE_THREAD and thread.thread_members == {
        fake.bot.id, ada.id}
    assert "This is your lesson" in menu and "Personal Blog Platform" in menu
    assert intro.embeds[0]["title"].startswith("📚 Personal Blog Platform")
    assert "Scenario" in intro.embeds[0]["description"]
    assert "Step 1/5" in step1 and "Checkpoint" in step1
    assert "I read 4 servers" in foreseen
    assert "Correct: 5 servers" in right
    assert "Step 2/5" in step2
    assert "T0 🎯 Basic Setup is green" in tier0 and "Build task done" in tier0
    assert "Step 3/5" in step3 and "You named providing failover" in partial
    assert "T1 ⚖️ High Availability is green" in tier1
    assert "T2 📈 Scale to 1,000 QPS is green" in tier2
    assert "Personal Blog Platform: done" in summary and "Tiers green: 3 of 3" in summary
    assert "done ✅" in (await progress.wait_for_original()).content
    assert all(not message.pings.anyone for message in fake.messages.values()
               if message.author is fake.bot and "This is your lesson" not in message.content)
    assert fake.command_syncs == 1


async def test_old_buttons_still_work_after_a_restart(
    fake: FakeDiscord, store: Store, ada: User, lessons: Channel
) -> None:
    async with running(fake, store) as frontend:
        learner = await open_thread(fake, frontend, ada, lessons)
        await learner.press(f"open:{BLOG}")
        card = learner.latest_with("lesson:start")
    fake.disconnect(resumable=False)

    async with running(fake, store) as restarted:
        learner.frontend = restarted
        learner.new_text()
        press = await fake.press(ada, card, f"tb:{ada.id}:lesson:start")
        await eventually(lambda: restarted.turns >= 1)
        step1 = learner.new_text()
        await learner.slash("answer", value="5")
        answered = learner.new_text()

    assert (await press.wait_for_callback()).type is CallbackType.CHANNEL_MESSAGE
    assert "Step 1/5" in step1 and "Correct: 5 servers" in answered
    assert restarted.syncs == 0 and fake.command_syncs == 1


async def test_reconnecting_does_not_sync_again_or_duplicate_chores(
    fake: FakeDiscord, store: Store, ada: User, lessons: Channel
) -> None:
    async with running(fake, store) as frontend:
        chores = frontend.chores
        fake.disconnect(resumable=False)
        await eventually(lambda: frontend.readies == 2)
        fake.disconnect(resumable=True)
        await eventually(lambda: fake.gateway.resumes == 1)
        learner = await open_thread(fake, frontend, ada, lessons)

        assert frontend.chores is chores and chores is not None and not chores.done()
        assert frontend.syncs == 1 and fake.command_syncs == 1
        assert "This is your lesson" in learner.new_text()


# Typed messages and the message-content intent -----------------------------------------------


async def test_typed_commands_and_answers_work_in_the_thread_with_the_intent(
    fake: FakeDiscord, store: Store, ada: User, lessons: Channel
) -> None:
    async with running(fake, store) as frontend:
        learner = await open_thread(fake, frontend, ada, lessons)
        welcome = learner.new_text()
        await learner.types("1")
        intro = learner.new_text()
        await learner.types("add 8 app")
        added = learner.new_text()
        fake.send_message(ada, lessons, "add 2 app")  # in the channel, not for the bot
        await learner.types("check")
        tiers = fake.channel_messages(learner.channel)[-1]

    assert frontend.reads_messages
    assert "Type your answers and design commands right here" in welcome
    assert "Personal Blog Platform" in intro
    assert "Added 🖥️ App Server ×8 as 'app'" in added
    assert tiers.embeds[0]["title"] == "🏗️ Tiers" and "T0" in tiers.embeds[0]["description"]
    assert [message for message in fake.channel_messages(lessons) if not message.ephemeral] == []


async def test_without_the_intent_the_thread_says_to_use_slash_commands(
    store: Store
) -> None:
    async with serving(intents=Intent(0)) as fake:
        ada = fake.user("Ada")
        lessons = fake.text_channel(fake.guild("Study hall", members=[ada]), "lessons")
        async with running(fake, store) as frontend:
            learner = await open_thread(fake, frontend, ada, lessons)
            welcome = learner.new_text()
            fake.send_message(ada, learner.channel, "add 8 app")
            await fake.wait_for_messages(learner.channel, 3)
            fake.send_message(ada, learner.channel, "add 9 app")
            await asyncio.sleep(0.2)
            notes = learner.new_text()
            await learner.slash("tutor", "start", tutorial=BLOG)
            await learner.slash("design", "add", component="app", count=8)
            added = learner.new_text()
            fake.send_message(ada, lessons, f"{fake.bot.mention} help")
            [answer] = await fake.wait_for_messages(lessons, 1, include_ephemeral=False)

    assert not frontend.reads_messages
    assert "can't read typed messages" in welcome
    assert notes.count("can't read typed messages") == 1
    assert "Added 🖥️ App Server ×8 as 'app'" in added
    assert "/start picks a tutorial" in answer.content and answer.reference_id is not None


# Permissions --------------------------------------------------------------------------------


async def test_without_thread_permission_the_lesson_moves_to_dms(
    fake: FakeDiscord, store: Store, ada: User, hall: Guild
) -> None:
    closed = fake.text_channel(hall, "no-threads", deny=Permission.CREATE_PRIVATE_THREADS)
    async with running(fake, store) as frontend:
        started = await fake.slash(ada, closed, "tutor", "start", {"tutorial": BLOG})
        dm = fake.dm_channel(ada)
        messages = await fake.wait_for_messages(dm, 2)
        pointer = await started.wait_for_original()
        learner = Learner(fake, frontend, ada, dm)
        await learner.types("add lb")

    assert fake.threads_of(closed) == [] and pointer.ephemeral and "DMs" in pointer.content
    assert "in DMs" in messages[0].content
    assert messages[1].embeds[0]["title"].startswith("📚 Personal Blog Platform")
    assert "Added ⚖️ Load Balancer" in fake.channel_messages(dm)[-1].content
    assert [c for c in fake.calls if c.route == "/channels/{channel_id}/threads"] == []


async def test_with_no_thread_and_closed_dms_the_lesson_stays_in_the_channel_unseen(
    fake: FakeDiscord, store: Store, hall: Guild
) -> None:
    shy = fake.user("Shy", accepts_dms=False)
    fake.member(hall, shy)
    closed = fake.text_channel(hall, "no-threads", deny=Permission.CREATE_PRIVATE_THREADS)
    async with running(fake, store) as frontend:
        started = await fake.slash(shy, closed, "tutor", "start")
        await eventually(lambda: frontend.turns == 1)
        [menu] = started.followups

    assert "visible only to you" in (await started.wait_for_original()).content
    assert menu.ephemeral and "Pick a tutorial" in menu.content
    assert f"tb:{shy.id}:open:{BLOG}" in menu.custom_ids


async def test_someone_elses_button_is_refused_privately(
    fake: FakeDiscord, store: Store, ada: User, hall: Guild, lessons: Channel
) -> None:
    moderators = fake.role(hall, "Mods", Permission.MANAGE_THREADS)
    bob = fake.user("Bob")
    fake.member(hall, bob, moderators)
    async with running(fake, store) as frontend:
        learner = await open_thread(fake, frontend, ada, lessons)
        menu = learner.latest_with(f"open:{BLOG}")
        press = await fake.press(bob, menu, f"tb:{ada.id}:open:{BLOG}")
        callback = await press.wait_for_callback()

    assert callback.type is CallbackType.CHANNEL_MESSAGE
    assert press.original is not None and press.original.ephemeral
    assert "someone else's lesson" in press.original.content
    assert menu.revisions == [] and frontend.turns == 1


async def test_settings_are_for_admins_and_choose_where_the_tutor_answers(
    fake: FakeDiscord, store: Store, ada: User, hall: Guild, lessons: Channel
) -> None:
    elsewhere = fake.text_channel(hall, "off-topic")
    async with running(fake, store) as frontend:
        with pytest.raises(PermissionError):
            await fake.slash(ada, lessons, "tutor-settings", "show")
        chose = await fake.slash(hall.owner, lessons, "tutor-settings", "channel",
                                 {"channel": lessons, "answer": True})
        said = await chose.wait_for_original()
        refused = await fake.slash(ada, elsewhere, "tutor", "start")
        pointer = await refused.wait_for_original()
        learner = await open_thread(fake, frontend, ada, lessons)

    assert said.ephemeral and lessons.mention in said.content
    assert pointer.ephemeral and lessons.mention in pointer.content
    assert fake.threads_of(elsewhere) == [] and learner.channel.parent is lessons
    assert frontend.registry.server(hall.id).channels == {lessons.id}


# Errors -------------------------------------------------------------------------------------


async def test_a_channel_that_refuses_the_bot_is_left_alone_and_the_owner_told_once(
    fake: FakeDiscord, store: Store, ada: User, hall: Guild
) -> None:
    quiet = fake.text_channel(hall, "quiet", deny=Permission.SEND_MESSAGES)
    posting = "POST /channels/{channel_id}/messages"
    async with running(fake, store) as frontend:
        learner = Learner(fake, frontend, ada, quiet)
        await learner.types(f"{fake.bot.mention} help")
        await eventually(lambda: fake.channel_messages(fake.dm_channel(hall.owner)))
        tries = len([c for c in fake.calls_to(posting) if c.path.endswith(f"{quiet.id}/messages")])
        for text in ("help", "progress"):
            fake.send_message(ada, quiet, f"{fake.bot.mention} {text}")
        await asyncio.sleep(0.2)
        tries_after = len([c for c in fake.calls_to(posting)
                           if c.path.endswith(f"{quiet.id}/messages")])
        fake.set_bot_permissions(quiet)
        await eventually(lambda: frontend._writable.get(quiet.id) is True)
        await learner.types(f"{fake.bot.mention} help")
        [answer] = await fake.wait_for_messages(quiet, 1)

    [told] = fake.channel_messages(fake.dm_channel(hall.owner))
    assert tries == tries_after == 1
    assert quiet.mention in told.content and "Study hall" in told.content
    assert "/start picks a tutorial" in answer.content


async def test_an_unknown_interaction_is_logged_and_not_retried(
    fake: FakeDiscord, store: Store, ada: User, lessons: Channel,
    caplog: pytest.LogCaptureFixture
) -> None:
    async with running(fake, store) as frontend:
        fake.interaction_window = 0.0
        with caplog.at_level(logging.WARNING, "adapters.discord_bot"):
            late = await Learner(fake, frontend, ada, lessons).slash("tutor", "help")
            await asyncio.sleep(0.1)

    assert late.callback is None and [error.code for error in late.refusals] == [10062]
    assert len(fake.calls_to("POST /interactions/{interaction_id}/{token}/callback")) == 1
    assert late.followups == [] and "10062" in caplog.text


async def test_rate_limits_are_waited_out(
    fake: FakeDiscord, store: Store, ada: User, lessons: Channel
) -> None:
    async with running(fake, store) as frontend:
        learner = await open_thread(fake, frontend, ada, lessons)
        learner.new_text()
        fake.rate_limit_next("POST /interactions/{interaction_id}/{token}/callback")
        helped = await learner.slash("tutor", "help")
        fake.rate_limit_next("POST /channels/{channel_id}/messages", retry_after=0.05)
        await learner.types("progress")

    callbacks = fake.calls_to("POST /interactions/{interaction_id}/{token}/callback")
    assert [call.status for call in callbacks][-2:] == [429, 200]
    assert "/start picks a tutorial" in (await helped.wait_for_original()).content
    assert "Your progress" in learner.new_text()


class SlowStore(Store):
    """A database that takes `delay` seconds to begin every turn."""

    delay = 0.0

    @contextlib.contextmanager
    def turn(self, conversation: str) -> Iterator[Turn]:
        time.sleep(self.delay)
        with super().turn(conversation) as turn:
            yield turn


async def test_a_slow_database_still_acknowledges_within_the_window(
    fake: FakeDiscord, tmp_path: Path, ada: User, lessons: Channel
) -> None:
    slow = SlowStore(f"sqlite:///{(tmp_path / 'slow.db').as_posix()}")
    slow.migrate()
    async with running(fake, slow, defer_after=0.2) as frontend:
        learner = await open_thread(fake, frontend, ada, lessons)
        slow.delay = 0.8
        answer = await learner.slash("tutor", "help")
    slow.close()

    callback = await answer.wait_for_callback()
    original = await answer.wait_for_original()
    assert callback.type is CallbackType.DEFERRED_CHANNEL_MESSAGE
    assert callback.at - answer.sent_at < 0.6
    assert "/start picks a tutorial" in original.content


# What arrives is safe -----------------------------------------------------------------------


HOSTILE = [
    "@everyone look",
    "add 2 @here",
    "connect <@&{role}> **x",
    "set lb **`x` `` ``` ~~||y||~~ 5",
    "add " + "\u200b@\u200beveryone" * 30,
    "add " + "y" * 5000,
    "\u202e\u200d" + "# heading\n> quote\n" * 300,
]


@pytest.mark.parametrize("template", HOSTILE)
async def test_hostile_text_arrives_inert_and_within_limits(
    fake: FakeDiscord, store: Store, hall: Guild, lessons: Channel, template: str
) -> None:
    admins = fake.role(hall, "Admins", Permission.MENTION_EVERYONE, mentionable=True)
    name = "@everyone\u200b **Eve** `x` <@&" + str(admins.id) + ">"
    eve = fake.user(name)
    fake.member(hall, eve)
    text = template.format(role=admins.id)
    async with running(fake, store) as frontend:
        learner = await open_thread(fake, frontend, eve, lessons)
        await learner.types("1")
        await learner.types(text)
        await learner.slash("answer", value=text)

    sent = [message for message in fake.messages.values() if message.author is fake.bot]
    assert len(sent) >= 4
    for message in sent:
        assert len(message.content) <= 2000
        assert "@everyone" not in message.content and "@here" not in message.content
        assert "<@&" not in message.content
        assert message.allowed_mentions is not None
        assert message.allowed_mentions.get("parse") == []
        if "This is your lesson" not in message.content:
            assert not message.pings.anyone
        else:
            assert message.pings.users == {eve.id} and not message.pings.roles
    assert "Eve" in fake.channel_messages(learner.channel)[1].content


async def test_autocomplete_offers_close_names_and_survives_junk(
    fake: FakeDiscord, store: Store, ada: User, lessons: Channel
) -> None:
    async with running(fake, store) as frontend:
        learner = await open_thread(fake, frontend, ada, lessons)
        await learner.slash("tutor", "start", tutorial=BLOG)
        thread = learner.channel
        answers = {}
        for typed in ("blog", "chta", "", "\x00\u202e💥" * 40, "%" * 100):
            asked = await fake.autocomplete(ada, thread, "tutor", "start", {"tutorial": typed},
                                            focused="tutorial")
            answers[typed] = [choice["value"] for choice in await asked.wait_for_choices()]
        components = {}
        for typed in ("ap", "replica", "zzz", "<@&1> ``` \u200b"):
            asked = await fake.autocomplete(ada, thread, "design", "add", {"component": typed},
                                            focused="component")
            components[typed] = [choice["value"] for choice in await asked.wait_for_choices()]

    assert answers["blog"] == [BLOG]
    assert answers["chta"] and answers["chta"][0] == "tutorial-advanced-chat"
    assert len(answers[""]) == len(CONTENT.tutorials)
    assert answers["\x00\u202e💥" * 40] == [] and answers["%" * 100] == []
    assert components["ap"][0] == "app" and set(components["ap"]) <= set(
        CONTENT.tutorial(BLOG).components)
    assert components["replica"] == ["db_replica"]
    assert components["zzz"] == [] and components["<@&1> ``` \u200b"] == []


async def test_show_and_simulate_send_cards_and_pictures_as_attachments(
    fake: FakeDiscord, store: Store, ada: User, lessons: Channel
) -> None:
    async with running(fake, store) as frontend:
        learner = await open_thread(fake, frontend, ada, lessons)
        await learner.slash("tutor", "start", tutorial=BLOG)
        for component in ("client", "lb", "app", "db_primary"):
            await learner.slash("design", "add", component=component)
        for source, target in (("client", "lb"), ("lb", "app"), ("app", "db_primary")):
            await learner.slash("design", "connect", **{"from": source, "to": target})
        shown = await learner.slash("design", "show")
        [picture] = await shown.wait_for_followups(1)
        simulated = await learner.slash("design", "simulate", run="peak")
        [tinted] = await simulated.wait_for_followups(1)
        card = await simulated.wait_for_original()

    [attachment] = picture.attachments
    assert attachment.filename.endswith(".png") and attachment.data.startswith(b"\x89PNG")
    assert attachment.description and "Load Balancer" in attachment.description
    assert "Load Balancer" in (await shown.wait_for_original()).content
    assert card.embeds[0]["title"] == "⚙️ Simulated: peak"
    assert "Bottleneck" in card.embeds[0]["description"]
    assert tinted.attachments[0].data.startswith(b"\x89PNG")


# The command line ---------------------------------------------------------------------------


def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, token: str) -> None:
    monkeypatch.setenv("TUTORBOT_DISCORD_TOKEN", token)
    monkeypatch.setenv("TUTORBOT_DATABASE_URL", f"sqlite:///{(tmp_path / 'c.db').as_posix()}")
    for name in ("TUTORBOT_DISCORD_API_URL", "TUTORBOT_DISCORD_GATEWAY_URL"):
        monkeypatch.delenv(name, raising=False)


def test_check_accepts_a_good_configuration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _environment(monkeypatch, tmp_path, FakeDiscord().token)

    code = tutorbot(["discord", "--check", "--shard-count", "4", "--shard-ids", "0-1"])

    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "token: present and well-formed (bot id 100000000000000000)" in printed
    assert "shards: 0, 1 of 4" in printed and "empty; the schema is created" in printed
    assert FakeDiscord().token not in printed


@pytest.mark.parametrize(
    ("token", "arguments", "complaint"),
    [
        ("", [], "set TUTORBOT_DISCORD_TOKEN"),
        ("not a token", [], "does not look like a bot token"),
        (None, ["--shard-ids", "0"], "--shard-ids needs --shard-count"),
        (None, ["--shard-count", "2", "--shard-ids", "1,2"], "[2] are not below"),
        (None, ["--shard-count", "0"], "--shard-count must be 1"),
    ],
)
def test_check_refuses_a_bad_configuration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    token: str | None, arguments: list[str], complaint: str
) -> None:
    _environment(monkeypatch, tmp_path, FakeDiscord().token if token is None else token)

    code = tutorbot(["discord", "--check", *arguments])

    captured = capsys.readouterr()
    assert code == 1 and complaint in captured.out
    assert "Configuration has problems." in captured.err


async def test_the_bot_exits_cleanly_soon_after_sigterm(
    fake: FakeDiscord, tmp_path: Path, hall: Guild
) -> None:
    environment = os.environ | {
        "TUTORBOT_DISCORD_TOKEN": fake.token,
        "TUTORBOT_DISCORD_API_URL": fake.api_url,
        "TUTORBOT_DISCORD_GATEWAY_URL": fake.gateway_url,
        "TUTORBOT_DATABASE_URL": f"sqlite:///{(tmp_path / 'run.db').as_posix()}",
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
    }
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli", "discord",
        env=environment, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        await fake.wait_until_connected(hall, timeout=20)
        await fake.wait_for_calls("PUT /applications/{application_id}/commands", timeout=10)
        bot.send_signal(signal.SIGTERM)
        started = time.monotonic()
        _, errors = await asyncio.wait_for(bot.communicate(), 10)
        took = time.monotonic() - started
    finally:
        if bot.returncode is None:
            bot.kill()
            await bot.wait()

    assert bot.returncode == 0, errors.decode()
    assert took < 5
    assert b"SIGTERM received" in errors and fake.token.encode() not in errors


def test_add_command_registers_discord_on_a_subcommand_parser() -> None:
    import argparse

    from adapters.discord_bot import add_command

    parser = argparse.ArgumentParser(prog="tutorbot")
    add_command(parser.add_subparsers())

    parsed = parser.parse_args(["discord", "--shard-count", "2", "--message-content", "off"])

    assert parsed.shard_count == 2 and parsed.message_content == "off" and not parsed.check
    assert callable(parsed.run)
