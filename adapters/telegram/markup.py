"""The engine's markup as Telegram HTML, cut into messages that Telegram accepts.

Reply text comes in the engine's small markup: paragraphs, `**bold**`, `*italic*`,
`` `code` ``, `- ` list items and, for worked calculations, lines indented by two
spaces. Every character of it is escaped and the only tags are the ones written here,
each opened and closed within one line, so any text at all (a name with `<b>` in it,
a stray `&`, `</code>`) comes out as valid HTML. Indented lines become one monospace
block, so columns of figures line up.

Long text is cut between paragraphs, else between lines, else after a space, else
anywhere, and measured the way Telegram measures it: in UTF-16 units of the text as
shown, tags and escapes not counted. A cut never falls inside a tag: each piece is
rendered on its own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from adapters.markup import prefix_within, utf16_len

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

# The word joiner after "@" keeps "@everyone" or "@someone" in a learner's name or
# answer from becoming a mention that notifies anyone; it shows as nothing.
WORD_JOINER = "\u2060"

_INLINE = re.compile(
    r"`(?P<code>[^`\n]+)`"
    r"|\*\*(?P<bold>.+?)\*\*"
    r"|(?<![*\w])\*(?![\s*])(?P<italic>.+?)(?<![\s*])\*(?![*\w])"
)
_MENTION = re.compile(r"@(?=\w)")
_TAGS = {"bold": "b", "italic": "i", "code": "code"}

Span = tuple[tuple[str, ...], str]
"""A run of text and the tags around it, outermost first."""


@dataclass(frozen=True)
class Piece:
    """A unit that is never cut unless it alone is too long: a line, or a monospace block."""

    spans: tuple[Span, ...]
    monospace: bool = False

    @property
    def shown(self) -> str:
        return "".join(text for _, text in self.spans)

    @property
    def length(self) -> int:
        return utf16_len(self.shown)

    def html(self) -> str:
        if self.monospace:
            return f"<pre>{_escape(self.shown)}</pre>"
        return "".join(_span_html(tags, text) for tags, text in self.spans)

    def cut(self, limit: int) -> list[Piece]:
        """This piece as parts of at most `limit` units each; nothing dropped."""
        if self.length <= limit:
            return [self]
        if self.monospace and "\n" in self.shown:
            lines = self.shown.split("\n")
            blocks = [Piece(((("pre",), line),), monospace=True) for line in lines]
            return [part for block in _packed_lines(blocks, limit) for part in block.cut(limit)]
        parts: list[Piece] = []
        current: list[Span] = []
        room = limit
        for tags, text in self.spans:
            while text:
                taken = prefix_within(text, room)
                if taken:
                    current.append((tags, taken))
                    text = text[len(taken):]
                    room -= utf16_len(taken)
                if text and current:
                    parts.append(Piece(tuple(current), self.monospace))
                    current, room = [], limit
                elif text:
                    raise ValueError(f"a limit of {limit} cannot hold one character")
        if current:
            parts.append(Piece(tuple(current), self.monospace))
        return parts


def render(text: str) -> str:
    """The whole text as one HTML string, however long."""
    return "".join(separator + piece.html() for separator, piece in _pieces(text))


def split(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """The text as HTML messages of at most `limit` units shown; none empty.

    Pieces are packed greedily; a break between messages falls where a paragraph
    or line break was (and that break is dropped), or inside an over-long line
    after a space.
    """
    chunks: list[str] = []
    current: list[str] = []
    room = limit
    for separator, piece in _pieces(text):
        for index, part in enumerate(piece.cut(limit)):
            glue = separator if index == 0 else ""
            needed = utf16_len(glue) + part.length
            if current and needed > room:
                chunks.append("".join(current))
                current, room, glue = [], limit, ""
                needed = part.length
            if not current:
                glue, needed = "", part.length
            current.append(glue + part.html())
            room -= needed
    if current:
        chunks.append("".join(current))
    return chunks


def caption(text: str) -> str:
    """A photo caption: the text's first `CAPTION_LIMIT` units, marked when cut."""
    chunks = split(text, CAPTION_LIMIT - 1)
    if len(chunks) <= 1:
        return chunks[0] if chunks else ""
    return chunks[0] + "…"


def shown(text: str) -> str:
    """The plain text Telegram shows for `render(text)`, for tests and logs."""
    return "".join(separator + piece.shown for separator, piece in _pieces(text))


# Reading the markup --------------------------------------------------------------------


def _pieces(text: str) -> Iterator[tuple[str, Piece]]:
    """Each displayable piece with the break before it ("" for the first)."""
    separator = ""
    for paragraph in re.split(r"\n\s*\n", text):
        lines = paragraph.split("\n")
        block: list[str] = []
        for line in [*lines, None]:
            if line is not None and line.startswith("  ") and line.strip():
                block.append(line[2:])
                continue
            if block:
                plain = "\n".join(_plain(row) for row in block)
                yield separator, Piece(((("pre",), plain),), monospace=True)
                separator, block = "\n", []
            if line is None or not line.strip():
                continue
            yield separator, Piece(tuple(_line_spans(line)))
            separator = "\n"
        if separator:
            separator = "\n\n"


def _line_spans(line: str) -> list[Span]:
    stripped = line.lstrip()
    if stripped.startswith("- "):
        return [((), "• "), *_spans(stripped[2:], ())]
    return _spans(line, ())


def _spans(text: str, tags: tuple[str, ...]) -> list[Span]:
    spans: list[Span] = []
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            spans.append((tags, text[position:match.start()]))
        kind = match.lastgroup
        assert kind is not None
        inner = match.group(kind)
        if kind == "code" or tags:
            spans.append(((*tags, _TAGS[kind]), inner))
        else:
            spans += _spans(inner, (*tags, _TAGS[kind]))
        position = match.end()
    if position < len(text):
        spans.append((tags, text[position:]))
    return [(span_tags, _defused(part)) for span_tags, part in spans if part]


def _plain(line: str) -> str:
    return "".join(text for _, text in _spans(line, ()))


def _defused(text: str) -> str:
    return _MENTION.sub("@" + WORD_JOINER, text)


# Writing HTML --------------------------------------------------------------------------


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _span_html(tags: tuple[str, ...], text: str) -> str:
    opening = "".join(f"<{tag}>" for tag in tags)
    closing = "".join(f"</{tag}>" for tag in reversed(tags))
    return f"{opening}{_escape(text)}{closing}"


def _packed_lines(blocks: list[Piece], limit: int) -> list[Piece]:
    """Monospace lines joined back into as few blocks as fit in `limit`."""
    packed: list[Piece] = []
    lines: list[str] = []
    for block in blocks:
        candidate = "\n".join([*lines, block.shown])
        if lines and utf16_len(candidate) > limit:
            packed.append(Piece(((("pre",), "\n".join(lines)),), monospace=True))
            lines = []
        lines.append(block.shown)
    if lines:
        packed.append(Piece(((("pre",), "\n".join(lines)),), monospace=True))
    return packed
