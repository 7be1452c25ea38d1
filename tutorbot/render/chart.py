"""A bar chart of utilisation, one bar per component, for `simulate` output.

Bars are coloured like the boxes of a loaded picture, a dashed line marks 100%,
and each bar carries its percentage. Bars past three times capacity are cut at
the edge, their figure still written in full.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

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
BAR = 0.62
"""A bar's thickness, as a share of its row."""
PAD = 4 / 72
"""Between the frame and its labels: four points."""


def utilisation_chart(rows: Sequence[tuple[str, float]], *, title: str | None = None) -> bytes:
    """A PNG bar chart of (component, utilisation) rows; 1.0 is 100%."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    from tutorbot.render import canvas

    shown = list(rows[:MAX_ROWS])
    if len(rows) > MAX_ROWS:
        title = f"{title or 'Utilisation'} (first {MAX_ROWS} of {len(rows):,})"
    height = FRAME_HEIGHT + ROW_HEIGHT * max(len(shown), 1) + (0.3 if title else 0)
    sheet = canvas.Sheet(WIDTH, height)
    if title:
        sheet.write(0.15, 0.12, canvas.fit(canvas.drawable(title, ""), SIZE + 2, WIDTH - 0.3),
                    SIZE + 2, style.INK, anchor="la")
    finite = [value for _, value in shown if math.isfinite(value)]
    limit = min(max([FLOOR, *(value * 1.12 for value in finite)]), CEILING)
    frame = _Frame(top=0.3 + (0.3 if title else 0), bottom=height - 0.45, limit=limit,
                   rows=max(len(shown), 1))
    for tick in _ticks(limit):
        sheet.add(Line2D([frame.x(tick)] * 2, [frame.top, frame.bottom], color="#e6e6e6",
                         linewidth=0.8, zorder=0))
        sheet.write(frame.x(tick), frame.bottom + PAD, percent(tick), SIZE, style.MUTED,
                    anchor="ma")
    sheet.add(Line2D([NAME_ROOM, frame.right], [frame.bottom] * 2, color=style.INK,
                     linewidth=0.8, zorder=3))
    for place, (name, value) in enumerate(shown):
        length = _length(value, limit)
        middle = frame.y(place)
        sheet.add(Rectangle((NAME_ROOM, middle - BAR / 2 * frame.pitch),
                            frame.x(length) - NAME_ROOM, BAR * frame.pitch, zorder=2,
                            facecolor=style.load_colour(length), edgecolor="none"))
        nudge = limit * 0.01
        if length > limit * 0.88:
            sheet.write(frame.x(length - nudge), middle, percent(value), SIZE, "white",
                        anchor="rm")
        else:
            sheet.write(frame.x(length + nudge), middle, percent(value), SIZE, style.INK)
        sheet.write(NAME_ROOM - PAD, middle, canvas.fit(canvas.drawable(name, "?"), SIZE,
                    NAME_ROOM - 0.2), SIZE, style.INK, anchor="rm")
    sheet.add(Line2D([frame.x(1.0)] * 2, [frame.top, frame.bottom], color=style.ALARM,
                     linestyle="--", linewidth=1.2, zorder=3))
    sheet.write(frame.x(1.0), frame.top, "100%", SIZE, style.ALARM, anchor="md")
    if not shown:
        sheet.write((NAME_ROOM + frame.right) / 2, (frame.top + frame.bottom) / 2,
                    "nothing to chart", SIZE, style.MUTED, anchor="mm")
    return sheet.png()


@dataclass(frozen=True)
class _Frame:
    """Where the bars go, in inches: a row per component, 0 to `limit` across."""

    top: float
    bottom: float
    limit: float
    rows: int
    right: float = WIDTH - 0.55

    @property
    def pitch(self) -> float:
        return (self.bottom - self.top) / self.rows

    def x(self, share: float) -> float:
        return NAME_ROOM + share / self.limit * (self.right - NAME_ROOM)

    def y(self, row: int) -> float:
        return self.top + (row + 0.5) * self.pitch


def _length(value: float, limit: float) -> float:
    if math.isnan(value):
        return 0.0
    return max(0.0, min(value, limit))


def _ticks(limit: float) -> list[float]:
    step = 0.25 if limit <= 1.5 else 0.5
    return [index * step for index in range(int(limit / step + 1e-9) + 1)]
