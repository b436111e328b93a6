"""Sync the content folder into the database: add, update, withdraw and restore articles.

One sync = a disk scan (``storage.content.scan``), identity resolution (one live file per normalized ``webUrl``),
then short write transactions in batches. An article first stored after the store's baseline gets a
fan-out job in the same transaction: that row is what "new" means to the push pipeline.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.catalog import withdraw_guard as guard
from storage.catalog.article_retention import pruned_among
from storage.catalog.article_rows import article_row, replace_children
from storage.catalog.corrections import open_edits, open_retractions
from storage.catalog.quality import QualityRanks
from storage.catalog.report import SyncReport
from storage.catalog.search_index import optimize_search_index, worth_optimizing
from storage.catalog.search_words import search_keywords
from storage.catalog.topic_directory import bump_topics_version
from storage.catalog.topic_index import TopicIndex
from storage.content.diagnostics import Diagnostic, Duplicate
from storage.content.excludes import NOTHING_EXCLUDED, Excludes
from storage.content.files import Progress, display_path
from storage.content.scan import ChangedFile, KnownFile, ReadResult, read_files, stat_folder
from storage.content.topics import TopicCatalog, load_topic_catalog
from storage.db.database import Database
from storage.db.models import (
    CURSOR_START,
    Article,
    ArticleTopic,
    ContentFile,
    FanoutJob,
    StoreState,
    table,
)

BATCH_FILES = 500
PARALLEL_MIN_FILES = 2_000  # below this, a worker process costs more than it saves
PARSE_WORKERS = 2  # with the writer in this process, enough to keep two cores busy
BASELINE_KEY = "baseline_at"
TOPICS_FILE = "topics.yaml"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class ContentSync:
    """Keeps the database in step with one content folder; syncs never overlap."""

    def __init__(
        self,
        db: Database,
        root: Path,
        *,
        display_prefix: str | None = None,
        max_bytes: int = 1 << 20,
        clock: Clock = utc_now,
        settle_seconds: float = 0.0,
        corrections: timedelta | None = None,
        excludes: Excludes = NOTHING_EXCLUDED,
        withdraw_guard: float = guard.DEFAULT_SHARE,
    ) -> None:
        self.db = db
        self.root = root
        self.excludes = excludes  # CONTENT_EXCLUDE: folders and files under root that are not articles
        self.display_prefix = root.as_posix() if display_prefix is None else display_prefix
        self.max_bytes = max_bytes
        self.clock = clock
        self.settle_seconds = settle_seconds
        # CORRECTIONS on: edits and withdrawals within this long of a push open a correction.
        self.corrections = corrections
        self.guard = guard.WithdrawGuard(withdraw_guard, self.display_prefix or ".")  # WITHDRAW_GUARD
        # Run in the transaction that stores new articles, after their topics exist and before any fan-out
        # job can be expanded: destinations that follow topics by rule (channels.yaml) follow new ones.
        self.before_fanout: Callable[[AsyncSession, datetime], Awaitable[None]] | None = None
        self._lock = asyncio.Lock()
        self._applied_catalog: TopicCatalog | None = None  # topics.yaml as the last sync applied it

    async def sync(
        self,
        *,
        push_existing: bool = False,
        progress: Progress | None = None,
        settle: bool = True,
        allow_mass_withdraw: bool = False,
    ) -> SyncReport:
        """One sync; ``settle=False`` reads even files that changed a moment ago (start-up, one-shot import);
        ``allow_mass_withdraw``: the operator confirmed what the guard would hold (withdraw_guard.py)."""
        async with self._lock:
            report = await self._sync(push_existing, progress, settle, allow_mass_withdraw)
            self.guard.held = report.follow(self.guard.held)
            return report

    async def _sync(
        self, push_existing: bool, progress: Progress | None, settle: bool, confirmed: bool
    ) -> SyncReport:
        report = SyncReport()
        if (problem := guard.folder_problem(self.root)) is not None:
            async with self.db.read() as session:
                report.hold = self.guard.unusable(problem, await guard.live_count(session))
            if report.hold is None:  # nothing live to lose: an error, and nothing else
                report.errors = 1
                report.diagnostics.append(Diagnostic(self.display_prefix or ".", "error", problem.message))
            return report
        async with self.db.read_bulk() as session:
            known = await _known_files(session)
            baseline_done = await session.get(StoreState, BASELINE_KEY) is not None
        report.baseline = not baseline_done
        mark_new = baseline_done or push_existing

        catalog, catalog_diagnostics = self._load_catalog()
        report.diagnostics.extend(catalog_diagnostics)
        state = await asyncio.to_thread(
            stat_folder,
            self.root,
            known,
            progress,
            settle_seconds=self.settle_seconds if settle else 0.0,
            excludes=self.excludes,
        )
        report.unchanged = state.unchanged
        report.deferred = len(state.deferred)
        # Every present file that holds an article keeps it against newcomers (the first path wins ties).
        holders: dict[int, str] = {}
        for path in sorted(state.present):
            seen = known.get(path)
            if seen is not None and seen.article_id is not None:
                holders.setdefault(seen.article_id, path)
        index = TopicIndex(catalog)
        ranks = QualityRanks()  # this sync's topics' qualities, read once
        now = self.clock()
        async with self.db.write_bulk() as session:
            await index.load(session)
            await index.apply_catalog(session)

        claimed: dict[str, str] = {}
        failures: list[ChangedFile] = []
        orphans: set[int] = {a for p in state.gone if (a := known[p].article_id) is not None}
        read = 0
        async for part in self._read_batches(state.to_read, known):
            winners: list[ChangedFile] = []
            for changed in part.changed:
                if changed.article is None:
                    failures.append(changed)
                elif (first := claimed.setdefault(changed.article.url_key, changed.path)) != changed.path:
                    failures.append(self._duplicate(changed, first, known, report))
                else:
                    winners.append(changed)
                if (seen := known.get(changed.path)) is not None and seen.article_id is not None:
                    orphans.add(seen.article_id)
            failures.extend(part.unreadable)
            report.unchanged += len(part.touched)
            report.diagnostics.extend(d for c in winners for d in c.diagnostics)
            for changed in part.changed:
                report.unknown_fields.update(changed.unknown_fields)
            async with self.db.write_bulk() as session:
                if part.touched:
                    await session.execute(
                        update(ContentFile),
                        [{"path": p, "size": s, "mtime_ns": m, "seen_at": now} for p, s, m in part.touched],
                    )
                if winners:
                    await self._apply_batch(
                        session, winners, holders, known, index, ranks, now, mark_new, report
                    )
                    await bump_topics_version(session)
            read += len(part.touched) + len(part.changed) + len(part.unreadable)
            if progress is not None:
                progress("reading", read, len(state.to_read))
        async with self.db.write_bulk() as session:
            await self._record_failures(session, failures, known, now, report)
            orphaned = await guard.live_orphans(session, orphans, state.gone)
            live = await guard.live_count(session) if orphaned else 0
            report.hold = self.guard.decide(len(orphaned), live, len(state.present), confirmed=confirmed)
            if report.hold is None:  # held: the gone files' rows stay, so the next sync sees them gone too
                if state.gone:
                    await session.execute(delete(ContentFile).where(ContentFile.path.in_(sorted(state.gone))))
                await self._withdraw(session, orphaned, index, now, report)
            await index.refresh_names(session)
            if not baseline_done:
                session.add(StoreState(key=BASELINE_KEY, value=now.isoformat()))
            if report.changes or catalog != self._applied_catalog:
                await bump_topics_version(session)
        self._applied_catalog = catalog
        if worth_optimizing(report.added + report.updated + report.restored):
            async with self.db.write_bulk() as session:
                await optimize_search_index(session)
        report.diagnostics.sort(key=lambda d: (d.path, d.line or 0))
        return report

    async def _read_batches(self, paths: list[str], known: dict[str, KnownFile]) -> AsyncIterator[ReadResult]:
        """Read and parse ``paths`` in batches, in order; a large import parses in a worker process.

        The worker parses batch k+1 while this process writes batch k, so a cold import uses two cores.
        """
        good = {p: seen.content_hash for p in paths if (seen := known.get(p)) and seen.last_error is None}
        chunks = [paths[i : i + BATCH_FILES] for i in range(0, len(paths), BATCH_FILES)]
        loop = asyncio.get_running_loop()

        def submit(pool: Executor | None, chunk: list[str]) -> asyncio.Future[ReadResult]:
            hashes = {p: good[p] for p in chunk if p in good}
            return loop.run_in_executor(
                pool, read_files, self.root, chunk, hashes, self.display_prefix, self.max_bytes
            )

        if len(paths) < PARALLEL_MIN_FILES:
            for chunk in chunks:
                yield await submit(None, chunk)
            return
        with ProcessPoolExecutor(
            max_workers=PARSE_WORKERS, mp_context=multiprocessing.get_context("spawn")
        ) as pool:
            pending = [submit(pool, chunk) for chunk in chunks]
            try:
                for future in pending:
                    yield await future
            finally:
                for future in pending:
                    future.cancel()

    def _load_catalog(self) -> tuple[TopicCatalog, list[Diagnostic]]:
        path = self.root / TOPICS_FILE
        if not path.is_file():
            return TopicCatalog(), []
        catalog, diagnostics = load_topic_catalog(path, display_path(self.display_prefix, TOPICS_FILE))
        return catalog, list(diagnostics)

    def _duplicate(
        self, changed: ChangedFile, holder: str, known: dict[str, KnownFile], report: SyncReport
    ) -> ChangedFile:
        """``changed`` holds the article of ``holder``: it is skipped, not an error (a site often files one
        story twice). Its file row remembers why, so every sync reads it again and it takes the article over
        when ``holder`` goes; the logs name it only the first time (``SyncReport.new_duplicates``)."""
        assert changed.article is not None
        mine, kept = (
            display_path(self.display_prefix, changed.path),
            display_path(self.display_prefix, holder),
        )
        duplicate = Duplicate(mine, kept, changed.article.url_key)
        report.duplicates.append(duplicate)
        seen = known.get(changed.path)
        if seen is None or seen.last_error != str(duplicate):
            report.new_duplicates.append(duplicate)
        return ChangedFile(
            changed.path, changed.size, changed.mtime_ns, changed.content_hash, None, (), duplicate
        )

    async def _apply_batch(
        self,
        session: AsyncSession,
        batch: list[ChangedFile],
        holders: dict[int, str],
        known: dict[str, KnownFile],
        index: TopicIndex,
        ranks: QualityRanks,
        now: datetime,
        mark_new: bool,
        report: SyncReport,
    ) -> None:
        docs = {c.path: c.article for c in batch if c.article is not None}
        keys = [doc.url_key for doc in docs.values()]
        existing = {
            url_key: (article_id, withdrawn_at)
            for url_key, article_id, withdrawn_at in (
                await session.execute(
                    select(Article.url_key, Article.id, Article.withdrawn_at)
                    .where(Article.url_key.in_(keys))
                    .with_for_update()  # PostgreSQL: article retention skips them, or deleted them first
                )
            )
        }
        new_rows: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        file_rows: list[dict[str, Any]] = []
        article_ids: dict[str, int] = {}
        for changed in batch:
            doc = changed.article
            assert doc is not None
            found = existing.get(doc.url_key)
            row = {**article_row(doc, now), "search_keywords": search_keywords(doc, changed.path)}
            if found is None:
                new_rows.append({**row, "first_seen_at": now})
                continue
            article_id, withdrawn_at = found
            # An article that another present file holds makes this file a duplicate, not an update.
            holder = holders.get(article_id)
            if holder is not None and holder != changed.path:
                file_rows.append(self._file_row(self._duplicate(changed, holder, known, report), None, now))
                continue
            article_ids[changed.path] = article_id
            updates.append({"id": article_id, **row})
            if withdrawn_at is not None:
                report.restored += 1
            elif (seen := known.get(changed.path)) is not None and seen.article_id == article_id:
                report.updated += 1
            else:
                report.moved += 1
        if new_rows:
            # A plain executemany, then one lookup: SQLite's RETURNING would cost one statement per row.
            await session.execute(insert(table(Article)), new_rows)
            inserted = await session.execute(
                select(Article.url_key, Article.id).where(
                    Article.url_key.in_([r["url_key"] for r in new_rows])
                )
            )
            by_key: dict[str, int] = {url_key: article_id for url_key, article_id in inserted}
            for changed in batch:
                assert changed.article is not None
                if changed.path not in article_ids and changed.article.url_key in by_key:
                    article_ids[changed.path] = by_key[changed.article.url_key]
            report.added += len(new_rows)
            if mark_new:
                pruned = await pruned_among(session, by_key)  # back after article retention: not new
                report.returned += len(pruned)
                jobs = [
                    {
                        "article_id": by_key[row["url_key"]],
                        "created_at": now,
                        "due_at": max(now, row["published_at"]),
                        "cursor": CURSOR_START,
                    }
                    for row in new_rows
                    if row["url_key"] not in pruned
                ]
                if jobs:
                    await session.execute(insert(table(FanoutJob)), jobs)
                report.new_article_ids.extend(job["article_id"] for job in jobs)
        if updates:
            edits = {row["id"]: (row["title"], row["excerpt"]) for row in updates}
            await open_edits(session, edits, now, self.corrections)  # before the rows change
            await session.execute(update(Article), updates)
        live = {path: article_ids[path] for path in docs if path in article_ids}
        await replace_children(session, live, docs, index, ranks)
        for changed in batch:
            if changed.path in live:
                file_rows.append(self._file_row(changed, live[changed.path], now))
        await self._upsert_files(session, file_rows)
        if new_rows and self.before_fanout is not None:
            await self.before_fanout(session, now)

    def _file_row(self, changed: ChangedFile, article_id: int | None, now: datetime) -> dict[str, Any]:
        errors = (
            [str(changed.duplicate)]
            if changed.duplicate
            else [str(d) for d in changed.diagnostics if d.is_error]
        )
        return {
            "path": changed.path,
            "size": changed.size,
            "mtime_ns": changed.mtime_ns,
            "content_hash": changed.content_hash,
            "article_id": article_id,
            "last_error": errors[0] if errors else None,
            "seen_at": now,
        }

    async def _upsert_files(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        await session.execute(delete(ContentFile).where(ContentFile.path.in_([r["path"] for r in rows])))
        await session.execute(insert(table(ContentFile)), rows)

    async def _record_failures(
        self,
        session: AsyncSession,
        failures: list[ChangedFile],
        known: dict[str, KnownFile],
        now: datetime,
        report: SyncReport,
    ) -> None:
        """Remember failing files; a file that was good keeps its last good article live."""
        rows = []
        for changed in failures:
            seen = known.get(changed.path)
            if changed.duplicate is None:
                report.errors += 1
                report.diagnostics.extend(changed.diagnostics)
            keep = None if changed.duplicate or seen is None else seen.article_id
            rows.append(self._file_row(changed, keep, now))
        await self._upsert_files(session, rows)

    async def _withdraw(
        self, session: AsyncSession, orphans: list[int], index: TopicIndex, now: datetime, report: SyncReport
    ) -> None:
        """Withdraw articles that no file holds any more."""
        if not orphans:
            return
        result = await session.execute(
            update(Article)
            .where(Article.id.in_(orphans), Article.withdrawn_at.is_(None))
            .values(withdrawn_at=now, updated_at=now)
        )
        report.withdrawn += result.rowcount  # type: ignore[attr-defined]
        await open_retractions(session, orphans, now, self.corrections)
        topics = await session.execute(
            select(ArticleTopic.topic_id).where(ArticleTopic.article_id.in_(orphans))
        )
        index.touched.update(topics.scalars())


async def _known_files(session: AsyncSession) -> dict[str, KnownFile]:
    """What the database remembers of every file: plain rows read in slices, not ORM objects (at 100,000
    files the objects cost a second and the whole result held at once 30 MB per sync)."""
    columns = (
        ContentFile.path,
        ContentFile.size,
        ContentFile.mtime_ns,
        ContentFile.content_hash,
        ContentFile.article_id,
        ContentFile.last_error,
    )
    known: dict[str, KnownFile] = {}
    async for part in (await session.stream(select(*columns))).partitions(5_000):
        for path, size, mtime, digest, article, error in part:
            known[path] = KnownFile(size, mtime, digest, article, error)
    return known
