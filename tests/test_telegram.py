"""The Telegram frontend: the real python-telegram-bot against the fake Bot API.

Each test starts a fake Telegram and the bot on a fresh SQLite file, plays the
learners, and waits until every update has been fetched and fully handled before it
looks at what the bot sent.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from fakes.telegram import (
    BLOCKED,
    CANT_INITIATE,
    KICKED,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    ApiError,
    Chat,
    Disconnect,
    FakeMessage,
    FakeTelegram,
    Limits,
    Timeout,
    Topic,
    User,
    bad_request,
    flood,
    migrated,
)

from adapters.cli import main as tutorbot
from adapters.telegram import RateLimits, Settings, Webhook
from adapters.telegram.frontend import COMMANDS, TelegramFrontend, serve
from adapters.telegram.markup import WORD_JOINER
from tutorbot.content import load_content
from tutorbot.design.commands import commands_for
from tutorbot.engine.engine import Engine
from tutorbot.store import Store

CONTENT = load_content()
BLOG = CONTENT.tutorial("tutorial-simple-blog")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    yield


@dataclasses.dataclass
class Running:
    """The bot at work, and ways to talk to it as the fake's users."""

    tg: FakeTelegram
    frontend: TelegramFrontend
    store: Store

    async def settle(self, timeout: float = 20.0) -> None:
        """Until every update sent so far has been fetched and fully handled."""
        deadline = time.monotonic() + timeout
        while self.tg.pending_updates():
            assert time.monotonic() < deadline, "updates were not fetched"
            await asyncio.sleep(0.005)
        await asyncio.wait_for(self.frontend.application.update_queue.join(), timeout)

    async def say(self, user: User, chat: Chat, text: str, *, topic: Topic | None = None,
                  reply_to: FakeMessage | None = None) -> list[FakeMessage]:
        """What the bot sent back to `text` (new messages only)."""
        before = len(self.tg.bot_messages(chat))
        self.tg.send_text(user, chat, text, topic=topic, reply_to=reply_to)
        await self.settle()
        return self.tg.bot_messages(chat)[before:]

    async def press(self, user: User, message: FakeMessage, data: str) -> list[FakeMessage]:
        before = len(self.tg.bot_messages(message.chat))
        self.tg.press(user, message, data)
        await self.settle()
        return self.tg.bot_messages(message.chat)[before:]

    def texts(self, chat: Chat) -> list[str]:
        return [message.text or message.caption or "" for message in self.tg.bot_messages(chat)]


@asynccontextmanager
async def running(tg: FakeTelegram, tmp_path: Path, **overrides: Any) -> AsyncIterator[Running]:
    store = Store(f"sqlite:///{(tmp_path / 'bot.db').as_posix()}")
    store.migrate()
    settings = Settings(
        token=tg.token, base_url=tg.base_url, rate_limits=None, poll_timeout=1,
        read_timeout=2, retry_pause=0.01,
    )
    frontend = TelegramFrontend(Engine(CONTENT, store), store,
                                dataclasses.replace(settings, **overrides))
    stop = asyncio.Event()
    task = asyncio.create_task(serve(frontend, stop))
    try:
        yield Running(tg, frontend, store)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        store.close()


def buttons(message: FakeMessage) -> list[str]:
    return [str(button["callback_data"]) for button in message.buttons]


def refused_html(tg: FakeTelegram) -> list[str]:
    return [str(call.description) for call in tg.calls
            if call.description and "parse entities" in call.description]


# A lesson from start to finish ------------------------------------------------------------


async def test_a_learner_takes_the_blog_lesson_by_text_and_buttons(tmp_path: Path) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, running(tg, tmp_path) as bot:
        ada = tg.user("Ada")
        chat = tg.private_chat(ada)

        [menu] = await bot.say(ada, chat, "/start")
        [card] = await bot.press(ada, menu, "open:tutorial-simple-blog")
        step1 = await bot.press(ada, card, "lesson:start")
        foreseen = await bot.say(ada, chat, "4")
        right = await bot.say(ada, chat, "1000/200")
        step2 = await bot.press(ada, right[-1], "next")
        await bot.say(ada, chat, "the app server loses everything on restart, the database "
                                 "persists it")
        for command in ["add client", "add app", "add db_primary", "connect client app"]:
            await bot.say(ada, chat, command)
        tier0 = await bot.say(ada, chat, "connect app db_primary")
        step3 = await bot.press(ada, tier0[-1], "next")
        await bot.say(ada, chat, "health checks")
        await bot.say(ada, chat, "it spreads traffic across servers and fails over")
        for command in ["add lb", "add app", "connect client lb", "connect lb app"]:
            await bot.say(ada, chat, command)
        step4 = await bot.say(ada, chat, "next")
        step5 = await bot.press(ada, step4[-1], "next")
        await bot.say(ada, chat, "9,500")
        for command in ["add 6 app", "add db_replica", "connect app db_replica"]:
            await bot.say(ada, chat, command)
        summary = await bot.say(ada, chat, "next")
        [progress] = await bot.say(ada, chat, "/progress")

    assert menu.text is not None and "Personal Blog Platform" in menu.text
    assert buttons(menu)[0] == "open:tutorial-simple-blog"
    assert card.text is not None and "Scenario" in card.text
    assert {"type": "bold", "offset": 3, "length": 22} in card.entities
    assert "Step 1/5" in (step1[0].text or "") and buttons(step1[-1]) == ["hint", "skip"]
    assert any(entity["type"] == "pre" for entity in step1[0].entities)
    assert "I read 4 servers" in (foreseen[0].text or "")
    assert (right[0].text or "").startswith("✅ Correct: 5 servers")
    assert "Step 2/5" in (step2[0].text or "")
    assert "Build task done" in (tier0[-1].text or "")
    assert "Step 3/5" in (step3[0].text or "")
    assert "Step 5/5" in (step5[0].text or "")
    assert "Personal Blog Platform: done" in "\n".join(m.text or "" for m in summary)
    assert "Personal Blog Platform: done ✅" in (progress.text or "")
    assert tg.commands() == [{"command": name, "description": text} for name, text in COMMANDS]
    assert refused_html(tg) == []
    assert all(call.outcome == "ok" for call in tg.calls_of("sendMessage"))


async def test_show_sends_the_design_as_a_photo_with_its_alt_text(tmp_path: Path) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, running(tg, tmp_path) as bot:
        ada = tg.user("Ada")
        chat = tg.private_chat(ada)
        [menu] = await bot.say(ada, chat, "/start")
        [card] = await bot.press(ada, menu, "open:tutorial-simple-blog")
        await bot.press(ada, card, "lesson:build")
        for line in commands_for(BLOG.reference):
            await bot.say(ada, chat, line)

        shown = await bot.say(ada, chat, "show")

    text, photo = shown
    assert text.text and photo.photo is not None and photo.photo.startswith(b"\x89PNG")
    assert photo.caption is not None and "App Servers ×8" in photo.caption
    assert (chat.id, "upload_photo") in tg.chat_actions
    [call] = tg.calls_of("sendPhoto")
    assert call.outcome == "ok"


# Groups and forums --------------------------------------------------------------------------


async def test_a_group_lesson_by_replies_and_slash_a(tmp_path: Path) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, running(tg, tmp_path) as bot:
        ada, bob = tg.user("Ada"), tg.user("Bob")
        group = tg.group(members=[ada, bob])
        start = tg.send_text(ada, group, "/start")
        await bot.settle()
        [menu] = tg.bot_messages(group)
        [card] = await bot.press(ada, menu, "open:tutorial-simple-blog")
        *_, question = await bot.press(ada, card, "lesson:start")
        chatter = tg.send_text(ada, group, "5")
        other_bot = tg.send_text(ada, group, "/start@some_other_bot")
        wrong = await bot.say(ada, group, "/a@tutorbot_test_bot 4")
        right = await bot.say(ada, group, "1000/200", reply_to=question)
        bobs = await bot.say(bob, group, "/progress")

    assert menu.reply_to is start
    assert (chatter.update_id, other_bot.update_id) == (None, None)
    assert "I read 4 servers" in (wrong[0].text or "")
    assert wrong[0].reply_to is not None and wrong[0].reply_to.sender is ada
    assert (right[0].text or "").startswith("✅ Correct")
    assert "not started" in (bobs[0].text or "") and "step" not in (bobs[0].text or "")


async def test_in_a_group_that_reads_everything_only_addressed_text_is_answered(
    tmp_path: Path,
) -> None:
    async with FakeTelegram(limits=Limits.relaxed(), can_read_all_group_messages=True) as tg, \
            running(tg, tmp_path) as bot:
        ada = tg.user("Ada")
        group = tg.supergroup(members=[ada])
        chatter = await bot.say(ada, group, "lol, what a day")
        sticker_id = tg.send_sticker(ada, group).update_id
        await bot.settle()
        mentioned = await bot.say(ada, group, "@tutorbot_test_bot /help")
        named = await bot.say(ada, group, "@TutorBot_Test_Bot 1")

    assert sticker_id is not None
    assert chatter == []
    assert mentioned and "/start picks a tutorial" in (mentioned[0].text or "")
    assert named and "Personal Blog Platform" in (named[0].text or "")


async def test_a_forum_topic_keeps_its_own_lessons_and_replies_in_the_topic(
    tmp_path: Path,
) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, running(tg, tmp_path) as bot:
        ada = tg.user("Ada")
        forum = tg.supergroup(forum=True, members=[ada])
        first, second = tg.topic(forum, "Practice"), tg.topic(forum, "Quiz")
        [menu] = await bot.say(ada, forum, "/start", topic=first)
        [card] = await bot.press(ada, menu, "open:tutorial-simple-blog")
        await bot.press(ada, card, "lesson:start")
        elsewhere = await bot.say(ada, forum, "/a 5", topic=second)
        here = await bot.say(ada, forum, "/a 5", topic=first)

    assert menu.thread_id == first.message_thread_id
    assert card.thread_id == first.message_thread_id
    assert elsewhere[0].thread_id == second.message_thread_id
    assert "Correct" not in (elsewhere[0].text or "")
    assert (here[0].text or "").startswith("✅ Correct")


# Telegram's errors ----------------------------------------------------------------------------


@pytest.mark.parametrize("error", [BLOCKED, KICKED, CANT_INITIATE],
                         ids=["blocked", "kicked", "cannot-initiate"])
async def test_a_forbidden_chat_is_marked_inactive_until_it_writes_again(
    tmp_path: Path, error: ApiError
) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, running(tg, tmp_path) as bot:
        ada = tg.user("Ada")
        chat = tg.group(members=[ada]) if error is KICKED else tg.private_chat(ada)
        tg.fail_next("sendMessage", error, chat_id=chat)
        refused = await bot.say(ada, chat, "/start")
        active_after_refusal = bot.store.chat_active("telegram", str(chat.id))
        sends = len(tg.calls_of("sendMessage"))
        again = await bot.say(ada, chat, "/help")

    assert refused == [] and sends == 1
    assert active_after_refusal is False
    assert len(again) == 1
    assert bot.store.chat_active("telegram", str(chat.id)) is True


async def test_a_blocked_membership_update_marks_the_chat_inactive(tmp_path: Path) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, running(tg, tmp_path) as bot:
        ada = tg.user("Ada")
        chat = tg.private_chat(ada)
        await bot.say(ada, chat, "/start")
        tg.block(ada)
        await bot.settle()
        blocked = bot.store.chat_active("telegram", str(chat.id))
        tg.unblock(ada)
        await bot.settle()

    assert blocked is False
    assert bot.store.chat_active("telegram", str(chat.id)) is True


async def test_a_429_is_waited_out_and_retried(tmp_path: Path) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, \
            running(tg, tmp_path, rate_limits=RateLimits(retries=2)) as bot:
        ada = tg.user("Ada")
        chat = tg.private_chat(ada)
        tg.fail_next("sendMessage", flood(1), chat_id=chat)
        started = time.monotonic()
        replies = await bot.say(ada, chat, "/start")
        waited = time.monotonic() - started

    assert len(replies) == 1 and len(tg.calls_of("sendMessage")) == 2
    assert waited >= 1.0


async def test_a_stale_button_still_does_its_work(tmp_path: Path) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, running(tg, tmp_path) as bot:
        ada = tg.user("Ada")
        chat = tg.private_chat(ada)
        [menu] = await bot.say(ada, chat, "/start")
        tg.fail_next("answerCallbackQuery", QUERY_TOO_OLD)
        [card] = await bot.press(ada, menu, "open:tutorial-simple-blog")

    assert "Personal Blog Platform" in (card.text or "")
    assert tg.calls_of("answerCallbackQuery")[0].outcome == "error"


async def confirm_question(bot: Running, user: User, chat: Chat) -> FakeMessage:
    [menu] = await bot.say(user, chat, "/start")
    await bot.press(user, menu, "open:tutorial-simple-blog")
    [question] = await bot.say(user, chat, "/reset")
    assert buttons(question) == ["confirm:yes", "confirm:no"]
    return question


async def test_a_confirmation_edits_its_question(tmp_path: Path) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, running(tg, tmp_path) as bot:
        ada = tg.user("Ada")
        chat = tg.private_chat(ada)
        question = await confirm_question(bot, ada, chat)
        new = await bot.press(ada, question, "confirm:no")

    assert new == []
    assert question.text == "Okay, nothing changed." and question.buttons == []


@pytest.mark.parametrize(("error", "sent_anew"), [
    (NOT_MODIFIED, False),
    (bad_request("message can't be edited"), True),
], ids=["not-modified", "refused"])
async def test_an_edit_not_modified_is_done_and_a_refused_one_is_sent(
    tmp_path: Path, error: ApiError, sent_anew: bool
) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, running(tg, tmp_path) as bot:
        ada = tg.user("Ada")
        chat = tg.private_chat(ada)
        question = await confirm_question(bot, ada, chat)
        tg.fail_next("editMessageText", error)
        new = await bot.press(ada, question, "confirm:no")

    assert [message.text for message in new] == (["Okay, nothing changed."] if sent_anew
                                                 else [])


async def test_a_group_upgraded_to_a_supergroup_keeps_its_lessons(tmp_path: Path) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, running(tg, tmp_path) as bot:
        ada = tg.user("Ada")
        group = tg.group(members=[ada])
        [menu] = await bot.say(ada, group, "/start")
        [card] = await bot.press(ada, menu, "open:tutorial-simple-blog")
        await bot.press(ada, card, "lesson:start")
        supergroup = tg.migrate(group)
        await bot.settle()
        answered = await bot.say(ada, supergroup, "/a 5")

    assert (answered[0].text or "").startswith("✅ Correct")


async def test_a_send_refused_as_migrated_moves_the_lessons_and_is_sent_again(
    tmp_path: Path,
) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, running(tg, tmp_path) as bot:
        ada = tg.user("Ada")
        group, supergroup = tg.group(members=[ada]), tg.supergroup(members=[ada])
        [menu] = await bot.say(ada, group, "/start")
        [card] = await bot.press(ada, menu, "open:tutorial-simple-blog")
        tg.fail_next("sendMessage", migrated(supergroup.id), chat_id=group)
        moved = await bot.press(ada, card, "lesson:start")
        answered = await bot.say(ada, supergroup, "/a 5")

    assert moved == []
    assert "Step 1/5" in bot.texts(supergroup)[0]
    assert (answered[0].text or "").startswith("✅ Correct")


async def test_a_read_timeout_is_not_sent_twice(tmp_path: Path) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, \
            running(tg, tmp_path, read_timeout=0.3) as bot:
        ada = tg.user("Ada")
        chat = tg.private_chat(ada)
        tg.fail_next("sendMessage", Timeout(applied=True), chat_id=chat)
        await bot.say(ada, chat, "/start")
        later = await bot.say(ada, chat, "/help")

    assert len(tg.calls_of("sendMessage")) == 2
    first, second = bot.texts(chat)
    assert first.startswith("👋 Hi Ada") and second.startswith("/start picks")
    assert len(later) == 1


async def test_a_dropped_connection_is_retried_once_sent(tmp_path: Path) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, running(tg, tmp_path) as bot:
        ada = tg.user("Ada")
        chat = tg.private_chat(ada)
        tg.fail_next("sendMessage", Disconnect(applied=False), chat_id=chat, times=2)
        replies = await bot.say(ada, chat, "/start")

    assert len(replies) == 1
    assert [call.outcome for call in tg.calls_of("sendMessage")] == [
        "disconnect", "disconnect", "ok"]


# Delivery, order and load ---------------------------------------------------------------------


async def test_a_redelivered_update_is_applied_once(tmp_path: Path) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, running(tg, tmp_path) as bot:
        ada = tg.user("Ada")
        chat = tg.private_chat(ada)
        [menu] = await bot.say(ada, chat, "/start")
        [card] = await bot.press(ada, menu, "open:tutorial-simple-blog")
        await bot.press(ada, card, "lesson:start")
        wrong = tg.send_text(ada, chat, "4")
        await bot.settle()
        assert wrong.update_id is not None
        tg.redeliver(wrong.update_id)
        await bot.settle()
        [hint] = await bot.say(ada, chat, "6")

    assert bot.texts(chat).count(bot.texts(chat)[-2]) == 1
    assert "💡 Hint" in (hint.text or "")  # the second wrong try, not the third


async def test_two_hundred_learners_at_once_lose_nothing_and_keep_their_order(
    tmp_path: Path,
) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, running(tg, tmp_path) as bot:
        learners = [tg.user(f"L{number}") for number in range(200)]
        chats = [tg.private_chat(user) for user in learners]
        for user, chat in zip(learners, chats, strict=True):
            for text in ("/start", "1", "/progress"):
                tg.send_text(user, chat, text)
        await bot.settle(timeout=40)

    for chat in chats:
        texts = bot.texts(chat)
        assert len(texts) == 3, texts
        assert texts[0].startswith("👋 Hi L")
        assert "Scenario" in texts[1]
        assert texts[2].startswith("📊 Your progress")


async def test_webhook_mode_checks_the_secret(tmp_path: Path, unused_tcp_port: int) -> None:
    url = f"http://127.0.0.1:{unused_tcp_port}/telegram-hook"
    hook = Webhook(url, "s3cr3t-token", "127.0.0.1", unused_tcp_port)
    async with FakeTelegram(limits=Limits.relaxed(), webhook_retry_delay=0.05) as tg, \
            running(tg, tmp_path, webhook=hook) as bot:
        await tg.wait_for_calls("setWebhook")
        ada = tg.user("Ada")
        chat = tg.private_chat(ada)
        replies = await bot.say(ada, chat, "/start")
        forged = {"update_id": 999, "message": {
            "message_id": 99, "date": 0, "text": "/start",
            "chat": {"id": chat.id, "type": "private"},
            "from": {"id": ada.id, "is_bot": False, "first_name": "Mallory"}}}
        async with aiohttp.ClientSession() as session:
            for secret in ("wrong", None):
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                async with session.post(url, json=forged, headers=headers) as response:
                    assert response.status == 403
        await asyncio.sleep(0.1)
        await bot.settle()

    assert len(replies) == 1 and len(tg.bot_messages(chat)) == 1
    assert tg.calls_of("setWebhook")[0].params["secret_token"] == "s3cr3t-token"


# Bad input ------------------------------------------------------------------------------------


async def test_hostile_names_and_text_arrive_as_valid_html(tmp_path: Path) -> None:
    name = "<b>Eve & </code> @everyone \u202eevil\u202c"
    async with FakeTelegram(limits=Limits.relaxed()) as tg, running(tg, tmp_path) as bot:
        eve = tg.user(name)
        chat = tg.private_chat(eve)
        [menu] = await bot.say(eve, chat, "/start")
        await bot.press(eve, menu, "open:tutorial-simple-blog")
        for text in ["add <b>&amp;</code>", "connect @everyone <i>x", "set lb *x* `&`",
                     "<pre>" + "x" * 5000, "é" * 3900 + " & <", "\u200f" * 10 + "/help"]:
            replies = await bot.say(eve, chat, text)
            assert replies, text

    assert refused_html(tg) == []
    assert all(call.outcome == "ok" for call in tg.calls_of("sendMessage"))
    assert menu.text is not None
    assert f"Hi <b>Eve & </code> @{WORD_JOINER}everyone \u202eevil\u202c!" in menu.text
    assert not any(entity["type"] == "mention" for entity in menu.entities)


async def test_stickers_photos_voice_edits_and_unknown_updates(tmp_path: Path) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg, \
            running(tg, tmp_path, allowed_updates=None) as bot:
        ada = tg.user("Ada")
        chat = tg.private_chat(ada)
        group = tg.group(members=[ada])
        await bot.say(ada, chat, "/start")
        tg.send_sticker(ada, chat)
        tg.send_photo(ada, chat, caption="my design")
        tg.send_voice(ada, chat)
        await bot.settle()
        media_replies = bot.texts(chat)[1:]
        [help_text] = await bot.say(ada, group, "/help")
        tg.send_sticker(ada, group)
        tg.send_sticker(ada, group, reply_to=help_text)
        tg.edit_text(tg.message(chat, 1), "/progress")
        tg.push_update({"future_kind_of_update": {"anything": 1}})
        await bot.settle()
        after = await bot.say(ada, chat, "/help")

    assert len(media_replies) == 3
    assert all(text.startswith("I read text and buttons") for text in media_replies)
    assert len(bot.texts(group)) == 2 and bot.texts(group)[1].startswith("I read text")
    assert len(bot.texts(chat)) == 5 and len(after) == 1


# The command ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("environment", "arguments", "code", "expected"), [
    ({}, [], 0, "mode: long polling"),
    ({"TUTORBOT_TELEGRAM_TOKEN": ""}, [], 1, "set TUTORBOT_TELEGRAM_TOKEN"),
    ({"TUTORBOT_TELEGRAM_TOKEN": "not-a-token"}, [], 1, "does not look like a bot token"),
    ({}, ["--webhook", "https://bot.example.org/hook"], 1, "needs a secret"),
    ({}, ["--webhook", "https://bot.example.org/hook", "--secret", "ok_secret"], 0,
     "mode: webhook at https://bot.example.org/hook"),
    ({"TUTORBOT_TELEGRAM_WEBHOOK_SECRET": "bad secret!"},
     ["--webhook", "https://bot.example.org/hook"], 1, "may hold only"),
    ({}, ["--webhook", "http://bot.example.org/hook", "--secret", "s"], 1, "https://"),
    ({}, ["--webhook", "https://bot.example.org/hook", "--secret", "s", "--port", "0"], 1,
     "not a port number"),
])
def test_check_validates_without_sending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    environment: dict[str, str], arguments: list[str], code: int, expected: str,
) -> None:
    monkeypatch.setenv("TUTORBOT_TELEGRAM_TOKEN", "123456789:AAE-secret-token-of-the-test-bot")
    monkeypatch.delenv("TUTORBOT_TELEGRAM_WEBHOOK_SECRET", raising=False)
    monkeypatch.delenv("TUTORBOT_TELEGRAM_BASE_URL", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    database = f"sqlite:///{(tmp_path / 'check.db').as_posix()}"

    result = tutorbot(["telegram", "--check", "--db", database, *arguments])

    output = capsys.readouterr()
    assert result == code
    assert expected in output.out
    assert "database:" in output.out and "lessons: 4 tutorials" in output.out
    assert "AAE-secret" not in output.out + output.err


def test_check_reports_a_database_from_a_newer_tutorbot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TUTORBOT_TELEGRAM_TOKEN", "123456789:AAE-secret-token-of-the-test-bot")
    database = f"sqlite:///{(tmp_path / 'newer.db').as_posix()}"
    store = Store(database)
    store.migrate()
    store.close()
    import sqlite3

    with sqlite3.connect(tmp_path / "newer.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")

    result = tutorbot(["telegram", "--check", "--db", database])

    assert result == 1
    assert "newer than this tutorbot" in capsys.readouterr().out


async def test_sigterm_stops_the_bot_within_seconds(tmp_path: Path) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg:
        ada = tg.user("Ada")
        chat = tg.private_chat(ada)
        environment = {
            **os.environ, "TUTORBOT_TELEGRAM_TOKEN": tg.token,
            "TUTORBOT_TELEGRAM_BASE_URL": tg.base_url, "NO_PROXY": "127.0.0.1,localhost",
            "PYTHONPATH": str(REPO),
        }
        database = f"sqlite:///{(tmp_path / 'bot.db').as_posix()}"
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "adapters.cli", "telegram", "--db", database,
            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        try:
            tg.send_text(ada, chat, "/start")
            await tg.wait_for_messages(chat, 1, timeout=30)
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            _, errors = await asyncio.wait_for(process.communicate(), 10)
            took = time.monotonic() - started
        finally:
            if process.returncode is None:
                process.kill()

    assert process.returncode == 0, errors.decode()
    assert took < 5
    log = errors.decode()
    assert "SIGTERM received" in log and "stopped" in log
    assert tg.token not in log and tg.token.partition(":")[2] not in log
