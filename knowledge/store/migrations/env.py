"""Alembic environment: runs on the connection that `knowledge.store.migrate` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from knowledge.store.tables import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    # The store migrates itself at start (knowledge.store.migrate); there is no alembic.ini.
    raise RuntimeError("run the store's migrations through knowledge.store.migrate")

# Batch mode lets later revisions alter SQLite tables (it recreates them) with the same ops.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
