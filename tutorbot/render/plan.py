"""Where everything in a picture goes, at a scale where every word can be read.

Layers run from the top down. A layer of more than `across` boxes wraps onto
several rows, and a design too deep to stand in one column flows on in further
columns, left to right, like the text of a newspaper. Edges never pass behind a
box: wherever an edge goes by a row without stopping, the row holds a passage
for it between its boxes (edges fanning out of one box into a wrapped layer
share theirs, as do edges fanning into one box out of a wrapped layer). An edge
between columns leaves its column at the bottom, ending at a tag that names the
box at its other end ("to s14"), and starts again under the matching tag
("from s13") at the top of the later column.

Several arrangements are tried, fewest columns and widest rows first (and, when
some instances are down, with only the rows that say so drawn taller); the first
drawn at full size wins, or failing that the one drawn largest. Every design of
up to 50 boxes we know of then letters its labels at LEGIBLE_PIXELS or more.
Nothing here draws: picture.py reads the plan.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from tutorbot.render.layout import Edge, Waypoint
from tutorbot.render.scene import Scene

# Sizes in inches; a picture is drawn at 100 dots per inch unless it must shrink.
BOX_WIDTH = 2.3
BOX_HEIGHT = 0.62
LOADED_HEIGHT = 0.86
"""Room for a third line, when some instances are down."""
PASSAGE_WIDTH = 0.16
LANE = 0.1
"""From one passage to the next beside it: edges side by side, apart."""
TAG_HEIGHT = 0.3
TAG_PAD = 0.12
GAP_ACROSS = 0.3
GAP_DOWN = 0.55
COLUMN_GAP = 0.6
MARGIN = 0.3
TITLE_HEIGHT = 0.45
CAPTION_HEIGHT = 0.4
LEGEND_HEIGHT = 0.45
BADGE_RADIUS = 0.19
TEXT_LEFT = 0.58
MIN_WIDTH = 4.0
TALLEST = 2.0
"""Height over width, at most: a deep design is padded at the sides."""
WIDEST = 3.0
"""Width over height, at most."""
MAX_ACROSS = 6
"""Boxes in one row; a wider layer wraps onto the next row, or fewer if that
lets the picture be drawn larger."""
MAX_COLUMNS = 8
TAGS_ACROSS = 3
"""Tags in one row; more go on the next."""

# Text sizes in points.
LABEL_SIZE = 9.5
SMALL_SIZE = 7.5
FIGURE_SIZE = 8.5
GLYPH_SIZE = 11.0
TITLE_SIZE = 11.0
TAG_SIZE = SMALL_SIZE

LEGIBLE_PIXELS = 12.0
"""The least size, in the picture's own pixels, a box's label is lettered at
(the font's em: capitals about 9 px, with descenders about 11.5 px). Ids and
figures, in smaller type, are then at least 9.5 px."""
LEGIBLE_DPI = LEGIBLE_PIXELS * 72 / LABEL_SIZE


@dataclass(frozen=True)
class Passage:
    """A lane between the boxes of a row, for edges that go by without stopping."""

    row: int
    key: tuple[Hashable, ...]
    """What shares it: ('from', item, upward) for the edges fanning out of one box
    or tag, ('to', item, upward) for those fanning into one, else ('edge', source,
    target)."""


@dataclass(frozen=True)
class Tag:
    """Where the edges between one box and another column stop in the box's
    column (`leaving`) and start again in the other, naming the boxes they join."""

    box: str
    column: int
    far: int
    leaving: bool
    upward: bool
    text: str


Item = str | Passage | Tag
"""A box (by node id), a passage or a tag."""


@dataclass(frozen=True)
class Place:
    """Where an item is drawn: its centre across, its top, its size."""

    x: float
    top: float
    width: float
    height: float

    @property
    def left(self) -> float:
        return self.x - self.width / 2

    @property
    def right(self) -> float:
        return self.x + self.width / 2

    @property
    def bottom(self) -> float:
        return self.top + self.height


@dataclass(frozen=True)
class Plan:
    places: Mapping[Item, Place]
    routes: Mapping[Edge, tuple[tuple[Item, ...], ...]]
    """Each edge as one piece from its upper end to its lower, or two pieces
    through a pair of tags when it goes from one column to another."""
    width: float
    height: float
    columns: int
    caption: tuple[float, float] | None
    """Where the 'not connected' caption goes, if anything is unconnected."""

    @property
    def dpi(self) -> float:
        from tutorbot.render.canvas import resolution

        return resolution(self.width, self.height)

    @property
    def boxes(self) -> dict[str, Place]:
        return {item: place for item, place in self.places.items() if isinstance(item, str)}


def plan(drawn: Scene, *, titled: bool) -> Plan:
    """The arrangement drawn largest, trying fewer columns and wider rows first."""
    from tutorbot.render.canvas import DPI

    layers = drawn.layering.layers
    widest = max((len(row) for row in [*layers, drawn.layering.loose]), default=0)
    acrosses = [MAX_ACROSS, *(across for across in range(MAX_ACROSS - 1, 0, -1)
                              if across < widest)]
    failures = any(box.failed for box in drawn.boxes.values())
    best: Plan | None = None
    for columns in range(1, max(1, min(MAX_COLUMNS, len(layers))) + 1):
        previous = best
        for across, snug in itertools.product(acrosses, [False, True] if failures else [False]):
            candidate = _Arrangement(drawn, across, columns, titled, snug).plan()
            if best is None or candidate.dpi > best.dpi:
                best = candidate
            if best.dpi >= DPI:
                return best
        if best is previous and best is not None and best.width >= best.height:
            break  # already too wide: another column only makes it wider
    assert best is not None
    return best


def _bands(heights: Sequence[float], columns: int) -> list[range]:
    """The layers cut into `columns` runs whose tallest is as short as it can be."""
    count = len(heights)
    columns = max(1, min(columns, count))
    starts = [0, *itertools.accumulate(heights)]

    def tall(first: int, last: int) -> float:
        return starts[last] - starts[first]

    # cost[k][n]: the tallest run when the first n layers make k runs
    cost = [[float("inf")] * (count + 1) for _ in range(columns + 1)]
    cut = [[0] * (count + 1) for _ in range(columns + 1)]
    cost[0][0] = 0.0
    for k in range(1, columns + 1):
        for n in range(k, count + 1):
            for first in range(k - 1, n):
                value = max(cost[k - 1][first], tall(first, n))
                if value < cost[k][n] - 1e-9:
                    cost[k][n], cut[k][n] = value, first
    bands = []
    end = count
    for k in range(columns, 0, -1):
        bands.append(range(cut[k][end], end))
        end = cut[k][end]
    return bands[::-1]


@dataclass
class _Arrangement:
    """One way of placing a scene: `across` boxes a row at most, in `columns`."""

    drawn: Scene
    across: int
    columns: int
    titled: bool
    snug: bool
    """Whether only the rows holding a box with instances down are drawn tall
    enough for the third line, rather than every row."""
    rows: list[list[Item]] = field(default_factory=list)
    row_column: list[int] = field(default_factory=list)
    row_layer: list[int | None] = field(default_factory=list)
    box_row: dict[Item, int] = field(default_factory=dict)
    entry_rows: dict[int, list[int]] = field(default_factory=dict)
    exit_rows: dict[int, list[int]] = field(default_factory=dict)
    routes: dict[Edge, tuple[tuple[Item, ...], ...]] = field(default_factory=dict)

    def height(self, row: Sequence[Item]) -> float:
        """How tall a row of boxes is drawn."""
        shown = row if self.snug else self.drawn.boxes
        tall = any(isinstance(item, str) and self.drawn.boxes[item].failed for item in shown)
        return LOADED_HEIGHT if tall else BOX_HEIGHT

    def plan(self) -> Plan:
        layering = self.drawn.layering
        layers = layering.layers
        heights = [sum(self.height(chunk) + GAP_DOWN for chunk in _chunks(layer, self.across))
                   for layer in layers]
        bands = _bands(heights, self.columns) if layers else []
        column = {depth: index for index, band in enumerate(bands) for depth in band}
        ends = {edge: _ends(layering.path(edge)) for edge in self.drawn.edges}
        far: dict[tuple[str, int, bool], list[str]] = {}
        for edge, (upper, lower) in ends.items():
            if column[layering.depth[upper]] != column[layering.depth[lower]]:
                group = (upper, column[layering.depth[lower]], edge in layering.upward)
                far.setdefault(group, []).append(lower)
        for index, band in enumerate(bands):
            entering = sum(low == index for _, low, _ in far)
            self.entry_rows[index] = [self._add_row(index, None)
                                      for _ in range(0, entering, TAGS_ACROSS)]
            for depth in band:
                for chunk in _chunks(layers[depth], self.across):
                    row = self._add_row(index, depth)
                    self.rows[row] += chunk
                    self.box_row.update((node, row) for node in chunk)
            leaving = sum(column[layering.depth[upper]] == index for upper, _, _ in far)
            self.exit_rows[index] = [self._add_row(index, None)
                                     for _ in range(0, leaving, TAGS_ACROSS)]
        self._route(ends, far, column)
        return self._place(self._order())

    def _add_row(self, column: int, depth: int | None) -> int:
        self.rows.append([])
        self.row_column.append(column)
        self.row_layer.append(depth)
        return len(self.rows) - 1

    def _route(self, ends: Mapping[Edge, tuple[str, str]],
               far: Mapping[tuple[str, int, bool], Sequence[str]],
               column: Mapping[int, int]) -> None:
        """Each edge as pieces from row to row, through the passages they need."""
        depth = self.drawn.layering.depth
        upward = self.drawn.layering.upward
        tags: dict[tuple[str, int, bool], tuple[Tag, int, Tag, int]] = {}
        placed = {"exit": [0] * len(self.exit_rows), "entry": [0] * len(self.entry_rows)}
        for (upper, low, up), lowers in far.items():
            high = column[depth[upper]]
            out = Tag(upper, high, low, True, up, _tag_text(lowers, towards=not up))
            back = Tag(upper, high, low, False, up, _tag_text([upper], towards=up))
            out_row = self.exit_rows[high][placed["exit"][high] // TAGS_ACROSS]
            back_row = self.entry_rows[low][placed["entry"][low] // TAGS_ACROSS]
            placed["exit"][high] += 1
            placed["entry"][low] += 1
            self.rows[out_row].append(out)
            self.rows[back_row].append(back)
            tags[upper, low, up] = out, out_row, back, back_row
        pieces: dict[Edge, list[tuple[Item, Item, int, int]]] = {}
        for edge, (upper, lower) in ends.items():
            if column[depth[upper]] == column[depth[lower]]:
                pieces[edge] = [(upper, lower, self.box_row[upper], self.box_row[lower])]
                continue
            out, out_row, back, back_row = tags[upper, column[depth[lower]], edge in upward]
            pieces[edge] = [(upper, out, self.box_row[upper], out_row),
                            (back, lower, back_row, self.box_row[lower])]
        starting: dict[Item, set[Item]] = {}
        ending: dict[Item, set[Item]] = {}
        for start, end, first, last in itertools.chain.from_iterable(pieces.values()):
            if last - first > 1:
                starting.setdefault(start, set()).add(end)
                ending.setdefault(end, set()).add(start)
        for edge, parts in pieces.items():
            routes: list[tuple[Item, ...]] = []
            for start, end, first, last in parts:
                if len(starting.get(start, ())) > 1:
                    key: tuple[Hashable, ...] = ("from", start, edge in upward)
                elif len(ending.get(end, ())) > 1:
                    key = ("to", end, edge in upward)
                else:
                    key = ("edge", *edge)
                lanes = [Passage(row, key) for row in range(first + 1, last)]
                for lane in lanes:
                    if lane not in self.rows[lane.row]:
                        self.rows[lane.row].append(lane)
                routes.append((start, *lanes, end))
            self.routes[edge] = tuple(routes)

    def _order(self) -> list[list[Item]]:
        """Each row left to right: boxes in the layering's order, and passages and
        tags among them, halfway between where their edges come from and go."""
        layering = self.drawn.layering
        share: dict[Item, float] = {}
        for row, layer in zip(self.rows, self.row_layer, strict=True):
            boxes = [item for item in row if isinstance(item, str)]
            if layer is not None and len(boxes) == len(layering.layers[layer]):
                slots = layering.rows[layer]
                share.update((slot, (index + 0.5) / len(slots))
                             for index, slot in enumerate(slots) if not isinstance(slot, Waypoint))
                share.update((Passage(self.box_row[boxes[0]], ("edge", *slot.edge)),
                              (index + 0.5) / len(slots))
                             for index, slot in enumerate(slots) if isinstance(slot, Waypoint))
            else:
                share.update((box, (index + 0.5) / len(boxes)) for index, box in enumerate(boxes))
        before: dict[Item, list[tuple[Item, Item]]] = {}
        for pieces in self.routes.values():
            for piece in pieces:
                if isinstance(piece[0], Tag):
                    share[piece[0]] = share[piece[-1]]
                for previous, item in itertools.pairwise(piece):
                    before.setdefault(item, []).append((previous, piece[-1]))
        ordered = []
        for row in self.rows:
            for item in row:
                if item not in share:
                    wanted = [_between(share[previous], share.get(end))
                              for previous, end in before[item]]
                    share[item] = sum(wanted) / len(wanted)
            ordered.append(sorted(row, key=lambda item: (share[item], _rank(item), _name(item))))
        return ordered

    def _place(self, rows: list[list[Item]]) -> Plan:
        from tutorbot.render import canvas

        widths: dict[Item, float] = {}
        for item in itertools.chain.from_iterable(rows):
            if isinstance(item, str):
                widths[item] = BOX_WIDTH
            elif isinstance(item, Tag):
                widths[item] = canvas.width(item.text, TAG_SIZE) + 2 * TAG_PAD
            else:
                widths[item] = PASSAGE_WIDTH
        row_widths = [_row_width(row, widths) for row in rows]
        count = max(self.row_column, default=-1) + 1
        column_widths = [max(w for w, c in zip(row_widths, self.row_column, strict=True)
                             if c == index) for index in range(count)]
        top = MARGIN + (TITLE_HEIGHT if self.titled else 0)
        heights = [self.height(row) if layer is not None else TAG_HEIGHT
                   for row, layer in zip(rows, self.row_layer, strict=True)]
        tops: list[float] = []
        bottoms = [top] * max(count, 1)
        for index, column in enumerate(self.row_column):
            first = index == 0 or self.row_column[index - 1] != column
            tops.append(top if first else tops[-1] + heights[index - 1] + GAP_DOWN)
            bottoms[column] = tops[-1] + heights[index]
        # Unconnected boxes go under everything, or under the shortest column.
        home = min(range(count), key=bottoms.__getitem__) if count > 1 else None
        across = self.across
        if home is not None:
            across = max(1, int((column_widths[home] + GAP_ACROSS) // (BOX_WIDTH + GAP_ACROSS)))
        loose = _chunks(self.drawn.layering.loose, across)
        loose_widths = [_row_width(row, dict.fromkeys(row, BOX_WIDTH)) for row in loose]
        content = sum(column_widths) + COLUMN_GAP * max(count - 1, 0)
        content = max([content, *loose_widths])
        bottom = max(bottoms)
        caption = None
        loose_tops = []
        if loose:
            above = bottoms[home] if home is not None else bottom
            caption = above + GAP_DOWN if rows else top
            loose_tops = list(itertools.accumulate(
                (self.height(row) + GAP_DOWN for row in loose[:-1]),
                initial=caption + CAPTION_HEIGHT))
            bottom = max(bottom, loose_tops[-1] + self.height(loose[-1]))
        bottom += MARGIN + (LEGEND_HEIGHT if self.drawn.simulated else 0)
        width = max(content + 2 * MARGIN, MIN_WIDTH, bottom / TALLEST)
        total = max(bottom, width / WIDEST)
        left = (width - content) / 2
        column_left = list(itertools.accumulate([left, *(w + COLUMN_GAP for w in column_widths)]))
        places: dict[Item, Place] = {}
        for row, row_top, column, row_height, row_width in zip(
                rows, tops, self.row_column, heights, row_widths, strict=True):
            x = column_left[column] + (column_widths[column] - row_width) / 2
            places.update(_across(row, widths, x, row_top, row_height))
        span = (0.0, width) if home is None else (column_left[home], column_widths[home])
        for row, row_top in zip(loose, loose_tops, strict=True):
            x = span[0] + (span[1] - _row_width(row, dict.fromkeys(row, BOX_WIDTH))) / 2
            places.update(_across(row, dict.fromkeys(row, BOX_WIDTH), x, row_top,
                                  self.height(row)))
        if caption is not None:
            return Plan(places, self.routes, width, total, count,
                        (MARGIN if home is None else span[0], caption))
        return Plan(places, self.routes, width, total, count, None)


def _between(before: float, end: float | None) -> float:
    return before if end is None else (before + end) / 2


def _ends(path: Sequence[object]) -> tuple[str, str]:
    upper, lower = path[0], path[-1]
    assert isinstance(upper, str) and isinstance(lower, str)
    return upper, lower


def _tag_text(names: Sequence[str], *, towards: bool) -> str:
    """'to s14', 'to n17, n20', or 'from s13' for edges coming the other way."""
    return ("to " if towards else "from ") + ", ".join(names)


def _chunks(row: Sequence[str], across: int) -> list[list[Item]]:
    return [list(row[start:start + across]) for start in range(0, len(row), across)]


def _rank(item: Item) -> int:
    return 0 if isinstance(item, Tag) else 1 if isinstance(item, Passage) else 2


def _name(item: Item) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, Tag):
        return item.text
    return " ".join(map(str, item.key))


def _gap(left: Item, right: Item) -> float:
    if isinstance(left, Passage) and isinstance(right, Passage):
        return LANE - PASSAGE_WIDTH
    return GAP_ACROSS


def _row_width(row: Sequence[Item], widths: Mapping[Item, float]) -> float:
    return sum(widths[item] for item in row) + sum(
        _gap(left, right) for left, right in itertools.pairwise(row))


def _across(row: Sequence[Item], widths: Mapping[Item, float], x: float, top: float,
            height: float) -> Iterator[tuple[Item, Place]]:
    for index, item in enumerate(row):
        if index:
            x += _gap(row[index - 1], item)
        yield item, Place(x + widths[item] / 2, top, widths[item], height)
        x += widths[item]
