"""Formulas in content: exact values from constants, and nothing else allowed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tutorbot.content.formulas import FormulaError, evaluate

CONSTANTS = {
    "read_qps": Decimal("9500"),
    "write_qps": Decimal("500"),
    "cdn_hit": Decimal("0.9"),
    "capacity": Decimal("200"),
}

VALUES = [
    ("read_qps + write_qps", "10000"),
    ("(read_qps + write_qps) * (1 - cdn_hit)", "1000"),
    ("ceiling((read_qps * (1 - cdn_hit) + write_qps) / capacity)", "8"),
    ("floor(read_qps / capacity)", "47"),
    ("max(read_qps, write_qps) - min(read_qps, write_qps)", "9000"),
    ("0.999 ** 3", "0.997002999"),
    ("10**9 / 10**6", "1000"),
    ("-write_qps + 1_000", "500"),
    ("1 / 3", "0.333333333333"),
]


@pytest.mark.parametrize(("formula", "expected"), VALUES)
def test_formulas_compute_exact_values(formula: str, expected: str) -> None:
    value = evaluate(formula, CONSTANTS)

    assert value == Decimal(expected)


REFUSED = [
    ("__import__('os').getcwd()", "not allowed"),
    ("().__class__", "not allowed"),
    ("read_qps.real", "not allowed"),
    ("lambda: 1", "not allowed"),
    ("[1, 2]", "not allowed"),
    ("read_qpz * 2", "unknown constant 'read_qpz'"),
    ("2 ** 1000", "powers must be whole numbers up to 64"),
    ("2 ** 0.5", "powers must be whole numbers"),
    ("read_qps / (write_qps - 500)", "division by zero"),
    ("0 ** -1", "division by zero"),
    ("print(1)", "not allowed"),
    ("1 +", "not a formula"),
    ("1" * 400, "at most 300 characters"),
    ("True + 1", "not allowed"),
]


@pytest.mark.parametrize(("formula", "fragment"), REFUSED)
def test_formulas_outside_the_whitelist_are_refused(formula: str, fragment: str) -> None:
    with pytest.raises(FormulaError) as caught:
        evaluate(formula, CONSTANTS)

    assert fragment in str(caught.value)
