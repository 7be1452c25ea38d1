"""Running a learner's design: load, utilisation, latency, cost and availability.

The simulation is analytic and deterministic. The tutorial's `simulation` block
says what traffic enters at the client; it flows along the learner's edges by a
few rules, each one what the tutorials teach:

- A CDN answers its hit rate of reads and object fetches; a cache its hit rate
  of reads. What they miss goes on. A cache that leads nowhere is looked aside
  to: the server asks it first and sends the misses on by its other edges.
- Databases and object storage end a request; a stream ends what is written to
  it and hands it on, as messages, to whatever consumes it; a WebSocket server
  ends connections and delivers messages unless it passes them on to a stream.
- Among the next hops that can still serve a kind of traffic, reads prefer a
  read replica to the primary; messages prefer a WebSocket server to a stream.
  The traffic is spread over the hops left in proportion to their instances,
  as a load balancer spreads it.
- A server (compute or real-time) does all of its jobs: a write that must reach
  the primary, object storage and a stream is sent to each of them.

Each component with a capacity is an M/M/c queue: c servers (its instances; the
partitions of a stream sized per partition; one instance of a primary, whose
others are standbys), each serving its per-instance capacity a second. Its
utilisation is the offered load over the capacity, summed over kinds when their
capacities differ. The wait in its queue follows Erlang C: the chance of waiting
is C(c, a), and the wait beyond t is C·exp(−(cμ − λ)t), so the p-th percentile
wait is ln(C / (1 − p)) / (cμ − λ) when C > 1 − p and nothing otherwise. That
wait is added to the component's own response time from the catalogue. At
utilisation 1 or more no steady state exists and the latency is unbounded.

End to end, each request path (a CDN hit, a cache miss, ...) weighs what share
of the traffic takes it; the calls a server makes are added in sequence. The p50
is the weighted median of the paths' medians, the p99 the weighted 99th
percentile of their p99s: an estimate, not a distribution.

Availability multiplies, across every component that carries traffic, the
chance that at least one of its instances is up: series across tiers, parallel
within one. A component that carries traffic on one instance is a single point
of failure. Cost is every instance at its catalogue price.

Loads grow in proportion to the traffic (hit rates are fractions), so the load
the design carries before its first component saturates is found exactly: the
inverse of the highest utilisation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tutorbot.content.models import (
    TRAFFIC_KINDS,
    CapacityOverride,
    Catalogue,
    Component,
    Tutorial,
)
from tutorbot.content.models import Simulation as Workload
from tutorbot.design.graph import Design, DesignNode
from tutorbot.errors import InputError

MAX_LOAD_FACTOR = 1000.0
MAX_BRANCHES = 16
"""Request paths kept per component and kind; closer ones merge beyond this."""

_RATE_KINDS = ("read", "write", "message", "object")
_TERMINAL_ROLES = ("database", "storage")
_FORKING_ROLES = ("compute", "realtime")
_IGNORED_ROLES = ("observability",)
_REPLICA = "db_replica"
_PRIMARY = "db_primary"
_PRIMARY_SERVERS_ROLE = "database"

_UNITS = {"requests": "req/s", "queries": "queries/s", "messages": "msg/s",
          "connections": "connections"}
_KIND_UNITS = {"read": "req/s", "write": "req/s", "message": "msg/s",
               "object": "req/s", "connection": "connections"}
_KIND_NAMES = {"read": "reads", "write": "writes", "message": "messages",
               "object": "object fetches", "connection": "connections"}


# --- errors ----------------------------------------------------------------------


class SimulationError(InputError):
    """A simulation we cannot run; the message says why and what would work."""


class BadLoadFactor(SimulationError):
    def __init__(self, text: str) -> None:
        super().__init__(
            f"a load factor is a number above 0 and at most {MAX_LOAD_FACTOR:,.0f}, "
            f"such as 2 or 1.5x, not {text}"
        )


class NoSuchComponent(SimulationError):
    def __init__(self, target: str, present: Iterable[str]) -> None:
        have = ", ".join(present) or "nothing yet"
        super().__init__(f"there is no '{target}' in your design to fail (it has: {have})")


class BadFailure(SimulationError):
    """A failure that names a component but cannot happen as asked."""


class DesignLoop(SimulationError):
    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__(
            f"your design has a loop, {' → '.join(cycle)}: traffic would go round it "
            f"for ever; remove one of its connections, e.g. "
            f"'disconnect {cycle[-2]} {cycle[-1]}'"
        )


class NotConnected(SimulationError):
    """Nothing the tutorial's traffic needs can be reached from the client."""


class NoWorkload(SimulationError):
    def __init__(self, tutorial_id: str) -> None:
        super().__init__(f"the tutorial '{tutorial_id}' says no traffic to simulate")


# --- what a learner asks for ---------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """`count` instances of the component `target` (an id or a type) fail;
    all of them when `count` is None."""

    target: str
    count: int | None = None


_FACTOR = re.compile(r"\s*[x×]?\s*([0-9][0-9_,]*(?:\.[0-9]+)?|\.[0-9]+)\s*(x|×|%)?\s*", re.I)


def parse_load(text: str) -> float:
    """'2x', '1.5', '×3', '150%' → the load factor, or `BadLoadFactor`."""
    match = _FACTOR.fullmatch(text)
    if match is None:
        raise BadLoadFactor(repr(text.strip()[:20]))
    number = float(match.group(1).replace(",", "").replace("_", ""))
    factor = number / 100 if match.group(2) == "%" else number
    return check_load(factor)


def check_load(factor: float) -> float:
    if not (math.isfinite(factor) and 0 < factor <= MAX_LOAD_FACTOR):
        shown = f"{factor:,.0f}" if math.isfinite(factor) and factor == int(factor) else (
            f"{factor:,g}" if math.isfinite(factor) else str(factor))
        raise BadLoadFactor(shown)
    return factor


def parse_failure(text: str) -> Failure:
    """'app', 'app 2', 'app:2' → which component fails and how many instances."""
    words = text.replace(":", " ").split()
    if len(words) == 1:
        return Failure(words[0].lower())
    if len(words) == 2 and words[1].isdigit():
        return Failure(words[0].lower(), int(words[1]))
    raise BadFailure("say which component fails and, if not all of it, how many: "
                     "'fail app' or 'fail app 2'")


RUN_USAGE = "`simulate`, `simulate peak`, `simulate 2x`, `fail app 2` or `fail cache peak`"
_RUN_VERBS = ("simulate", "sim", "fail")


@dataclass(frozen=True)
class Run:
    """A run a learner asked for: the load, the peak or not, and what fails."""

    load: float = 1.0
    peak: bool = False
    fail: Failure | None = None

    @property
    def command(self) -> str:
        """The run as a learner would type it, so a picture can be drawn from it later."""
        words = ["simulate"]
        if self.peak:
            words.append("peak")
        if self.load != 1:
            words.append(f"{self.load:g}x")
        if self.fail is not None:
            words += ["fail", self.fail.target]
            if self.fail.count is not None:
                words.append(str(self.fail.count))
        return " ".join(words)


def is_run(text: str) -> bool:
    """Whether the text asks for a simulation (its first word is simulate, sim or fail)."""
    words = text.split(maxsplit=1)
    return bool(words) and words[0].lower().lstrip("/") in _RUN_VERBS


def reads_as_run(text: str) -> bool:
    """Whether the text is a run that can be read (`fail over to a replica` is not)."""
    try:
        parse_run(text)
    except SimulationError:
        return False
    return True


def parse_run(text: str) -> Run:
    """'simulate', 'simulate peak', 'simulate 2x', 'fail app 2', 'fail cache peak',
    'simulate peak fail app:2' → the `Run`, or a `SimulationError` that says what works."""
    words = text.lower().replace(":", " ").split()[:12]
    if not words or words[0].lstrip("/") not in _RUN_VERBS:
        raise SimulationError(f"I run designs with {RUN_USAGE}")
    failing = words[0].lstrip("/") == "fail"
    peak, load, target = False, 1.0, list[str]()
    for word in words[1:]:
        if word == "peak":
            peak = True
        elif word == "fail":
            failing = True
        elif failing and (not target or (len(target) == 1 and word.isdigit())):
            target.append(word)
        elif word[:1].isdigit() or word[:1] in "x×.-+":
            load = parse_load(word)
        else:
            raise SimulationError(f"I don't know '{word[:20]}' in a run; try {RUN_USAGE}")
    if failing and not target:
        raise BadFailure("say which component fails and, if not all of it, how many: "
                         "'fail app' or 'fail app 2'")
    return Run(load, peak, parse_failure(" ".join(target)) if target else None)


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentResult:
    """One component under the simulated load."""

    id: str
    type: str
    name: str
    emoji: str
    instances: int
    load: float
    capacity: float | None
    utilisation: float | None
    unit: str
    cost_per_month: float
    down: bool = False
    loads: Mapping[str, float] = field(default_factory=dict)

    @property
    def overloaded(self) -> bool:
        return self.utilisation is not None and self.utilisation > 1

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "type": self.type, "instances": self.instances,
            "load": _round(self.load), "capacity": _maybe(self.capacity),
            "utilisation": _maybe(self.utilisation, 6), "unit": self.unit,
            "down": self.down, "cost_per_month": round(self.cost_per_month, 2),
        }


@dataclass(frozen=True)
class TrafficResult:
    """One kind of the tutorial's traffic: how much came in and how much was served."""

    kind: str
    label: str
    offered: float
    served: float
    sinks: tuple[str, ...]

    @property
    def lost(self) -> float:
        return max(self.offered - self.served, 0.0)

    @property
    def unit(self) -> str:
        return _KIND_UNITS[self.kind]


@dataclass(frozen=True)
class SimulationResult:
    """The whole picture of one run: per component, end to end, and what broke."""

    tutorial_id: str
    phase: str
    load_factor: float
    failure: Failure | None
    components: tuple[ComponentResult, ...]
    traffic: tuple[TrafficResult, ...]
    bottleneck: str | None
    max_load_factor: float | None
    p50_ms: float | None
    p99_ms: float | None
    cost_per_month: float
    availability: float
    single_points_of_failure: tuple[str, ...]
    changes: tuple[str, ...] = ()

    @property
    def utilisation(self) -> dict[str, float]:
        """Node id → utilisation, for the components that have a capacity."""
        return {c.id: c.utilisation for c in self.components if c.utilisation is not None}

    def component(self, node_id: str) -> ComponentResult:
        return next(c for c in self.components if c.id == node_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "components": [component.to_json() for component in self.components],
            "bottleneck": self.bottleneck,
            "max_load_factor": _maybe(self.max_load_factor, 6),
            "latency_ms": {"p50": _maybe(self.p50_ms, 3), "p99": _maybe(self.p99_ms, 3)},
            "cost_per_month": round(self.cost_per_month, 2),
            "availability": round(self.availability, 9),
            "single_points_of_failure": list(self.single_points_of_failure),
            "phase": self.phase,
            "load_factor": _round(self.load_factor),
            "failure": None if self.failure is None else {
                "component": self.failure.target, "instances": self.failure.count},
            "traffic": [
                {"kind": t.kind, "label": t.label, "offered": _round(t.offered),
                 "served": _round(t.served), "unit": t.unit, "sinks": list(t.sinks)}
                for t in self.traffic
            ],
            "changes": list(self.changes),
        }

    def describe(self) -> str:
        return describe(self)


def _round(value: float, digits: int = 4) -> float:
    return round(value, digits)


def _maybe(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)


# --- running ---------------------------------------------------------------------------


def simulate(
    design: Design,
    tutorial: Tutorial,
    catalogue: Catalogue,
    *,
    load: float = 1.0,
    peak: bool = False,
    fail: Failure | None = None,
) -> SimulationResult:
    """Push the tutorial's traffic through `design`: normal load by default, each
    traffic's peak factor with `peak`, times `load`, with `fail` failed."""
    workload = tutorial.simulation
    if workload is None:
        raise NoWorkload(tutorial.id)
    check_load(load)
    failed = _resolve_failure(design, catalogue, fail) if fail is not None else None
    rates = _rates(workload, load, peak)
    whole = _Network(design, catalogue, workload, None)
    flow = whole.run(rates)
    if not any(flow.served.values()):
        raise NotConnected(whole.why_unconnected(rates))
    network = whole
    changes: tuple[str, ...] = ()
    if failed is not None:
        network = _Network(design, catalogue, workload, failed)
        baseline, flow = flow, network.run(rates)
        changes = tuple(_changes(network, flow, baseline, failed))
    return _result(tutorial, workload, network, flow, _phase(peak, load, failed),
                   load, fail, changes)


def reference_run(tutorial: Tutorial, catalogue: Catalogue, text: str) -> SimulationResult:
    """The tutorial's reference design run as `text` says ('fail cache', 'simulate peak')."""
    from tutorbot.design import commands

    palette = commands.Palette.for_tutorial(catalogue, tutorial)
    design = commands.build(palette, commands.commands_for(tutorial.reference))
    run = parse_run(text)
    return simulate(design, tutorial, catalogue, load=run.load, peak=run.peak, fail=run.fail)


def _rates(workload: Workload, load: float, peak: bool) -> dict[str, tuple[float, str]]:
    """Kind → (rate, label) of the traffic entering at the client."""
    rates: dict[str, tuple[float, str]] = {}
    for traffic in workload.traffic:
        factor = float(traffic.peak_factor or workload.peak_factor) if peak else 1.0
        label = traffic.label or _KIND_NAMES[traffic.kind]
        rates[traffic.kind] = (float(traffic.rate) * factor * load, label)
    return rates


def _phase(peak: bool, load: float, failed: _Failed | None) -> str:
    words = ["peak" if peak else "normal"]
    if load != 1:
        words.append(f"× {_number(load)}")
    if failed is not None:
        words.append(f"with {failed.what} failed")
    return " ".join(words)


@dataclass(frozen=True)
class _Failed:
    node_id: str
    count: int
    whole: bool
    what: str


def _resolve_failure(design: Design, catalogue: Catalogue, fail: Failure) -> _Failed:
    node = design.node(fail.target)
    if node is None:
        same_type = design.nodes_of(fail.target)
        if len(same_type) > 1:
            ids = ", ".join(n.id for n in same_type)
            raise BadFailure(f"your design has several {fail.target} nodes ({ids}); "
                             f"say which one fails, e.g. 'fail {same_type[0].id}'")
        if not same_type:
            raise NoSuchComponent(fail.target, (n.id for n in design.nodes))
        node = same_type[0]
    component = catalogue.get(node.type)
    if component is not None and component.role == "entry":
        raise BadFailure(f"'{node.id}' is where the traffic comes from; "
                         "fail a component that serves it")
    count = node.count if fail.count is None else fail.count
    if count < 1:
        raise BadFailure(f"fail at least one instance, e.g. 'fail {node.id} 1'")
    if count > node.count:
        raise BadFailure(f"'{node.id}' has only {node.count:,} instance"
                         f"{'s' if node.count != 1 else ''}; "
                         f"'fail {node.id}' fails them all")
    whole = count == node.count
    what = f"all of {node.id}" if whole and node.count > 1 else node.id
    if not whole:
        what = f"{count:,} of {node.count:,} {node.id}"
    return _Failed(node.id, count, whole, what)


# --- the network --------------------------------------------------------------------


@dataclass
class _Node:
    id: str
    type: str
    name: str
    emoji: str
    role: str
    built: int
    count: int
    down: bool
    latency: float
    price: float
    availability: float
    hit_rate: float
    servers: int
    per_server: dict[str, float]
    unit: str


@dataclass
class _Flow:
    """Where the traffic of one run went."""

    loads: dict[str, dict[str, float]]
    offered: dict[str, float]
    served: dict[str, float]
    sinks: dict[str, dict[str, float]]
    labels: dict[str, str]


class _Network:
    """The design as the simulation sees it: nodes with figures, request edges,
    a topological order, and each node's routes per kind of traffic."""

    def __init__(self, design: Design, catalogue: Catalogue, workload: Workload,
                 failed: _Failed | None) -> None:
        self.nodes: dict[str, _Node] = {}
        types = _types(catalogue, workload)
        for node in design.nodes:
            prepared = _prepare(node, types, workload, failed)
            if prepared is not None:
                self.nodes[prepared.id] = prepared
        self.successors: dict[str, list[str]] = {node_id: [] for node_id in self.nodes}
        for source, target in design.edges:
            if self._carries(source, target):
                self.successors[source].append(target)
        self.clients = [n.id for n in self.nodes.values() if n.role == "entry"]
        self.order = self._order()
        self.routes = self._routes()
        self._groups: dict[tuple[str, str], list[list[tuple[str, float]]]] = {}

    def _carries(self, source: str, target: str) -> bool:
        """Whether a request can travel this edge: from a live component that
        forwards, to a live one that is not the client."""
        a, b = self.nodes.get(source), self.nodes.get(target)
        if a is None or b is None or b.role == "entry":
            return False
        if (a.down and a.role != "cache") or (b.down and b.role != "cache"):
            return False
        return a.role not in _TERMINAL_ROLES

    def _order(self) -> list[str]:
        """Nodes reachable from a client, each before everything it sends to;
        `DesignLoop` if the edges go round."""
        state: dict[str, int] = {}
        order: list[str] = []
        for client in self.clients:
            if client in state:
                continue
            state[client] = 1
            stack = [(client, iter(self.successors[client]))]
            path = [client]
            while stack:
                node_id, successors = stack[-1]
                successor = next(successors, None)
                if successor is None:
                    stack.pop()
                    path.pop()
                    state[node_id] = 2
                    order.append(node_id)
                elif state.get(successor) == 1:
                    raise DesignLoop([*path[path.index(successor):], successor])
                elif successor not in state:
                    state[successor] = 1
                    path.append(successor)
                    stack.append((successor, iter(self.successors[successor])))
        order.reverse()
        return order

    def _routes(self) -> dict[tuple[str, str], int]:
        """(node, kind) → the best rank of an end this node can bring that kind to;
        absent when it can bring it to none."""
        routes: dict[tuple[str, str], int] = {}
        for node_id in reversed(self.order):
            node = self.nodes[node_id]
            for kind in TRAFFIC_KINDS:
                rank = self._rank(node, kind, routes)
                if rank is not None:
                    routes[node_id, kind] = rank
        return routes

    def _rank(self, node: _Node, kind: str, routes: dict[tuple[str, str], int]) -> int | None:
        own = None if node.down else _end_rank(node, kind)
        if node.role in _TERMINAL_ROLES:
            return own
        out = _out_kind(node, kind)
        if out is None:
            return own
        ranks = [routes[s, out] for s in self.successors[node.id] if (s, out) in routes]
        if own is not None:
            ranks.append(own)
        return min(ranks) if ranks else None

    def ends_here(self, node: _Node, kind: str) -> bool:
        if node.down or _end_rank(node, kind) is None:
            return False
        out = _out_kind(node, kind)
        return node.role in _TERMINAL_ROLES or out is None or not any(
            (s, out) in self.routes for s in self.successors[node.id])

    def groups(self, node: _Node, out: str) -> list[list[tuple[str, float]]]:
        """The next hops of `out` traffic: one group per job a server does (all of
        them get the traffic), within a group the best-ranked hops, each with its
        share."""
        key = (node.id, out)
        if key not in self._groups:
            self._groups[key] = self._group(node, out)
        return self._groups[key]

    def _group(self, node: _Node, out: str) -> list[list[tuple[str, float]]]:
        eligible = [s for s in self.successors[node.id] if (s, out) in self.routes]
        if not eligible:
            return []
        if node.role in _FORKING_ROLES:
            by_job: dict[str, list[str]] = {}
            for successor in eligible:
                by_job.setdefault(_job(self.nodes[successor].role), []).append(successor)
            chosen = list(by_job.values())
        else:
            chosen = [eligible]
        groups = []
        for group in chosen:
            best = min(self.routes[s, out] for s in group)
            kept = [s for s in group if self.routes[s, out] == best]
            weight = sum(self.nodes[s].count for s in kept)
            groups.append([(s, self.nodes[s].count / weight) for s in kept])
        return groups

    def aside(self, node: _Node, out: str) -> list[_Node]:
        """Caches a server looks aside to for reads: they lead nowhere themselves."""
        if out != "read" or node.role not in _FORKING_ROLES:
            return []
        return [self.nodes[s] for s in self.successors[node.id]
                if self.nodes[s].role == "cache" and not self.nodes[s].down
                and (s, "read") not in self.routes]

    def run(self, rates: Mapping[str, tuple[float, str]]) -> _Flow:
        """Carry each kind's rate from the clients to where it ends.

        Traffic only ever goes to a next hop that can bring it to an end, so what
        a client can route is served in full and what it cannot is lost.
        """
        arriving: dict[str, dict[str, float]] = {node_id: {} for node_id in self.order}
        loads: dict[str, dict[str, float]] = {node_id: {} for node_id in self.nodes}
        sinks: dict[str, dict[str, float]] = {}
        served = {}
        for kind, (rate, _) in rates.items():
            routed = [c for c in self.clients if (c, kind) in self.routes]
            served[kind] = rate if routed else 0.0
            for client in routed:
                arriving[client][kind] = arriving[client].get(kind, 0) + rate / len(routed)
        for node_id in self.order:
            node = self.nodes[node_id]
            for kind, amount in arriving[node_id].items():
                self._pass(node, kind, amount, arriving, loads, sinks)
        offered = {kind: rate for kind, (rate, _) in rates.items()}
        labels = {kind: label for kind, (_, label) in rates.items()}
        return _Flow(loads, offered, served, sinks, labels)

    def _pass(self, node: _Node, kind: str, amount: float,
              arriving: dict[str, dict[str, float]], loads: dict[str, dict[str, float]],
              sinks: dict[str, dict[str, float]]) -> None:
        if amount <= 0:
            return
        if node.role != "entry" and not node.down:
            loads[node.id][kind] = loads[node.id].get(kind, 0) + amount
        rest = amount * (1 - _absorbs(node, kind))
        if rest < amount:
            _add(sinks, node.id, kind, amount - rest)
        if self.ends_here(node, kind):
            _add(sinks, node.id, kind, rest)
            return
        out = _out_kind(node, kind)
        if out is None:
            return
        groups = self.groups(node, out)
        caches = self.aside(node, out)
        for group in groups:
            share = rest
            if caches and self.nodes[group[0][0]].role in ("cache", "database"):
                share = self._look_aside(caches, share, loads, sinks)
            for successor, fraction in group:
                bucket = arriving[successor]
                bucket[out] = bucket.get(out, 0) + share * fraction

    def _look_aside(self, caches: list[_Node], amount: float,
                    loads: dict[str, dict[str, float]],
                    sinks: dict[str, dict[str, float]]) -> float:
        for cache in caches:
            loads[cache.id]["read"] = loads[cache.id].get("read", 0) + amount
            hits = amount * cache.hit_rate
            _add(sinks, cache.id, "read", hits)
            amount -= hits
        return amount

    def why_unconnected(self, rates: Mapping[str, tuple[float, str]]) -> str:
        if not self.nodes:
            return "your design is empty; start with 'add client'"
        if not self.clients:
            return ("your design has no client, so no traffic enters it; "
                    "'add client' and connect it to what it calls")
        kinds = ", ".join(_KIND_NAMES[kind] for kind in rates)
        return (f"nothing connects the client to where its {kinds} end (a database, "
                "object storage, a stream or a WebSocket server); "
                "connect a path such as 'connect client lb -> app -> db_primary'")


def _add(table: dict[str, dict[str, float]], node_id: str, kind: str, amount: float) -> None:
    if amount > 0:
        row = table.setdefault(node_id, {})
        row[kind] = row.get(kind, 0) + amount


def _end_rank(node: _Node, kind: str) -> int | None:
    """How much a kind of traffic prefers to end at this node: 0 best; None never."""
    match node.role:
        case "database" if node.type == _REPLICA:
            return 0 if kind == "read" else None
        case "database":
            return {"read": 1, "write": 0}.get(kind)
        case "storage":
            return 0 if kind in ("read", "write", "object") else None
        case "queue":
            return {"write": 0, "message": 1}.get(kind)
        case "realtime":
            return 0 if kind in ("message", "connection") else None
    return None


def _out_kind(node: _Node, kind: str) -> str | None:
    """What `kind` traffic leaves this node as: a stream hands on messages."""
    if node.role == "queue":
        return "message" if kind in ("write", "message") else None
    return kind


def _absorbs(node: _Node, kind: str) -> float:
    if node.down:
        return 0.0
    if node.role == "edge" and kind in ("read", "object"):
        return node.hit_rate
    if node.role == "cache" and kind == "read":
        return node.hit_rate
    return 0.0


def _job(role: str) -> str:
    """Which of a server's jobs a next hop does."""
    return {"cache": "data", "database": "data", "storage": "objects",
            "queue": "queue"}.get(role, "service")


@dataclass(frozen=True)
class _Kind:
    """What the catalogue and the tutorial say about one component type."""

    component: Component
    per_server: dict[str, float]
    per_partition: bool
    latency: float
    defaults: dict[str, float]


_KINDS_CACHE: dict[tuple[int, int], tuple[Catalogue, Workload, dict[str, _Kind | None]]] = {}
_KINDS_CACHE_SIZE = 64


def _types(catalogue: Catalogue, workload: Workload) -> dict[str, _Kind | None]:
    """Type → its figures, worked out once per catalogue and workload (both frozen)."""
    key = (id(catalogue), id(workload))
    cached = _KINDS_CACHE.get(key)
    if cached is not None and cached[0] is catalogue and cached[1] is workload:
        return cached[2]
    if len(_KINDS_CACHE) >= _KINDS_CACHE_SIZE:
        _KINDS_CACHE.clear()
    types: dict[str, _Kind | None] = {}
    for component in catalogue.components:
        if component.role in _IGNORED_ROLES:
            types[component.type] = None
            continue
        per_server, per_partition = _capacities(
            component, None, component.type, workload.capacity)
        latency = next((float(item.ms) for item in workload.latency
                        if item.component == component.type), float(component.latency_ms))
        defaults = {param.name: float(param.default) for param in component.params}
        types[component.type] = _Kind(component, per_server, per_partition, latency, defaults)
    _KINDS_CACHE[key] = (catalogue, workload, types)
    return types


def _prepare(node: DesignNode, types: Mapping[str, _Kind | None], workload: Workload,
             failed: _Failed | None) -> _Node | None:
    kind = types.get(node.type)
    if kind is None:
        return None
    component = kind.component
    count, down = node.count, False
    if failed is not None and failed.node_id == node.id:
        down = failed.whole
        count = node.count if down else node.count - failed.count
    per_server, per_partition = kind.per_server, kind.per_partition
    if any(override.node == node.id for override in workload.capacity):
        per_server, per_partition = _capacities(component, node.id, node.type,
                                                workload.capacity)
    if per_partition:
        servers = int(_param(node, kind, "partitions", 1))
    elif component.role == _PRIMARY_SERVERS_ROLE and node.type != _REPLICA:
        servers = 1
    else:
        servers = count
    return _Node(
        id=node.id, type=node.type, name=component.name, emoji=component.emoji,
        role=component.role, built=node.count, count=count, down=down, latency=kind.latency,
        price=float(component.price_per_month), availability=float(component.availability),
        hit_rate=_param(node, kind, "hit_rate", 0.0), servers=max(servers, 1),
        per_server=per_server, unit=_UNITS.get(component.capacity_unit or "", "req/s"),
    )


def _capacities(component: Component, node_id: str | None, type_: str,
                overrides: list[CapacityOverride]) -> tuple[dict[str, float], bool]:
    """Kind → what one server sustains a second; and whether servers are partitions."""
    per_server: dict[str, float] = {}
    per_partition = False
    figure, unit = component.capacity_per_instance, component.capacity_unit
    for kind in TRAFFIC_KINDS:
        chosen = _override(node_id, type_, kind, overrides)
        if chosen is not None:
            per_server[kind] = float(chosen.per_instance)
            per_partition = per_partition or chosen.per == "partition"
        elif figure is not None and (unit == "connections") == (kind == "connection"):
            per_server[kind] = float(figure)
    return per_server, per_partition


def _override(node_id: str | None, type_: str, kind: str,
              overrides: list[CapacityOverride]) -> CapacityOverride | None:
    """The most specific override: a node's before a type's, a kind's before all kinds'."""
    ranked = [
        ((0 if o.node else 2) + (0 if o.kind else 1), o) for o in overrides
        if ((o.node is not None and o.node == node_id) or o.component == type_)
        and o.kind in (kind, None)
    ]
    return min(ranked, key=lambda pair: pair[0])[1] if ranked else None


def _param(node: DesignNode, kind: _Kind, name: str, default: float) -> float:
    if name in node.params:
        return float(node.params[name])
    return kind.defaults.get(name, default)


# --- figures per component --------------------------------------------------------------


@dataclass(frozen=True)
class _Queue:
    utilisation: float | None
    capacity: float | None
    wait50: float
    wait99: float


def _queue(node: _Node, loads: Mapping[str, float]) -> _Queue:
    """Utilisation and M/M/c waits (ms) of one component under its loads."""
    if node.down:
        return _Queue(None, None, 0.0, 0.0)
    bounded = {kind: amount for kind, amount in loads.items() if kind in node.per_server}
    if not node.per_server:
        return _Queue(None, None, 0.0, 0.0)
    utilisation = sum(amount / (node.servers * node.per_server[kind])
                      for kind, amount in bounded.items())
    total = sum(bounded.values())
    if total > 0 and utilisation > 0:
        capacity = total / utilisation
    else:
        capacity = node.servers * next(iter(node.per_server.values()))
    rate_part = sum(amount / (node.servers * node.per_server[kind])
                    for kind, amount in bounded.items() if kind in _RATE_KINDS)
    rate_load = sum(amount for kind, amount in bounded.items() if kind in _RATE_KINDS)
    if rate_load <= 0:
        return _Queue(utilisation, capacity, 0.0, 0.0)
    if rate_part >= 1:
        return _Queue(utilisation, capacity, math.inf, math.inf)
    spare = rate_load / rate_part - rate_load
    chance = erlang_c(node.servers, rate_part * node.servers)
    return _Queue(utilisation, capacity, _wait(chance, spare, 0.50), _wait(chance, spare, 0.99))


def erlang_c(servers: int, offered: float) -> float:
    """The chance that an arrival waits in an M/M/c queue with `servers` servers and
    `offered` erlangs (arrival rate over one server's service rate), below saturation."""
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered * blocking / (k + offered * blocking)
    utilisation = offered / servers
    return blocking / (1 - utilisation * (1 - blocking))


def _wait(chance: float, spare_per_second: float, percentile: float) -> float:
    if chance <= 1 - percentile:
        return 0.0
    return math.log(chance / (1 - percentile)) / spare_per_second * 1000


# --- end to end ---------------------------------------------------------------------------

_Branch = tuple[float, float, float]
"""(share of the traffic, p50 ms, p99 ms) of one request path."""


class _Latency:
    """Request paths from each node onward, with their shares and times."""

    def __init__(self, network: _Network, queues: Mapping[str, _Queue]) -> None:
        self.network = network
        self.queues = queues
        self.memo: dict[tuple[str, str], list[_Branch]] = {}

    def paths(self, node_id: str, kind: str) -> list[_Branch]:
        key = (node_id, kind)
        if key not in self.memo:
            self.memo[key] = self._paths(self.network.nodes[node_id], kind)
        return self.memo[key]

    def _paths(self, node: _Node, kind: str) -> list[_Branch]:
        queue = self.queues.get(node.id)
        base = 0.0 if node.down or node.role == "entry" else node.latency
        own = (base + (queue.wait50 if queue else 0), base + (queue.wait99 if queue else 0))
        if self.network.ends_here(node, kind) or node.role == "queue":
            return [(1.0, *own)]
        out = _out_kind(node, kind)
        onward: list[_Branch] = [(1.0, 0.0, 0.0)]
        if out is not None:
            caches = self.network.aside(node, out)
            for group in self.network.groups(node, out):
                mixed = [(share * w, t50, t99) for successor, share in group
                         for w, t50, t99 in self.paths(successor, out)]
                if caches and self.network.nodes[group[0][0]].role in ("cache", "database"):
                    mixed = self._aside(caches, mixed)
                onward = _compress([(w1 * w2, a + b, c + d) for w1, a, c in onward
                                    for w2, b, d in mixed])
        hit = _absorbs(node, kind)
        branches = [(w * (1 - hit), own[0] + t50, own[1] + t99) for w, t50, t99 in onward]
        if hit > 0:
            branches.append((hit, *own))
        return _compress(branches)

    def _aside(self, caches: list[_Node], misses: list[_Branch]) -> list[_Branch]:
        branches: list[_Branch] = []
        spent = (0.0, 0.0)
        left = 1.0
        for cache in caches:
            queue = self.queues[cache.id]
            spent = (spent[0] + cache.latency + queue.wait50,
                     spent[1] + cache.latency + queue.wait99)
            branches.append((left * cache.hit_rate, *spent))
            left *= 1 - cache.hit_rate
        branches += [(left * w, spent[0] + t50, spent[1] + t99) for w, t50, t99 in misses]
        return branches


def _compress(branches: list[_Branch]) -> list[_Branch]:
    """At most MAX_BRANCHES paths: neighbours by time merge, weighted."""
    branches = [b for b in branches if b[0] > 0]
    if len(branches) <= MAX_BRANCHES:
        return branches
    branches.sort(key=lambda b: (b[1], b[2]))
    size = math.ceil(len(branches) / MAX_BRANCHES)
    merged = []
    for start in range(0, len(branches), size):
        chunk = branches[start:start + size]
        weight = sum(b[0] for b in chunk)
        merged.append((weight, sum(b[0] * b[1] for b in chunk) / weight,
                       sum(b[0] * b[2] for b in chunk) / weight))
    return merged


def _percentile(values: list[tuple[float, float]], percentile: float) -> float | None:
    """The weighted percentile of (weight, value) pairs; None when unbounded."""
    total = sum(weight for weight, _ in values)
    if total <= 0:
        return None
    running = 0.0
    for weight, value in sorted(values, key=lambda pair: pair[1]):
        running += weight
        if running >= percentile * total - 1e-12:
            return value if math.isfinite(value) else None
    return None


# --- assembling the result -----------------------------------------------------------------


def _result(tutorial: Tutorial, workload: Workload, network: _Network, flow: _Flow,
            phase: str, load: float, fail: Failure | None,
            changes: tuple[str, ...]) -> SimulationResult:
    queues = {node_id: _queue(node, flow.loads[node_id])
              for node_id, node in network.nodes.items()}
    components = tuple(_component(network.nodes[node_id], flow, queues[node_id])
                       for node_id in network.nodes if network.nodes[node_id].role != "entry")
    carrying = [c for c in components if not c.down and (c.load > 0 or _sinks_any(flow, c.id))]
    busiest = max((c for c in components if c.utilisation and c.load > 0),
                  key=lambda c: c.utilisation or 0.0, default=None)
    p50, p99 = _end_to_end(network, flow, queues)
    availability = 0.0 if any(flow.served[k] < flow.offered[k] for k in flow.offered) else 1.0
    for c in carrying:
        node = network.nodes[c.id]
        availability *= 1 - (1 - node.availability) ** node.count
    traffic = tuple(
        TrafficResult(kind, flow.labels[kind], flow.offered[kind], flow.served[kind],
                      tuple(_sinks_of(flow, network, kind)))
        for kind in flow.offered
    )
    return SimulationResult(
        tutorial_id=tutorial.id, phase=phase, load_factor=load, failure=fail,
        components=components, traffic=traffic,
        bottleneck=busiest.id if busiest else None,
        max_load_factor=1 / busiest.utilisation if busiest and busiest.utilisation else None,
        p50_ms=p50, p99_ms=p99,
        cost_per_month=sum(c.cost_per_month for c in components),
        availability=availability,
        single_points_of_failure=tuple(
            c.id for c in carrying if network.nodes[c.id].count == 1),
        changes=changes,
    )


def _component(node: _Node, flow: _Flow, queue: _Queue) -> ComponentResult:
    loads = flow.loads[node.id]
    if node.per_server:
        total = sum(amount for kind, amount in loads.items() if kind in node.per_server)
    else:
        total = sum(amount for kind, amount in loads.items() if kind in _RATE_KINDS)
    return ComponentResult(
        id=node.id, type=node.type, name=node.name, emoji=node.emoji,
        instances=0 if node.down else node.count, load=total, capacity=queue.capacity,
        utilisation=queue.utilisation, unit=_unit(node, loads),
        cost_per_month=node.price * node.built, down=node.down, loads=dict(loads),
    )


def _unit(node: _Node, loads: Mapping[str, float]) -> str:
    """The node's own unit; for one without a limit, the unit of what it carries."""
    if node.per_server:
        return node.unit
    if loads.keys() == {"connection"}:
        return "connections"
    return "req/s"


def _sinks_any(flow: _Flow, node_id: str) -> bool:
    return bool(flow.sinks.get(node_id))


def _sinks_of(flow: _Flow, network: _Network, kind: str) -> Iterable[str]:
    """The components where traffic that came in as `kind` ended."""
    kinds = {kind, "message"} if kind == "write" else {kind}
    for node_id, row in flow.sinks.items():
        node = network.nodes[node_id]
        if node.role in ("edge", "cache") and kind in row:
            continue
        if kinds & row.keys():
            yield node_id


def _end_to_end(network: _Network, flow: _Flow,
                queues: Mapping[str, _Queue]) -> tuple[float | None, float | None]:
    latency = _Latency(network, queues)
    medians: list[tuple[float, float]] = []
    tails: list[tuple[float, float]] = []
    for kind, rate in flow.offered.items():
        if kind not in _RATE_KINDS or rate <= 0:
            continue
        for client in network.clients:
            if (client, kind) not in network.routes:
                continue
            share = rate / sum(1 for c in network.clients if (c, kind) in network.routes)
            for weight, t50, t99 in latency.paths(client, kind):
                medians.append((share * weight, t50))
                tails.append((share * weight, t99))
    return _percentile(medians, 0.50), _percentile(tails, 0.99)


def _changes(network: _Network, flow: _Flow, baseline: _Flow, failed: _Failed) -> list[str]:
    """What the failure changed, in sentences: traffic lost, ends moved, overloads."""
    sentences = []
    working = []
    node = network.nodes[failed.node_id]
    if node.down and node.role == "cache":
        sentences.append(f"{node.id} is down: reads fall through to what it connects to")
    for kind, rate in flow.offered.items():
        name = _KIND_NAMES[kind]
        lost = rate - flow.served[kind]
        if rate > 0 and lost > rate * 1e-9:
            sentences.append(f"breaks: {_number(lost)} {_KIND_UNITS[kind]} of {name} "
                             "have nowhere to go")
            continue
        before = set(_sinks_of(baseline, network, kind))
        after = set(_sinks_of(flow, network, kind))
        if before != after and after:
            sentences.append(f"{name} now end at {', '.join(sorted(after))} "
                             f"instead of {', '.join(sorted(before)) or 'nowhere'}")
        elif rate > 0:
            working.append(name)
    if working:
        sentences.append(f"still works: {', '.join(working)}")
    return sentences


# --- in words -------------------------------------------------------------------------------


def describe(result: SimulationResult) -> str:
    """Short lines a chat can show: per component, the bottleneck, headroom,
    latency, cost, availability, single points of failure, and what a failure broke."""
    lines = [f"⚙️ Simulated: {result.phase}"]
    lines += [f"  {t.label}: {_number(t.offered)} {t.unit}" for t in result.traffic]
    lines += list(result.changes)
    for c in result.components:
        lines.append(_component_line(c))
    lines.append(_verdict(result))
    lines.append(_latency_line(result))
    lines.append(f"💰 Cost: ${result.cost_per_month:,.2f} a month")
    downtime = (1 - result.availability) * 8760
    if result.availability > 0:
        # While something is down, the figure is that of what is left running.
        what = "Availability" if result.failure is None else "Availability of what still runs"
        lines.append(f"🛡️ {what}: {_percent(result.availability, 3)} "
                     f"(about {_hours(downtime)} down a year)")
    else:
        lines.append("🛡️ Availability: 0% while this lasts: some traffic has nowhere to go")
    if result.single_points_of_failure:
        lines.append("⚠️ Single points of failure: "
                     + ", ".join(result.single_points_of_failure))
    else:
        lines.append("✅ No single point of failure on the request path")
    return "\n".join(lines)


def _component_line(c: ComponentResult) -> str:
    head = f"{c.emoji} {c.id} ×{c.instances:,}"
    if c.down:
        return f"{c.emoji} {c.id}: down"
    if c.utilisation is None or c.capacity is None:
        return f"{head}: {_number(c.load)} {c.unit}, no limit"
    mark = " 🔥" if c.overloaded else ""
    return (f"{head}: {_number(c.load)} of {_number(c.capacity)} {c.unit}, "
            f"{_percent(c.utilisation)}{mark}")


def _verdict(result: SimulationResult) -> str:
    if result.bottleneck is None:
        return "No component with a limit carries load."
    c = result.component(result.bottleneck)
    utilisation = c.utilisation or 0.0
    figures = (f"{_number(c.load)} {c.unit} offered, {_number(c.capacity or 0)} "
               f"capacity, {_percent(utilisation)}")
    if utilisation >= 1:
        return f"🚧 Bottleneck {c.id}: {figures} — {_advice(c)}"
    factor = result.max_load_factor or 0.0
    return (f"📈 Busiest {c.id}: {figures}; headroom {_number(factor)}× "
            f"(it saturates at {_number(factor)} times this load)")


def _advice(c: ComponentResult) -> str:
    utilisation = c.utilisation or 0.0
    needed = math.ceil(utilisation * c.instances - 1e-9) - c.instances
    if c.instances == 0:
        return "it cannot keep up"
    if c.type == _PRIMARY:
        # More primaries are standbys: they add no capacity.
        if c.loads.get("read"):
            return (f"send reads to read replicas ('add {_REPLICA}', then connect what "
                    f"reads to it); the primary then keeps the writes")
        return "a primary takes every write alone: shard the data or batch the writes"
    if needed <= 0:
        return "at its limit with no headroom; add 1 server for some"
    noun = "server" if needed == 1 else "servers"
    return f"add {needed:,} {noun}"


def _latency_line(result: SimulationResult) -> str:
    if result.p50_ms is None and result.p99_ms is None:
        if any((c.utilisation or 0) >= 1 for c in result.components if c.load > 0):
            return "⏱️ Latency: unbounded; the queue at the bottleneck keeps growing"
        return "⏱️ Latency: no requests to time"
    p50 = "unbounded" if result.p50_ms is None else f"{_number(result.p50_ms)} ms"
    p99 = "unbounded" if result.p99_ms is None else f"{_number(result.p99_ms)} ms"
    return f"⏱️ Latency: p50 {p50}, p99 {p99}"


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "∞"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def _percent(fraction: float, decimals: int = 0) -> str:
    if decimals:
        text = f"{fraction * 100:.{decimals + 2}f}".rstrip("0").rstrip(".")
        return f"{text}%"
    return f"{fraction * 100:.0f}%"


def _hours(hours: float) -> str:
    if hours < 1:
        minutes = round(hours * 60)
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    if hours < 48:
        return f"{hours:.1f} hours"
    return f"{hours / 24:.1f} days"
