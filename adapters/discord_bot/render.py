"""The engine's replies as Discord messages: markdown that cannot be broken, cut to fit.

Every span of text is escaped character by character, so a learner's `**`, `` ` ``,
`<@&123>` or `@everyone` shows as typed and neither formats, closes a code span nor
mentions anyone: `@` is followed by a zero-width space, and `<` is escaped. (The
bot's `allowed_mentions` forbids pings as well; this keeps the text itself inert
wherever it is copied.) Inside code, where escapes do not work, a backtick becomes
a look-alike.

A reply becomes cards (embeds) when it is one: a tutorial's introduction, the tier
status, a simulation's results. Everything else is plain messages of at most
`CONTENT_LIMIT` characters, cut between paragraphs, else between lines, else inside
an over-long line after a space. A card that would break any embed limit falls back
to plain messages. Lengths are counted in UTF-16 units, the stricter of the ways a
character can be counted.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from adapters.markup import Line, Paragraph, Span, parse, plain, prefix_within, utf16_len
from tutorbot.engine.lesson import pack
from tutorbot.engine.messages import Button, Reply

CONTENT_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_TOTAL_LIMIT = 6000
ATTACHMENT_DESCRIPTION_LIMIT = 1024

ZERO_WIDTH_SPACE = "\u200b"
CODE_BACKTICK = "\u02cb"
"""Shown for a backtick inside code, where it cannot be escaped."""

_ESCAPED = frozenset("\\*_~`|[]<>")
_ESCAPED_AT_LINE_START = frozenset("#->+")
_SPAN_MARKUP = 8
"""At most this much markup around one span: `**`, `_` twice, a backtick twice."""

BLURPLE, GREEN, YELLOW, BLUE = 0x5865F2, 0x57F287, 0xFEE75C, 0x3498DB
_TIER_LINE = re.compile(r"^(✅|❌|⬜) T\d")
_TIER_NEWS = re.compile(r"^🎉 \*\*T\d")


@dataclass(frozen=True)
class Card:
    """An embed: a title, markdown in the description, a colour."""

    title: str
    description: str
    colour: int


@dataclass(frozen=True)
class Message:
    """One Discord message to send: text or a card, and the buttons under it."""

    content: str = ""
    card: Card | None = None
    buttons: tuple[tuple[Button, ...], ...] = field(default=())


# Escaping ------------------------------------------------------------------------------


def escape(text: str, *, line_start: bool = False) -> str:
    """Text that Discord shows exactly as given: no formatting, no mentions."""
    out: list[str] = []
    for index, character in enumerate(text):
        out.append(_escaped(character, line_start and index == 0))
    return "".join(out)


def _escaped(character: str, first: bool) -> str:
    if character == "@":
        return "@" + ZERO_WIDTH_SPACE
    if character in _ESCAPED or (first and character in _ESCAPED_AT_LINE_START):
        return "\\" + character
    return character


def code_text(text: str) -> str:
    """Text for inside a code span or block: no backtick to end it, no mention."""
    return text.replace("`", CODE_BACKTICK).replace("@", "@" + ZERO_WIDTH_SPACE)


def plain_text(text: str, limit: int) -> str:
    """Markup removed and mentions defused, cut to `limit` units with an ellipsis:
    for embed titles, attachment descriptions and button labels, which show no
    markdown."""
    shown = " ".join(plain(text).split()).replace("@", "@" + ZERO_WIDTH_SPACE)
    if utf16_len(shown) <= limit:
        return shown
    while utf16_len(shown) > limit - 1:
        shown = shown[:-1]
    return shown.rstrip() + "…"


# Rendering lines ---------------------------------------------------------------------------


def _merged(spans: tuple[Span, ...]) -> list[Span]:
    """Neighbouring spans of one style joined, so no two markers ever touch."""
    merged: list[Span] = []
    for span in spans:
        last = merged[-1] if merged else None
        if last is not None and (last.bold, last.italic, last.code) == (
            span.bold, span.italic, span.code
        ):
            merged[-1] = Span(last.text + span.text, span.bold, span.italic, span.code)
        else:
            merged.append(span)
    return merged


def _span(span: Span, first: bool) -> str:
    inner = f"`{code_text(span.text)}`" if span.code else escape(span.text, line_start=first)
    return f"_{inner}_" if span.italic else inner


def render_line(line: Line) -> str:
    """One line of markup as Discord markdown."""
    parts: list[str] = ["- "] if line.item else []
    first = not line.item
    for bold, group in itertools.groupby(_merged(line.spans), key=lambda s: s.bold):
        inner = "".join(_span(span, first and index == 0) for index, span in enumerate(group))
        parts.append(f"**{inner}**" if bold else inner)
        first = False
    return "".join(parts)


def _code_block(lines: list[str]) -> str:
    return "```\n" + "\n".join(code_text(line) for line in lines) + "\n```"


# Cutting -----------------------------------------------------------------------------------


def _pieces(paragraph: Paragraph, limit: int) -> Iterator[str]:
    """The paragraph's lines rendered, each at most `limit`: consecutive fixed-width
    lines as one code block, over-long lines and blocks cut."""
    index = 0
    while index < len(paragraph):
        line = paragraph[index]
        if line.monospace:
            block = []
            while index < len(paragraph) and paragraph[index].monospace:
                block.append(paragraph[index].text)
                index += 1
            yield from _code_blocks(block, limit)
            continue
        index += 1
        rendered = render_line(line)
        if utf16_len(rendered) <= limit:
            yield rendered
        else:
            yield from (render_line(part) for part in _cut_line(line, limit))


def _code_blocks(lines: list[str], limit: int) -> Iterator[str]:
    room = limit - utf16_len(_code_block([]))
    current: list[str] = []
    for line in lines:
        pieces = _cut_text(line, room, code_text) or [""]
        for piece in pieces:
            if current and utf16_len(_code_block([*current, piece])) > limit:
                yield _code_block(current)
                current = []
            current.append(piece)
    if current:
        yield _code_block(current)


def _cut_line(line: Line, limit: int) -> list[Line]:
    """An over-long line as several, each rendering within `limit`."""
    room = limit - _SPAN_MARKUP - 2
    parts: list[Line] = []
    current: list[Span] = []
    used = 0
    for span in _merged(line.spans):
        shown: Callable[[str], str] = code_text if span.code else escape
        for text in _cut_text(span.text, room, shown):
            cost = utf16_len(shown(text)) + _SPAN_MARKUP
            if current and used + cost > room:
                parts.append(Line(tuple(current), item=line.item and not parts))
                current, used = [], 0
            current.append(Span(text, span.bold, span.italic, span.code))
            used += cost
    if current:
        parts.append(Line(tuple(current), item=line.item and not parts))
    return parts


def _cut_text(text: str, room: int, shown: Callable[[str], str]) -> list[str]:
    """`text` in pieces whose rendering (by `shown`) is at most `room - _SPAN_MARKUP`;
    a cut falls after a space when one is in the second half of a piece."""
    budget = max(room - _SPAN_MARKUP, 1)
    pieces: list[str] = []
    while text:
        # At least one character a piece, even one that alone is over budget.
        piece = prefix_within(text, budget, lambda c: utf16_len(shown(c))) or text[0]
        pieces.append(piece)
        text = text[len(piece):]
    return pieces


def split(text: str, limit: int = CONTENT_LIMIT) -> list[str]:
    """The markup as Discord markdown in messages of at most `limit` units; none empty.

    A paragraph that fits in a message of its own is never cut; a longer one is cut
    between lines (or inside a line, if one alone is too long).
    """
    # Each paragraph as the fewest messages its lines fit in (one, if it fits whole),
    # then paragraphs packed together where they fit.
    paragraphs = [part for paragraph in parse(text)
                  for part in pack(_pieces(paragraph, limit), "\n", limit, utf16_len)]
    return pack(paragraphs, "\n\n", limit, utf16_len)


# Cards -------------------------------------------------------------------------------------


def card_parts(reply: Reply) -> tuple[str, str, int] | None:
    """The title, description markup and colour if the reply is a card, else None."""
    text = reply.text.strip()
    first, _, rest = text.partition("\n")
    payloads = {button.payload for row in reply.buttons for button in row}
    if "lesson:start" in payloads:
        heading, _, body = text.partition("\n\n")
        return heading, body, BLURPLE
    if reply.drawing is not None and reply.drawing.run and first.startswith("⚙️"):
        return first, rest, BLUE
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and all(_TIER_LINE.match(line) or line.startswith("🎉") or line.startswith(" ")
                     for line in lines) and _TIER_LINE.match(lines[0]):
        colour = GREEN if all(not line.startswith(("❌", "⬜")) for line in lines) else YELLOW
        return "🏗️ Tiers", text, colour
    if _TIER_NEWS.match(first):
        return first, rest, GREEN
    return None


def card(reply: Reply) -> Card | None:
    """The reply as one embed, if it is a card and fits every embed limit."""
    parts = card_parts(reply)
    if parts is None:
        return None
    heading, body, colour = parts
    title = plain_text(heading, EMBED_TITLE_LIMIT)
    described = split(body, EMBED_DESCRIPTION_LIMIT) if body.strip() else [""]
    if len(described) != 1:
        return None
    if utf16_len(title) + utf16_len(described[0]) > EMBED_TOTAL_LIMIT or not title:
        return None
    return Card(title, described[0], colour)


def messages(reply: Reply) -> list[Message]:
    """The reply as the Discord messages that show it; buttons go under the last."""
    found = card(reply)
    if found is not None:
        return [Message(card=found, buttons=reply.buttons)]
    chunks = split(reply.text)
    if not chunks and not reply.buttons:
        return []
    if not chunks:
        chunks = ["…"]
    shown = [Message(content=chunk) for chunk in chunks]
    shown[-1] = Message(content=chunks[-1], buttons=reply.buttons)
    return shown
