"""Brings a database's schema to the newest Alembic revision, safely from several workers."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant: serializes workers that start together on one PostgreSQL (lock held to commit).
_PG_LOCK_ID = 0x1A6B07


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    # ConfigParser interpolates %: a path containing one must not be read as a reference.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "the store has at least one migration"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection) -> None:
    if current_revision(connection) != head_revision():  # skip alembic's work on every start
        command.upgrade(_config(connection), "head")


async def migrate(engine: AsyncEngine) -> None:
    """Idempotent: a database already at head is left alone. One transaction (on PostgreSQL the
    DDL too), so a failed start leaves the schema as it was."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(select(func.pg_advisory_xact_lock(_PG_LOCK_ID)))
        await conn.run_sync(_upgrade)
