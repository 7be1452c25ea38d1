"""The architecture a learner builds: typed nodes with counts, directed edges, undo.

The graph keeps its own invariants (ids exist, counts in range, no self-loops,
bounded size) and raises `DesignError`s that explain a refusal. It knows nothing
of the command grammar or the catalogue; `commands` resolves what a learner typed
into calls here.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from tutorbot.errors import InputError

MAX_INSTANCES = 10_000
MAX_NODES = 50
MAX_EDGES = 200
MAX_UNDO = 100


class DesignError(InputError):
    """A change the design refuses; the message says why and what would work."""


@dataclass
class DesignNode:
    id: str
    type: str
    label: str
    count: int = 1
    params: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class _State:
    nodes: dict[str, DesignNode] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)


class Design:
    """A learner's design. Every mutating method records an undo point first."""

    def __init__(self) -> None:
        self._state = _State()
        self._history: list[_State] = []

    # --- reading -----------------------------------------------------------

    @property
    def nodes(self) -> list[DesignNode]:
        return list(self._state.nodes.values())

    @property
    def edges(self) -> list[tuple[str, str]]:
        return list(self._state.edges)

    def node(self, node_id: str) -> DesignNode | None:
        return self._state.nodes.get(node_id)

    def nodes_of(self, type_: str) -> list[DesignNode]:
        return [node for node in self._state.nodes.values() if node.type == type_]

    def count_of(self, type_: str) -> int:
        return sum(node.count for node in self.nodes_of(type_))

    def has_edge(self, source: str, target: str) -> bool:
        return (source, target) in self._state.edges

    def successors(self, node_id: str) -> Iterator[str]:
        return (target for source, target in self._state.edges if source == node_id)

    def is_empty(self) -> bool:
        return not self._state.nodes

    @property
    def can_undo(self) -> bool:
        return bool(self._history)

    # --- changing ----------------------------------------------------------

    def add(self, node_id: str, type_: str, label: str, count: int) -> DesignNode:
        """Add instances: to the node `node_id` if it exists, else as a new node."""
        _check_count(count)
        existing = self._state.nodes.get(node_id)
        if existing is not None:
            if existing.type != type_:
                raise DesignError(
                    f"'{node_id}' is already a {existing.type}; "
                    f"name the new {type_} differently, e.g. 'add {type_} as {type_}_2'"
                )
            _check_count(existing.count + count, total=True)
            self._record()
            existing.count += count
            return existing
        if len(self._state.nodes) >= MAX_NODES:
            raise DesignError(
                f"a design holds at most {MAX_NODES} components; remove one first"
            )
        self._record()
        node = DesignNode(node_id, type_, label, count)
        self._state.nodes[node_id] = node
        return node

    def remove(self, node_id: str, count: int | None = None) -> DesignNode | None:
        """Remove `count` instances, or the whole node (and its edges) if None.

        Returns the node if instances remain, None if the node is gone.
        """
        node = self._require(node_id)
        if count is not None:
            _check_count(count)
            if count > node.count:
                raise DesignError(
                    f"'{node_id}' has only {_instances(node.count)}; "
                    f"'remove {node.count} {node_id}' removes them all"
                )
            if count < node.count:
                self._record()
                node.count -= count
                return node
        self._record()
        del self._state.nodes[node_id]
        self._state.edges = [
            edge for edge in self._state.edges if node_id not in edge
        ]
        return None

    def scale(self, node_id: str, count: int) -> DesignNode:
        node = self._require(node_id)
        _check_count(count, total=True)
        self._record()
        node.count = count
        return node

    def connect(self, source: str, target: str) -> bool:
        """Add the edge; False if it was already there."""
        self._require(source)
        self._require(target)
        if source == target:
            raise DesignError(f"'{source}' cannot connect to itself")
        if self.has_edge(source, target):
            return False
        if len(self._state.edges) >= MAX_EDGES:
            raise DesignError(
                f"a design holds at most {MAX_EDGES} connections; remove one first"
            )
        self._record()
        self._state.edges.append((source, target))
        return True

    def disconnect(self, source: str, target: str) -> None:
        self._require(source)
        self._require(target)
        if not self.has_edge(source, target):
            raise DesignError(f"there is no connection {source} → {target} to remove")
        self._record()
        self._state.edges.remove((source, target))

    def set_param(self, node_id: str, name: str, value: Decimal) -> DesignNode:
        node = self._require(node_id)
        self._record()
        node.params[name] = value
        return node

    def undo(self) -> bool:
        """Go back one change; False when there is nothing to undo."""
        if not self._history:
            return False
        self._state = self._history.pop()
        return True

    def reset(self) -> None:
        self._record()
        self._state = _State()

    # --- internals -----------------------------------------------------------

    def _require(self, node_id: str) -> DesignNode:
        node = self._state.nodes.get(node_id)
        if node is None:
            present = ", ".join(self._state.nodes) or "nothing yet"
            raise DesignError(f"there is no '{node_id}' in your design (it has: {present})")
        return node

    def _record(self) -> None:
        self._history.append(copy.deepcopy(self._state))
        del self._history[:-MAX_UNDO]


def _check_count(count: int, *, total: bool = False) -> None:
    if not 1 <= count <= MAX_INSTANCES:
        what = "a component's total" if total else "a count"
        raise DesignError(
            f"{what} must be between 1 and {MAX_INSTANCES:,} instances, not {count:,}"
        )


def _instances(count: int) -> str:
    return f"{count} instance" if count == 1 else f"{count} instances"
