"""What there is to draw, whatever draws it: one box per node, laid out in layers.

A box carries what a reader should see of a node: the catalogue's emoji and role,
the learner's label, the instance count, and with an overlay its load, its
figure, whether it is the bottleneck and how many of its instances are down.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from tutorbot.content.models import Catalogue
from tutorbot.design.graph import Design
from tutorbot.render.layout import Edge, Layering, layer
from tutorbot.render.overlay import Overlay, percent

ENTRY_ROLE = "entry"
UNKNOWN_ROLE = "unknown"
TIMES = "\N{MULTIPLICATION SIGN}"


@dataclass(frozen=True)
class Box:
    id: str
    label: str
    count: int
    role: str
    emoji: str
    utilisation: float | None = None
    figure: str | None = None
    bottleneck: bool = False
    failed: int = 0

    @property
    def times(self) -> str:
        """'×8', or nothing for a single instance."""
        return f"{TIMES}{self.count:,}" if self.count > 1 else ""

    @property
    def all_down(self) -> bool:
        return self.failed >= self.count


@dataclass(frozen=True)
class Scene:
    boxes: Mapping[str, Box]
    edges: tuple[Edge, ...]
    layering: Layering
    simulated: bool


def scene(design: Design, catalogue: Catalogue, overlay: Overlay | None = None) -> Scene:
    components = {component.type: component for component in catalogue.components}
    shown = overlay or Overlay()
    boxes = {}
    for node in design.nodes:
        component = components.get(node.type)
        utilisation = shown.utilisation.get(node.id)
        figure = shown.figures.get(node.id)
        if figure is None and utilisation is not None:
            figure = percent(utilisation)
        boxes[node.id] = Box(
            id=node.id,
            label=node.label,
            count=node.count,
            role=component.role if component else UNKNOWN_ROLE,
            emoji=component.emoji if component else "",
            utilisation=None if utilisation is None or math.isnan(utilisation) else utilisation,
            figure=figure,
            bottleneck=node.id == shown.bottleneck,
            failed=max(0, min(shown.failed.get(node.id, 0), node.count)),
        )
    entries = {box.id for box in boxes.values() if box.role == ENTRY_ROLE}
    edges = tuple(design.edges)
    return Scene(boxes, edges, layer(list(boxes), edges, entries), overlay is not None)
