"""Alembic migrations (a package so that the import contracts see env.py)."""
