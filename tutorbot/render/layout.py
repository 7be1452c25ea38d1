"""Where each component of a design goes: layers from client to storage.

A layered drawing in the manner of Sugiyama. Cycles are broken by turning round
the edges that a depth-first search from the entry nodes finds pointing back up;
each node's layer is its longest path from a node with nothing before it; an
edge spanning several layers gets a waypoint in each layer it crosses; and
barycentre sweeps order every layer to cut crossings, keeping the best order
seen. Nodes with no connection at all are set aside rather than stacked beside
the client. Nothing here draws: the text and the picture both read the result.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

SWEEPS = 4
"""Rounds of ordering, each one down the layers and one back up."""

Edge = tuple[str, str]


@dataclass(frozen=True)
class Waypoint:
    """Where a long edge crosses a layer it does not stop in."""

    edge: Edge
    layer: int


Slot = str | Waypoint


@dataclass(frozen=True)
class Layering:
    rows: tuple[tuple[Slot, ...], ...]
    """Each layer's nodes and waypoints, left to right, from the entry down."""
    loose: tuple[str, ...]
    """Nodes with no connection, in the order the design holds them."""
    upward: frozenset[Edge]
    """Edges that close a cycle; they are laid out turned round, pointing up."""
    depth: Mapping[str, int]
    """Each connected node's layer, 0 at the top."""

    @property
    def layers(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(s for s in row if isinstance(s, str)) for row in self.rows)

    def path(self, edge: Edge) -> list[Slot]:
        """The slots an edge passes through, from its upper end to its lower one."""
        return _chain(edge, self.upward, self.depth)


def layer(nodes: Sequence[str], edges: Sequence[Edge], entries: Collection[str]) -> Layering:
    """Lay out a directed graph from its entry nodes downwards.

    `nodes` gives the order ties fall back on, so the same graph always comes
    out the same way.
    """
    import networkx as nx

    linked = {node for edge in edges for node in edge}
    connected = [node for node in nodes if node in linked]
    loose = tuple(node for node in nodes if node not in linked)
    upward = _upward(connected, edges, entries)
    graph = nx.DiGraph()
    graph.add_nodes_from(connected)
    graph.add_edges_from(_downward(edge, upward) for edge in edges)
    depth = _depths(graph, [node for node in connected if node not in entries])
    rows = _rows(connected, edges, upward, depth)
    return Layering(_ordered(rows, edges, upward, depth), loose, frozenset(upward), depth)


def _downward(edge: Edge, upward: Collection[Edge]) -> Edge:
    return (edge[1], edge[0]) if edge in upward else edge


def _chain(edge: Edge, upward: Collection[Edge], depth: Mapping[str, int]) -> list[Slot]:
    upper, lower = _downward(edge, upward)
    between = [Waypoint(edge, d) for d in range(depth[upper] + 1, depth[lower])]
    return [upper, *between, lower]


def _upward(nodes: Sequence[str], edges: Sequence[Edge], entries: Collection[str]) -> set[Edge]:
    """The edges a depth-first search meets pointing back into its own path.

    The search starts from the entries, then from nodes nothing points to, so
    the edges turned round are the ones a reader sees as going back up.
    """
    after: dict[str, list[str]] = {node: [] for node in nodes}
    pointed_at = set()
    for source, target in edges:
        after[source].append(target)
        pointed_at.add(target)
    starts = [n for n in nodes if n in entries] + [n for n in nodes if n not in pointed_at]
    state: dict[str, bool] = {}  # True while on the search path, False once finished
    upward = set()
    for root in [*starts, *nodes]:
        if root in state:
            continue
        state[root] = True
        stack = [(root, iter(after[root]))]
        while stack:
            node, targets = stack[-1]
            for target in targets:
                if target not in state:
                    state[target] = True
                    stack.append((target, iter(after[target])))
                    break
                if state[target]:
                    upward.add((node, target))
            else:
                state[node] = False
                stack.pop()
    return upward


def _depths(graph: nx.DiGraph, pullable: Collection[str]) -> dict[str, int]:
    """Longest path from a source; a source that is not an entry sits just above
    its nearest successor instead of beside the client."""
    import networkx as nx

    depth: dict[str, int] = {}
    for node in nx.topological_sort(graph):
        depth[node] = max((depth[p] + 1 for p in graph.predecessors(node)), default=0)
    for node in pullable:
        if graph.in_degree(node) == 0:
            depth[node] = min(depth[s] for s in graph.successors(node)) - 1
    used = sorted(set(depth.values()))
    squeeze = {old: new for new, old in enumerate(used)}
    return {node: squeeze[d] for node, d in depth.items()}


def _rows(nodes: Sequence[str], edges: Sequence[Edge], upward: Collection[Edge],
          depth: Mapping[str, int]) -> list[list[Slot]]:
    rows: list[list[Slot]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node in nodes:
        rows[depth[node]].append(node)
    for edge in edges:
        for slot in _chain(edge, upward, depth)[1:-1]:
            assert isinstance(slot, Waypoint)
            rows[slot.layer].append(slot)
    return rows


def _ordered(rows: list[list[Slot]], edges: Sequence[Edge],
             upward: Collection[Edge], depth: Mapping[str, int]) -> tuple[tuple[Slot, ...], ...]:
    """Barycentre sweeps down and up; the order with the fewest crossings wins."""
    above, below = _neighbours(edges, upward, depth)
    best = [list(row) for row in rows]
    fewest = _crossings(best, below)
    for _ in range(SWEEPS):
        for index in range(1, len(rows)):
            _sort_by(rows[index], rows[index - 1], above)
        for index in range(len(rows) - 2, -1, -1):
            _sort_by(rows[index], rows[index + 1], below)
        crossings = _crossings(rows, below)
        if crossings < fewest:
            best, fewest = [list(row) for row in rows], crossings
        if fewest == 0:
            break
    return tuple(tuple(row) for row in best)


def _neighbours(edges: Sequence[Edge], upward: Collection[Edge], depth: Mapping[str, int],
                ) -> tuple[dict[Slot, list[Slot]], dict[Slot, list[Slot]]]:
    """Each slot's neighbours in the layer above and in the layer below."""
    above: dict[Slot, list[Slot]] = {}
    below: dict[Slot, list[Slot]] = {}
    for edge in edges:
        chain = _chain(edge, upward, depth)
        for high, low in itertools.pairwise(chain):
            below.setdefault(high, []).append(low)
            above.setdefault(low, []).append(high)
    return above, below


def _sort_by(row: list[Slot], reference: Sequence[Slot],
             neighbours: Mapping[Slot, Sequence[Slot]]) -> None:
    """Order a row by the mean position of each slot's neighbours in `reference`;
    a slot with none there keeps its place."""
    position = {slot: index for index, slot in enumerate(reference)}
    keys = []
    for index, slot in enumerate(row):
        placed = [position[n] for n in neighbours.get(slot, ()) if n in position]
        keys.append((sum(placed) / len(placed) if placed else float(index), index))
    order = sorted(range(len(row)), key=keys.__getitem__)
    row[:] = [row[index] for index in order]


def _crossings(rows: Sequence[Sequence[Slot]], below: Mapping[Slot, Sequence[Slot]]) -> int:
    """Pairs of segments that cross between neighbouring layers."""
    total = 0
    for upper, lower in itertools.pairwise(rows):
        position = {slot: index for index, slot in enumerate(lower)}
        ends = sorted((i, position[n]) for i, slot in enumerate(upper)
                      for n in below.get(slot, ()) if n in position)
        seen: list[int] = []
        for _, end in ends:
            total += len(seen) - bisect.bisect_right(seen, end)
            bisect.insort(seen, end)
    return total
