"""Judging one answer to one checkpoint: the verdict every frontend shows.

A number is read safely (`reader`), brought into the checkpoint's unit, and
compared within the checkpoint's tolerance. A wrong figure is then matched
against the author's foreseen mistakes and the catalogue of back-of-envelope
slips (`slips`), so the reply names the mistake instead of only saying "no".
Short text answers go to `text`. Nothing raises out of `judge`.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from tutorbot.answers.reader import Ambiguous, Reading, Unreadable, read_number
from tutorbot.answers.slips import Case, find_slip
from tutorbot.answers.text import judge_text
from tutorbot.answers.units import Unit, parse_unit
from tutorbot.content.models import Checkpoint, NumberAnswer, TextAnswer

log = logging.getLogger(__name__)

PERCENT_KIND = "percent"
DEFAULT_RELATIVE = Fraction(1, 100)
"""Estimates within 1% of the expected figure are right."""


@dataclass(frozen=True)
class Verdict:
    """What to tell the learner about one answer."""

    correct: bool
    read_as: str
    slip: str | None
    message: str
    retry: bool

    def as_json(self) -> dict[str, Any]:
        return {"correct": self.correct, "read_as": self.read_as, "slip": self.slip,
                "message": self.message}


def judge(checkpoint: Checkpoint, text: str) -> Verdict:
    """The verdict on `text` as an answer to `checkpoint`; never raises."""
    try:
        if isinstance(checkpoint.answer, TextAnswer):
            return _judge_text(checkpoint.answer, text)
        return _judge_number(checkpoint, checkpoint.answer, text)
    except Exception:  # the boundary: a bug here must not reach a learner
        log.exception("judging an answer to %s failed", checkpoint.id)
        return Verdict(False, "", None, "Sorry, I couldn't check that answer just now. "
                       "Please try again, or ask for a hint.", True)


def _judge_text(answer: TextAnswer, text: str) -> Verdict:
    verdict = judge_text(answer, text)
    slip = None if verdict.correct else "missing_idea"
    return Verdict(verdict.correct, verdict.read_as, slip, verdict.message,
                   not verdict.correct)


def _judge_number(checkpoint: Checkpoint, answer: NumberAnswer, text: str) -> Verdict:
    try:
        reading = read_number(text)
    except Ambiguous as error:
        return Verdict(False, "", "ambiguous", str(error), True)
    except Unreadable as error:
        return Verdict(False, "", None, str(error), True)

    unit = expected_unit(answer.unit)
    read_as = _read_as(reading, unit)
    value = in_unit(reading, unit)
    if value is None:
        return Verdict(False, read_as, "wrong_unit", _unit_mismatch(reading, unit), True)

    expected = Fraction(answer.value)
    if is_close(value, expected, answer, unit):
        return Verdict(True, read_as, None, f"✅ Correct: {read_as}.", False)

    case = Case(value=value, expected=expected, count=answer.count, unit=unit,
                factors={name: Fraction(f) for name, f in answer.factors.items()})
    slip = find_slip(case)
    foreseen = _foreseen(checkpoint, answer, unit, value)
    # The catalogue names the kind of slip; the author's words, when they
    # foresaw this very answer, explain it best.
    name = slip.name if slip else ("foreseen" if foreseen else None)
    feedback = foreseen or (slip.message if slip else "Not quite — try again, or ask "
                            "for a hint.")
    return Verdict(False, read_as, name, f"I read {read_as}. {feedback}", True)


@lru_cache(maxsize=64)
def expected_unit(symbol: str | None) -> Unit | None:
    """The checkpoint's unit; content check guarantees it parses."""
    return parse_unit(symbol) if symbol else None


def in_unit(reading: Reading, unit: Unit | None) -> Fraction | None:
    """The reading's value in `unit`, or None when the units cannot be compared.

    A bare number is taken to be in the question's unit. A rate's period only
    converts when both sides state one ("750 GB/day" answers a question in GB).
    """
    given = reading.unit
    if given is None:
        return reading.value
    if unit is None:
        return reading.value * given.factor if given.kind == "count" else None
    if given.kind != unit.kind:
        if not (given.kind == "count" and given.symbol.startswith("/")):
            return None
        given = dataclasses.replace(unit, per=given.per)  # "225k per month" for $/month
    value = reading.value * given.factor / unit.factor
    if given.per is not None and unit.per is not None:
        value = value * unit.per / given.per
    return value


def is_close(value: Fraction, expected: Fraction, answer: NumberAnswer,
             unit: Unit | None) -> bool:
    """Within the checkpoint's tolerance, or the default that suits its kind."""
    tolerance = answer.tolerance
    if tolerance is not None and tolerance.absolute is not None:
        return abs(value - expected) <= Fraction(tolerance.absolute)
    if tolerance is not None and tolerance.relative is not None:
        return abs(value - expected) <= Fraction(tolerance.relative) * abs(expected)
    if answer.count:
        return value == expected
    if unit is not None and unit.kind == PERCENT_KIND:
        return abs(value - expected) <= _half_last_place(answer)
    return abs(value - expected) <= DEFAULT_RELATIVE * abs(expected)


def _half_last_place(answer: NumberAnswer) -> Fraction:
    """Half a unit in the last decimal the figure is written with: 99.7 → 0.05."""
    exponent = answer.value.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return Fraction(1, 2 * 10**places)


def _read_as(reading: Reading, unit: Unit | None) -> str:
    """How we read it, in the question's unit when the learner gave none."""
    if reading.unit is None and unit is not None and unit.kind != "count":
        return dataclasses.replace(reading, unit=unit).shown()
    return reading.shown()


def _unit_mismatch(reading: Reading, unit: Unit | None) -> str:
    given = reading.unit
    assert given is not None  # a bare number always converts
    wanted = "a plain number" if unit is None else _KIND_NAMES[unit.kind] + f" ({unit.symbol})"
    return (f"I read {reading.shown()}, which is {_KIND_NAMES[given.kind]}, but this "
            f"question asks for {wanted}.")


_KIND_NAMES = {
    "count": "a number of things",
    "percent": "a percentage",
    "data": "a data size",
    "time": "a duration",
    "money": "an amount of money",
}


def _foreseen(checkpoint: Checkpoint, answer: NumberAnswer, unit: Unit | None,
              value: Fraction) -> str | None:
    """The author's own message for this wrong answer, if they foresaw it."""
    for mistake in checkpoint.mistakes:
        try:
            reading = read_number(mistake.answer)
        except (Unreadable, Ambiguous):
            continue
        foreseen = in_unit(reading, unit)
        if foreseen is not None and is_close(value, foreseen, answer, unit):
            return mistake.message
    return None
