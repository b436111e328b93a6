"""Readers' rules in the ledger: filters and schedules at fan-out, at the last check, and when changed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from storage.db.database import Database
from storage.db.models import ChatFilter, Delivery, FanoutJob
from storage.delivery.fanout import expand_batch
from storage.delivery.ledger import check_many, due_heads
from storage.readers.chats import forget_chat
from storage.readers.filters import Added, add_filter, list_filters, remove_filter
from storage.readers.schedules import digest_headings, get_schedule, update_schedule
from tests.storage.factories import NOW, add_article, add_chat, add_subscription, add_topic

# 21:30 UTC on 27 November: 22:30 in Berlin (quiet there), 16:30 in New York.
EVENING = datetime(2026, 11, 27, 21, 30, tzinfo=UTC)
NIGHT = (22 * 60, 7 * 60)


async def fan_out(db: Database, article_id: int, now: datetime, batch: int = 2) -> int:
    """Expand an article's job in small batches, as the worker does; the rows skipped by filters."""
    async with db.write() as session:
        await session.execute(insert(FanoutJob).values(article_id=article_id, created_at=now, due_at=now))
    filtered, finished = 0, False
    while not finished:
        async with db.write() as session:
            result = await expand_batch(session, article_id, now, batch=batch, max_age=None)
        filtered += result.filtered
        finished = result.finished
    return filtered


async def rows(db: Database, article_id: int) -> dict[int, tuple[str, str, datetime, str | None]]:
    async with db.read() as session:
        found = await session.execute(
            select(Delivery.chat_id, Delivery.status, Delivery.mode, Delivery.due_at, Delivery.error).where(
                Delivery.article_id == article_id
            )
        )
        return {chat: (status, mode, due, error) for chat, status, mode, due, error in found}


async def test_fan_out_skips_filtered_rows_and_holds_scheduled_ones(db: Database) -> None:
    async with db.write() as session:
        ai = await add_topic(session, "AI")
        for chat_id in range(1, 8):
            await add_chat(session, chat_id)
            await add_subscription(session, chat_id, ai)
        assert await add_filter(session, (2, 0), "exclude", "crypto", NOW) is Added.ADDED
        assert await add_filter(session, (3, 0), "include", "space", NOW) is Added.ADDED
        assert await add_filter(session, (4, 0), "include", "open source", NOW) is Added.ADDED
        await update_schedule(session, 5, NOW, timezone="Europe/Berlin", digest_at=8 * 60)
        await update_schedule(
            session, 6, NOW, timezone="Europe/Berlin", quiet_start=NIGHT[0], quiet_end=NIGHT[1]
        )
        await update_schedule(
            session, 7, NOW, timezone="America/New_York", quiet_start=NIGHT[0], quiet_end=NIGHT[1]
        )
        article = await add_article(
            session, "Crypto exchange goes open-source", excerpt="Not about cryptography", topics=[ai]
        )
    assert await fan_out(db, article, EVENING) == 2
    found = await rows(db, article)
    assert found[1] == ("pending", "push", EVENING, None)
    assert found[2] == ("skipped", "push", EVENING, "filter: mentions excluded “crypto”")
    assert found[3] == ("skipped", "push", EVENING, "filter: mentions no included term")
    assert found[4] == ("pending", "push", EVENING, None)  # "open source" matches "open-source"
    # The daily digest at 08:00 Berlin, and the end of Berlin's night, are both 07:00 UTC tomorrow.
    tomorrow_seven = datetime(2026, 11, 28, 7, 0, tzinfo=UTC)
    assert found[5] == ("pending", "digest", tomorrow_seven, None)
    assert found[6] == ("pending", "digest", datetime(2026, 11, 28, 6, 0, tzinfo=UTC), None)
    assert found[7] == ("pending", "push", EVENING, None)  # 16:30 in New York: not quiet there
    # Held rows are not due before their digest; instant ones are.
    async with db.read() as session:
        due_now = {head.chat_id for head in await due_heads(session, EVENING, limit=50)}
        due_later = await due_heads(session, tomorrow_seven, limit=50)
    assert due_now == {1, 4, 7}
    assert {(head.chat_id, head.held) for head in due_later} >= {(5, True), (6, True), (1, False)}


async def test_a_fan_out_batch_for_chats_without_rules_changes_nothing(db: Database) -> None:
    async with db.write() as session:
        ai = await add_topic(session, "AI")
        for chat_id in (10, 11, 12):
            await add_chat(session, chat_id)
            await add_subscription(session, chat_id, ai)
        article = await add_article(session, "Plain news", topics=[ai])
    assert await fan_out(db, article, EVENING) == 0
    assert set((await rows(db, article)).values()) == {("pending", "push", EVENING, None)}


async def test_the_last_check_applies_filters_added_later_and_quiet_hours_silence(db: Database) -> None:
    async with db.write() as session:
        ai = await add_topic(session, "AI")
        for chat_id in (1, 2, 3):
            await add_chat(session, chat_id)
            await add_subscription(session, chat_id, ai)
        await update_schedule(
            session,
            3,
            NOW,
            timezone="Europe/Berlin",
            quiet_start=NIGHT[0],
            quiet_end=NIGHT[1],
            quiet_mode="silent",
        )
        article = await add_article(session, "Crypto winter", topics=[ai])
    await fan_out(db, article, EVENING)
    async with db.write() as session:
        ids = {chat: row for row, chat in await session.execute(select(Delivery.id, Delivery.chat_id))}
        await add_filter(session, (2, 0), "exclude", "crypto", NOW)
    async with db.read() as session:
        checks = await check_many(session, list(ids.values()), EVENING)
        morning = await check_many(session, list(ids.values()), datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    assert set(checks) == {ids[1], ids[3]}  # chat 2 excluded the article after it was fanned out
    assert checks[ids[3]].preferences.silent and not checks[ids[1]].preferences.silent
    assert not morning[ids[3]].preferences.silent  # 10:00 in Berlin: quiet hours are over


async def test_changing_the_schedule_retimes_held_rows(db: Database) -> None:
    async with db.write() as session:
        ai = await add_topic(session, "AI")
        space = await add_topic(session, "Space")
        await add_chat(session, 1)
        await add_subscription(session, 1, ai)
        await add_subscription(session, 1, space)
        await update_schedule(session, 1, NOW, timezone="Europe/Berlin", digest_at=8 * 60)
        first = await add_article(session, "One", topics=[space, ai])
        second = await add_article(session, "Two", topics=[space])
    await fan_out(db, first, EVENING)
    await fan_out(db, second, EVENING)
    async with db.write() as session:
        schedule = await update_schedule(session, 1, EVENING, digest_at=18 * 60)
        assert schedule.digest_at == 18 * 60 and schedule.timezone == "Europe/Berlin"
    evening_digest = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)  # 18:00 Berlin tomorrow
    assert {row[2] for row in (await rows(db, first)).values()} == {evening_digest}
    async with db.read() as session:
        held = list(await session.scalars(select(Delivery.id).order_by(Delivery.id)))
        # Listed under the first followed topic by name: "One" under AI, "Two" under Space.
        assert await digest_headings(session, held) == {first: "AI", second: "Space"}
    async with db.write() as session:
        await update_schedule(session, 1, EVENING, digest_at=None)  # off: what waits goes now
    assert {row[2] for row in (await rows(db, second)).values()} == {EVENING}
    async with db.read() as session:
        assert [head.held for head in await due_heads(session, EVENING, limit=5)] == [True]


async def test_burst_rows_have_no_headings(db: Database) -> None:
    async with db.write() as session:
        ai = await add_topic(session, "AI")
        await add_chat(session, 1)
        await add_subscription(session, 1, ai)
        article = await add_article(session, "One", topics=[ai])
    await fan_out(db, article, EVENING)
    async with db.read() as session:
        ids = list(await session.scalars(select(Delivery.id)))
        assert await digest_headings(session, ids) is None
        assert await digest_headings(session, []) is None


async def test_filters_are_per_destination_limited_and_forgotten_with_the_chat(db: Database) -> None:
    async with db.write() as session:
        await add_chat(session, 1)
        for n in range(20):
            assert await add_filter(session, (1, 0), "exclude", f"term {n}", NOW) is Added.ADDED
        assert await add_filter(session, (1, 0), "exclude", "term 3", NOW) is Added.ALREADY
        assert await add_filter(session, (1, 0), "include", "one more", NOW) is Added.FULL
        assert await add_filter(session, (1, 7), "include", "one more", NOW) is Added.ADDED  # a forum thread
        assert len(await list_filters(session, (1, 0))) == 20
        assert await remove_filter(session, (1, 0), "exclude", "term 3")
        assert not await remove_filter(session, (1, 0), "exclude", "term 3")
        assert (await list_filters(session, (1, 7))).include == ("one more",)
        await update_schedule(session, 1, NOW, timezone="+02:00", quiet_mode="silent")
        assert (await get_schedule(session, 1)).quiet_mode == "silent"
        await forget_chat(session, 1)
        assert await session.scalar(select(func.count()).select_from(ChatFilter)) == 0
        assert (await get_schedule(session, 1)).timezone is None
