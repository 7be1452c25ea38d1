"""Formulas in content: an expected answer computed from the tutorial's constants.

A checkpoint may write `formula: ceiling(read_qps / db_read_capacity)` instead of
typing the figure twice. The text is ours, yet it is still never handed to
`sympify` or `eval`: Python's parser gives a tree, only numbers, constants, the
four operations, small powers and a few named functions are allowed in it, and
the value is built from that tree with exact rationals (`fractions.Fraction`:
as exact as sympy here, and it costs nothing to import at start-up).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

MAX_LENGTH = 300
MAX_POWER = 64


class FormulaError(ValueError):
    """A formula we refuse: the message says which part and why."""


def evaluate(formula: str, constants: Mapping[str, Decimal]) -> Decimal:
    """The exact value of `formula` over `constants`, as a Decimal if it has one.

    A value without an exact decimal form (a third, say) is rounded to 12
    significant digits; content should round such figures itself.
    """
    if len(formula) > MAX_LENGTH:
        raise FormulaError(f"a formula may be at most {MAX_LENGTH} characters")
    try:
        tree = ast.parse(formula.strip(), mode="eval")
    except SyntaxError as error:
        raise FormulaError(f"not a formula: {error.msg}") from error
    value = _Builder(formula, constants).build(tree.body)
    return _decimal(value)


def _rounding(direction: Callable[[Fraction], int]) -> Callable[..., Fraction]:
    def rounded(*values: Fraction) -> Fraction:
        if len(values) != 1:
            raise FormulaError("ceiling() and floor() take one value")
        return Fraction(direction(values[0]))

    return rounded


_FUNCTIONS: dict[str, Callable[..., Fraction]] = {
    "ceiling": _rounding(math.ceil), "floor": _rounding(math.floor), "min": min, "max": max,
}


class _Builder:
    """Turns a whitelisted syntax tree into an exact rational."""

    def __init__(self, source: str, constants: Mapping[str, Decimal]) -> None:
        self.source = source
        self.constants = constants

    def build(self, node: ast.expr) -> Fraction:
        match node:
            case ast.Constant(value=int() | float() as number) if not isinstance(number, bool):
                text = ast.get_source_segment(self.source, node) or repr(number)
                return Fraction(text.replace("_", ""))
            case ast.Name(id=name):
                return self._constant(name)
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                return -self.build(operand)
            case ast.UnaryOp(op=ast.UAdd(), operand=operand):
                return self.build(operand)
            case ast.BinOp(left=left, op=op, right=right):
                return self._binary(op, self.build(left), self.build(right))
            case ast.Call(func=ast.Name(id=name), args=args, keywords=[]) if (
                name in _FUNCTIONS and args
            ):
                return _FUNCTIONS[name](*(self.build(arg) for arg in args))
        shown = ast.get_source_segment(self.source, node) or type(node).__name__
        raise FormulaError(
            f"'{shown}' is not allowed; use numbers, constants, + - * / **, "
            f"and {', '.join(_FUNCTIONS)}"
        )

    def _constant(self, name: str) -> Fraction:
        if name not in self.constants:
            known = ", ".join(self.constants) or "none"
            raise FormulaError(f"unknown constant '{name}' (the tutorial has: {known})")
        return Fraction(self.constants[name])

    def _binary(self, op: ast.operator, left: Fraction, right: Fraction) -> Fraction:
        match op:
            case ast.Add():
                return left + right
            case ast.Sub():
                return left - right
            case ast.Mult():
                return left * right
            case ast.Div():
                if right == 0:
                    raise FormulaError("division by zero")
                return left / right
            case ast.Pow() if right.denominator == 1 and abs(right) <= MAX_POWER:
                if left == 0 and right < 0:
                    raise FormulaError("division by zero")
                return left ** int(right)
            case ast.Pow():
                raise FormulaError(f"powers must be whole numbers up to {MAX_POWER}")
        raise FormulaError(f"the operator {type(op).__name__} is not allowed")


def _decimal(value: Fraction) -> Decimal:
    numerator, denominator = value.numerator, value.denominator
    if denominator == 1:
        return Decimal(numerator)
    exact = Decimal(numerator) / Decimal(denominator)
    if exact * denominator == numerator:
        return exact.normalize()
    return round(exact, 12 - exact.adjusted() - 1).normalize()


def resolve_formulas(data: Any) -> Any:
    """Compute `value` for every checkpoint answer of a raw tutorial that has a formula.

    Runs on the mapping read from YAML, before validation, so a computed figure is
    then validated like a typed one. A formula beside a typed value must agree
    with it. Anything not shaped like a tutorial is left for validation to refuse.
    """
    if not isinstance(data, dict) or not isinstance(data.get("constants"), dict):
        return data
    constants = {
        name: Decimal(str(value)) for name, value in data["constants"].items()
        if isinstance(value, int | Decimal) and not isinstance(value, bool)
    }
    for where, answer in _formula_answers(data):
        try:
            value = evaluate(answer["formula"], constants)
        except FormulaError as error:
            raise ValueError(f"{where}.formula: {error}") from error
        typed = answer.get("value")
        if typed is not None and Decimal(str(typed)) != value:
            raise ValueError(f"{where}.formula gives {value}, but its value says {typed}")
        answer["value"] = value
    return data


def _formula_answers(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    lesson = data.get("lesson")
    steps = lesson.get("steps") if isinstance(lesson, dict) else None
    found = []
    for s, step in enumerate(steps if isinstance(steps, list) else []):
        checkpoints = step.get("checkpoints") if isinstance(step, dict) else None
        for c, checkpoint in enumerate(checkpoints if isinstance(checkpoints, list) else []):
            answer = checkpoint.get("answer") if isinstance(checkpoint, dict) else None
            if isinstance(answer, dict) and isinstance(answer.get("formula"), str):
                found.append((f"lesson.steps[{s}].checkpoints[{c}].answer", answer))
    return found
