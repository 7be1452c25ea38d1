"""Where the database is when nobody says: the operator's URL, else a file of the user's."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import platformdirs

from tutorbot.store.errors import StoreError

log = logging.getLogger(__name__)

ENVIRONMENT_VARIABLE = "TUTORBOT_DATABASE_URL"
APP_NAME = "tutorbot"
FILE_NAME = "tutorbot.db"


def database_url(explicit: str | None = None) -> str:
    """The URL to open: `explicit`, else `TUTORBOT_DATABASE_URL`, else a SQLite file.

    The SQLite file lives in the user's data directory, which is created if it
    is missing. Empty strings count as not given.
    """
    if explicit:
        log.debug("database from the command line")
        return explicit
    from_environment = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if from_environment:
        log.debug("database from %s", ENVIRONMENT_VARIABLE)
        return from_environment
    folder = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"cannot create the data folder {folder}: {error}") from error
    log.debug("database in the user data folder %s", folder)
    return f"sqlite:///{(folder / FILE_NAME).as_posix()}"
