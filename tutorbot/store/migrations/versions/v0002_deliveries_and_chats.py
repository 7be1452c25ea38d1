"""Deliveries already handled (so a redelivered update is applied once) and chats.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "delivery",
        sa.Column("platform", sa.String(), primary_key=True, nullable=False),
        sa.Column("delivery_id", sa.String(), primary_key=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_delivery_created_at", "delivery", ["created_at"])
    op.create_table(
        "chat",
        sa.Column("platform", sa.String(), primary_key=True, nullable=False),
        sa.Column("chat_id", sa.String(), primary_key=True, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("chat")
    op.drop_index("ix_delivery_created_at", table_name="delivery")
    op.drop_table("delivery")
