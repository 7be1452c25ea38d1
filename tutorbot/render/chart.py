"""A bar chart of utilisation, one bar per component, for `simulate` output.

Bars are coloured like the boxes of a loaded picture, a dashed line marks 100%,
and each bar carries its percentage. Bars past three times capacity are cut at
the edge, their figure still written in full.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from tutorbot.render import style
from tutorbot.render.overlay import percent

MAX_ROWS = 30
WIDTH = 7.0
ROW_HEIGHT = 0.32
FRAME_HEIGHT = 0.95
NAME_ROOM = 1.9
"""Inches of the left margin given to component names."""
CEILING = 3.0
"""The widest the axis goes, as a share of capacity."""
FLOOR = 1.25
"""The narrowest: 100% is always on the chart with room to its right."""
SIZE = 8.0


def utilisation_chart(rows: Sequence[tuple[str, float]], *, title: str | None = None) -> bytes:
    """A PNG bar chart of (component, utilisation) rows; 1.0 is 100%."""
    from tutorbot.render import canvas

    shown = list(rows[:MAX_ROWS])
    if len(rows) > MAX_ROWS:
        title = f"{title or 'Utilisation'} (first {MAX_ROWS} of {len(rows):,})"
    height = FRAME_HEIGHT + ROW_HEIGHT * max(len(shown), 1) + (0.3 if title else 0)
    drawing = canvas.blank(WIDTH, height)
    font = canvas.font(SIZE)
    top = 1 - (0.3 + (0.3 if title else 0)) / height
    axes = drawing.add_axes((NAME_ROOM / WIDTH, 0.45 / height, 1 - (NAME_ROOM + 0.55) / WIDTH,
                             top - 0.45 / height))
    if title:
        drawing.text(0.15 / WIDTH, 1 - 0.12 / height, canvas.fit(canvas.drawable(title, ""),
                     SIZE + 2, WIDTH - 0.3), ha="left", va="top", color=style.INK,
                     fontproperties=canvas.font(SIZE + 2), parse_math=False)
    finite = [value for _, value in shown if math.isfinite(value)]
    limit = min(max([FLOOR, *(value * 1.12 for value in finite)]), CEILING)
    places = list(range(len(shown)))
    lengths = [_length(value, limit) for _, value in shown]
    axes.barh(places, lengths, height=0.62, zorder=2,
              color=[style.load_colour(value) for value in lengths])
    for place, (_, value), length in zip(places, shown, lengths, strict=True):
        inside = length > limit * 0.88
        axes.text(length - limit * 0.01 if inside else length + limit * 0.01, place,
                  percent(value), ha="right" if inside else "left", va="center",
                  color="white" if inside else style.INK, fontproperties=font, zorder=3,
                  parse_math=False)
    axes.axvline(1.0, color=style.ALARM, linestyle="--", linewidth=1.2, zorder=3)
    axes.text(1.0, 1.0, "100%", transform=axes.get_xaxis_transform(), ha="center",
              va="bottom", color=style.ALARM, fontproperties=font, parse_math=False)
    names = [canvas.fit(canvas.drawable(name, "?"), SIZE, NAME_ROOM - 0.2) for name, _ in shown]
    axes.set_yticks(places, names, fontproperties=font, color=style.INK)
    axes.set_ylim(len(shown) - 0.5 if shown else 0.5, -0.5)
    ticks = _ticks(limit)
    axes.set_xticks(ticks, [percent(tick) for tick in ticks], fontproperties=font,
                    color=style.MUTED)
    axes.set_xlim(0, limit)
    axes.tick_params(length=0, pad=4)
    axes.grid(axis="x", color="#e6e6e6", zorder=0)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    if not shown:
        axes.text(0.5, 0.5, "nothing to chart", transform=axes.transAxes, ha="center",
                  va="center", color=style.MUTED, fontproperties=font, parse_math=False)
    return canvas.png(drawing)


def _length(value: float, limit: float) -> float:
    if math.isnan(value):
        return 0.0
    return max(0.0, min(value, limit))


def _ticks(limit: float) -> list[float]:
    step = 0.25 if limit <= 1.5 else 0.5
    return [index * step for index in range(int(limit / step + 1e-9) + 1)]
