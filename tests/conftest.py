"""Shared test configuration. Database fixtures live in tests/integration/conftest.py."""
