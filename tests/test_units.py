"""The unit table: every spelling learners and content use, its kind, factor and period."""

from __future__ import annotations

from fractions import Fraction

import pytest

from tutorbot.answers.units import (
    PERCENT,
    USD,
    Kind,
    Unit,
    is_unit_word,
    parse_unit,
    per_period,
)

MONTH = Fraction(730 * 3600)
YEAR = Fraction(365 * 86400)

UNITS: list[tuple[str, str, Kind, Fraction, Fraction | None]] = [
    # (text, symbol, kind, factor, per)
    # Data, decimal and binary, in symbols and words.
    ("B", "B", "data", Fraction(1), None),
    ("byte", "B", "data", Fraction(1), None),
    ("bytes", "B", "data", Fraction(1), None),
    ("KB", "KB", "data", Fraction(10**3), None),
    ("kB", "KB", "data", Fraction(10**3), None),
    ("kb", "KB", "data", Fraction(10**3), None),
    ("MB", "MB", "data", Fraction(10**6), None),
    ("GB", "GB", "data", Fraction(10**9), None),
    ("gb", "GB", "data", Fraction(10**9), None),
    ("TB", "TB", "data", Fraction(10**12), None),
    ("PB", "PB", "data", Fraction(10**15), None),
    ("KiB", "KiB", "data", Fraction(2**10), None),
    ("MiB", "MiB", "data", Fraction(2**20), None),
    ("GiB", "GiB", "data", Fraction(2**30), None),
    ("TiB", "TiB", "data", Fraction(2**40), None),
    ("PiB", "PiB", "data", Fraction(2**50), None),
    ("gigabytes", "GB", "data", Fraction(10**9), None),
    ("Terabyte", "TB", "data", Fraction(10**12), None),
    ("kilobytes", "KB", "data", Fraction(10**3), None),
    # Durations: a month is 730 hours, a year 365 days.
    ("ms", "ms", "time", Fraction(1, 1000), None),
    ("milliseconds", "ms", "time", Fraction(1, 1000), None),
    ("s", "s", "time", Fraction(1), None),
    ("sec", "s", "time", Fraction(1), None),
    ("seconds", "s", "time", Fraction(1), None),
    ("min", "min", "time", Fraction(60), None),
    ("minutes", "min", "time", Fraction(60), None),
    ("h", "h", "time", Fraction(3600), None),
    ("hr", "h", "time", Fraction(3600), None),
    ("hours", "h", "time", Fraction(3600), None),
    ("day", "days", "time", Fraction(86400), None),
    ("weeks", "weeks", "time", Fraction(7 * 86400), None),
    ("months", "months", "time", MONTH, None),
    ("year", "years", "time", YEAR, None),
    # Money and percent.
    ("$", "USD", "money", Fraction(1), None),
    ("USD", "USD", "money", Fraction(1), None),
    ("usd", "USD", "money", Fraction(1), None),
    ("dollars", "USD", "money", Fraction(1), None),
    ("cents", "cents", "money", Fraction(1, 100), None),
    ("¢", "cents", "money", Fraction(1, 100), None),
    ("%", "%", "percent", Fraction(1, 100), None),
    ("percent", "%", "percent", Fraction(1, 100), None),
    ("pct", "%", "percent", Fraction(1, 100), None),
    ("per cent", "%", "percent", Fraction(1, 100), None),
    # Counts of things, singular or plural, in any case.
    ("server", "servers", "count", Fraction(1), None),
    ("servers", "servers", "count", Fraction(1), None),
    ("Servers", "servers", "count", Fraction(1), None),
    ("instances", "instances", "count", Fraction(1), None),
    ("replica", "replicas", "count", Fraction(1), None),
    ("partitions", "partitions", "count", Fraction(1), None),
    ("shards", "shards", "count", Fraction(1), None),
    ("workers", "workers", "count", Fraction(1), None),
    ("node", "nodes", "count", Fraction(1), None),
    ("machines", "machines", "count", Fraction(1), None),
    ("connections", "connections", "count", Fraction(1), None),
    ("users", "users", "count", Fraction(1), None),
    ("requests", "requests", "count", Fraction(1), None),
    ("req", "requests", "count", Fraction(1), None),
    ("queries", "queries", "count", Fraction(1), None),
    ("query", "queries", "count", Fraction(1), None),
    ("messages", "messages", "count", Fraction(1), None),
    ("msgs", "messages", "count", Fraction(1), None),
    ("ops", "ops", "count", Fraction(1), None),
    ("writes", "writes", "count", Fraction(1), None),
    ("read", "reads", "count", Fraction(1), None),
    # Rates, by word, by slash, by "per" and by "a".
    ("qps", "QPS", "count", Fraction(1), Fraction(1)),
    ("QPS", "QPS", "count", Fraction(1), Fraction(1)),
    ("rps", "RPS", "count", Fraction(1), Fraction(1)),
    ("RPS", "RPS", "count", Fraction(1), Fraction(1)),
    ("tps", "TPS", "count", Fraction(1), Fraction(1)),
    ("req/s", "req/s", "count", Fraction(1), Fraction(1)),
    ("req/sec", "req/s", "count", Fraction(1), Fraction(1)),
    ("requests per second", "req/s", "count", Fraction(1), Fraction(1)),
    ("msg/s", "msg/s", "count", Fraction(1), Fraction(1)),
    ("queries/sec", "queries/s", "count", Fraction(1), Fraction(1)),
    ("writes per day", "writes/day", "count", Fraction(1), Fraction(86400)),
    ("/s", "/s", "count", Fraction(1), Fraction(1)),
    ("/sec", "/s", "count", Fraction(1), Fraction(1)),
    ("per second", "/s", "count", Fraction(1), Fraction(1)),
    ("per day", "/day", "count", Fraction(1), Fraction(86400)),
    ("/day", "/day", "count", Fraction(1), Fraction(86400)),
    ("/mo", "/month", "count", Fraction(1), MONTH),
    ("/month", "/month", "count", Fraction(1), MONTH),
    ("per month", "/month", "count", Fraction(1), MONTH),
    ("a month", "/month", "count", Fraction(1), MONTH),
    ("an hour", "/h", "count", Fraction(1), Fraction(3600)),
    ("/yr", "/year", "count", Fraction(1), YEAR),
    ("per year", "/year", "count", Fraction(1), YEAR),
    ("GB/day", "GB/day", "data", Fraction(10**9), Fraction(86400)),
    ("GB per day", "GB/day", "data", Fraction(10**9), Fraction(86400)),
    ("$/mo", "USD/month", "money", Fraction(1), MONTH),
    ("USD/month", "USD/month", "money", Fraction(1), MONTH),
    ("dollars a month", "USD/month", "money", Fraction(1), MONTH),
    ("$ per year", "USD/year", "money", Fraction(1), YEAR),
    ("%/year", "%/year", "percent", Fraction(1, 100), YEAR),
    ("  GB  /  day  ", "GB/day", "data", Fraction(10**9), Fraction(86400)),
]

NOT_UNITS = [
    "",
    "   ",
    "b",  # bits, or a slip: not bytes
    "m",  # million or minutes: the reader asks
    "M",  # a magnitude, not a unit
    "k",
    "S",
    "because",
    "servers please",
    "per",
    "per server",
    "GB/GB",
    "qps/day",  # already a rate
    "USD/month/day",
    "per fortnight",
    "5",
    "$5",
    "m/s",
]

# Every unit string the shipped checkpoints declare must parse.
CHECKPOINT_UNITS = [
    "servers", "instances", "shards", "qps", "msg/s", "GB", "percent", "USD/month",
    "minutes", "connections",
]

COMPATIBLE: list[tuple[str, str, bool]] = [
    # (unit asked for, unit written, can they be compared?)
    ("GB", "TB", True),
    ("GB", "GiB", True),
    ("GB", "servers", False),
    ("servers", "instances", True),
    ("percent", "%", True),
    ("percent", "servers", False),  # percent is not a count
    ("servers", "percent", False),
    ("qps", "req/s", True),
    ("qps", "per day", True),
    ("qps", "queries", True),  # the "/s" left off
    ("queries", "qps", False),  # a plain quantity accepts no rate
    ("USD/month", "$", True),
    ("USD/month", "$/yr", True),
    ("USD", "USD/month", False),
    ("GB/day", "GB", True),
    ("GB", "GB/day", False),
    ("minutes", "hours", True),
    ("minutes", "GB", False),
    ("USD", "cents", True),
]


def _parsed(text: str) -> Unit:
    unit = parse_unit(text)
    assert unit is not None, text
    return unit


@pytest.mark.parametrize(("text", "symbol", "kind", "factor", "per"), UNITS)
def test_spellings_parse_to_their_unit(
    text: str, symbol: str, kind: Kind, factor: Fraction, per: Fraction | None
) -> None:
    unit = parse_unit(text)

    assert unit == Unit(symbol, kind, factor, per)


@pytest.mark.parametrize("text", NOT_UNITS)
def test_other_text_is_not_a_unit(text: str) -> None:
    unit = parse_unit(text)

    assert unit is None


@pytest.mark.parametrize("text", CHECKPOINT_UNITS)
def test_checkpoint_units_parse(text: str) -> None:
    unit = parse_unit(text)

    assert unit is not None


@pytest.mark.parametrize(("asked", "written", "expected"), COMPATIBLE)
def test_compatible_follows_kind_and_period(asked: str, written: str, expected: bool) -> None:
    asked_unit, written_unit = _parsed(asked), _parsed(written)

    compatible = asked_unit.compatible(written_unit)

    assert compatible is expected


@pytest.mark.parametrize(
    ("base", "rate", "expected"),
    [
        (USD, "per month", Unit("USD/month", "money", Fraction(1), MONTH)),
        (PERCENT, "/yr", Unit("%/year", "percent", Fraction(1, 100), YEAR)),
        (USD, "servers", None),  # a thing, not a period
        (USD, "qps", None),  # a named rate, not a bare period
        (_parsed("USD/month"), "per day", None),  # already a rate
    ],
)
def test_per_period_joins_a_base_and_a_bare_rate(
    base: Unit, rate: str, expected: Unit | None
) -> None:
    joined = per_period(base, _parsed(rate))

    assert joined == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [("servers", True), ("per", True), ("a", True), ("month", True), ("GB/day", True),
     ("because", False), ("×", False), ("m", False)],
)
def test_unit_words_are_recognised_one_at_a_time(word: str, expected: bool) -> None:
    known = is_unit_word(word)

    assert known is expected
