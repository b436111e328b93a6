"""Corrections in the store: which changes open one, which messages it covers, its cursor and its lock."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from storage.catalog.corrections import (
    OpenCorrection,
    advance,
    current,
    open_edits,
    open_retractions,
    targets,
    try_lock,
    unfinished,
)
from storage.catalog.sync import ContentSync
from storage.db.database import Database
from storage.db.models import Article, ChatPreferences, Correction, Delivery
from tests.articles import article_text
from tests.storage.factories import HOUR, NOW, add_article, add_chat, add_subscription, add_topic

WINDOW = timedelta(hours=48)


async def sent(
    db: Database,
    article_id: int,
    chat_id: int,
    *,
    at: datetime = NOW - HOUR,
    kind: str | None = "photo",
    digest: bool = False,
    status: str = "sent",
    thread_id: int = 0,
) -> int:
    """A delivery of the article to the chat, sent (by default) as a photo an hour ago."""
    async with db.write() as session:
        row = Delivery(
            article_id=article_id,
            chat_id=chat_id,
            thread_id=thread_id,
            status=status,
            attempts=1,
            due_at=at,
            created_at=at,
            sent_at=at if status == "sent" else None,
            message_id=chat_id * 10 if status == "sent" else None,
            via_digest=digest,
            message_kind=kind if status == "sent" else None,
        )
        session.add(row)
        await session.flush()
        return row.id


async def corrections(db: Database) -> list[tuple[int, str, bool]]:
    """(article, action, finished) of every correction, oldest first."""
    async with db.read() as session:
        rows = await session.execute(
            select(Correction.article_id, Correction.action, Correction.finished_at).order_by(Correction.id)
        )
        return [(article, action, finished is not None) for article, action, finished in rows]


async def an_article(db: Database, *chats: int, topics: int = 1) -> tuple[int, list[int]]:
    async with db.write() as session:
        topic_ids = [await add_topic(session, f"Topic {n}") for n in range(topics)]
        article_id = await add_article(session, "Old title", topics=topic_ids)
        for chat_id in chats:
            await add_chat(session, chat_id)
    return article_id, topic_ids


async def test_an_edit_of_title_or_excerpt_opens_one_while_pushes_are_on_screens(db: Database) -> None:
    article_id, _ = await an_article(db, 1)
    await sent(db, article_id, 1)
    excerpt = "What happened, in one sentence."
    async with db.write() as session:
        assert await open_edits(session, {article_id: ("Old title", excerpt)}, NOW, WINDOW) == []
        assert await open_edits(session, {article_id: ("New title", excerpt)}, NOW, None) == []
        assert await open_edits(session, {article_id: ("Old title", "Fixed")}, NOW, WINDOW) == [article_id]
    assert await corrections(db) == [(article_id, "edit", False)]


async def test_no_correction_for_pushes_outside_the_window_or_in_a_digest(db: Database) -> None:
    old, _ = await an_article(db, 1, 2)
    await sent(db, old, 1, at=NOW - WINDOW - timedelta(seconds=1))
    await sent(db, old, 2, digest=True, kind="digest")
    async with db.write() as session:
        assert await open_edits(session, {old: ("New", None)}, NOW, WINDOW) == []
        assert await open_retractions(session, [old], NOW, WINDOW) == []
    assert await corrections(db) == []


async def test_a_push_still_pending_keeps_the_correction(db: Database) -> None:
    article_id, _ = await an_article(db, 1)
    await sent(db, article_id, 1, status="pending")  # one in flight may go out with the old text
    async with db.write() as session:
        assert await open_edits(session, {article_id: ("New", None)}, NOW, WINDOW) == [article_id]


async def test_a_newer_correction_supersedes_and_a_restore_stops_a_retraction(db: Database) -> None:
    article_id, _ = await an_article(db, 1)
    await sent(db, article_id, 1)
    async with db.write() as session:
        await open_edits(session, {article_id: ("Second", None)}, NOW, WINDOW)
        await session.execute(update(Article).values(withdrawn_at=NOW + HOUR))
        await open_retractions(session, [article_id], NOW + HOUR, WINDOW)
    assert await corrections(db) == [(article_id, "edit", True), (article_id, "delete", False)]
    async with db.write() as session:
        # The file is back, as it was: the retraction stops; nothing new is opened.
        await open_edits(session, {article_id: ("Old title", "What happened, in one sentence.")}, NOW, WINDOW)
    assert await corrections(db) == [(article_id, "edit", True), (article_id, "delete", True)]


async def test_a_retraction_only_for_articles_withdrawn_just_now(db: Database) -> None:
    article_id, _ = await an_article(db, 1)
    await sent(db, article_id, 1)
    async with db.write() as session:
        assert await open_retractions(session, [article_id], NOW, WINDOW) == []  # still live
        await session.execute(update(Article).values(withdrawn_at=NOW - HOUR))
        assert await open_retractions(session, [article_id], NOW, WINDOW) == []  # withdrawn earlier
        await session.execute(update(Article).values(withdrawn_at=NOW))
        assert await open_retractions(session, [article_id], NOW, WINDOW) == [article_id]


async def test_targets_in_batches_by_delivery_id(db: Database) -> None:
    article_id, topics = await an_article(db, 1, 2, 3, 4, 5, 6, 7, topics=2)
    async with db.write() as session:
        await add_subscription(session, 1, topics[0])
        await add_subscription(session, 1, topics[1])
        await add_subscription(session, 2, topics[1], thread_id=9)
        session.add(ChatPreferences(chat_id=2, image_previews=False, language="de"))
    first = await sent(db, article_id, 1)
    second = await sent(db, article_id, 2, kind="text", thread_id=9)
    await sent(db, article_id, 3, kind=None)  # sent before kinds were recorded: left alone
    await sent(db, article_id, 4, digest=True, kind="digest")
    await sent(db, article_id, 5, at=NOW - 3 * WINDOW)
    await sent(db, article_id, 6, at=NOW + HOUR)  # after the settle: already says the new text
    async with db.write() as session:
        await add_chat(session, 8, status="blocked")
    await sent(db, article_id, 8)
    correction = OpenCorrection(1, article_id, "edit", NOW, cursor=0)
    async with db.read() as session:
        found = await targets(session, correction, window=WINDOW, sent_until=NOW + HOUR / 2, limit=10)
        assert [(t.delivery_id, t.message_kind) for t in found] == [(first, "photo"), (second, "text")]
        assert found[0].followed == frozenset(topics) and found[0].image_previews
        assert (found[1].followed, found[1].thread_id) == (frozenset({topics[1]}), 9)
        assert (found[1].image_previews, found[1].language) == (False, "de")
        later = OpenCorrection(1, article_id, "delete", NOW, cursor=first)
        assert [
            t.delivery_id for t in await targets(session, later, window=WINDOW, sent_until=None, limit=1)
        ] == [second]
        everything = await targets(session, correction, window=WINDOW, sent_until=None, limit=10)
        assert len(everything) == 3  # the later push too


async def test_cursor_finish_and_current(db: Database) -> None:
    article_id, _ = await an_article(db, 1)
    await sent(db, article_id, 1)
    async with db.write() as session:
        await open_edits(session, {article_id: ("New", None)}, NOW, WINDOW)
    async with db.read() as session:
        (correction,) = await unfinished(session)
    async with db.write() as session:
        await advance(session, correction.id, 41, NOW, finished=False)
    async with db.read() as session:
        moved = await current(session, correction.id)
        assert moved is not None and moved.cursor == 41
    async with db.write() as session:
        await advance(session, correction.id, 42, NOW, finished=True)
        await advance(session, correction.id, 99, NOW, finished=False)  # a late batch of a superseded one
    async with db.read() as session:
        assert await current(session, correction.id) is None
        assert await unfinished(session) == []
        assert await session.scalar(select(Correction.cursor)) == 42


async def test_one_sender_at_a_time_on_postgresql(db: Database, on_postgresql: bool) -> None:
    async with db.read() as first, db.read() as second:
        assert await try_lock(first, 7)
        assert await try_lock(second, 7) is (not on_postgresql)
        assert await try_lock(second, 8)
        await first.rollback()  # the batch is over: the lock goes with its transaction
        assert await try_lock(second, 7)


async def test_the_sync_opens_edits_and_retractions(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    sync = ContentSync(db, folder, clock=lambda: NOW, corrections=WINDOW)
    path = folder / "a.md"
    path.write_text(article_text(title="Alpha", url="https://example.com/a"), encoding="utf-8")
    # Another article stays: deleting the last file of a folder is held (storage/catalog/withdraw_guard.py).
    (folder / "b.md").write_text(article_text(title="Beta", url="https://example.com/b"), encoding="utf-8")
    await sync.sync()
    async with db.write() as session:
        await add_chat(session, 1)
        article_id = await session.scalar(select(Article.id).where(Article.title == "Alpha"))
    assert article_id is not None
    await sent(db, article_id, 1)
    path.write_text(article_text(title="Alpha", url="https://example.com/a", body="Only the body."), "utf-8")
    assert (await sync.sync()).updated == 1
    assert await corrections(db) == []  # neither title nor excerpt changed
    path.write_text(article_text(title="Alpha, corrected", url="https://example.com/a"), encoding="utf-8")
    await sync.sync()
    path.unlink()
    await sync.sync()
    assert await corrections(db) == [(article_id, "edit", True), (article_id, "delete", False)]


async def test_the_sync_opens_nothing_when_corrections_are_off(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    sync = ContentSync(db, folder, clock=lambda: NOW)
    path = folder / "a.md"
    path.write_text(article_text(title="Alpha", url="https://example.com/a"), encoding="utf-8")
    # Another article stays: deleting the last file of a folder is held (storage/catalog/withdraw_guard.py).
    (folder / "b.md").write_text(article_text(title="Beta", url="https://example.com/b"), encoding="utf-8")
    await sync.sync()
    async with db.write() as session:
        await add_chat(session, 1)
        article_id = await session.scalar(select(Article.id).where(Article.title == "Alpha"))
    assert article_id is not None
    await sent(db, article_id, 1)
    path.write_text(article_text(title="Alpha, corrected", url="https://example.com/a"), encoding="utf-8")
    await sync.sync()
    path.unlink()
    await sync.sync()
    assert await corrections(db) == []
