"""Shared fixtures for the storage tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.db.database import Database
from tests.storage.factories import temporary_database


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """An empty database with the schema: SQLite in the test's own folder, or PostgreSQL (tests/conftest.py)."""
    async with temporary_database(database_url) as database:
        yield database
