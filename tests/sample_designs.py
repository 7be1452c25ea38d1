"""The largest designs a learner can build, for the picture tests and benchmark."""

from __future__ import annotations

import itertools

from tutorbot.design.graph import Design


def chain(length: int = 44) -> Design:
    """One box after another, `length` layers deep."""
    design = Design()
    design.add("client", "client", "Users", 1)
    for index in range(length - 1):
        design.add(f"s{index}", "app", f"Stage {index}", index + 1)
    ids = [node.id for node in design.nodes]
    for source, target in itertools.pairwise(ids):
        design.connect(source, target)
    return design


def wide() -> Design:
    """49 boxes: a balancer fanning out to 30 workers, each writing to one of 17 stores."""
    design = Design()
    design.add("client", "client", "Users", 1)
    design.add("lb", "lb", "Load Balancer", 2)
    design.connect("client", "lb")
    for index in range(17):
        design.add(f"d{index}", "cache" if index % 2 else "db_primary", f"Store {index}", 1)
    for index in range(30):
        design.add(f"w{index}", "app", f"Worker {index}", index + 1)
        design.connect("lb", f"w{index}")
        design.connect(f"w{index}", f"d{index % 17}")
    return design
