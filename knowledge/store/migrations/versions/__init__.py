"""Alembic revisions, oldest first (alembic itself skips this file)."""
