"""The store's SQL, built once per dialect and executed with fresh parameters.

Building a SQLAlchemy statement costs more than running it on SQLite, so each
statement a turn needs is made once, with bound parameters, and reused. The two
databases differ only in the `INSERT … ON CONFLICT` class SQLAlchemy provides
for each and in `FOR UPDATE`, which SQLite leaves out (its transactions lock
the whole database instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, Table, Update, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert

from tutorbot.store.tables import ATTEMPT, CONVERSATION, LEARNER, PROGRESS, SETTING

Insert = postgresql.Insert | sqlite.Insert

PROGRESS_VALUES = (
    "step", "steps_done", "checkpoints_done", "tiers_passed", "hints_used", "design",
    "started_at", "completed_at", "updated_at",
)


@dataclass(frozen=True)
class Queries:
    """Every statement of a turn; parameter names are the column names unless noted."""

    conversation_state: Select[Any]
    create_conversation: Insert
    save_conversation: Update  # parameters: conversation, state, updated_at
    find_learner: Select[Any]
    create_learner: ReturningInsert[Any]
    rename_learner: Update  # parameters: learner, display_name
    progress: Select[Any]
    save_progress: Insert
    add_attempt: Insert
    count_attempts: Select[Any]
    setting: Select[Any]
    save_setting: Insert


def _insert(dialect: str, table: Table) -> Insert:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def _upsert(dialect: str, table: Table, keys: tuple[str, ...], update: tuple[str, ...]) -> Insert:
    """INSERT that updates `update` when a row with the same `keys` is already there."""
    statement = _insert(dialect, table)
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in update}
    )


@cache
def queries_for(dialect: str) -> Queries:
    """The statements for `dialect` ("sqlite" or "postgresql"), built on first use."""
    conversation = CONVERSATION.c
    learner = LEARNER.c
    create_conversation = _insert(dialect, CONVERSATION).on_conflict_do_nothing(
        index_elements=["key"]
    )
    create_learner = _upsert(
        dialect, LEARNER, ("platform", "user_id"), ("display_name",)
    ).returning(learner.id)
    return Queries(
        conversation_state=select(conversation.state)
        .where(conversation.key == bindparam("key"))
        .with_for_update(),
        create_conversation=create_conversation,
        save_conversation=CONVERSATION.update()
        .where(conversation.key == bindparam("conversation"))
        .values(
            state=bindparam("state"),
            version=conversation.version + 1,
            updated_at=bindparam("updated_at"),
        ),
        find_learner=select(learner.id, learner.display_name)
        .where(learner.platform == bindparam("platform"))
        .where(learner.user_id == bindparam("user_id"))
        .with_for_update(),
        create_learner=create_learner,
        rename_learner=LEARNER.update()
        .where(learner.id == bindparam("learner"))
        .values(display_name=bindparam("display_name")),
        progress=select(PROGRESS)
        .where(PROGRESS.c.learner_id == bindparam("learner_id"))
        .where(PROGRESS.c.tutorial_id == bindparam("tutorial_id"))
        .with_for_update(),
        save_progress=_upsert(dialect, PROGRESS, ("learner_id", "tutorial_id"), PROGRESS_VALUES),
        add_attempt=_insert(dialect, ATTEMPT),
        count_attempts=select(func.count())
        .select_from(ATTEMPT)
        .where(ATTEMPT.c.learner_id == bindparam("learner_id"))
        .where(ATTEMPT.c.tutorial_id == bindparam("tutorial_id"))
        .where(ATTEMPT.c.checkpoint_id == bindparam("checkpoint_id")),
        setting=select(SETTING.c.value)
        .where(SETTING.c.learner_id == bindparam("learner_id"))
        .where(SETTING.c.name == bindparam("name")),
        save_setting=_upsert(dialect, SETTING, ("learner_id", "name"), ("value",)),
    )
