"""The catalogue of back-of-envelope slips, applied to every wrong numeric answer.

Each slip is a named relation between the learner's figure and the expected one:
rounding a count down or not at all, a fraction where a percentage was asked,
a figure off by 1,000 or 1,024, by a day's seconds, by a factor the question
names (peak, headroom, replication), or turned upside down. The first slip that
fits names the mistake; its message teaches without giving the figure away.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from tutorbot.answers.units import Unit

NEAR = 0.02
"""A slip is recognised when the figure is within 2% of what the slip would give."""


@dataclass(slots=True)
class Case:
    """A wrong figure, in the question's unit, beside the expected one.

    `ratio` is figure ÷ expected, computed exactly and rounded once to a float:
    every test in the catalogue asks whether that ratio is near some factor,
    and 2% is far coarser than a float's error. `factors` are the question's
    named multipliers (peak, headroom, ...), as floats for the same reason.
    """

    value: Fraction
    expected: Fraction
    count: bool
    unit: Unit | None
    factors: tuple[tuple[str, float], ...] = ()
    ratio: float = field(init=False)
    expected_float: float = field(init=False)

    def __post_init__(self) -> None:
        a, b = self.value.numerator, self.value.denominator
        c, d = self.expected.numerator, self.expected.denominator
        try:
            self.ratio = (a * d) / (b * c) if c else (0.0 if a == 0 else math.inf)
            self.expected_float = c / d
        except OverflowError:  # beyond any slip's reach
            self.ratio, self.expected_float = math.inf, math.inf


@dataclass(frozen=True)
class Slip:
    name: str
    message: str


def find_slip(case: Case) -> Slip | None:
    """The first slip in the catalogue that explains the figure, if any."""
    for test in _CATALOGUE:
        slip = test(case)
        if slip is not None:
            return slip
    return None


def _near(case: Case, factor: float) -> bool:
    """Whether the figure is within 2% of the expected one × `factor`."""
    return abs(case.ratio - factor) <= NEAR * factor


def _thing(case: Case) -> str:
    """'server' for a question in servers; 'whole one' when it has no label."""
    if case.unit is None or case.unit.kind != "count" or not case.unit.symbol.isalpha():
        return "whole one"
    return case.unit.symbol.removesuffix("s")


def _not_rounded(case: Case) -> Slip | None:
    if not case.count or case.value.denominator == 1:
        return None
    if math.ceil(case.value) == case.expected:
        return Slip("not_rounded", f"You can't run a fraction of a {_thing(case)} — round "
                                   "up to the next whole number.")
    if math.floor(case.value) == case.expected:
        return Slip("not_rounded", "Counts are whole numbers — decide whether your figure "
                                   "rounds up or down, and remember that capacity must cover "
                                   "the load.")
    return None


def _rounded_down(case: Case) -> Slip | None:
    if case.count and case.value.denominator == 1 and case.value == case.expected - 1:
        return Slip("rounded_down", f"Close — but rounding down leaves part of the load "
                                    f"with no {_thing(case)} to serve it. Round up.")
    return None


def _percent_fraction(case: Case) -> Slip | None:
    percent_asked = case.unit is not None and case.unit.kind == "percent"
    if percent_asked and _near(case, 0.01):
        return Slip("percent_fraction", "That looks like a fraction; the question asks for a "
                                        "percentage — multiply by 100.")
    if not percent_asked and case.expected <= 1 and _near(case, 100):
        return Slip("percent_fraction", "That looks like a percentage; the question asks for "
                                        "a fraction between 0 and 1 — divide by 100.")
    return None


_FACTOR_NAMES = {
    "peak": ("the peak factor", "size for the peak, not the average"),
    "headroom": ("the headroom", "leave room for spikes and deployments"),
    "replication": ("the replication factor", "every copy takes space"),
    "online_ratio": ("the share of users online", "only some users are connected at once"),
    "read_ratio": ("the share of reads", "apply it to the total traffic"),
}


def _named_factor(case: Case) -> Slip | None:
    for name, factor in case.factors:
        if factor in (0.0, 1.0):
            continue
        if _near(case, 1 / factor):
            what, why = _factor_words(name)
            return Slip(f"forgot_{name}", f"It looks like you left out {what} "
                                          f"(×{factor:g}) — {why}.")
        if _near(case, factor):
            what, _ = _factor_words(name)
            return Slip(f"twice_{name}", f"It looks like {what} (×{factor:g}) went in twice.")
    return None


def _factor_words(name: str) -> tuple[str, str]:
    return _FACTOR_NAMES.get(name, (name.replace("_", " "), "check where it applies"))


def _ratio_slip(
    name: str, factors: tuple[int, ...], message: str
) -> Callable[[Case], Slip | None]:
    slip = Slip(name, message)
    targets = tuple(target for factor in factors for target in (factor, 1 / factor))

    def test(case: Case) -> Slip | None:
        for target in targets:
            if _near(case, target):
                return slip
        return None
    return test


def _reciprocal(case: Case) -> Slip | None:
    # 1/figure near expected means figure × expected near 1: ratio × expected² near 1.
    scale = case.expected_float * case.expected_float
    if scale not in (0.0, 1.0) and abs(case.ratio * scale - 1) <= NEAR:
        return Slip("reciprocal", "That's upside down — divide the other way round.")
    return None


_CATALOGUE: tuple[Callable[[Case], Slip | None], ...] = (
    _not_rounded,
    _rounded_down,
    _percent_fraction,
    _named_factor,
    _ratio_slip("per_day_per_second", (86_400, 100_000),
                "That's off by a day's worth of seconds (86,400, or 100k rounded) — "
                "a per-day figure where a per-second one belongs, or the reverse?"),
    _ratio_slip("per_month_per_day", (30,),
                "That's off by about 30 — a per-month figure where a per-day one belongs, "
                "or the reverse?"),
    _ratio_slip("off_by_thousand", (1_000, 1_000_000),
                "That's off by a factor of 1,000 — check the units (KB, MB, GB) and the "
                "k/M suffixes."),
    _ratio_slip("binary_decimal", (1_024,),
                "That's off by 1,024 — mixing binary (KiB) and decimal (KB) units?"),
    _reciprocal,
    _ratio_slip("off_by_ten", (10, 100),
                "That's off by a factor of ten — check the decimal point and the zeros."),
)
