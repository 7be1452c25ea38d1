"""Opening a database: which driver, which pool, and how a transaction begins.

SQLite needs two things SQLAlchemy does not do by default. The pragmas below
hold per connection, so they are set on every connection the pool opens. And
a turn reads before it writes: under SQLite's default deferred BEGIN, two such
transactions deadlock on the upgrade from reader to writer and one fails at
once with "database is locked", whatever the busy timeout. So sqlite3's own
transaction handling is switched off and every transaction starts with
`BEGIN IMMEDIATE`, which takes the write lock up front and waits for it.
Read-only work asks for a plain deferred BEGIN instead.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)

SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout=5000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
)
BEGIN_OPTION = "tutorbot_sqlite_begin"
READ_ONLY = {BEGIN_OPTION: "DEFERRED"}
POSTGRES_DRIVERS = {"postgres", "postgresql"}


def parse(url: str) -> URL:
    """The URL with PostgreSQL's bare scheme pointed at psycopg, the driver we ship."""
    parsed = make_url(url)
    if parsed.drivername in POSTGRES_DRIVERS:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_memory(url: URL) -> bool:
    """Whether this is a private in-memory SQLite database rather than a file."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def open_engine(url: URL) -> Engine:
    """An engine for `url`, set up for the store's transactions."""
    if url.get_backend_name() != "sqlite":
        return create_engine(url, hide_parameters=True, pool_pre_ping=True)
    if is_memory(url):
        engine = create_engine(
            url, hide_parameters=True, poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
    else:
        Path(url.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, hide_parameters=True)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(connection: sqlite3.Connection, _record: Any) -> None:
    connection.isolation_level = None
    cursor = connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")
