"""Reading learners' numbers: every form they write, how we show it, and what we refuse."""

# Learners write ≈, ×, ÷ and the minus sign; the cases keep them on purpose.

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import pytest

from tutorbot.answers.reader import Ambiguous, Reading, Unreadable, _read, read_number
from tutorbot.answers.units import parse_unit
from tutorbot.errors import InputError

F = Fraction

READINGS: list[tuple[str, Fraction, str | None, bool]] = [
    # (answer, value in the unit as written, unit symbol, approximate?)
    # Plain numbers, separators and decimals.
    ("5", F(5), None, False),
    ("0", F(0), None, False),
    ("11250", F(11250), None, False),
    ("11,250", F(11250), None, False),
    ("11 250", F(11250), None, False),
    ("11\u2009250", F(11250), None, False),  # thin space
    ("11\u202f250", F(11250), None, False),  # narrow no-break space
    ("11\u00a0250", F(11250), None, False),  # no-break space
    ("11_250", F(11250), None, False),
    ("1,000,000", F(10**6), None, False),
    ("1 000 000", F(10**6), None, False),
    ("1,50,000", F(150000), None, False),  # lakh grouping
    ("12,345.678", F(12345678, 1000), None, False),
    ("0.997", F(997, 1000), None, False),
    (".5", F(1, 2), None, False),
    ("5.", F(5), None, False),
    ("11250.0", F(11250), None, False),
    ("-5", F(-5), None, False),
    ("\u22125", F(-5), None, False),  # the minus sign
    ("+5", F(5), None, False),
    ("５", F(5), None, False),  # fullwidth
    ("１１,２５０", F(11250), None, False),
    ("٥", F(5), None, False),  # Arabic-Indic digit
    # Magnitudes.
    ("11.25k", F(11250), None, False),
    ("11.25K", F(11250), None, False),
    ("11.25 k", F(11250), None, False),
    ("1.2M", F(1200000), None, False),
    ("1.2 M", F(1200000), None, False),
    ("5B", F(5 * 10**9), None, False),  # attached B is a billion
    ("1.2bn", F(12 * 10**8), None, False),
    ("1.2 bn", F(12 * 10**8), None, False),
    ("5 thousand", F(5000), None, False),
    ("1.5 million", F(1500000), None, False),
    ("2 billion", F(2 * 10**9), None, False),
    ("3 trillion", F(3 * 10**12), None, False),
    ("2 hundred", F(200), None, False),
    ("5m users", F(5 * 10**6), "users", False),  # m before a unit can only be million
    # Scientific notation.
    ("1e4", F(10000), None, False),
    ("1E-3", F(1, 1000), None, False),
    ("2.5e3", F(2500), None, False),
    ("1e+4", F(10000), None, False),
    ("1e100", F(10**100), None, False),
    ("3x10^8", F(3 * 10**8), None, False),
    ("3×10^8", F(3 * 10**8), None, False),
    ("3*10^8", F(3 * 10**8), None, False),
    ("3·10^8", F(3 * 10**8), None, False),
    ("3 × 10⁸", F(3 * 10**8), None, False),  # superscripts are powers, not digits
    ("10⁻³", F(1, 1000), None, False),
    # Expressions.
    ("1000/200", F(5), None, False),
    ("2^10", F(1024), None, False),
    ("2**10", F(1024), None, False),
    ("3 × 4", F(12), None, False),
    ("3 x 4", F(12), None, False),
    ("3 X 4", F(12), None, False),
    ("12 ÷ 4", F(3), None, False),
    ("0.999^3", F(997002999, 10**9), None, False),
    ("(1 - 0.85) × 112500", F(16875), None, False),
    ("22500*1.5/1000", F(135, 4), None, False),
    ("-2^2", F(-4), None, False),
    ("2^-1", F(1, 2), None, False),
    ("2^3^2", F(512), None, False),
    ("5 - -5", F(10), None, False),
    ("((((5))))", F(5), None, False),
    ("20/3", F(20, 3), None, False),
    ("1½", F(3, 2), None, False),
    ("ten/two", F(5), None, False),
    # Number words.
    ("five", F(5), None, False),
    ("twelve", F(12), None, False),
    ("zero", F(0), None, False),
    ("Twenty", F(20), None, False),
    ("twenty-five", F(25), None, False),
    ("twenty five", F(25), None, False),
    ("ninety-nine", F(99), None, False),
    ("a hundred", F(100), None, False),
    ("one hundred and five", F(105), None, False),
    ("a thousand", F(1000), None, False),
    ("five thousand", F(5000), None, False),
    ("twelve thousand five hundred", F(12500), None, False),
    ("a million", F(10**6), None, False),
    ("seven servers", F(7), "servers", False),
    # Percent.
    ("99.7%", F(997, 10), "%", False),
    ("99.7 %", F(997, 10), "%", False),
    ("99.7 percent", F(997, 10), "%", False),
    ("99.7 per cent", F(997, 10), "%", False),
    ("５％", F(5), "%", False),
    ("100% - 0.3%", F(997, 10), "%", False),  # percents added stay percent
    ("20% × 5000", F(1000), None, False),  # a percent of something is hundredths
    ("1 - 0.3%", F(997, 1000), None, False),
    ("5% per year", F(5), "%/year", False),
    # Approximate.
    ("≈ 6.67", F(667, 100), None, True),
    ("≈6.67", F(667, 100), None, True),
    ("~6.67", F(667, 100), None, True),
    ("about 9500", F(9500), None, True),
    ("About 9500", F(9500), None, True),
    ("around 10k", F(10000), None, True),
    ("roughly 5", F(5), None, True),
    ("approx 5", F(5), None, True),
    ("approx. 5", F(5), None, True),
    ("approximately 5", F(5), None, True),
    ("= 5", F(5), None, False),
    ("= ~5", F(5), None, True),
    # Trailing punctuation.
    ("5!", F(5), None, False),
    ("7 servers.", F(7), "servers", False),
    ("1.5x", F(3, 2), None, False),  # a factor
    # Units.
    ("7 servers", F(7), "servers", False),
    ("1 server", F(1), "servers", False),
    ("34 instances", F(34), "instances", False),
    ("3 replicas", F(3), "replicas", False),
    ("5 partitions", F(5), "partitions", False),
    ("12 shards", F(12), "shards", False),
    ("3 workers", F(3), "workers", False),
    ("120K connections", F(120000), "connections", False),
    ("750 GB", F(750), "GB", False),
    ("750GB", F(750), "GB", False),
    ("750 gb", F(750), "GB", False),
    ("0.75 TB", F(3, 4), "TB", False),
    ("11.25k GB", F(11250), "GB", False),
    ("5 B", F(5), "B", False),  # spaced B is bytes
    ("5KB", F(5), "KB", False),
    ("512 MiB", F(512), "MiB", False),
    ("125 GB/day", F(125), "GB/day", False),
    ("22 minutes", F(22), "min", False),
    ("50ms", F(50), "ms", False),
    ("30 days", F(30), "days", False),
    # Rates.
    ("about 9500 QPS", F(9500), "QPS", True),
    ("11250 qps", F(11250), "QPS", False),
    ("9500 req/s", F(9500), "req/s", False),
    ("9500 requests per second", F(9500), "req/s", False),
    ("9500 per second", F(9500), "/s", False),
    ("9500/s", F(9500), "/s", False),
    ("16,875 queries/sec", F(16875), "queries/s", False),
    ("12.5K msg/s", F(12500), "msg/s", False),
    ("500 RPS", F(500), "RPS", False),
    # Money.
    ("$2,320/mo", F(2320), "USD/month", False),
    ("$2,320 per month", F(2320), "USD/month", False),
    ("$2,320 a month", F(2320), "USD/month", False),
    ("2320 USD/month", F(2320), "USD/month", False),
    ("$225k per month", F(225000), "USD/month", False),
    ("$3,500/mo", F(3500), "USD/month", False),
    ("$18,250", F(18250), "USD", False),
    ("$ 100", F(100), "USD", False),
    ("100 USD", F(100), "USD", False),
    ("USD 100", F(100), "USD", False),
    ("100 dollars", F(100), "USD", False),
    ("$1.2B", F(12 * 10**8), "USD", False),
    ("$0.17 × 730", F(1241, 10), "USD", False),
    ("25 × $100", F(2500), "USD", False),
    ("2.25 cents", F(9, 4), "cents", False),
    ("50¢", F(50), "cents", False),
    ("-$5", F(-5), "USD", False),
    ("5 $", F(5), "USD", False),
    # A unit after a whole sum.
    ("1000 / 200 servers", F(5), "servers", False),
    ("(12 + 23) × $100/mo", F(3500), "USD/month", False),
]

SHOWN: list[tuple[str, str]] = [
    # (answer, as shown after "read as")
    ("11.25k GB", "11,250 GB"),
    ("0.997", "0.997"),
    ("99.7%", "99.7%"),
    ("$2,320/mo", "$2,320/month"),
    ("≈ 6.67", "6.67"),
    ("5", "5"),
    ("1,000,000", "1,000,000"),
    ("-1234.5", "-1,234.5"),
    ("20/3", "6.666667"),
    ("1/3", "0.333333"),
    ("0.00000025", "0.00000025"),
    ("1000000/3", "333,333.333333"),
    ("2^64", "1.84467 × 10^19"),
    ("1e100", "1 × 10^100"),
    ("1e-12", "1 × 10^-12"),
    ("999999.9999999", "999,999.9999999"),
    ("7 servers", "7 servers"),
    ("1 server", "1 server"),
    ("1 query", "1 query"),
    ("1 GB", "1 GB"),
    ("9500 per second", "9,500/s"),
    ("9500 QPS", "9,500 QPS"),
    ("5% per year", "5%/year"),
    ("-$5", "-$5"),
    ("$0.5", "$0.5"),
    ("2.25 cents", "2.25 cents"),
    ("125 GB/day", "125 GB/day"),
]

AMBIGUOUS: list[tuple[str, str]] = [
    # (answer, fragment of the question asked back)
    ("1,5", "Did you mean 1.5 or 15? Write 1.5 with a point, or 15 without the comma."),
    ("12,50", "Did you mean 12.50 or 1250?"),
    ("1,0000", "1.0000 or 10000"),
    ("1,000,5", "1000.5 or 10005"),
    ("0,500", "0.500 or 500"),
    ("3,5 servers", "3.5 or 35"),
    ("5m", "Did you mean 5 million or 5 minutes?"),
    ("5 m", "5 million or 5 minutes"),
    ("2.5m", "2.5 million or 2.5 minutes"),
]

UNREADABLE: list[tuple[str, str]] = [
    # (answer, fragment of the reason)
    ("", "it's empty"),
    ("   ", "it's empty"),
    ("about", "there's no number in it"),
    ("servers", "there's no number before 'servers'"),
    ("a month", "there's no number before 'a month'"),
    ("because", "'because' isn't a number or a unit I know"),
    ("5 because", "'because' isn't a number or a unit I know"),
    ("5 servers please", "'please' isn't a number or a unit I know"),
    ("half", "'half' isn't a number or a unit I know"),
    ("1/0", "can't divide by zero"),
    ("0**-1", "can't divide by zero"),
    ("5 / (3 - 3)", "can't divide by zero"),
    ("9**9**9**9", "powers go up to 64"),
    ("10**10**8", "powers go up to 64"),
    ("2^65", "powers go up to 64"),
    ("99^50", "that power is too large to check"),
    ("2^0.5", "whole-number powers"),
    ("1E310", "the power of ten must be between -100 and 100"),
    ("1e-310", "the power of ten must be between -100 and 100"),
    ("1e99999999999", "the power of ten must be between -100 and 100"),
    ("1" * 31, "has more than 30 digits"),
    ("1" * 5000, "longer than 200 characters"),
    ("(" * 21 + "5" + ")" * 21, "nested more than 20 deep"),
    ("+".join(["1"] * 31), "more than 60 numbers, words and signs"),
    ("1e100 * 1e100 * 1e100", "too large to check"),
    ("factorial(10**7)", "'factorial(10**7)' isn't a number or a unit I know"),
    ("__import__('os')", "isn't a number or a unit I know"),
    ("().__class__", "'(' needs a number after it"),
    ("3 4", "there's nothing between '3' and '4'"),
    ("2(3)", "there's nothing between '2' and '('"),
    ("(5 + 3", "a '(' is never closed"),
    ("5 + 3)", "there's a ')' without a '(' before it"),
    ("5 +", "'+' needs a number after it"),
    ("5 ×", "'×' needs a number after it"),
    ("5 x servers", "'x' isn't a number or a unit I know"),
    ("7 servers × 150", "the unit 'servers' comes before the end"),
    ("1.2.3", "more than one decimal point"),
    ("1,5,3", "I can't tell what the commas in '1,5,3' mean"),
    ("1,5.3", "I can't tell what the commas"),
    ("1_0", "the underscores in '1_0' don't mark thousands"),
    ("1,000_000", "mixes commas and underscores"),
    ("five five", "I can't read 'five five' as a number in words"),
    ("one thousand thousand", "as a number in words"),
    ("$5%", "it has both '$' and '%'"),
    ("$5 servers", "'$' and 'servers' don't go together"),
    ("5% servers", "'%' and 'servers' don't go together"),
    ("(5%)%", "two percent signs"),
    ("5 b", "'b' isn't a number or a unit I know"),
    ("5 €", "'€' isn't a number or a unit I know"),
    ("\x00", "control character (U+0000)"),
    ("5\x07", "control character (U+0007)"),
    ("\u202e5", "invisible text-direction mark (U+202E)"),
    ("5\u200f", "invisible text-direction mark (U+200F)"),
    ("1\u200b000", "invisible character (U+200B)"),
    ("\ufeff5", "invisible character (U+FEFF)"),
    ("🎉", "only emoji or symbols"),
    ("👍🏽", "only emoji or symbols"),
    ("👨‍👩‍👧", "only emoji or symbols"),
    ("5 🎉", "'🎉' isn't a number or a unit I know"),
    ("\ud800", "a character I can't read (U+D800)"),
]


def _symbol(reading: Reading) -> str | None:
    return None if reading.unit is None else reading.unit.symbol


@pytest.mark.parametrize(("text", "value", "symbol", "approximate"), READINGS)
def test_answers_read_as_written(
    text: str, value: Fraction, symbol: str | None, approximate: bool
) -> None:
    reading = read_number(text)

    assert (reading.value, _symbol(reading), reading.approximate) == (
        value, symbol, approximate,
    )


@pytest.mark.parametrize(("text", "value", "symbol", "approximate"), READINGS)
def test_full_path_reads_the_same_as_the_fast_path(
    text: str, value: Fraction, symbol: str | None, approximate: bool
) -> None:
    reading = _read(text)

    assert reading == read_number(text)


def test_values_are_exact_fractions() -> None:
    reading = read_number("0.1 + 0.2")

    assert reading.value == Fraction(3, 10)
    assert type(reading.value) is Fraction


@pytest.mark.parametrize(("text", "shown"), SHOWN)
def test_shown_is_how_we_read_it(text: str, shown: str) -> None:
    reading = read_number(text)

    assert reading.shown() == shown


def test_shown_takes_a_unit_given_later() -> None:
    reading = read_number("750")
    unit = parse_unit("GB")

    shown = reading._replace(unit=unit).shown()

    assert shown == "750 GB"


@pytest.mark.parametrize(("text", "fragment"), AMBIGUOUS)
def test_ambiguous_answers_are_asked_back(text: str, fragment: str) -> None:
    with pytest.raises(Ambiguous) as raised:
        read_number(text)

    assert fragment in str(raised.value)
    assert isinstance(raised.value, InputError)


def test_ambiguity_carries_both_meanings() -> None:
    with pytest.raises(Ambiguous) as raised:
        read_number("1,5")

    assert raised.value.meanings == ("1.5", "15")
    assert raised.value.written == "1,5"


@pytest.mark.parametrize(("text", "fragment"), UNREADABLE)
def test_unreadable_answers_say_why(text: str, fragment: str) -> None:
    with pytest.raises(Unreadable) as raised:
        read_number(text)

    message = str(raised.value)
    assert message.startswith("I couldn't read that as a number: ")
    assert fragment in message
    assert "\n" not in message
    assert isinstance(raised.value, InputError)


def test_reason_is_the_message_without_its_opening() -> None:
    with pytest.raises(Unreadable) as raised:
        read_number("1/0")

    assert raised.value.reason == "can't divide by zero"


def test_long_learner_text_is_cut_short_in_messages() -> None:
    with pytest.raises(Unreadable) as raised:
        read_number("5 " + "x" * 150)

    assert len(str(raised.value)) < 100


def test_reading_loads_no_heavy_library() -> None:
    probe = ("import sys, tutorbot.answers.reader, tutorbot.answers.units; "
             "print(sorted({'sympy', 'pydantic', 'rapidfuzz', 'yaml'} & set(sys.modules)))")

    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, timeout=60)

    assert result.stdout.strip() == "[]"
