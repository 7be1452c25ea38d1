"""What every bot command shares: its configuration check, its logging, and its run.

`tutorbot telegram` and `tutorbot discord` differ in their platform's settings and
frontend; around them they do the same things. `--check` prints one line per part
of the configuration, ending with the lessons and the database. A running bot logs
at INFO unless told otherwise, with its token replaced wherever it would appear,
and stops cleanly on SIGTERM or SIGINT after closing its database.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

from tutorbot.errors import TutorbotError

if TYPE_CHECKING:
    from tutorbot.engine.engine import Engine
    from tutorbot.store import Store

log = logging.getLogger(__name__)

LOG_LEVEL_VARIABLE = "TUTORBOT_LOG_LEVEL"


class ConfigurationError(TutorbotError):
    """The bot cannot start as configured; the message says what to set."""


class Checklist:
    """The lines of a `--check`: each part of the configuration, fine or not."""

    def __init__(self) -> None:
        self.good = True

    def line(self, ok: bool, text: str) -> None:
        self.good = self.good and ok
        print(f"{'ok  ' if ok else 'FAIL'} {text}")

    def storage(self, content_folder: Path | None, db: str | None) -> None:
        """The lessons load, and the database opens with a schema this tutorbot can use."""
        from tutorbot.content import load_content
        from tutorbot.store import Store, database_url
        from tutorbot.store.database import parse
        from tutorbot.store.migrations import HEAD

        try:
            content = load_content(content_folder)
            self.line(True, f"lessons: {len(content.tutorials)} tutorials")
        except TutorbotError as error:
            self.line(False, f"lessons: {str(error).splitlines()[0]}")
        try:
            url = database_url(db)
            store = Store(url)
            try:
                revision = store.revision()
            finally:
                store.close()
        except TutorbotError as error:
            self.line(False, f"database: {error}")
            return
        shown = parse(url).shown
        if revision == HEAD:
            self.line(True, f"database: {shown}, schema current ({HEAD})")
        elif revision is None:
            self.line(True, f"database: {shown}, empty; the schema is created at start")
        elif revision < HEAD:
            self.line(True, f"database: {shown}, schema {revision}; migrated to {HEAD} "
                            "at start")
        else:
            self.line(False, f"database: {shown}, schema {revision} is newer than this "
                             f"tutorbot ({HEAD}); upgrade tutorbot")

    def finish(self) -> int:
        """The verdict, and the exit code: 0 when every part is fine, else 1."""
        print("Configuration is valid." if self.good else "Configuration has problems.",
              file=sys.stdout if self.good else sys.stderr)
        return 0 if self.good else 1


def database_option(parser: argparse.ArgumentParser) -> None:
    """`--db URL`, as every command that opens the store takes it."""
    parser.add_argument("--db", metavar="URL",
                        help="database URL (default: TUTORBOT_DATABASE_URL, else a SQLite "
                             "file in your data folder)")


class BotSettings(Protocol):
    @property
    def token(self) -> str: ...


S = TypeVar("S", bound=BotSettings)


def start(name: str, args: argparse.Namespace, settings_from: Callable[[argparse.Namespace], S],
          serving: Callable[[S], Serve], quiet: tuple[str, ...] = ()) -> int:
    """`tutorbot NAME`: read the settings (or say what is wrong), set up logging with
    the token hidden, and run the bot until it is told to stop; the exit code."""
    try:
        settings = settings_from(args)
    except ConfigurationError as error:
        print(f"tutorbot {name}: {error}", file=sys.stderr)
        return 1
    configure_logging(settings.token, quiet)
    return asyncio.run(run(name, args.content, args.db, serving(settings)))


def shown_url(url: str) -> str:
    """The URL as it may be shown or logged: no password, no query."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password:
        netloc = netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def configure_logging(secret: str, quiet: tuple[str, ...] = ()) -> None:
    """INFO by default for a bot (its lifecycle is what an operator reads) unless
    TUTORBOT_LOG_LEVEL says otherwise; `quiet` loggers only warn; `secret` is
    replaced by <token> in every line, whoever logs it."""
    if not os.environ.get(LOG_LEVEL_VARIABLE):
        logging.getLogger().setLevel(logging.INFO)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)
    redacted = _Redacted(secret)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redacted)


class _Redacted(logging.Filter):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<token>"), None
        return True


Serve = Callable[["Engine", "Store", asyncio.Event], Awaitable[None]]


async def run(name: str, content_folder: Path | None, db: str | None, serve: Serve) -> int:
    """Open the lessons and the database, then `serve` until SIGTERM or SIGINT sets
    the event it is given; the exit code."""
    from tutorbot.content import load_content
    from tutorbot.engine.engine import Engine
    from tutorbot.store import Store, database_url

    try:
        content = load_content(content_folder)
        store = Store(database_url(db))
        store.migrate()
    except TutorbotError as error:
        print(f"tutorbot {name}: {error}", file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, _stopper(stop, number))
    try:
        await serve(Engine(content, store), store, stop)
    except Exception as error:
        log.error("the bot stopped on an error: %s", error, exc_info=error)
        return 1
    finally:
        await asyncio.to_thread(store.close)
    return 0


DELIVERIES_KEPT = timedelta(days=2)
"""How long a handled update's id is remembered: platforms redeliver only recent ones."""


async def forget_old_deliveries(store: Store, every: float) -> None:
    """Every `every` seconds, drop the ids of updates handled over two days ago."""
    while True:
        try:
            forgotten = await asyncio.to_thread(store.forget_deliveries, DELIVERIES_KEPT)
            log.debug("forgot %d old update ids", forgotten)
        except TutorbotError as error:
            log.warning("old update ids not forgotten: %s", error)
        await asyncio.sleep(every)


def _stopper(stop: asyncio.Event, number: int) -> Callable[[], None]:
    def handler() -> None:
        log.info("%s received", signal.Signals(number).name)
        stop.set()

    return handler
