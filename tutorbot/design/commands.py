"""The command grammar: what a learner types to build a design, for every frontend.

Text is screened (length, control characters), cut into tokens by a small cursor,
and read by one function per verb. Names are forgiving (types, aliases, plurals,
hyphens, two words, node ids); values are exact (counts in range, params in their
unit and bounds). Each input mistake is its own `InputError` carrying the facts its
one-line message needs, and `run` turns every one of them into a refusal.
"""

from __future__ import annotations

import difflib
import itertools
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from tutorbot.content.models import (
    Catalogue,
    Component,
    Param,
    Reference,
    Tier,
    Tutorial,
)
from tutorbot.design.graph import MAX_INSTANCES, Design, DesignNode
from tutorbot.errors import InputError

log = logging.getLogger(__name__)

MAX_TEXT = 500
TIMES_SIGN = "\N{MULTIPLICATION SIGN}"

# --- errors --------------------------------------------------------------------


class CommandError(InputError):
    """A command we cannot carry out; `str()` is the one-line refusal."""


class Unreadable(CommandError):
    """Text refused before parsing: empty, too long, unprintable, not words."""

    def __init__(self, why: str) -> None:
        self.why = why
        super().__init__(f"{why} — type a command such as 'add app', or 'help'")


class UnknownCommand(CommandError):
    def __init__(self, verb: str, guess: str | None, typed: str) -> None:
        self.verb, self.guess = verb, guess
        if guess is None:
            super().__init__(f"I don't know '{_short(verb)}' — 'help' lists commands")
        else:
            typed, guess = _short(typed, 60), _short(guess, 60)
            super().__init__(f"'{typed}' — did you mean '{guess}'?")


class UnknownComponent(CommandError):
    def __init__(self, word: str, guess: str | None, offered: Sequence[str]) -> None:
        self.word, self.guess, self.offered = word, guess, tuple(offered)
        tail = f"did you mean '{guess}'?" if guess else f"it offers {_list(offered)}"
        super().__init__(f"'{_short(word)}' is not a component here — {tail}")


class NotOffered(CommandError):
    def __init__(self, component: Component, offered: Sequence[str]) -> None:
        self.type, self.offered = component.type, tuple(offered)
        super().__init__(f"this tutorial has no {component.name} ({component.type}); "
                         f"it offers {_list(offered)}")


class BadCount(CommandError):
    def __init__(self, text: str) -> None:
        self.text = text
        shown = f"'{text}'" if len(text) <= 12 else f"a {len(text)}-character number"
        super().__init__(f"{shown} is not a count — use a whole number "
                         f"from 1 to {MAX_INSTANCES:,}")


class BadUsage(CommandError):
    """A command missing a part or with parts left over."""

    def __init__(self, problem: str, example: str) -> None:
        self.problem, self.example = problem, example
        super().__init__(f"{problem} — e.g. '{example}'")


class NoSuchNode(CommandError):
    def __init__(self, type_: str) -> None:
        self.type = type_
        super().__init__(
            f"there is no {type_} in your design yet — 'add {type_}' first"
        )


class AmbiguousNode(CommandError):
    def __init__(self, type_: str, ids: Sequence[str]) -> None:
        self.type, self.ids = type_, tuple(ids)
        super().__init__(f"there are {len(ids)} {type_} nodes ({_list(ids)}) — "
                         f"name one by its id, e.g. '{ids[0]}'")


class BadId(CommandError):
    def __init__(self, node_id: str, type_: str) -> None:
        self.id, self.type = node_id, type_
        super().__init__(f"'{_short(node_id)}' already means something else; "
                         f"choose another id, e.g. '{type_}_2'")


class UnknownParam(CommandError):
    def __init__(self, component: Component, name: str, guess: str | None) -> None:
        self.component, self.name, self.guess = component.type, name, guess
        names = _list(param.name for param in component.params)
        hint = f"did you mean '{guess}'? " if guess else ""
        super().__init__(
            f"{component.name} has no parameter '{_short(name)}' — "
            f"{hint}its parameters: {names}" if names
            else f"{component.name} has no parameters to set"
        )


class BadValue(CommandError):
    def __init__(self, param: Param, text: str, percent: Decimal | None) -> None:
        self.param, self.text, self.percent = param.name, text, percent
        if percent is not None:
            super().__init__(f"{param.name} is a fraction — did you mean "
                             f"{_number(percent)}% ({_number(percent / 100)})?")
        else:
            shown = f"'{text}'" if len(text) <= 16 else "that"
            super().__init__(f"{shown} won't do: {param.name} is {_range(param)}")


class NothingToUndo(CommandError):
    def __init__(self) -> None:
        super().__init__("nothing to undo yet — each change you make can be undone")


def _short(text: str, limit: int = 30) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _list(words: Iterable[str]) -> str:
    return ", ".join(words)


def _closest(word: str, choices: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word[:60], list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


# --- outcome and palette -------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    command: str
    ok: bool
    message: str
    changed: bool


def _spelling(word: str) -> str:
    return word.lower().replace("-", "_")


class Palette:
    """What one tutorial offers: catalogue components allowed, and its tiers.

    Offered types the catalogue lacks are left out; the content checker reports
    them to the author.
    """

    def __init__(
        self, catalogue: Catalogue, offered: Sequence[str], tiers: Sequence[Tier] = ()
    ) -> None:
        self.catalogue = catalogue
        self._components = {c.type: c for c in catalogue.components}
        self.offered = tuple(type_ for type_ in offered if type_ in self._components)
        self.tiers = tuple(tiers)
        self._spellings: dict[str, str] = {}
        for component in catalogue.components:
            for word in (component.type, *component.aliases):
                self._spellings.setdefault(_spelling(word), component.type)

    @classmethod
    def for_tutorial(cls, catalogue: Catalogue, tutorial: Tutorial) -> Palette:
        return cls(catalogue, tutorial.components, tutorial.tiers)

    def component(self, type_: str) -> Component:
        return self._components[type_]

    def type_of(self, word: str) -> str | None:
        """The catalogue type a word names: a type or alias, maybe plural."""
        word = _spelling(word)
        found = self._spellings.get(word)
        if found is None and word.endswith("s"):
            found = self._spellings.get(word[:-1])
        return found

    def offered_type(self, word: str) -> str:
        type_ = self.type_of(word)
        if type_ is None:
            raise UnknownComponent(word, _closest(word, self.words()), self.offered)
        if type_ not in self.offered:
            raise NotOffered(self.component(type_), self.offered)
        return type_

    def words(self) -> list[str]:
        """Every spelling of an offered component."""
        return [word for word, t in self._spellings.items() if t in self.offered]


# --- tokens --------------------------------------------------------------------

WORD, STRING, ARROW, TIMES, EQUALS = "word", "string", "arrow", "times", "equals"
_MARKS = (
    ("-->", ARROW), ("->", ARROW), ("=>", ARROW), ("\N{RIGHTWARDS ARROW}", ARROW),
    ("\N{LONG RIGHTWARDS ARROW}", ARROW), (">", ARROW), ("=", EQUALS),
    (TIMES_SIGN, TIMES), ("*", TIMES),
)
_MARK_STARTS = frozenset(mark[0] for mark, _ in _MARKS)
# A bare word runs to a space, a comma not inside a number, or a mark; a hyphen
# is a mark only as the start of -> or -->.
# Between tokens: spaces, and commas that are not inside a number such as 1,000.
_SPACES = re.compile(r"(?:\s|,(?!\d))*")
_BARE = re.compile(r"(?:[^\s,=>*\N{MULTIPLICATION SIGN}\N{RIGHTWARDS ARROW}"
                   r"\N{LONG RIGHTWARDS ARROW}-]|,(?=\d)|-(?!-?>))+")
# Phones turn straight quotes into curly ones; any of a kind closes any.
_DOUBLE = '"\N{LEFT DOUBLE QUOTATION MARK}\N{RIGHT DOUBLE QUOTATION MARK}'
_SINGLE = "'\N{LEFT SINGLE QUOTATION MARK}\N{RIGHT SINGLE QUOTATION MARK}"
_QUOTES = {quote: kind for kind in (_DOUBLE, _SINGLE) for quote in kind}
_PLAIN_RUNS = {kind: re.compile(f"[^{re.escape(kind)}\\\\]+") for kind in (_DOUBLE, _SINGLE)}


class Token(NamedTuple):
    kind: str
    text: str


class _Scanner:
    """A cursor over the command text that cuts it into tokens."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def tokens(self) -> list[Token]:
        found = []
        while (token := self._next()) is not None:
            found.append(token)
        return found

    def _next(self) -> Token | None:
        spaces = _SPACES.match(self.text, self.at)  # always matches, perhaps nothing
        self.at = spaces.end() if spaces else self.at
        if self.at >= len(self.text):
            return None
        if mark := self._mark():
            self.at += len(mark[0])
            return Token(mark[1], mark[0])
        char = self.text[self.at]
        if char in _QUOTES:
            return self._quoted(_QUOTES[char])
        if char in "xX" and self._peek(1) in "0123456789":
            self.at += 1
            return Token(TIMES, char)
        return self._bare()

    def _mark(self) -> tuple[str, str] | None:
        if self.text[self.at] not in _MARK_STARTS:
            return None
        return next((m for m in _MARKS if self.text.startswith(m[0], self.at)), None)

    def _peek(self, ahead: int) -> str:
        at = self.at + ahead
        return self.text[at] if at < len(self.text) else " "

    def _bare(self) -> Token:
        # One regular expression for "up to the next space or mark", rather than
        # deciding one character at a time.
        start = self.at
        found = _BARE.match(self.text, start)
        self.at = found.end() if found else start + 1
        return Token(WORD, self.text[start : self.at].lower())

    def _quoted(self, closers: str) -> Token:
        """A quoted string: runs of plain characters taken whole, a backslash
        keeping the character after it, up to any closing quote of the kind."""
        self.at += 1
        text = []
        plain = _PLAIN_RUNS[closers]
        while self.at < len(self.text):
            run = plain.match(self.text, self.at)
            if run is not None:
                text.append(run.group())
                self.at = run.end()
            if self.at >= len(self.text):
                break
            if self.text[self.at] in closers:
                self.at += 1
                return Token(STRING, "".join(text))
            self.at += 1  # a backslash: the next character is taken as it is
            text.append(self._peek(0))
            self.at += 1
        raise BadUsage("a quote is not closed", 'add 8 app as app "App Servers"')


class _Tokens:
    """A cursor over the tokens of one command."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self._tokens = list(tokens)
        self._at = 0

    def peek(self) -> Token | None:
        return self._tokens[self._at] if self._at < len(self._tokens) else None

    def take(self, kind: str, text: str | None = None) -> Token | None:
        """The next token if it is of `kind` (and reads `text`), else None."""
        token = self.peek()
        if token is None or token.kind != kind or text not in (None, token.text):
            return None
        self._at += 1
        return token

    def words(self, stop: str = "") -> list[str]:
        """Consume words up to the word `stop` or a token of another kind."""
        found = []
        while (token := self.peek()) and token.kind == WORD and token.text != stop:
            found.append(token.text)
            self._at += 1
        return found

    def skip_joiner(self) -> None:
        """Step over a `to`, `=` or times sign between a name and its value."""
        if not self.take(WORD, "to") and not self.take(EQUALS):
            self.take(TIMES)

    def finish(self, example: str) -> None:
        if rest := self._tokens[self._at :]:
            extra = _short(" ".join(token.text for token in rest))
            raise BadUsage(f"I don't follow '{extra}' at the end", example)


# --- values --------------------------------------------------------------------

_NUMBER = re.compile(r"(\d{1,9}(?:\.\d{1,9})?|\.\d{1,9})([a-z%]*)")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")
_SECONDS = {
    "": 1, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}


def _count(text: str) -> int:
    """A count of instances; the digits are bounded before any conversion."""
    digits = text.replace(",", "") if _GROUPED.fullmatch(text) else text
    if digits.isascii() and digits.isdigit() and len(digits) <= 6:
        value = int(digits)
        if 1 <= value <= MAX_INSTANCES:
            return value
    raise BadCount(text)


def _numberish(text: str) -> bool:
    return text[:1].isdigit() or (text[:1] in "+-." and text[1:2].isdigit())


def _param_value(param: Param, text: str) -> Decimal:
    """Read `text` in the param's unit, or refuse with its range."""
    match = _NUMBER.fullmatch(text.replace(",", "") if param.unit == "count" else text)
    value = _in_unit(param, Decimal(match[1]), match[2]) if match else None
    if value is not None and param.min <= value <= param.max:
        return value
    bare_percent = param.unit == "fraction" and match is not None and not match[2]
    if bare_percent and value is not None and param.max < value <= 100:
        raise BadValue(param, text, value)
    raise BadValue(param, text, None)


def _in_unit(param: Param, number: Decimal, suffix: str) -> Decimal | None:
    if param.unit == "fraction":
        return number / 100 if suffix == "%" else (None if suffix else number)
    if param.unit == "seconds":
        factor = _SECONDS.get(suffix)
        return None if factor is None else number * factor
    return number if number == int(number) and not suffix else None


def _range(param: Param) -> str:
    low, high = _number(param.min), _number(param.max)
    if param.unit == "fraction":
        return f"a fraction from {low} to {high}, such as 0.9 or 90%"
    if param.unit == "seconds":
        return f"seconds from {low} to {int(param.max):,}, such as 300, 300s, 5m, 1h"
    return f"a whole number from {low} to {int(param.max):,}"


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


# --- names ---------------------------------------------------------------------


def _names_something(design: Design, palette: Palette, word: str) -> bool:
    return design.node(_spelling(word)) is not None or palette.type_of(word) is not None


def _read_name(design: Design, palette: Palette, tokens: _Tokens) -> str | None:
    """One name, joining two words when together they name something."""
    first = tokens.take(WORD)
    second = tokens.peek()
    if first and second and second.kind == WORD:
        joined = f"{first.text}_{second.text}"
        if _names_something(design, palette, joined):
            tokens.take(WORD)
            return joined
    return first.text if first else None


def _find_node(design: Design, palette: Palette, word: str) -> DesignNode:
    """The node a word names: its id, or its type when one node has that type."""
    node = design.node(_spelling(word))
    if node is not None:
        return node
    type_ = palette.type_of(word)
    if type_ is None:
        known = [node.id for node in design.nodes] + palette.words()
        raise UnknownComponent(word, _closest(_spelling(word), known), palette.offered)
    nodes = design.nodes_of(type_)
    if len(nodes) == 1:
        return nodes[0]
    if nodes:
        raise AmbiguousNode(type_, [node.id for node in nodes])
    if type_ not in palette.offered:
        raise NotOffered(palette.component(type_), palette.offered)
    raise NoSuchNode(type_)


def _count_and_name(
    design: Design, palette: Palette, words: list[str]
) -> tuple[str | None, str]:
    """Split `8 app`, `app 8`, `2 read replicas`, `lots app` into count and name."""
    if len(words) < 2:
        return None, "_".join(words)
    first, last, head, tail = words[0], words[-1], words[:-1], words[1:]
    names = [_names_something(design, palette, "_".join(w))
             for w in (words, tail, head)]
    if _numberish(first) or (not names[0] and names[1]):
        return first, "_".join(tail)
    if _numberish(last) or (not names[0] and names[2]):
        return last, "_".join(head)
    return None, "_".join(words)


def _new_id(design: Design, palette: Palette, as_id: str | None, type_: str) -> str:
    """The id for `add <type_> [as <as_id>]`: the one named, or the type's node."""
    if as_id is not None:
        node_id = _spelling(as_id)
        if node_id in ("as", "to") or palette.type_of(node_id) not in (None, type_):
            raise BadId(node_id, type_)
        return node_id
    nodes = design.nodes_of(type_)
    if len(nodes) > 1:
        raise AmbiguousNode(type_, [node.id for node in nodes])
    return nodes[0].id if nodes else type_


def _label(node: DesignNode, palette: Palette) -> str:
    return f"{palette.component(node.type).emoji} {node.label}"


def _times(count: int) -> str:
    return f"{TIMES_SIGN}{count:,}"


# --- commands ------------------------------------------------------------------


def _add(design: Design, palette: Palette, tokens: _Tokens) -> str:
    words = tokens.words(stop="as")
    times = _times_count(tokens)
    count_text, name = _count_and_name(design, palette, words)
    if not name or _numberish(name):
        raise BadUsage("add which component?", "add 8 app")
    if count_text and times:
        raise BadUsage("give the count once", "add 8 app")
    as_id = None
    if tokens.take(WORD, "as") and (as_id := tokens.take(WORD)) is None:
        raise BadUsage("an id follows 'as'", "add lb as ws_lb")
    label = tokens.take(STRING)
    tokens.finish('add 8 app as app "App Servers"')
    count = _count(count_text or times or "1")
    return _place(design, palette, count, name, as_id.text if as_id else None,
                  label.text.strip() if label else None)


def _times_count(tokens: _Tokens) -> str | None:
    if not tokens.take(TIMES):
        return None
    count = tokens.take(WORD)
    if count is None:
        raise BadUsage("a count follows the times sign", "add app x8")
    return count.text


def _place(design: Design, palette: Palette, count: int, name: str,
           as_id: str | None, label: str | None) -> str:
    node = design.node(_spelling(name)) if as_id is None else None
    type_ = node.type if node else palette.offered_type(name)
    node_id = node.id if node else _new_id(design, palette, as_id, type_)
    node = design.node(node_id)
    before = node.count if node else 0
    label = label or (node.label if node else palette.component(type_).name)
    named = f" as {node_id}" if node_id != type_ else ""
    with design.change(f"add {count} {type_}{named}"):
        placed = design.add(node_id, type_, label, count)
    shown = f"{_label(placed, palette)} {_times(placed.count)}"
    return f"{shown} ({count} added)." if before else f"Added {shown} as '{node_id}'."


def _remove(design: Design, palette: Palette, tokens: _Tokens) -> str:
    words = tokens.words()
    times = _times_count(tokens)
    tokens.finish("remove 2 app")
    count_text, name = _count_and_name(design, palette, words)
    if not name or _numberish(name):
        raise BadUsage("remove which component?", "remove app")
    count_text = count_text or times
    count = _count(count_text) if count_text else None
    node = _find_node(design, palette, name)
    label, edges = _label(node, palette), sum(node.id in e for e in design.edges)
    with design.change(f"remove {f'{count} ' if count else ''}{node.id}"):
        left = design.remove(node.id, count)
    if left is not None:
        return f"{label} {_times(left.count)} ({count} removed)."
    also = f" and its {edges} connection{'s' * (edges != 1)}" if edges else ""
    return f"Removed {label} ({node.id}){also}."


def _scale(design: Design, palette: Palette, tokens: _Tokens) -> str:
    name = _read_name(design, palette, tokens)
    tokens.skip_joiner()
    count_token = tokens.take(WORD)
    tokens.finish("scale app to 8")
    if name is None or count_token is None:
        raise BadUsage("scale which component to how many?", "scale app to 8")
    count = _count(count_token.text)
    node = _find_node(design, palette, name)
    before = node.count
    with design.change(f"scale {node.id} {count}"):
        design.scale(node.id, count)
    if before == count:
        return f"{_label(node, palette)} is already {_times(count)}."
    return f"{_label(node, palette)} {_times(count)} (was {before})."


def _chain(design: Design, palette: Palette, tokens: _Tokens,
           example: str) -> list[DesignNode]:
    """Two or more names joined by arrows, `to` or spaces, resolved to nodes."""
    names = []
    while (token := tokens.peek()) is not None:
        name = _read_name(design, palette, tokens)
        if name is None:
            raise BadUsage(f"I don't follow '{_short(token.text)}' there", example)
        names.append(name)
        if not tokens.take(ARROW):
            tokens.take(WORD, "to")
    if len(names) < 2:
        raise BadUsage("name two components", example)
    return [_find_node(design, palette, name) for name in names]


def _connect(design: Design, palette: Palette, tokens: _Tokens) -> str:
    nodes = _chain(design, palette, tokens, "connect lb -> app")
    chain = " → ".join(node.id for node in nodes)
    with design.change(f"connect {chain}"):
        added = [design.connect(a.id, b.id) for a, b in itertools.pairwise(nodes)]
    if not any(added):
        return f"Already connected: {chain}."
    old = [f"{a.id} → {b.id}" for (a, b), new
           in zip(itertools.pairwise(nodes), added, strict=True) if not new]
    return f"Connected {chain}." + (f" ({_list(old)} was already there)" if old else "")


def _disconnect(design: Design, palette: Palette, tokens: _Tokens) -> str:
    nodes = _chain(design, palette, tokens, "disconnect lb app")
    chain = " → ".join(node.id for node in nodes)
    with design.change(f"disconnect {chain}"):
        for source, target in itertools.pairwise(nodes):
            design.disconnect(source.id, target.id)
    return f"Disconnected {chain}."


def _set(design: Design, palette: Palette, tokens: _Tokens) -> str:
    example = "set cache hit_rate 0.9"
    first = tokens.peek()
    if first and first.kind == WORD and "." in first.text and first.text[0].isalpha():
        tokens.take(WORD)
        name, _, param_name = first.text.partition(".")
    else:
        name = _read_name(design, palette, tokens) or ""
        param_token = tokens.take(WORD)
        param_name = param_token.text if param_token else ""
    tokens.skip_joiner()
    value = "".join(tokens.words())
    tokens.finish(example)
    if not (name and param_name and value):
        raise BadUsage("set which parameter of what to what?", example)
    node = _find_node(design, palette, name)
    param = _param(palette.component(node.type), param_name)
    number = _param_value(param, value)
    with design.change(f"set {node.id} {param.name} {_number(number)}"):
        design.set_param(node.id, param.name, number)
    shown = _number(number)
    if param.unit == "fraction":
        shown += f" ({_number(number * 100)}%)"
    return f"{_label(node, palette)} ({node.id}): {param.name} = {shown}."


def _param(component: Component, name: str) -> Param:
    """The component's param `name`, or the only one whose name starts so."""
    name = _spelling(name)
    starting = [p for p in component.params if p.name.startswith(name)]
    param = component.param(name) or (starting[0] if len(starting) == 1 else None)
    if param is None:
        guess = _closest(name, [p.name for p in component.params])
        raise UnknownParam(component, name, guess)
    return param


def _show(design: Design, palette: Palette, tokens: _Tokens) -> str:
    tokens.finish("show")
    if design.is_empty():
        first = palette.offered[0] if palette.offered else "app"
        return f"Your design is empty — start with 'add {first}'."
    lines = []
    for node in design.nodes:
        params = ", ".join(f"{k}={_number(v)}" for k, v in node.params.items())
        line = f"{_label(node, palette)} ({node.id}) {_times(node.count)}"
        lines.append(f"{line} · {params}" if params else line)
    targets: dict[str, list[str]] = {}
    for source, target in design.edges:
        targets.setdefault(source, []).append(target)
    lines.append("Connections:" if targets else "No connections yet.")
    lines += [f"  {source} → {_list(ends)}" for source, ends in targets.items()]
    return "\n".join(lines)


def _check(design: Design, palette: Palette, tokens: _Tokens) -> str:
    tokens.finish("check")
    if not palette.tiers:
        return "There are no tiers to check here."
    from tutorbot.design.tiers import evaluate  # tiers imports this package's graph

    return evaluate(design, palette.tiers, palette.catalogue).describe()


def _undo(design: Design, palette: Palette, tokens: _Tokens) -> str:
    tokens.finish("undo")
    description = design.undo()
    if description is None:
        raise NothingToUndo()
    return f"Undid: {description}"


def _reset(design: Design, palette: Palette, tokens: _Tokens) -> str:
    tokens.finish("reset")
    if design.is_empty():
        return "Your design is already empty."
    with design.change("reset"):
        design.reset()
    return "Cleared the design — 'undo' brings it back."


def _help(design: Design, palette: Palette, tokens: _Tokens) -> str:
    topic = tokens.take(WORD)
    tokens.finish("help add")
    if topic is None:
        lines = ["Commands:", *(f"  {usage}" for usage, _ in _USAGE.values()),
                 f"Components here: {_list(palette.offered)}",
                 "'help add' (or any command) shows examples."]
        return "\n".join(lines)
    usage, examples = _USAGE[_verb(palette, topic.text, topic.text)]
    return "\n".join([usage, "Examples:", *(f"  {example}" for example in examples)])


Handler = Callable[[Design, Palette, _Tokens], str]
_HANDLERS: dict[str, Handler] = {
    "add": _add, "remove": _remove, "scale": _scale, "connect": _connect,
    "disconnect": _disconnect, "set": _set, "show": _show, "check": _check,
    "undo": _undo, "reset": _reset, "help": _help,
}
_ALIASES = {
    "rm": "remove", "delete": "remove", "del": "remove", "link": "connect",
    "unlink": "disconnect", "list": "show", "clear": "reset", "commands": "help",
}
_USAGE: dict[str, tuple[str, tuple[str, ...]]] = {
    "add": ('add [count] <component> [as <id>] ["label"] — place instances',
            ("add 8 app", "add app x8", "add redis", "add lb as ws_lb",
             'add 8 app as app "App Servers"')),
    "remove": ("remove [count] <component> — take instances or the whole box away",
               ("remove app", "remove 2 app")),
    "scale": ("scale <component> [to] <count> — set how many instances",
              ("scale app 8", "scale app to 12")),
    "connect": ("connect <a> [->] <b> [-> <c> …] — draw connections",
                ("connect lb app", "connect lb to app",
                 "connect client -> lb -> app -> db_primary")),
    "disconnect": ("disconnect <a> <b> — remove a connection", ("disconnect lb app",)),
    "set": ("set <component> <param> <value> — tune a parameter",
            ("set cdn hit_rate 0.9", "set cache.hit_rate 92%", "set cache ttl_s 5m")),
    "show": ("show — list your design", ("show",)),
    "check": ("check — see which tiers your design meets", ("check",)),
    "undo": ("undo — take back the last change", ("undo",)),
    "reset": ("reset — clear the design ('undo' brings it back)", ("reset",)),
    "help": ("help [command] — this list, or examples of one command", ("help add",)),
}


# --- running -------------------------------------------------------------------


def _unprintable(char: str) -> bool:
    category = unicodedata.category(char)
    if category == "Cf":
        return char != "\N{ZERO WIDTH JOINER}"  # it glues emoji together
    return category == "Cs" or (category == "Cc" and char != "\t")


def _screen(command: str) -> None:
    if not command:
        raise Unreadable("that was empty")
    if len(command) > MAX_TEXT:
        raise Unreadable(f"that is over {MAX_TEXT} characters, too long for a command")
    if "\n" in command or "\r" in command:
        raise Unreadable("that has several lines; send one command at a time")
    # isprintable() is false for every character _unprintable refuses, and true
    # for almost every command, so the slower look happens only when needed.
    if not command.isprintable() and any(_unprintable(char) for char in command):
        raise Unreadable("that has control characters")


def _verb(palette: Palette, word: str, typed: str) -> str:
    word = word.split("@", 1)[0]  # Telegram's /add@SomeBot in groups
    verb = _ALIASES.get(word, word)
    if verb in _HANDLERS:
        return verb
    guess = _closest(word, [*_HANDLERS, *_ALIASES])
    rest = typed.split(maxsplit=1)[1:]
    if guess is not None:
        raise UnknownCommand(word, " ".join([_ALIASES.get(guess, guess), *rest]), typed)
    if palette.type_of(word) is not None:
        raise UnknownCommand(word, f"add {typed}", typed)
    raise UnknownCommand(word, None, typed)


def _dispatch(design: Design, palette: Palette, command: str) -> str:
    _screen(command)
    body = command.removeprefix("/").rstrip(".!?").strip()
    tokens = _Tokens(_Scanner(body).tokens())
    first = tokens.take(WORD)
    if first is None or not first.text[:1].isalpha():
        raise Unreadable("I read commands that start with a word")
    return _HANDLERS[_verb(palette, first.text, body)](design, palette, tokens)


def run(design: Design, palette: Palette, text: str) -> Outcome:
    """Carry out one command; a learner's mistake becomes a refusal, never a raise."""
    command = text.strip()
    revision = design.revision
    try:
        message = _dispatch(design, palette, command)
    except InputError as error:
        log.debug("refused (%s): %s", type(error).__name__, error)
        return Outcome(command, False, str(error), design.revision != revision)
    return Outcome(command, True, message, design.revision != revision)


class RefusedLine(CommandError):
    """A line of a design file the grammar refused, with its number."""

    def __init__(self, number: int, outcome: Outcome) -> None:
        super().__init__(f"line {number}: {outcome.command[:80]!r}: {outcome.message}")


def build(palette: Palette, lines: Iterable[str]) -> Design:
    """The design the lines of commands build (blank lines and `#` comments skipped);
    `RefusedLine` for the first line refused."""
    design = Design()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        outcome = run(design, palette, line)
        if not outcome.ok:
            raise RefusedLine(number, outcome)
    return design


def commands_for(reference: Reference | Design) -> list[str]:
    """Commands that rebuild a reference solution or a learner's design: ids,
    labels, counts, params and edges. A design is stored as these commands."""
    commands = []
    for node in reference.nodes:
        label = node.label.replace("\\", "\\\\").replace('"', '\\"')
        commands.append(f'add {node.count} {node.type} as {node.id} "{label}"')
        commands += [f"set {node.id} {name} {_number(value)}"
                     for name, value in node.params.items()]
    commands += [f"connect {source} {target}" for source, target in reference.edges]
    return commands
