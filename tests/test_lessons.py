"""Every tutorial taken from start to finish through the terminal frontend.

The script is built from the content itself: each checkpoint is answered right
away, after a wrong try and a hint, or given up after three wrong tries (in
turn); the first build task is met with the reference design, typed as commands;
the learner then reveals the solution and reads the summary.
"""

from __future__ import annotations

import io

import pytest

from adapters.console import Console
from tutorbot.content import load_content
from tutorbot.content.models import Checkpoint, NumberAnswer, Tutorial
from tutorbot.design.commands import commands_for
from tutorbot.engine.engine import Engine
from tutorbot.engine.memory import MemoryStore

CONTENT = load_content()


def right(checkpoint: Checkpoint) -> str:
    answer = checkpoint.answer
    return format(answer.value, "f") if isinstance(answer, NumberAnswer) else answer.answer


def wrong(checkpoint: Checkpoint) -> str:
    answer = checkpoint.answer
    return "987654321" if isinstance(answer, NumberAnswer) else "purple elephants"


def script(tutorial: Tutorial) -> list[str]:
    lines = ["/1"]  # "Start the lesson" on the intro card
    built = False
    number = 0
    for step in tutorial.lesson.steps:
        for checkpoint in step.checkpoints:
            path = number % 3
            number += 1
            if path == 0:
                lines.append(right(checkpoint))
            elif path == 1:
                lines += [wrong(checkpoint), "/hint", right(checkpoint)]
            else:
                lines += [wrong(checkpoint)] * 3
        if step.build is not None and not built:
            lines += [*commands_for(tutorial.reference), "check"]
            built = True
        lines.append("next")
    return [*lines, "/solution", "yes"]


@pytest.mark.parametrize("tutorial", list(CONTENT.tutorials.values()), ids=lambda t: t.id)
def test_a_whole_tutorial_through_the_console(tutorial: Tutorial) -> None:
    out = io.StringIO()
    console = Console(Engine(CONTENT, MemoryStore()), "ada", out, colour=False)

    console.run(script(tutorial), tutorial.id)
    text = out.getvalue()

    steps = len(tutorial.lesson.steps)
    for number, step in enumerate(tutorial.lesson.steps, start=1):
        assert f"Step {number}/{steps}: {step.title}" in text
    for checkpoint in tutorial.checkpoints():
        assert checkpoint.question in text
    for tier in tutorial.tiers:
        assert f"{tier.id} {tier.emoji} {tier.title} is green" in text
    paths = [number % 3 for number in range(len(tutorial.checkpoints()))]
    assert text.count("✅ Correct") + text.count("✅ Yes") == paths.count(0) + paths.count(1)
    assert text.count("💡") >= paths.count(1)
    assert text.count("Here's the worked answer") == paths.count(2)
    assert f"{tutorial.title}: done" in text
    assert f"Tiers green: {len(tutorial.tiers)} of {len(tutorial.tiers)}" in text
    assert "Reference design" in text
    assert "you have" in text
    assert "something went wrong" not in text
