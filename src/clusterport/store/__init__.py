"""Persistence: SQLAlchemy 2 models, SQLite (WAL) by default or any URL, Alembic migrations."""
