"""Scale benchmark: one article's fan-out expanded into delivery rows, and the senders' queries at that size.

    python bench/scale.py                                    # SQLite, 100,000 subscriptions
    python bench/scale.py --database postgresql://user:pw@127.0.0.1/postgres --subscriptions 1000000

The database named in ``--database`` is only used to create (and afterwards drop) a scratch database
``newsbot_bench_scale`` next to it; SQLite uses a temporary file. Schema by the real migrations.

Reports, for N readers each subscribed to the article's topic:
  seed         generating N chats and subscriptions (set-based SQL; not the product's path)
  fan-out      expanding the article's job into N delivery rows with ``storage.delivery.fanout.expand_batch``, batch by
               batch in its own transaction each, as the delivery worker does (seconds, rows/s)
  claim        one sender leasing 64 chats among N with pushes due (``storage.delivery.claims.claim``)
  heads        that sender reading the next push of each of its chats (``due_heads(owner=…)``)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.db.database import Database, normalize_database_url  # noqa: E402
from storage.db.models import Article, ArticleTopic, FanoutJob, Topic  # noqa: E402
from storage.delivery.claims import claim  # noqa: E402
from storage.delivery.fanout import expand_batch  # noqa: E402
from storage.delivery.ledger import due_heads  # noqa: E402

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SCRATCH = "newsbot_bench_scale"

SEED_POSTGRESQL = (
    """INSERT INTO chats (id, type, status, created_at, updated_at)
       SELECT g, 'private', 'active', :now, :now FROM generate_series(1, :n) AS g""",
    """INSERT INTO subscriptions (chat_id, thread_id, topic_id, created_at)
       SELECT g, 0, :topic, :now FROM generate_series(1, :n) AS g""",
)
SEED_SQLITE = (
    """WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < :n)
       INSERT INTO chats (id, type, status, created_at, updated_at)
       SELECT x, 'private', 'active', :now, :now FROM g""",
    """WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < :n)
       INSERT INTO subscriptions (chat_id, thread_id, topic_id, created_at)
       SELECT x, 0, :topic, :now FROM g""",
)


async def admin(server: str, statement: str) -> None:
    url = make_url(server)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def seed(db: Database, subscriptions: int) -> int:
    async with db.write() as session:
        topic = await session.scalar(insert(Topic).values(key="ai", name="AI").returning(Topic.id))
        article = await session.scalar(
            insert(Article)
            .values(
                url_key="example.com/scale",
                web_url="https://example.com/scale",
                title="Scale",
                published_at=NOW,
                first_seen_at=NOW,
                updated_at=NOW,
                body="",
                extra={},
            )
            .returning(Article.id)
        )
        await session.execute(
            insert(ArticleTopic).values(article_id=article, topic_id=topic, label="AI", published_at=NOW)
        )
        await session.execute(insert(FanoutJob).values(article_id=article, created_at=NOW, due_at=NOW))
        naive = NOW.replace(tzinfo=None)
        for statement in SEED_SQLITE if db.is_sqlite else SEED_POSTGRESQL:
            await session.execute(text(statement), {"n": subscriptions, "topic": topic, "now": naive})
    if not db.is_sqlite:
        async with db.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    assert article is not None
    return article


async def measure(url: str, subscriptions: int, batch: int) -> None:
    db = Database(url)
    try:
        await db.create_schema()
        started = time.perf_counter()
        article = await seed(db, subscriptions)
        print(
            f"seed        {subscriptions:,} chats and subscriptions in {time.perf_counter() - started:.1f} s"
        )

        started = time.perf_counter()
        rows = batches = 0
        finished = False
        while not finished:
            async with db.write() as session:
                result = await expand_batch(session, article, NOW, batch=batch, max_age=None)
            rows += result.inserted
            batches += 1
            finished = result.finished
        seconds = time.perf_counter() - started
        print(
            f"fan-out     {rows:,} delivery rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s "
            f"({batches} batches of {batch:,})"
        )
        assert rows == subscriptions, f"expected {subscriptions} rows, got {rows}"

        if not db.is_sqlite:
            async with db.engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text("ANALYZE deliveries"))
        started = time.perf_counter()
        async with db.write() as session:
            leased = await claim(session, "bench", NOW, timedelta(seconds=30), limit=64)
        claim_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        async with db.read() as session:
            heads = await due_heads(session, NOW, limit=500, owner="bench")
        heads_ms = (time.perf_counter() - started) * 1000
        print(f"claim       {len(leased)} chats among {rows:,} due in {claim_ms:.0f} ms")
        print(f"heads       {len(heads)} next pushes of the leased chats in {heads_ms:.0f} ms")
    finally:
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="sqlite", help="sqlite (default) or a PostgreSQL URL")
    parser.add_argument(
        "--subscriptions", type=int, help="default: 100,000 on SQLite, 1,000,000 on PostgreSQL"
    )
    parser.add_argument(
        "--batch", type=int, default=1_000, help="chats per fan-out batch (the worker's: 1,000)"
    )
    args = parser.parse_args()
    if args.database == "sqlite":
        subscriptions = args.subscriptions or 100_000
        with tempfile.TemporaryDirectory() as folder:
            print(f"SQLite, {subscriptions:,} subscriptions")
            await measure(f"sqlite:///{Path(folder) / 'scale.db'}", subscriptions, args.batch)
        return
    server = normalize_database_url(args.database)
    subscriptions = args.subscriptions or 1_000_000
    await admin(server, f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
    await admin(server, f'CREATE DATABASE "{SCRATCH}"')
    try:
        print(f"PostgreSQL, {subscriptions:,} subscriptions")
        scratch = make_url(server).set(database=SCRATCH).render_as_string(hide_password=False)
        await measure(scratch, subscriptions, args.batch)
    finally:
        await admin(server, f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
