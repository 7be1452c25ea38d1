"""The engine's reply markup, read into blocks, lines and spans that any platform renders.

Reply text uses one small markup (see `tutorbot.engine.messages`): paragraphs
separated by blank lines, `**bold**`, `*italic*`, `` `code` ``, lines starting
`- ` as list items, and lines indented by two spaces (worked calculations, tier
lists) meant to be shown in a fixed-width font. This module only reads it; each
adapter writes the result in its platform's own syntax, escaping every span's
text, so nothing a learner typed or a lesson contains can add formatting, break
it, or mention anyone.

Invisible characters that can hide or disguise text (zero-width spaces, bidi
overrides, soft hyphens) are removed while reading; the zero-width joiner stays,
since emoji sequences need it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

_INLINE = re.compile(
    r"`(?P<code>[^`\n]+)`"
    r"|\*\*(?P<bold>.+?)\*\*"
    r"|(?<![*\w])\*(?![\s*])(?P<italic>.+?)(?<![\s*])\*(?![*\w])"
)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_KEPT_FORMAT_CHARACTERS = frozenset({"\u200d", "\n", "\t"})
"""Characters of Unicode's "format" or "control" classes that are kept: the
zero-width joiner of emoji sequences, and line breaks."""


@dataclass(frozen=True)
class Span:
    """A run of text in one style."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False


@dataclass(frozen=True)
class Line:
    """One line of a paragraph: a list item, fixed-width (`monospace`), or plain."""

    spans: tuple[Span, ...]
    item: bool = False
    monospace: bool = False

    @property
    def text(self) -> str:
        """The line as shown, without markup."""
        return "".join(span.text for span in self.spans)


Paragraph = tuple[Line, ...]


def parse(text: str) -> list[Paragraph]:
    """The text as paragraphs of lines; empty paragraphs and lines are dropped."""
    paragraphs: list[Paragraph] = []
    for block in _BLANK_LINE.split(clean(text)):
        lines = tuple(_line(raw) for raw in block.split("\n") if raw.strip())
        if lines:
            paragraphs.append(lines)
    return paragraphs


def utf16_len(text: str) -> int:
    """The length both platforms count: UTF-16 code units (an emoji is often two)."""
    return len(text.encode("utf-16-le")) // 2


def prefix_within(text: str, room: int, size: Callable[[str], int] = utf16_len) -> str:
    """The longest start of `text` whose characters' sizes add up to `room` at most,
    ending after a space if there is one in its second half (so words stay whole).
    A character is never split: a surrogate pair is one Python character."""
    taken, used = 0, 0
    for character in text:
        cost = size(character)
        if used + cost > room:
            break
        taken, used = taken + 1, used + cost
    if taken == len(text):
        return text
    space = text.rfind(" ", 0, taken)
    return text[: space + 1] if space >= taken // 2 else text[:taken]


def plain(text: str) -> str:
    """The text as shown, markup removed: for titles, alt text, logs and tests."""
    return "\n\n".join(
        "\n".join(("- " if line.item else "") + line.text for line in paragraph)
        for paragraph in parse(text)
    )


def clean(text: str) -> str:
    """The text without invisible format and control characters (see the module)."""
    if text.isprintable():
        return text
    return "".join(
        character for character in text
        if character in _KEPT_FORMAT_CHARACTERS
        or unicodedata.category(character) not in ("Cf", "Cc", "Co", "Cs")
    )


def _line(raw: str) -> Line:
    if raw.startswith("  "):
        return Line((Span(raw[2:].rstrip()),), monospace=True)
    stripped = raw.strip()
    if stripped.startswith("- "):
        return Line(tuple(spans(stripped[2:])), item=True)
    return Line(tuple(spans(raw.rstrip())))


def spans(text: str, *, bold: bool = False, italic: bool = False) -> list[Span]:
    """Inline markup read into spans; bold and italic may nest once, code never."""
    found: list[Span] = []
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            found.append(Span(text[position:match.start()], bold, italic))
        kind = match.lastgroup
        inner = match.group(kind) if kind else ""
        if kind == "code":
            found.append(Span(inner, bold, italic, code=True))
        elif kind == "bold" and not bold:
            found += spans(inner, bold=True, italic=italic)
        elif kind == "italic" and not italic:
            found += spans(inner, bold=bold, italic=True)
        else:
            found.append(Span(inner, bold, italic))
        position = match.end()
    if position < len(text):
        found.append(Span(text[position:], bold, italic))
    return [span for span in found if span.text]
