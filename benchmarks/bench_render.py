"""Benchmark: drawing each tutorial's reference design, after import, against
matplotlib saving an empty figure of the same size; then two of the largest
designs a learner can build, which must flow into columns or wrap their rows.

Both run in the same process on the same machine, so the ratio holds when the
machine is busy. Run:  python benchmarks/bench_render.py [--rounds N]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from sample_designs import chain, wide

from tutorbot.content import load_content
from tutorbot.content.models import Tutorial
from tutorbot.design.commands import Palette, commands_for, run
from tutorbot.design.graph import Design
from tutorbot.render import Overlay, alt_text, render_png, render_text, utilisation_chart

TARGET_MS = 150
LARGE_TARGET_MS = 1000


def reference(tutorial: Tutorial, palette: Palette) -> Design:
    design = Design()
    for command in commands_for(tutorial.reference):
        run(design, palette, command)
    return design


def busy(design: Design) -> Overlay:
    """An overlay touching every node, as a simulation's would, with one instance
    of the first tier that has several down (so every box is drawn tall enough
    for a third line)."""
    load = {node.id: (index % 5) * 0.25 for index, node in enumerate(design.nodes)}
    figures = {node_id: f"{share:.0%} · 1,000 req/s" for node_id, share in load.items()}
    tier = next((node.id for node in design.nodes if node.count > 1), None)
    failed = {tier: 1} if tier else {}
    return Overlay(load, figures, bottleneck=design.nodes[-1].id, failed=failed)


def best(run_once: Callable[[], object], rounds: int) -> float:
    """The fastest of `rounds` runs, in seconds (noise only adds)."""
    found = []
    for _ in range(rounds):
        start = time.perf_counter()
        run_once()
        found.append(time.perf_counter() - start)
    return min(found)


def empty_figure(width: int, height: int) -> Callable[[], bytes]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def save() -> bytes:
        figure = Figure(figsize=(width / 100, height / 100), dpi=100)
        FigureCanvasAgg(figure)
        out = io.BytesIO()
        figure.savefig(out, format="png")
        return out.getvalue()

    return save


def size_of(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    content = load_content()
    started = time.perf_counter()
    import matplotlib.figure  # noqa: F401  (the import is not what we measure)

    print(f"import matplotlib.figure: {(time.perf_counter() - started) * 1e3:.0f} ms")
    first = True
    for tutorial in content.tutorials.values():
        palette = Palette.for_tutorial(content.catalogue, tutorial)
        design = reference(tutorial, palette)
        overlay = busy(design)
        if first:
            start = time.perf_counter()
            render_png(design, content.catalogue)
            print(f"first picture (fonts, networkx): {(time.perf_counter() - start) * 1e3:.0f} ms")
            first = False
        plain = best(partial(render_png, design, content.catalogue), args.rounds)
        loaded = best(partial(render_png, design, content.catalogue, overlay), args.rounds)
        width, height = size_of(render_png(design, content.catalogue, overlay))
        baseline = best(empty_figure(width, height), args.rounds)
        text = best(partial(render_text, design, content.catalogue, overlay), args.rounds)
        alt = best(partial(alt_text, design, content.catalogue, overlay), args.rounds)
        verdict = "ok" if max(plain, loaded) * 1e3 < TARGET_MS else f"over {TARGET_MS} ms"
        print(f"{tutorial.id} ({len(design.nodes)} nodes, {width}×{height} px): "
              f"png {plain * 1e3:.0f} ms, with overlay {loaded * 1e3:.0f} ms ({verdict}); "
              f"empty figure {baseline * 1e3:.0f} ms, ratio {loaded / baseline:.1f}x; "
              f"text {text * 1e3:.2f} ms, alt text {alt * 1e3:.2f} ms")
    for name, design in [("44-deep chain", chain()), ("30-wide fan", wide())]:
        overlay = busy(design)
        plain = best(partial(render_png, design, content.catalogue), max(3, args.rounds // 3))
        loaded = best(partial(render_png, design, content.catalogue, overlay),
                      max(3, args.rounds // 3))
        width, height = size_of(render_png(design, content.catalogue, overlay))
        verdict = "ok" if max(plain, loaded) * 1e3 < LARGE_TARGET_MS else "too slow"
        print(f"{name} ({len(design.nodes)} nodes, {width}×{height} px): "
              f"png {plain * 1e3:.0f} ms, with overlay {loaded * 1e3:.0f} ms ({verdict})")
    rows = [(f"component {index}", index * 0.15) for index in range(12)]
    chart = best(partial(utilisation_chart, rows), args.rounds)
    print(f"utilisation chart, 12 rows: {chart * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
