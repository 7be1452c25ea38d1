"""The command-line interfaces other tools rely on, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_simulate_json_has_the_fields_other_tools_read() -> None:
    result = tutorbot("simulate", "tutorial-simple-blog", "--reference", "--json")

    report = json.loads(result.stdout)
    app = next(c for c in report["components"] if c["id"] == "app")
    assert result.returncode == 0, result.stderr
    assert {"components", "bottleneck", "max_load_factor", "latency_ms", "cost_per_month",
            "availability", "single_points_of_failure"} <= set(report)
    assert {"id", "type", "instances", "load", "capacity", "utilisation"} <= set(app)
    assert (app["instances"], app["load"], app["capacity"]) == (8, 1000.0, 1200.0)
    assert round(app["utilisation"], 3) == 0.833
    assert set(report["latency_ms"]) == {"p50", "p99"}


def test_simulate_a_design_file_one_server_short_names_the_bottleneck(tmp_path: Path) -> None:
    design = tmp_path / "short.txt"
    design.write_text("# six app servers, one short\nadd client\nadd 6 app\n\n"
                      "add db_primary\nconnect client -> app -> db_primary\n")

    normal = tutorbot("simulate", "tutorial-simple-blog", "--design", str(design))
    peak = tutorbot("simulate", "tutorial-simple-blog", "--design", str(design), "--peak",
                    "--json")
    failed = tutorbot("simulate", "tutorial-simple-blog", "--design", str(design),
                      "--fail", "app:3", "--json")

    assert "Bottleneck app: 1,000 req/s offered, 900 capacity, 111% — add 1 server" in (
        normal.stdout)
    peak_app = next(c for c in json.loads(peak.stdout)["components"] if c["id"] == "app")
    failed_app = next(c for c in json.loads(failed.stdout)["components"] if c["id"] == "app")
    assert (peak_app["load"], failed_app["instances"], failed_app["capacity"]) == (
        1200.0, 3, 450.0)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--reference", "--load", "1000000x"], "", "at most 1,000"),
        (["--reference", "--load", "-2"], "", "above 0"),
        (["--reference", "--fail", "quantum"], "", "no 'quantum' in your design"),
        (["--design", "-"], "add client\nadd banana\n", "line 2: 'add banana'"),
        (["--design", "no-such-file.txt"], "", "cannot read no-such-file.txt"),
        (["--design", "-"], "add 3 app\n", "no client"),
        (["--design", "-"], "add client\nadd app\nadd lb\nconnect client app\n"
         "connect app lb\nconnect lb app\n", "loop"),
    ],
)
def test_simulate_refuses_what_cannot_run_in_one_line(
    args: list[str], stdin: str, message: str
) -> None:
    result = tutorbot("simulate", "tutorial-simple-blog", *args, stdin=stdin)

    assert result.returncode == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_draw_writes_a_png_and_prints_the_same_picture_as_text(tmp_path: Path) -> None:
    picture = tmp_path / "blog.png"

    result = tutorbot("draw", "tutorial-simple-blog", "--reference", "--simulate",
                      "-o", str(picture))

    assert result.returncode == 0, result.stderr
    assert picture.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "App Servers ×8" in result.stdout and "83%" in result.stdout
    assert f"Picture saved: {picture}" in result.stdout


def test_simulate_draws_the_utilisation_chart_when_asked(tmp_path: Path) -> None:
    chart = tmp_path / "load.png"

    result = tutorbot("simulate", "tutorial-simple-blog", "--reference", "--peak",
                      "--chart", str(chart))

    assert result.returncode == 0, result.stderr
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"Chart saved: {chart}" in result.stdout
