"""The durable store: one database, turns that commit whole, and a read-only view."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from sqlalchemy import func, select

from tutorbot.store import migrations
from tutorbot.store.database import READ_ONLY, is_memory, open_engine, parse
from tutorbot.store.errors import StoreError, translated
from tutorbot.store.records import ProgressRecord
from tutorbot.store.tables import LEARNER, PROGRESS
from tutorbot.store.turn import Turn, record_from_row

log = logging.getLogger(__name__)

# Any fixed number: PostgreSQL's transaction-scoped advisory lock on it keeps two
# bot processes that start together from migrating the same database at once.
MIGRATION_LOCK = 7_406_118_801


class Store:
    """Learners, their progress and conversations in SQLite or PostgreSQL.

    Every message is handled inside `turn()`: one transaction, serialised with
    any other turn of the same conversation, in this process or another.
    """

    def __init__(self, url: str) -> None:
        try:
            with translated("open the database"):
                parsed = parse(url)
                self._engine = open_engine(parsed)
        except OSError as error:
            log.error("could not create the folder of the database: %s", error)
            raise StoreError(f"could not create the folder of the database: {error}") from error
        self._shown = parsed.render_as_string(hide_password=True)
        # An in-memory SQLite database is one shared connection, so turns take
        # turns here instead of in the database.
        self._serial: AbstractContextManager[object] = (
            threading.Lock() if is_memory(parsed) else nullcontext()
        )
        log.info("store on %s", self._shown)

    def migrate(self) -> None:
        """Bring the schema to the newest revision; harmless when it is already there."""
        with self._serial, translated("migrate the database"), self._engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
            found = migrations.current_revision(connection)
            if found == migrations.HEAD:
                log.debug("schema of %s is current (%s)", self._shown, found)
                return
            log.info("migrating %s from %s to %s", self._shown, found, migrations.HEAD)
            migrations.upgrade(connection)

    @contextmanager
    def turn(self, conversation: str) -> Iterator[Turn]:
        """One transaction for one message of `conversation`.

        It commits when the block ends normally and rolls back when it raises;
        only after the block has ended is its work durable and a reply safe to
        send. Keep slow work (rendering, network calls) outside the block: the
        conversation stays locked until it ends, and on SQLite so does the
        whole database.
        """
        with (
            self._serial,
            translated("run a turn"),
            self._engine.connect() as connection,
            connection.begin(),
        ):
            turn = Turn(connection, conversation)
            try:
                yield turn
                turn._finish()
            except BaseException as error:
                log.debug("turn of %s rolled back: %s", conversation, type(error).__name__)
                raise
            finally:
                turn._end()

    def progress_of(self, platform: str, user_id: str) -> list[ProgressRecord]:
        """Every tutorial record of the learner, by tutorial id; empty for a stranger.

        It reads outside any turn (for `tutorbot progress`); inside a turn use
        `Turn.progress`.
        """
        query = (
            select(PROGRESS)
            .join(LEARNER, LEARNER.c.id == PROGRESS.c.learner_id)
            .where(LEARNER.c.platform == platform, LEARNER.c.user_id == user_id)
            .order_by(PROGRESS.c.tutorial_id)
        )
        with (
            self._serial,
            translated("read progress"),
            self._engine.connect() as connection,
        ):
            connection.execution_options(**READ_ONLY)
            with connection.begin():
                rows = connection.execute(query).mappings().all()
        return [record_from_row(row) for row in rows]

    def close(self) -> None:
        """Close every pooled connection."""
        with translated("close the database"):
            self._engine.dispose()
        log.info("store on %s closed", self._shown)
