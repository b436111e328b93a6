"""Article retention benchmark: a simulated year of articles, ARTICLE_RETENTION_DAYS on and off, size per month.

    python bench/article_retention.py [--days 365] [--articles 50] [--keep-files 30] [--retention 90]

Two runs, each a SQLite database and a content folder of its own, fed the same files (same seed) one day at a
time, with the code ``newsbot run`` runs: ``ContentSync`` (as the watcher syncs) and ``RetentionWorker``,
the sending process's hourly pass, once a day (the ledger with ``RETENTION_DAYS=30`` in both; articles in
"on" only, ``ARTICLE_RETENTION_DAYS=90``).
The clock is injected and jumps a day at a time: no real day passes, and there is no bot and no Telegram.

- A day (seed 7): ``--articles`` new files (1-3 of 40 topics, a 20-word excerpt, an image, two related
  links; ~1 KB each in the database), published through the day; each file is deleted ``--keep-files``
  days after it was published (the article is withdrawn). From day ``--retention`` + ``--keep-files`` on,
  ``--returning`` files of articles retention has deleted come back for a day (then go again): stored
  anew, never new for push (the bench checks the sync's report: the day's new files only are new).
- The push side, as far as the store sees it: each sync's fan-out jobs are marked expanded, with
  ``--readers`` sent ledger rows per article (chats inserted directly; no sends).
- Figures every 30 days and at the end: rows per table, the SQLite file (after a WAL checkpoint, as it is on
  disk: SQLite reuses freed pages, it does not give them back), its pages in use ((page_count −
  freelist_count) × page_size), and the bytes of the markers and of the full-text index (dbstat); at the
  end the file after ``VACUUM`` too, and the time each run spent syncing and in the retention passes.

The two runs go side by side, a process each: a minute or two on 2 cores (docs/benchmarks.md has the
figures).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chat_load import WORDS as CHAT_WORDS  # noqa: E402
from bot.ops.metrics import Metrics  # noqa: E402
from bot.push.retention import RetentionWorker  # noqa: E402
from storage.catalog.sync import ContentSync  # noqa: E402
from storage.db.database import Database, sqlite_path  # noqa: E402
from storage.db.models import (  # noqa: E402
    Article,
    ArticleImage,
    ArticleTopic,
    Chat,
    ContentFile,
    Delivery,
    DeliveryTally,
    FanoutJob,
    PrunedUrl,
    RelatedLinkRow,
    table,
)

SEED = 7
START = datetime(2027, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
TOPICS = [f"Topic {n:02d}" for n in range(40)]
WORDS = CHAT_WORDS[:13]  # bench/retention.py's excerpts' vocabulary
TABLES = (
    ("articles", Article),
    ("topics links", ArticleTopic),
    ("images", ArticleImage),
    ("related", RelatedLinkRow),
    ("files", ContentFile),
    ("jobs", FanoutJob),
    ("ledger", Delivery),
    ("markers", PrunedUrl),
    ("tallies", DeliveryTally),
)
CHECKPOINT = 30  # days between reports


@dataclass
class Result:
    """What one run hands back from its process."""

    name: str
    figures: dict[int, dict[str, int]] = field(default_factory=dict)  # by day
    vacuumed: int = 0  # the file's bytes after VACUUM, at the end
    sync_seconds: float = 0.0
    prune_seconds: float = 0.0
    slowest_pass: float = 0.0  # seconds
    pruned: int = 0
    merges: int = 0  # steps merging SQLite's full-text index
    returned: int = 0  # files back after their article was deleted
    restored: int = 0  # files back while their article was still stored, withdrawn


class Clock:
    """The simulated moment, moved by the bench."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def article_file(rng: random.Random, day: int, n: int, args: argparse.Namespace) -> str:
    """The front matter tests/articles.py writes (an image, two related links), as a template: yaml.safe_dump
    would take half the run."""
    words = [rng.choice(WORDS) for _ in range(26)]
    published = START + day * DAY + (n + 0.5) * DAY / args.articles
    topics = "".join(
        f"  - {topic}\n" for topic in sorted({rng.choice(TOPICS) for _ in range(rng.randint(1, 3))})
    )
    related = "".join(
        f"  - title: Related {r}\n    webUrl: https://example.org/related/{day}/{n}/{r}\n"
        "    provider:\n      name: Other\n"
        for r in range(2)
    )
    return f"""---
title: {" ".join(words[:6]).capitalize()}
webUrl: https://example.com/{day}/{n}
publishedDateTime: '{published.strftime("%Y-%m-%dT%H:%M:%SZ")}'
topics:
{topics}excerpt: {" ".join(words[6:]).capitalize()}.
provider:
  name: Example News
  domain: example.com
images:
  - url: https://images.example.com/{day}/{n}.jpg
    width: 1200
    height: 800
    isCached: true
related:
{related}---
"""


def path_of(content: Path, day: int, n: int) -> Path:
    return content / f"day-{day:03d}" / f"a{n:03d}.md"


def change_folder(content: Path, day: int, args: argparse.Namespace, rng: random.Random) -> list[Path]:
    """The day's files written, the files now ``--keep-files`` days old deleted; returns the files that came
    back (of articles published long before the article retention's cutoff), to be deleted the next day."""
    folder = content / f"day-{day:03d}"
    folder.mkdir()
    for n in range(args.articles):
        path_of(content, day, n).write_text(article_file(rng, day, n, args), encoding="utf-8")
    if (gone := day - args.keep_files) >= 0:
        for path in sorted((content / f"day-{gone:03d}").iterdir()):
            path.unlink()
    back: list[Path] = []
    oldest = day - args.retention - args.keep_files  # published before the cutoff, deleted long ago
    if oldest >= 0:
        for n in rng.sample(range(args.articles), args.returning):
            old_day = rng.randrange(0, oldest + 1)
            path = path_of(content, old_day, n)
            path.write_text(article_file(random.Random(f"{old_day}/{n}"), old_day, n, args), encoding="utf-8")
            back.append(path)
    return back


async def push(db: Database, new_ids: list[int], now: datetime, readers: range) -> None:
    """What the store sees of the pushes: the jobs expanded, and a sent row per reader and article."""
    async with db.write_bulk() as session:
        await session.execute(
            update(FanoutJob).where(FanoutJob.expanded_at.is_(None)).values(expanded_at=now)
        )
        rows = [
            {
                "article_id": article_id,
                "chat_id": chat_id,
                "thread_id": 0,
                "status": "sent",
                "attempts": 1,
                "due_at": now,
                "created_at": now,
                "sent_at": now,
                "message_id": 1,
                "mode": "push",
                "message_kind": "photo",
            }
            for article_id in new_ids
            for chat_id in readers
        ]
        if rows:
            await session.execute(insert(table(Delivery)), rows)


async def measure(db: Database) -> dict[str, int]:
    """Rows per table, the file's bytes and the bytes of the pages in use."""
    async with db.engine.connect() as connection:
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        found = {
            name: (await connection.execute(select(func.count()).select_from(model))).scalar_one()
            for name, model in TABLES
        }
        for name, like in (("markers bytes", "pruned_urls"), ("search index bytes", "articles_fts%")):
            query = text("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE :like")
            found[name] = (await connection.execute(query, {"like": like})).scalar_one()
        pages = (await connection.exec_driver_sql("PRAGMA page_count")).scalar_one()
        free = (await connection.exec_driver_sql("PRAGMA freelist_count")).scalar_one()
        size = (await connection.exec_driver_sql("PRAGMA page_size")).scalar_one()
    path = sqlite_path(db.url)
    assert path is not None
    return {**found, "file": path.stat().st_size, "in use": (pages - free) * size}


async def vacuumed(db: Database) -> int:
    async with db.engine.connect() as connection:
        # On the driver's connection, outside any transaction (the engine's would BEGIN first).
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.execute("VACUUM")
        await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = sqlite_path(db.url)
    assert path is not None
    return path.stat().st_size


def readers(args: argparse.Namespace) -> range:
    return range(1, args.readers + 1)


async def simulate(args: argparse.Namespace, name: str, articles: int | None, workdir: Path) -> Result:
    """One run: its own folder (the same files as the other run's: same seed) and database."""
    content = workdir / "content"
    content.mkdir(parents=True)
    clock = Clock()
    db = Database(f"sqlite:///{workdir / 'bot.db'}")
    await db.create_schema()
    async with db.write() as session:
        chats = [
            {"id": c, "status": "active", "created_at": START, "updated_at": START} for c in readers(args)
        ]
        if chats:
            await session.execute(insert(Chat), chats)
    sync = ContentSync(db, content, clock=clock)
    retention = RetentionWorker(
        db,
        timedelta(days=args.ledger),
        articles=timedelta(days=articles) if articles else None,
        clock=clock,
        metrics=Metrics(),
    )
    result = Result(name)
    try:
        await sync.sync(settle=False)  # the baseline, of an empty folder: every later article is new
        rng = random.Random(SEED)
        back: list[Path] = []
        began = time.monotonic()
        for day in range(args.days):
            clock.now = START + day * DAY
            for path in back:  # yesterday's returning files go again
                path.unlink()
            back = change_folder(content, day, args, rng)
            started = time.monotonic()
            report = await sync.sync(settle=False)
            result.sync_seconds += time.monotonic() - started
            assert len(report.new_article_ids) == args.articles, (name, day, report.summary_line())
            result.returned += report.returned
            result.restored += report.restored
            await push(db, report.new_article_ids, clock.now, readers(args))
            clock.now += DAY / 2  # the day's pass, after the day's sync
            started = time.monotonic()
            await retention.prune_once()
            pruned = await retention.prune_articles_once()
            seconds = time.monotonic() - started
            result.prune_seconds += seconds
            result.slowest_pass = max(result.slowest_pass, seconds)
            result.pruned += pruned.articles
            result.merges += pruned.merges
            if (day + 1) % CHECKPOINT == 0 or day + 1 == args.days:
                figures = result.figures[day + 1] = await measure(db)
                print(
                    f"{name:>3} day {day + 1:>3}: {figures['articles']:>6,} articles, "
                    f"file {figures['file'] / 2**20:6.2f} MB, {time.monotonic() - began:4.0f} s",
                    flush=True,
                )
        result.vacuumed = await vacuumed(db)
    finally:
        await db.close()
    return result


def run_one(args: argparse.Namespace, name: str, articles: int | None, workdir: Path) -> Result:
    return asyncio.run(simulate(args, name, articles, workdir))


def report(args: argparse.Namespace, on: Result, off: Result) -> None:
    mb = 2**20
    print(
        f"\n{args.days} days, {args.articles} articles a day, each file deleted {args.keep_files} days after "
        f"its publication; ARTICLE_RETENTION_DAYS={args.retention} (on) / 0 (off); RETENTION_DAYS={args.ledger}; "
        f"{args.readers} ledger rows an article"
    )
    print("\n| day | articles (on / off) | file MB (on / off) | pages in use MB (on / off) |")
    print("| --- | --- | --- | --- |")
    for day in sorted(on.figures):
        a, b = on.figures[day], off.figures[day]
        print(
            f"| {day} | {a['articles']:,} / {b['articles']:,} | {a['file'] / mb:.2f} / {b['file'] / mb:.2f} | "
            f"{a['in use'] / mb:.2f} / {b['in use'] / mb:.2f} |"
        )
    last = max(on.figures)
    print(f"\n| rows at day {last} | on | off |")
    print("| --- | --- | --- |")
    for name, _ in TABLES:
        print(f"| {name} | {on.figures[last][name]:,} | {off.figures[last][name]:,} |")
    for name in ("markers bytes", "search index bytes"):
        label = name.removesuffix(" bytes")
        print(f"| {label}, MB | {on.figures[last][name] / mb:.2f} | {off.figures[last][name] / mb:.2f} |")
    print(f"| file after VACUUM, MB | {on.vacuumed / mb:.2f} | {off.vacuumed / mb:.2f} |")
    steady = [day for day in on.figures if day >= args.retention + args.keep_files + CHECKPOINT]
    print()
    if len(steady) >= 2:
        first, end = steady[0], steady[-1]
        for result in (on, off):
            growth = (result.figures[end]["file"] - result.figures[first]["file"]) / (end - first) / 1024
            used = (result.figures[end]["in use"] - result.figures[first]["in use"]) / (end - first) / 1024
            marks, search = (
                (result.figures[end][name] - result.figures[first][name]) / (end - first) / 1024
                for name in ("markers bytes", "search index bytes")
            )
            print(
                f"{result.name}: day {first} -> {end}: file {growth:+.1f} KB/day, pages in use {used:+.1f} KB/day "
                f"(markers {marks:+.1f}, search index {search:+.1f})"
            )
    print(
        f"files of deleted articles back for a day: {on.returned:,} stored anew ({on.restored:,} restored); "
        f"off: {off.restored:,} restored; none new for push"
    )
    print(f"on: {on.pruned:,} articles pruned, {on.merges:,} steps merging the full-text index")
    for result in (on, off):
        print(
            f"{result.name}: syncs {result.sync_seconds:.1f} s, retention passes {result.prune_seconds:.1f} s "
            f"({1000 * result.prune_seconds / args.days:.1f} ms a day, slowest {1000 * result.slowest_pass:.0f} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--articles", type=int, default=50, help="new articles a day")
    parser.add_argument("--keep-files", type=int, default=30, help="days a file stays in the folder")
    parser.add_argument("--retention", type=int, default=90, help="ARTICLE_RETENTION_DAYS of the first run")
    parser.add_argument("--ledger", type=int, default=30, help="RETENTION_DAYS of both runs")
    parser.add_argument("--readers", type=int, default=5, help="ledger rows an article")
    parser.add_argument("--returning", type=int, default=5, help="files of deleted articles back each day")
    args = parser.parse_args()
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="newsbot-article-retention-") as tmp,
        ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool,
    ):
        runs = [
            pool.submit(run_one, args, name, articles, Path(tmp) / name)
            for name, articles in (("on", args.retention), ("off", None))
        ]
        on, off = (future.result() for future in runs)
    report(args, on, off)
    print(f"\n{time.monotonic() - started:.0f} s in all, the two runs side by side")


if __name__ == "__main__":
    main()
