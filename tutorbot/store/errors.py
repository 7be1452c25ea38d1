"""The store's one error, and the one place where the database's errors become it.

The store works on the drivers directly (sqlite3, psycopg) and on SQLAlchemy
only to migrate, so three families of errors are the database's: each driver's
PEP 249 `Error` and SQLAlchemy's own. Messages are built from the error without
the statement's parameters, which may hold a learner's answer.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tutorbot.errors import TutorbotError

log = logging.getLogger(__name__)


class StoreError(TutorbotError):
    """The database failed a turn or a command; a turn it escapes from is rolled back whole."""


@contextmanager
def translated(action: str) -> Iterator[None]:
    """Turn a database error raised inside the block into a logged `StoreError`.

    Only the database's errors are caught, so whatever else the engine raises
    inside a turn passes through unchanged (and rolls the turn back).
    """
    try:
        yield
    except Exception as error:
        if not is_database_error(error):
            raise
        message = f"could not {action}: {describe(error)}"
        log.error("%s", message)
        raise StoreError(message) from error


def is_database_error(error: BaseException) -> bool:
    """Whether a driver or SQLAlchemy raised it (modules are checked only once loaded)."""
    families: list[type[BaseException]] = [sqlite3.Error]
    for module, name in (("psycopg", "Error"), ("sqlalchemy.exc", "SQLAlchemyError")):
        loaded = sys.modules.get(module)
        if loaded is not None:
            families.append(getattr(loaded, name))
    return isinstance(error, tuple(families))


def describe(error: BaseException) -> str:
    """The first line of what went wrong, naming the driver's error class when there is one."""
    cause: BaseException = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0] if text else 'no message'}"
