"""The design graph: its invariants, its refusals and its named undo points."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from tutorbot.design.graph import (
    MAX_EDGES,
    MAX_INSTANCES,
    MAX_NODES,
    MAX_UNDO,
    Design,
    DesignError,
)
from tutorbot.errors import InputError


def blog() -> Design:
    design = Design()
    for node_id, count in [("client", 1), ("lb", 1), ("app", 8), ("db_primary", 1)]:
        design.add(node_id, node_id, node_id.title(), count)
    for source, target in [("client", "lb"), ("lb", "app"), ("app", "db_primary")]:
        design.connect(source, target)
    return design


def snapshot(design: Design) -> object:
    nodes = {n.id: (n.type, n.label, n.count, dict(n.params)) for n in design.nodes}
    return nodes, design.edges


REFUSALS: list[tuple[str, Callable[[Design], object], str]] = [
    ("zero count", lambda d: d.add("cache", "cache", "Cache", 0), "between 1 and"),
    ("negative count", lambda d: d.add("cache", "cache", "Cache", -3), "not -3"),
    ("total too big", lambda d: d.add("app", "app", "App", MAX_INSTANCES),
     "a component's total"),
    ("id of another type", lambda d: d.add("app", "lb", "LB", 1),
     "'app' is already a app"),
    ("malformed id", lambda d: d.add("Ws LB", "lb", "LB", 1), "an id is"),
    ("empty label", lambda d: d.add("cache", "cache", "  ", 1), "a label has"),
    ("long label", lambda d: d.add("cache", "cache", "x" * 81, 1), "a label has"),
    ("remove missing", lambda d: d.remove("cache"), "there is no 'cache'"),
    ("remove too many", lambda d: d.remove("app", 9), "'app' has only 8 instances"),
    ("scale to zero", lambda d: d.scale("app", 0), "between 1 and"),
    ("self loop", lambda d: d.connect("app", "app"), "cannot connect to itself"),
    ("edge to nowhere", lambda d: d.connect("app", "cache"), "no 'cache'"),
    ("missing edge", lambda d: d.disconnect("client", "app"), "no connection"),
    ("param of nothing", lambda d: d.set_param("cdn", "hit_rate", Decimal(1)), "cdn"),
]


@pytest.mark.parametrize(
    ("name", "act", "fragment"), REFUSALS, ids=[case[0] for case in REFUSALS]
)
def test_refusals_leave_the_design_and_its_history_alone(
    name: str, act: Callable[[Design], object], fragment: str
) -> None:
    design = blog()
    before, revision, last = snapshot(design), design.revision, design.last_change

    with pytest.raises(DesignError) as refused:
        act(design)

    assert fragment in str(refused.value)
    assert isinstance(refused.value, InputError)
    assert snapshot(design) == before
    assert (design.revision, design.last_change) == (revision, last)


def test_reading_the_design() -> None:
    design = blog()

    design.add("api_lb", "lb", "ALB", 2)

    assert [node.id for node in design.nodes_of("lb")] == ["lb", "api_lb"]
    assert design.count_of("lb") == 3
    assert design.has_edge("lb", "app") and not design.has_edge("app", "lb")
    assert list(design.successors("app")) == ["db_primary"]
    assert not design.is_empty() and Design().is_empty()


def test_adding_to_an_existing_node_adds_instances_and_takes_the_label() -> None:
    design = blog()

    node = design.add("app", "app", "App Servers", 2)

    assert (node.count, node.label) == (10, "App Servers")
    assert len(design.nodes_of("app")) == 1


def test_removing_a_node_removes_its_edges() -> None:
    design = blog()

    assert design.remove("app") is None

    assert design.node("app") is None
    assert design.edges == [("client", "lb")]


@pytest.mark.parametrize(("count", "left"), [(3, 5), (8, None)])
def test_removing_instances(count: int, left: int | None) -> None:
    design = blog()

    node = design.remove("app", count)

    assert (node.count if node else None) == left


def test_connecting_twice_is_unchanged() -> None:
    design = blog()
    revision = design.revision

    assert design.connect("lb", "app") is False

    assert design.revision == revision
    assert design.edges.count(("lb", "app")) == 1


def full_of_nodes() -> Design:
    design = Design()
    for i in range(MAX_NODES):
        design.add(f"n{i}", "app", "App", 1)
    return design


def test_nodes_are_bounded() -> None:
    design = full_of_nodes()

    with pytest.raises(DesignError, match="at most 50 components"):
        design.add("one_more", "app", "App", 1)

    assert len(design.nodes) == MAX_NODES


def test_edges_are_bounded() -> None:
    design = full_of_nodes()
    for i in range(MAX_EDGES):
        design.connect(f"n{i % MAX_NODES}", f"n{(i // MAX_NODES + i + 1) % MAX_NODES}")

    with pytest.raises(DesignError, match="at most 200 connections"):
        design.connect("n0", "n49")

    assert len(design.edges) == MAX_EDGES


CHANGES: list[tuple[Callable[[Design], object], str]] = [
    (lambda d: d.add("cache", "cache", "Cache", 2), "add 2 cache"),
    (lambda d: d.add("app", "app", "App", 2), "add 2 app"),
    (lambda d: d.remove("app"), "remove app"),
    (lambda d: d.remove("app", 2), "remove 2 app"),
    (lambda d: d.scale("app", 3), "scale app 3"),
    (lambda d: d.connect("client", "app"), "connect client app"),
    (lambda d: d.disconnect("lb", "app"), "disconnect lb app"),
    (lambda d: d.set_param("app", "zones", Decimal(2)), "set app zones 2"),
    (lambda d: d.reset(), "reset"),
]


@pytest.mark.parametrize(("act", "description"), CHANGES, ids=[c[1] for c in CHANGES])
def test_each_change_is_undone_by_name(
    act: Callable[[Design], object], description: str
) -> None:
    design = blog()
    before = snapshot(design)

    act(design)
    undone = design.undo()

    assert undone == description
    assert snapshot(design) == before


def test_undo_walks_back_in_order_and_then_says_none() -> None:
    design = Design()
    design.add("app", "app", "App", 1)
    design.scale("app", 5)

    assert design.last_change == "scale app 5"
    assert design.undo() == "scale app 5"
    assert design.undo() == "add 1 app"
    assert design.undo() is None
    assert not design.can_undo and design.is_empty()


def test_history_is_bounded() -> None:
    design = Design()
    design.add("app", "app", "App", 1)

    for count in range(2, MAX_UNDO + 10):
        design.scale("app", count)
    undone = 0
    while design.undo():
        undone += 1

    assert undone == MAX_UNDO
    assert design.node("app") is not None


def test_a_change_groups_calls_into_one_undo_point() -> None:
    design = blog()
    before = snapshot(design)

    with design.change("connect client -> app -> lb"):
        design.connect("client", "app")
        design.connect("app", "lb")

    assert design.has_edge("client", "app") and design.has_edge("app", "lb")
    assert design.undo() == "connect client -> app -> lb"
    assert snapshot(design) == before


def test_a_change_that_fails_part_way_changes_nothing() -> None:
    design = blog()
    before, revision = snapshot(design), design.revision

    with pytest.raises(DesignError), design.change("connect client -> app -> app"):
        design.connect("client", "app")
        design.connect("app", "app")

    assert snapshot(design) == before
    assert design.revision == revision
    assert design.last_change == "connect app db_primary"


def test_a_change_that_changes_nothing_leaves_no_undo_point() -> None:
    design = blog()
    revision = design.revision

    with design.change("connect lb app"):
        design.connect("lb", "app")

    assert design.revision == revision
    assert design.last_change == "connect app db_primary"


def test_a_nested_change_belongs_to_the_outer_one() -> None:
    design = Design()

    with design.change("outer"):
        design.add("app", "app", "App", 1)
        with design.change("inner"):
            design.scale("app", 4)

    assert design.undo() == "outer"
    assert design.is_empty()


def test_revision_moves_on_every_change_and_undo() -> None:
    design = Design()
    seen = [design.revision]

    design.add("app", "app", "App", 1)
    seen.append(design.revision)
    design.undo()
    seen.append(design.revision)

    assert len(set(seen)) == 3
