"""Replies as Discord markdown: escaping, cutting to Discord's limits, and cards."""

from __future__ import annotations

import pytest

from adapters.discord_bot import buttons, render
from adapters.markup import Line, Span, parse, plain
from tutorbot.engine.messages import Button, Drawing, Reply

ZWSP = render.ZERO_WIDTH_SPACE


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("plain text", "plain text"),
        ("**bold** and *italic*", "**bold** and _italic_"),
        ("**Step 1: *why* now**", "**Step 1: _why_ now**"),
        ("use `add 8 app`", "use `add 8 app`"),
        ("- item **b**", "- item **b**"),
        ("@everyone <@&12>", f"@{ZWSP}everyone \\<@{ZWSP}&12\\>"),
        ("db_primary ~~x~~ ||y||", "db\\_primary \\~\\~x\\~\\~ \\|\\|y\\|\\|"),
        ("# not a heading", "\\# not a heading"),
        ("> not a quote", "\\> not a quote"),
        ("`a`b` c", "`a`b\\` c"),
        ("`@here`", f"`@{ZWSP}here`"),
        ("  12 / 3 = 4\n  x `y`", "```\n12 / 3 = 4\nx ˋyˋ\n```"),
        ("zero\u200bwidth\u202e and\u00ad soft", "zerowidth and soft"),
        ("one\n\n\n\ntwo", "one\n\ntwo"),
    ],
)
def test_markup_becomes_markdown_that_shows_exactly_the_text(markup: str, expected: str) -> None:
    assert render.split(markup) == [expected]


def test_the_shared_reader_gives_lines_and_spans() -> None:
    [paragraph] = parse("- **a** *b* `c`")

    assert paragraph == (Line((Span("a", bold=True), Span(" "), Span("b", italic=True),
                               Span(" "), Span("c", code=True)), item=True),)
    assert plain("**a**\n- *b*\n\nc") == "a\n- b\n\nc"


@pytest.mark.parametrize(
    "text",
    [
        "word " * 2000,
        "@" * 5000,
        "**" + "x*" * 3000 + "**",
        "`" + "a" * 4000 + "`",
        "\n\n".join("paragraph " * 30 for _ in range(40)),
        "\n".join("  " + "9" * 300 for _ in range(30)),
        "🎉" * 3000,
    ],
)
def test_long_text_is_cut_into_messages_within_the_limit(text: str) -> None:
    chunks = render.split(text)

    assert len(chunks) > 1
    assert all(0 < render.utf16_len(chunk) <= render.CONTENT_LIMIT for chunk in chunks)
    assert all(chunk.count("```") % 2 == 0 for chunk in chunks)


def test_a_paragraph_that_fits_on_its_own_is_not_cut() -> None:
    first, second = "a" * 1500, "b" * 1500

    assert render.split(f"{first}\n\n{second}") == [first, second]


@pytest.mark.parametrize(
    ("reply", "title"),
    [
        (Reply("📚 **Blog** (easy)\n\n🎯 **Goal**: scale",
               ((Button("Start", "lesson:start"),),)), "📚 Blog (easy)"),
        (Reply("✅ T0 🎯 Basic Setup\n❌ T1 ⚖️ HA: still needs\n   • an lb"), "🏗️ Tiers"),
        (Reply("🎉 **T1 ⚖️ High Availability** is green!\nNext, T2 needs: more"),
         "🎉 T1 ⚖️ High Availability is green!"),
        (Reply("⚙️ Simulated: peak\n🚧 Bottleneck app",
               drawing=Drawing("t", ("add app",), "simulate peak")), "⚙️ Simulated: peak"),
    ],
)
def test_cards_become_embeds(reply: Reply, title: str) -> None:
    [message] = render.messages(reply)

    assert message.card is not None and message.card.title == title
    assert message.buttons == reply.buttons and message.content == ""


def test_a_card_too_big_for_an_embed_is_sent_as_messages() -> None:
    reply = Reply("📚 **Blog**\n\n" + "x" * 5000, ((Button("Start", "lesson:start"),),))

    shown = render.messages(reply)

    assert all(message.card is None for message in shown) and len(shown) == 3
    assert shown[-1].buttons == reply.buttons and shown[0].buttons == ()


@pytest.mark.parametrize(
    ("owner", "payload", "expected"),
    [
        (42, "open:tutorial-simple-blog", "tb:42:open:tutorial-simple-blog"),
        (42, "hint", "tb:42:hint"),
        (42, "x" * 200, None),
        (42, "ünïcode", None),
        (42, "#looks-like-a-digest", None),
    ],
)
def test_custom_ids_carry_the_owner_and_payload_or_a_digest(
    owner: int, payload: str, expected: str | None
) -> None:
    made = buttons.custom_id(owner, payload)

    assert len(made) <= buttons.CUSTOM_ID_LIMIT
    assert made == (expected or f"tb:{owner}:{buttons.digest(payload)}")
