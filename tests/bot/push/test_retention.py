"""Retention end to end: the real bot prunes its delivery ledger past RETENTION_DAYS and withdrawn articles past
ARTICLE_RETENTION_DAYS, and never re-sends.

The bot runs against the emulator with the test's clock (tests/bot/pushes.py), which jumps a month ahead;
a restart runs the sending process's first retention pass, as after any deploy.
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.emulator import BotApiEmulator
from bot.runtime import BotRuntime
from storage.catalog.sync import ContentSync
from storage.db.database import Database
from storage.db.models import Article, Delivery, DeliveryTally, PrunedUrl
from tests.bot.conftest import NOW
from tests.bot.pushes import Clock, Pushes, published, start_pushes

WAIT = 10.0
LATER = NOW + timedelta(days=31)  # past the default RETENTION_DAYS (30)
OLD_NEWS = {"title": "Old news", "url": "https://example.com/old-news", "topics": ["AI"]}


@pytest.fixture
def push_options() -> dict[str, Any]:
    # Corrections on: an edit of a pruned article must not find anything to correct either.
    return {"corrections": True}


async def restart(pushes: Pushes, *, at: datetime | None = None) -> None:
    """Stop the bot and start it again on the same database, content and clock (moved ``at`` a moment)."""
    settings = pushes.runtime.settings
    await pushes.runtime.stop()
    if at is not None:
        pushes.clock.jump_to(at)
    pushes.runtime = BotRuntime(settings, clock=pushes.clock)
    await pushes.runtime.start()


async def ledger_rows(runtime: BotRuntime) -> int:
    async with runtime.db.read() as session:
        return await session.scalar(select(func.count()).select_from(Delivery)) or 0


async def wait_rows(runtime: BotRuntime, count: int) -> None:
    async with asyncio.timeout(WAIT):
        while await ledger_rows(runtime) != count:  # noqa: ASYNC110 - the retention pass deletes them
            await asyncio.sleep(0.05)


async def resync(pushes: Pushes) -> None:
    """What ``/reload`` does: sync the content folder now, as the watcher would a moment later."""
    await pushes.runtime.watcher.sync_now(settle=False)
    await pushes.settle(0.3)  # the worker polls every 50 ms: time for a wrong push to show up


async def old_news(pushes: Pushes) -> tuple[str | None, bool]:
    """The pushed article's excerpt, and whether it is withdrawn."""
    async with pushes.runtime.db.read() as session:
        row = (
            await session.execute(
                select(Article.excerpt, Article.withdrawn_at).where(Article.web_url == OLD_NEWS["url"])
            )
        ).one()
    return row.excerpt, row.withdrawn_at is not None


def titles(pushes: Pushes, chat_id: int) -> list[str]:
    return [message.body.split("\n")[0] for message in pushes.pushes(chat_id)]


async def test_a_pruned_push_never_goes_out_again(pushes: Pushes, caplog: pytest.LogCaptureFixture) -> None:
    reader = await pushes.follow(5001, "AI")
    old = pushes.drop("old.md", published=published(1), **OLD_NEWS)
    await pushes.wait_pushes({5001: 1})
    assert await ledger_rows(pushes.runtime) == 1

    # A month on, the bot restarts: its first retention pass prunes the row and tallies it.
    with caplog.at_level(logging.INFO, logger="bot.push.retention"):
        await restart(pushes, at=LATER)
        await wait_rows(pushes.runtime, 0)
    assert any("retention: pruned 1 delivery rows" in record.message for record in caplog.records)
    assert "newsbot_deliveries_pruned_total 1.0" in pushes.runtime.metrics.render().decode()
    async with pushes.runtime.db.read() as session:
        tallied = (await session.execute(select(DeliveryTally.status, DeliveryTally.count))).all()
    assert tallied == [("sent", 1)]

    # Every way the article could look new again: touched, edited, withdrawn and restored, re-imported.
    os.utime(old, (LATER.timestamp(), LATER.timestamp()))
    await resync(pushes)
    pushes.drop("old.md", published=published(1), excerpt="Edited a month later.", **OLD_NEWS)
    await resync(pushes)
    assert await old_news(pushes) == ("Edited a month later.", False)
    old.unlink()
    await resync(pushes)
    assert await old_news(pushes) == ("Edited a month later.", True)
    (pushes.content / "moved").mkdir()
    pushes.drop("moved/old.md", published=published(1), **OLD_NEWS)
    await resync(pushes)
    assert await old_news(pushes) == ("What happened, in one sentence.", False)
    await reimport(pushes.runtime.settings.database_url, pushes.content, pushes.clock)
    await resync(pushes)
    # The reader follows the topic anew, and the bot restarts once more (start-up sync and catch-up).
    await reader.say_last("/unsubscribe AI")
    await pushes.follow(5001, "AI")
    await restart(pushes)
    await pushes.settle(0.5)
    assert titles(pushes, 5001) == ["Old news"]
    assert await ledger_rows(pushes.runtime) == 0

    # The pipeline is alive: a new article still goes out, once.
    pushes.drop("fresh.md", title="Fresh news", url="https://example.com/fresh", topics=["AI"])
    await pushes.wait_pushes({5001: 2})
    await pushes.settle()
    assert titles(pushes, 5001) == ["Old news", "Fresh news"]
    assert await ledger_rows(pushes.runtime) == 1


async def reimport(database_url: str, content: Path, clock: Clock) -> None:
    """``newsbot import --push-existing`` into the running bot's database, from another process's engine."""
    db = Database(database_url)
    try:
        report = await ContentSync(db, content, clock=clock).sync(push_existing=True, settle=False)
    finally:
        await db.close()
    assert report.new_article_ids == []


async def test_with_retention_days_0_the_ledger_is_kept(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, clock: Clock
) -> None:
    setup = await start_pushes(emulator, tmp_path, database_url, clock, retention_days=0)
    try:
        assert setup.runtime.pushes.retention is None
        await setup.follow(5002, "AI")
        setup.drop("old.md", published=published(1), **OLD_NEWS)
        await setup.wait_pushes({5002: 1})
        await restart(setup, at=LATER)
        await setup.settle(0.5)
        assert await ledger_rows(setup.runtime) == 1
        assert titles(setup, 5002) == ["Old news"]
    finally:
        await setup.runtime.stop()


async def old_news_stored(runtime: BotRuntime) -> bool:
    async with runtime.db.read() as session:
        found = await session.scalar(select(func.count()).where(Article.web_url == OLD_NEWS["url"]))
    return bool(found)


async def test_a_withdrawn_article_goes_after_article_retention_and_its_file_never_pushes_again(
    database_url: str,
    emulator: BotApiEmulator,
    tmp_path: Path,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The ledger is kept (RETENTION_DAYS=0): the article's rows go with it, counted all the same.
    setup = await start_pushes(
        emulator, tmp_path, database_url, clock, retention_days=0, article_retention_days=30
    )
    try:
        await setup.follow(5003, "AI")
        old = setup.drop("old.md", published=published(1), **OLD_NEWS)
        await setup.wait_pushes({5003: 1})
        old.unlink()
        await resync(setup)
        assert await old_news(setup) == ("What happened, in one sentence.", True)

        # A month on, the bot restarts: its first retention pass deletes the article and its ledger row.
        with caplog.at_level(logging.INFO, logger="bot.push.retention"):
            await restart(setup, at=LATER)
            async with asyncio.timeout(WAIT):
                while await old_news_stored(setup.runtime):  # noqa: ASYNC110 - the retention pass deletes it
                    await asyncio.sleep(0.05)
        assert await ledger_rows(setup.runtime) == 0
        logged = [r.message for r in caplog.records if "withdrawn articles" in r.message]
        assert len(logged) == 1
        assert logged[0].startswith(
            "retention: pruned 1 withdrawn articles published before 2026-11-28T12:00:"
        )
        assert ", and 1 delivery rows of theirs, in 1 batch(es)" in logged[0]
        # SQLite merges its full-text index afterwards, so that it forgets the article too.
        assert ("step(s) merging the search index" in logged[0]) is setup.runtime.db.is_sqlite
        rendered = setup.runtime.metrics.render().decode()
        assert "newsbot_articles_pruned_total 1.0" in rendered
        assert "newsbot_deliveries_pruned_total 1.0" in rendered
        async with setup.runtime.db.read() as session:
            assert (await session.execute(select(DeliveryTally.status, DeliveryTally.count))).all() == [
                ("sent", 1)
            ]
            assert await session.scalar(select(func.count()).select_from(PrunedUrl)) == 1

        # Its file comes back: the article is stored and listed again, and not pushed again.
        setup.drop("old.md", published=published(1), **OLD_NEWS)
        await resync(setup)
        assert await old_news(setup) == ("What happened, in one sentence.", False)
        await restart(setup)
        await setup.settle(0.5)
        assert titles(setup, 5003) == ["Old news"]

        # The pipeline is alive: a new article still goes out, once.
        setup.drop("fresh.md", title="Fresh news", url="https://example.com/fresh", topics=["AI"])
        await setup.wait_pushes({5003: 2})
        await setup.settle()
        assert titles(setup, 5003) == ["Old news", "Fresh news"]
    finally:
        await setup.runtime.stop()
