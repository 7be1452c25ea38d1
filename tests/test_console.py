"""The terminal frontend: markup rendered or stripped, buttons as numbered choices."""

from __future__ import annotations

import io
from pathlib import Path

from adapters.console import Console
from tutorbot.content import load_content
from tutorbot.design.commands import commands_for
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


def test_simulate_and_show_in_the_terminal_print_figures_and_save_pictures(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    console = Console(Engine(CONTENT, MemoryStore()), "ada", out, colour=False)
    console.pictures = tmp_path
    blog = CONTENT.tutorial("tutorial-simple-blog")

    console.run(["/2", *commands_for(blog.reference), "simulate", "fail app 2", "show"],
                "tutorial-simple-blog")

    text = out.getvalue()
    saved = sorted(tmp_path.glob("*.png"))
    assert "app ×8: 1,000 of 1,200 req/s, 83%" in text
    assert "2 of 8 app failed" in text
    assert len(saved) == 3
    assert all(f"Picture saved: {path}" in text for path in saved)
    assert all(path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for path in saved)
