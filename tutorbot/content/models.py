"""The shape of tutorbot's content: the component catalogue and the tutorials.

These models are the single definition of the YAML format. The loader validates
files against them, `tutorbot content schema` publishes them as JSON Schema for
editors, and every other part of tutorbot reads lessons through them.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from tutorbot.content.formulas import FormulaError, evaluate, resolve_formulas


def _number_only(value: Any) -> Any:
    """Refuse text and booleans where a number belongs, instead of coercing them."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(
            f"expected a number, got {value!r}; write it as a plain number "
            "such as 150 or 0.0416 (no leading zeros, units or quotes)"
        )
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


Number = Annotated[
    Decimal,
    BeforeValidator(_number_only),
    PlainSerializer(_json_number, return_type=int | float, when_used="json"),
    WithJsonSchema({"type": "number"}),
]
"""An exact decimal figure written as a plain YAML number."""

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
"""A component type or node id: lower case, digits and underscores."""

ContentId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
"""A stable id of a tier, step, hint or checkpoint."""

Text = Annotated[str, StringConstraints(min_length=1)]

Count = Annotated[int, Strict(), Field(ge=1)]
"""A whole number of instances; text such as '07' is refused, not coerced."""

Flag = Annotated[bool, Strict()]


class Model(BaseModel):
    """Base of every content model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


# --- the component catalogue -------------------------------------------------


class Param(Model):
    """A tunable parameter of a component, such as a cache's hit rate."""

    name: Identifier
    description: Text
    unit: Literal["fraction", "seconds", "count"]
    default: Number
    min: Number
    max: Number


Role = Literal[
    "entry", "edge", "balancer", "compute", "realtime", "queue", "cache",
    "database", "storage", "observability",
]


class Component(Model):
    """One kind of box a learner can place, with the figures a simulation needs."""

    type: Identifier
    name: Text
    plural: Text | None = Field(default=None, description="If not name + 's'.")
    emoji: Text
    description: Text
    role: Role
    aliases: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$")]]
    params: list[Param] = []
    capacity_per_instance: Number | None = Field(
        description="Work one instance sustains per second; none means unbounded."
    )
    capacity_unit: Literal["requests", "messages", "connections", "queries"] | None
    latency_ms: Number
    price_per_month: Number = Field(description="USD per instance per month.")
    availability: Number = Field(description="Fraction of time one instance is up.")

    def param(self, name: str) -> Param | None:
        return next((param for param in self.params if param.name == name), None)

    def named(self, count: int) -> str:
        """'1 App Server', '7 App Servers'."""
        if count == 1:
            return f"1 {self.name}"
        return f"{count:,} {self.plural or self.name + 's'}"


class Catalogue(Model):
    components: list[Component]

    @cached_property
    def _by_type(self) -> dict[str, Component]:
        return {component.type: component for component in self.components}

    def get(self, type_: str) -> Component | None:
        return self._by_type.get(type_)


# --- tier rules ----------------------------------------------------------------


class MustInclude(Model):
    """The design has at least one node of this type."""

    kind: Literal["must_include"]
    component: Identifier


class MinCount(Model):
    """Nodes of this type add up to at least `count` instances."""

    kind: Literal["min_count"]
    component: Identifier
    count: Count


class ConnectionFrom(Model):
    """Some node of this type has an outgoing connection."""

    kind: Literal["connection_from"]
    component: Identifier


class Connection(Model):
    """Some node of type `from` connects directly to some node of type `to`."""

    model_config = ConfigDict(populate_by_name=True)

    kind: Literal["connection"]
    source: Identifier = Field(alias="from")
    target: Identifier = Field(alias="to")


class ParamRange(Model):
    """Every node of this type sets `param` within [min, max]."""

    kind: Literal["param_range"]
    component: Identifier
    param: Identifier
    min: Number
    max: Number
    why: Text = Field(description="Why this range: the tutorial's numbers behind it.")


class Redundant(Model):
    """Each listed type is present with two or more instances: no single point."""

    kind: Literal["redundant"]
    components: list[Identifier] = Field(min_length=1)


class Path(Model):
    """A directed path runs through nodes of these types, in this order."""

    kind: Literal["path"]
    through: list[Identifier] = Field(min_length=2)


Rule = Annotated[
    MustInclude | MinCount | ConnectionFrom | Connection | ParamRange | Redundant | Path,
    Field(discriminator="kind"),
]
RULE_KINDS = (
    "must_include", "min_count", "connection_from", "connection", "param_range",
    "redundant", "path",
)


class Tier(Model):
    id: ContentId
    title: Text
    emoji: Text
    rules: list[Rule] = Field(min_length=1)


class Hint(Model):
    """A hint tied to a tier, or a concept note (kind `concept`) with no tier."""

    id: ContentId
    kind: Literal["hint", "concept"] = "hint"
    tier: ContentId | None = None
    title: Text | None = None
    text: Text


# --- the reference solution ----------------------------------------------------


class Node(Model):
    id: Identifier
    type: Identifier
    label: Text
    count: Count = 1
    params: dict[Identifier, Number] = {}


class Reference(Model):
    description: Text
    nodes: list[Node] = Field(min_length=1)
    edges: list[tuple[Identifier, Identifier]]


# --- the solution analysis -----------------------------------------------------


class Figure(Model):
    name: Text
    value: Text


class Phase(Model):
    id: Literal["normal", "peak", "failure"]
    title: Text
    summary: Text
    figures: list[Figure]


class Tradeoff(Model):
    title: Text
    pros: list[Text]
    cons: list[Text]
    best_for: Text
    cost: Text


class CostItem(Model):
    category: Text
    amount: Number
    detail: Text


class Cost(Model):
    monthly_total: Number
    yearly_total: Number
    per_unit: Text = Field(description="Cost per request, message or user, in words.")
    breakdown: list[CostItem] = Field(min_length=1)


class Analysis(Model):
    overview: Text
    phases: list[Phase]
    tradeoffs: list[Tradeoff]
    cost: Cost


# --- the simulation's workload ------------------------------------------------


Quantity = Annotated[
    Decimal,
    BeforeValidator(_number_only),
    PlainSerializer(_json_number, return_type=int | float, when_used="json"),
    WithJsonSchema({"anyOf": [
        {"type": "number"},
        {"type": "string", "description": (
            "A constant's name or a formula over the constants, such as "
            "'read_qps' or 'dau * messages_per_user_per_day / seconds_per_day_rounded'."
        )},
    ]}),
]
"""A figure written as a number, a constant's name or a formula over the constants;
the tutorial computes formulas when it loads, so the model holds the number."""

TrafficKind = Literal["read", "write", "message", "connection", "object"]
TRAFFIC_KINDS: tuple[TrafficKind, ...] = ("read", "write", "message", "connection", "object")


class Traffic(Model):
    """Traffic of one kind that enters at the client under normal load."""

    kind: TrafficKind = Field(description=(
        "read and write: requests that end at a database; message: messages that end "
        "at a stream or a WebSocket server; connection: connections held open at "
        "WebSocket servers; object: files fetched from object storage."
    ))
    rate: Quantity = Field(description=(
        "Per second; for connections, how many are open at once."
    ))
    label: Text | None = Field(default=None, description="What it is, e.g. 'page views'.")
    peak_factor: Quantity | None = Field(
        default=None, description="This traffic's own peak factor, if not the tutorial's."
    )


class CapacityOverride(Model):
    """What one instance of a component sustains in this tutorial, where it differs
    from the catalogue, for one kind of traffic or for all of them."""

    component: Identifier | None = Field(default=None, description="A component type.")
    node: Identifier | None = Field(
        default=None, description="A node id of the reference; wins over `component`."
    )
    kind: TrafficKind | None = Field(
        default=None, description="The traffic this figure is for; all kinds when unset."
    )
    per_instance: Quantity
    per: Literal["instance", "partition"] = Field(
        default="instance",
        description="'partition': the figure is per partition of a stream, and the "
                    "node's `partitions` parameter multiplies it instead of its count.",
    )

    @model_validator(mode="after")
    def _one_target(self) -> CapacityOverride:
        if (self.component is None) == (self.node is None):
            raise ValueError("give either 'component' (a type) or 'node' (an id), not both")
        return self


class LatencyOverride(Model):
    """A component's own response time in this tutorial, where it differs from the
    catalogue's."""

    component: Identifier
    ms: Number


class Simulation(Model):
    """The workload `simulate` pushes through a design, and the tutorial's own figures."""

    peak_factor: Quantity = Field(description="How many times the normal load a peak brings.")
    traffic: list[Traffic] = Field(min_length=1)
    capacity: list[CapacityOverride] = []
    latency: list[LatencyOverride] = []


# --- the lesson ----------------------------------------------------------------


class Calculation(Model):
    """A worked calculation: each line states a step, `result` the conclusion."""

    title: Text
    lines: list[str] = Field(min_length=1)
    result: Text


class Tolerance(Model):
    relative: Number | None = None
    absolute: Number | None = None


def _value_or_formula(schema: dict[str, Any]) -> None:
    """Authors write a value or a formula; the loader fills value from the formula."""
    schema["required"] = [name for name in schema["required"] if name != "value"]
    schema["anyOf"] = [{"required": ["value"]}, {"required": ["formula"]}]


Factor = Literal["peak", "headroom", "replication", "online_ratio", "read_ratio"]


class NumberAnswer(Model):
    """A figure, with its unit; `count` answers are whole numbers rounded up.

    Give the figure as `value`, or as a `formula` over the tutorial's constants
    (the loader computes `value` from it). `factors` names the multipliers the
    question involves, so a learner who leaves one out is told which.
    """

    model_config = ConfigDict(json_schema_extra=lambda schema: _value_or_formula(schema))

    kind: Literal["number"]
    value: Number
    formula: Text | None = None
    unit: Text | None = None
    count: Flag = False
    tolerance: Tolerance | None = None
    factors: dict[Factor, Number] = {}


class Idea(Model):
    """One idea a short text answer must contain, with words that express it."""

    name: Text
    synonyms: list[Text] = Field(min_length=1)


class TextAnswer(Model):
    kind: Literal["text"]
    answer: Text = Field(description="The model answer, shown after the attempts.")
    ideas: list[Idea] = Field(min_length=1)
    distractors: list[Text] = Field(
        default=[], description="Wrong choices for a multiple-choice rendering."
    )
    min_ideas: Count | None = Field(
        default=None, description="Ideas a right answer needs; all of them when unset."
    )


class Mistake(Model):
    """A specific wrong answer the author foresaw, with its own feedback."""

    answer: Text
    message: Text


class Reveal(Model):
    """Predict, then reveal: once the checkpoint is answered, the reference design
    is run as `run` says and the load on `component` shown, the figure the learner
    just predicted. The checker proves the simulated figure is judged right."""

    run: Text = Field(description="What a learner would type: 'fail cache', 'simulate peak'.")
    component: ContentId = Field(description="The reference node whose load is the answer.")


class Checkpoint(Model):
    id: ContentId
    question: Text
    answer: Annotated[NumberAnswer | TextAnswer, Field(discriminator="kind")]
    hint: Text
    explanation: Text
    mistakes: list[Mistake] = []
    reveal: Reveal | None = None


class BuildTask(Model):
    """Asks the learner to build until a tier turns green."""

    tier: ContentId
    prompt: Text


class Step(Model):
    id: ContentId
    title: Text
    body: Text
    calculations: list[Calculation] = []
    checkpoints: list[Checkpoint] = []
    build: BuildTask | None = None


class Lesson(Model):
    intro: Text
    steps: list[Step] = Field(min_length=1)
    outro: Text


# --- the tutorial ----------------------------------------------------------------


class Requirements(Model):
    functional: list[Text] = Field(min_length=1)
    non_functional: list[Figure] = Field(min_length=1)


class Tutorial(Model):
    @model_validator(mode="before")
    @classmethod
    def _compute_formulas(cls, data: Any) -> Any:
        """Fill each formula answer's `value` from the constants, or say why not."""
        return resolve_formulas(data)

    @model_validator(mode="before")
    @classmethod
    def _compute_simulation(cls, data: Any) -> Any:
        """Turn the simulation block's formulas into numbers, or say why not."""
        return _resolve_simulation(data)

    id: ContentId
    order: Count = Field(description="Place in the course: 1 is taken first.")
    title: Text
    emoji: Text
    category: Literal["tutorial"]
    difficulty: Literal["easy", "intermediate", "advanced"]
    summary: Text
    goal: Text
    description: Text
    scenario: Text
    requirements: Requirements
    constants: dict[Identifier, Number]
    components: list[Identifier] = Field(min_length=1)
    hints: list[Hint]
    tiers: list[Tier] = Field(min_length=1)
    reference: Reference
    analysis: Analysis
    simulation: Simulation | None = Field(
        default=None, description="The workload `simulate` runs through a design."
    )
    lesson: Lesson

    @model_validator(mode="after")
    def _simulation_names_known(self) -> Tutorial:
        if self.simulation is not None:
            _check_simulation(self.simulation, self)
        return self

    def checkpoints(self) -> list[Checkpoint]:
        return [cp for step in self.lesson.steps for cp in step.checkpoints]

    def tier(self, tier_id: str) -> Tier | None:
        return next((tier for tier in self.tiers if tier.id == tier_id), None)



# --- the simulation block's checks -------------------------------------------------

_QUANTITIES = {
    "traffic": ("rate", "peak_factor"),
    "capacity": ("per_instance",),
}


def _resolve_simulation(data: Any) -> Any:
    """Replace every formula in a raw tutorial's `simulation` block by its value.

    Runs before validation, like `resolve_formulas`, so a computed figure is then
    validated like a typed one. Anything not shaped as expected is left for
    validation to refuse.
    """
    if not isinstance(data, dict) or not isinstance(data.get("simulation"), dict):
        return data
    constants = {
        name: Decimal(str(value)) for name, value in (data.get("constants") or {}).items()
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    }
    block = data["simulation"]
    _resolve(block, "peak_factor", "simulation.peak_factor", constants)
    for section, fields in _QUANTITIES.items():
        entries = block.get(section)
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            for name in fields:
                if isinstance(entry, dict):
                    _resolve(entry, name, f"simulation.{section}[{i}].{name}", constants)
    return data


def _resolve(entry: dict[str, Any], name: str, where: str,
             constants: dict[str, Decimal]) -> None:
    formula = entry.get(name)
    if not isinstance(formula, str):
        return
    try:
        entry[name] = evaluate(formula, constants)
    except FormulaError as error:
        raise ValueError(f"{where}: {error}") from error


def _check_simulation(block: Simulation, tutorial: Tutorial) -> None:
    """Figures in range and names that exist: the first problem, located, with a fix."""
    if not block.peak_factor > 0:
        raise ValueError("simulation.peak_factor: must be above 0, such as 2 for a 2x peak")
    for i, traffic in enumerate(block.traffic):
        if traffic.rate < 0:
            raise ValueError(f"simulation.traffic[{i}].rate: must be 0 or more")
        if traffic.peak_factor is not None and not traffic.peak_factor > 0:
            raise ValueError(f"simulation.traffic[{i}].peak_factor: must be above 0")
    kinds = [traffic.kind for traffic in block.traffic]
    for kind in set(kinds):
        if kinds.count(kind) > 1:
            raise ValueError(f"simulation.traffic[{kinds.index(kind, kinds.index(kind) + 1)}]"
                             f": a second '{kind}' entry; give each kind one rate")
    ids = [node.id for node in tutorial.reference.nodes]
    seen: set[tuple[str | None, str | None, str | None]] = set()
    for i, override in enumerate(block.capacity):
        where = f"simulation.capacity[{i}]"
        if override.component is not None and override.component not in tutorial.components:
            raise ValueError(f"{where}.component: '{override.component}' is not among this "
                             f"tutorial's components ({', '.join(tutorial.components)})")
        if override.node is not None and override.node not in ids:
            raise ValueError(f"{where}.node: the reference has no node '{override.node}' "
                             f"(it has: {', '.join(ids)})")
        if not override.per_instance > 0:
            raise ValueError(f"{where}.per_instance: must be above 0")
        key = (override.component, override.node, override.kind)
        if key in seen:
            raise ValueError(f"{where}: repeats an earlier entry for the same component "
                             "and kind; keep one")
        seen.add(key)
    for i, latency in enumerate(block.latency):
        if latency.component not in tutorial.components:
            raise ValueError(f"simulation.latency[{i}].component: '{latency.component}' is "
                             f"not among this tutorial's components "
                             f"({', '.join(tutorial.components)})")
        if latency.ms < 0:
            raise ValueError(f"simulation.latency[{i}].ms: must be 0 or more")
