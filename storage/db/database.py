"""Connecting to the database: URL normalization, SQLite tuning, sessions and schema upgrades."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.db import schema
from storage.db.inline_sqlite import BulkSqliteConnection, inline_creator
from storage.db.schema import SchemaChange, SchemaError, SchemaState
from storage.db.versions import bump_version

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/newsbot.db"
SQLITE_BUSY_TIMEOUT_MS = 10_000
PROBE_KEY = "database-probe"  # the store_state row ``probe`` rewrites


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
    normalized = f"{drivers[scheme]}://{rest}"
    if drivers[scheme] == "postgresql+asyncpg":
        normalized = _libpq_ssl_to_asyncpg(normalized)
    return normalized


# libpq's sslmode values; asyncpg's ``ssl`` argument takes the same words.
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def _libpq_ssl_to_asyncpg(url: str) -> str:
    """Managed PostgreSQL hands out libpq URLs (``?sslmode=require``); asyncpg calls that ``ssl``."""
    parsed = make_url(url)
    mode = parsed.query.get("sslmode")
    if mode is None:
        return url
    if not isinstance(mode, str) or mode not in SSL_MODES:
        raise ValueError(f"sslmode={mode!r} in the URL: expected one of {', '.join(SSL_MODES)}")
    if "ssl" in parsed.query and parsed.query["ssl"] != mode:
        raise ValueError("both sslmode and ssl in the URL, with different values: keep one")
    parsed = parsed.difference_update_query(["sslmode"]).update_query_dict({"ssl": mode})
    return parsed.render_as_string(hide_password=False)


def displayed_url(url: str) -> str:
    """The URL with its password masked, fit for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for an in-memory database."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database)


def _tune_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself: pysqlite's implicit BEGIN can't be IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front, so two writers never deadlock upgrading a read lock.
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """The engine and its session factories; created at start-up, closed at shutdown."""

    def __init__(
        self, url: str, *, echo: bool = False, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
    ) -> None:
        """``busy_timeout_ms``: how long a SQLite statement waits for another process's write lock before it
        fails with "database is locked" (and the work is retried: bot/ops/outages.py)."""
        self.url = normalize_database_url(url)
        self.is_sqlite = is_sqlite(self.url)
        if self.is_sqlite and (path := sqlite_path(self.url)) is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # SQLite: the worker-thread engine runs only long statements, a few at a time at most on any machine;
        # each connection holds its own page cache, so a burst of searches must not open fifteen.
        pool: dict[str, Any] = {}
        if self.is_sqlite:
            pool = {"pool_size": 3, "max_overflow": 2}
            # Its statements on the worker thread, the calls that do no work in place (fewer hand-offs).
            pool["async_creator"] = inline_creator(self.url, BulkSqliteConnection)
        self.engine = create_async_engine(self.url, echo=echo, **pool)
        if self.is_sqlite:
            # Two engines on one file: statements run on aiosqlite's worker threads (long ones: scans,
            # counts, bulk writes, migrations) or in place on the event loop's thread (short ones).
            _tune_sqlite(self.engine, busy_timeout_ms)
            self._writer_engine = self.engine.execution_options(sqlite_immediate=True)
            self._inline_engine = create_async_engine(
                self.url, echo=echo, async_creator=inline_creator(self.url)
            )
            _tune_sqlite(self._inline_engine, busy_timeout_ms)
            inline_writer = self._inline_engine.execution_options(sqlite_immediate=True)
            lookups = self._inline_engine
        else:
            self._writer_engine = self._inline_engine = inline_writer = self.engine
            lookups = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._reader = async_sessionmaker(self._inline_engine, expire_on_commit=False)
        self._lookups = async_sessionmaker(lookups, expire_on_commit=False)
        self._bulk_reader = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writer = async_sessionmaker(inline_writer, expire_on_commit=False)
        self._bulk_writer = async_sessionmaker(self._writer_engine, expire_on_commit=False)
        # SQLite has one writer at a time. Queueing writers here is fair and immediate; leaving it to
        # SQLite's busy handler makes each waiting writer sleep and poll, which costs tens of milliseconds.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for short queries; its transaction is rolled back at the end.

        On SQLite its queries run on the event loop's thread (``InlineSqliteConnection``): keep them to
        index lookups and ranges, and use ``read_bulk`` for anything that reads a whole table.
        """
        async with self._reader() as session:
            yield session

    @asynccontextmanager
    async def lookups(self) -> AsyncIterator[AsyncSession]:
        """A session for a few short reads that share no snapshot and lock nothing (a reader's command).

        On PostgreSQL each query runs on its own (autocommit): under READ COMMITTED each sees what is
        committed when it runs anyway, and it is one round trip instead of BEGIN, the query and ROLLBACK.
        On SQLite it is ``read()``: its BEGIN and rollback run in place and cost no round trip.
        """
        async with self._lookups() as session:
            yield session

    @asynccontextmanager
    async def read_bulk(self) -> AsyncIterator[AsyncSession]:
        """A session for long queries (counts, scans): on SQLite they run on a worker thread."""
        async with self._bulk_reader() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A short write transaction, committed on success; never hold one across a network call.

        On SQLite its statements run in place on the event loop's thread, except taking the write lock and
        committing (either may wait: for another process, for a checkpoint): keep it to a few rows, and use
        ``write_bulk`` for batches of hundreds.
        """
        async with self._write_turn(), self._writer() as session, session.begin():
            yield session

    @asynccontextmanager
    async def write_bulk(self) -> AsyncIterator[AsyncSession]:
        """A write transaction for batches (a sync, a fan-out, pruning): on SQLite, on a worker thread."""
        async with self._write_turn(), self._bulk_writer() as session, session.begin():
            yield session

    @asynccontextmanager
    async def _write_turn(self) -> AsyncIterator[None]:
        if self._write_lock is None:
            yield
            return
        async with self._write_lock:
            yield

    async def create_schema(self) -> SchemaChange:
        """Bring the schema to the newest revision; a database made before migrations is adopted first."""
        return await self.upgrade("head")

    async def upgrade(self, target: str = "head") -> SchemaChange:
        """Run the Alembic revisions up to ``target``, all in one transaction; raises ``SchemaError``."""
        async with schema.upgrade_turn(), self.schema_transaction() as connection:
            return await connection.run_sync(schema.upgrade, target)

    async def schema_state(self) -> SchemaState:
        """The database's revision and the newest this code knows."""
        async with self.engine.connect() as connection:
            return await connection.run_sync(schema.read_state)

    @asynccontextmanager
    async def schema_transaction(self) -> AsyncIterator[AsyncConnection]:
        """One transaction for a whole upgrade, so it happens completely or not at all.

        SQLite: the write lock is taken first (``BEGIN IMMEDIATE``), so processes upgrading at once queue.
        Foreign keys are off meanwhile, as SQLite prescribes for schema changes: batch migrations rebuild a
        table by dropping the old copy, which would otherwise cascade into its dependents. They are checked
        before the commit instead.
        """
        if self._write_lock is None:
            async with self.engine.begin() as connection:
                yield connection
            return
        async with self._write_lock, self._writer_engine.connect() as connection:
            # Outside any transaction, where the pragma takes effect (inside one it is silently ignored).
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.execute("PRAGMA foreign_keys=OFF")
            try:
                async with connection.begin():
                    yield connection
                    broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if broken:
                        raise SchemaError(
                            f"the upgrade would leave {len(broken)} rows with dangling foreign keys"
                        )
            finally:
                await driver.execute("PRAGMA foreign_keys=ON")

    async def ping(self) -> bool:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True

    async def probe(self) -> None:
        """One small real write and its commit: a read-only, full or locked database fails it where
        ``SELECT 1`` would pass."""
        async with self.write() as session:
            await bump_version(session, PROBE_KEY)

    @property
    def label(self) -> str:
        """The database as an operator knows it: its file, or its URL without the password."""
        if self.is_sqlite:
            path = sqlite_path(self.url)
            return str(path) if path is not None else "in-memory SQLite"
        return displayed_url(self.url)

    async def close(self) -> None:
        if self._inline_engine is not self.engine:
            await self._inline_engine.dispose()
        await self.engine.dispose()
