"""Judging a design against a tutorial's tiers.

Every rule yields a verdict with one sentence a learner understands: what is
there when it passes, what is missing (and a command that would add it) when it
fails. Tiers are ordered; a report shows the met ones and the first unmet one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tutorbot.content.models import (
    Catalogue,
    Connection,
    ConnectionFrom,
    MinCount,
    MustInclude,
    ParamRange,
    Path,
    Redundant,
    Rule,
    Tier,
)
from tutorbot.design.graph import Design, DesignNode


@dataclass(frozen=True)
class RuleResult:
    """A rule's verdict. The sentence is phrased only when someone reads it: most
    verdicts of most evaluations are never shown."""

    passed: bool
    say: Callable[[], str] = field(repr=False, compare=False)

    @property
    def sentence(self) -> str:
        return self.say()


@dataclass(frozen=True)
class TierResult:
    tier: Tier
    rules: list[RuleResult]

    @property
    def passed(self) -> bool:
        return all(rule.passed for rule in self.rules)

    @property
    def missing(self) -> list[str]:
        return [rule.sentence for rule in self.rules if not rule.passed]

    @property
    def heading(self) -> str:
        return f"{self.tier.id} {self.tier.emoji} {self.tier.title}"


@dataclass(frozen=True)
class TierReport:
    tiers: list[TierResult]

    @property
    def first_unmet(self) -> TierResult | None:
        return next((tier for tier in self.tiers if not tier.passed), None)

    @property
    def passed_ids(self) -> list[str]:
        return [tier.tier.id for tier in self.tiers if tier.passed]

    @property
    def all_passed(self) -> bool:
        return self.first_unmet is None

    def describe(self) -> str:
        """Met tiers, then the first unmet one with what it still needs."""
        lines = []
        unmet = self.first_unmet
        for tier in self.tiers:
            if tier is unmet:
                lines.append(f"❌ {tier.heading}: still needs")
                lines.extend(f"   • {sentence}" for sentence in tier.missing)
            elif tier.passed:
                lines.append(f"✅ {tier.heading}")
            else:
                lines.append(f"⬜ {tier.heading}")
        if unmet is None:
            lines.append("🎉 Every tier is green.")
        return "\n".join(lines)


def evaluate(design: Design, tiers: Sequence[Tier], catalogue: Catalogue) -> TierReport:
    judge = _Judge(design, catalogue)
    return TierReport([
        TierResult(tier, [judge.rule(rule) for rule in tier.rules]) for tier in tiers
    ])


class _Judge:
    """Applies rules to one design, phrasing verdicts with the catalogue's names."""

    def __init__(self, design: Design, catalogue: Catalogue) -> None:
        self.design = design
        self.catalogue = catalogue
        # Rules ask for nodes by type again and again: index them once.
        self._by_type: dict[str, list[DesignNode]] = {}
        for node in design.nodes:
            self._by_type.setdefault(node.type, []).append(node)
        self._successors: dict[str, list[str]] = {}
        for source, target in design.edges:
            self._successors.setdefault(source, []).append(target)

    def nodes_of(self, type_: str) -> list[DesignNode]:
        return self._by_type.get(type_, [])

    def count_of(self, type_: str) -> int:
        return sum(node.count for node in self._by_type.get(type_, ()))

    def rule(self, rule: Rule) -> RuleResult:
        match rule:
            case MustInclude():
                return self.must_include(rule)
            case MinCount():
                return self.min_count(rule)
            case ConnectionFrom():
                return self.connection_from(rule)
            case Connection():
                return self.connection(rule)
            case ParamRange():
                return self.param_range(rule)
            case Redundant():
                return self.redundant(rule)
            case Path():
                return self.path(rule)

    def name(self, type_: str) -> str:
        component = self.catalogue.get(type_)
        return component.name if component else type_

    def a(self, type_: str) -> str:
        """'a Cache', 'an App Server'."""
        name = self.name(type_)
        return f"an {name}" if name[:1] in "AEIOU" else f"a {name}"

    def named(self, type_: str, count: int) -> str:
        component = self.catalogue.get(type_)
        return component.named(count) if component else f"{count} × {type_}"

    def must_include(self, rule: MustInclude) -> RuleResult:
        type_ = rule.component
        if self.nodes_of(type_):
            return RuleResult(True, lambda: f"includes {self.a(type_)}")
        return RuleResult(False, lambda: f"{self.a(type_)} ('add {type_}')")

    def min_count(self, rule: MinCount) -> RuleResult:
        have = self.count_of(rule.component)
        wanted = self.named(rule.component, rule.count)
        if have >= rule.count:
            return RuleResult(True, lambda: f"has {self.named(rule.component, have)}")
        return RuleResult(False, lambda: f"at least {wanted}; you have {have}")

    def connection_from(self, rule: ConnectionFrom) -> RuleResult:
        type_ = rule.component
        nodes = self.nodes_of(type_)
        if any(node.id in self._successors for node in nodes):
            return RuleResult(True, lambda: f"the {self.name(type_)} connects onward")
        if not nodes:
            return RuleResult(False, lambda: f"{self.a(type_)} connected to something "
                                     f"('add {type_}', then 'connect {type_} …')")
        return RuleResult(False, lambda: f"a connection from the {self.name(type_)} to "
                                 f"what it uses ('connect {nodes[0].id} …')")

    def connection(self, rule: Connection) -> RuleResult:
        arrow = f"{self.name(rule.source)} → {self.name(rule.target)}"
        for source in self.nodes_of(rule.source):
            for target in self.nodes_of(rule.target):
                if self.design.has_edge(source.id, target.id):
                    return RuleResult(True, lambda: f"connects {arrow}")
        return RuleResult(False, lambda: f"a connection {arrow} "
                                 f"('connect {rule.source} {rule.target}')")

    def param_range(self, rule: ParamRange) -> RuleResult:
        nodes = self.nodes_of(rule.component)
        wanted = f"{_show(rule.param, rule.min)}–{_show(rule.param, rule.max)}"
        what = f"{self.name(rule.component)} {rule.param.replace('_', ' ')}"
        if not nodes:
            return RuleResult(False, lambda: f"{self.a(rule.component)} with {rule.param} "
                                     f"{wanted} ('add {rule.component}')")
        outside = [
            (node, value) for node in nodes
            if not rule.min <= (value := self._param(node, rule.param)) <= rule.max
        ]
        if not outside:
            return RuleResult(True, lambda: f"{what} within {wanted}")
        node, value = outside[0]
        return RuleResult(False, lambda: f"{what} within {wanted}; '{node.id}' has "
                                 f"{_show(rule.param, value)} "
                                 f"('set {node.id} {rule.param} …')")

    def redundant(self, rule: Redundant) -> RuleResult:
        single = [
            f"{self.named(type_, count)}" for type_ in rule.components
            if (count := self.count_of(type_)) < 2
        ]
        names = ", ".join(self.name(type_) for type_ in rule.components)
        if not single:
            return RuleResult(True, lambda: f"no single point of failure among {names}")
        return RuleResult(False, lambda: "two or more of each, so no single point of "
                                 f"failure; you have {', '.join(single)}")

    def path(self, rule: Path) -> RuleResult:
        names = " → ".join(self.name(type_) for type_ in rule.through)
        reached = self.nodes_of(rule.through[0])
        for previous, type_ in zip(rule.through, rule.through[1:], strict=False):
            reached = [node for node in self._reachable(reached) if node.type == type_]
            if not reached:
                missing = (f"a path {names}; nothing leads from {self.name(previous)} to "
                           f"{self.name(type_)} yet ('connect {previous} {type_}')")
                return RuleResult(False, _phrased(missing))
        return RuleResult(True, lambda: f"a path {names}")

    def _reachable(self, start: list[DesignNode]) -> list[DesignNode]:
        """Nodes reachable by one or more edges from any node of `start`."""
        seen: dict[str, None] = {}
        frontier = [node.id for node in start]
        while frontier:
            node_id = frontier.pop()
            for successor in self._successors.get(node_id, ()):
                if successor not in seen:
                    seen[successor] = None
                    frontier.append(successor)
        return [node for node_id in seen if (node := self.design.node(node_id))]

    def _param(self, node: DesignNode, name: str) -> Decimal:
        if name in node.params:
            return node.params[name]
        component = self.catalogue.get(node.type)
        param = component.param(name) if component else None
        return param.default if param else Decimal(0)


def _phrased(sentence: str) -> Callable[[], str]:
    """A sentence phrased already, where waiting would see a loop's later values."""
    return lambda: sentence


def _show(param: str, value: Decimal) -> str:
    """A parameter value as a learner reads it: rates as percents."""
    if param.endswith("rate"):
        return f"{(value * 100).normalize():f}%"
    return f"{value.normalize():f}"
