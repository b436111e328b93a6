"""The folder → database sync: add, update, withdraw, restore, move, duplicates, baseline and newness."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.catalog.sync import ContentSync
from storage.db.database import Database
from storage.db.models import (
    Article,
    ArticleImage,
    ArticleTopic,
    ContentFile,
    FanoutJob,
    RelatedLinkRow,
    Topic,
)
from tests.articles import article_text

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "content"
    path.mkdir()
    return path


def make_sync(db: Database, folder: Path) -> ContentSync:
    return ContentSync(db, folder, display_prefix="content", clock=lambda: NOW)


def write(folder: Path, name: str, **fields: object) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(article_text(**fields), encoding="utf-8")
    return path


async def live_titles(db: Database) -> list[str]:
    async with db.read() as session:
        rows = await session.scalars(
            select(Article.title).where(Article.withdrawn_at.is_(None)).order_by(Article.title)
        )
        return list(rows)


async def fanout_count(db: Database) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(FanoutJob)) or 0


async def test_baseline_indexes_back_catalogue_without_marking_new(db: Database, folder: Path) -> None:
    write(folder, "a.md", title="Alpha", url="https://example.com/a")
    write(folder, "sub/b.md", title="Beta", url="https://example.com/b")
    report = await make_sync(db, folder).sync()
    assert (report.added, report.baseline, report.new_article_ids) == (2, True, [])
    assert await live_titles(db) == ["Alpha", "Beta"]
    assert await fanout_count(db) == 0


async def test_baseline_of_an_empty_folder_then_new_files_are_new(db: Database, folder: Path) -> None:
    sync = make_sync(db, folder)
    assert (await sync.sync()).baseline
    write(folder, "a.md", title="Alpha", url="https://example.com/a")
    report = await sync.sync()
    assert not report.baseline
    assert len(report.new_article_ids) == 1
    assert await fanout_count(db) == 1


async def test_push_existing_marks_back_catalogue(db: Database, folder: Path) -> None:
    write(folder, "a.md", title="Alpha", url="https://example.com/a")
    report = await make_sync(db, folder).sync(push_existing=True)
    assert len(report.new_article_ids) == 1


async def test_future_article_is_due_at_its_publication(db: Database, folder: Path) -> None:
    sync = make_sync(db, folder)
    await sync.sync()
    later = NOW + timedelta(hours=3)
    write(folder, "a.md", title="Alpha", url="https://example.com/a", published=later)
    await sync.sync()
    async with db.read() as session:
        job = (await session.scalars(select(FanoutJob))).one()
    assert job.due_at == later


async def test_second_run_reports_no_changes_and_reads_nothing(db: Database, folder: Path) -> None:
    write(folder, "a.md", title="Alpha", url="https://example.com/a")
    sync = make_sync(db, folder)
    await sync.sync()
    report = await sync.sync()
    assert (report.changes, report.unchanged) == (0, 1)


async def test_touched_file_with_same_bytes_is_not_reparsed(db: Database, folder: Path) -> None:
    path = write(folder, "a.md", title="Alpha", url="https://example.com/a")
    sync = make_sync(db, folder)
    await sync.sync()
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    report = await sync.sync()
    assert (report.changes, report.unchanged) == (0, 1)
    async with db.read() as session:
        row = await session.get(ContentFile, "a.md")
    assert row is not None and row.mtime_ns == 1_000_000_000


async def test_edit_updates_but_is_never_new_again(db: Database, folder: Path) -> None:
    sync = make_sync(db, folder)
    await sync.sync()
    write(folder, "a.md", title="Alpha", url="https://example.com/a")
    await sync.sync()
    write(folder, "a.md", title="Alpha, corrected", url="https://example.com/a")
    report = await sync.sync()
    assert (report.updated, report.added, report.new_article_ids) == (1, 0, [])
    assert await live_titles(db) == ["Alpha, corrected"]
    assert await fanout_count(db) == 1


async def test_delete_withdraws_and_readding_restores_without_newness(db: Database, folder: Path) -> None:
    sync = make_sync(db, folder)
    await sync.sync()
    path = write(folder, "a.md", title="Alpha", url="https://example.com/a")
    write(folder, "b.md", title="Beta", url="https://example.com/b")  # the folder is not emptied
    await sync.sync()
    path.unlink()
    report = await sync.sync()
    assert (report.withdrawn, report.hold) == (1, None)
    assert await live_titles(db) == ["Beta"]
    write(folder, "again/a-copy.md", title="Alpha", url="https://EXAMPLE.com:443/a?utm_source=x#top")
    report = await sync.sync()
    assert (report.restored, report.added, report.new_article_ids) == (1, 0, [])
    assert await live_titles(db) == ["Alpha", "Beta"]
    assert await fanout_count(db) == 2


async def test_rename_is_a_move_not_a_withdrawal(db: Database, folder: Path) -> None:
    sync = make_sync(db, folder)
    await sync.sync()
    path = write(folder, "a.md", title="Alpha", url="https://example.com/a")
    await sync.sync()
    path.rename(folder / "renamed.md")
    report = await sync.sync()
    assert (report.moved, report.withdrawn, report.added, report.new_article_ids) == (1, 0, 0, [])
    assert await live_titles(db) == ["Alpha"]


async def test_duplicate_on_fresh_scan_keeps_first_path(db: Database, folder: Path) -> None:
    write(folder, "b.md", title="Second", url="https://example.com/same")
    write(folder, "a.md", title="First", url="https://example.com/same#frag")
    report = await make_sync(db, folder).sync()
    assert await live_titles(db) == ["First"]
    assert report.errors == 0 and report.diagnostics == [], "a story filed twice is no error"
    assert [str(d) for d in report.duplicates] == [
        "content/b.md: duplicate: the same article as content/a.md (https://example.com/same); "
        "content/a.md is kept"
    ]
    assert report.new_duplicates == report.duplicates
    assert report.summary_line().endswith(
        ", 1 duplicates skipped (baseline: existing articles are not pushed)"
    )


async def test_duplicate_later_keeps_the_article_already_in_the_store(db: Database, folder: Path) -> None:
    sync = make_sync(db, folder)
    write(folder, "z.md", title="Original", url="https://example.com/same")
    await sync.sync()
    write(folder, "a.md", title="Intruder", url="https://example.com/same")
    report = await sync.sync()
    assert await live_titles(db) == ["Original"]
    assert report.errors == 0
    assert [str(d) for d in report.new_duplicates] == [
        "content/a.md: duplicate: the same article as content/z.md (https://example.com/same); "
        "content/z.md is kept"
    ]


async def test_a_duplicate_is_new_once_and_takes_over_when_its_twin_goes(db: Database, folder: Path) -> None:
    sync = make_sync(db, folder)
    kept = write(folder, "a.md", title="Kept", url="https://example.com/same")
    write(folder, "b.md", title="Twin", url="https://example.com/same")
    first = await sync.sync()
    again = await sync.sync()
    assert len(first.new_duplicates) == 1
    assert (len(again.duplicates), again.new_duplicates, again.changes) == (1, [], 0), "named in logs once"
    kept.unlink()
    report = await sync.sync()
    assert (report.withdrawn, report.duplicates, report.moved + report.updated) == (0, [], 1)
    assert await live_titles(db) == ["Twin"]


async def test_broken_edit_keeps_last_good_version_and_reports_each_time(db: Database, folder: Path) -> None:
    sync = make_sync(db, folder)
    path = write(folder, "a.md", title="Alpha", url="https://example.com/a")
    await sync.sync()
    path.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    first = await sync.sync()
    second = await sync.sync()
    assert first.errors == second.errors == 1
    assert await live_titles(db) == ["Alpha"]
    write(folder, "a.md", title="Alpha fixed", url="https://example.com/a")
    report = await sync.sync()
    assert report.updated == 1 and report.errors == 0
    assert await live_titles(db) == ["Alpha fixed"]


async def test_bad_file_does_not_disturb_the_rest(db: Database, folder: Path) -> None:
    write(folder, "good.md", title="Good", url="https://example.com/good")
    (folder / "bad.md").write_text("no front matter here\n", encoding="utf-8")
    report = await make_sync(db, folder).sync()
    assert report.added == 1 and report.errors == 1
    assert [d.path for d in report.diagnostics if d.is_error] == ["content/bad.md"]


async def test_children_are_stored_and_replaced(db: Database, folder: Path) -> None:
    sync = make_sync(db, folder)
    write(
        folder,
        "a.md",
        title="Alpha",
        url="https://example.com/a",
        topics=["AI", "Space"],
        images=2,
        related=3,
    )
    await sync.sync()
    write(folder, "a.md", title="Alpha", url="https://example.com/a", topics=["AI"], images=1, related=1)
    await sync.sync()
    async with db.read() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(model))
            for model in (ArticleTopic, ArticleImage, RelatedLinkRow)
        ]
    assert counts == [1, 1, 1]


async def test_topic_display_name_comes_from_the_earliest_article(db: Database, folder: Path) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    write(folder, "late.md", url="https://example.com/late", topics=["COMPUTER VISION"], published=base)
    write(
        folder,
        "early.md",
        url="https://example.com/early",
        topics=["computer  vision "],
        published=base - timedelta(days=1),
    )
    sync = make_sync(db, folder)
    await sync.sync()
    await sync.sync()
    async with db.read() as session:
        topics = list(await session.execute(select(Topic.key, Topic.name)))
    assert topics == [("computer vision", "computer vision")]


async def test_topics_yaml_names_and_aliases(db: Database, folder: Path) -> None:
    (folder / "topics.yaml").write_text(
        "- name: Machine Learning\n  description: Models that learn\n  aliases: [ML]\n", encoding="utf-8"
    )
    write(folder, "a.md", url="https://example.com/a", topics=["ml"])
    await make_sync(db, folder).sync()
    async with db.read() as session:
        topics = list(await session.execute(select(Topic.name, Topic.description)))
        linked = await session.scalar(select(func.count()).select_from(ArticleTopic))
    assert topics == [("Machine Learning", "Models that learn")]
    assert linked == 1


async def test_many_files_span_several_batches(db: Database, folder: Path) -> None:
    for number in range(1_234):
        write(folder, f"bulk/{number:05}.md", title=f"Article {number}", url=f"https://example.com/{number}")
    report = await make_sync(db, folder).sync()
    assert report.added == 1_234 and report.errors == 0
    again = await make_sync(db, folder).sync()
    assert again.changes == 0 and again.unchanged == 1_234


async def test_progress_is_told_the_scan_then_the_reading(
    db: Database, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storage.catalog.sync.BATCH_FILES", 2)
    for n in range(3):
        write(folder, f"{n}.md", title=f"T{n}", url=f"https://example.com/{n}")
    calls: list[tuple[str, int, int | None]] = []
    await make_sync(db, folder).sync(progress=lambda *call: calls.append(call))
    scanning = [("scanning", n, 3) for n in (1, 2, 3)]
    assert calls == [*scanning, ("reading", 2, 3), ("reading", 3, 3)]
    calls.clear()
    await make_sync(db, folder).sync(progress=lambda *call: calls.append(call))
    assert calls == scanning, "nothing to read: the scan alone"
