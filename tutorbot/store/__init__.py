"""Durable state: learners, progress, answer attempts, settings and conversations.

The engine sees only `Store`, `Turn`, `ProgressRecord` and `StoreError`; the
tables, SQLAlchemy and the drivers stay inside this package.
"""

from tutorbot.store.errors import StoreError
from tutorbot.store.location import database_url
from tutorbot.store.records import ProgressRecord
from tutorbot.store.store import Store
from tutorbot.store.turn import Turn

__all__ = ["ProgressRecord", "Store", "StoreError", "Turn", "database_url"]
