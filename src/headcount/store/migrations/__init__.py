"""Alembic migrations of the census store; run through ``headcount migrate``."""
