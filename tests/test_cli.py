"""The command-line interfaces other tools rely on, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tutorbot.content import load_content

TUTORIAL_IDS = [
    "tutorial-simple-blog",
    "tutorial-intermediate-images",
    "tutorial-advanced-chat",
    "boe-walkthrough-chat",
]


def tutorbot(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        input=stdin, capture_output=True, text=True, timeout=60, check=False,
    )


def test_the_four_tutorials_ship_with_the_sources_ids() -> None:
    assert sorted(load_content().tutorials) == sorted(TUTORIAL_IDS)


def test_content_check_passes_on_the_shipped_lessons() -> None:
    result = tutorbot("content", "check")

    assert result.returncode == 0, result.stderr
    assert "4 tutorials checked" in result.stdout
    assert result.stderr == ""


def test_content_check_fails_with_errors_on_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: tutorial-x\ntitle: [unclosed\n", encoding="utf-8")

    result = tutorbot("content", "check", str(bad))

    assert result.returncode == 1
    assert result.stderr.startswith("bad.yaml: line ")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_content_show_json_gives_ids_questions_and_answers() -> None:
    for tutorial_id in TUTORIAL_IDS:
        result = tutorbot("content", "show", tutorial_id, "--json")

        document = json.loads(result.stdout)
        checkpoints = [cp for step in document["lesson"]["steps"]
                       for cp in step["checkpoints"]]
        assert document["id"] == tutorial_id
        assert all(tier["id"] for tier in document["tiers"])
        assert checkpoints, tutorial_id
        assert all(cp["id"] and cp["question"] and cp["answer"]["kind"]
                   for cp in checkpoints)


def test_content_show_unknown_tutorial_suggests_the_closest() -> None:
    result = tutorbot("content", "show", "tutorial-simple-blg")

    assert result.returncode == 1
    assert "did you mean 'tutorial-simple-blog'?" in result.stderr


def test_design_json_reports_each_command_then_the_tiers() -> None:
    script = "add 8 app\nad 2 lb\nadd db_primary\nconnect app db_primary\nadd lb\n"

    result = tutorbot("design", "tutorial-simple-blog", "--json", stdin=script)
    lines = [json.loads(line) for line in result.stdout.splitlines()]

    assert result.returncode == 0
    assert [line["ok"] for line in lines[:-1]] == [True, False, True, True, True]
    assert "did you mean" in lines[1]["message"]
    assert lines[-1] == {"tiers": [
        {"id": "T0", "passed": True, "missing": []},
        {"id": "T1", "passed": True, "missing": []},
        {"id": "T2", "passed": False, "missing": ["a Read Replica ('add db_replica')"]},
    ]}


def test_design_survives_junk_input() -> None:
    junk = "\x00\x01\n" + "add " * 3000 + "\n" + "🙂🙂\n" + "connect -> -> ->\n"

    result = tutorbot("design", "tutorial-simple-blog", "--json", stdin=junk)
    lines = [json.loads(line) for line in result.stdout.splitlines()]

    assert result.returncode == 0, result.stderr
    assert [line["ok"] for line in lines[:-1]] == [False, False, False, False]
    assert "tiers" in lines[-1]


def test_answer_judges_each_line_as_json() -> None:
    answers = "5\n1000/200\n4.5\n\n__import__('os')\n"

    result = tutorbot("answer", "blog-servers-at-200", "--json", stdin=answers)
    verdicts = [json.loads(line) for line in result.stdout.splitlines()]

    assert result.returncode == 0, result.stderr
    assert [v["correct"] for v in verdicts] == [True, True, False, False, False]
    assert verdicts[1]["read_as"] == "5 servers"
    assert verdicts[2]["slip"] == "not_rounded"
    assert verdicts[3]["message"].startswith("I couldn't read that as a number")
    assert set(verdicts[0]) == {"correct", "read_as", "slip", "message"}


def test_answer_takes_one_answer_as_an_argument() -> None:
    result = tutorbot("answer", "boe-three-in-series", "0.997")

    assert result.returncode == 0
    assert "multiply by 100" in result.stdout


def test_answer_to_an_unknown_checkpoint_suggests_the_closest() -> None:
    result = tutorbot("answer", "blog-servers-at-20", "5")

    assert result.returncode == 1
    assert "did you mean 'blog-servers-at-200'?" in result.stderr


def test_play_keeps_progress_across_restarts(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'tutor.db'}"

    first = tutorbot("play", "--user", "ada", "--db", db, stdin="/1\n/1\n4\n5\n")
    second = tutorbot("play", "--user", "ada", "--db", db, stdin="/1\n")
    progress = tutorbot("progress", "--user", "ada", "--db", db, "--json")
    report = json.loads(progress.stdout)

    assert first.returncode == 0, first.stderr
    assert "✅ Correct: 5 servers" in first.stdout
    assert "Personal Blog Platform (easy) — step 1 of 5" in second.stdout
    assert report["tutorials"][0] == {"id": "tutorial-simple-blog", "step": 1, "steps": 5,
                                      "tiers_passed": [], "completed": False}
    assert [row["id"] for row in report["tutorials"]] == TUTORIAL_IDS


def test_play_refuses_an_unknown_tutorial(tmp_path: Path) -> None:
    result = tutorbot("play", "--tutorial", "tutorial-simple-blg", "--db",
                      f"sqlite:///{tmp_path / 'tutor.db'}")

    assert result.returncode == 1
    assert "did you mean 'tutorial-simple-blog'?" in result.stderr


HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "sympy", "matplotlib")
LOADED = """
import atexit, sys
heavy = {HEAVY!r}
atexit.register(lambda: print("LOADED", sorted({{m.split(".")[0] for m in sys.modules}} &
                                                  set(heavy)), file=sys.stderr))
from adapters.cli import main
sys.argv = ["tutorbot", *sys.argv[1:]]
main()
"""


def test_a_lesson_on_a_current_database_loads_none_of_the_heavy_libraries(
    tmp_path: Path,
) -> None:
    # Start-up time is mostly imports: a migrated database and an ordinary
    # lesson need neither the migration tools, sympy nor the picture libraries.
    db = f"sqlite:///{tmp_path / 'tutor.db'}"
    tutorbot("play", "--user", "ada", "--db", db, stdin="/start\n")

    again = subprocess.run(
        [sys.executable, "-c", LOADED.format(HEAVY=HEAVY), "play", "--user", "ada",
         "--db", db], input="/start\n1\n", capture_output=True, text=True, timeout=60,
        check=False,
    )

    assert again.returncode == 0, again.stderr
    assert "Personal Blog Platform" in again.stdout
    assert "LOADED []" in again.stderr
