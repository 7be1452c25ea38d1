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

from tutorbot.store.database import Session
from tutorbot.store.errors import StoreError, translated
from tutorbot.store.queries import (
    ANSWER_LIMIT,
    PROGRESS_COLUMNS,
    moment_in,
    moment_out,
    queries_for,
)
from tutorbot.store.records import ProgressRecord

log = logging.getLogger(__name__)

T = TypeVar("T")

LIST_FIELDS = ("steps_done", "checkpoints_done", "tiers_passed", "design")


class Turn:
    """The state of one conversation and the learners it touches, for one message.

    `state` is the conversation's JSON-serialisable dict, empty the first time.
    Replace it or change it in place: it is written back whole when the turn
    commits.
    """

    def __init__(self, session: Session, dialect: str, conversation: str) -> None:
        self.conversation = conversation
        self.state: dict[str, Any] = {}
        self._session = session
        self._dialect = dialect
        self._sql = queries_for(dialect)
        self._open = True
        self._learners: set[int] = set()
        self._handed_out: dict[int, tuple[ProgressRecord, int]] = {}
        self._stored_state = "{}"
        with translated("lock the conversation"):
            self.state = self._lock_conversation()

    def learner(self, platform: str, user_id: str, display_name: str) -> int:
        """The learner's id, creating the learner or refreshing their display name."""
        key = {"platform": platform, "user_id": user_id}
        with translated("save the learner"):
            found = self._row(self._sql.find_learner, key)
            if found is None:
                values = {**key, "display_name": display_name, "created_at": self._now()}
                learner_id = int(self._one(self._sql.create_learner, values))
            else:
                learner_id = int(found[0])
                if found[1] != display_name:
                    renamed = {"learner": learner_id, "display_name": display_name}
                    self._run(self._sql.rename_learner, renamed)
        self._learners.add(learner_id)
        return learner_id

    def progress(self, learner_id: int, tutorial_id: str) -> ProgressRecord:
        """The learner's record for the tutorial, or a fresh one if they never began it."""
        key = {"learner_id": learner_id, "tutorial_id": tutorial_id}
        with translated("read progress"):
            row = self._row(self._sql.progress, key)
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
            "started_at": moment_in(self._dialect, record.started_at),
            "completed_at": moment_in(self._dialect, record.completed_at),
            "updated_at": self._now(),
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
            "correct": correct, "slip": slip, "created_at": self._now(),
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
            return int(self._one(self._sql.count_attempts, key))

    def setting(self, learner_id: int, name: str) -> str | None:
        """The learner's value for the setting, or None if it was never set."""
        with translated("read a setting"):
            found = self._row(self._sql.setting, {"learner_id": learner_id, "name": name})
        return None if found is None else str(found[0])

    def set_setting(self, learner_id: int, name: str, value: str) -> None:
        values = {"learner_id": learner_id, "name": name, "value": value}
        with translated("save a setting"):
            self._run(self._sql.save_setting, values)
        self._learners.add(learner_id)

    def first_delivery(self, platform: str, delivery_id: str) -> bool:
        """Record that the platform's update `delivery_id` is being handled; False if it
        was handled before (a redelivery), and then the turn should change nothing."""
        values = {"platform": platform, "delivery_id": delivery_id, "created_at": self._now()}
        with translated("record the delivery"):
            return self._run(self._sql.first_delivery, values) == 1

    def _finish(self) -> None:
        """Write the state back for the caller to commit; the turn accepts nothing after."""
        if not isinstance(self.state, dict):
            raise StoreError(f"the conversation state must be a dict, not {type(self.state)}")
        try:
            encoded = json.dumps(self.state, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as error:
            raise StoreError(f"the conversation state is not JSON: {error}") from error
        if encoded == self._stored_state:
            self._end()
            return
        values = {"conversation": self.conversation, "state": encoded,
                  "updated_at": self._now()}
        with translated("save the conversation"):
            self._run(self._sql.save_conversation, values)
        self._end()

    def _end(self) -> None:
        self._open = False

    def _lock_conversation(self) -> dict[str, Any]:
        """Lock the conversation's row, creating it first if this is its first turn."""
        key = {"key": self.conversation}
        found = self._row(self._sql.conversation_state, key)
        if found is None:
            fresh = {**key, "state": "{}", "version": 0, "updated_at": self._now()}
            self._run(self._sql.create_conversation, fresh)
            found = self._row(self._sql.conversation_state, key)
        if found is None:
            raise StoreError(f"conversation {self.conversation} vanished while being created")
        self._stored_state = str(found[0])
        return decode_state(self._stored_state, self.conversation)

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

    def _run(self, sql: str, parameters: Mapping[str, Any]) -> int:
        self._check_open()
        return self._session.run(sql, parameters)

    def _row(self, sql: str, parameters: Mapping[str, Any]) -> tuple[Any, ...] | None:
        self._check_open()
        return self._session.row(sql, parameters)

    def _one(self, sql: str, parameters: Mapping[str, Any]) -> Any:
        """The single value the statement returns."""
        found = self._row(sql, parameters)
        if found is None:
            raise StoreError("the database returned nothing where one value was due")
        return found[0]

    def _check_open(self) -> None:
        if not self._open:
            raise StoreError("this turn is over; open a new one with Store.turn()")

    def _now(self) -> datetime | str | None:
        return moment_in(self._dialect, datetime.now(UTC))


def decode_state(text: str, conversation: str) -> dict[str, Any]:
    """A conversation's stored state, which must be a JSON object."""
    return _decode(text, dict, f"state of {conversation}")


def record_from_row(row: tuple[Any, ...]) -> ProgressRecord:
    """A `ProgressRecord` from a row of the progress table's PROGRESS_COLUMNS."""
    named = dict(zip(PROGRESS_COLUMNS, row, strict=True))
    where = f"progress {named['learner_id']}/{named['tutorial_id']}"
    lists = {
        name: [str(item) for item in _decode(named[name], list, where)] for name in LIST_FIELDS
    }
    return ProgressRecord(
        tutorial_id=str(named["tutorial_id"]),
        step=int(named["step"]),
        steps_done=lists["steps_done"],
        checkpoints_done=lists["checkpoints_done"],
        tiers_passed=lists["tiers_passed"],
        hints_used=int(named["hints_used"]),
        design=lists["design"],
        started_at=moment_out(named["started_at"]),
        completed_at=moment_out(named["completed_at"]),
    )


def _decode(text: str, kind: type[T], where: str) -> T:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise StoreError(f"stored {where} is not JSON: {error}") from error
    if not isinstance(value, kind):
        raise StoreError(f"stored {where} should be a JSON {kind.__name__}")
    return value
