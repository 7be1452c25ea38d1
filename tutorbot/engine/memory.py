"""A store that keeps everything in memory: for tests, benchmarks and trying out.

It honours the durable store's contract: a turn's writes appear together when
the turn ends normally, and not at all when it raises. Only what a turn reads is
copied, so a turn costs the same with ten learners or ten thousand.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tutorbot.engine.ports import ProgressRecord


class MemoryTurn:
    def __init__(self, store: MemoryStore, conversation: str) -> None:
        self._store = store
        # The conversation state is flat (text, numbers, None), so a shallow copy
        # is a whole one.
        self.state: dict[str, Any] = dict(store.states.get(conversation, {}))
        self._learner = 0
        self._new_learners: dict[tuple[str, str], int] = {}
        self._progress: dict[tuple[int, str], ProgressRecord] = {}
        self._attempts: dict[tuple[int, str, str], int] = {}
        self._deliveries: set[tuple[str, str]] = set()

    def learner(self, platform: str, user_id: str, display_name: str) -> int:
        key = (platform, user_id)
        found = self._store.learners.get(key) or self._new_learners.get(key)
        if found is None:
            found = len(self._store.learners) + len(self._new_learners) + 1
            self._new_learners[key] = found
        self._learner = found
        return found

    def progress(self, learner_id: int, tutorial_id: str) -> ProgressRecord:
        key = (learner_id, tutorial_id)
        found = self._progress.get(key) or self._store.progress.get(key)
        return found.copy() if found else ProgressRecord(tutorial_id)

    def save_progress(self, record: ProgressRecord) -> None:
        self._progress[(self._learner, record.tutorial_id)] = record.copy()

    def add_attempt(self, learner_id: int, tutorial_id: str, checkpoint_id: str,
                    answer: str, correct: bool, slip: str | None) -> None:
        key = (learner_id, tutorial_id, checkpoint_id)
        self._attempts[key] = self.attempts(learner_id, tutorial_id, checkpoint_id) + 1

    def attempts(self, learner_id: int, tutorial_id: str, checkpoint_id: str) -> int:
        key = (learner_id, tutorial_id, checkpoint_id)
        return self._attempts.get(key, self._store.attempts.get(key, 0))

    def first_delivery(self, platform: str, delivery_id: str) -> bool:
        key = (platform, delivery_id)
        if key in self._store.deliveries or key in self._deliveries:
            return False
        self._deliveries.add(key)
        return True

    def commit(self, conversation: str) -> None:
        self._store.states[conversation] = dict(self.state)
        self._store.learners.update(self._new_learners)
        self._store.progress.update(self._progress)
        self._store.attempts.update(self._attempts)
        self._store.deliveries.update(self._deliveries)


class MemoryStore:
    def __init__(self) -> None:
        self.states: dict[str, dict[str, Any]] = {}
        self.learners: dict[tuple[str, str], int] = {}
        self.progress: dict[tuple[int, str], ProgressRecord] = {}
        self.attempts: dict[tuple[int, str, str], int] = {}
        self.deliveries: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def conversation_state(self, conversation: str) -> dict[str, Any]:
        return dict(self.states.get(conversation, {}))

    @contextmanager
    def turn(self, conversation: str) -> Iterator[MemoryTurn]:
        with self._lock:
            turn = MemoryTurn(self, conversation)
            yield turn
            turn.commit(conversation)
