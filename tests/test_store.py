"""The durable store, on SQLite and on PostgreSQL 15 alike.

Every test that takes `store` or `store_url` runs twice: once on a SQLite file
and once on a fresh database of a throwaway PostgreSQL cluster (see conftest).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import PostgresCluster
from sqlalchemy import create_engine, inspect, text

from tutorbot.errors import TutorbotError
from tutorbot.store import ProgressRecord, Store, StoreError, database_url, migrations
from tutorbot.store.database import parse
from tutorbot.store.errors import is_database_error
from tutorbot.store.location import ENVIRONMENT_VARIABLE
from tutorbot.store.queries import ANSWER_LIMIT
from tutorbot.store.tables import METADATA

TUTORIAL = "tutorial-simple-blog"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store(store_url)
    opened.migrate()
    yield opened
    opened.close()


def bump(store: Store, conversation: str, times: int) -> None:
    for _ in range(times):
        with store.turn(conversation) as turn:
            turn.state = {**turn.state, "count": turn.state.get("count", 0) + 1}


def count(store: Store, conversation: str) -> int:
    with store.turn(conversation) as turn:
        found: int = turn.state.get("count", 0)
    return found


def raw(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


# The schema and its migrations


def test_migrating_an_empty_database_builds_exactly_the_models(store_url: str) -> None:
    store = Store(store_url)

    store.migrate()

    store.close()
    engine = create_engine(store_url)
    with engine.connect() as connection:
        found = inspect(connection)
        tables = {
            name: {column["name"] for column in found.get_columns(name)}
            for name in found.get_table_names() if name != migrations.VERSION_TABLE
        }
        differences = compare_metadata(MigrationContext.configure(connection), METADATA)
    engine.dispose()
    assert tables == {
        table.name: {column.name for column in table.columns} for table in METADATA.sorted_tables
    }
    assert differences == []


def test_migrating_twice_is_harmless_and_keeps_the_data(store: Store, store_url: str) -> None:
    with store.turn("chat-1") as turn:
        turn.state = {"kept": True}

    store.migrate()
    again = Store(store_url)
    again.migrate()

    with again.turn("chat-1") as turn:
        assert turn.state == {"kept": True}
    again.close()
    assert raw(store_url, "SELECT version_num FROM alembic_version") == [(migrations.HEAD,)]


def test_every_revision_downgrades_and_upgrades_again(store_url: str) -> None:
    # A release that must be rolled back takes its schema change back with it.
    from alembic import command

    store = Store(store_url)
    store.migrate()
    store.close()
    engine = create_engine(store_url)
    try:
        with engine.begin() as connection:
            command.downgrade(migrations.alembic_config(connection), "base")
        with engine.connect() as connection:
            left = set(inspect(connection).get_table_names()) - {migrations.VERSION_TABLE}
    finally:
        engine.dispose()
    assert left == set()

    again = Store(store_url)
    assert again.revision() is None
    again.migrate()
    bump(again, "chat-1", 2)

    assert (again.revision(), count(again, "chat-1")) == (migrations.HEAD, 2)
    again.close()


def test_head_names_the_newest_shipped_revision() -> None:
    scripts = ScriptDirectory.from_config(migrations.alembic_config())

    assert scripts.get_current_head() == migrations.HEAD


# Each Turn method, written in one turn and read back in the next


def test_state_starts_empty_and_keeps_a_new_dict_or_an_in_place_change(store: Store) -> None:
    with store.turn("chat-1") as turn:
        first = dict(turn.state)
        turn.state = {"lesson": {"steps": ["intro"]}}
    with store.turn("chat-1") as turn:
        turn.state["lesson"]["steps"].append("traffic")

    with store.turn("chat-1") as turn:
        final = turn.state
    with store.turn("chat-2") as turn:
        other = turn.state

    assert first == {}
    assert final == {"lesson": {"steps": ["intro", "traffic"]}}
    assert other == {}


def test_a_learner_keeps_one_id_per_platform_and_their_latest_name(
    store: Store, store_url: str
) -> None:
    with store.turn("chat-1") as turn:
        ann = turn.learner("telegram", "42", "Ann")
        same = turn.learner("telegram", "42", "Ann B.")
        elsewhere = turn.learner("discord", "42", "ann#1")

    with store.turn("chat-2") as turn:
        later = turn.learner("telegram", "42", "Ann B.")

    assert ann == same == later
    assert elsewhere != ann
    names = raw(store_url, "SELECT platform, display_name FROM learner ORDER BY platform")
    assert names == [("discord", "ann#1"), ("telegram", "Ann B.")]


def test_progress_is_fresh_at_first_and_round_trips_every_field(store: Store) -> None:
    started = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    with store.turn("chat-1") as turn:
        learner = turn.learner("console", "ann", "Ann")
        fresh = turn.progress(learner, TUTORIAL)
        record = turn.progress(learner, TUTORIAL)
        record.step = 3
        record.steps_done = ["intro", "traffic", "servers"]
        record.checkpoints_done = ["servers-needed"]
        record.tiers_passed = ["T0", "T1"]
        record.hints_used = 2
        record.design = ["add lb", "add 8 app", "connect lb -> app"]
        record.started_at = started
        record.completed_at = started + timedelta(minutes=40)
        turn.save_progress(record)

    with store.turn("chat-1") as turn:
        read = turn.progress(turn.learner("console", "ann", "Ann"), TUTORIAL)

    assert fresh == ProgressRecord(TUTORIAL, 0, [], [], [], 0, [], None, None)
    assert read == record
    assert read.started_at is not None and read.started_at.tzinfo is not None
    assert read.started_at.utcoffset() == timedelta(0)


def test_saving_progress_again_replaces_the_record(store: Store) -> None:
    with store.turn("chat-1") as turn:
        learner = turn.learner("console", "ann", "Ann")
        record = turn.progress(learner, TUTORIAL)
        record.step = 1
        turn.save_progress(record)
    with store.turn("chat-1") as turn:
        record = turn.progress(learner, TUTORIAL)
        record.step = 2
        record.tiers_passed.append("T0")
        turn.save_progress(record)

    with store.turn("chat-1") as turn:
        read = turn.progress(learner, TUTORIAL)

    assert (read.step, read.tiers_passed) == (2, ["T0"])
    assert [r.step for r in store.progress_of("console", "ann")] == [2]


def test_a_record_built_afresh_belongs_to_the_turns_one_learner(store: Store) -> None:
    with store.turn("chat-1") as turn:
        learner = turn.learner("console", "ann", "Ann")
        turn.save_progress(ProgressRecord(TUTORIAL, step=4))

    with store.turn("chat-1") as turn:
        read = turn.progress(learner, TUTORIAL)

    assert read.step == 4


def test_a_record_of_unknown_owner_is_refused_when_the_turn_has_two_learners(
    store: Store,
) -> None:
    with pytest.raises(StoreError, match="whose progress"), store.turn("group") as turn:
        turn.learner("discord", "1", "Ann")
        turn.learner("discord", "2", "Bob")
        turn.save_progress(ProgressRecord(TUTORIAL, step=4))

    assert store.progress_of("discord", "1") == store.progress_of("discord", "2") == []


def test_two_learners_progress_in_one_turn_stays_apart(store: Store) -> None:
    with store.turn("group") as turn:
        ann = turn.progress(turn.learner("discord", "1", "Ann"), TUTORIAL)
        bob = turn.progress(turn.learner("discord", "2", "Bob"), TUTORIAL)
        ann.step, bob.step = 5, 7
        turn.save_progress(bob)
        turn.save_progress(ann)

    steps = [store.progress_of("discord", user)[0].step for user in ("1", "2")]

    assert steps == [5, 7]


def test_progress_of_lists_a_learners_tutorials_in_order(store: Store) -> None:
    with store.turn("chat-1") as turn:
        learner = turn.learner("console", "ann", "Ann")
        for tutorial in ("tutorial-b", "tutorial-a"):
            turn.save_progress(turn.progress(learner, tutorial))

    listed = store.progress_of("console", "ann")
    stranger = store.progress_of("console", "nobody")

    assert [r.tutorial_id for r in listed] == ["tutorial-a", "tutorial-b"]
    assert stranger == []


def test_attempts_are_counted_per_checkpoint_and_long_answers_cut(
    store: Store, store_url: str
) -> None:
    with store.turn("chat-1") as turn:
        learner = turn.learner("console", "ann", "Ann")
        turn.add_attempt(learner, TUTORIAL, "servers", "5", False, "rounded-down")
        turn.add_attempt(learner, TUTORIAL, "servers", "x" * 5000, False, None)
    with store.turn("chat-1") as turn:
        turn.add_attempt(learner, TUTORIAL, "servers", "6", True, None)
        turn.add_attempt(learner, TUTORIAL, "storage", "750 GB", True, None)

    with store.turn("chat-1") as turn:
        counts = [turn.attempts(learner, TUTORIAL, c) for c in ("servers", "storage", "none")]
        elsewhere = turn.attempts(learner, "another-tutorial", "servers")

    assert counts == [3, 1, 0]
    assert elsewhere == 0
    rows = raw(store_url, "SELECT answer, correct, slip FROM attempt ORDER BY id")
    assert [(len(str(answer)), bool(correct), slip) for answer, correct, slip in rows] == [
        (1, False, "rounded-down"), (ANSWER_LIMIT, False, None), (1, True, None),
        (6, True, None),
    ]


def test_settings_are_absent_until_set_and_then_overwritten(store: Store) -> None:
    with store.turn("chat-1") as turn:
        learner = turn.learner("console", "ann", "Ann")
        before = turn.setting(learner, "units")
        turn.set_setting(learner, "units", "metric")
        turn.set_setting(learner, "colour", "off")
    with store.turn("chat-1") as turn:
        turn.set_setting(learner, "units", "binary")

    with store.turn("chat-1") as turn:
        after = (turn.setting(learner, "units"), turn.setting(learner, "colour"))

    assert before is None
    assert after == ("binary", "off")


# Transactions: all or nothing, and durable once the block is left


def test_an_update_is_handled_once_even_when_delivered_again(store: Store) -> None:
    with store.turn("chat-1") as turn:
        first = turn.first_delivery("telegram", "update-7")
    with store.turn("chat-1") as turn:
        again = turn.first_delivery("telegram", "update-7")
        other_platform = turn.first_delivery("discord", "update-7")

    assert (first, again, other_platform) == (True, False, True)


def test_a_delivery_in_a_turn_that_fails_is_not_remembered(store: Store) -> None:
    with pytest.raises(ValueError), store.turn("chat-1") as turn:
        turn.first_delivery("telegram", "update-8")
        raise ValueError("the engine failed")
    with store.turn("chat-1") as turn:
        retried = turn.first_delivery("telegram", "update-8")

    assert retried is True


def test_old_deliveries_are_forgotten_and_recent_ones_kept(store: Store) -> None:
    with store.turn("chat-1") as turn:
        turn.first_delivery("telegram", "update-9")

    kept = store.forget_deliveries(timedelta(hours=1))
    dropped = store.forget_deliveries(timedelta(seconds=-1))

    assert (kept, dropped) == (0, 1)


def test_conversations_move_with_their_chat_and_no_other(store: Store) -> None:
    bump(store, "telegram:-100:7", 2)
    bump(store, "telegram:-100:8", 1)
    bump(store, "telegram:-1001:7", 5)

    moved = store.move_conversations("telegram:-100:", "telegram:-100999:")

    assert moved == 2
    assert [count(store, key) for key in ("telegram:-100999:7", "telegram:-100999:8",
                                          "telegram:-1001:7", "telegram:-100:7")] == [2, 1, 5, 0]


def test_a_chat_is_active_until_marked_otherwise(store: Store) -> None:
    unknown = store.chat_active("telegram", "42")
    store.set_chat_active("telegram", "42", False, "bot was blocked by the user")
    blocked = store.chat_active("telegram", "42")
    store.set_chat_active("telegram", "42", True)

    assert (unknown, blocked, store.chat_active("telegram", "42")) == (True, False, True)


def test_bot_settings_are_absent_until_set_and_then_replaced(store: Store) -> None:
    missing = store.bot_setting("discord:guild:7")
    store.set_bot_setting("discord:guild:7", '{"channels": ["1"]}')
    store.set_bot_setting("discord:guild:7", '{"channels": ["2"]}')

    assert (missing, store.bot_setting("discord:guild:7")) == (None, '{"channels": ["2"]}')


def test_a_glance_at_a_conversation_sees_its_last_committed_state(store: Store) -> None:
    never = store.conversation_state("chat-1")
    bump(store, "chat-1", 2)

    assert (never, store.conversation_state("chat-1")) == ({}, {"count": 2})


def test_a_glance_does_not_wait_for_an_open_turn(store: Store) -> None:
    bump(store, "chat-1", 1)
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.turn("chat-1") as turn:
            turn.state = {"count": 99}
            inside.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(10)
    seen = store.conversation_state("chat-1")
    release.set()
    holder.join(10)

    assert seen == {"count": 1}


def test_a_turn_that_raises_leaves_no_trace(store: Store, store_url: str) -> None:
    with pytest.raises(ValueError, match="engine bug"), store.turn("chat-1") as turn:
        learner = turn.learner("console", "ann", "Ann")
        turn.save_progress(turn.progress(learner, TUTORIAL))
        turn.add_attempt(learner, TUTORIAL, "servers", "5", False, None)
        turn.set_setting(learner, "units", "metric")
        turn.state = {"step": 3}
        raise ValueError("engine bug")

    tables = ["learner", "progress", "attempt", "setting", "conversation"]
    rows = {table: raw(store_url, f"SELECT count(*) FROM {table}")[0][0] for table in tables}
    assert rows == dict.fromkeys(tables, 0)


def test_a_state_that_is_not_json_is_refused_and_nothing_is_saved(store: Store) -> None:
    with pytest.raises(StoreError, match="not JSON"), store.turn("chat-1") as turn:
        turn.learner("console", "ann", "Ann")
        turn.state = {"when": datetime.now(UTC)}

    with store.turn("chat-1") as turn:
        assert turn.state == {}


def test_a_turn_cannot_be_used_after_its_block(store: Store) -> None:
    with store.turn("chat-1") as turn:
        learner = turn.learner("console", "ann", "Ann")

    with pytest.raises(StoreError, match="turn is over"):
        turn.set_setting(learner, "units", "metric")


def test_a_turn_is_visible_to_another_store_as_soon_as_its_block_ends(
    store: Store, store_url: str
) -> None:
    other = Store(store_url)

    with store.turn("chat-1") as turn:
        learner = turn.learner("console", "ann", "Ann")
        turn.add_attempt(learner, TUTORIAL, "servers", "6", True, None)
        turn.state = {"step": 2}
    with other.turn("chat-1") as turn:
        seen = (turn.state, turn.attempts(learner, TUTORIAL, "servers"))

    other.close()
    assert seen == ({"step": 2}, 1)


def test_everything_survives_a_restart(store_url: str) -> None:
    before = Store(store_url)
    before.migrate()
    with before.turn("chat-1") as turn:
        learner = turn.learner("console", "ann", "Ann")
        record = turn.progress(learner, TUTORIAL)
        record.step, record.design = 4, ["add lb", "add 8 app"]
        turn.save_progress(record)
        turn.add_attempt(learner, TUTORIAL, "servers", "6", True, None)
        turn.set_setting(learner, "units", "metric")
        turn.state = {"pending": "servers"}
    before.close()

    after = Store(store_url)
    after.migrate()
    with after.turn("chat-1") as turn:
        same = turn.learner("console", "ann", "Ann")
        seen = (
            turn.state, turn.progress(same, TUTORIAL), turn.attempts(same, TUTORIAL, "servers"),
            turn.setting(same, "units"),
        )
    after.close()

    assert same == learner
    assert seen == ({"pending": "servers"}, record, 1, "metric")


# Concurrency: turns of one conversation are serialised by the database


def test_sixteen_threads_bumping_one_conversation_lose_no_update(store: Store) -> None:
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(bump, store, "chat-1", 25) for _ in range(16)]
        for future in futures:
            future.result()

    assert count(store, "chat-1") == 400


def test_turns_of_one_learner_from_two_conversations_lose_no_progress(store: Store) -> None:
    def step_on(conversation: str) -> None:
        for _ in range(20):
            with store.turn(conversation) as turn:
                record = turn.progress(turn.learner("telegram", "42", "Ann"), TUTORIAL)
                record.hints_used += 1
                turn.save_progress(record)

    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(step_on, f"chat-{n % 2}") for n in range(4)]:
            future.result()

    assert store.progress_of("telegram", "42")[0].hints_used == 80


def test_two_conversations_both_finish(store: Store) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(bump, store, name, 50) for name in ("chat-a", "chat-b")]
        for future in futures:
            future.result(timeout=20)

    assert (count(store, "chat-a"), count(store, "chat-b")) == (50, 50)


def test_an_open_turn_on_postgresql_does_not_hold_up_another_conversation(
    postgresql_cluster: PostgresCluster,
) -> None:
    store = Store(postgresql_cluster.create_database())
    store.migrate()
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.turn("chat-a") as turn:
            turn.state = {"held": True}
            inside.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(10)
    started = time.monotonic()
    bump(store, "chat-b", 1)
    elapsed = time.monotonic() - started
    release.set()
    holder.join(10)

    assert elapsed < 2
    assert count(store, "chat-b") == 1
    store.close()


def test_a_postgresql_restart_between_turns_costs_the_learner_nothing(
    postgresql_cluster: PostgresCluster,
) -> None:
    import psycopg

    url = postgresql_cluster.create_database()
    store = Store(url)
    store.migrate()
    bump(store, "chat-1", 2)
    database = url.rsplit("/", 1)[1]
    with psycopg.connect(host="127.0.0.1", port=postgresql_cluster.port, user="postgres",
                         dbname="postgres", autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = %s", (database,))

    bump(store, "chat-1", 1)

    assert count(store, "chat-1") == 3
    store.close()


WORKER = """
import sys
from tutorbot.store import Store
store = Store(sys.argv[1])
for _ in range(int(sys.argv[2])):
    with store.turn("chat-1") as turn:
        turn.state["count"] = turn.state.get("count", 0) + 1
store.close()
"""


def test_separate_processes_bumping_one_conversation_lose_no_update(
    store: Store, store_url: str
) -> None:
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, store_url, "25"], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [worker.communicate(timeout=60)[1] for worker in workers]
    failures = [error for worker, error in zip(workers, errors, strict=True) if worker.returncode]

    assert failures == []
    assert count(store, "chat-1") == 100


def test_an_in_memory_database_serves_turns_from_several_threads() -> None:
    store = Store("sqlite://")
    store.migrate()

    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(bump, store, "chat-1", 25) for _ in range(4)]:
            future.result()

    assert count(store, "chat-1") == 100
    store.close()


# Errors become StoreError, chained to the cause


@pytest.mark.parametrize(
    ("url", "message", "cause"),
    [
        ("nosuchdb://somewhere/else", "unknown kind 'nosuchdb' .*sqlite and postgresql", None),
        ("not a url", "'not a url' is not a database URL", None),
        ("sqlite:///{tmp}/a-file/tutorbot.db", "could not create the folder", OSError),
        ("sqlite:///{tmp}/db?mode=ro", "SQLite URLs take no options", None),
        ("postgresql://bot:secret@127.0.0.1:1/none", "could not open the database: "
         "OperationalError", Exception),
    ],
)
def test_an_unusable_url_is_a_store_error(
    url: str, message: str, cause: type[BaseException] | None, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a folder")

    with pytest.raises(StoreError, match=message) as caught:
        Store(url.format(tmp=tmp_path.as_posix()))

    assert isinstance(caught.value, TutorbotError)
    assert "secret" not in str(caught.value)
    if cause is None:
        assert caught.value.__cause__ is None
    else:
        assert isinstance(caught.value.__cause__, cause)


def test_a_database_never_migrated_gives_a_store_error_from_the_driver(store_url: str) -> None:
    store = Store(store_url)

    with pytest.raises(StoreError, match="lock the conversation") as caught, store.turn("c"):
        pass

    store.close()
    assert is_database_error(caught.value.__cause__)


@pytest.mark.parametrize(
    ("url", "dialect", "migrated_with"),
    [
        ("postgres://bot@db.example/tutorbot", "postgresql",
         "postgresql+psycopg://bot@db.example/tutorbot"),
        ("postgresql://bot@db.example/tutorbot", "postgresql",
         "postgresql+psycopg://bot@db.example/tutorbot"),
        ("postgresql+psycopg://bot@db.example/tutorbot", "postgresql",
         "postgresql+psycopg://bot@db.example/tutorbot"),
        ("sqlite:///tutorbot.db", "sqlite", "sqlite:///tutorbot.db"),
        ("sqlite://", "sqlite", "sqlite://"),
    ],
)
def test_a_bare_postgresql_url_is_given_the_shipped_driver(
    url: str, dialect: str, migrated_with: str
) -> None:
    address = parse(url)

    assert (address.dialect, address.url) == (dialect, migrated_with)


def test_a_password_never_shows_in_what_the_store_prints() -> None:
    assert parse("postgresql://bot:hunter2@db.example/tutorbot").shown == (
        "postgresql+psycopg://bot:***@db.example/tutorbot"
    )


# Where the database is


@pytest.mark.parametrize(
    ("explicit", "environment", "expected"),
    [
        ("sqlite:///given.db", "postgresql://elsewhere/db", "sqlite:///given.db"),
        (None, "postgresql://elsewhere/db", "postgresql://elsewhere/db"),
        ("", "postgresql://elsewhere/db", "postgresql://elsewhere/db"),
        (None, None, "sqlite:///{data}/tutorbot.db"),
        (None, "  ", "sqlite:///{data}/tutorbot.db"),
    ],
)
def test_database_url_prefers_explicit_then_environment_then_the_data_folder(
    explicit: str | None, environment: str | None, expected: str,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    data = tmp_path / "user-data" / "tutorbot"
    monkeypatch.setattr("platformdirs.user_data_dir", lambda *args, **kwargs: str(data))
    if environment is None:
        monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(ENVIRONMENT_VARIABLE, environment)

    found = database_url(explicit)

    assert found == expected.format(data=data.as_posix())
    assert data.is_dir() == found.startswith("sqlite:///" + data.as_posix())


def test_the_default_database_works_end_to_end(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("platformdirs.user_data_dir", lambda *args, **kwargs: str(tmp_path))
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    store = Store(database_url())
    store.migrate()

    bump(store, "chat-1", 3)

    assert count(store, "chat-1") == 3
    store.close()
    assert (tmp_path / "tutorbot.db").is_file()
    journal = raw(f"sqlite:///{tmp_path / 'tutorbot.db'}", "PRAGMA journal_mode")
    assert journal == [("wal",)]
