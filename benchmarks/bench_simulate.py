"""Benchmark: simulating each tutorial's reference design, against judging its tiers.

Both run over the same design in the same process, so the ratio holds on a noisy
shared machine. The issue's budget is 1 ms a simulation.
Run:  python benchmarks/bench_simulate.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from tutorbot.content import load_content
from tutorbot.content.models import Catalogue, Tutorial
from tutorbot.design import commands, tiers
from tutorbot.design.graph import Design
from tutorbot.design.simulate import Failure, simulate

BUDGET_MS = 1.0


def reference(tutorial: Tutorial, catalogue: Catalogue) -> Design:
    design = Design()
    palette = commands.Palette.for_tutorial(catalogue, tutorial)
    for line in commands.commands_for(tutorial.reference):
        commands.run(design, palette, line)
    return design


def timings(run: Callable[[], object], rounds: int) -> list[float]:
    """Each call's time over `rounds` calls, after one warm-up call."""
    run()
    found = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        found.append(time.perf_counter() - start)
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()

    content = load_content()
    worst = 0.0
    for tutorial in content.tutorials.values():
        worst = max(worst, measure(tutorial, content.catalogue, args.rounds))
    verdict = "within" if worst * 1000 < BUDGET_MS else "OVER"
    print(f"slowest median simulation: {worst * 1e6:.0f} µs, "
          f"{verdict} the {BUDGET_MS:g} ms budget")


def measure(tutorial: Tutorial, catalogue: Catalogue, rounds: int) -> float:
    """Print one tutorial's figures; return its median simulation time."""
    design = reference(tutorial, catalogue)
    busiest = max(design.nodes, key=lambda node: node.count).id
    normal = timings(lambda: simulate(design, tutorial, catalogue), rounds)
    failing = timings(lambda: simulate(design, tutorial, catalogue, peak=True,
                                       fail=Failure(busiest, 1)), rounds)
    judged = timings(lambda: tiers.evaluate(design, tutorial.tiers, catalogue), rounds)
    median = statistics.median(normal)
    print(f"{tutorial.id} ({len(design.nodes)} nodes, {len(design.edges)} edges):")
    print(f"  simulate, normal: best {normal[0] * 1e6:.0f} µs, p50 {median * 1e6:.0f} µs, "
          f"p99 {normal[int(len(normal) * 0.99)] * 1e6:.0f} µs")
    print(f"  simulate, peak with one {busiest} failed (two runs inside): "
          f"p50 {statistics.median(failing) * 1e6:.0f} µs")
    print(f"  tiers.evaluate: p50 {statistics.median(judged) * 1e6:.0f} µs")
    print(f"  ratio simulate / tiers.evaluate: {median / statistics.median(judged):.1f}x")
    return median


if __name__ == "__main__":
    main()
