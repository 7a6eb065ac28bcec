"""Alembic migrations of the store's schema (a package so that installs ship them)."""
