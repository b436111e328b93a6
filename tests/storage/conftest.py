"""Shared fixtures for the storage tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.database import Database
from tests.storage.factories import temporary_database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """An empty SQLite database with the schema, in the test's own folder."""
    async with temporary_database(tmp_path) as database:
        yield database
