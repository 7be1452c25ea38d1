"""Alembic's entry point: runs the revisions on the connection `upgrade()` hands over."""

from __future__ import annotations

from alembic import context

from tutorbot.store.errors import StoreError
from tutorbot.store.tables import METADATA

connection = context.config.attributes.get("connection")
if connection is None:
    raise StoreError(
        "the migrations run through tutorbot.store (Store.migrate or "
        "tutorbot.store.migrations.alembic_config(connection)), not from an alembic.ini"
    )
context.configure(
    connection=connection,
    target_metadata=METADATA,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
