"""The design as a PNG: boxes in layers from client to storage, arrows between.

Each box is one node however many instances it has: a round badge in its role's
colour with the role's glyph, the label and count (`App Servers ×8`) and the id a
learner types. An arrow crossing layers bends through the gaps between boxes
where the layout left it waypoints; an arrow closing a cycle is dashed and points
back up. With an overlay each box is filled by its load, green to amber to red,
shows its figure beside its id, counts its instances down in red, and the
bottleneck is outlined in red. Wide layers wrap into several rows; large designs
are drawn smaller rather than wider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tutorbot.content.models import Catalogue
from tutorbot.design.graph import Design
from tutorbot.render import style
from tutorbot.render.layout import Edge, Slot
from tutorbot.render.overlay import Overlay
from tutorbot.render.scene import Box, Scene, scene

if TYPE_CHECKING:
    from matplotlib.path import Path

    from tutorbot.render.canvas import Sheet

# Sizes in inches; a picture is drawn at 100 dots per inch unless it must shrink.
BOX_WIDTH = 2.3
BOX_HEIGHT = 0.62
LOADED_HEIGHT = 0.86
"""Room for a third line, when some instances are down."""
WAYPOINT_WIDTH = 0.16
GAP_ACROSS = 0.3
GAP_DOWN = 0.55
MARGIN = 0.3
TITLE_HEIGHT = 0.45
CAPTION_HEIGHT = 0.4
LEGEND_HEIGHT = 0.45
BADGE_RADIUS = 0.19
TEXT_LEFT = 0.58
MAX_ACROSS = 6
"""Boxes in one row; a wider layer wraps onto the next row."""
MIN_WIDTH = 4.0
TALLEST = 2.0
"""Height over width, at most: a deep design is padded at the sides."""
WIDEST = 3.0
"""Width over height, at most."""

LABEL_SIZE = 9.5
SMALL_SIZE = 7.5
FIGURE_SIZE = 8.5
GLYPH_SIZE = 11.0
TITLE_SIZE = 11.0


@dataclass(frozen=True)
class _Place:
    """Where a slot is drawn: its centre across, its top, its size."""

    x: float
    top: float
    width: float
    height: float

    @property
    def left(self) -> float:
        return self.x - self.width / 2

    @property
    def bottom(self) -> float:
        return self.top + self.height


@dataclass(frozen=True)
class _Plan:
    places: Mapping[Slot, _Place]
    width: float
    height: float
    caption: float | None
    """Where the 'not connected' caption goes, if anything is unconnected."""


def render_png(design: Design, catalogue: Catalogue, overlay: Overlay | None = None,
               *, title: str | None = None) -> bytes:
    """The design as PNG bytes, at most 1,600 pixels on its longer side."""
    from tutorbot.render import canvas

    drawn = scene(design, catalogue, overlay)
    plan = _plan(drawn, titled=title is not None)
    sheet = canvas.Sheet(plan.width, plan.height)
    if title is not None:
        text = canvas.fit(canvas.drawable(title, ""), TITLE_SIZE, plan.width - 2 * MARGIN)
        sheet.write(MARGIN, MARGIN, text, TITLE_SIZE, style.INK, anchor="la")
    if plan.caption is not None:
        sheet.write(MARGIN, plan.caption, "not connected", SMALL_SIZE, style.MUTED, anchor="la")
    _draw_edges(sheet, drawn, plan)
    for slot, place in plan.places.items():
        if isinstance(slot, str):
            _draw_box(sheet, drawn.boxes[slot], place, loose=slot in drawn.layering.loose)
    if drawn.simulated:
        _draw_legend(sheet, plan.height - MARGIN - LEGEND_HEIGHT / 2)
    return sheet.png()


def _plan(drawn: Scene, *, titled: bool) -> _Plan:
    failures = any(box.failed for box in drawn.boxes.values())
    height = LOADED_HEIGHT if failures else BOX_HEIGHT
    rows = [chunk for row in drawn.layering.rows for chunk in _wrap(row)]
    loose = [chunk for chunk in _wrap(drawn.layering.loose)]
    top = MARGIN + (TITLE_HEIGHT if titled else 0)
    tops = [top + index * (height + GAP_DOWN) for index in range(len(rows))]
    caption = None
    if loose:
        caption = top + len(rows) * (height + GAP_DOWN) - (GAP_DOWN if not rows else 0)
        start = caption + CAPTION_HEIGHT
        tops += [start + index * (height + GAP_DOWN) for index in range(len(loose))]
    bottom = (tops[-1] + height if tops else top) + MARGIN
    bottom += LEGEND_HEIGHT if drawn.simulated else 0
    content = max((_row_width(row) for row in [*rows, *loose]), default=0.0)
    width = max(content + 2 * MARGIN, MIN_WIDTH, bottom / TALLEST)
    total = max(bottom, width / WIDEST)
    places: dict[Slot, _Place] = {}
    for row, row_top in zip([*rows, *loose], tops, strict=True):
        x = (width - _row_width(row)) / 2
        for slot in row:
            across = BOX_WIDTH if isinstance(slot, str) else WAYPOINT_WIDTH
            places[slot] = _Place(x + across / 2, row_top, across, height)
            x += across + GAP_ACROSS
    return _Plan(places, width, total, caption)


def _wrap(row: Sequence[Slot]) -> list[list[Slot]]:
    """A layer's slots as rows of at most MAX_ACROSS boxes each."""
    rows: list[list[Slot]] = [[]]
    for slot in row:
        if isinstance(slot, str) and sum(isinstance(s, str) for s in rows[-1]) == MAX_ACROSS:
            rows.append([])
        rows[-1].append(slot)
    return [row for row in rows if row]


def _row_width(row: Sequence[Slot]) -> float:
    widths = [BOX_WIDTH if isinstance(slot, str) else WAYPOINT_WIDTH for slot in row]
    return sum(widths) + GAP_ACROSS * max(len(widths) - 1, 0)


def _draw_edges(sheet: Sheet, drawn: Scene, plan: _Plan) -> None:
    from matplotlib.patches import FancyArrowPatch

    paths = {edge: drawn.layering.path(edge) for edge in drawn.edges}
    leaving = _ports(paths, plan.places, first=True)
    arriving = _ports(paths, plan.places, first=False)
    for edge, slots in paths.items():
        upward = edge in drawn.layering.upward
        curve = _curve(slots, plan.places, leaving[edge], arriving[edge])
        sheet.add(FancyArrowPatch(
            path=curve, arrowstyle="<|-" if upward else "-|>", mutation_scale=10,
            linewidth=1.1, linestyle="--" if upward else "-", zorder=1,
            color=style.LOOP_INK if upward else style.EDGE_INK,
        ))


def _ports(paths: Mapping[Edge, Sequence[Slot]], places: Mapping[Slot, _Place],
           *, first: bool) -> dict[Edge, float]:
    """Where each edge leaves its upper box (or enters its lower one), across:
    the edges sharing a box are spread along its side in the order they go."""
    sharing: dict[Slot, list[tuple[float, Edge]]] = {}
    for edge, slots in paths.items():
        end, next_ = (slots[0], slots[1]) if first else (slots[-1], slots[-2])
        sharing.setdefault(end, []).append((places[next_].x, edge))
    offsets = {}
    for end, edges in sharing.items():
        step = min(0.22, 0.7 * places[end].width / len(edges))
        for index, (_, edge) in enumerate(sorted(edges)):
            offsets[edge] = places[end].x + (index - (len(edges) - 1) / 2) * step
    return offsets


def _curve(slots: Sequence[Slot], places: Mapping[Slot, _Place], start: float,
           end: float) -> Path:
    """Smooth S-bends from box to box, straight down through each waypoint."""
    from matplotlib.path import Path

    points = [(start, places[slots[0]].bottom)]
    for slot in slots[1:-1]:
        points += [(places[slot].x, places[slot].top), (places[slot].x, places[slot].bottom)]
    points.append((end, places[slots[-1]].top))
    vertices = [points[0]]
    codes = [Path.MOVETO]
    for index in range(0, len(points) - 1, 2):
        (x0, y0), (x1, y1) = points[index], points[index + 1]
        bend = (y1 - y0) / 2
        vertices += [(x0, y0 + bend), (x1, y1 - bend), (x1, y1)]
        codes += [Path.CURVE4] * 3
        if index + 2 < len(points):
            vertices.append(points[index + 2])
            codes.append(Path.LINETO)
    return Path(vertices, codes)


def _draw_box(sheet: Sheet, box: Box, place: _Place, *, loose: bool) -> None:
    from matplotlib.patches import Circle, FancyBboxPatch

    from tutorbot.render import canvas

    colour = style.role_colour(box.role)
    if box.all_down:
        fill = style.DOWN
    elif box.utilisation is not None:
        fill = style.load_colour(box.utilisation, light=True)
    elif box.figure is not None:
        fill = style.UNLOADED
    else:
        fill = style.tint(colour, 0.86)
    sheet.add(FancyBboxPatch(
        (place.left, place.top), place.width, place.height,
        boxstyle="round,pad=0,rounding_size=0.07", facecolor=fill,
        edgecolor=style.ALARM if box.bottleneck else colour,
        linewidth=3.0 if box.bottleneck else 1.4, linestyle="--" if loose else "-",
        hatch="///" if box.all_down else None, zorder=2,
    ))
    badge = (place.left + 0.3, place.top + min(place.height / 2, 0.31))
    sheet.add(Circle(badge, BADGE_RADIUS, facecolor=colour, edgecolor="none", zorder=3))
    sheet.glyph(style.glyph(box.role), GLYPH_SIZE, badge)
    room = place.width - TEXT_LEFT - 0.1
    left = place.left + TEXT_LEFT
    suffix = f" {box.times}" if box.times else ""
    label = canvas.fit(canvas.drawable(box.label, box.id), LABEL_SIZE, room, suffix)
    lines = [(label, LABEL_SIZE, style.INK), (box.id, SMALL_SIZE, style.MUTED)]
    if box.figure is not None:
        lines[1] = (f"{box.id} · {canvas.drawable(box.figure, '')}", FIGURE_SIZE, style.INK)
    if box.failed:
        down = "all down" if box.all_down else f"{box.failed:,} of {box.count:,} down"
        lines.append((f"✗ {down}", SMALL_SIZE, style.ALARM))
    for index, (text, size, ink) in enumerate(lines):
        sheet.write(left, place.top + 0.2 + index * 0.22, canvas.fit(text, size, room), size,
                    ink)
    if box.bottleneck:
        sheet.write(place.left + place.width, place.top - 0.05, "⚠ bottleneck", SMALL_SIZE,
                    style.ALARM, anchor="rd")


def _draw_legend(sheet: Sheet, middle: float) -> None:
    from matplotlib.patches import Rectangle

    from tutorbot.render import canvas

    sheet.write(MARGIN, middle, "load", SMALL_SIZE, style.MUTED)
    x = MARGIN + 0.45
    for utilisation, words in style.LOAD_LEGEND:
        sheet.add(Rectangle((x, middle - 0.08), 0.16, 0.16, edgecolor="none",
                            facecolor=style.load_colour(utilisation, light=True)))
        sheet.write(x + 0.22, middle, words, SMALL_SIZE, style.MUTED)
        x += 0.3 + canvas.width(words, SMALL_SIZE)
    sheet.write(x + 0.1, middle, "⚠ bottleneck", SMALL_SIZE, style.ALARM)
