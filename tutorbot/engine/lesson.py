"""Lesson content as chat-sized text: cards, steps, calculations, summaries."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tutorbot.content.models import Calculation, Checkpoint, Step, Tutorial
from tutorbot.engine.ports import ProgressRecord

MESSAGE_LIMIT = 3500
"""Characters per message; Telegram allows 4,096 and Discord 2,000 per embed text,
so adapters may split further, but a lesson never sends a wall of text."""


def progress_bar(done: int, total: int) -> str:
    """'▰▰▰▱▱▱▱' for 3 of 7."""
    return "▰" * done + "▱" * max(total - done, 0)


def status(tutorial: Tutorial, record: ProgressRecord | None) -> str:
    """Where a learner stands in a tutorial, in a few words."""
    if record is None or record.started_at is None:
        return "not started"
    if record.completed_at is not None:
        return "done ✅"
    steps = len(tutorial.lesson.steps)
    tiers = f"tier {len(record.tiers_passed)} of {len(tutorial.tiers)}"
    return f"step {min(record.step + 1, steps)} of {steps}, {tiers}"


def intro_card(tutorial: Tutorial) -> str:
    return "\n\n".join([
        f"{tutorial.emoji} **{tutorial.title}** ({tutorial.difficulty})",
        f"🎯 **Goal**: {tutorial.goal}",
        f"**Scenario**: {tutorial.scenario.strip()}",
        requirements(tutorial),
    ])


def requirements(tutorial: Tutorial) -> str:
    functional = "\n".join(f"- {item}" for item in tutorial.requirements.functional)
    non_functional = "\n".join(
        f"- **{item.name}**: {item.value}" for item in tutorial.requirements.non_functional
    )
    constants = "\n".join(
        f"- `{name}` = {value:,}" for name, value in tutorial.constants.items()
    )
    return (f"**Requirements**\n{functional}\n\n**Non-functional**\n{non_functional}"
            f"\n\n**Constants**\n{constants}")


def step_text(tutorial: Tutorial, index: int) -> str:
    step = tutorial.lesson.steps[index]
    total = len(tutorial.lesson.steps)
    heading = f"**Step {index + 1}/{total}: {step.title}**  {progress_bar(index + 1, total)}"
    parts = [heading, step.body.strip()]
    parts += [calculation_text(calculation) for calculation in step.calculations]
    return "\n\n".join(parts)


def calculation_text(calculation: Calculation) -> str:
    lines = "\n".join(f"  {line}" for line in calculation.lines if line.strip())
    return f"🧮 *{calculation.title}*\n{lines}\n➡️ {calculation.result}"


def checkpoint_text(checkpoint: Checkpoint, number: int, total: int) -> str:
    counter = f" ({number}/{total})" if total > 1 else ""
    return f"❓ **Checkpoint{counter}**: {checkpoint.question}"


def build_text(step: Step, tier_title: str) -> str:
    assert step.build is not None
    return f"🛠️ **Build: {tier_title}**\n{step.build.prompt.strip()}"


def split(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut long text into messages at paragraph breaks (or lines, if it must)."""
    if len(text) <= limit:
        return [text]
    pieces = []
    for paragraph in text.split("\n\n"):
        if len(paragraph) <= limit:
            pieces.append(paragraph)
            continue
        lines = [line[at:at + limit] for line in paragraph.split("\n")
                 for at in range(0, max(len(line), 1), limit)]
        pieces += pack(lines, "\n", limit)
    return pack(pieces, "\n\n", limit)


def pack(pieces: Iterable[str], separator: str, limit: int,
         measure: Callable[[str], int] = len) -> list[str]:
    """Join pieces with `separator` into as few chunks of at most `limit` as fit
    (as `measure` counts: platforms count UTF-16 units)."""
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        joined = f"{current}{separator}{piece}" if current else piece
        if measure(joined) <= limit:
            current = joined
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks
