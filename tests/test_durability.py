"""Durability: a learner's progress survives SIGKILL, and messages sent at once all count.

The kill test drives the real terminal tutor (`python -m adapters.cli play`) as a
child process through the blog tutorial and kills it with SIGKILL at seeded
points, each time just after sending the next line, so the kill lands before,
inside or after that line's turn. What the database holds afterwards must be
exactly the state after every acknowledged line, or after one more line (the
one in flight, if its turn had committed), never anything in between; a new
process must show the learner where they are and carry on from there. The
states to compare with come from one session of the same script that nobody
kills.

The concurrency test sends many design commands for one conversation at once,
through one engine and through several engines over their own stores (as
several bot processes would), and counts what arrived.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import re
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy import select as sql_select
from sqlalchemy.engine import make_url

from adapters.console import PLATFORM, Console
from tutorbot.content import load_content
from tutorbot.design import commands
from tutorbot.design.graph import Design
from tutorbot.engine.engine import APOLOGY, Engine
from tutorbot.engine.messages import Event, Reply
from tutorbot.store import Store
from tutorbot.store.tables import ATTEMPT, LEARNER

CONTENT = load_content()
BLOG = "tutorial-simple-blog"
STEPS = len(CONTENT.tutorial(BLOG).lesson.steps)
TIERS = len(CONTENT.tutorial(BLOG).tiers)
USER = "ada"

# The whole blog tutorial as a learner types it: right and wrong answers, a hint,
# a skip, every tier built, and the finish. Only lines 0 and 1 press buttons.
SCRIPT = (
    "/1",  # the blog, from the menu
    "/1",  # start the lesson
    "4",
    "hint",
    "5",
    "next",
    "to make the app server respond faster",
    "to persist the data permanently",
    "add client",
    "add app",
    "add db_primary",
    "connect client app",
    "connect app db_primary",
    "next",
    "skip",
    "add lb",
    "add app",
    "connect client lb",
    "connect lb app",
    "check",
    "next",
    "next",
    "9,500",
    "add 6 app",
    "add db_replica",
    "connect app db_replica",
    "next",
)
REPEATABLE = {0: "opening the tutorial again is harmless", 19: "`check` changes nothing"}
"""Lines that leave no durable trace: resending one after a kill cannot double it."""

ELAPSED = re.compile(r"Time: \d+ min")
FIRST_IN_LESSON = 2
"""The first line typed inside the lesson; a process restarted before it starts over."""

KILLS = {"sqlite": 12, "postgresql": 4}
"""Kill points per database: each costs a cold start of about three seconds."""
DELAYS = (0.0, 0.0005, 0.002, 0.02)
"""Seconds between sending the line in flight and the kill."""
SEED = 4

START_TIMEOUT = 60.0
REPLY_TIMEOUT = 20.0

MENU = re.compile(rb"Tap one, or type its number or name\.\n\[/1\][^\n]*\n\n")
MARKER_TEXT = "Type a message, or /help to see what I can do.\n\n"
MARKER = re.compile(re.escape(MARKER_TEXT.encode()))


# What the database holds for the learner


@dataclass(frozen=True)
class Snapshot:
    """Everything durable about the learner's blog tutorial, and every answer they gave."""

    step: int
    steps_done: tuple[str, ...]
    checkpoints_done: tuple[str, ...]
    tiers_passed: tuple[str, ...]
    hints_used: int
    design: tuple[str, ...]
    started: bool
    completed: bool
    attempts: tuple[tuple[str, str, bool], ...]

    def menu_status(self) -> str:
        """How the menu should describe the blog tutorial."""
        if not self.started:
            return "not started"
        if self.completed:
            return "done ✅"
        return f"step {self.shown_step()} of {STEPS}, tier {len(self.tiers_passed)} of {TIERS}"

    def shown_step(self) -> int:
        return min(self.step + 1, STEPS) if self.started else 0

    def progress_row(self) -> dict[str, Any]:
        """The blog's row of `tutorbot progress --json`."""
        return {"id": BLOG, "step": self.shown_step(), "steps": STEPS,
                "tiers_passed": list(self.tiers_passed), "completed": self.completed}


class Durable:
    """Reads the learner's state straight from the database, outside any bot."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._store = Store(url)
        self._engine = create_engine(url)

    def snapshot(self) -> Snapshot:
        records = {r.tutorial_id: r for r in self._store.progress_of(PLATFORM, USER)}
        attempts = (
            sql_select(ATTEMPT.c.checkpoint_id, ATTEMPT.c.answer, ATTEMPT.c.correct)
            .join(LEARNER, LEARNER.c.id == ATTEMPT.c.learner_id)
            .where(LEARNER.c.platform == PLATFORM, LEARNER.c.user_id == USER)
            .order_by(ATTEMPT.c.id)
        )
        with self._engine.connect() as connection:
            answers = tuple((str(a), str(b), bool(c)) for a, b, c in connection.execute(attempts))
        record = records.get(BLOG)
        if record is None:
            return Snapshot(0, (), (), (), 0, (), False, False, answers)
        return Snapshot(
            record.step, tuple(record.steps_done), tuple(record.checkpoints_done),
            tuple(record.tiers_passed), record.hints_used, tuple(record.design),
            record.started_at is not None, record.completed_at is not None, answers,
        )

    def assert_intact(self) -> None:
        """SQLite's own check of the file; PostgreSQL recovers a killed client by itself."""
        url = make_url(self.url)
        if url.get_backend_name() != "sqlite":
            return
        with closing(sqlite3.connect(url.database or "")) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    def close(self) -> None:
        self._store.close()
        self._engine.dispose()


@dataclass(frozen=True)
class Reference:
    """One session of SCRIPT that nobody kills: what was stored and what was said.

    `states[i]` is the state after i lines, `replies[i]` the output for line i.
    """

    states: list[Snapshot]
    replies: list[str]


def reference_run(url: str) -> Reference:
    store = Store(url)
    store.migrate()
    durable = Durable(url)
    out = io.StringIO()
    states: list[Snapshot] = []
    marks: list[int] = []

    def lines() -> Iterator[str]:
        for line in SCRIPT:  # the console asks for a line once the last one is answered
            states.append(durable.snapshot())
            marks.append(len(out.getvalue()))
            yield line
        states.append(durable.snapshot())
        marks.append(len(out.getvalue()))

    try:
        Console(Engine(CONTENT, store), USER, out, colour=False).run(lines())
    finally:
        durable.close()
        store.close()
    text = out.getvalue()
    return Reference(states, [text[a:b] for a, b in itertools.pairwise(marks)])


@pytest.fixture
def durable(store_url: str) -> Iterator[Durable]:
    reader = Durable(store_url)
    yield reader
    reader.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    folder = tmp_path_factory.mktemp("reference")
    return reference_run(f"sqlite:///{(folder / 'reference.db').as_posix()}")


# The terminal tutor as a child process


class Play:
    """One `tutorbot play` process, read reply batch by reply batch.

    A line counts as acknowledged once its whole reply batch has been read: the
    batch the uninterrupted session printed for it, byte for byte. The console
    prints a batch only after its turn, so nothing more is awaited before the kill.
    """

    def __init__(self, url: str, log: Path) -> None:
        self._log = log
        with log.open("ab") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "adapters.cli", "play", "--user", USER, "--db", url],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, bufsize=0,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._stdin: IO[bytes] = self.process.stdin
        self._stdout: IO[bytes] = self.process.stdout
        self._output = b""
        self._read = 0

    def menu(self) -> str:
        return self._read_to(lambda: _end_of(MENU.search(self._output, self._read)),
                             "the menu", START_TIMEOUT)

    def resume(self) -> str:
        """Send /resume; its replies, known complete when a blank line's fixed reply follows."""
        self.send("/resume")
        self.send("")
        found = self._read_to(lambda: _end_of(MARKER.search(self._output, self._read)),
                              "the reply to /resume", REPLY_TIMEOUT)
        return found.removesuffix(MARKER_TEXT)

    def say(self, line: str, expected: str) -> None:
        """Send `line` and read its reply batch, which must be `expected`."""
        self.send(line)
        wanted = self._read + len(expected.encode())
        found = self._read_to(lambda: wanted if len(self._output) >= wanted else None,
                              f"the reply to {line!r}", REPLY_TIMEOUT)
        assert found == expected, f"{line!r} was answered differently:\n{self.transcript()}"

    def send(self, line: str) -> None:
        self._stdin.write(f"{line}\n".encode())

    def _read_to(self, end: Callable[[], int | None], what: str, timeout: float) -> str:
        """The output from where the last read stopped up to `end()`, once it is there."""
        deadline = time.monotonic() + timeout
        while (stop := end()) is None:
            left = deadline - time.monotonic()
            ready = select.select([self._stdout], [], [], max(left, 0))[0]
            chunk = os.read(self._stdout.fileno(), 65536) if ready else None
            if not chunk:
                waited = "the output ended" if chunk == b"" else f"{timeout:.0f} s passed"
                raise AssertionError(f"no {what} before {waited}:\n{self.transcript()}")
            self._output += chunk
        text = self._output[self._read:stop].decode(errors="replace")
        self._read = stop
        return text

    def kill_after_sending(self, line: str, delay: float) -> None:
        self.send(line)
        if delay:
            time.sleep(delay)
        os.kill(self.process.pid, signal.SIGKILL)
        assert self.process.wait(timeout=10) == -signal.SIGKILL

    def finish(self) -> tuple[int, str]:
        """Close the input, as at the end of a piped script; the exit code and the rest."""
        rest, _ = self.process.communicate(timeout=REPLY_TIMEOUT)  # closes the input
        self._output += rest
        return self.process.returncode, self._output[self._read:].decode(errors="replace")

    def transcript(self) -> str:
        return (f"--- stdout ---\n{self._output.decode(errors='replace')}\n"
                f"--- stderr ---\n{self._log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self._stdin.close()
        self._stdout.close()


def _end_of(found: re.Match[bytes] | None) -> int | None:
    return None if found is None else found.end()


@pytest.fixture
def plays() -> Iterator[list[Play]]:
    """Starts `play` processes; whatever is still running at the end is killed."""
    started: list[Play] = []
    yield started
    for play in started:
        play.stop()


def start_play(plays: list[Play], url: str, log: Path) -> Play:
    play = Play(url, log)
    plays.append(play)
    return play


def start_progress(url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "progress", "--user", USER, "--db", url,
         "--json"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def blog_row(progress: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = progress.communicate(timeout=START_TIMEOUT)
    assert progress.returncode == 0, err
    rows: list[dict[str, Any]] = json.loads(out)["tutorials"]
    return next(row for row in rows if row["id"] == BLOG)


def blog_status(menu: str) -> str:
    title = re.escape(CONTENT.tutorial(BLOG).title)
    found = re.search(rf"{title} \(easy\) — ([^\n]+)", menu)
    assert found is not None, menu
    return found[1]


def come_back(play: Play, at: int, expected: Snapshot) -> int:
    """Check that the menu and /resume show `expected`; the index of the next line to send."""
    assert blog_status(play.menu()) == expected.menu_status()
    if at < FIRST_IN_LESSON:
        return 0
    resumed = play.resume()
    assert f"Step {expected.shown_step()}/{STEPS}:" in resumed, resumed
    return at


def kill_points(url: str) -> list[tuple[int, float]]:
    """Seeded (last line to acknowledge, delay before the kill) pairs, in script order."""
    chooser = random.Random(SEED)
    count = KILLS[make_url(url).get_backend_name()]
    lines = sorted(chooser.sample(range(len(SCRIPT) - 1), count))
    return [(line, chooser.choice(DELAYS)) for line in lines]


# The script itself


@pytest.mark.parametrize(("typed", "facts"), [
    (1, {"started": False}),
    (2, {"started": True, "step": 0}),
    (4, {"attempts": (("blog-servers-at-200", "4", False),), "hints_used": 1}),
    (5, {"checkpoints_done": ("blog-servers-at-200",), "step": 0}),
    (6, {"step": 1}),
    (12, {"tiers_passed": ()}),
    (13, {"tiers_passed": ("T0",), "step": 1}),
    (14, {"step": 2}),
    (17, {"tiers_passed": ("T0", "T1")}),
    (len(SCRIPT) - 1, {"tiers_passed": ("T0", "T1", "T2"), "completed": False}),
    (len(SCRIPT), {"completed": True, "step": STEPS}),
])
def test_the_script_walks_the_whole_blog_tutorial(
    reference: Reference, typed: int, facts: dict[str, Any]
) -> None:
    state = reference.states[typed]

    found = {name: getattr(state, name) for name in facts}

    assert found == facts


def test_every_line_of_the_script_but_the_repeatable_ones_leaves_a_durable_trace(
    reference: Reference,
) -> None:
    states = reference.states

    traceless = {index for index in range(len(SCRIPT)) if states[index] == states[index + 1]}

    assert traceless == set(REPEATABLE)


# SIGKILL in the middle of a lesson


def test_sigkill_at_many_points_keeps_every_acknowledged_answer_and_the_step(
    store_url: str, tmp_path: Path, plays: list[Play], reference: Reference, durable: Durable
) -> None:
    states, replies = reference.states, reference.replies
    play = start_play(plays, store_url, tmp_path / "play.log")
    at = 0  # the first line the database has not seen

    for planned, delay in kill_points(store_url):
        acknowledged = max(planned, at)
        if acknowledged >= len(SCRIPT) - 1:
            break
        for index in range(come_back(play, at, states[at]), acknowledged + 1):
            play.say(SCRIPT[index], replies[index])
        play.kill_after_sending(SCRIPT[acknowledged + 1], delay)
        progress = start_progress(store_url)
        play = start_play(plays, store_url, tmp_path / "play.log")  # starts while we look

        found = durable.snapshot()
        durable.assert_intact()

        before, after = states[acknowledged + 1], states[acknowledged + 2]
        assert found in (before, after), (
            f"killed after acknowledging {SCRIPT[acknowledged]!r} (line {acknowledged}) with "
            f"{SCRIPT[acknowledged + 1]!r} in flight:\n{found}\nexpected\n{before}\nor\n{after}"
        )
        at = acknowledged + (2 if found == after != before else 1)
        assert blog_row(progress) == states[at].progress_row()

    for index in range(come_back(play, at, states[at]), len(SCRIPT) - 1):
        play.say(SCRIPT[index], replies[index])
    play.send(SCRIPT[-1])
    exit_code, summary = play.finish()
    final = blog_row(start_progress(store_url))

    assert exit_code == 0, play.transcript()
    assert ELAPSED.sub("", summary) == ELAPSED.sub("", replies[-1])
    assert durable.snapshot() == states[-1]
    assert final == {"id": BLOG, "step": STEPS, "steps": STEPS,
                     "tiers_passed": ["T0", "T1", "T2"], "completed": True}
    durable.assert_intact()


# Many messages for one learner at once

MESSAGES = 24
APP_SERVERS = re.compile(r"App Server ×(\d+)")


def message(text: str | None = None, button: str | None = None) -> Event:
    return Event("telegram", "telegram:chat-7", "7", "Ada", text=text, button=button)


def app_servers_after(batch: list[Reply]) -> int:
    """How many App Servers the reply to one `add app` reports, once it says it added one."""
    assert len(batch) == 1, batch
    text = batch[0].text
    found = APP_SERVERS.search(text)
    assert "added" in text.lower() and found is not None, text
    return int(found[1])


@pytest.fixture
def open_store(store_url: str) -> Iterator[Callable[[], Store]]:
    """Opens stores on the test's database, as bot processes would; all closed at the end."""
    opened: list[Store] = []

    def open_one() -> Store:
        opened.append(Store(store_url))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


@pytest.mark.parametrize("bots", [1, 2, MESSAGES],
                         ids=["one-engine", "two-engines", "an-engine-each"])
def test_many_messages_for_one_learner_at_once_lose_no_update(
    open_store: Callable[[], Store], bots: int
) -> None:
    stores = [open_store() for _ in range(bots)]
    stores[0].migrate()
    engines = [Engine(CONTENT, store) for store in stores]
    engines[0].handle(message(button=f"open:{BLOG}"))
    engines[0].handle(message(button="lesson:build"))
    barrier = threading.Barrier(MESSAGES)

    def send(number: int) -> list[Reply]:
        barrier.wait(timeout=30)
        return engines[number % bots].handle(message("add app"))

    with ThreadPoolExecutor(max_workers=MESSAGES) as pool:
        batches = list(pool.map(send, range(MESSAGES), timeout=120))
    restarted = open_store()  # a bot started afterwards
    shown = Engine(CONTENT, restarted).handle(message("show"))
    [record] = restarted.progress_of("telegram", "7")

    assert not [batch for batch in batches if any(APOLOGY in r.text for r in batch)]
    counts = sorted(app_servers_after(batch) for batch in batches)
    assert counts == list(range(1, MESSAGES + 1))  # each saw every one before it
    assert f"App Server (app) ×{MESSAGES}" in shown[0].text
    assert rebuilt(record.design).count_of("app") == MESSAGES


def rebuilt(stored: list[str]) -> Design:
    """The design a bot rebuilds from the stored commands."""
    palette = commands.Palette.for_tutorial(CONTENT.catalogue, CONTENT.tutorial(BLOG))
    design = Design()
    for line in stored:
        assert commands.run(design, palette, line).ok, line
    return design
