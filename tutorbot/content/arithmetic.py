"""Worked arithmetic in lesson prose, checked against exact arithmetic.

Lessons show their sums in prose, such as ``Servers needed = 1,000 ÷ 150 = 6.67``.
A small tokenizer of our own reads such lines (text is never given to ``eval`` or to
sympy's parser), computes each claim's first expression exactly with fractions, and
reports a slip when a later figure of the chain disagrees by more than its own
rounding shows.

A number may carry ``$``, a magnitude (``250M``, ``100k``), a percent sign and up to
two label words (``8 app servers``, ``$0.0416/hour``, ``150 requests per second``).
Words and other punctuation (``:``, ``→``, ``!``) end a chain, and checking starts
at its first segment with an operator, so ``RF=3`` and ``Round up = 7 servers`` are
not claims. A short aside after a number, such as ``0.3 (30% online)``, is skipped.

A figure with d decimals passes within half a unit of its last decimal, in its own
scale: ``2.3M`` within 0.05M, ``99.79%`` within 0.005%. A whole number ending in
zeros may be rounded to that place, but by no more than 1% of its value. A whole
number stated for a quotient may also be the quotient rounded up, because counts of
servers and instances are ceilings. A side that is itself an expression, as on a
continuation line, must agree within 1%.

Data sizes (B, KB, MB, GB, TB, PB, all decimal; ``1B`` with no space is a billion)
are compared in bytes when both sides carry one. When only one side does, as in
``375 x 365 = 137 TB`` where 375 was GB on an earlier line, the claim is ambiguous
and is skipped. Cents are compared as hundredths of a dollar when the other side
carries a dollar sign or cents too, and skipped otherwise.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Literal, NamedTuple

__all__ = ["ArithmeticSlip", "check_line", "check_text"]

Kind = Literal["num", "op", "open", "close", "rel", "break"]

_MAX_DIGITS = 30
_TOKEN = re.compile(
    r"(?P<space>(?:\s|\*{2,})+)"
    r"|(?P<dollar>\$)?(?P<digits>[0-9]+(?:,[0-9]{3}(?![0-9]))*(?:\.[0-9]+)?|\.[0-9]+)"
    r"(?P<suffix>[kKMB](?![A-Za-z]))?(?P<percent>%)?"
    r"|(?P<word>[A-Za-z_][\w-]*(?:/[A-Za-z_][\w-]*)*)"
    r"|.",
    re.DOTALL,
)
_LEAD = re.compile(r"\s*(?:[-+*>]\s+)*")
_LABEL = re.compile(r"[ \t]*([A-Za-z_][\w-]*(?:/[A-Za-z_][\w-]*)*)")
_PER = re.compile(r"/[A-Za-z_][\w-]*")
_OPERAND_AHEAD = re.compile(r"\s*(?:\$?[0-9]|\.[0-9]|\()")
_ASIDE = re.compile(r"\([^()=≈\n]{0,40}\)")

_TIMES, _MINUS = "\u00d7", "\u2212"
_SINGLE: dict[str, Kind] = {"=": "rel", "≈": "rel", "(": "open", ")": "close"}
_OPERATORS = {_TIMES: "*", "*": "*", "x": "*", "÷": "/", "/": "/"}
_OPERATORS |= {"+": "+", "-": "-", _MINUS: "-"}
_SYMBOLS = frozenset(_OPERATORS) - {"x", "/"}
_SIGNS = ("+", "-", _MINUS)
_BINARY: dict[str, Callable[[Fraction, Fraction], Fraction]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "pos": 3}
_ONE = Fraction(1)
_MAGNITUDES = {"k": 10**3, "K": 10**3, "M": 10**6, "B": 10**9}
_SIZES = {"B": 1, "byte": 1, "bytes": 1, "Bytes": 1, "KB": 10**3, "MB": 10**6}
_SIZES.update({"GB": 10**9, "TB": 10**12, "PB": 10**15})


@dataclass(frozen=True)
class ArithmeticSlip:
    """A stated result that exact arithmetic does not support."""

    claim: str
    stated: str
    computed: str
    message: str


class _Figure(NamedTuple):
    """A number as written: its exact value and the rounding its digits show.

    ``core`` is the number as messages show it, ``scale`` what one written unit is
    worth (``M``, ``%``, ``GB``), and ``zeros`` counts a whole number's trailing zeros.
    """

    core: str
    unit_text: str
    value: Fraction
    scale: Fraction
    decimals: int
    zeros: int
    units: frozenset[str]


class _Token(NamedTuple):
    kind: Kind
    text: str
    start: int
    end: int
    figure: _Figure | None = None


@dataclass(frozen=True)
class _Side:
    """One side of a claim, evaluated exactly; ``figure`` is set for a lone number."""

    value: Fraction
    text: str
    start: int
    end: int
    binary: bool
    division: bool
    units: frozenset[str]
    figure: _Figure | None


@dataclass
class _Chain:
    start: int
    segments: list[list[_Token]]


class _Scanner:
    """A cursor over one line that yields tokens, folding labels into numbers."""

    def __init__(self, text: str, start: int) -> None:
        self.text = text
        self.pos = start
        self.after_value = False

    def tokens(self) -> Iterator[_Token]:
        while self.pos < len(self.text):
            match = _TOKEN.match(self.text, self.pos)
            if match is None or match["space"]:
                self.pos = match.end() if match else len(self.text)
                continue
            token = self._token(match)
            if token is not None:
                self.after_value = token.kind in ("num", "close")
                yield token

    def _token(self, match: re.Match[str]) -> _Token | None:
        text, char = self.text, self.text[self.pos]
        if match["digits"]:
            return self._number(match)
        aside = _ASIDE.match(text, self.pos) if self.after_value else None
        if aside is not None:
            self.pos = aside.end()
            return None
        if self.after_value and self._times_x(self.pos):
            return self._take("op", 1)
        if match["word"]:
            return self._take("break", match.end() - self.pos)
        if char in _SINGLE:
            return self._take(_SINGLE[char], 1)
        divides = char == "/" and self.after_value
        if divides and _OPERAND_AHEAD.match(text, self.pos + 1):
            return self._take("op", 1)
        return self._take("op" if char in _SYMBOLS else "break", 1)

    def _take(self, kind: Kind, length: int, figure: _Figure | None = None) -> _Token:
        start, self.pos = self.pos, self.pos + length
        return _Token(kind, self.text[start : self.pos], start, self.pos, figure)

    def _times_x(self, at: int) -> bool:
        """Whether an ``x`` after a value multiplies: spaced, and before an operand."""
        text = self.text
        if text[at] != "x" or not _OPERAND_AHEAD.match(text, at + 1):
            return False
        return text[at - 1 : at].isspace() or text[at + 1 : at + 2].isspace()

    def _number(self, match: re.Match[str]) -> _Token:
        digits, suffix, percent = match["digits"], match["suffix"], match["percent"]
        whole, _, fraction = digits.replace(",", "").partition(".")
        if len(whole) + len(fraction) > _MAX_DIGITS:
            return self._take("break", match.end() - self.pos)
        end, label = self._labels(match.end())
        units = {"dollar"} if match["dollar"] else set()
        times, per = _MAGNITUDES.get(suffix or "", 1), 100 if percent else 1
        unit_text = (suffix or "") + (percent or "")
        if label in _SIZES and not percent:
            times, unit_text = times * _SIZES[label], f"{unit_text} {label}"
            units.add("size")
        elif label in ("cent", "cents") and not percent:
            per, unit_text = 100, f"{unit_text} {label}"
            units.add("cents")
        figure = _Figure(
            core=digits + unit_text,
            unit_text=unit_text,
            value=Fraction(int(whole + fraction) * times, 10 ** len(fraction) * per),
            scale=_ONE if times == per == 1 else Fraction(times, per),
            decimals=len(fraction),
            zeros=0 if fraction else len(whole) - len(whole.rstrip("0")),
            units=frozenset(units),
        )
        return self._take("num", end - self.pos, figure)

    def _labels(self, at: int) -> tuple[int, str]:
        """Skip up to two label words after a number; return the end and first word.

        ``/hour`` directly after the number is a label, and so is ``per second``.
        """
        first, count = "", 0
        per = _PER.match(self.text, at)
        if per is not None:
            at, count = per.end(), 1
        while count < 2:
            label = _LABEL.match(self.text, at)
            if label is None or self._times_x(label.start(1)):
                break
            first = label.group(1).split("/")[0] if count == 0 else first
            at, count = label.end(), count + 1
            unit = _LABEL.match(self.text, at) if label.group(1) == "per" else None
            at = unit.end() if unit else at
        return at, first


def _chains(tokens: Iterator[_Token]) -> list[_Chain]:
    """Group tokens into chains of segments joined by ``=`` or ``≈``.

    A word or stray punctuation ends a chain, and so does a number or bracket that
    directly follows a number, as in ``$1,920 (8 servers`` where a new claim starts.
    """
    chains: list[_Chain] = []
    current: _Chain | None = None
    for token in tokens:
        if current is not None:
            last = current.segments[-1]
            joined = bool(last) and last[-1].kind in ("num", "close")
            if token.kind == "break" or (joined and token.kind in ("num", "open")):
                chains.append(current)
                current = None
        if token.kind == "break":
            continue
        if current is None:
            current = _Chain(token.start, [[]])
        if token.kind == "rel":
            current.segments.append([])
        else:
            current.segments[-1].append(token)
    if current is not None:
        chains.append(current)
    return chains


def _trim_left(tokens: list[_Token]) -> list[_Token]:
    """Drop stray brackets before a claim's expression.

    An expression that then starts with an operator lost its first operand to the
    prose before it (``50,000 messages each second ÷ 60``), so nothing is left.
    """
    start, opened = 0, []
    for index, token in enumerate(tokens):
        if token.kind == "open":
            opened.append(index)
        elif token.kind == "close" and opened:
            opened.pop()
        elif token.kind == "close":
            start = index + 1
    part = tokens[opened[-1] + 1 if opened else start :]
    if part and part[0].kind == "op":
        signed = part[0].text in _SIGNS and part[1:] and part[1].start == part[0].end
        return part if signed else []
    return part


def _trim_right(tokens: list[_Token]) -> list[_Token]:
    """Drop what follows a stated figure: a closing bracket, a dangling operator."""
    end, depth = len(tokens), 0
    for index, token in enumerate(tokens):
        if token.kind == "close" and depth == 0:
            end = index
            break
        depth += {"open": 1, "close": -1}.get(token.kind, 0)
    if depth:
        return []
    while end and tokens[end - 1].kind == "op":
        end -= 1
    return tokens[:end]


def _evaluate(tokens: Sequence[_Token]) -> tuple[Fraction, bool, bool] | None:
    """Compute an expression exactly; say whether it has a binary operator, a ÷."""
    values: list[Fraction] = []
    pending: list[str] = []

    def reduce(precedence: int) -> None:
        while pending and pending[-1] != "(" and _PRECEDENCE[pending[-1]] >= precedence:
            name = pending.pop()
            if name in ("neg", "pos"):
                values[-1] = -values[-1] if name == "neg" else values[-1]
            else:
                right = values.pop()
                values[-1] = _BINARY[name](values[-1], right)

    expect_operand, binary, division = True, False, False
    try:
        for token in tokens:
            name = _OPERATORS.get(token.text, "")
            if token.figure is not None and expect_operand:
                values.append(token.figure.value)
                expect_operand = False
            elif token.kind == "open" and expect_operand:
                pending.append("(")
            elif token.kind == "close" and not expect_operand and "(" in pending:
                reduce(0)
                pending.pop()
            elif token.kind == "op" and expect_operand and name in ("+", "-"):
                pending.append("neg" if name == "-" else "pos")
            elif token.kind == "op" and not expect_operand:
                reduce(_PRECEDENCE[name])
                pending.append(name)
                expect_operand, binary = True, True
                division = division or name == "/"
            else:
                return None
        if expect_operand or "(" in pending:
            return None
        reduce(0)
    except ZeroDivisionError:
        return None
    return values[0], binary, division


def _render(tokens: Sequence[_Token]) -> str:
    """Show an expression plainly: numbers without dollar signs or labels."""
    parts: list[str] = []
    previous: Kind | None = None
    glue = True
    for token in tokens:
        if not glue and token.kind != "close":
            parts.append(" ")
        parts.append(token.figure.core if token.figure else token.text)
        unary = token.kind == "op" and previous in (None, "op", "open")
        glue = token.kind == "open" or unary
        previous = token.kind
    return "".join(parts)


def _side(tokens: list[_Token], first: bool, final: bool) -> _Side | None:
    part = _trim_left(tokens) if first else tokens
    part = _trim_right(part) if final else part
    evaluated = _evaluate(part) if part else None
    if evaluated is None:
        return None
    value, binary, division = evaluated
    figures = [token.figure for token in part if token.figure is not None]
    lone = len(figures) == 1 and not binary and part[-1].kind == "num"
    return _Side(
        value=value,
        text=_render(part),
        start=part[0].start,
        end=part[-1].end,
        binary=binary,
        division=division,
        units=frozenset().union(*(figure.units for figure in figures)),
        figure=figures[0] if lone else None,
    )


def _comparable(anchor: _Side, stated: _Side) -> bool:
    """Whether both sides are in like units, or the difference is unambiguous."""
    if ("size" in anchor.units) != ("size" in stated.units):
        return False
    if ("cents" in anchor.units) == ("cents" in stated.units):
        return True
    return "dollar" in anchor.units | stated.units


def _agrees(anchor: _Side, stated: _Side) -> bool:
    exact, claimed, figure = anchor.value, stated.value, stated.figure
    if figure is None:
        return abs(exact - claimed) * 100 <= abs(exact)
    tolerance = figure.scale / 2 / 10**figure.decimals
    if figure.zeros:
        rounded = figure.scale * 5 * 10 ** (figure.zeros - 1)
        tolerance = max(tolerance, min(rounded, abs(claimed) / 100))
    if abs(exact - claimed) <= tolerance:
        return True
    bare = not (figure.decimals or figure.unit_text)
    return bare and anchor.division and claimed == math.ceil(exact)


def _show(value: Fraction, decimals: int = 0) -> str:
    """Show a value with thousands commas: exactly if six decimals hold it, else
    rounded to the stated figure's decimals, keeping two significant digits."""
    if value.denominator == 1 and abs(value) < 10**18:
        return f"{value.numerator:,}"
    with localcontext() as context:
        context.prec = 40
        number = Decimal(value.numerator) / Decimal(value.denominator)
    exponent = number.adjusted()
    if not -20 <= exponent < 18:
        return f"{number:.3e}"
    if (value * 10**6).denominator == 1:
        return f"{number:,.6f}".rstrip("0").rstrip(".")
    return f"{number:,.{max(decimals, 1 - exponent)}f}"


def _slip(claim: str, stated_text: str, anchor: _Side, stated: _Side) -> ArithmeticSlip:
    figure = stated.figure
    if figure is None:
        computed = _show(anchor.value)
        message = f"{anchor.text} is {computed}, but {stated.text} is "
        message += _show(stated.value)
    else:
        computed = _show(anchor.value / figure.scale, figure.decimals)
        computed += figure.unit_text
        message = f"{anchor.text} is {computed}, not {stated.text}"
    return ArithmeticSlip(claim, stated_text, computed, message)


def _check_chain(
    line: str, chain: _Chain, carried: _Side | None
) -> tuple[list[ArithmeticSlip], _Side | None]:
    """Compare each segment after a chain's first expression with that expression."""
    segments, anchor, claim_start = chain.segments, carried, chain.start
    index, last = (1 if carried else 0), len(chain.segments) - 1
    while anchor is None and index <= last:
        side = _side(segments[index], first=index == 0, final=index == last)
        index += 1
        if side is not None and side.binary:
            anchor, claim_start = side, side.start
    slips: list[ArithmeticSlip] = []
    if anchor is None:
        return slips, None
    for position in range(index, last + 1):
        stated = _side(segments[position], first=False, final=position == last)
        if stated is None:
            break
        if _comparable(anchor, stated) and not _agrees(anchor, stated):
            claim = line[claim_start : stated.end].strip()
            stated_text = line[stated.start : stated.end]
            slips.append(_slip(claim, stated_text, anchor, stated))
    return slips, anchor


def _check(
    line: str, carried: _Side | None
) -> tuple[list[ArithmeticSlip], _Side | None]:
    """Check one line; return its slips and the value its last chain stands for."""
    lead = _LEAD.match(line)
    tokens = list(_Scanner(line, lead.end() if lead else 0).tokens())
    continues = bool(tokens) and tokens[0].kind == "rel"
    slips: list[ArithmeticSlip] = []
    ended: _Side | None = None
    for index, chain in enumerate(_chains(iter(tokens))):
        inherited = carried if continues and index == 0 else None
        found, ended = _check_chain(line, chain, inherited)
        slips.extend(found)
    return slips, ended


def check_line(line: str) -> list[ArithmeticSlip]:
    """Return the slips in one line of lesson text; never raises."""
    return _check(line, None)[0]


def check_text(text: str) -> list[tuple[int, ArithmeticSlip]]:
    """Check every line of a multi-line text; return (1-based line number, slip).

    A line that begins with '=' (after list markers like '- ' and whitespace)
    continues the previous line's chain: its expression is compared with the value
    the previous line ended on (e.g. '= 250,000,000 ÷ 100,000' after
    '= 10,000,000 × 25 ÷ 100,000').
    """
    found: list[tuple[int, ArithmeticSlip]] = []
    carried: _Side | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        slips, carried = _check(line, carried)
        found.extend((number, slip) for slip in slips)
    return found
