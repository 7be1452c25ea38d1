"""The first schema: learners, conversations, progress, attempts and settings.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _learner_key(table: str, primary_key: bool = False) -> sa.Column[object]:
    return sa.Column(
        "learner_id", sa.Integer(),
        sa.ForeignKey("learner.id", ondelete="CASCADE", name=f"fk_{table}_learner"),
        primary_key=primary_key, nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "learner",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        _when("created_at"),
        sa.UniqueConstraint("platform", "user_id", name="uq_learner_platform_user"),
    )
    op.create_table(
        "conversation",
        sa.Column("key", sa.String(), primary_key=True, nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _when("updated_at"),
    )
    op.create_table(
        "progress",
        _learner_key("progress", primary_key=True),
        sa.Column("tutorial_id", sa.String(), primary_key=True, nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("steps_done", sa.Text(), nullable=False),
        sa.Column("checkpoints_done", sa.Text(), nullable=False),
        sa.Column("tiers_passed", sa.Text(), nullable=False),
        sa.Column("hints_used", sa.Integer(), nullable=False),
        sa.Column("design", sa.Text(), nullable=False),
        _when("started_at", nullable=True),
        _when("completed_at", nullable=True),
        _when("updated_at"),
    )
    op.create_table(
        "attempt",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        _learner_key("attempt"),
        sa.Column("tutorial_id", sa.String(), nullable=False),
        sa.Column("checkpoint_id", sa.String(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("slip", sa.String(), nullable=True),
        _when("created_at"),
    )
    op.create_index(
        "ix_attempt_learner_checkpoint", "attempt",
        ["learner_id", "tutorial_id", "checkpoint_id"],
    )
    op.create_table(
        "setting",
        _learner_key("setting", primary_key=True),
        sa.Column("name", sa.String(), primary_key=True, nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for table in ("setting", "attempt", "progress", "conversation", "learner"):
        op.drop_table(table)
