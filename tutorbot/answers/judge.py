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
from typing import Any, NamedTuple

from tutorbot.answers.reader import Ambiguous, Reading, Unreadable, read_number
from tutorbot.answers.slips import Case, find_slip
from tutorbot.answers.text import judge_text
from tutorbot.answers.units import Unit, parse_unit
from tutorbot.content.models import Checkpoint, NumberAnswer, TextAnswer

log = logging.getLogger(__name__)

PERCENT_KIND = "percent"
DEFAULT_RELATIVE = Fraction(1, 100)
"""Estimates within 1% of the expected figure are right."""


class Verdict(NamedTuple):
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
    if verdict.correct:
        return Verdict(True, verdict.read_as, None, f"✅ {verdict.message}", False)
    return Verdict(False, verdict.read_as, "missing_idea", verdict.message, True)


def _judge_number(checkpoint: Checkpoint, answer: NumberAnswer, text: str) -> Verdict:
    try:
        reading = read_number(text)
    except Ambiguous as error:
        return Verdict(False, "", "ambiguous", str(error), True)
    except Unreadable as error:
        return Verdict(False, "", None, str(error), True)

    expect = _expectation(checkpoint, answer)
    read_as = _read_as(reading, expect.unit)
    value = in_unit(reading, expect.unit)
    if value is None:
        message = _unit_mismatch(reading, expect.unit)
        return Verdict(False, read_as, "wrong_unit", message, True)
    if expect.accepts(value):
        return Verdict(True, read_as, None, f"✅ Correct: {read_as}.", False)

    slip = find_slip(Case(value, expect.expected, answer.count, expect.unit, expect.factors))
    foreseen = next((message for wrong, message in expect.mistakes
                     if expect.accepts(value, around=wrong)), None)
    # The catalogue names the kind of slip; the author's words, when they
    # foresaw this very answer, explain it best.
    name = slip.name if slip else ("foreseen" if foreseen else None)
    feedback = foreseen or (slip.message if slip else "Not quite — try again, or ask "
                            "for a hint.")
    return Verdict(False, read_as, name, f"I read {read_as}. {feedback}", True)


@dataclass(frozen=True)
class _Expectation:
    """What a numeric checkpoint accepts, prepared once: figures in its unit."""

    expected: Fraction
    unit: Unit | None
    bound: Fraction
    factors: tuple[tuple[str, float], ...]
    mistakes: tuple[tuple[Fraction, str], ...]

    def accepts(self, value: Fraction, around: Fraction | None = None) -> bool:
        """Whether `value` lies within the bound of the expected figure (or `around`)."""
        centre = self.expected if around is None else around
        # |a/b - c/d| <= p/q, cross-multiplied so no Fraction is built per answer.
        a, b = value.numerator, value.denominator
        c, d = centre.numerator, centre.denominator
        p, q = self.bound.numerator, self.bound.denominator
        return abs(a * d - c * b) * q <= p * b * d


_PREPARED: dict[int, tuple[NumberAnswer, _Expectation]] = {}


def _expectation(checkpoint: Checkpoint, answer: NumberAnswer) -> _Expectation:
    """The prepared expectation, cached by the answer object (content is frozen)."""
    cached = _PREPARED.get(id(answer))
    if cached is not None and cached[0] is answer:
        return cached[1]
    unit = parse_unit(answer.unit) if answer.unit else None
    expected = Fraction(answer.value)
    mistakes = []
    for mistake in checkpoint.mistakes:
        try:
            wrong = in_unit(read_number(mistake.answer), unit)
        except (Unreadable, Ambiguous):
            continue
        if wrong is not None:
            mistakes.append((wrong, mistake.message))
    prepared = _Expectation(
        expected, unit, _bound(answer, expected, unit),
        tuple((name, float(f)) for name, f in answer.factors.items()), tuple(mistakes),
    )
    _PREPARED[id(answer)] = (answer, prepared)
    return prepared


def _bound(answer: NumberAnswer, expected: Fraction, unit: Unit | None) -> Fraction:
    """How far from the expected figure an answer may be: the checkpoint's
    tolerance, or the default that suits its kind."""
    tolerance = answer.tolerance
    if tolerance is not None and tolerance.absolute is not None:
        return Fraction(tolerance.absolute)
    if tolerance is not None and tolerance.relative is not None:
        return Fraction(tolerance.relative) * abs(expected)
    if answer.count:
        return Fraction(0)
    if unit is not None and unit.kind == PERCENT_KIND:
        return _half_last_place(answer)
    return DEFAULT_RELATIVE * abs(expected)


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
    value = reading.value
    if given.factor != unit.factor:
        value = value * given.factor / unit.factor
    if given.per is not None and unit.per is not None and given.per != unit.per:
        value = value * unit.per / given.per
    return value


def _half_last_place(answer: NumberAnswer) -> Fraction:
    """Half a unit in the last decimal the figure is written with: 99.7 → 0.05."""
    exponent = answer.value.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return Fraction(1, 2 * 10**places)


def _read_as(reading: Reading, unit: Unit | None) -> str:
    """How we read it, in the question's unit when the learner gave none."""
    if reading.unit is None and unit is not None:
        return Reading(reading.value, unit, reading.approximate).shown()
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
