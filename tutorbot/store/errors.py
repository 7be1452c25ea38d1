"""The store's one error, and the one place where the database's errors become it.

SQLAlchemy wraps every driver error (sqlite3's, psycopg's) in its own
`SQLAlchemyError`, so catching that one family here covers both databases.
Messages are built from the driver's error without the statement's parameters,
which may hold a learner's answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from tutorbot.errors import TutorbotError

log = logging.getLogger(__name__)


class StoreError(TutorbotError):
    """The database failed a turn or a command; a turn it escapes from is rolled back whole."""


@contextmanager
def translated(action: str) -> Iterator[None]:
    """Turn a database error raised inside the block into a logged `StoreError`.

    Only SQLAlchemy's errors are caught, so whatever else the engine raises
    inside a turn passes through unchanged (and rolls the turn back).
    """
    try:
        yield
    except SQLAlchemyError as error:
        message = f"could not {action}: {describe(error)}"
        log.error("%s", message)
        raise StoreError(message) from error


def describe(error: SQLAlchemyError) -> str:
    """The first line of what went wrong, naming the driver's error class when there is one."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        cause: BaseException = error.orig
        text = str(cause).strip().splitlines()
        return f"{type(cause).__name__}: {text[0] if text else 'no message'}"
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else 'no message'}"
