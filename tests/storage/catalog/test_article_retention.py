"""Article retention: which articles a pass deletes, what goes with them, the marker each leaves, and a file
that brings one back, which is stored again and never pushed again."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.catalog.article_retention import delete_articles, prunable_articles, pruned_among, url_hash
from storage.catalog.sync import ContentSync
from storage.db.database import Database
from storage.db.models import (
    Article,
    ArticleImage,
    ArticleTopic,
    ContentFile,
    Correction,
    Delivery,
    FanoutJob,
    PrunedUrl,
    RelatedLinkRow,
)
from storage.delivery.retention import prune_articles, try_lock
from tests.articles import article_text
from tests.storage.factories import NOW, add_article, add_chat, add_delivery, add_topic

CUTOFF = NOW - timedelta(days=90)
OLD = CUTOFF - timedelta(days=1)
RECENT = CUTOFF + timedelta(days=1)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "content"
    path.mkdir()
    return path


def write(
    folder: Path,
    name: str,
    url: str,
    title: str,
    *,
    topics: Sequence[str] = ("Space",),
    images: int = 0,
    related: int = 0,
) -> Path:
    """An article file published before the cutoff."""
    text = article_text(title=title, url=url, topics=topics, published=OLD, images=images, related=related)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


async def add_job(session: AsyncSession, article_id: int, *, finished: bool = True) -> None:
    await session.execute(
        insert(FanoutJob).values(
            article_id=article_id, created_at=OLD, due_at=OLD, expanded_at=OLD if finished else None
        )
    )


async def add_correction(session: AsyncSession, article_id: int, *, finished: bool) -> None:
    await session.execute(
        insert(Correction).values(
            article_id=article_id,
            action="delete",
            created_at=OLD,
            cursor=0,
            finished_at=OLD if finished else None,
        )
    )


async def add_file(session: AsyncSession, article_id: int) -> None:
    await session.execute(
        insert(ContentFile).values(
            path=f"{article_id}.md", size=1, mtime_ns=1, content_hash="", article_id=article_id, seen_at=NOW
        )
    )


async def stored(db: Database) -> set[int]:
    async with db.read() as session:
        return set(await session.scalars(select(Article.id)))


async def count(db: Database, model: type) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


def test_the_marker_of_a_url_key_never_changes() -> None:
    """Markers written by one version must be found by the next: the hash is part of the schema."""
    assert url_hash("example.com/rover") == -4447397225520917256
    assert url_hash("example.com/rover") != url_hash("example.com/rover/")
    assert -(2**63) <= url_hash("") < 2**63


async def test_what_goes_and_what_stays(db: Database) -> None:
    async with db.write() as session:
        topic = await add_topic(session, "Space")
        for chat_id in (1, 2):
            await add_chat(session, chat_id)

        async def article(*, published: datetime = OLD, withdrawn: bool = True) -> int:
            return await add_article(session, topics=[topic], published_at=published, withdrawn=withdrawn)

        goes = [await article()]  # withdrawn, published before the cutoff, never pushed (the baseline)
        pushed = await article()  # pushed long ago, its job finished, its rows closed long ago
        await add_job(session, pushed)
        await add_delivery(session, pushed, 1, status="sent", due_at=OLD, sent_at=OLD)
        await add_delivery(session, pushed, 2, status="failed", due_at=OLD)
        corrected = await article()  # its retraction is over
        await add_job(session, corrected)
        await add_correction(session, corrected, finished=True)
        goes += [pushed, corrected]

        in_folder = await article(withdrawn=False)  # old, but a file still holds it
        await add_file(session, in_folder)
        live = await article(withdrawn=False)  # not withdrawn, whatever the file rows say
        held = await article()  # withdrawn by its flag, yet a file row points at it
        await add_file(session, held)
        recent = await article(published=RECENT)  # withdrawn, but published after the cutoff
        pending = await article()  # a push still waiting
        await add_job(session, pending)
        await add_delivery(session, pending, 1, status="pending", due_at=OLD)
        sent_lately = await article()  # published long ago, but pushed after the cutoff
        await add_job(session, sent_lately)
        await add_delivery(session, sent_lately, 1, status="sent", due_at=OLD, sent_at=RECENT)
        expanding = await article()  # its fan-out job is not finished
        await add_job(session, expanding, finished=False)
        correcting = await article()  # a correction is still deleting its messages
        await add_job(session, correcting)
        await add_correction(session, correcting, finished=False)
        await add_delivery(session, correcting, 2, status="sent", due_at=OLD, sent_at=OLD)
        stays = {in_folder, live, held, recent, pending, sent_lately, expanding, correcting}
        gone_keys = list(await session.scalars(select(Article.url_key).where(Article.id.in_(goes))))

    report = await prune_articles(db, CUTOFF)

    assert (report.articles, report.deliveries, report.deferred) == (3, 2, False)
    assert await stored(db) == stays
    async with db.read() as session:
        assert await pruned_among(session, [*gone_keys, "example.com/never-stored"]) == set(gone_keys)
        assert await pruned_among(session, []) == set()
        left = await session.execute(select(Delivery.article_id, Delivery.status))
        assert sorted(tuple(row) for row in left) == sorted(
            [(pending, "pending"), (sent_lately, "sent"), (correcting, "sent")]
        )
    assert await count(db, PrunedUrl) == 3


async def test_everything_hanging_off_an_article_goes_with_it(db: Database, folder: Path) -> None:
    sync = ContentSync(db, folder, clock=lambda: NOW)
    await sync.sync()  # the baseline
    rover = write(
        folder,
        "rover.md",
        "https://example.com/rover",
        "Rover lands",
        topics=["Space", "Mars"],
        images=2,
        related=2,
    )
    (article_id,) = (await sync.sync()).new_article_ids
    async with db.write() as session:  # pushed, then edited: its correction is over
        await session.execute(update(FanoutJob).values(expanded_at=NOW))
        await add_correction(session, article_id, finished=True)
    rover.unlink()
    # The folder's last file deleted on purpose: the mass-withdrawal guard would hold it.
    assert (await sync.sync(allow_mass_withdraw=True)).withdrawn == 1
    hanging = (ArticleTopic, ArticleImage, RelatedLinkRow, FanoutJob, Correction)
    assert [await count(db, model) for model in hanging] == [2, 2, 2, 1, 1]

    assert (await prune_articles(db, CUTOFF)).articles == 1

    assert await stored(db) == set()
    assert [await count(db, model) for model in hanging] == [0, 0, 0, 0, 0]
    if db.is_sqlite:  # an external-content FTS5 table keeps whatever its triggers do not delete
        async with db.read() as session:
            matches = text("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'rover'")
            assert await session.scalar(matches) == 0


async def jobs_of(db: Database) -> dict[str, datetime | None]:
    """The fan-out jobs in the store, by the article's URL: when each was expanded."""
    async with db.read() as session:
        rows = await session.execute(
            select(Article.web_url, FanoutJob.expanded_at).join(FanoutJob, FanoutJob.article_id == Article.id)
        )
        return {url: expanded for url, expanded in rows}


async def test_a_file_that_comes_back_after_its_article_went_is_stored_and_never_new(
    db: Database, folder: Path
) -> None:
    sync = ContentSync(db, folder, clock=lambda: NOW)
    catalogue = write(folder, "catalogue.md", "https://example.com/catalogue", "Back catalogue")
    await sync.sync()  # the baseline: the back catalogue is never pushed
    rover = write(folder, "rover.md", "https://example.com/rover", "Rover lands")
    assert len((await sync.sync()).new_article_ids) == 1
    async with db.write() as session:  # the worker expanded its job
        await session.execute(update(FanoutJob).values(expanded_at=NOW))
    rover.unlink()
    catalogue.unlink()
    await sync.sync(allow_mass_withdraw=True)  # the folder emptied on purpose
    assert (await prune_articles(db, CUTOFF)).articles == 2

    # Much later both files come back (one edited), beside one that is new.
    write(folder, "rover.md", "https://example.com/rover", "Rover lands, again")
    write(folder, "catalogue.md", "https://example.com/catalogue", "Back catalogue")
    write(folder, "fresh.md", "https://example.com/fresh", "Fresh news")
    report = await sync.sync()

    assert (report.added, report.returned) == (3, 2)
    assert report.summary_line().endswith(
        "; 1 new for push; 2 back after article retention (not pushed again)"
    )
    async with db.read() as session:
        live = await session.scalars(select(Article.title).where(Article.withdrawn_at.is_(None)))
        assert sorted(live) == ["Back catalogue", "Fresh news", "Rover lands, again"]
        new = await session.scalars(select(Article.title).where(Article.id.in_(report.new_article_ids)))
        assert list(new) == ["Fresh news"]
    assert await jobs_of(db) == {"https://example.com/fresh": None}

    # Deleted and back once more: the markers are still there, once each, and still hold.
    for name in ("rover.md", "catalogue.md"):
        (folder / name).unlink()
    await sync.sync()
    assert (await prune_articles(db, CUTOFF)).articles == 2
    assert await count(db, PrunedUrl) == 2
    write(folder, "rover.md", "https://example.com/rover", "Rover lands")
    report = await sync.sync()
    assert (report.added, report.returned, report.new_article_ids) == (1, 1, [])
    assert await jobs_of(db) == {"https://example.com/fresh": None}


async def test_a_sync_bringing_an_article_back_while_a_pass_deletes_it_waits_and_stores_it_anew(
    db: Database, folder: Path
) -> None:
    """PostgreSQL: the pass has locked the article, so the sync waits for it and then finds it gone (SQLite: the
    sync waits for the pass's write transaction)."""
    sync = ContentSync(db, folder, clock=lambda: NOW)
    await sync.sync()
    rover = write(folder, "rover.md", "https://example.com/rover", "Rover lands")
    await sync.sync()
    async with db.write() as session:
        await session.execute(update(FanoutJob).values(expanded_at=NOW))
    rover.unlink()
    await sync.sync(allow_mass_withdraw=True)  # the folder emptied on purpose
    write(folder, "rover.md", "https://example.com/rover", "Rover lands, again")
    other = Database(db.url)  # the sending process
    try:
        async with other.write_bulk() as session:  # one batch of a pass
            assert await try_lock(session)
            candidates = await prunable_articles(session, CUTOFF, after=0, limit=10)
            assert len(candidates) == 1
            syncing = asyncio.create_task(sync.sync())
            await asyncio.sleep(0.5)
            assert not syncing.done()
            assert await delete_articles(session, candidates) == 1
        report = await syncing
    finally:
        await other.close()

    assert (report.added, report.returned, report.new_article_ids, report.errors) == (1, 1, [], 0)
    assert await jobs_of(db) == {}
    async with db.read() as session:
        titles = await session.scalars(select(Article.title).where(Article.withdrawn_at.is_(None)))
        assert list(titles) == ["Rover lands, again"]


async def test_on_postgresql_a_pass_skips_an_article_a_sync_has_locked(
    db: Database, on_postgresql: bool
) -> None:
    if not on_postgresql:
        pytest.skip("SQLite has one writer at a time and no row locks")
    async with db.write() as session:
        article_id = await add_article(session, published_at=OLD, withdrawn=True)
    syncing = Database(db.url)  # a sync about to restore the article, in the process that watches the folder
    try:
        async with syncing.write() as session:
            await session.execute(select(Article.id).where(Article.id == article_id).with_for_update())
            report = await asyncio.wait_for(prune_articles(db, CUTOFF), 5)
            assert (report.articles, report.batches) == (0, 1)
    finally:
        await syncing.close()
    assert (await prune_articles(db, CUTOFF)).articles == 1


@pytest.mark.sqlite_only
async def test_sqlite_s_full_text_index_forgets_the_deleted_articles(db: Database) -> None:
    """FTS5 keeps a deleted row's entries, and a marker that they are deleted, until it merges its segments."""

    async def index_bytes() -> int:
        async with db.read() as session:
            return await session.scalar(text("SELECT sum(length(block)) FROM articles_fts_data")) or 0

    empty = await index_bytes()
    for n in range(40):  # a transaction each, as syncs are: a segment each
        async with db.write() as session:
            await add_article(
                session, f"Story number {n} about orbit{n} and launch{n}", published_at=OLD, withdrawn=True
            )
    stored_bytes = await index_bytes()

    report = await prune_articles(db, CUTOFF)

    assert report.articles == 40
    assert report.merges >= 1
    assert await index_bytes() - empty < (stored_bytes - empty) / 10
