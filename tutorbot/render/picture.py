"""The design as a PNG: boxes in layers from client to storage, arrows between.

Each box is one node however many instances it has: a round badge in its role's
colour with the role's glyph, the label and count (`App Servers ×8`) and the id a
learner types. An arrow going by a row bends through the gap the plan left it
between the row's boxes; an arrow between columns ends at a small pill naming
its other end, and an arrow closing a cycle is dashed and points back up. With an
overlay each box is filled by its load, green to amber to red, shows its figure
beside its id, counts its instances down in red, and the bottleneck is outlined
in red. Where things go, and how large they are drawn, is plan.py's business.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tutorbot.content.models import Catalogue
from tutorbot.design.graph import Design
from tutorbot.render import style
from tutorbot.render.layout import Edge
from tutorbot.render.overlay import Overlay
from tutorbot.render.plan import (
    BADGE_RADIUS,
    FIGURE_SIZE,
    GLYPH_SIZE,
    LABEL_SIZE,
    LEGEND_HEIGHT,
    MARGIN,
    SMALL_SIZE,
    TAG_SIZE,
    TEXT_LEFT,
    TITLE_SIZE,
    Item,
    Place,
    Plan,
    Tag,
    plan,
)
from tutorbot.render.scene import Box, Scene, scene

if TYPE_CHECKING:
    from matplotlib.path import Path

    from tutorbot.render.canvas import Sheet


def render_png(design: Design, catalogue: Catalogue, overlay: Overlay | None = None,
               *, title: str | None = None) -> bytes:
    """The design as PNG bytes, at most 1,600 pixels on its longer side."""
    drawn = scene(design, catalogue, overlay)
    return draw(drawn, plan(drawn, titled=title is not None), title)


def draw(drawn: Scene, planned: Plan, title: str | None) -> bytes:
    """A scene as PNG bytes, where `planned` places it."""
    from tutorbot.render import canvas

    sheet = canvas.Sheet(planned.width, planned.height)
    if title is not None:
        text = canvas.fit(canvas.drawable(title, ""), TITLE_SIZE, planned.width - 2 * MARGIN)
        sheet.write(MARGIN, MARGIN, text, TITLE_SIZE, style.INK, anchor="la")
    if planned.caption is not None:
        sheet.write(*planned.caption, "not connected", SMALL_SIZE, style.MUTED, anchor="la")
    _draw_edges(sheet, drawn, planned)
    for item, place in planned.places.items():
        if isinstance(item, str):
            _draw_box(sheet, drawn.boxes[item], place, loose=item in drawn.layering.loose)
        elif isinstance(item, Tag):
            _draw_tag(sheet, item, place, upward=item.upward)
    if drawn.simulated:
        _draw_legend(sheet, planned.height - MARGIN - LEGEND_HEIGHT / 2)
    return sheet.png()


def _draw_edges(sheet: Sheet, drawn: Scene, planned: Plan) -> None:
    from matplotlib.patches import FancyArrowPatch

    pieces = {(edge, index): piece for edge, route in planned.routes.items()
              for index, piece in enumerate(route)}
    leaving = _ports(pieces, planned.places, first=True)
    arriving = _ports(pieces, planned.places, first=False)
    for key, piece in pieces.items():
        upward = key[0] in drawn.layering.upward
        curve = _curve(piece, planned.places, leaving[key], arriving[key])
        sheet.add(FancyArrowPatch(
            path=curve, arrowstyle="<|-" if upward else "-|>", mutation_scale=10,
            linewidth=1.1, linestyle="--" if upward else "-", zorder=1,
            color=style.LOOP_INK if upward else style.EDGE_INK,
        ))


Piece = tuple[Edge, int]


def _ports(pieces: Mapping[Piece, Sequence[Item]], places: Mapping[Item, Place],
           *, first: bool) -> dict[Piece, float]:
    """Where each edge leaves its upper box (or enters its lower one), across:
    the edges sharing a box are spread along its side in the order they go, and
    those going on through the same passage leave it as one."""
    sharing: dict[Item, dict[Item, list[Piece]]] = {}
    for key, items in pieces.items():
        end, next_ = (items[0], items[1]) if first else (items[-1], items[-2])
        sharing.setdefault(end, {}).setdefault(next_, []).append(key)
    offsets = {}
    for end, neighbours in sharing.items():
        step = min(0.22, 0.7 * places[end].width / len(neighbours))
        order = sorted(neighbours.items(), key=lambda pair: (places[pair[0]].x, min(pair[1])))
        for index, (_, keys) in enumerate(order):
            for key in keys:
                offsets[key] = places[end].x + (index - (len(neighbours) - 1) / 2) * step
    return offsets


def _curve(items: Sequence[Item], places: Mapping[Item, Place], start: float,
           end: float) -> Path:
    """Smooth S-bends from row to row, straight down through each passage."""
    from matplotlib.path import Path

    points = [(start, places[items[0]].bottom)]
    for item in items[1:-1]:
        points += [(places[item].x, places[item].top), (places[item].x, places[item].bottom)]
    points.append((end, places[items[-1]].top))
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


def _draw_tag(sheet: Sheet, tag: Tag, place: Place, *, upward: bool) -> None:
    """A pill naming the box at an edge's other end, in another column."""
    from matplotlib.patches import FancyBboxPatch

    sheet.add(FancyBboxPatch(
        (place.left, place.top), place.width, place.height,
        boxstyle="round,pad=0,rounding_size=0.15", facecolor="white",
        edgecolor=style.LOOP_INK if upward else style.EDGE_INK, linewidth=1.0,
        linestyle="--" if upward else "-", zorder=2,
    ))
    sheet.write(place.x, place.top + place.height / 2, tag.text, TAG_SIZE, style.INK,
                anchor="mm")


def _draw_box(sheet: Sheet, box: Box, place: Place, *, loose: bool) -> None:
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
