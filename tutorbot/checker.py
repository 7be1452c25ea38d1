"""The content checker: proves each tutorial is coherent, beyond its schema.

Loading validates every file's shape. This module then checks what a schema
cannot: that names refer to things that exist, that the reference solution,
played as commands through the learner's own grammar, passes every tier, that
worked calculations add up, and that cost breakdowns sum to their totals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

from tutorbot.answers.judge import judge
from tutorbot.answers.units import parse_unit
from tutorbot.content.arithmetic import check_text
from tutorbot.content.loader import (
    CATALOGUE_FILE,
    Content,
    load_catalogue,
    load_content,
    read_model,
    suggestion,
)
from tutorbot.content.models import (
    Catalogue,
    Checkpoint,
    Connection,
    NumberAnswer,
    ParamRange,
    Redundant,
    Rule,
    Tutorial,
)
from tutorbot.content.models import (
    Path as PathRule,
)
from tutorbot.design import commands, simulate, tiers
from tutorbot.design.graph import Design
from tutorbot.errors import ContentError, ContentProblem, InputError


def check(path: Path | None = None) -> list[ContentProblem]:
    """Every problem in the content at `path`: a content folder or one tutorial file.

    A single tutorial file is checked against the catalogue of the content
    folder it sits in, or against the shipped catalogue if it sits in none.
    """
    single = path is not None and path.is_file()
    try:
        content = _load_single(path) if path is not None and single else load_content(path)
    except ContentError as error:
        return error.problems
    return list(_coherence(content))


def _load_single(path: Path) -> Content:
    folder = path.resolve().parent
    root = folder.parent if (folder.parent / CATALOGUE_FILE).is_file() else None
    catalogue = load_catalogue(root) if root else load_content().catalogue
    tutorial = read_model(path, Tutorial, path.name)
    return Content(catalogue, {tutorial.id: tutorial}, {tutorial.id: path.name})


def _coherence(content: Content) -> Iterator[ContentProblem]:
    yield from _checkpoint_ids_unique(content)
    for tutorial_id, tutorial in content.tutorials.items():
        file = content.files[tutorial_id]
        for path, message in _tutorial_problems(tutorial, content.catalogue):
            yield ContentProblem(file, path, message)


def _checkpoint_ids_unique(content: Content) -> Iterator[ContentProblem]:
    first_seen: dict[str, str] = {}
    for tutorial_id, tutorial in content.tutorials.items():
        file = content.files[tutorial_id]
        for s, step in enumerate(tutorial.lesson.steps):
            for c, checkpoint in enumerate(step.checkpoints):
                where = f"lesson.steps[{s}].checkpoints[{c}].id"
                if checkpoint.id in first_seen:
                    yield ContentProblem(file, where, (
                        f"checkpoint id '{checkpoint.id}' is already used in "
                        f"{first_seen[checkpoint.id]}; checkpoint ids must be unique "
                        "across all tutorials"))
                else:
                    first_seen[checkpoint.id] = file


Found = Iterator[tuple[str, str]]
"""(path inside the file, message) pairs."""


def _tutorial_problems(tutorial: Tutorial, catalogue: Catalogue) -> Found:
    known = [component.type for component in catalogue.components]
    yield from _components_known(tutorial, known)
    offered = [type_ for type_ in tutorial.components if type_ in known]
    yield from _ids_unique(tutorial)
    yield from _rules_sound(tutorial, catalogue, offered)
    yield from _tier_references(tutorial)
    reference_ok = True
    for problem in _reference_sound(tutorial, catalogue, offered):
        reference_ok = False
        yield problem
    if reference_ok:
        yield from _reference_passes(tutorial, catalogue)
    yield from _answers_well_formed(tutorial)
    if reference_ok:
        yield from _reveals_agree(tutorial, catalogue)
    yield from _arithmetic(tutorial)
    yield from _cost_adds_up(tutorial)


def _components_known(tutorial: Tutorial, known: list[str]) -> Found:
    for i, type_ in enumerate(tutorial.components):
        if type_ not in known:
            yield (f"components[{i}]", f"unknown component '{type_}'"
                   + suggestion(type_, known) + f" (the catalogue has: {', '.join(known)})")
    for type_, times in Counter(tutorial.components).items():
        if times > 1:
            yield ("components", f"'{type_}' is listed {times} times; list it once")


def _ids_unique(tutorial: Tutorial) -> Found:
    groups = {
        "tiers": [tier.id for tier in tutorial.tiers],
        "hints": [hint.id for hint in tutorial.hints],
        "lesson.steps": [step.id for step in tutorial.lesson.steps],
    }
    for where, ids in groups.items():
        for id_, times in Counter(ids).items():
            if times > 1:
                index = ids.index(id_, ids.index(id_) + 1)
                yield (f"{where}[{index}].id",
                       f"duplicate id '{id_}'; each must have its own id")


def _rule_components(rule: Rule) -> list[tuple[str, str]]:
    """(field, component type) pairs a rule names."""
    if isinstance(rule, Connection):
        return [("from", rule.source), ("to", rule.target)]
    if isinstance(rule, Redundant):
        return [(f"components[{i}]", c) for i, c in enumerate(rule.components)]
    if isinstance(rule, PathRule):
        return [(f"through[{i}]", c) for i, c in enumerate(rule.through)]
    return [("component", rule.component)]


def _rules_sound(tutorial: Tutorial, catalogue: Catalogue, offered: list[str]) -> Found:
    for t, tier in enumerate(tutorial.tiers):
        for r, rule in enumerate(tier.rules):
            where = f"tiers[{t}].rules[{r}]"
            for field, type_ in _rule_components(rule):
                if type_ not in offered:
                    yield (f"{where}.{field}", _not_offered(type_, offered))
            if isinstance(rule, ParamRange):
                yield from _param_range_sound(rule, catalogue, where)


def _not_offered(type_: str, offered: list[str]) -> str:
    return (f"component '{type_}' is not among this tutorial's components"
            + suggestion(type_, offered) + f" (it offers: {', '.join(offered)})")


def _param_range_sound(rule: ParamRange, catalogue: Catalogue, where: str) -> Found:
    component = catalogue.get(rule.component)
    if component is None:
        return
    param = component.param(rule.param)
    if param is None:
        names = [p.name for p in component.params]
        yield (f"{where}.param", f"{component.name} has no parameter '{rule.param}'"
               + suggestion(rule.param, names)
               + f" (it has: {', '.join(names) or 'none'})")
        return
    if rule.min > rule.max:
        yield (where, f"min {rule.min} is above max {rule.max}; swap them")
    if rule.min < param.min or rule.max > param.max:
        yield (where, f"range {rule.min}–{rule.max} leaves the catalogue's range "
                      f"{param.min}–{param.max} for {rule.component}.{rule.param}")


def _tier_references(tutorial: Tutorial) -> Found:
    tier_ids = [tier.id for tier in tutorial.tiers]
    for h, hint in enumerate(tutorial.hints):
        if hint.tier is not None and hint.tier not in tier_ids:
            yield (f"hints[{h}].tier", _unknown_tier(hint.tier, tier_ids))
    for s, step in enumerate(tutorial.lesson.steps):
        if step.build is not None and step.build.tier not in tier_ids:
            yield (f"lesson.steps[{s}].build.tier", _unknown_tier(step.build.tier, tier_ids))


def _unknown_tier(tier_id: str, tier_ids: list[str]) -> str:
    return (f"no tier '{tier_id}'" + suggestion(tier_id, tier_ids)
            + f" (tiers: {', '.join(tier_ids)})")


def _reference_sound(tutorial: Tutorial, catalogue: Catalogue, offered: list[str]) -> Found:
    reference = tutorial.reference
    node_ids = [node.id for node in reference.nodes]
    for n, node in enumerate(reference.nodes):
        if node.type not in offered:
            yield (f"reference.nodes[{n}].type", _not_offered(node.type, offered))
        if node_ids.index(node.id) != n:
            yield (f"reference.nodes[{n}].id", f"duplicate node id '{node.id}'")
        component = catalogue.get(node.type)
        for name, value in node.params.items():
            param = component.param(name) if component else None
            if component is not None and param is None:
                yield (f"reference.nodes[{n}].params.{name}",
                       f"{component.name} has no parameter '{name}'")
            elif param is not None and not param.min <= value <= param.max:
                yield (f"reference.nodes[{n}].params.{name}",
                       f"{value} is outside {param.min}–{param.max}")
    for e, edge in enumerate(reference.edges):
        for side, node_id in zip(("from", "to"), edge, strict=True):
            if node_id not in node_ids:
                yield (f"reference.edges[{e}]",
                       f"{side} node '{node_id}' is not among the reference's nodes"
                       + suggestion(node_id, node_ids))


def _reference_passes(tutorial: Tutorial, catalogue: Catalogue) -> Found:
    """Play the reference as typed commands and judge it like a learner's design."""
    design = Design()
    palette = commands.Palette.for_tutorial(catalogue, tutorial)
    for line in commands.commands_for(tutorial.reference):
        outcome = commands.run(design, palette, line)
        if not outcome.ok:
            yield ("reference", f"replaying '{line}' was refused: {outcome.message}")
            return
    report = tiers.evaluate(design, tutorial.tiers, catalogue)
    for result in report.tiers:
        if not result.passed:
            t = tutorial.tiers.index(result.tier)
            yield ("reference", f"the reference solution fails tier {result.tier.id} "
                                f"(tiers[{t}]): needs {'; '.join(result.missing)}")


def _answers_well_formed(tutorial: Tutorial) -> Found:
    for s, step in enumerate(tutorial.lesson.steps):
        for c, checkpoint in enumerate(step.checkpoints):
            where = f"lesson.steps[{s}].checkpoints[{c}]"
            if isinstance(checkpoint.answer, NumberAnswer):
                yield from _number_answer_sound(checkpoint.answer, f"{where}.answer")
            yield from _judged_as_meant(checkpoint, where)


def _reveals_agree(tutorial: Tutorial, catalogue: Catalogue) -> Found:
    """A reveal must run, name a reference node, and show the figure judged right."""
    for s, step in enumerate(tutorial.lesson.steps):
        for c, checkpoint in enumerate(step.checkpoints):
            reveal = checkpoint.reveal
            if reveal is None:
                continue
            where = f"lesson.steps[{s}].checkpoints[{c}].reveal"
            ids = [node.id for node in tutorial.reference.nodes]
            if reveal.component not in ids:
                yield (f"{where}.component", f"the reference has no '{reveal.component}' "
                                             f"(it has: {', '.join(ids)})")
                continue
            try:
                result = simulate.reference_run(tutorial, catalogue, reveal.run)
            except InputError as error:
                yield (f"{where}.run", f"'{reveal.run}' cannot run on the reference: {error}")
                continue
            load = result.component(reveal.component).load
            if not judge(checkpoint, f"{load:.6g}").correct:
                yield (where, f"the simulation gives {load:,.6g} for {reveal.component}, "
                              "which the checkpoint's answer does not accept")


def _number_answer_sound(answer: NumberAnswer, where: str) -> Found:
    if answer.count and (answer.value != answer.value.to_integral_value() or answer.value < 1):
        yield (f"{where}.value", f"a count must be a whole number of at least 1, "
                                 f"not {answer.value}")
    if answer.unit is not None and parse_unit(answer.unit) is None:
        yield (f"{where}.unit", f"unknown unit '{answer.unit}'; use one such as servers, "
                                "qps, GB, percent, USD/month, msg/s, minutes")
    tolerance = answer.tolerance
    if tolerance is not None:
        given = [v for v in (tolerance.relative, tolerance.absolute) if v is not None]
        if len(given) != 1 or given[0] < 0:
            yield (f"{where}.tolerance", "give exactly one of relative or absolute, "
                                         "not negative")


def _judged_as_meant(checkpoint: Checkpoint, where: str) -> Found:
    """The evaluator accepts the expected answer and rejects the foreseen mistakes."""
    answer = checkpoint.answer
    if isinstance(answer, NumberAnswer):
        figure = format(answer.value, "f")
        right = [figure] + ([f"{figure} {answer.unit}"] if answer.unit else [])
        wrong: list[tuple[str, str]] = []
    else:
        right = [answer.answer]
        wrong = [(f"answer.distractors[{i}]", text) for i, text in enumerate(answer.distractors)]
    wrong += [(f"mistakes[{i}].answer", m.answer) for i, m in enumerate(checkpoint.mistakes)]
    for text in right:
        verdict = judge(checkpoint, text)
        if not verdict.correct:
            yield (f"{where}.answer", f"the evaluator rejects the expected answer "
                                      f"'{text}': {verdict.message}")
    for path, text in wrong:
        if judge(checkpoint, text).correct:
            yield (f"{where}.{path}", f"'{text}' is listed as wrong, but the evaluator "
                                      "accepts it")


def _prose(tutorial: Tutorial) -> Iterator[tuple[str, str]]:
    """(path, text) of every prose field where a worked figure may be stated."""
    for s, step in enumerate(tutorial.lesson.steps):
        yield f"lesson.steps[{s}].body", step.body
        for c, calculation in enumerate(step.calculations):
            yield f"lesson.steps[{s}].calculations[{c}].result", calculation.result
    for i, item in enumerate(tutorial.analysis.cost.breakdown):
        yield f"analysis.cost.breakdown[{i}].detail", item.detail
    yield "reference.description", tutorial.reference.description


def _arithmetic(tutorial: Tutorial) -> Found:
    # A calculation's lines form one chain (a line starting with "=" continues
    # the one before), so each calculation is checked as a whole text.
    for s, step in enumerate(tutorial.lesson.steps):
        for c, calculation in enumerate(step.calculations):
            where = f"lesson.steps[{s}].calculations[{c}]"
            for number, slip in check_text("\n".join(calculation.lines)):
                yield f"{where}.lines[{number - 1}]", _slip_message(slip.message)
    for where, text in _prose(tutorial):
        for number, slip in check_text(text):
            line = f" (line {number})" if "\n" in text.strip() else ""
            yield f"{where}{line}", _slip_message(slip.message)


def _slip_message(message: str) -> str:
    return f"arithmetic slip: {message}; correct the figure (and list it in ERRATA.md)"


def _cost_adds_up(tutorial: Tutorial) -> Found:
    cost = tutorial.analysis.cost
    parts = sum((item.amount for item in cost.breakdown), Decimal(0))
    if parts != cost.monthly_total:
        listed = " + ".join(f"{item.amount:,}" for item in cost.breakdown)
        yield ("analysis.cost.monthly_total", f"the breakdown adds up to {listed} = "
                                              f"{parts:,}, not {cost.monthly_total:,}")
    if cost.yearly_total != 12 * cost.monthly_total:
        yield ("analysis.cost.yearly_total", f"12 × {cost.monthly_total:,} is "
                                             f"{12 * cost.monthly_total:,}, not "
                                             f"{cost.yearly_total:,}")


def describe(problems: Iterable[ContentProblem]) -> str:
    return "\n".join(str(problem) for problem in problems)
