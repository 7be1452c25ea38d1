"""Reading a learner's numeric answer, safely and exactly.

Learners answer the way people write on a whiteboard: ``11,250``, ``11.25k``,
``≈ 6.67``, ``$2,320/mo``, ``3×10^8``, ``(1 - 0.85) × 112500``, ``five``. The text
never reaches ``eval``, ``compile`` or sympy's parser, which evaluate code. One
pattern cuts it into tokens, and a recursive-descent parser, a small cursor over
them, computes the value exactly while it reads, so ``0.999`` stays 999/1000.

Every bound is checked before the work it guards: the length of the text, the
number of tokens, the depth of brackets, the digits in a literal, the power of ten
in scientific notation, and the size of a power from the digit counts of its base.
Each result must keep its numerator and denominator under about 10^120. So no text
can hang the reader or fill memory, and a refusal names what was too big.

A percent sign on a lone number makes the unit percent (``99.7%`` is 99.7 in %).
Inside a sum it means hundredths (``20% × 5000`` is 1000) unless every term added
or subtracted is a percent (``100% - 0.3%`` is 99.7 in %). A dollar sign anywhere
makes the answer money. A unit phrase may follow the number (``750 GB``,
``9500 per second``) and applies to all of it.

The common plain forms (``5``, ``11,250``, ``11.25k``, ``99.7%``, ``750 GB``) are
matched by one precompiled pattern and read in a few microseconds; everything else
takes the full path, which gives the same reading.
"""

from __future__ import annotations

import math
import re
import unicodedata
from fractions import Fraction
from typing import NamedTuple

from tutorbot.answers.units import PERCENT, USD, Unit, is_unit_word, parse_unit, per_period
from tutorbot.errors import InputError

__all__ = ["Ambiguous", "Reading", "Unreadable", "read_number"]

MAX_TEXT = 200
MAX_TOKENS = 60
MAX_DEPTH = 20
MAX_DIGITS = 30
MAX_EXPONENT = 100
"""The largest power of ten scientific notation may write (``1e100``)."""
MAX_POWER = 64
MAX_POWER_BITS = 340
"""A power whose estimated result exceeds this many bits (about 100 digits) is refused."""
MAX_BITS = 400
"""Numerators and denominators beyond this many bits (about 10^120) are refused."""

_PREFIX = "I couldn't read that as a number: "


class Unreadable(InputError):
    """Text that is not a number we can read; `reason` says why, for the learner."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(_PREFIX + reason)


class Ambiguous(InputError):
    """Text with two sensible readings; the message asks which one was meant."""

    def __init__(self, written: str, meanings: tuple[str, str], advice: str) -> None:
        self.written, self.meanings = written, meanings
        super().__init__(f"Did you mean {meanings[0]} or {meanings[1]}? {advice}")


class Reading(NamedTuple):
    """A number as read: its exact value in the unit as written."""

    value: Fraction
    unit: Unit | None
    approximate: bool

    def shown(self) -> str:
        """How we read it, for "read as …": ``11,250 GB``, ``99.7%``, ``$2,320/month``."""
        numerator, denominator = self.value.numerator, self.value.denominator
        sign = "-" if numerator < 0 else ""
        figure = _figure(abs(numerator), denominator)
        unit = self.unit
        if unit is None:
            return sign + figure
        if unit.symbol.startswith("USD"):
            return f"{sign}${figure}{unit.symbol[3:]}"
        if unit.symbol.startswith(("%", "/")):
            return f"{sign}{figure}{unit.symbol}"
        return f"{sign}{figure} {_singular(unit.symbol) if figure == '1' else unit.symbol}"


def read_number(text: str) -> Reading:
    """The number in a learner's answer; raises only `Unreadable` or `Ambiguous`."""
    if len(text) > MAX_TEXT:
        raise Unreadable(f"it's longer than {MAX_TEXT} characters")
    plain = _PLAIN.fullmatch(text)
    if plain is not None:
        reading = _read_plain(plain)
        if reading is not None:
            return reading
    return _read(text)


# --- the fast path ----------------------------------------------------------------

_PLAIN = re.compile(
    r" *(?:(?P<approx>(?i:about|around|roughly|approx\.?|approximately) +|[≈~] *)|= *)?"
    r"(?P<dollar>\$ ?)?"
    r"(?P<whole>(?!0,)[0-9]{1,3}(?P<sep>[, ])[0-9]{3}(?:(?P=sep)[0-9]{3}){0,3}(?![0-9])"
    r"|[0-9]{1,15})"
    r"(?:\.(?P<decimals>[0-9]{1,12}))?"
    r"(?:(?P<scale>[kKM]|B|bn)(?![A-Za-z]))?"
    r" *(?P<unit>%|[A-Za-z$/][A-Za-z/ ]{0,30})?[ .!]*"
)
_PLAIN_SCALES = {"k": 10**3, "K": 10**3, "M": 10**6, "B": 10**9, "bn": 10**9}


def _read_plain(match: re.Match[str]) -> Reading | None:
    """A plain number read by the pattern, or None to leave it to the full path."""
    approx, dollar, whole, decimals, scale, unit_text = match.group(
        "approx", "dollar", "whole", "decimals", "scale", "unit"
    )
    unit = None
    percent = unit_text == "%"
    if unit_text and not percent:
        unit = parse_unit(unit_text)
        if unit is None:
            return None
    if percent or dollar:
        try:
            unit = _whole_unit(unit, percent, money=bool(dollar))
        except Unreadable:
            return None
    number = int(whole.replace(",", "").replace(" ", "") + (decimals or ""))
    if scale:
        number *= _PLAIN_SCALES[scale]
    value = Fraction(number, 10 ** len(decimals)) if decimals else Fraction(number)
    return Reading(value, unit, approximate=approx is not None)


# --- screening --------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺"
_SUPERSCRIPT_RUN = re.compile(f"[{_SUPERSCRIPTS}]+")
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPTS, "0123456789-+")
_VULGAR = re.compile("([0-9]*)([\u00bc-\u00be\u2150-\u215e])")
_EMOJI_JOINERS = frozenset("\u200d\ufe0e\ufe0f\u20e3")
_ASCII_ALNUM = re.compile("[0-9A-Za-z]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
_UNCOMMON = re.compile("[^\x00-\x7f×÷≈−·¢]")
"""Characters beyond ASCII other than common signs, which NFKC leaves as they are."""


def _screen(text: str) -> str:
    """The text made plain: refused if unsafe to show, else NFKC with ASCII digits."""
    if found := _CONTROL.search(text):
        raise Unreadable(f"it contains a control character ({_codepoint(found[0])})")
    if text.isascii() or not _UNCOMMON.search(text):
        return text
    if found := _BIDI.search(text):
        raise Unreadable(
            f"it contains an invisible text-direction mark ({_codepoint(found[0])})"
        )
    if found := _SURROGATE.search(text):
        raise Unreadable(f"it contains a character I can't read ({_codepoint(found[0])})")

    # Superscripts and vulgar fractions first: NFKC would turn 10⁸ into 108 and 1½ into 11⁄2.
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m[0].translate(_FROM_SUPERSCRIPT), text)
    text = _VULGAR.sub(_vulgar, text)
    text = unicodedata.normalize("NFKC", text).replace("⁄", "/").replace("∕", "/")
    if len(text) > MAX_TEXT:
        raise Unreadable(f"it's longer than {MAX_TEXT} characters")
    if not _ASCII_ALNUM.search(text) and _only_emoji(text):
        raise Unreadable("it's only emoji or symbols, with no digits")
    return _NON_ASCII.sub(_plain_char, text)


def _vulgar(match: re.Match[str]) -> str:
    numerator, _, denominator = unicodedata.normalize("NFKC", match[2]).partition("⁄")
    whole = f"{match[1]}+" if match[1] else ""
    return f"({whole}{numerator}/{denominator})"


def _only_emoji(text: str) -> bool:
    marks = [char for char in text if not char.isspace()]
    return any(unicodedata.category(char) == "So" for char in marks) and all(
        not char.isascii()
        and (
            unicodedata.category(char) in ("So", "Sk", "Mn", "Me")
            or char in _EMOJI_JOINERS
            or "\U000e0020" <= char <= "\U000e007f"
        )
        for char in marks
    )


def _plain_char(match: re.Match[str]) -> str:
    char = match[0]
    category = unicodedata.category(char)
    if category == "Nd":
        return str(unicodedata.decimal(char))
    if category == "Cf":
        raise Unreadable(f"it contains an invisible character ({_codepoint(char)})")
    if category in ("Cc", "Co", "Cn", "Cs"):
        raise Unreadable(f"it contains a character I can't read ({_codepoint(char)})")
    return char


def _codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


# --- tokens -----------------------------------------------------------------------

_MARKER = re.compile(
    r"\s*+([≈~=]|(?i:about|around|roughly|approximately|approx\.?|circa|usd)(?![A-Za-z]))"
)
_TAIL = re.compile(r"[\s.!]+$")
_TOKEN = re.compile(
    r"(\s*+)(?:"
    r"((?:([0-9]{1,3}(?: [0-9]{3}(?![0-9,_]))+|[0-9]+(?:[,_][0-9]+)*)(?:(\.)([0-9]*))?"
    r"|\.([0-9]+))(?:[eE]([+-]?[0-9]+))?)"
    r"|([A-Za-z]+(?:-[A-Za-z]+)*)"
    r"|(\*\*|[-+*/^×÷·⋅∙−])"
    r"|([()%$])"
    r"|(.))",
    re.DOTALL,
)
_GROUPING = re.compile("[ ,_]")
_OPERATORS = {"**": "^", "×": "*", "÷": "/", "·": "*", "⋅": "*", "∙": "*", "−": "-"}
_MARKS = {"(": "open", ")": "close", "%": "percent", "$": "dollar"}
_END = "end"

# An exact value while reading: numerator, positive denominator, and whether it is in
# percent. Integer pairs rather than Fraction objects, because one Fraction operation
# costs about ten times as much and the reader has microseconds to spend.
_Value = tuple[int, int, bool]


class _Token(NamedTuple):
    kind: str
    text: str
    start: int
    spaced: bool
    value: _Value = (0, 1, False)


class _Scanner:
    """Cuts the answer into tokens in one pass of the pattern, reading literals exactly."""

    def __init__(self, text: str) -> None:
        self.text = text

    def tokens(self) -> list[_Token]:
        """The tokens, then two end markers so the parser can look ahead freely."""
        pieces = _TOKEN.findall(self.text)
        if len(pieces) > MAX_TOKENS:
            raise Unreadable(
                f"it has more than {MAX_TOKENS} numbers, words and signs; "
                "write the result, or a shorter sum"
            )
        found: list[_Token] = []
        at = 0
        for space, number, whole, point, decimals, only, exponent, word, op, mark, other in pieces:
            at += len(space)
            spaced = space != ""
            if number:
                value = self._literal(number, at, whole, point, decimals or only, exponent)
                found.append(_Token("number", number, at, spaced, value))
            elif word:
                found.append(_Token("word", word, at, spaced))
            elif op:
                found.append(_Token("op", _OPERATORS.get(op, op), at, spaced))
            elif mark:
                found.append(_Token(_MARKS[mark], mark, at, spaced))
            else:
                found.append(_Token("other", other, at, spaced))
            at += len(number or word or op or mark or other)
        stop = _Token(_END, "", len(self.text), False)
        return [*found, stop, stop]

    def _literal(
        self, written: str, at: int, whole: str, point: str, decimals: str, exponent: str
    ) -> _Value:
        digits = whole if whole.isdigit() else _GROUPING.sub("", whole)
        if len(digits) + len(decimals) > MAX_DIGITS:
            raise Unreadable(f"{_quote(written)} has more than {MAX_DIGITS} digits")
        after = at + len(written)
        if self.text[after : after + 1] == "." and self.text[after + 1 : after + 2].isdigit():
            raise Unreadable(f"{_quote(written + '.')} has more than one decimal point")
        if "," in whole or "_" in whole:
            _check_groups(whole, has_decimals=point != "")
        if not (decimals or exponent):
            return int(digits), 1, False
        numerator, denominator = int(digits + decimals or "0"), 10 ** len(decimals)
        if exponent:
            power = int(exponent) if len(exponent) <= 4 else MAX_EXPONENT + 1
            if abs(power) > MAX_EXPONENT:
                raise Unreadable(
                    f"{_quote(written)} is beyond what I can check: the power of ten "
                    f"must be between -{MAX_EXPONENT} and {MAX_EXPONENT}"
                )
            if power > 0:
                numerator *= 10**power
            else:
                denominator *= 10**-power
        if numerator.bit_length() > MAX_BITS:
            raise Unreadable(f"{_quote(written)} is too large to check")
        return _exact(numerator, denominator)


def _check_groups(whole: str, has_decimals: bool) -> None:
    """Refuse or ask about separators that don't mark thousands."""
    separators = set(whole) & {",", "_"}
    if len(separators) > 1:
        raise Unreadable(f"{_quote(whole)} mixes commas and underscores")
    separator = separators.pop()
    groups = whole.split(separator)
    first_ok = 1 <= len(groups[0]) <= 3
    middle_ok = all(len(group) == 3 for group in groups[1:-1])
    if first_ok and middle_ok and len(groups[-1]) == 3:
        if separator == "," and groups[0] == "0" and len(groups) == 2 and not has_decimals:
            raise _comma_question(whole, groups)
        return
    if separator == "," and _INDIAN.fullmatch(whole):  # lakh and crore: 1,50,000
        return
    if separator == "_":
        raise Unreadable(f"the underscores in {_quote(whole)} don't mark thousands")
    if not has_decimals and (len(groups) == 2 or (first_ok and middle_ok)):
        raise _comma_question(whole, groups)
    raise Unreadable(f"I can't tell what the commas in {_quote(whole)} mean")


_INDIAN = re.compile(r"[1-9][0-9]?(?:,[0-9]{2})+,[0-9]{3}")


def _comma_question(whole: str, groups: list[str]) -> Ambiguous:
    point = "".join(groups[:-1]) + "." + groups[-1]
    joined = "".join(groups).lstrip("0") or "0"
    commas = "comma" if len(groups) == 2 else "commas"
    return Ambiguous(
        whole, (point, joined),
        f"Write {point} with a point, or {joined} without the {commas}.",
    )


# --- the parser -------------------------------------------------------------------

_SMALL_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)
_TENS_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SMALL = {word: number for number, word in enumerate(_SMALL_WORDS)}
_TENS = {word: 10 * number for number, word in enumerate(_TENS_WORDS, start=2)}
_BIG = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_SCALES = {"k": 10**3, "K": 10**3, "M": 10**6}
"""Magnitudes written after a number in exactly this case; ``B`` only without a space."""
_SCALE_WORDS = {"bn": 10**9, "hundred": 100} | _BIG
"""Magnitudes written after a number in any case."""
_NUMBER_WORDS = frozenset(_SMALL) | frozenset(_TENS) | frozenset(_BIG) | {"hundred"}
_AFTER_A = frozenset(_BIG) | {"hundred"}


class _Parser:
    """Reads a sum over the tokens and computes it exactly as it goes.

    The grammar, loosest first: a sum of products; a product of signed powers
    (``*``, ``/``, or ``x`` between numbers); a power is an operand, optionally
    ``^`` and a signed power (so ``-2^2`` is -4 and ``2^3^2`` is 2^9); an operand
    is a number with its magnitude, number words, or a bracket, each optionally
    followed by ``%``, and optionally preceded by ``$``.
    """

    def __init__(self, text: str, tokens: list[_Token], money: bool) -> None:
        self.text = text
        self.tokens = tokens
        self.at = 0
        self.depth = 0
        self.money = money

    def answer(self) -> tuple[_Value, int]:
        """The value of the whole sum, and where the text after it starts."""
        value = self.sum()
        token = self.tokens[self.at]
        if token.kind == "close":
            raise Unreadable("there's a ')' without a '(' before it")
        if token.kind in ("number", "open") or (
            token.kind == "dollar" and self.tokens[self.at + 1].kind == "number"
        ):
            before = self.tokens[self.at - 1].text
            raise Unreadable(
                f"there's nothing between {_quote(before)} and {_quote(token.text)}; "
                "put an operator between them, or write one number"
            )
        return value, token.start

    def sum(self) -> _Value:
        left = self.product()
        token = self.tokens[self.at]
        while token.kind == "op" and token.text in "+-":
            self.at += 1
            left = _add(left, self.product(), token.text)
            token = self.tokens[self.at]
        return left

    def product(self) -> _Value:
        left = self.power()
        token = self.tokens[self.at]
        while self._multiplies(token):
            self.at += 1
            right = self.power()
            left = _multiply(left, right) if token.text in "*xX" else _divide(left, right)
            token = self.tokens[self.at]
        return left

    def _multiplies(self, token: _Token) -> bool:
        if token.kind == "op":
            return token.text == "*" or (token.text == "/" and not self._unit_word(1))
        if token.kind == "word" and token.text in ("x", "X"):
            after = self.tokens[self.at + 1]
            return after.kind in ("number", "open", "dollar") or self._number_word(1)
        return False

    def power(self) -> _Value:
        negative = False
        token = self.tokens[self.at]
        while token.kind == "op" and token.text in "+-":
            negative ^= token.text == "-"
            self.at += 1
            token = self.tokens[self.at]
        value = self.operand()
        if self.tokens[self.at].text == "^":
            self.at += 1
            value = _power(value, self.power())
        return (-value[0], value[1], value[2]) if negative else value

    def operand(self) -> _Value:
        token = self.tokens[self.at]
        if token.kind == "dollar":
            self.money = True
            self.at += 1
            token = self.tokens[self.at]
        if token.kind == "number":
            self.at += 1
            value = token.value
            if self.tokens[self.at].kind == "word":
                value = _exact(value[0] * self._scale(token), value[1])
        elif token.kind == "open":
            value = self._bracket()
            if value[2]:
                return value
        elif self._number_word():
            value = (self._words(), 1, False)
        else:
            raise self._missing(token)
        if self.tokens[self.at].kind == "percent":
            self.at += 1
            return value[0], value[1], True
        return value

    def _bracket(self) -> _Value:
        if self.depth == MAX_DEPTH:
            raise Unreadable(f"the brackets are nested more than {MAX_DEPTH} deep")
        self.depth += 1
        self.at += 1
        value = self.sum()
        if self.tokens[self.at].kind != "close":
            raise Unreadable("a '(' is never closed")
        self.at += 1
        self.depth -= 1
        if value[2] and self.tokens[self.at].kind == "percent":
            raise Unreadable("it has two percent signs in a row")
        return value

    def _scale(self, number: _Token) -> int:
        """The magnitude written after a number, such as k, M, bn or million; 1 if none."""
        token = self.tokens[self.at]
        if token.kind != "word":
            return 1
        word = token.text
        scale = _SCALES.get(word) or _SCALE_WORDS.get(word.lower())
        if scale is None and word == "B" and not token.spaced:
            scale = 10**9
        if scale is None and word == "m":
            after = self.tokens[self.at + 1]
            if not (after.kind == "word" or after.text == "/"):
                raise Ambiguous(
                    number.text + "m",
                    (f"{number.text} million", f"{number.text} minutes"),
                    f"Write {number.text}M for millions, or {number.text} min for minutes.",
                )
            scale = 10**6
        if scale is None:
            return 1
        self.at += 1
        return scale

    def _words(self) -> int:
        """A number written in words, such as 'twenty-five' or 'five thousand'."""
        first = self.tokens[self.at]
        words: list[str] = []
        while self._number_word():
            words += self.tokens[self.at].text.lower().split("-")
            self.at += 1
        value = _words_value(words)
        if value is None:
            last = self.tokens[self.at - 1]
            written = self.text[first.start : last.start + len(last.text)]
            raise Unreadable(f"I can't read {_quote(written)} as a number in words")
        return value

    def _number_word(self, ahead: int = 0) -> bool:
        """Whether the token `ahead` continues a number in words.

        'a' counts only before hundred, thousand and the like ('a million', not
        'a month'), and 'and' only before another number word.
        """
        token = self.tokens[self.at + ahead]
        if token.kind != "word":
            return False
        pieces = token.text.lower().split("-")
        if pieces == ["a"] or pieces == ["and"]:
            after = self.tokens[self.at + ahead + 1]
            following = after.text.lower().split("-")[0] if after.kind == "word" else ""
            return following in (_NUMBER_WORDS if pieces == ["and"] else _AFTER_A)
        return all(piece in _NUMBER_WORDS for piece in pieces)

    def _unit_word(self, ahead: int) -> bool:
        return self.tokens[self.at + ahead].kind == "word" and not self._number_word(ahead)

    def _missing(self, token: _Token) -> Unreadable:
        """The error for a place that needed a number and found `token` instead."""
        before = self.tokens[self.at - 1] if self.at else None
        if before is not None and before.kind in ("op", "open", "dollar", "word"):
            written = self.text[before.start : token.start]  # as typed: × rather than *
            return Unreadable(f"{_quote(written)} needs a number after it")
        rest = self.text[token.start :].strip()
        if before is None and parse_unit(rest) is not None:
            return Unreadable(f"there's no number before {_quote(rest)}")
        return _not_understood(rest)


def _words_value(words: list[str]) -> int | None:
    """The value of number words, or None when they don't make one number.

    `last` names what came before: "" at the start, then "a", "and", "small"
    (zero to nineteen), "tens", "hundred" or "big" (thousand and up).
    """
    total, current, last, largest = 0, 0, "", 10**15
    for word in words:
        if word == "a":
            if last:
                return None
            current, last = 1, "a"
        elif word == "and":
            if last not in ("hundred", "big"):
                return None
            last = "and"
        elif word in _SMALL:
            small = _SMALL[word]
            if last in ("small", "a") or (last == "tens" and not 0 < small < 10):
                return None
            current, last = current + small, "small"
        elif word in _TENS:
            if last in ("small", "tens", "a"):
                return None
            current, last = current + _TENS[word], "tens"
        elif word == "hundred":
            if last not in ("", "a", "small", "tens"):
                return None
            current, last = (current if last in ("small", "tens") else 1) * 100, "hundred"
        else:
            scale = _BIG[word]
            if last in ("and", "big") or scale >= largest:
                return None
            times = current if last in ("small", "tens", "hundred") else 1
            total, current, last, largest = total + times * scale, 0, "big", scale
    if last in ("a", "and"):
        return None
    return total + current


# --- arithmetic -------------------------------------------------------------------


def _exact(numerator: int, denominator: int, percent: bool = False) -> _Value:
    """The value in lowest terms, refused when it has grown too large to check."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    common = math.gcd(numerator, denominator)
    if common > 1:
        numerator, denominator = numerator // common, denominator // common
    if numerator.bit_length() > MAX_BITS or denominator.bit_length() > MAX_BITS:
        raise Unreadable("its numbers grow too large to check")
    return numerator, denominator, percent


def _plain(value: _Value) -> tuple[int, int]:
    """The value as a plain number: a percent becomes a fraction."""
    return (value[0], value[1] * 100) if value[2] else (value[0], value[1])


def _add(left: _Value, right: _Value, op: str) -> _Value:
    percent = left[2] and right[2]
    (a, b), (c, d) = (left[:2], right[:2]) if percent else (_plain(left), _plain(right))
    if op == "-":
        c = -c
    return _exact(a * d + c * b, b * d, percent)


def _multiply(left: _Value, right: _Value) -> _Value:
    (a, b), (c, d) = _plain(left), _plain(right)
    return _exact(a * c, b * d)


def _divide(left: _Value, right: _Value) -> _Value:
    (a, b), (c, d) = _plain(left), _plain(right)
    if c == 0:
        raise Unreadable("can't divide by zero")
    return _exact(a * d, b * c)


def _power(base: _Value, exponent: _Value) -> _Value:
    (a, b), (power, whole) = _plain(base), _plain(exponent)
    if whole != 1:
        raise Unreadable("I can only raise to whole-number powers")
    if abs(power) > MAX_POWER:
        raise Unreadable(f"powers go up to {MAX_POWER}, and {power} is more")
    if a == 0 and power < 0:
        raise Unreadable("can't divide by zero")
    size = max(a.bit_length(), b.bit_length())
    if b * abs(a) != 1 and size * abs(power) > MAX_POWER_BITS:
        raise Unreadable("that power is too large to check")
    if power < 0:
        a, b, power = b, a, -power
    return _exact(a**power, b**power)


# --- the whole answer -------------------------------------------------------------


def _read(text: str) -> Reading:
    """The full path: screen, strip the frame, tokenize, parse, then read the unit."""
    if not text.strip():
        raise Unreadable("it's empty")
    text, approximate, money = _unframe(_screen(text))
    if not text:
        raise Unreadable("there's no number in it")

    parser = _Parser(text, _Scanner(text).tokens(), money)
    (numerator, denominator, percent), end = parser.answer()
    rest = text[end:].strip()
    unit = None
    if rest and rest not in ("x", "X"):  # "1.5x", a factor
        unit = parse_unit(rest)
        if unit is None:
            raise _not_understood(rest)
    value = Fraction(numerator, denominator)
    return Reading(value, _whole_unit(unit, percent, parser.money), approximate)


def _unframe(text: str) -> tuple[str, bool, bool]:
    """The answer without its frame, and whether the frame said "about" or "USD".

    The frame is leading words and signs (≈ ~ = about roughly USD …) and trailing
    full stops and exclamation marks.
    """
    approximate = money = False
    at = 0
    while (marker := _MARKER.match(text, at)) is not None:
        word = marker[1].lower()
        approximate = approximate or word not in ("=", "usd")
        money = money or word == "usd"
        at = marker.end()
    return _TAIL.sub("", text[at:]).strip(), approximate, money


def _whole_unit(unit: Unit | None, percent: bool, money: bool) -> Unit | None:
    """The unit of the whole answer, from its '%' or '$' and the phrase after it."""
    if percent and money:
        raise Unreadable("it has both '$' and '%'")
    lead = PERCENT if percent else USD if money else None
    if lead is None or unit is None:
        return lead or unit
    if unit.kind == lead.kind:
        return unit
    combined = per_period(lead, unit)
    if combined is None:
        sign = "'%'" if percent else "'$'"
        raise Unreadable(f"{sign} and {_quote(unit.symbol)} don't go together")
    return combined


def _not_understood(rest: str) -> Unreadable:
    """The error for text after the number that is not a unit we know."""
    words = rest.split()
    if any(char.isdigit() for char in rest) and is_unit_word(words[0]):
        return Unreadable(
            f"the unit {_quote(words[0])} comes before the end; "
            "write the sum first and the unit once, after it"
        )
    unknown = next((word for word in words if not is_unit_word(word)), None)
    if unknown is None:
        return Unreadable(f"{_quote(rest)} isn't a unit I know")
    return Unreadable(f"{_quote(unknown)} isn't a number or a unit I know")


def _quote(text: str, limit: int = 24) -> str:
    flat = " ".join(text.split())
    return "'" + (flat if len(flat) <= limit else flat[: limit - 1] + "…") + "'"


# --- showing a value --------------------------------------------------------------

_SCIENTIFIC_ABOVE = 10**15
_SCIENTIFIC_BELOW = 10**9
"""Values from 10^15, and below 1/10^9, are shown in scientific notation."""
_SIGNIFICANT = 6


def _singular(symbol: str) -> str:
    """'server' for one of 'servers', 'query' for one of 'queries'; symbols stay."""
    if len(symbol) <= 2 or not symbol.isalpha() or not symbol.islower():
        return symbol
    if symbol.endswith("ies"):
        return symbol[:-3] + "y"
    return symbol.removesuffix("s")


def _figure(numerator: int, denominator: int) -> str:
    """A non-negative value with thousands separators.

    A decimal of up to ten places is shown exactly, as the learner typed it; any
    other value to six significant decimals (20/3 is 6.666667).
    """
    if numerator == 0:
        return "0"
    if numerator >= _SCIENTIFIC_ABOVE * denominator or numerator * _SCIENTIFIC_BELOW < denominator:
        return _scientific(numerator, denominator)
    if denominator == 1:
        return f"{numerator:,}"
    if 10**10 % denominator == 0:
        places = next(p for p in range(1, 11) if 10**p % denominator == 0)
    else:
        whole, rest = divmod(numerator, denominator)
        zeros = 0
        while zeros < 10 and rest * 10 ** (zeros + 1) < denominator:
            zeros += 1
        places = zeros + _SIGNIFICANT if whole == 0 else min(zeros + _SIGNIFICANT, 10)
    whole, decimals = divmod(_round(numerator * 10**places, denominator), 10**places)
    digits = f"{decimals:0{places}d}".rstrip("0") if places else ""
    return f"{whole:,}.{digits}" if digits else f"{whole:,}"


def _scientific(numerator: int, denominator: int) -> str:
    exponent = len(str(numerator)) - len(str(denominator))
    if numerator * 10 ** max(-exponent, 0) < denominator * 10 ** max(exponent, 0):
        exponent -= 1
    scale = 10 ** (_SIGNIFICANT - 1)
    if exponent >= 0:
        mantissa = _round(numerator * scale, denominator * 10**exponent)
    else:
        mantissa = _round(numerator * scale * 10**-exponent, denominator)
    if mantissa == 10 * scale:
        mantissa, exponent = scale, exponent + 1
    head, tail = divmod(mantissa, scale)
    tail_text = f"{tail:0{_SIGNIFICANT - 1}d}".rstrip("0")
    return f"{head}.{tail_text} × 10^{exponent}" if tail_text else f"{head} × 10^{exponent}"


def _round(numerator: int, denominator: int) -> int:
    """The quotient rounded to the nearest whole number, halves up."""
    return (2 * numerator + denominator) // (2 * denominator)
