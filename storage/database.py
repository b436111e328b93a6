"""Connecting to the database: URL normalization, SQLite tuning, sessions and schema creation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.models import Base

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/newsbot.db"
SQLITE_BUSY_TIMEOUT_MS = 10_000

# The search index: an external-content FTS5 table kept in step with ``articles`` by triggers, so bulk
# Core inserts and updates index themselves.
SQLITE_SEARCH_DDL = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
        title, excerpt, content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, excerpt) VALUES (new.id, new.title, coalesce(new.excerpt, ''));
    END""",
    """CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, excerpt)
        VALUES ('delete', old.id, old.title, coalesce(old.excerpt, ''));
    END""",
    """CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF title, excerpt ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, excerpt)
        VALUES ('delete', old.id, old.title, coalesce(old.excerpt, ''));
        INSERT INTO articles_fts(rowid, title, excerpt) VALUES (new.id, new.title, coalesce(new.excerpt, ''));
    END""",
)


def normalize_database_url(url: str) -> str:
    """Accept the URL spellings operators are handed and return the async driver's form."""
    url = url.strip()
    if not url:
        raise ValueError("empty database URL")
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not a database URL: {url!r} (expected e.g. {DEFAULT_DATABASE_URL})")
    drivers = {
        "sqlite": "sqlite+aiosqlite",
        "sqlite+aiosqlite": "sqlite+aiosqlite",
        "postgres": "postgresql+asyncpg",
        "postgresql": "postgresql+asyncpg",
        "postgresql+asyncpg": "postgresql+asyncpg",
    }
    if scheme not in drivers:
        raise ValueError(f"unsupported database {scheme!r}: use sqlite:/// or postgresql://")
    return f"{drivers[scheme]}://{rest}"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for an in-memory database."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database)


def _tune_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself: pysqlite's implicit BEGIN can't be IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front, so two writers never deadlock upgrading a read lock.
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """The engine and its session factories; created at start-up, closed at shutdown."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalize_database_url(url)
        self.is_sqlite = is_sqlite(self.url)
        if self.is_sqlite and (path := sqlite_path(self.url)) is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_async_engine(self.url, echo=echo)
        if self.is_sqlite:
            _tune_sqlite(self.engine)
            writer = self.engine.execution_options(sqlite_immediate=True)
        else:
            writer = self.engine
        self._reader = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writer = async_sessionmaker(writer, expire_on_commit=False)
        # SQLite has one writer at a time. Queueing writers here is fair and immediate; leaving it to
        # SQLite's busy handler makes each waiting writer sleep and poll, which costs tens of milliseconds.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries; its transaction is rolled back at the end."""
        async with self._reader() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A short write transaction, committed on success; never hold one across a network call."""
        if self._write_lock is None:
            async with self._writer() as session, session.begin():
                yield session
            return
        async with self._write_lock, self._writer() as session, session.begin():
            yield session

    async def create_schema(self) -> None:
        """Create every table (and SQLite's search index) that does not exist yet."""
        async with self.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            if self.is_sqlite:
                for statement in SQLITE_SEARCH_DDL:
                    await connection.exec_driver_sql(statement)

    async def ping(self) -> bool:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True

    async def close(self) -> None:
        await self.engine.dispose()
