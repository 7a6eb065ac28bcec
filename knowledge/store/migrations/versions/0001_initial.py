"""Initial schema: salt, questions, feedback, reports, chat context, flood counters.

Revision ID: 0001
Revises:
Create Date: 2025-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# Plain types here, frozen as of this revision (the app's UtcDateTime renders the same DDL).
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "installation",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_table(
        "questions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_hash", sa.String(64), nullable=False),
        sa.Column("asked_at", TIME, nullable=False),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("text", sa.Text()),
        sa.Column("candidates", sa.JSON()),
    )
    op.create_index("ix_questions_user_hash", "questions", ["user_hash"])
    op.create_index("ix_questions_asked_at", "questions", ["asked_at"])
    for name, extra in (
        ("feedback", sa.Column("vote", sa.SmallInteger(), nullable=False)),
        ("reports", sa.Column("message", sa.Text(), nullable=False)),
    ):
        op.create_table(
            name,
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("user_hash", sa.String(64), nullable=False),
            sa.Column("answer_id", sa.String(32), nullable=False),
            extra,
            sa.Column("entry_id", sa.String(200)),
            sa.Column("question", sa.Text(), nullable=False),
            sa.Column("mode", sa.String(32), nullable=False),
            sa.Column("score", sa.Float()),
            sa.Column("created_at", TIME, nullable=False),
            sa.Column("updated_at", TIME, nullable=False),
            sa.UniqueConstraint("user_hash", "answer_id", name=f"uq_{name}_user_answer"),
        )
        op.create_index(f"ix_{name}_updated_at", name, ["updated_at"])
    op.create_table(
        "chat_context",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
    )
    op.create_index("ix_chat_context_expires_at", "chat_context", ["expires_at"])
    op.create_table(
        "flood",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("window_ms", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("bucket", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
    )
    op.create_index("ix_flood_expires_at", "flood", ["expires_at"])


def downgrade() -> None:
    for table in ("flood", "chat_context", "reports", "feedback", "questions", "installation"):
        op.drop_table(table)
