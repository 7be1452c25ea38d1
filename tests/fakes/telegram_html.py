"""Telegram's HTML parse mode: the plain text and entities a message becomes, or a refusal.

The Bot API accepts a small set of tags, properly nested and closed, and measures
entity offsets and lengths in UTF-16 code units. A refusal carries the wording the
real server uses after "Bad Request: can't parse entities: ".

One deliberate difference: the real server keeps a bare "&" (or an unknown entity
such as "&nbsp;") as literal text. The fake refuses it unless `strict_ampersand` is
off, so that text which was never escaped is caught in tests rather than shown to
learners as "&amp;" turned into "&".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_SUPPORTED_TAGS = frozenset({*_SIMPLE_TAGS, "span", "a", "blockquote", "tg-emoji"})
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NUMERIC_ENTITY = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_NAMED_ENTITY = re.compile(r"&([a-zA-Z]{1,10});")
_TAG_NAME = re.compile(r"[a-zA-Z0-9-]*")
_ATTRIBUTE_NAME = re.compile(r"[a-zA-Z0-9_-]*")
_UNQUOTED_VALUE = re.compile(r"[^\s>]*")

_VERBATIM = frozenset({"code", "pre"})
_QUOTES = frozenset({"blockquote", "expandable_blockquote"})


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message is the server's reason."""


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units, the unit of Telegram's offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    attributes: dict[str, str]
    start: int
    order: int


@dataclass
class _Entity:
    type: str
    offset: int
    length: int
    order: int
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def end(self) -> int:
        return self.offset + self.length

    def contains(self, other: _Entity) -> bool:
        """True if `other` lies inside this entity and this one was opened first."""
        inside = self.offset <= other.offset and other.end <= self.end
        return inside and self is not other and self.order < other.order

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "offset": self.offset, "length": self.length, **self.extra}


class _Parser:
    """One pass over the source, building the text and closing entities as tags end."""

    def __init__(self, source: str, *, strict_ampersand: bool) -> None:
        self.source = source
        self.strict_ampersand = strict_ampersand
        self.pieces: list[str] = []
        self.position = 0
        self.stack: list[_Open] = []
        self.entities: list[_Entity] = []
        self.opened = 0

    def byte_offset(self, index: int) -> int:
        return len(self.source[:index].encode("utf-8"))

    def unclosed(self, begin: int) -> EntityParseError:
        return EntityParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")

    def emit(self, text: str) -> None:
        self.pieces.append(text)
        self.position += utf16_len(text)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        index = 0
        while index < len(self.source):
            char = self.source[index]
            if char == "<":
                index = self.tag(index)
            elif char == "&":
                index = self.entity(index)
            else:
                end = _next_special(self.source, index)
                self.emit(self.source[index:end])
                index = end
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        return "".join(self.pieces), [entity.to_dict() for entity in _kept(self.entities)]

    def entity(self, index: int) -> int:
        decoded, end = _decode_entity(self.source, index)
        if decoded is not None:
            self.emit(decoded)
            return end
        if self.strict_ampersand:
            raise EntityParseError(
                'Character "&" must be escaped as "&amp;" at byte offset '
                f"{self.byte_offset(index)}"
            )
        self.emit("&")
        return index + 1

    def tag(self, index: int) -> int:
        if self.source.startswith("</", index):
            return self.end_tag(index)
        return self.start_tag(index)

    def start_tag(self, begin: int) -> int:
        match = _TAG_NAME.match(self.source, begin + 1)
        assert match is not None
        name = match.group().lower()
        if name not in _SUPPORTED_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}'
            )
        attributes, index = self.attributes(name, begin, match.end())
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}'
            )
        self.opened += 1
        self.stack.append(_Open(name, attributes, self.position, self.opened))
        return index

    def attributes(self, tag: str, begin: int, index: int) -> tuple[dict[str, str], int]:
        source = self.source
        attributes: dict[str, str] = {}
        while True:
            while index < len(source) and source[index].isspace():
                index += 1
            if index >= len(source):
                raise self.unclosed(begin)
            if source[index] == ">":
                return attributes, index + 1
            if source.startswith("/>", index):
                return attributes, index + 2
            match = _ATTRIBUTE_NAME.match(source, index)
            assert match is not None
            name = match.group().lower()
            if not name:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{self.byte_offset(begin)}"
                )
            index = match.end()
            while index < len(source) and source[index].isspace():
                index += 1
            if index < len(source) and source[index] == "=":
                value, index = self.attribute_value(begin, index + 1)
            else:
                value = ""
            attributes[name] = value

    def attribute_value(self, begin: int, index: int) -> tuple[str, int]:
        source = self.source
        while index < len(source) and source[index].isspace():
            index += 1
        if index < len(source) and source[index] in "\"'":
            end = source.find(source[index], index + 1)
            if end == -1:
                raise self.unclosed(begin)
            return _decode_attribute(source[index + 1 : end]), end + 1
        match = _UNQUOTED_VALUE.match(source, index)
        assert match is not None
        return _decode_attribute(match.group()), match.end()

    def end_tag(self, begin: int) -> int:
        match = _TAG_NAME.match(self.source, begin + 2)
        assert match is not None
        name = match.group().lower()
        index = match.end()
        while index < len(self.source) and self.source[index].isspace():
            index += 1
        if index >= len(self.source) or self.source[index] != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        top = self.stack[-1]
        if name != top.tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {self.byte_offset(begin)}, expected '
                f'"</{top.tag}>", found "</{name}>"'
            )
        self.stack.pop()
        self.close(top)
        return index + 1

    def close(self, tag: _Open) -> None:
        length = self.position - tag.start
        if tag.tag == "pre":
            self.close_pre(tag, length)
            return
        entity = _entity_for(tag, length)
        if entity is not None and length > 0:
            self.entities.append(entity)

    def close_pre(self, tag: _Open, length: int) -> None:
        """A code element spanning the whole pre names its language and merges into it."""
        extra: dict[str, str] = {}
        for entity in self.entities:
            spans_all = entity.offset == tag.start and entity.length == length
            if entity.type == "code" and spans_all and entity.order > tag.order:
                self.entities.remove(entity)
                language = entity.extra.get("language", "")
                if language:
                    extra["language"] = language
                break
        if length > 0:
            self.entities.append(_Entity("pre", tag.start, length, tag.order, extra))


def _entity_for(tag: _Open, length: int) -> _Entity | None:
    if tag.tag == "a":
        href = tag.attributes.get("href", "")
        if not href:
            return None
        return _Entity("text_link", tag.start, length, tag.order, {"url": href})
    if tag.tag == "span":
        return _Entity("spoiler", tag.start, length, tag.order)
    if tag.tag == "blockquote":
        kind = "expandable_blockquote" if "expandable" in tag.attributes else "blockquote"
        return _Entity(kind, tag.start, length, tag.order)
    if tag.tag == "tg-emoji":
        emoji_id = tag.attributes.get("emoji-id", "")
        if not emoji_id:
            return None
        return _Entity("custom_emoji", tag.start, length, tag.order, {"custom_emoji_id": emoji_id})
    extra: dict[str, str] = {}
    if tag.tag == "code":
        css = tag.attributes.get("class", "")
        if css.startswith("language-") and len(css) > len("language-"):
            extra["language"] = css.removeprefix("language-")
    return _Entity(_SIMPLE_TAGS[tag.tag], tag.start, length, tag.order, extra)


def _kept(entities: list[_Entity]) -> list[_Entity]:
    """Entities the server keeps: nothing inside code or pre, no quote in a quote, no link in a
    link. A standalone code element's language exists only inside pre, so it is dropped."""
    kept: list[_Entity] = []
    for entity in entities:
        dropped = any(
            outer.contains(entity)
            and (
                outer.type in _VERBATIM
                or (outer.type in _QUOTES and entity.type in _QUOTES)
                or (outer.type == "text_link" and entity.type == "text_link")
            )
            for outer in entities
        )
        if not dropped:
            if entity.type == "code":
                entity.extra.pop("language", None)
            kept.append(entity)
    return sorted(kept, key=lambda entity: (entity.offset, -entity.length, entity.order))


def _next_special(source: str, index: int) -> int:
    ends = [source.find(char, index) for char in "<&"]
    return min((end for end in ends if end >= 0), default=len(source))


def _decode_entity(source: str, index: int) -> tuple[str | None, int]:
    numeric = _NUMERIC_ENTITY.match(source, index)
    if numeric is not None:
        hex_digits, decimal_digits = numeric.groups()
        code = int(hex_digits, 16) if hex_digits else int(decimal_digits)
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), numeric.end()
        return None, index
    named = _NAMED_ENTITY.match(source, index)
    if named is not None and named.group(1) in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[named.group(1)], named.end()
    return None, index


def _decode_attribute(raw: str) -> str:
    pieces: list[str] = []
    index = 0
    while index < len(raw):
        if raw[index] == "&":
            decoded, end = _decode_entity(raw, index)
            if decoded is not None:
                pieces.append(decoded)
                index = end
                continue
        pieces.append(raw[index])
        index += 1
    return "".join(pieces)


def parse_html(source: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """The plain text and Bot API entities of `source`, or EntityParseError."""
    return _Parser(source, strict_ampersand=strict_ampersand).run()
