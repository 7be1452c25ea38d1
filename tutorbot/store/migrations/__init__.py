"""The schema's history as Alembic revisions, shipped inside the package.

`upgrade()` brings a database to the newest revision with no alembic.ini: the
configuration is built here and points at this folder, so an installed wheel
migrates the same way as a checkout. A later release adds a revision with
Alembic's own command on that configuration, for example::

    from alembic import command
    from tutorbot.store.migrations import alembic_config
    command.revision(alembic_config(), message="what changes", rev_id="0004")

then writes its operations to match `tutorbot/store/tables.py` and moves
`HEAD` to it; the store tests check both.

Alembic and SQLAlchemy are imported only when a database actually needs
migrating (the store reads the revision with its own SQL first), which keeps a
bot's start quick once its database is current.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tutorbot.store.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection

HEAD = "0003"
VERSION_TABLE = "alembic_version"
FOLDER = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for this folder, running on `connection` when given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(FOLDER))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None for a database never migrated."""
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    row = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).first()
    return None if row is None else str(row[0])


def upgrade(connection: Connection) -> None:
    """Run every revision the database lacks, inside the caller's transaction."""
    from alembic import command
    from alembic.util import CommandError

    try:
        command.upgrade(alembic_config(connection), "head")
    except CommandError as error:
        raise StoreError(
            f"cannot migrate the database: {error} (is it from a newer tutorbot?)"
        ) from error
