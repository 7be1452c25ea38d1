"""What the engine needs from storage, stated so that any store can provide it.

The durable store (`tutorbot.store`) and the in-memory one both implement these;
the engine never imports a database library.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass
class ProgressRecord:
    """A learner's place in one tutorial.

    `step` is the 0-based index of the current lesson step; `design` is the
    learner's architecture as the commands that rebuild it. Times are in UTC.
    """

    tutorial_id: str
    step: int = 0
    steps_done: list[str] = field(default_factory=list)
    checkpoints_done: list[str] = field(default_factory=list)
    tiers_passed: list[str] = field(default_factory=list)
    hints_used: int = 0
    design: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    completed_at: datetime | None = None

    def copy(self) -> ProgressRecord:
        """An independent copy (its lists copied; times are immutable)."""
        return ProgressRecord(
            self.tutorial_id, self.step, list(self.steps_done), list(self.checkpoints_done),
            list(self.tiers_passed), self.hints_used, list(self.design), self.started_at,
            self.completed_at,
        )


class Turn(Protocol):
    """One message's worth of reading and writing, committed as a whole."""

    # The conversation's state: a flat mapping of names to text, numbers or None.
    state: dict[str, Any]

    def learner(self, platform: str, user_id: str, display_name: str) -> int: ...

    def progress(self, learner_id: int, tutorial_id: str) -> ProgressRecord: ...

    def save_progress(self, record: ProgressRecord) -> None:
        """Save a record read in this turn (or the turn's one learner's)."""
        ...

    def add_attempt(self, learner_id: int, tutorial_id: str, checkpoint_id: str,
                    answer: str, correct: bool, slip: str | None) -> None: ...

    def attempts(self, learner_id: int, tutorial_id: str, checkpoint_id: str) -> int: ...

    def first_delivery(self, platform: str, delivery_id: str) -> bool:
        """Record the platform's update as handled; False if it was handled before."""
        ...


class Store(Protocol):
    def turn(self, conversation: str) -> AbstractContextManager[Turn]: ...

    def conversation_state(self, conversation: str) -> dict[str, Any]:
        """The state as last committed, read without locking (a glance, not a turn)."""
        ...
