"""The content checker: passes the shipped lessons, and names file and path of
every problem in broken copies of them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from tutorbot.checker import check
from tutorbot.content import content_root
from tutorbot.content.yaml_io import load_yaml

BLOG = "tutorials/tutorial-simple-blog.yaml"

Data = dict[str, Any]


def test_shipped_content_is_coherent() -> None:
    problems = check()

    assert problems == []


def broken_copy(tmp_path: Path, change: Callable[[Data], None],
                file: str = BLOG) -> Path:
    """A copy of the shipped content with `change` applied to one file's data."""
    root = tmp_path / "content"
    shutil.copytree(content_root(), root)
    path = root / file
    data = load_yaml(path.read_text(encoding="utf-8"), file)
    change(data)
    path.write_text(yaml.safe_dump(_plain(data), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return root


def _plain(value: Any) -> Any:
    """Loaded data back into what `yaml.safe_dump` can write."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


def messages(root: Path) -> list[str]:
    return [str(problem) for problem in check(root)]


def set_app_count(data: Data, count: int) -> None:
    for node in data["reference"]["nodes"]:
        if node["type"] == "app":
            node["count"] = count


def drop_edges_from(data: Data, node_id: str) -> None:
    data["reference"]["edges"] = [
        edge for edge in data["reference"]["edges"] if edge[0] != node_id
    ]


def misspell_first_rule(data: Data) -> None:
    data["tiers"][1]["rules"][0]["kind"] = "must_inclde"


def unknown_rule_component(data: Data) -> None:
    data["tiers"][0]["rules"][0]["component"] = "kafka"


def wrong_calculation(data: Data) -> None:
    data["lesson"]["steps"][0]["calculations"][0]["lines"][2] = (
        "Servers needed = 1,000 ÷ 150 = 7.67"
    )


def edge_to_missing_node(data: Data) -> None:
    data["reference"]["edges"].append(["app", "db_replca"])


def hint_for_missing_tier(data: Data) -> None:
    data["hints"][0]["tier"] = "T7"


def leading_zero_count(data: Data) -> None:
    data["tiers"][2]["rules"][0]["count"] = "07"


def wrong_monthly_total(data: Data) -> None:
    data["analysis"]["cost"]["monthly_total"] = 2320


def misspelt_formula_constant(data: Data) -> None:
    answer = data["lesson"]["steps"][0]["checkpoints"][0]["answer"]
    del answer["value"]
    answer["formula"] = "ceiling(1000 / app_capacity_per_instanse)"


def mistake_that_is_right(data: Data) -> None:
    checkpoint = data["lesson"]["steps"][0]["checkpoints"][0]
    checkpoint["mistakes"][0]["answer"] = "1000/200"


def unknown_answer_unit(data: Data) -> None:
    data["lesson"]["steps"][0]["checkpoints"][0]["answer"]["unit"] = "furlongs"


BROKEN = [
    # (what is broken, the change, fragments the one problem must contain)
    ("reference one server short", lambda d: set_app_count(d, 6),
     [BLOG, "reference", "fails tier T2", "at least 7 App Servers; you have 6"]),
    ("reference app not connected", lambda d: drop_edges_from(d, "app"),
     [BLOG, "reference", "fails tier T0", "a connection from the App Server"]),
    ("misspelt rule", misspell_first_rule,
     [f"{BLOG}: tiers[1].rules[0]: unknown rule 'must_inclde' — did you mean "
      "'must_include'?"]),
    ("unknown component in a rule", unknown_rule_component,
     [f"{BLOG}: tiers[0].rules[0].component: component 'kafka' is not among this "
      "tutorial's components", "it offers: client, lb, app, db_primary, db_replica"]),
    ("wrong = result", wrong_calculation,
     [f"{BLOG}: lesson.steps[0].calculations[0].lines[2]: arithmetic slip", "6.67",
      "7.67"]),
    ("edge to a missing node", edge_to_missing_node,
     [f"{BLOG}: reference.edges[4]", "'db_replca' is not among the reference's nodes",
      "did you mean 'db_replica'?"]),
    ("hint for a missing tier", hint_for_missing_tier,
     [f"{BLOG}: hints[0].tier: no tier 'T7'", "tiers: T0, T1, T2"]),
    ("leading zero where a number belongs", leading_zero_count,
     [f"{BLOG}: tiers[2].rules[0].count", "'07'"]),
    ("formula with an unknown constant", misspelt_formula_constant,
     [BLOG, "lesson.steps[0].checkpoints[0].answer.formula: unknown constant "
      "'app_capacity_per_instanse'"]),
    ("a listed mistake the evaluator accepts", mistake_that_is_right,
     [f"{BLOG}: lesson.steps[0].checkpoints[0].mistakes[0].answer: '1000/200' is listed "
      "as wrong, but the evaluator accepts it"]),
    ("an unknown unit", unknown_answer_unit,
     [f"{BLOG}: lesson.steps[0].checkpoints[0].answer.unit: unknown unit 'furlongs'"]),
    ("breakdown does not add up", wrong_monthly_total,
     [f"{BLOG}: analysis.cost.monthly_total: the breakdown adds up to"]),
]


@pytest.mark.parametrize(("change", "fragments"),
                         [(change, fragments) for _, change, fragments in BROKEN],
                         ids=[name for name, _, _ in BROKEN])
def test_broken_copies_are_named_precisely(
    tmp_path: Path, change: Callable[[Data], None], fragments: list[str]
) -> None:
    root = broken_copy(tmp_path, change)

    found = messages(root)

    assert any(all(fragment in message for fragment in fragments)
               for message in found), found


def test_unknown_component_in_the_tutorial_list(tmp_path: Path) -> None:
    root = broken_copy(tmp_path, lambda d: d["components"].append("mongo"))

    found = messages(root)

    assert f"{BLOG}: components[5]: unknown component 'mongo'" in found[0]


def test_duplicate_tutorial_id(tmp_path: Path) -> None:
    root = broken_copy(tmp_path, lambda d: None)
    shutil.copy(root / BLOG, root / "tutorials" / "zz-copy.yaml")

    found = messages(root)

    assert any("tutorials/zz-copy.yaml: id: duplicate tutorial id "
               "'tutorial-simple-blog'" in message for message in found), found


def test_duplicate_checkpoint_id_across_tutorials(tmp_path: Path) -> None:
    root = broken_copy(tmp_path, lambda d: None)
    copy = load_yaml((root / BLOG).read_text(encoding="utf-8"), BLOG)
    copy["id"] = "another-blog"
    (root / "tutorials" / "zz-copy.yaml").write_text(
        yaml.safe_dump(_plain(copy), allow_unicode=True), encoding="utf-8")

    found = messages(root)

    duplicate = [m for m in found if "lesson.steps[0].checkpoints[0].id: checkpoint id "
                 "'blog-servers-at-200' is already used in" in m]
    assert len(duplicate) == 1
    assert "zz-copy.yaml" in duplicate[0] and BLOG in duplicate[0]


def test_malformed_yaml(tmp_path: Path) -> None:
    root = broken_copy(tmp_path, lambda d: None)
    (root / BLOG).write_text("id: [unclosed\n", encoding="utf-8")

    found = messages(root)

    assert found[0].startswith(f"{BLOG}: line ")
    assert "not valid YAML" in found[0]


def test_a_single_tutorial_file_is_checked_with_its_folders_catalogue(
    tmp_path: Path,
) -> None:
    root = broken_copy(tmp_path, lambda d: set_app_count(d, 6))

    found = messages(root / BLOG)

    assert len(found) == 1
    assert "fails tier T2" in found[0]


IMAGES = "tutorials/tutorial-intermediate-images.yaml"


def _reveal(data: Data) -> Data:
    """The images tutorial's predict-then-reveal checkpoint's `reveal`."""
    for step in data["lesson"]["steps"]:
        for checkpoint in step.get("checkpoints", []):
            if "reveal" in checkpoint:
                found: Data = checkpoint["reveal"]
                return found
    raise AssertionError("the images tutorial lost its reveal")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r.update(component="db_primary"),
         "reveal: the simulation gives 500 for db_primary, which the checkpoint's answer "
         "does not accept"),
        (lambda r: r.update(component="dbb"), "reveal.component: the reference has no 'dbb'"),
        (lambda r: r.update(run="fail quantum"),
         "reveal.run: 'fail quantum' cannot run on the reference: there is no 'quantum'"),
        (lambda r: r.update(run="simulate banana"), "reveal.run: 'simulate banana' cannot run"),
    ],
)
def test_a_reveal_must_show_the_figure_its_checkpoint_expects(
    tmp_path: Path, change: Callable[[Data], None], expected: str
) -> None:
    root = broken_copy(tmp_path, lambda data: change(_reveal(data)), IMAGES)

    found = messages(root)

    assert len(found) == 1 and expected in found[0], found
