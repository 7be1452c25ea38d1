"""Opening a database and running one transaction on it, straight on the driver.

A turn runs five or six small statements. Through SQLAlchemy each costs about
a hundred microseconds of Python; on the driver (sqlite3, psycopg) it costs a
few, and importing SQLAlchemy alone takes a third of a second at start-up. So
the store's everyday work talks PEP 249 directly, with its SQL written out in
`queries`, and SQLAlchemy and Alembic are loaded only to migrate a database
(`migrations`).

SQLite needs care that a driver does not take by default. Its pragmas hold per
connection, so they are set on every connection opened. And a turn reads
before it writes: under SQLite's default deferred BEGIN two such transactions
deadlock on the upgrade from reader to writer and one fails at once with
"database is locked", whatever the busy timeout. So the driver's own
transaction handling is off and every writing transaction starts with
`BEGIN IMMEDIATE`, which takes the write lock up front and waits for it.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from tutorbot.store.errors import StoreError, translated

log = logging.getLogger(__name__)

SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout=5000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
)
POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg"}
SQLITE_SCHEMES = {"sqlite", "sqlite+pysqlite"}
IDLE_CONNECTIONS = 8


@dataclass(frozen=True)
class Address:
    """Where a database is, read from a URL in SQLAlchemy's form.

    `target` is the SQLite file (None for an in-memory database) or the libpq
    URI psycopg connects with; `url` is the URL SQLAlchemy and Alembic are
    given when a migration needs them; `shown` hides the password.
    """

    dialect: str
    target: str | None
    url: str
    shown: str

    @property
    def in_memory(self) -> bool:
        return self.dialect == "sqlite" and self.target is None


def parse(url: str) -> Address:
    """The database a URL names: SQLite (`sqlite:///file`, `sqlite://` in memory)
    or PostgreSQL (`postgresql://`, `postgres://`, `postgresql+psycopg://`)."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise StoreError(f"could not open the database: '{_hide(url)}' is not a database URL "
                         "(try sqlite:///path/to/file.db or postgresql://user@host/db)")
    scheme = scheme.lower()
    if scheme in SQLITE_SCHEMES:
        path, _, query = rest.partition("?")
        if query:
            raise StoreError("could not open the database: SQLite URLs take no options here")
        database = path[1:] if path.startswith("/") else path
        if database in ("", ":memory:"):
            return Address("sqlite", None, "sqlite://", "sqlite://")
        return Address("sqlite", unquote(database), f"sqlite:///{database}", url)
    if scheme in POSTGRES_SCHEMES:
        shown = _hide(f"postgresql+psycopg://{rest}")
        return Address("postgresql", f"postgresql://{rest}", f"postgresql+psycopg://{rest}",
                       shown)
    raise StoreError(f"could not open the database: unknown kind '{scheme}' "
                     "(tutorbot speaks sqlite and postgresql)")


def _hide(url: str) -> str:
    """The URL with any password replaced by ***."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return url
    return url.replace(f":{password}@", ":***@", 1) if password else url


class Session:
    """Statements inside one transaction, on the driver's cursor.

    SQL is written with `:name` parameters; for psycopg they become `%(name)s`.
    """

    def __init__(self, connection: Any, dialect: str) -> None:
        self._cursor = connection.cursor()
        self._convert = _pyformat if dialect == "postgresql" else _same

    def run(self, sql: str, parameters: Mapping[str, Any]) -> int:
        """Run a statement; how many rows it changed."""
        self._cursor.execute(self._convert(sql), parameters)
        return int(self._cursor.rowcount)

    def row(self, sql: str, parameters: Mapping[str, Any]) -> tuple[Any, ...] | None:
        self._cursor.execute(self._convert(sql), parameters)
        found: tuple[Any, ...] | None = self._cursor.fetchone()
        return found

    def rows(self, sql: str, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        self._cursor.execute(self._convert(sql), parameters)
        return list(self._cursor.fetchall())

    def close(self) -> None:
        self._cursor.close()


_NAMED = re.compile(r"(?<!:):([a-z_]+)")


def _same(sql: str) -> str:
    return sql


_converted: dict[str, str] = {}


def _pyformat(sql: str) -> str:
    found = _converted.get(sql)
    if found is None:
        found = _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))
        _converted[sql] = found
    return found


class Database:
    """Connections to one database, kept open between transactions."""

    def __init__(self, address: Address) -> None:
        self.address = address
        self.dialect = address.dialect
        self._connect: Callable[[], Any] = (
            self._sqlite if address.dialect == "sqlite" else self._postgresql
        )
        self._idle: list[Any] = []
        self._guard = threading.Lock()
        # An in-memory SQLite database is one shared connection, so transactions
        # take turns here instead of in the database.
        self._shared_lock = threading.Lock() if address.in_memory else None
        if address.dialect == "sqlite" and address.target is not None:
            try:
                Path(address.target).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(
                    f"could not create the folder of the database: {error}"
                ) from error
        with translated("open the database"):
            self._release(self._connect(), healthy=True)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A transaction that commits when the block ends and rolls back when it raises."""
        with self._shared_lock or _NO_LOCK:
            connection = self._acquire()
            healthy = False
            session = Session(connection, self.dialect)
            try:
                if self.dialect == "sqlite":
                    session.run("BEGIN IMMEDIATE" if write else "BEGIN", {})
                yield session
                connection.commit()
                healthy = True
            except BaseException:
                healthy = self._rolled_back(connection)
                raise
            finally:
                session.close()
                self._release(connection, healthy)

    def connect_for_migration(self) -> Any:
        """A connection for Alembic: the shared one in memory, else a new one."""
        if self.address.in_memory:
            with self._guard:
                return self._idle[0]
        return self._connect()

    def close(self) -> None:
        with self._guard:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    # --- connections ---------------------------------------------------------

    def _acquire(self) -> Any:
        while True:
            with self._guard:
                if not self._idle:
                    break
                connection = self._idle.pop()
            if self._alive(connection):
                return connection
            connection.close()
        return self._connect()

    def _alive(self, connection: Any) -> bool:
        """Whether a kept PostgreSQL connection still answers (the server may have
        restarted or dropped it meanwhile); a SQLite file is always there."""
        if self.dialect != "postgresql":
            return True
        try:
            connection.execute("SELECT 1")
            connection.rollback()
        except Exception as error:  # a dead connection: a new one replaces it
            log.info("dropping a dead database connection: %s", type(error).__name__)
            return False
        return True

    def _release(self, connection: Any, healthy: bool) -> None:
        if healthy:
            with self._guard:
                if self.address.in_memory or len(self._idle) < IDLE_CONNECTIONS:
                    self._idle.append(connection)
                    return
        connection.close()

    def _rolled_back(self, connection: Any) -> bool:
        """Roll back after a failure; whether the connection can be used again."""
        try:
            connection.rollback()
        except Exception as error:  # a broken connection: it is thrown away
            log.warning("rollback failed, dropping the connection: %s", type(error).__name__)
            return False
        return not getattr(connection, "broken", False)

    def _sqlite(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.address.target or ":memory:", isolation_level=None, check_same_thread=False
        )
        for pragma in SQLITE_PRAGMAS:
            connection.execute(pragma)
        return connection

    def _postgresql(self) -> Any:
        import psycopg

        return psycopg.connect(self.address.target or "")


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_NO_LOCK = _NoLock()
