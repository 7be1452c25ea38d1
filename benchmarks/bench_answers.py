"""Benchmark: judging realistic answers with our evaluator against sympy.sympify.

Both run over the same answers in the same process, so the ratio holds on a
noisy shared machine. Run:  python benchmarks/bench_answers.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

from tutorbot.answers.judge import judge
from tutorbot.answers.reader import read_number
from tutorbot.content import load_content
from tutorbot.content.models import Checkpoint, NumberAnswer

PHRASINGS = (
    "{v}", "{grouped}", "≈ {v}", "about {v}", "{v} {unit}", "{short}", "{half}",
    "{twice}", "{v}.0", "{expr}", "~{grouped} {unit}", "{v} {unit}."
)


def realistic_answers() -> list[tuple[Checkpoint, str]]:
    """Right and wrong figures, phrased the ways learners write, for every numeric
    checkpoint (sympify has nothing to say about short text answers)."""
    cases = []
    for tutorial in load_content().tutorials.values():
        for checkpoint in tutorial.checkpoints():
            answer = checkpoint.answer
            if not isinstance(answer, NumberAnswer):
                continue
            value = answer.value
            fields = {
                "v": format(value, "f"), "grouped": f"{value:,}", "unit": answer.unit or "",
                "short": f"{value / 1000:f}k" if value >= 1000 else format(value, "f"),
                "half": format(value / 2, "f"), "twice": format(value * 2, "f"),
                "expr": f"{value * 4:f} / 4",
            }
            cases += [(checkpoint, text.format(**fields)) for text in PHRASINGS]
    return cases


def best_per_case(cases: list[tuple[Checkpoint, str]], rounds: int) -> list[float]:
    """Each answer's fastest judging time over `rounds` passes (noise only adds)."""
    best = [float("inf")] * len(cases)
    for _ in range(rounds):
        for i, (checkpoint, text) in enumerate(cases):
            start = time.perf_counter()
            judge(checkpoint, text)
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def best_total(run: Callable[[], object], rounds: int,
               before: Callable[[], object] = lambda: None) -> float:
    found = []
    for _ in range(rounds):
        before()
        start = time.perf_counter()
        run()
        found.append(time.perf_counter() - start)
    return min(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    import sympy
    from sympy.core.cache import clear_cache

    cases = realistic_answers() * 10
    texts = [text for _, text in cases]
    ours = sorted(best_per_case(cases, args.rounds))
    reading = best_total(lambda: [_read(text) for text in texts], args.rounds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = best_total(lambda: [_sympify(sympy, text) for text in texts], 3,
                            before=clear_cache)

    per_answer = statistics.fmean(ours)
    sympify_each = theirs / len(texts)
    print(f"answers: {len(texts)} ({len(texts) // 10} distinct, each 10 times)")
    print(f"judge (ours), per answer: mean {per_answer * 1e6:.1f} µs, "
          f"p50 {ours[len(ours) // 2] * 1e6:.1f} µs, "
          f"p99 {ours[int(len(ours) * 0.99)] * 1e6:.1f} µs")
    print(f"read_number (ours), per answer: {reading / len(texts) * 1e6:.1f} µs")
    print(f"sympy.sympify, per answer: {sympify_each * 1e6:.1f} µs")
    print(f"ratio sympify / judge: {sympify_each / per_answer:.0f}x")
    print(f"ratio sympify / read_number: {theirs / reading:.0f}x")
    texts_judged = sorted(best_per_case(text_answers(), args.rounds))
    print(f"judge, short text answers: mean {statistics.fmean(texts_judged) * 1e6:.1f} µs, "
          f"p99 {texts_judged[int(len(texts_judged) * 0.99)] * 1e6:.1f} µs")


def text_answers() -> list[tuple[Checkpoint, str]]:
    """The model answer and a wrong one for every short-text checkpoint."""
    cases = []
    for tutorial in load_content().tutorials.values():
        for checkpoint in tutorial.checkpoints():
            answer = checkpoint.answer
            if not isinstance(answer, NumberAnswer):
                cases += [(checkpoint, answer.answer), (checkpoint, "it makes pages faster")]
    return cases


def _read(text: str) -> object:
    try:
        return read_number(text)
    except Exception:
        return None


def _sympify(sympy: object, text: str) -> object:
    try:
        return sympy.sympify(text)  # type: ignore[attr-defined]
    except Exception:
        return None


if __name__ == "__main__":
    main()
