"""What a simulation adds to a picture: how busy each component is, and what broke.

Plain data, so the renderers need nothing from the simulator and the simulator
nothing from them; whoever holds both fills one in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

BUSY = 0.7
"""Utilisation from which a component is drawn amber: queues start to grow."""


class Band(Enum):
    """How busy a component is, in the three colours a picture uses."""

    CALM = "calm"
    BUSY = "busy"
    OVER = "over capacity"


def band(utilisation: float) -> Band:
    if math.isnan(utilisation) or utilisation < BUSY:
        return Band.CALM
    return Band.BUSY if utilisation < 1 else Band.OVER


def percent(utilisation: float) -> str:
    """'83%', '1,250%'; 'n/a' and '∞' for figures that are not a share."""
    if math.isnan(utilisation):
        return "n/a"
    if math.isinf(utilisation):
        return "∞"
    return f"{utilisation:,.0%}"


@dataclass(frozen=True)
class Overlay:
    """A simulation's results, by node id. Ids the design lacks are ignored.

    `utilisation` is offered load over capacity (1.0 is saturated, above it is
    overloaded); `figures` is the short text shown on a box ("83%",
    "1,000 req/s"), and the utilisation as a percentage where a node has none;
    `failed` is how many of a node's instances are down.
    """

    utilisation: Mapping[str, float] = field(default_factory=dict)
    figures: Mapping[str, str] = field(default_factory=dict)
    bottleneck: str | None = None
    failed: Mapping[str, int] = field(default_factory=dict)
