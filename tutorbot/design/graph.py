"""The architecture a learner builds: typed nodes with counts, directed edges, undo.

The graph keeps its own invariants (ids well formed and present, counts in range,
no self-loops, bounded size) and raises `DesignError`s that explain a refusal. It
knows nothing of the command grammar or the catalogue; `commands` resolves what a
learner typed into calls here.

Every change is recorded as an undo point with a short description, so `undo` can
say what it undid. `Design.change` groups several calls into one undo point and
makes them all-or-nothing: if any call inside refuses, none of them happened.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from tutorbot.errors import InputError

MAX_INSTANCES = 10_000
MAX_NODES = 50
MAX_EDGES = 200
MAX_UNDO = 100
MAX_LABEL = 80

_NODE_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")


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

    def copy(self) -> _State:
        """An independent copy, made field by field: far cheaper than deepcopy,
        and every mutating command records one for undo."""
        nodes = {
            node_id: DesignNode(node.id, node.type, node.label, node.count, dict(node.params))
            for node_id, node in self.nodes.items()
        }
        return _State(nodes, list(self.edges))


@dataclass(frozen=True)
class _UndoPoint:
    description: str
    before: _State


class Design:
    """A learner's design. Every change records an undo point first."""

    def __init__(self) -> None:
        self._state = _State()
        self._history: list[_UndoPoint] = []
        self._open: str | None = None
        self._before: _State | None = None
        self._revision = 0

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

    @property
    def last_change(self) -> str | None:
        """What `undo` would undo, in words, or None when there is nothing."""
        return self._history[-1].description if self._history else None

    @property
    def revision(self) -> int:
        """A number that moves whenever the design changes or is undone."""
        return self._revision

    # --- changing ----------------------------------------------------------

    @contextmanager
    def change(self, description: str) -> Iterator[None]:
        """Make the calls inside one undo point, all of them or none.

        If a call inside raises, the design is put back as it was and the error
        goes on. If the calls left the design as it was, no undo point is kept.
        A `change` inside another one belongs to the outer one.
        """
        if self._open is not None:
            yield
            return
        # The copy is made by the first call that changes something, so a change
        # that turns out to change nothing (connecting what is connected) copies
        # nothing.
        self._open, self._before = description, None
        try:
            yield
        except BaseException:
            if self._before is not None:
                self._state = self._before
            raise
        finally:
            self._open = None
        before, self._before = self._before, None
        if before is not None and self._state != before:
            self._push(description, before)

    def add(self, node_id: str, type_: str, label: str, count: int) -> DesignNode:
        """Add instances to the node `node_id` if it exists, else as a new node.

        The node takes `label` either way.
        """
        _check_count(count)
        _check_label(label)
        existing = self._state.nodes.get(node_id)
        if existing is not None:
            if existing.type != type_:
                raise DesignError(
                    f"'{node_id}' is already a {existing.type}; name the new "
                    f"{type_} differently, e.g. 'add {type_} as {type_}_2'"
                )
            _check_count(existing.count + count, total=True)
            self._record(f"add {count} {node_id}")
            existing.count += count
            existing.label = label
            return existing
        _check_id(node_id)
        if len(self._state.nodes) >= MAX_NODES:
            raise DesignError(
                f"a design holds at most {MAX_NODES} components; remove one first"
            )
        self._record(f"add {count} {node_id}")
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
                self._record(f"remove {count} {node_id}")
                node.count -= count
                return node
        self._record(f"remove {node_id}")
        del self._state.nodes[node_id]
        self._state.edges = [edge for edge in self._state.edges if node_id not in edge]
        return None

    def scale(self, node_id: str, count: int) -> DesignNode:
        node = self._require(node_id)
        _check_count(count, total=True)
        self._record(f"scale {node_id} {count}")
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
        self._record(f"connect {source} {target}")
        self._state.edges.append((source, target))
        return True

    def disconnect(self, source: str, target: str) -> None:
        self._require(source)
        self._require(target)
        if not self.has_edge(source, target):
            raise DesignError(f"there is no connection {source} → {target} to remove")
        self._record(f"disconnect {source} {target}")
        self._state.edges.remove((source, target))

    def set_param(self, node_id: str, name: str, value: Decimal) -> DesignNode:
        node = self._require(node_id)
        self._record(f"set {node_id} {name} {value}")
        node.params[name] = value
        return node

    def undo(self) -> str | None:
        """Go back one change and say what it was; None when there is nothing."""
        if not self._history:
            return None
        point = self._history.pop()
        self._state = point.before
        self._revision += 1
        return point.description

    def reset(self) -> None:
        self._record("reset")
        self._state = _State()

    # --- internals -----------------------------------------------------------

    def _require(self, node_id: str) -> DesignNode:
        node = self._state.nodes.get(node_id)
        if node is None:
            present = ", ".join(self._state.nodes) or "nothing yet"
            raise DesignError(
                f"there is no '{node_id}' in your design (it has: {present})"
            )
        return node

    def _record(self, description: str) -> None:
        """Called by every mutation before it mutates."""
        if self._open is None:
            self._push(description, self._state.copy())
        elif self._before is None:
            # Inside `change` the undo point is kept when the change completes.
            self._before = self._state.copy()

    def _push(self, description: str, before: _State) -> None:
        self._history.append(_UndoPoint(description, before))
        del self._history[:-MAX_UNDO]
        self._revision += 1


def _check_count(count: int, *, total: bool = False) -> None:
    if not 1 <= count <= MAX_INSTANCES:
        what = "a component's total" if total else "a count"
        raise DesignError(
            f"{what} must be between 1 and {MAX_INSTANCES:,} instances, not {count:,}"
        )


def _check_id(node_id: str) -> None:
    if not _NODE_ID.fullmatch(node_id):
        raise DesignError(
            "an id is up to 40 lower-case letters, digits and underscores, "
            "starting with a letter, such as 'ws_lb'"
        )


def _check_label(label: str) -> None:
    if not label.strip() or len(label) > MAX_LABEL:
        raise DesignError(f"a label has 1 to {MAX_LABEL} characters")


def _instances(count: int) -> str:
    return f"{count} instance" if count == 1 else f"{count} instances"
