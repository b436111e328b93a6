"""Session-wide fixtures: the database every test runs on, and a check that no log holds a bot token.

The suite runs on SQLite by default. ``pytest --database postgresql://user:password@host/db`` (or the
environment variable ``TEST_DATABASE_URL``) runs it on PostgreSQL instead: each test then gets a fresh
database of its own on that server, dropped afterwards, and tests marked ``sqlite_only`` are skipped.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.ops.logs import TOKEN_IN_TEXT
from storage.db.database import normalize_database_url

T = TypeVar("T")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        default=os.environ.get("TEST_DATABASE_URL", "sqlite"),
        help="sqlite (default) or a PostgreSQL URL whose role may CREATE DATABASE",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: the test is about SQLite itself; skipped on PostgreSQL")


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {_server(config) or 'sqlite'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _server(config) is None:
        return
    skip = pytest.mark.skip(reason="about SQLite; this run is on PostgreSQL")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)


def _server(config: pytest.Config) -> str | None:
    choice = str(config.getoption("--database")).strip()
    return None if choice in ("", "sqlite") else normalize_database_url(choice)


def _blocking(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous fixture code, whatever loop is running."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


async def _admin(server: str, statement: str) -> None:
    url = make_url(server)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def database_server(pytestconfig: pytest.Config) -> str | None:
    """The PostgreSQL server this run uses, or None on SQLite."""
    return _server(pytestconfig)


@pytest.fixture
def on_postgresql(database_server: str | None) -> bool:
    return database_server is not None


@pytest.fixture
def database_url(database_server: str | None, tmp_path: Path) -> Iterator[str]:
    """An empty database of the test's own: a SQLite file in its folder, or a fresh PostgreSQL database."""
    if database_server is None:
        yield f"sqlite:///{tmp_path / 'data' / 'bot.db'}"
        return
    name = f"newsbot_test_{uuid.uuid4().hex[:16]}"
    _blocking(_admin(database_server, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_server).set(database=name).render_as_string(hide_password=False)
    finally:
        _blocking(_drop(database_server, name))


async def _drop(server: str, name: str) -> None:
    """Drop a test database once its last connection is gone (a killed bot's may linger a moment).

    Plain DROP first: ``WITH (FORCE)`` also tries to end autovacuum workers, which a role without
    superuser rights may not do; it is the fallback for a connection that stays.
    """
    for attempt in range(100):
        try:
            force = " WITH (FORCE)" if attempt % 10 == 9 else ""
            await _admin(server, f'DROP DATABASE IF EXISTS "{name}"{force}')
            return
        except (asyncpg.ObjectInUseError, asyncpg.InsufficientPrivilegeError):
            await asyncio.sleep(0.1)
    await _admin(server, f'DROP DATABASE IF EXISTS "{name}"')


# Every token the tests use has this shape; the pattern is the one the production formatter redacts.
SECRETS = ("TEST-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "BENCH-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")


class RawCapture(logging.Handler):
    """Keeps every record as it would be written before any redaction: message and exception text."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.leaks: list[str] = []
        self.records = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("tests."):
            return  # the redaction tests log tokens on purpose
        self.records += 1
        text = self.format(record)
        if TOKEN_IN_TEXT.search(text) or any(secret in text for secret in SECRETS):
            self.leaks.append(text[:500])


@pytest.fixture(scope="session", autouse=True)
def no_token_in_any_log() -> Iterator[None]:
    root = logging.getLogger()
    capture = RawCapture()
    previous = root.level
    root.addHandler(capture)
    root.setLevel(min(previous, logging.INFO))
    logging.getLogger("newsbot.selftest").info("log capture wired")
    yield
    root.removeHandler(capture)
    root.setLevel(previous)
    assert capture.records > 0, "the capture saw not even its own record: it is not wired"
    assert capture.leaks == [], capture.leaks[:5]
