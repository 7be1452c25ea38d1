"""The units a learner may write after a number, in one small table of our own.

pint and sympy's units were weighed and left out: the answer benchmark allows a whole
reading about 3 µs, and a single pint conversion costs tens of microseconds (its
import far more). Back-of-envelope answers need little: counts of things, percent,
data sizes, durations, money, and rates of any of these per period.

A unit carries exact factors to its kind's base: one for counts, a hundredth for
percent (so a percent becomes a fraction), bytes, seconds and US dollars. A rate
also carries the seconds in its period, with a month of 730 hours and a year of
365 days, the way cloud price lists count them.

Spelling is forgiving where it is safe: words and multi-letter symbols match in any
case (``gb``, ``Servers``, ``QPS``), while single letters are exact: ``B`` is a
byte and ``b`` is nothing; ``s`` and ``h`` are time; ``m`` is nothing here, since
the reader must ask whether it means million or minutes.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

__all__ = ["PERCENT", "USD", "Kind", "Unit", "is_unit_word", "parse_unit", "per_period"]

Kind = Literal["count", "percent", "data", "time", "money"]

_ONE = Fraction(1)
_HOUR = 3600
_DAY = 24 * _HOUR


@dataclass(frozen=True)
class Unit:
    """A unit as the reader understood it.

    A value times `factor` is the value in the base of `kind`. `per` is the number of
    seconds in a rate's period, and None for a plain quantity.
    """

    symbol: str
    kind: Kind
    factor: Fraction
    per: Fraction | None = None

    def compatible(self, other: Unit) -> bool:
        """Whether an answer written in `other` can be compared in this unit.

        The kinds must match; percent is not a count. A rate accepts a rate of any
        period, or the same kind written without one (a learner who leaves the
        "/s" off an answer in QPS); a plain quantity accepts no rate.
        """
        if self.kind != other.kind:
            return False
        return other.per is None or self.per is not None


PERCENT = Unit("%", "percent", Fraction(1, 100))
USD = Unit("USD", "money", _ONE)

# Each row: canonical symbol, its form before "/" in a rate, and other spellings.
_COUNTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("servers", "servers", ("server",)),
    ("instances", "instances", ("instance",)),
    ("replicas", "replicas", ("replica",)),
    ("partitions", "partitions", ("partition",)),
    ("shards", "shards", ("shard",)),
    ("workers", "workers", ("worker",)),
    ("nodes", "nodes", ("node",)),
    ("machines", "machines", ("machine",)),
    ("hosts", "hosts", ("host",)),
    ("connections", "connections", ("connection", "conn", "conns")),
    ("users", "users", ("user",)),
    ("requests", "req", ("request", "req", "reqs")),
    ("queries", "queries", ("query",)),
    ("messages", "msg", ("message", "msg", "msgs")),
    ("ops", "ops", ("op", "operation", "operations")),
    ("writes", "writes", ("write",)),
    ("reads", "reads", ("read",)),
    ("transactions", "transactions", ("transaction", "txn", "txns")),
    ("events", "events", ("event",)),
]
# Each row: symbol, bytes, and other spellings (the symbol matches in any case).
_DATA: list[tuple[str, int, tuple[str, ...]]] = [
    ("B", 1, ("byte", "bytes")),
    ("KB", 10**3, ("kilobyte", "kilobytes")),
    ("MB", 10**6, ("megabyte", "megabytes")),
    ("GB", 10**9, ("gigabyte", "gigabytes")),
    ("TB", 10**12, ("terabyte", "terabytes")),
    ("PB", 10**15, ("petabyte", "petabytes")),
    ("KiB", 2**10, ("kibibyte", "kibibytes")),
    ("MiB", 2**20, ("mebibyte", "mebibytes")),
    ("GiB", 2**30, ("gibibyte", "gibibytes")),
    ("TiB", 2**40, ("tebibyte", "tebibytes")),
    ("PiB", 2**50, ("pebibyte", "pebibytes")),
]
# Each row: symbol as a quantity, symbol as a period, seconds, and spellings.
_TIMES: list[tuple[str, str, Fraction, tuple[str, ...]]] = [
    ("ms", "ms", Fraction(1, 1000), ("ms", "msec", "millisecond", "milliseconds")),
    ("s", "s", _ONE, ("sec", "secs", "second", "seconds")),
    ("min", "min", Fraction(60), ("min", "mins", "minute", "minutes")),
    ("h", "h", Fraction(_HOUR), ("hr", "hrs", "hour", "hours")),
    ("days", "day", Fraction(_DAY), ("day", "days")),
    ("weeks", "week", Fraction(7 * _DAY), ("wk", "wks", "week", "weeks")),
    ("months", "month", Fraction(730 * _HOUR), ("mo", "mos", "month", "months")),
    ("years", "year", Fraction(365 * _DAY), ("yr", "yrs", "year", "years")),
]
_RATE_WORDS = {"qps": "QPS", "rps": "RPS", "tps": "TPS", "iops": "IOPS"}
_SEPARATORS = frozenset({"/", "per", "a", "an", "each", "every"})
_CENTS = Unit("cents", "money", Fraction(1, 100))

# Single characters match exactly; longer spellings are looked up in lower case.
_EXACT: dict[str, Unit] = {
    "B": Unit("B", "data", _ONE),
    "s": Unit("s", "time", _ONE),
    "h": Unit("h", "time", Fraction(_HOUR)),
    "$": USD,
    "¢": _CENTS,
    "%": PERCENT,
}
_PERIODS_EXACT = {"s": ("s", _ONE), "h": ("h", Fraction(_HOUR))}


def _folded() -> tuple[dict[str, Unit], dict[str, tuple[str, Fraction]], dict[str, str]]:
    """The lower-case tables: bases, periods, and the form a base takes in a rate."""
    bases: dict[str, Unit] = {"usd": USD, "dollar": USD, "dollars": USD}
    bases |= {"cent": _CENTS, "cents": _CENTS, "percent": PERCENT, "pct": PERCENT}
    periods: dict[str, tuple[str, Fraction]] = {}
    rate_forms: dict[str, str] = {}
    for symbol, form, spellings in _COUNTS:
        rate_forms[symbol] = form
        bases |= dict.fromkeys((symbol, *spellings), Unit(symbol, "count", _ONE))
    for symbol, size, spellings in _DATA:
        unit = Unit(symbol, "data", Fraction(size))
        bases |= dict.fromkeys((symbol.lower(), *spellings), unit)
    for symbol, period, seconds, spellings in _TIMES:
        rate_forms[symbol] = period
        bases |= dict.fromkeys(spellings, Unit(symbol, "time", seconds))
        periods |= dict.fromkeys(spellings, (period, seconds))
    for word, symbol in _RATE_WORDS.items():
        bases[word] = Unit(symbol, "count", _ONE, _ONE)
    return bases, periods, rate_forms


_FOLDED, _PERIODS, _RATE_FORM = _folded()
_PIECES = re.compile(r"/|[^\s/]+")


def _base(word: str) -> Unit | None:
    found = _EXACT.get(word)
    if found is None and len(word) > 1:
        found = _FOLDED.get(word.lower())
    return found


def _period(word: str) -> tuple[str, Fraction] | None:
    found = _PERIODS_EXACT.get(word)
    if found is None and len(word) > 1:
        found = _PERIODS.get(word.lower())
    return found


def _bare_rate(period: tuple[str, Fraction]) -> Unit:
    return Unit(f"/{period[0]}", "count", _ONE, period[1])


def per_period(base: Unit, rate: Unit) -> Unit | None:
    """`base` per the period of `rate`, when `rate` is a bare rate such as "/month".

    This joins what the reader finds apart: the ``$`` before ``225k per month`` and
    the period after it. None when `rate` names a thing or `base` is already a rate.
    """
    if base.per is not None or rate.per is None or not rate.symbol.startswith("/"):
        return None
    symbol = _RATE_FORM.get(base.symbol, base.symbol) + rate.symbol
    return Unit(symbol, base.kind, base.factor, rate.per)


def is_unit_word(word: str) -> bool:
    """Whether one word (no spaces) could be part of a unit phrase we know."""
    if word.lower() in _SEPARATORS or _period(word) is not None:
        return True
    return parse_unit(word) is not None


def parse_unit(text: str) -> Unit | None:
    """The unit `text` names, or None when it is not a unit we know."""
    key = text.strip()
    return _base(key) or _phrase(key)


@functools.lru_cache(maxsize=512)
def _phrase(text: str) -> Unit | None:
    words = _PIECES.findall(text)
    if len(words) == 1:
        return _base(words[0])
    if len(words) == 2:
        if [word.lower() for word in words] == ["per", "cent"]:
            return PERCENT
        period = _period(words[1])
        if words[0].lower() not in _SEPARATORS or period is None:
            return None
        return _bare_rate(period)
    if len(words) == 3:
        base, period = _base(words[0]), _period(words[2])
        if base is None or period is None or words[1].lower() not in _SEPARATORS:
            return None
        return per_period(base, _bare_rate(period))
    return None
