"""The tables, declared once with sqlmodel; the migrations must build exactly these.

Lists and the conversation state are JSON text written and read by the store
itself, so the database never has to notice an in-place change. Times are
stored in UTC. The store works on the `Table` objects below (SQL expressions,
upserts, `FOR UPDATE`); the classes exist to declare them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

METADATA = SQLModel.metadata


def _learner_key(table: str, primary_key: bool = False) -> int:
    """The column pointing at the learner a row belongs to; rows go when the learner goes."""
    column_args = [ForeignKey("learner.id", ondelete="CASCADE", name=f"fk_{table}_learner")]
    found: int = Field(primary_key=primary_key, sa_type=Integer, sa_column_args=column_args)
    return found


class Learner(SQLModel, table=True):
    """One person on one platform."""

    __tablename__ = "learner"
    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_learner_platform_user"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=Integer)
    platform: str = Field(sa_type=String)
    user_id: str = Field(sa_type=String)
    display_name: str = Field(sa_type=String)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class Conversation(SQLModel, table=True):
    """The engine's state for one conversation key; its row is the turn's lock."""

    __tablename__ = "conversation"

    key: str = Field(primary_key=True, sa_type=String)
    state: str = Field(sa_type=Text)
    version: int = Field(sa_type=Integer)
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class Progress(SQLModel, table=True):
    """A learner's place in one tutorial, keyed by both."""

    __tablename__ = "progress"

    learner_id: int = _learner_key("progress", primary_key=True)
    tutorial_id: str = Field(primary_key=True, sa_type=String)
    step: int = Field(sa_type=Integer)
    steps_done: str = Field(sa_type=Text)
    checkpoints_done: str = Field(sa_type=Text)
    tiers_passed: str = Field(sa_type=Text)
    hints_used: int = Field(sa_type=Integer)
    design: str = Field(sa_type=Text)
    started_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    completed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class Attempt(SQLModel, table=True):
    """One answer to one checkpoint, kept for hints, review and analytics."""

    __tablename__ = "attempt"
    __table_args__ = (
        Index("ix_attempt_learner_checkpoint", "learner_id", "tutorial_id", "checkpoint_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=Integer)
    learner_id: int = _learner_key("attempt")
    tutorial_id: str = Field(sa_type=String)
    checkpoint_id: str = Field(sa_type=String)
    answer: str = Field(sa_type=Text)
    correct: bool = Field(sa_type=Boolean)
    slip: str | None = Field(default=None, sa_type=String)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class Setting(SQLModel, table=True):
    """One named preference of a learner."""

    __tablename__ = "setting"

    learner_id: int = _learner_key("setting", primary_key=True)
    name: str = Field(primary_key=True, sa_type=String)
    value: str = Field(sa_type=Text)


class Delivery(SQLModel, table=True):
    """An update from a platform that has been handled, so a redelivery is ignored."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_created_at", "created_at"),)

    platform: str = Field(primary_key=True, sa_type=String)
    delivery_id: str = Field(primary_key=True, sa_type=String)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class Chat(SQLModel, table=True):
    """A chat the bot may write to; inactive once the platform refuses it (blocked, kicked)."""

    __tablename__ = "chat"

    platform: str = Field(primary_key=True, sa_type=String)
    chat_id: str = Field(primary_key=True, sa_type=String)
    active: bool = Field(sa_type=Boolean)
    reason: str | None = Field(default=None, sa_type=String)
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class BotSetting(SQLModel, table=True):
    """A setting of the bot itself rather than of a learner, such as a server's
    answering channels; the value is the frontend's own (JSON) text."""

    __tablename__ = "bot_setting"

    key: str = Field(primary_key=True, sa_type=String)
    value: str = Field(sa_type=Text)
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


LEARNER: Table = METADATA.tables["learner"]
CONVERSATION: Table = METADATA.tables["conversation"]
PROGRESS: Table = METADATA.tables["progress"]
ATTEMPT: Table = METADATA.tables["attempt"]
SETTING: Table = METADATA.tables["setting"]
