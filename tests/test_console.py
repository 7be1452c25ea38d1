"""The terminal frontend: markup rendered or stripped, buttons as numbered choices."""

from __future__ import annotations

import io

from adapters.console import Console
from tutorbot.content import load_content
from tutorbot.engine.engine import Engine
from tutorbot.engine.memory import MemoryStore

CONTENT = load_content()


def session(lines: list[str], tutorial: str | None = None, colour: bool = False) -> str:
    out = io.StringIO()
    console = Console(Engine(CONTENT, MemoryStore()), "ada", out, colour=colour)

    console.run(lines, tutorial)

    return out.getvalue()


def test_piped_output_is_plain_text_with_numbered_choices() -> None:
    text = session([])

    assert "**" not in text and "\033[" not in text
    assert "[/1] 📚 Personal Blog Platform" in text


def test_a_numbered_choice_presses_its_button() -> None:
    text = session(["/1", "/1"])

    assert "Personal Blog Platform (easy)" in text
    assert "Step 1/5: Analyze the Requirements" in text


def test_a_tutorial_can_be_opened_directly_and_answered() -> None:
    text = session(["/1", "5"], tutorial="tutorial-simple-blog")

    assert "Checkpoint" in text
    assert "✅ Correct: 5 servers" in text


def test_colour_on_a_terminal() -> None:
    text = session([], colour=True)

    assert "\033[1m" in text
