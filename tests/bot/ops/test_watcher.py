"""The content watcher: dropped, renamed, slowly written and deleted files reach the store."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.ops.watcher import FOLDER_POLL_SECONDS, ContentWatcher
from storage.catalog.report import SyncReport
from storage.catalog.sync import ContentSync
from storage.catalog.withdraw_guard import MISSING
from storage.db.database import Database
from storage.db.models import Article
from tests.articles import article_text

WAIT = 20.0


class Reports:
    """Collects sync reports and lets a test wait for a condition on the store."""

    def __init__(self) -> None:
        self.items: list[SyncReport] = []
        self.changed = asyncio.Condition()

    async def __call__(self, report: SyncReport) -> None:
        async with self.changed:
            self.items.append(report)
            self.changed.notify_all()


@pytest.fixture
async def watched(tmp_path: Path) -> AsyncIterator[tuple[Path, Database, Reports]]:
    folder = tmp_path / "content"
    folder.mkdir()
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    await db.create_schema()
    sync = ContentSync(db, folder, display_prefix="content", settle_seconds=0.05)
    await sync.sync()
    reports = Reports()
    watcher = ContentWatcher(sync, on_report=reports, debounce_ms=50, rescan_seconds=3600)
    await watcher.start()
    assert watcher.alive
    yield folder, db, reports
    await watcher.stop()
    assert not watcher.alive
    await db.close()


async def titles(db: Database) -> list[str]:
    async with db.read() as session:
        rows = await session.scalars(
            select(Article.title).where(Article.withdrawn_at.is_(None)).order_by(Article.title)
        )
        return list(rows)


async def eventually(db: Database, expected: list[str]) -> None:
    async def check() -> None:
        while await titles(db) != expected:  # noqa: ASYNC110 - the store is what we observe
            await asyncio.sleep(0.05)

    await asyncio.wait_for(check(), WAIT)


async def test_atomic_rename_is_picked_up(watched: tuple[Path, Database, Reports]) -> None:
    folder, db, _ = watched
    temporary = folder / "draft.md.tmp"
    temporary.write_text(article_text(title="Renamed in", url="https://example.com/r"), encoding="utf-8")
    temporary.rename(folder / "renamed.md")
    await eventually(db, ["Renamed in"])


async def test_slow_in_place_write_is_read_when_complete(watched: tuple[Path, Database, Reports]) -> None:
    folder, db, reports = watched
    text = article_text(title="Slowly written", url="https://example.com/slow", excerpt="x " * 400)
    path = folder / "slow.md"
    with path.open("w", encoding="utf-8") as handle:
        for start in range(0, len(text), 200):
            handle.write(text[start : start + 200])
            handle.flush()
            await asyncio.sleep(0.02)
    await eventually(db, ["Slowly written"])
    assert all(report.errors == 0 for report in reports.items)


async def test_delete_withdraws_and_subfolders_are_watched(watched: tuple[Path, Database, Reports]) -> None:
    folder, db, _ = watched
    (folder / "deep" / "er").mkdir(parents=True)
    path = folder / "deep" / "er" / "a.md"
    path.write_text(article_text(title="Deep", url="https://example.com/deep"), encoding="utf-8")
    (folder / "top.md").write_text(article_text(title="Top", url="https://example.com/top"), encoding="utf-8")
    await eventually(db, ["Deep", "Top"])
    path.unlink()
    await eventually(db, ["Top"])


async def test_ignored_files_do_not_trigger_errors(watched: tuple[Path, Database, Reports]) -> None:
    folder, db, reports = watched
    (folder / "notes.txt").write_text("not an article", encoding="utf-8")
    (folder / ".hidden.md").write_text("---\n", encoding="utf-8")
    (folder / "real.md").write_text(
        article_text(title="Real", url="https://example.com/real"), encoding="utf-8"
    )
    await eventually(db, ["Real"])
    assert all(report.errors == 0 for report in reports.items)


async def until(reports: Reports, wanted: Callable[[SyncReport], bool]) -> SyncReport:
    """The first report from now on that is ``wanted``."""
    seen = len(reports.items)

    async def first() -> SyncReport:
        async with reports.changed:
            while not (found := [r for r in reports.items[seen:] if wanted(r)]):
                await reports.changed.wait()
            return found[0]

    return await asyncio.wait_for(first(), WAIT)


@pytest.fixture
async def watcher(tmp_path: Path) -> AsyncIterator[tuple[ContentWatcher, Database, Reports]]:
    """A watcher over a folder of two articles; no rescan comes to help within a test."""
    folder = tmp_path / "content"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.md").write_text(
            article_text(title=name.upper(), url=f"https://example.com/{name}"), encoding="utf-8"
        )
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    await db.create_schema()
    sync = ContentSync(db, folder, display_prefix="content", settle_seconds=0.05)
    await sync.sync()
    reports = Reports()
    watcher = ContentWatcher(sync, on_report=reports, debounce_ms=50, rescan_seconds=3600)
    await watcher.start()
    yield watcher, db, reports
    await watcher.stop()
    await db.close()


def held(reason: str) -> Callable[[SyncReport], bool]:
    return lambda report: report.hold is not None and report.hold.reason == reason


async def test_a_folder_moved_away_is_a_held_sync_and_is_watched_again_when_back(
    watcher: tuple[ContentWatcher, Database, Reports], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An unmounted volume: no withdrawal, no crash, no sync failing in a loop; remounted, it syncs and is
    watched as before."""
    content, db, reports = watcher
    folder, aside = content.sync.root, tmp_path / "unmounted"
    shutil.move(folder, aside)
    first = await until(reports, held(MISSING))
    assert (first.hold_new, first.withdrawn, first.errors) == (True, 0, 0)
    again = await content.sync_now()  # what a rescan or /reload does meanwhile
    assert (again.hold == first.hold, again.hold_new) == (True, False)
    assert content.alive and await titles(db) == ["A", "B"]
    shutil.copytree(aside, folder)  # remounted: the same files, another folder (inode) than the one watched
    back = await until(reports, lambda report: report.hold_over is not None)
    assert (back.hold, back.changes, back.unchanged) == (None, 0, 2)
    (folder / "c.md").write_text(article_text(title="C", url="https://example.com/c"), encoding="utf-8")
    await eventually(db, ["A", "B", "C"])  # seen by the watch: no rescan comes within the test
    assert content.alive
    assert not [r for r in caplog.records if "content sync failed" in r.getMessage()]


async def test_a_folder_replaced_by_a_fresh_copy_is_watched_in_its_place(
    watcher: tuple[ContentWatcher, Database, Reports], tmp_path: Path
) -> None:
    """A `git clone` next to the folder, then swapped in: the watch follows the new folder."""
    content, db, _ = watcher
    folder = content.sync.root
    shutil.copytree(folder, tmp_path / "clone")
    shutil.move(folder, tmp_path / "old")
    shutil.move(tmp_path / "clone", folder)
    await asyncio.sleep(FOLDER_POLL_SECONDS + 0.5)  # the watch starts again on the new folder
    (folder / "c.md").write_text(article_text(title="C", url="https://example.com/c"), encoding="utf-8")
    await eventually(db, ["A", "B", "C"])


async def test_a_folder_deleted_and_restored_from_a_backup_syncs_again(
    watcher: tuple[ContentWatcher, Database, Reports], tmp_path: Path
) -> None:
    content, db, reports = watcher
    folder = content.sync.root
    shutil.copytree(folder, tmp_path / "backup")
    shutil.rmtree(folder)
    assert held(MISSING)(await content.sync_now())  # the next rescan, if no event told
    shutil.copytree(tmp_path / "backup", folder)
    back = await until(reports, lambda report: report.hold_over is not None)
    assert (back.hold, back.changes) == (None, 0)
    (folder / "c.md").write_text(article_text(title="C", url="https://example.com/c"), encoding="utf-8")
    await eventually(db, ["A", "B", "C"])
