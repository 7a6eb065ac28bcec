"""The schema as SQLAlchemy Core tables (the migrations create the same; a test compares them)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Float,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

HASH = 64  # hex SHA-256
ID = 32


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both backends. SQLite keeps no offset, so it stores naive UTC (its
    text comparisons then order correctly) and gets UTC attached back on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

# One row: the installation's salt for user hashes, shared by every worker through the database.
installation = Table(
    "installation",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("salt", String(HASH), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

questions = Table(
    "questions",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("user_hash", String(HASH), nullable=False, index=True),
    Column("asked_at", UtcDateTime, nullable=False, index=True),
    Column("mode", String(ID), nullable=False),
    Column("outcome", String(ID), nullable=False),
    Column("text", Text),  # only for questions not plainly answered
    Column("candidates", JSON),  # [[entry id, score], ...], same condition
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_hash", String(HASH), nullable=False),
    Column("answer_id", String(ID), nullable=False),
    Column("vote", SmallInteger, nullable=False),
    Column("entry_id", String(200)),
    Column("question", Text, nullable=False),
    Column("mode", String(ID), nullable=False),
    Column("score", Float),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False, index=True),
    UniqueConstraint("user_hash", "answer_id", name="uq_feedback_user_answer"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_hash", String(HASH), nullable=False),
    Column("answer_id", String(ID), nullable=False),
    Column("message", Text, nullable=False),
    Column("entry_id", String(200)),
    Column("question", Text, nullable=False),
    Column("mode", String(ID), nullable=False),
    Column("score", Float),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False, index=True),
    UniqueConstraint("user_hash", "answer_id", name="uq_reports_user_answer"),
)

# Keys of the two tables below are HMACs too: a private chat's id is its user's id.
chat_context = Table(
    "chat_context",
    metadata,
    Column("key_hash", String(HASH), primary_key=True),
    Column("data", JSON, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)

# One row per (key, window length, window number): an upsert counter, atomic in one statement.
flood = Table(
    "flood",
    metadata,
    Column("key_hash", String(HASH), primary_key=True),
    Column("window_ms", Integer, primary_key=True, autoincrement=False),
    Column("bucket", BigInteger, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)
