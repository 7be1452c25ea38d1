"""The durable store: one database, turns that commit whole, and a read-only view."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from tutorbot.store import migrations
from tutorbot.store.database import Database, parse
from tutorbot.store.errors import translated
from tutorbot.store.queries import moment_in, queries_for
from tutorbot.store.records import ProgressRecord
from tutorbot.store.turn import Turn, decode_state, record_from_row

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
        address = parse(url)
        self._database = Database(address)
        self._sql = queries_for(address.dialect)
        self._shown = address.shown
        log.info("store on %s", self._shown)

    def migrate(self) -> None:
        """Bring the schema to the newest revision; harmless when it is already there."""
        found = self.revision()
        if found == migrations.HEAD:
            log.debug("schema of %s is current (%s)", self._shown, found)
            return
        self._upgrade()

    def revision(self) -> str | None:
        """The schema revision the database is at; None if it was never migrated."""
        with translated("read the schema revision"), self._database.transaction(
            write=False
        ) as session:
            table = session.row(self._sql.revision_table, {})
            if table is None or not table[0]:
                return None
            row = session.row(self._sql.revision, {})
        return None if row is None else str(row[0])

    def _upgrade(self) -> None:
        """Run the missing revisions with Alembic, loaded only now."""
        from sqlalchemy import create_engine, event, func, select
        from sqlalchemy.pool import StaticPool

        # The migration runs on the store's own kind of connection, so on SQLite
        # it is one BEGIN IMMEDIATE transaction, DDL included, like a turn.
        engine = create_engine(
            self._database.address.url, creator=self._database.connect_for_migration,
            poolclass=StaticPool, hide_parameters=True,
        )
        if self._database.dialect == "sqlite":
            event.listen(engine, "begin", lambda connection: connection.exec_driver_sql(
                "BEGIN IMMEDIATE"))
        try:
            with translated("migrate the database"), engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
                found = migrations.current_revision(connection)
                if found == migrations.HEAD:
                    return
                log.info("migrating %s from %s to %s", self._shown, found, migrations.HEAD)
                migrations.upgrade(connection)
        finally:
            # Disposing would close the connection; in memory that is the database.
            if not self._database.address.in_memory:
                engine.dispose()

    @contextmanager
    def turn(self, conversation: str) -> Iterator[Turn]:
        """One transaction for one message of `conversation`.

        It commits when the block ends normally and rolls back when it raises;
        only after the block has ended is its work durable and a reply safe to
        send. Keep slow work (rendering, network calls) outside the block: the
        conversation stays locked until it ends, and on SQLite so does the
        whole database.
        """
        with translated("run a turn"), self._database.transaction() as session:
            turn = Turn(session, self._database.dialect, conversation)
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
        key = {"platform": platform, "user_id": user_id}
        with translated("read progress"), self._database.transaction(write=False) as session:
            rows = session.rows(self._sql.learner_progress, key)
        return [record_from_row(row) for row in rows]

    def move_conversations(self, old_prefix: str, new_prefix: str) -> int:
        """Re-key every conversation whose key starts with `old_prefix` (a Telegram
        group that became a supergroup gets a new chat id); how many moved."""
        values = {"old": old_prefix, "new": new_prefix}
        with translated("move conversations"), self._database.transaction() as session:
            moved = session.run(self._sql.move_conversations, values)
        log.info("moved %d conversations to a new chat id", moved)
        return moved

    def set_chat_active(self, platform: str, chat_id: str, active: bool,
                        reason: str | None = None) -> None:
        """Mark a chat as one the bot may write to, or not (blocked, kicked: `reason`)."""
        values = {"platform": platform, "chat_id": chat_id, "active": active,
                  "reason": reason, "updated_at": moment_in(self._database.dialect, _now())}
        with translated("save the chat"), self._database.transaction() as session:
            session.run(self._sql.save_chat, values)

    def chat_active(self, platform: str, chat_id: str) -> bool:
        """Whether the bot may write to the chat; chats it never heard of are."""
        key = {"platform": platform, "chat_id": chat_id}
        with translated("read the chat"), self._database.transaction(write=False) as session:
            found = session.row(self._sql.chat_active, key)
        return found is None or bool(found[0])

    def conversation_state(self, conversation: str) -> dict[str, Any]:
        """The conversation's state as last committed, read without locking it (for a
        glance such as autocomplete; a turn is the way to change it)."""
        with translated("read a conversation"), self._database.transaction(
            write=False
        ) as session:
            found = session.row(self._sql.peek_state, {"key": conversation})
        return {} if found is None else decode_state(str(found[0]), conversation)

    def bot_setting(self, key: str) -> str | None:
        """A setting of the bot itself, or None if it was never set."""
        with translated("read a bot setting"), self._database.transaction(
            write=False
        ) as session:
            found = session.row(self._sql.bot_setting, {"key": key})
        return None if found is None else str(found[0])

    def set_bot_setting(self, key: str, value: str) -> None:
        values = {"key": key, "value": value,
                  "updated_at": moment_in(self._database.dialect, _now())}
        with translated("save a bot setting"), self._database.transaction() as session:
            session.run(self._sql.save_bot_setting, values)

    def forget_deliveries(self, older_than: timedelta) -> int:
        """Drop the record of updates handled longer ago than `older_than` (platforms
        redeliver only recent ones); how many went."""
        before = moment_in(self._database.dialect, _now() - older_than)
        with translated("forget old deliveries"), self._database.transaction() as session:
            return session.run(self._sql.forget_deliveries, {"before": before})

    def close(self) -> None:
        """Close every idle connection."""
        with translated("close the database"):
            self._database.close()
        log.info("store on %s closed", self._shown)


def _now() -> datetime:
    return datetime.now(UTC)
