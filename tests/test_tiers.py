"""Tier rules: each kind passing and failing, with the sentence a learner reads."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import TypeAdapter

from tutorbot.content import load_content
from tutorbot.content.models import Catalogue, Rule, Tier
from tutorbot.design.graph import Design
from tutorbot.design.tiers import evaluate

RULE = TypeAdapter(Rule)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_content().catalogue


def blog_design(app_count: int = 8) -> Design:
    design = Design()
    for node_id, count in [("client", 1), ("lb", 1), ("app", app_count),
                           ("db_primary", 1), ("db_replica", 1)]:
        design.add(node_id, node_id, node_id, count)
    for source, target in [("client", "lb"), ("lb", "app"), ("app", "db_primary"),
                           ("app", "db_replica")]:
        design.connect(source, target)
    return design


def judge(design: Design, rule: dict[str, object], catalogue: Catalogue) -> tuple[bool, str]:
    tier = Tier(id="T9", title="Test", emoji="🧪", rules=[RULE.validate_python(rule)])
    result = evaluate(design, [tier], catalogue).tiers[0].rules[0]
    return result.passed, result.sentence


CASES = [
    # (rule, passes on the blog design?, fragment of the sentence)
    ({"kind": "must_include", "component": "lb"}, True, "includes a Load Balancer"),
    ({"kind": "must_include", "component": "cache"}, False, "a Cache ('add cache')"),
    ({"kind": "min_count", "component": "app", "count": 7}, True, "has 8 App Servers"),
    ({"kind": "min_count", "component": "app", "count": 10}, False,
     "at least 10 App Servers; you have 8"),
    ({"kind": "min_count", "component": "db_replica", "count": 5}, False,
     "at least 5 Read Replicas; you have 1"),
    ({"kind": "connection_from", "component": "app"}, True, "App Server connects onward"),
    ({"kind": "connection_from", "component": "db_primary"}, False,
     "a connection from the Primary Database"),
    ({"kind": "connection", "from": "lb", "to": "app"}, True,
     "connects Load Balancer → App Server"),
    ({"kind": "connection", "from": "client", "to": "app"}, False,
     "a connection Client → App Server ('connect client app')"),
    ({"kind": "path", "through": ["client", "app", "db_replica"]}, True,
     "a path Client → App Server → Read Replica"),
    ({"kind": "path", "through": ["db_replica", "app"]}, False,
     "nothing leads from Read Replica to App Server"),
    ({"kind": "redundant", "components": ["app"]}, True, "no single point of failure"),
    ({"kind": "redundant", "components": ["app", "lb", "db_primary"]}, False,
     "you have 1 Load Balancer, 1 Primary Database"),
    ({"kind": "param_range", "component": "app", "param": "zones", "min": 1, "max": 3,
      "why": "test"}, True, "App Server zones within 1–3"),
    ({"kind": "param_range", "component": "app", "param": "zones", "min": 3, "max": 6,
      "why": "test"}, False, "'app' has 1 ('set app zones …')"),
    ({"kind": "param_range", "component": "cache", "param": "hit_rate", "min": 0.85,
      "max": 0.99, "why": "test"}, False, "a Cache with hit_rate"),
]


@pytest.mark.parametrize(("rule", "passes", "fragment"), CASES)
def test_rule_verdicts_on_the_blog_design(
    rule: dict[str, object], passes: bool, fragment: str, catalogue: Catalogue
) -> None:
    design = blog_design()

    passed, sentence = judge(design, rule, catalogue)

    assert passed is passes
    assert fragment in sentence


def test_param_range_uses_the_value_the_learner_set(catalogue: Catalogue) -> None:
    design = blog_design()
    design.add("cache", "cache", "Cache", 1)
    rule = {"kind": "param_range", "component": "cache", "param": "hit_rate",
            "min": 0.85, "max": 0.99, "why": "test"}

    default_passes, _ = judge(design, rule, catalogue)
    design.set_param("cache", "hit_rate", Decimal("0.7"))
    low_passes, sentence = judge(design, rule, catalogue)

    assert default_passes is True  # the catalogue's default 0.9 is in range
    assert low_passes is False
    assert "'cache' has 70%" in sentence
    assert "85%–99%" in sentence


def test_min_count_adds_instances_across_nodes_of_a_type(catalogue: Catalogue) -> None:
    design = blog_design(app_count=4)
    design.add("read_api", "app", "Read API", 4)

    passed, sentence = judge(design, {"kind": "min_count", "component": "app",
                                      "count": 8}, catalogue)

    assert passed
    assert "has 8 App Servers" in sentence


def test_report_shows_met_tiers_and_the_first_unmet_one(catalogue: Catalogue) -> None:
    tutorial = load_content().tutorial("tutorial-simple-blog")
    design = blog_design(app_count=2)

    report = evaluate(design, tutorial.tiers, catalogue)
    text = report.describe()

    assert report.passed_ids == ["T0", "T1"]
    assert report.first_unmet is not None
    assert report.first_unmet.tier.id == "T2"
    assert report.first_unmet.missing == ["at least 7 App Servers; you have 2"]
    assert "✅ T0" in text
    assert "❌ T2" in text
    assert "at least 7 App Servers; you have 2" in text


def test_report_celebrates_when_every_tier_is_green(catalogue: Catalogue) -> None:
    tutorial = load_content().tutorial("tutorial-simple-blog")

    report = evaluate(blog_design(), tutorial.tiers, catalogue)

    assert report.all_passed
    assert "Every tier is green" in report.describe()
