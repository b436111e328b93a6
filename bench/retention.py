"""Retention benchmark: 60 simulated days at 1/100 scale, the ledger pruned daily, size per day.

    python bench/retention.py [--days 60] [--readers 1000] [--articles 100] [--database postgresql://…]

The real bot (``BotRuntime``, as ``newsbot run`` builds it, ``RETENTION_DAYS=30``) against the Bot API
emulator in its own process, limits off. Its clock is injected and jumps forward: no real day passes.

- World (seed 42), issue 9's (bench/chat_load.py) at 1/100 of its readers and articles: 1,000 topics,
  topic n drawn with probability falling with n (topic 0 about 30 times as likely as topic 999), each
  with one back-catalogue article (the baseline, never pushed); 1,000 readers, each following 3 distinct
  topics drawn that way (chats and subscriptions inserted directly, not through /subscribe). Each day
  brings 100 article files with 1-3 topics drawn that way (an image, a 20-word excerpt), published at even
  spacing through the day. An article then reaches about 1.5 % of readers (the run prints the figure):
  some 15 pushes per article, 1,490 ledger rows a day, 1.5 pushes a reader a day.
- A day: the files are written and synced (what the watcher does), then the clock moves through the day in
  ``--steps`` jumps; after each the bench waits until the worker has expanded every due fan-out job and
  sent every due push (real fan-out, real sends over HTTP, the real ledger). At the end of the day: the
  retention pass production runs hourly (``RetentionWorker.prune_once``); on PostgreSQL then ``VACUUM
  (ANALYZE) deliveries``, standing in for autovacuum, which in a real day would have run many times (a
  simulated day here lasts seconds); then the sizes are read.
- Reported per day: rows in ``deliveries``, rows pruned, the ledger's bytes (table and indices: SQLite's
  dbstat, PostgreSQL's pg_total_relation_size), the database's bytes (SQLite: the file, and its WAL
  apart; PostgreSQL: pg_database_size). At the end: /latest and /stats latency through the real bot
  (injected by the emulator, from the injection to the reply reaching it).

About 4 minutes on SQLite and 5 on PostgreSQL on 2 cores (docs/benchmarks.md has the figures).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chat_load import WORDS as CHAT_WORDS  # noqa: E402
from bench.chat_load import popular, topic_name  # noqa: E402
from bench.fanout import emulator_json, free_port, known_to_emulator, wait_ready  # noqa: E402
from bench.scale import admin  # noqa: E402
from bot.ops.config import Settings  # noqa: E402
from bot.runtime import BotRuntime  # noqa: E402
from storage.catalog.sync import ContentSync  # noqa: E402
from storage.db.database import Database, normalize_database_url, sqlite_path  # noqa: E402
from storage.db.models import Article, Chat, Delivery, FanoutJob, Subscription, Topic  # noqa: E402
from tests.articles import article_text  # noqa: E402
from tests.bot.pushes import Clock  # noqa: E402

TOKEN = "123456:BENCH-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
SEED = 42
FIRST_CHAT = 8_000_000
START = datetime(2027, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
SCRATCH = "newsbot_bench_retention"
WORDS = CHAT_WORDS[:13]  # the excerpts' vocabulary (fewer words than bench/chat_load.py's search needs)


@dataclass
class DayFigures:
    day: int
    added: int
    pruned: int
    prune_ms: float
    rows: int
    ledger_bytes: int
    db_bytes: int
    wal_bytes: int
    seconds: float


async def seed(db: Database, content: Path, args: argparse.Namespace, rng: random.Random) -> range:
    """The baseline (one back-catalogue article per topic) and the readers with their topics."""
    await db.create_schema()
    for n in range(args.topics):
        (content / f"catalogue-{n:04d}.md").write_text(
            article_text(
                title=f"Background {n}",
                url=f"https://example.com/catalogue/{n}",
                topics=[topic_name(n)],
                published=START - DAY,
            ),
            encoding="utf-8",
        )
    await ContentSync(db, content, clock=lambda: START).sync(settle=False)
    readers = range(FIRST_CHAT, FIRST_CHAT + args.readers)
    async with db.write() as session:
        topic_ids = list((await session.scalars(select(Topic.id).order_by(Topic.key))).all())
        rows = [{"id": c, "status": "active", "created_at": START, "updated_at": START} for c in readers]
        await session.execute(insert(Chat), rows)
        follows = []
        for chat in readers:
            chosen: set[int] = set()
            while len(chosen) < args.follows:
                chosen.add(topic_ids[popular(rng, args.topics)])
            follows.extend({"chat_id": chat, "topic_id": t, "created_at": START} for t in sorted(chosen))
        await session.execute(insert(Subscription), follows)
    return readers


def write_day(content: Path, day: int, args: argparse.Namespace, rng: random.Random) -> None:
    """The day's article files, published at even spacing through the day (scheduled until then)."""
    folder = content / f"day-{day:03d}"
    folder.mkdir()
    start = START + day * DAY
    for n in range(args.articles):
        words = [rng.choice(WORDS) for _ in range(26)]
        (folder / f"a{n:03d}.md").write_text(
            article_text(
                title=" ".join(words[:6]).capitalize(),
                url=f"https://example.com/{day}/{n}",
                topics=sorted({topic_name(popular(rng, args.topics)) for _ in range(rng.randint(1, 3))}),
                published=start + (n + 0.5) * DAY / args.articles,
                excerpt=" ".join(words[6:]).capitalize() + ".",
                images=1,
            ),
            encoding="utf-8",
        )


async def drained(runtime: BotRuntime, clock: Clock) -> None:
    """Until every due fan-out job is expanded and every due push sent (or closed)."""
    while True:
        async with runtime.db.read() as session:
            now = clock()
            jobs = await session.scalar(
                select(func.count()).where(FanoutJob.expanded_at.is_(None), FanoutJob.due_at <= now)
            )
            pending = await session.scalar(
                select(func.count()).where(Delivery.status == "pending", Delivery.due_at <= now)
            )
        if not jobs and not pending and runtime.pushes.worker.in_flight == 0:
            return
        await asyncio.sleep(0.02)


async def sizes(db: Database) -> tuple[int, int, int, int]:
    """(rows in deliveries, ledger bytes with indices, database bytes, WAL bytes)."""
    async with db.read_bulk() as session:
        rows = await session.scalar(select(func.count()).select_from(Delivery)) or 0
        if db.is_sqlite:
            ledger = await session.scalar(
                text(
                    "SELECT sum(pgsize) FROM dbstat WHERE name IN "
                    "(SELECT name FROM sqlite_schema WHERE tbl_name = 'deliveries')"
                )
            )
            path = sqlite_path(db.url)
            assert path is not None
            wal = path.with_name(path.name + "-wal")
            return rows, ledger or 0, path.stat().st_size, wal.stat().st_size if wal.exists() else 0
        ledger = await session.scalar(text("SELECT pg_total_relation_size('deliveries')"))
        total = await session.scalar(text("SELECT pg_database_size(current_database())"))
        return rows, ledger or 0, total or 0, 0


async def vacuum(db: Database) -> None:
    async with db.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM (ANALYZE) deliveries"))


async def latency(url: str, chat_id: int, command: str, samples: int) -> list[float]:
    """Seconds from injecting ``command`` in ``chat_id`` to the bot's reply reaching the emulator."""
    found: list[float] = []
    async with aiohttp.ClientSession() as http:
        since = (await emulator_json(url, "stats"))["sent_messages"]
        for _ in range(samples):
            started = time.monotonic()  # CLOCK_MONOTONIC: the emulator's clock in the other process too
            payload = {"chat_id": chat_id, "text": command}
            async with http.post(f"{url}/_emulator/updates/message", json=payload) as response:
                response.raise_for_status()
            while True:
                async with http.get(f"{url}/_emulator/sent", params={"since": since}) as response:
                    new = (await response.json())["result"]
                if any(m["chat_id"] == chat_id for m in new):
                    break
                await asyncio.sleep(0.002)
            since += len(new)
            found.append(min(m["time"] for m in new if m["chat_id"] == chat_id) - started)
    return found


async def simulate(args: argparse.Namespace, url: str, database_url: str, content: Path) -> None:
    rng = random.Random(SEED)
    db = Database(database_url)
    readers = await seed(db, content, args, rng)
    await db.close()
    await known_to_emulator(url, readers)
    settings = replace(
        Settings(telegram_bot_token=TOKEN, log_level="WARNING", host="127.0.0.1", port=0),
        telegram_api_url=url,
        database_url=database_url,
        content_dir=content,
        admin_ids=frozenset({readers[0]}),
        retention_days=args.retention,
        send_global_per_second=1_000_000,
        push_rate=1_000_000,
        send_chat_per_second=1_000_000.0,
        send_chat_burst=1_000_000,
        flood_commands_per_minute=1_000_000,
        push_concurrency=64,
        push_poll_seconds=0.05,
    )
    clock = Clock(START)
    runtime = BotRuntime(settings, clock=clock)
    await runtime.start()
    figures: list[DayFigures] = []
    before = 0  # rows in the ledger
    began = time.monotonic()
    try:
        print(
            f"{'day':>4}{'added':>8}{'pruned':>8}{'ms':>6}{'rows':>9}{'ledger MB':>11}{'db MB':>9}{'wal MB':>8}{'s':>6}"
        )
        for day in range(args.days):
            started = time.monotonic()
            clock.jump_to(START + day * DAY)
            write_day(content, day, args, rng)
            report = await runtime.watcher.sync_now(settle=False)
            assert len(report.new_article_ids) == args.articles, report.summary_line()
            for step in range(1, args.steps + 1):
                clock.jump_to(START + day * DAY + step * DAY / args.steps)
                runtime.pushes.worker.wake()
                await drained(runtime, clock)
            pruning = time.monotonic()
            pruned = (
                (await runtime.pushes.retention.prune_once()).deliveries if runtime.pushes.retention else 0
            )
            prune_ms = 1000 * (time.monotonic() - pruning)
            if not runtime.db.is_sqlite:
                await vacuum(runtime.db)
            rows, ledger, total, wal = await sizes(runtime.db)
            day_figures = DayFigures(
                day + 1,
                rows - before + pruned,
                pruned,
                prune_ms,
                rows,
                ledger,
                total,
                wal,
                time.monotonic() - started,
            )
            before = rows
            figures.append(day_figures)
            print_day(day_figures)
        simulated = time.monotonic() - began
        latest = await latency(url, readers[1], "/latest", args.samples)
        stats = await latency(url, readers[0], "/stats", args.samples)
        async with runtime.db.read() as session:
            articles = await session.scalar(select(func.count()).select_from(Article))
    finally:
        await runtime.stop()
    summary(args, figures, articles or 0, simulated, {"/latest": latest, "/stats": stats})


def print_day(f: DayFigures) -> None:
    mb = 1 << 20
    print(
        f"{f.day:>4}{f.added:>8}{f.pruned:>8}{f.prune_ms:>6.0f}{f.rows:>9}{f.ledger_bytes / mb:>11.2f}"
        f"{f.db_bytes / mb:>9.2f}{f.wal_bytes / mb:>8.2f}{f.seconds:>6.1f}"
    )


def summary(
    args: argparse.Namespace,
    figures: list[DayFigures],
    articles: int,
    seconds: float,
    latencies: dict[str, list[float]],
) -> None:
    kept = figures[args.retention :] if args.retention and len(figures) > args.retention + 1 else []
    print(f"\nsimulated {len(figures)} days in {seconds:.0f} s; {articles:,} articles in the store")
    pushed = sum(f.added for f in figures)
    reach = pushed / (len(figures) * args.articles)
    print(f"{pushed:,} ledger rows made: {reach:.1f} per article ({reach / args.readers:.2%} of readers)")
    if kept:
        first, last = kept[0], kept[-1]
        span = last.day - first.day
        rows = statistics.mean(f.rows for f in kept)
        ledger = statistics.mean(f.ledger_bytes for f in kept)
        print(
            f"after day {first.day}: {rows:,.0f} rows on average, ledger {ledger / (1 << 20):.2f} MB "
            f"({ledger / rows:.0f} bytes a row with its indices)"
        )
        print(
            f"day {first.day} -> {last.day}: ledger {(last.ledger_bytes - first.ledger_bytes) / span / 1024:+.1f} "
            f"KB/day, database {(last.db_bytes - first.db_bytes) / span / 1024:+.1f} KB/day"
        )
    for command, found in latencies.items():
        ms = sorted(1000 * s for s in found)
        p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
        print(f"{command:<8} p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms")


async def run(args: argparse.Namespace, workdir: Path) -> None:
    server = None if args.database == "sqlite" else normalize_database_url(args.database)
    port = free_port()
    emulator = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "bot", "emulator", "--port", str(port), "--no-limits"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{workdir / 'bot.db'}"
    if server is not None:
        await admin(server, f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
        await admin(server, f'CREATE DATABASE "{SCRATCH}"')
        database_url = make_url(server).set(database=SCRATCH).render_as_string(hide_password=False)
    content = workdir / "content"
    content.mkdir()
    try:
        await wait_ready(url)
        print(
            f"database: {'PostgreSQL' if server else 'SQLite'}; {args.readers:,} readers, {args.topics} topics, "
            f"{args.follows} followed each; {args.articles} articles a day; RETENTION_DAYS={args.retention}"
        )
        await simulate(args, url, database_url, content)
    finally:
        emulator.terminate()
        await asyncio.wait_for(emulator.wait(), 10)
        if server is not None:
            await admin(server, f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--readers", type=int, default=1_000)
    parser.add_argument("--articles", type=int, default=100, help="new articles a day")
    parser.add_argument("--topics", type=int, default=1_000)
    parser.add_argument("--follows", type=int, default=3, help="topics each reader follows")
    parser.add_argument("--retention", type=int, default=30, help="RETENTION_DAYS")
    parser.add_argument("--steps", type=int, default=4, help="clock jumps a day")
    parser.add_argument("--samples", type=int, default=50, help="/latest and /stats requests at the end")
    parser.add_argument(
        "--database",
        default="sqlite",
        help="sqlite (default) or a PostgreSQL URL: a scratch database is created next to it, then dropped",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsbot-retention-") as tmp:
        asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
