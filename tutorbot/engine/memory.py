"""A store that keeps everything in memory: for tests, benchmarks and trying out.

It honours the same contract as the durable store: a turn's changes appear as a
whole when the turn ends normally, and not at all when it raises.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tutorbot.engine.ports import ProgressRecord


@dataclass
class _Data:
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    learners: dict[tuple[str, str], int] = field(default_factory=dict)
    progress: dict[tuple[int, str], ProgressRecord] = field(default_factory=dict)
    attempts: dict[tuple[int, str, str], int] = field(default_factory=dict)


class MemoryTurn:
    def __init__(self, data: _Data, conversation: str) -> None:
        self._data = data
        self.state: dict[str, Any] = copy.deepcopy(data.states.get(conversation, {}))
        self._learner = 0

    def learner(self, platform: str, user_id: str, display_name: str) -> int:
        self._learner = self._data.learners.setdefault(
            (platform, user_id), len(self._data.learners) + 1
        )
        return self._learner

    def progress(self, learner_id: int, tutorial_id: str) -> ProgressRecord:
        found = self._data.progress.get((learner_id, tutorial_id))
        return copy.deepcopy(found) if found else ProgressRecord(tutorial_id)

    def save_progress(self, record: ProgressRecord) -> None:
        self._data.progress[(self._learner, record.tutorial_id)] = copy.deepcopy(record)

    def add_attempt(self, learner_id: int, tutorial_id: str, checkpoint_id: str,
                    answer: str, correct: bool, slip: str | None) -> None:
        key = (learner_id, tutorial_id, checkpoint_id)
        self._data.attempts[key] = self._data.attempts.get(key, 0) + 1

    def attempts(self, learner_id: int, tutorial_id: str, checkpoint_id: str) -> int:
        return self._data.attempts.get((learner_id, tutorial_id, checkpoint_id), 0)


class MemoryStore:
    def __init__(self) -> None:
        self._data = _Data()
        self._lock = threading.Lock()

    @contextmanager
    def turn(self, conversation: str) -> Iterator[MemoryTurn]:
        with self._lock:
            working = copy.deepcopy(self._data)
            turn = MemoryTurn(working, conversation)
            yield turn
            working.states[conversation] = copy.deepcopy(turn.state)
            self._data = working
