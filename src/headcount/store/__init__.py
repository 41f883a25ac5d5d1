"""The encrypted, audited census store (SQLite embedded, PostgreSQL in production)."""
