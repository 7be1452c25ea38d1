"""The one root of every error tutorbot raises on purpose.

Two branches hang from it. `InputError` means a learner typed something we
cannot use: it carries a one-line message fit to show them, never a stack
trace. `ContentError` means a lesson file is wrong: it names the file, the path
inside it and what would fix it, for the content author.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class TutorbotError(Exception):
    """Root of the errors tutorbot raises deliberately."""


class InputError(TutorbotError):
    """Something a learner typed that we cannot use; `str()` is the reply."""


@dataclass(frozen=True)
class ContentProblem:
    """One thing wrong with a content file, located precisely."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"


class ContentError(TutorbotError):
    """Content that failed validation; holds every problem found, not just one."""

    def __init__(self, problems: Sequence[ContentProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))
