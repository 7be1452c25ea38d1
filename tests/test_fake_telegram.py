"""The fake Telegram Bot API, driven by the real python-telegram-bot.

Each limit and scripted error must reach PTB as the exception a real Telegram answer
would raise, and the fake must record what the bot did so adapter tests can assert on it.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from fakes.telegram import (
    BLOCKED,
    CANT_INITIATE,
    KICKED,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    TINY_PNG,
    ApiError,
    Disconnect,
    FakeTelegram,
    Limits,
    Timeout,
    flood,
    migrated,
)
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module", autouse=True)
def _loopback_only() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NO_PROXY", "127.0.0.1,localhost")
        patch.setenv("no_proxy", "127.0.0.1,localhost")
        patch.setenv("PTB_TIMEDELTA", "1")
        yield


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def tg() -> AsyncIterator[FakeTelegram]:
    """One fake for the tests that only send: each makes its own users and chats."""
    async with FakeTelegram(limits=Limits.relaxed()) as fake:
        yield fake


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with _bot_for(tg) as client:
        yield client


def _bot_for(tg: FakeTelegram) -> Bot:
    return Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url)


def _seconds(retry_after: int | dtm.timedelta) -> float:
    assert isinstance(retry_after, dtm.timedelta)
    return retry_after.total_seconds()


def _keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"b{i}", callback_data=d)]
                                 for i, d in enumerate(data)])


# The server itself --------------------------------------------------------------------------


@pytest.mark.parametrize("reads_all", [False, True])
async def test_get_me_reports_privacy_mode(reads_all: bool) -> None:
    async with FakeTelegram(can_read_all_group_messages=reads_all) as tg, _bot_for(tg) as bot:
        me = await bot.get_me()

    assert me.username == "tutorbot_test_bot"
    assert me.can_read_all_group_messages is reads_all
    assert tg.counts["getMe"] == 2


async def test_unknown_method_and_wrong_token_answer_like_telegram(
    tg: FakeTelegram, bot: Bot
) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{tg.base_url}{tg.token}/frobnicate") as response:
            unknown = (response.status, await response.json())
        async with session.get(f"{tg.base_url}1:wrong/getMe") as response:
            wrong_token = (response.status, await response.json())

    assert unknown == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert wrong_token == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("frobnicate")
    with pytest.raises(InvalidToken):
        async with Bot("1:wrong", base_url=tg.base_url):
            pass


async def test_json_bodies_and_case_insensitive_method_names(tg: FakeTelegram) -> None:
    ada = tg.user("Ada")
    chat = tg.private_chat(ada)
    payload = {"chat_id": chat.id, "text": "hi", "reply_markup": {
        "inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}}

    url = f"{tg.base_url}{tg.token}/SENDMESSAGE"
    async with aiohttp.ClientSession() as session, session.post(url, json=payload) as response:
        body = await response.json()

    assert body["ok"] is True
    assert body["result"]["reply_markup"] == payload["reply_markup"]
    [message] = tg.bot_messages(chat)
    assert message.button("Go") == {"text": "Go", "callback_data": "go"}


async def test_stops_quickly_with_a_long_poll_open() -> None:
    tg = FakeTelegram()
    await tg.start()
    bot = _bot_for(tg)
    await bot.initialize()
    poll = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=40))
    await tg.wait_for_calls("getMe")
    await asyncio.sleep(0.1)

    started = time.monotonic()
    await tg.stop()
    stopped = time.monotonic() - started

    assert stopped < 1.0
    assert await poll == ()
    await bot.shutdown()


# Text, HTML and entities --------------------------------------------------------------------


async def test_valid_html_is_parsed_into_text_and_utf16_entities(
    tg: FakeTelegram, bot: Bot
) -> None:
    chat = tg.private_chat(tg.user())
    html = (
        '😀 <b>Tom &amp; Jerry</b> say <i>x &lt; y &gt; z</i> &quot;q&quot; &#8364;&#x1F680; '
        '<a href="https://example.org/?a=1&amp;b=2">link</a>\n'
        '<pre><code class="language-python">print("&lt;hi&gt;")</code></pre>'
        '<tg-spoiler>s</tg-spoiler><blockquote expandable>quote</blockquote><u>u</u><s>s</s>'
    )

    sent = await bot.send_message(chat.id, html, parse_mode=ParseMode.HTML)

    [message] = tg.bot_messages(chat)
    assert message.text == (
        '😀 Tom & Jerry say x < y > z "q" €🚀 link\nprint("<hi>")squoteus'
    )
    assert message.entities == [
        {"type": "bold", "offset": 3, "length": 11},
        {"type": "italic", "offset": 19, "length": 9},
        {"type": "text_link", "offset": 37, "length": 4, "url": "https://example.org/?a=1&b=2"},
        {"type": "pre", "offset": 42, "length": 13, "language": "python"},
        {"type": "spoiler", "offset": 55, "length": 1},
        {"type": "expandable_blockquote", "offset": 56, "length": 5},
        {"type": "underline", "offset": 61, "length": 1},
        {"type": "strikethrough", "offset": 62, "length": 1},
    ]
    assert message.source == html
    assert sent.text == message.text
    assert sent.parse_entities()[sent.entities[0]] == "Tom & Jerry"
    assert sent.parse_entities()[sent.entities[2]] == "link"


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("é</b>", "Unexpected end tag at byte offset 2"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("Tom & Jerry", 'Character "&" must be escaped as "&amp;" at byte offset 4'),
        ("&nbsp;", 'Character "&" must be escaped as "&amp;" at byte offset 0'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="x', "Unclosed start tag at byte offset 0"),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
    ],
)
async def test_invalid_html_is_refused_with_telegrams_reason(
    tg: FakeTelegram, bot: Bot, html: str, reason: str
) -> None:
    chat = tg.private_chat(tg.user())

    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(chat.id, html, parse_mode=ParseMode.HTML)

    assert tg.calls[-1].description == f"Bad Request: can't parse entities: {reason}"
    assert tg.bot_messages(chat) == []


async def test_lenient_ampersand_keeps_it_literal_like_telegram() -> None:
    async with FakeTelegram(strict_ampersand=False) as tg, _bot_for(tg) as bot:
        chat = tg.private_chat(tg.user())
        await bot.send_message(chat.id, "Tom & Jerry &nbsp;", parse_mode=ParseMode.HTML)

    assert tg.bot_messages(chat)[0].text == "Tom & Jerry &nbsp;"


@pytest.mark.parametrize(
    ("text", "parse_mode", "accepted"),
    [
        ("a" * 4096, None, True),
        ("a" * 4097, None, False),
        ("😀" * 2048, None, True),
        ("😀" * 2049, None, False),
        ("<b>" + "a" * 4096 + "</b>", ParseMode.HTML, True),
        ("&amp;" * 4096, ParseMode.HTML, True),
        ("&amp;" * 4097, ParseMode.HTML, False),
    ],
)
async def test_text_limit_counts_utf16_units_after_parsing(
    tg: FakeTelegram, bot: Bot, text: str, parse_mode: str | None, accepted: bool
) -> None:
    chat = tg.private_chat(tg.user())

    if accepted:
        await bot.send_message(chat.id, text, parse_mode=parse_mode)
    else:
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(chat.id, text, parse_mode=parse_mode)

    assert len(tg.bot_messages(chat)) == int(accepted)


@pytest.mark.parametrize("text", ["", "   \n", "<b></b>", "<b> </b>"])
async def test_empty_text_is_refused(tg: FakeTelegram, bot: Bot, text: str) -> None:
    chat = tg.private_chat(tg.user())

    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(chat.id, text, parse_mode=ParseMode.HTML)

    assert tg.calls[-1].description == "Bad Request: message text is empty"


async def test_photo_upload_records_bytes_and_limits_the_caption(
    tg: FakeTelegram, bot: Bot
) -> None:
    chat = tg.private_chat(tg.user())

    sent = await bot.send_photo(chat.id, TINY_PNG, caption="<b>design</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(chat.id, TINY_PNG, caption="x" * 1025)
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(chat.id, b"not an image")

    [message] = tg.bot_messages(chat)
    assert message.photo == TINY_PNG
    assert (message.caption, message.caption_entities) == (
        "design", [{"type": "bold", "offset": 0, "length": 6}]
    )
    assert (sent.photo[0].width, sent.photo[0].height) == (1, 1)
    downloaded = await (await bot.get_file(sent.photo[0].file_id)).download_as_bytearray()
    assert bytes(downloaded) == TINY_PNG


# Keyboards, edits and callback queries -----------------------------------------------------


@pytest.mark.parametrize(
    ("data", "description"),
    [
        ("x" * 64, None),
        ("ü" * 32, None),
        ("x" * 65, "Bad Request: BUTTON_DATA_INVALID"),
        ("ü" * 33, "Bad Request: BUTTON_DATA_INVALID"),
        ("", "Bad Request: can't parse InlineKeyboardButton: "
             "Text buttons are not allowed in the inline keyboard"),
    ],
)
async def test_callback_data_is_limited_to_64_bytes(
    tg: FakeTelegram, bot: Bot, data: str, description: str | None
) -> None:
    chat = tg.private_chat(tg.user())

    if description is None:
        await bot.send_message(chat.id, "pick", reply_markup=_keyboard(data))
    else:
        with pytest.raises(BadRequest):
            await bot.send_message(chat.id, "pick", reply_markup=_keyboard(data))

    assert tg.calls[-1].description == description


async def test_button_text_must_not_be_empty(tg: FakeTelegram, bot: Bot) -> None:
    chat = tg.private_chat(tg.user())
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("", callback_data="x")]])

    with pytest.raises(BadRequest):
        await bot.send_message(chat.id, "pick", reply_markup=markup)

    assert tg.bot_messages(chat) == []


async def test_edits_keep_history_and_identical_edits_are_not_modified(
    tg: FakeTelegram, bot: Bot
) -> None:
    chat = tg.private_chat(tg.user())
    sent = await bot.send_message(chat.id, "<b>Q1</b>", parse_mode="HTML",
                                  reply_markup=_keyboard("a"))

    await bot.edit_message_text("<b>Q1</b> done", chat.id, sent.message_id, parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("<b>Q1</b> done", chat.id, sent.message_id,
                                    parse_mode="HTML")
    not_modified = tg.calls[-1].description
    await bot.edit_message_reply_markup(chat.id, sent.message_id, reply_markup=_keyboard("b"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(chat.id, sent.message_id,
                                            reply_markup=_keyboard("b"))
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat.id, 999)

    message = tg.message(chat, sent.message_id)
    assert not_modified == NOT_MODIFIED.description
    assert message.text == "Q1 done"
    assert [revision.text for revision in message.edits] == ["Q1", "Q1 done"]
    assert message.edits[0].reply_markup == _keyboard("a").to_dict()
    assert message.edits[1].reply_markup is None
    assert message.buttons == [{"text": "b0", "callback_data": "b"}]


async def test_callback_query_answers_once_and_goes_stale(tg: FakeTelegram, bot: Bot) -> None:
    ada = tg.user()
    chat = tg.private_chat(ada)
    await bot.send_message(chat.id, "pick", reply_markup=_keyboard("yes", "no"))
    [message] = tg.bot_messages(chat)
    fresh = tg.press(ada, message, "yes")
    stale = tg.press(ada, message, "no")
    tg.expire_callback_query(stale)

    await bot.answer_callback_query(fresh, text="Noted")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(fresh)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(stale)

    assert tg.callback_answers[fresh].text == "Noted"
    assert tg.calls[-1].description == QUERY_TOO_OLD.description
    with pytest.raises(ValueError, match="no button"):
        tg.press(ada, message, "maybe")


# Flood control -----------------------------------------------------------------------------


async def test_private_chat_allows_a_small_burst_then_about_one_a_second() -> None:
    async with FakeTelegram(limits=Limits(chat_burst=3)) as tg, _bot_for(tg) as bot:
        chat = tg.private_chat(tg.user())
        for n in range(3):
            await bot.send_message(chat.id, f"burst {n}")

        with pytest.raises(RetryAfter) as refused:
            await bot.send_message(chat.id, "one too many")

    assert _seconds(refused.value.retry_after) == 1
    assert tg.calls[-1].description == "Too Many Requests: retry after 1"
    assert len(tg.bot_messages(chat)) == 3


async def test_group_allows_twenty_messages_a_minute() -> None:
    limits = Limits(chat_per_second=100, chat_burst=100)
    async with FakeTelegram(limits=limits) as tg, _bot_for(tg) as bot:
        group = tg.group()
        for n in range(20):
            await bot.send_message(group.id, f"question {n}")

        with pytest.raises(RetryAfter) as refused:
            await bot.send_message(group.id, "question 21")

    assert _seconds(refused.value.retry_after) == 3


async def test_bot_is_limited_to_thirty_messages_a_second_overall() -> None:
    frozen = time.monotonic()
    async with FakeTelegram(limits=Limits(), clock=lambda: frozen) as tg, _bot_for(tg) as bot:
        chats = [tg.private_chat(tg.user(f"u{n}")) for n in range(31)]
        for chat in chats[:30]:
            await bot.send_message(chat.id, "hello")

        with pytest.raises(RetryAfter):
            await bot.send_message(chats[30].id, "hello")


# Errors, scripted and from the state of the world -------------------------------------------


@pytest.mark.parametrize(
    ("error", "exception"),
    [
        (BLOCKED, Forbidden),
        (KICKED, Forbidden),
        (CANT_INITIATE, Forbidden),
        (migrated(-1_000_000_000_077), ChatMigrated),
        (flood(7), RetryAfter),
        (ApiError(502, "Bad Gateway"), NetworkError),
    ],
)
async def test_scripted_errors_surface_as_ptb_exceptions(
    tg: FakeTelegram, bot: Bot, error: ApiError, exception: type[TelegramError]
) -> None:
    chat = tg.private_chat(tg.user())
    tg.fail_next("sendMessage", error, chat_id=chat)

    with pytest.raises(exception) as raised:
        await bot.send_message(chat.id, "hello")
    await bot.send_message(chat.id, "hello again")

    assert tg.calls[-2].description == error.description
    assert not tg.calls[-2].applied
    assert [message.text for message in tg.bot_messages(chat)] == ["hello again"]
    if isinstance(raised.value, ChatMigrated):
        assert raised.value.new_chat_id == -1_000_000_000_077
    if isinstance(raised.value, RetryAfter):
        assert _seconds(raised.value.retry_after) == 7


async def test_scripted_error_applies_only_to_its_chat_and_count(
    tg: FakeTelegram, bot: Bot
) -> None:
    first, second = tg.private_chat(tg.user()), tg.private_chat(tg.user())
    tg.fail_next("sendMessage", BLOCKED, chat_id=first.id, times=2)

    await bot.send_message(second.id, "fine")
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(first.id, "blocked")
    await bot.send_message(first.id, "fine again")

    assert len(tg.bot_messages(first)) == len(tg.bot_messages(second)) == 1


async def test_the_state_of_chats_produces_telegrams_errors(tg: FakeTelegram, bot: Bot) -> None:
    ada, bob, cy = tg.user("Ada"), tg.user("Bob"), tg.user("Cy")
    blocked, stranger = tg.private_chat(ada), tg.private_chat(bob, started=False)
    kicked, old = tg.group(members=[cy]), tg.group(creator=cy)
    tg.block(ada)
    tg.kick_bot(kicked)
    new = tg.migrate(old)
    attempts = [blocked.id, stranger.id, kicked.id, old.id, 424242]
    first_call = len(tg.calls)

    outcomes = []
    for chat_id in attempts:
        try:
            await bot.send_message(chat_id, "hi")
        except TelegramError as exc:
            outcomes.append(type(exc))
    descriptions = [call.description for call in tg.calls[first_call:]]

    assert outcomes == [Forbidden, Forbidden, Forbidden, ChatMigrated, BadRequest]
    assert descriptions == [
        "Forbidden: bot was blocked by the user",
        "Forbidden: bot can't initiate conversation with a user",
        "Forbidden: bot was kicked from the group chat",
        "Bad Request: group chat was upgraded to a supergroup chat",
        "Bad Request: chat not found",
    ]
    await bot.send_message(new.id, "moved")
    assert tg.bot_messages(new)[0].text == "moved"


async def test_a_timed_out_send_records_whether_it_was_applied(
    tg: FakeTelegram, bot: Bot
) -> None:
    chat = tg.private_chat(tg.user())
    tg.fail_next("sendMessage", Timeout(applied=True), chat_id=chat)
    tg.fail_next("sendMessage", Timeout(applied=False), chat_id=chat)
    first_call = len(tg.calls)

    for text in ("applied", "lost"):
        with pytest.raises(TimedOut):
            await bot.send_message(chat.id, text, read_timeout=0.2)

    applied, lost = tg.calls[first_call:]
    assert (applied.outcome, applied.applied) == ("timeout", True)
    assert (lost.outcome, lost.applied) == ("timeout", False)
    assert [message.text for message in tg.bot_messages(chat)] == ["applied"]


async def test_a_dropped_connection_is_a_network_error(tg: FakeTelegram, bot: Bot) -> None:
    chat = tg.private_chat(tg.user())
    tg.fail_next("sendMessage", Disconnect(applied=True), chat_id=chat)

    with pytest.raises(NetworkError):
        await bot.send_message(chat.id, "maybe")

    assert tg.calls[-1].outcome == "disconnect"
    assert [message.text for message in tg.bot_messages(chat)] == ["maybe"]


# Chat members -----------------------------------------------------------------------------


async def test_chat_members_and_administrators(tg: FakeTelegram, bot: Bot) -> None:
    owner, admin, member = tg.user("Owner"), tg.user("Admin"), tg.user("Member")
    group = tg.supergroup(creator=owner, admins=[admin], members=[member])

    statuses = [
        (await bot.get_chat_member(group.id, user.id)).status for user in (owner, admin, member)
    ]
    admins = await bot.get_chat_administrators(group.id)

    assert statuses == ["creator", "administrator", "member"]
    assert {chat_member.user.id for chat_member in admins} == {owner.id, admin.id}


# Updates: polling, webhooks, and what users send ------------------------------------------


class TestUpdates:
    """Tests that read updates get a fake of their own, since updates wait in one queue."""

    @pytest_asyncio.fixture(loop_scope="module")
    async def tg(self) -> AsyncIterator[FakeTelegram]:
        async with FakeTelegram(limits=Limits.relaxed()) as fake:
            yield fake

    @pytest_asyncio.fixture(loop_scope="module")
    async def bot(self, tg: FakeTelegram) -> AsyncIterator[Bot]:
        async with _bot_for(tg) as client:
            yield client

    async def test_get_updates_long_polls_and_confirms_below_offset(
        self, tg: FakeTelegram, bot: Bot
    ) -> None:
        ada = tg.user()
        chat = tg.private_chat(ada)
        asyncio.get_running_loop().call_later(0.1, tg.send_text, ada, chat, "/start")

        started = time.monotonic()
        [first] = await bot.get_updates(timeout=5)
        waited = time.monotonic() - started
        second_id = tg.send_text(ada, chat, "hello").update_id
        again = await bot.get_updates(timeout=0)
        after = await bot.get_updates(offset=again[-1].update_id + 1, timeout=0)

        assert 0.05 < waited < 2
        assert first.message is not None and first.message.text == "/start"
        assert [entity.type for entity in first.message.entities] == ["bot_command"]
        assert [update.update_id for update in again] == [first.update_id, second_id]
        assert after == ()
        assert tg.confirmed == {first.update_id, second_id}

    async def test_allowed_updates_filter_and_redelivery(self, tg: FakeTelegram, bot: Bot) -> None:
        ada = tg.user()
        chat = tg.private_chat(ada)
        await bot.send_message(chat.id, "pick", reply_markup=_keyboard("go"))
        text_id = tg.send_text(ada, chat, "hi").update_id
        tg.press(ada, tg.bot_messages(chat)[0], "go")

        only_messages = await bot.get_updates(allowed_updates=["message"], timeout=0)
        await bot.get_updates(offset=only_messages[-1].update_id + 1, timeout=0)
        assert text_id is not None
        tg.redeliver(text_id)
        redelivered = await bot.get_updates(offset=only_messages[-1].update_id + 1, timeout=0)

        assert [update.update_id for update in only_messages] == [text_id]
        assert [update.update_id for update in redelivered] == [text_id]

    async def test_user_sends_all_kinds_of_updates(self, tg: FakeTelegram, bot: Bot) -> None:
        ada = tg.user("Ada", username="ada_l")
        chat = tg.private_chat(ada)
        text = tg.send_text(ada, chat, "😀 /help@tutorbot_test_bot ask @someone_else")
        tg.send_sticker(ada, chat)
        tg.send_photo(ada, chat, caption="my design")
        tg.send_voice(ada, chat)
        tg.edit_text(text, "edited")
        tg.push_update({"future_kind_of_update": {"anything": 1}})

        updates = await bot.get_updates(timeout=0)

        message = updates[0].message
        assert message is not None
        assert message.parse_entities() == {
            message.entities[0]: "/help@tutorbot_test_bot",
            message.entities[1]: "@someone_else",
        }
        assert message.entities[0].offset == 3
        assert updates[1].message is not None and updates[1].message.sticker is not None
        assert updates[2].message is not None and updates[2].message.caption == "my design"
        assert updates[3].message is not None and updates[3].message.voice is not None
        assert updates[4].edited_message is not None
        assert updates[4].edited_message.text == "edited"
        assert updates[5].api_kwargs == {"future_kind_of_update": {"anything": 1}}

    async def test_blocks_kicks_and_migrations_arrive_as_updates(
        self, tg: FakeTelegram, bot: Bot
    ) -> None:
        ada, bob = tg.user("Ada"), tg.user("Bob")
        tg.private_chat(ada)
        kicked, old = tg.group(members=[bob]), tg.group(creator=bob)

        tg.block(ada)
        tg.kick_bot(kicked)
        new = tg.migrate(old)
        updates = await bot.get_updates(timeout=0)

        blocked, removed, farewell, welcome = updates
        assert blocked.my_chat_member is not None
        assert blocked.my_chat_member.new_chat_member.status == "kicked"
        assert removed.my_chat_member is not None
        assert removed.my_chat_member.chat.id == kicked.id
        assert farewell.message is not None
        assert farewell.message.migrate_to_chat_id == new.id
        assert welcome.message is not None
        assert welcome.message.migrate_from_chat_id == old.id

    async def test_privacy_mode_hides_ordinary_group_chatter(
        self, tg: FakeTelegram, bot: Bot
    ) -> None:
        ada = tg.user()
        group = tg.group(members=[ada])
        sent = await bot.send_message(group.id, "Question 1")
        [question] = tg.bot_messages(group)

        chatter = tg.send_text(ada, group, "lol")
        command = tg.send_text(ada, group, "/a 42")
        other_bot = tg.send_text(ada, group, "/a@other_bot 42")
        reply = tg.send_text(ada, group, "42", reply_to=question)
        updates = await bot.get_updates(timeout=0)

        assert (chatter.update_id, other_bot.update_id) == (None, None)
        assert [update.update_id for update in updates] == [command.update_id, reply.update_id]
        assert updates[1].message is not None
        assert updates[1].message.reply_to_message is not None
        assert updates[1].message.reply_to_message.message_id == sent.message_id

    async def test_forum_threads(self, tg: FakeTelegram, bot: Bot) -> None:
        ada = tg.user()
        forum = tg.supergroup(forum=True, members=[ada])
        topic = tg.topic(forum, "Quiz")
        incoming = tg.send_text(ada, forum, "/quiz", topic=topic)

        [update] = await bot.get_updates(timeout=0)
        assert update.message is not None and update.message.message_thread_id == (
            topic.message_thread_id
        )
        await bot.send_message(forum.id, "Q1", message_thread_id=topic.message_thread_id)
        with pytest.raises(BadRequest, match="Message thread not found"):
            await bot.send_message(forum.id, "Q1", message_thread_id=999)

        [message] = await tg.wait_for_messages(forum, 1, topic=topic)
        assert message.text == "Q1"
        assert incoming.thread_id == topic.message_thread_id

    async def test_webhook_delivers_with_secret_and_retries_failures(
        self, tg: FakeTelegram, bot: Bot
    ) -> None:
        received: list[tuple[int, str | None]] = []

        async def receive(request: web.Request) -> web.Response:
            update = await request.json()
            received.append((update["update_id"], request.headers.get(
                "X-Telegram-Bot-Api-Secret-Token")))
            return web.Response(status=500 if len(received) == 1 else 200)

        app = web.Application()
        app.router.add_post("/hook", receive)
        runner = web.AppRunner(app, shutdown_timeout=0.05)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        tg.webhook_retry_delay = 0.05
        ada = tg.user()
        chat = tg.private_chat(ada)
        try:
            await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cr3t")
            update_id = tg.send_text(ada, chat, "/start").update_id
            assert update_id is not None
            await tg.wait_for_confirmed(update_id)
            with pytest.raises(Conflict):
                await bot.get_updates()
            with pytest.raises(BadRequest, match=r"(?i)failed to resolve host"):
                await bot.set_webhook("https://example.org/hook")
            info = await bot.get_webhook_info()
            await bot.delete_webhook()
        finally:
            await runner.cleanup()

        assert received == [(update_id, "s3cr3t"), (update_id, "s3cr3t")]
        assert [delivery.status for delivery in tg.webhook_deliveries] == [500, 200]
        assert info.url.endswith("/hook") and info.pending_update_count == 0

    async def test_commands_actions_polls_and_deletes(self, tg: FakeTelegram, bot: Bot) -> None:
        ada = tg.user()
        chat = tg.private_chat(ada)
        commands = [BotCommand("start", "Pick a tutorial"), BotCommand("a", "Answer")]

        await bot.set_my_commands(commands)
        listed = await bot.get_my_commands()
        with pytest.raises(BadRequest, match="Bot_command_invalid"):
            await bot.set_my_commands([BotCommand("Start", "Capital letters")])
        await bot.send_chat_action(chat.id, "typing")
        with pytest.raises(BadRequest, match="Wrong parameter action"):
            await bot.send_chat_action(chat.id, "dancing")
        quiz = await bot.send_poll(chat.id, "How many?", ["1", "2", "3"], type="quiz",
                                   correct_option_ids=[1], is_anonymous=False)
        with pytest.raises(BadRequest, match="Wrong correct option id"):
            await bot.send_poll(chat.id, "How many?", ["1", "2"], type="quiz",
                                correct_option_ids=[5])
        tg.answer_poll(ada, tg.message(chat, quiz.message_id), [1])
        [answer] = await bot.get_updates(allowed_updates=["poll_answer"], timeout=0)
        await bot.delete_message(chat.id, quiz.message_id)
        with pytest.raises(BadRequest, match="Message to delete not found"):
            await bot.delete_message(chat.id, quiz.message_id)

        assert listed == tuple(commands)
        assert tg.commands() == [command.to_dict() for command in commands]
        assert tg.chat_actions == [(chat.id, "typing")]
        assert quiz.poll is not None and quiz.poll.correct_option_ids == (1,)
        assert answer.poll_answer is not None and answer.poll_answer.option_ids == (1,)
        assert tg.message(chat, quiz.message_id).deleted
        assert tg.counts["sendPoll"] == 2

    async def test_application_polls_replies_and_handles_buttons(self, tg: FakeTelegram) -> None:
        seen: list[int] = []

        async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            seen.append(update.update_id)

        async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert update.effective_message is not None and update.effective_chat is not None
            await context.bot.send_message(
                update.effective_chat.id, f"<i>{update.effective_message.text}</i>",
                parse_mode=ParseMode.HTML, reply_markup=_keyboard("more"),
            )

        async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            query = update.callback_query
            assert query is not None
            await query.answer("ok")
            await query.edit_message_text(f"you chose {query.data}")

        application = (
            Application.builder().token(tg.token).base_url(tg.base_url)
            .base_file_url(tg.base_file_url).build()
        )
        application.add_handler(TypeHandler(Update, record), group=-1)
        application.add_handler(MessageHandler(filters.TEXT, echo))
        application.add_handler(CallbackQueryHandler(button))
        ada = tg.user()
        chat = tg.private_chat(ada)

        async with application:
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0, timeout=1)
            await application.start()
            incoming = tg.send_text(ada, chat, "hello")
            [reply] = await tg.wait_for_messages(chat, 1)
            query_id = tg.press(ada, reply, "more")
            answer = await tg.wait_for_callback_answer(query_id)
            await tg.wait_for_calls("editMessageText")
            assert incoming.update_id is not None
            tg.redeliver(incoming.update_id)
            await tg.wait_for_messages(chat, 2)
            await application.updater.stop()
            await application.stop()

        assert answer.text == "ok"
        assert [message.text for message in tg.bot_messages(chat)] == ["you chose more", "hello"]
        assert reply.edits[0].text == "hello"
        assert seen.count(incoming.update_id) == 2
        assert reply.edits[0].entities == [{"type": "italic", "offset": 0, "length": 5}]
