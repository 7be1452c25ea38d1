"""One turn: everything the engine reads and writes for one incoming message.

A `Turn` lives inside one database transaction that `Store.turn` opens and
commits. Its first act locks the conversation's row (creating it if needed),
so a second turn of the same conversation waits until this one commits and
then sees its writes. On PostgreSQL `learner()` and `progress()` also lock the
rows they read for the rest of the turn, so two conversations of one learner
(a private chat and a group, say) take turns on that learner's progress too;
on SQLite every writing transaction is already exclusive.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Executable, RowMapping

from tutorbot.store.errors import StoreError, translated
from tutorbot.store.queries import queries_for
from tutorbot.store.records import ProgressRecord
from tutorbot.store.tables import ANSWER_LIMIT

log = logging.getLogger(__name__)

T = TypeVar("T")

LIST_FIELDS = ("steps_done", "checkpoints_done", "tiers_passed", "design")


class Turn:
    """The state of one conversation and the learners it touches, for one message.

    `state` is the conversation's JSON-serialisable dict, empty the first time.
    Replace it or change it in place: it is written back whole when the turn
    commits.
    """

    def __init__(self, connection: Connection, conversation: str) -> None:
        self.conversation = conversation
        self.state: dict[str, Any] = {}
        self._connection = connection
        self._sql = queries_for(connection.dialect.name)
        self._open = True
        self._learners: set[int] = set()
        self._handed_out: dict[int, tuple[ProgressRecord, int]] = {}
        with translated("lock the conversation"):
            self.state = self._lock_conversation()

    def learner(self, platform: str, user_id: str, display_name: str) -> int:
        """The learner's id, creating the learner or refreshing their display name."""
        key = {"platform": platform, "user_id": user_id}
        with translated("save the learner"):
            found = self._run(self._sql.find_learner, key).first()
            if found is None:
                values = {**key, "display_name": display_name, "created_at": _now()}
                learner_id = int(self._run(self._sql.create_learner, values).scalar_one())
            else:
                learner_id = int(found.id)
                if found.display_name != display_name:
                    renamed = {"learner": learner_id, "display_name": display_name}
                    self._run(self._sql.rename_learner, renamed)
        self._learners.add(learner_id)
        return learner_id

    def progress(self, learner_id: int, tutorial_id: str) -> ProgressRecord:
        """The learner's record for the tutorial, or a fresh one if they never began it."""
        key = {"learner_id": learner_id, "tutorial_id": tutorial_id}
        with translated("read progress"):
            row = self._run(self._sql.progress, key).mappings().first()
        record = ProgressRecord(tutorial_id) if row is None else record_from_row(row)
        self._learners.add(learner_id)
        self._handed_out[id(record)] = (record, learner_id)
        return record

    def save_progress(self, record: ProgressRecord) -> None:
        """Store the record for the learner it was read for in this turn.

        A record built afresh (not returned by `progress()`) belongs to the one
        learner this turn has dealt with; with several, it is refused.
        """
        values: dict[str, Any] = {
            "learner_id": self._owner_of(record),
            "tutorial_id": record.tutorial_id,
            "step": record.step,
            "hints_used": record.hints_used,
            "started_at": _utc(record.started_at),
            "completed_at": _utc(record.completed_at),
            "updated_at": _now(),
        }
        for name in LIST_FIELDS:
            values[name] = json.dumps(list(getattr(record, name)), ensure_ascii=False)
        with translated("save progress"):
            self._run(self._sql.save_progress, values)

    def add_attempt(
        self, learner_id: int, tutorial_id: str, checkpoint_id: str, answer: str,
        correct: bool, slip: str | None,
    ) -> None:
        """Record one answer; an answer longer than the limit is cut to it."""
        values = {
            "learner_id": learner_id, "tutorial_id": tutorial_id,
            "checkpoint_id": checkpoint_id, "answer": answer[:ANSWER_LIMIT],
            "correct": correct, "slip": slip, "created_at": _now(),
        }
        with translated("record the attempt"):
            self._run(self._sql.add_attempt, values)
        self._learners.add(learner_id)
        log.debug("attempt at %s/%s, correct=%s", tutorial_id, checkpoint_id, correct)

    def attempts(self, learner_id: int, tutorial_id: str, checkpoint_id: str) -> int:
        """How many answers the learner has given to the checkpoint so far."""
        key = {
            "learner_id": learner_id, "tutorial_id": tutorial_id,
            "checkpoint_id": checkpoint_id,
        }
        with translated("count attempts"):
            return int(self._run(self._sql.count_attempts, key).scalar_one())

    def setting(self, learner_id: int, name: str) -> str | None:
        """The learner's value for the setting, or None if it was never set."""
        with translated("read a setting"):
            found = self._run(self._sql.setting, {"learner_id": learner_id, "name": name})
            value = found.scalar_one_or_none()
        return None if value is None else str(value)

    def set_setting(self, learner_id: int, name: str, value: str) -> None:
        values = {"learner_id": learner_id, "name": name, "value": value}
        with translated("save a setting"):
            self._run(self._sql.save_setting, values)
        self._learners.add(learner_id)

    def _finish(self) -> None:
        """Write the state back for the caller to commit; the turn accepts nothing after."""
        if not isinstance(self.state, dict):
            raise StoreError(f"the conversation state must be a dict, not {type(self.state)}")
        try:
            encoded = json.dumps(self.state, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as error:
            raise StoreError(f"the conversation state is not JSON: {error}") from error
        values = {"conversation": self.conversation, "state": encoded, "updated_at": _now()}
        with translated("save the conversation"):
            self._run(self._sql.save_conversation, values)
        self._end()

    def _end(self) -> None:
        self._open = False

    def _lock_conversation(self) -> dict[str, Any]:
        """Lock the conversation's row, creating it first if this is its first turn."""
        key = {"key": self.conversation}
        found = self._run(self._sql.conversation_state, key).scalar_one_or_none()
        if found is None:
            fresh = {**key, "state": "{}", "version": 0, "updated_at": _now()}
            self._run(self._sql.create_conversation, fresh)
            found = self._run(self._sql.conversation_state, key).scalar_one()
        return _decode(found, dict, f"state of {self.conversation}")

    def _owner_of(self, record: ProgressRecord) -> int:
        handed = self._handed_out.get(id(record))
        if handed is not None and handed[0] is record:
            return handed[1]
        if len(self._learners) == 1:
            return next(iter(self._learners))
        raise StoreError(
            f"cannot tell whose progress in {record.tutorial_id} this is: save the record "
            "that progress() returned, or deal with one learner only in the turn"
        )

    def _run(self, statement: Executable, parameters: Mapping[str, Any]) -> CursorResult[Any]:
        if not self._open:
            raise StoreError("this turn is over; open a new one with Store.turn()")
        return self._connection.execute(statement, dict(parameters))


def record_from_row(row: RowMapping) -> ProgressRecord:
    """A `ProgressRecord` from a row of the progress table."""
    where = f"progress {row['learner_id']}/{row['tutorial_id']}"
    lists = {name: [str(item) for item in _decode(row[name], list, where)] for name in LIST_FIELDS}
    return ProgressRecord(
        tutorial_id=str(row["tutorial_id"]),
        step=int(row["step"]),
        steps_done=lists["steps_done"],
        checkpoints_done=lists["checkpoints_done"],
        tiers_passed=lists["tiers_passed"],
        hints_used=int(row["hints_used"]),
        design=lists["design"],
        started_at=_utc(row["started_at"]),
        completed_at=_utc(row["completed_at"]),
    )


def _decode(text: str, kind: type[T], where: str) -> T:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise StoreError(f"stored {where} is not JSON: {error}") from error
    if not isinstance(value, kind):
        raise StoreError(f"stored {where} should be a JSON {kind.__name__}")
    return value


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(moment: datetime | None) -> datetime | None:
    """The moment in UTC; a naive one (SQLite returns those) is taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
