"""DATABASE_URL spellings, libpq's sslmode, and a real TLS connection when the run is on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db.database import Database, normalize_database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgresql://u:p@h:6543/db", "postgresql+asyncpg://u:p@h:6543/db"),
        ("postgresql+asyncpg://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgres://u:p@h/db?sslmode=require", "postgresql+asyncpg://u:p@h/db?ssl=require"),
        ("postgresql://u:p@h/db?sslmode=verify-full&application_name=x", None),
        ("sqlite:///data/x.db", "sqlite+aiosqlite:///data/x.db"),
        ("  sqlite+aiosqlite:///x.db ", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_urls_operators_are_handed_are_normalized(given: str, expected: str | None) -> None:
    normalized = normalize_database_url(given)
    if expected is not None:
        assert normalized == expected
    else:
        query = make_url(normalized).query
        assert query == {"ssl": "verify-full", "application_name": "x"}


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("postgres://u:p@h/db?sslmode=sometimes", "sslmode='sometimes' in the URL: expected one of disable"),
        ("postgres://u:p@h/db?sslmode=require&ssl=disable", "both sslmode and ssl in the URL"),
        ("mysql://u:p@h/db", "unsupported database 'mysql'"),
        ("data/bot.db", "not a database URL"),
        ("", "empty database URL"),
    ],
)
def test_bad_urls_say_what_is_wrong(given: str, problem: str) -> None:
    with pytest.raises(ValueError, match="^" + problem.replace("(", r"\(").replace("?", r"\?")):
        normalize_database_url(given)


async def test_sslmode_in_the_url_reaches_postgresql(database_server: str | None) -> None:
    """The URL a managed service hands out connects with TLS; sslmode=disable connects without it."""
    if database_server is None:
        pytest.skip("needs the PostgreSQL run (--database postgresql://…)")
    libpq = make_url(database_server).set(drivername="postgresql")
    for mode, encrypted in (("require", True), ("disable", False)):
        url = libpq.update_query_dict({"sslmode": mode}).render_as_string(hide_password=False)
        db = Database(url)
        try:
            async with db.read() as session:
                ssl = await session.scalar(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
        finally:
            await db.close()
        assert ssl is encrypted, f"sslmode={mode}"
