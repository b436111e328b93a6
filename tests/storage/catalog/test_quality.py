"""Quality on any scale: ranks within each topic from the store's own distribution, and readers' shares of
each topic at fan-out and at the last check."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, select

from storage.catalog.quality import quality_rank, rank_articles
from storage.catalog.sync import ContentSync
from storage.db.database import Database
from storage.db.models import Article, ArticleTopic, Delivery, FanoutJob, Topic
from storage.delivery.fanout import expand_batch
from storage.delivery.ledger import check_many
from tests.articles import article_text
from tests.storage.factories import NOW, add_article, add_chat, add_preferences, add_subscription, add_topic


@pytest.mark.parametrize(
    ("qualities", "quality", "rank"),
    [
        ([10, 20, 30, 40], 40, 100),
        ([10, 20, 30, 40], 30, 75),
        ([10, 20, 30, 40], 20, 50),
        ([10, 20, 30, 40], 10, 25),
        ([72, 72, 72, 72], 72, 100),  # all alike: none is worse than the others
        ([189], 189, 100),  # the first rated article of a topic
    ],
)
def test_rank_is_the_share_of_the_topic_at_most_as_good(
    qualities: list[int], quality: int, rank: int
) -> None:
    assert quality_rank(qualities, quality) == rank


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=200))
def test_ranks_keep_the_order_of_qualities_whatever_the_scale(qualities: list[int]) -> None:
    ordered = sorted(qualities)
    ranks = [quality_rank(ordered, q) for q in ordered]
    assert ranks == sorted(ranks) and ranks[-1] == 100 and all(0 < r <= 100 for r in ranks)
    scaled = sorted(q * 7 + 3 for q in qualities)  # another site's scale: the same ranks
    assert [quality_rank(scaled, q * 7 + 3) for q in ordered] == ranks


async def test_the_sync_ranks_each_article_in_each_of_its_topics(db: Database, tmp_path: Path) -> None:
    for n, (quality, topics) in enumerate(
        [(10, ["AI"]), (120, ["AI", "Space"]), (189, ["AI"]), (None, ["AI"])]
    ):
        text = article_text(title=f"A{n}", url=f"https://example.com/{n}", topics=topics, quality=quality)
        (tmp_path / f"{n}.md").write_text(text, encoding="utf-8")
    await ContentSync(db, tmp_path, clock=lambda: NOW).sync()
    async with db.read() as session:
        found = await session.execute(
            select(Article.title, Topic.name, ArticleTopic.quality_rank)
            .join(ArticleTopic, ArticleTopic.article_id == Article.id)
            .join(Topic, Topic.id == ArticleTopic.topic_id)
        )
        ranks = {(title, topic): rank for title, topic, rank in found}
    assert ranks == {
        ("A0", "AI"): 33,
        ("A1", "AI"): 66,
        ("A1", "Space"): 100,
        ("A2", "AI"): 100,
        ("A3", "AI"): None,  # no quality: no rank, reaches everyone
    }


async def test_readers_get_their_share_of_each_topic_they_follow(db: Database) -> None:
    """Chat 1 wants every article, 2 the top half, 3 the top quarter; on a 0–189 scale."""
    async with db.write() as session:
        ai = await add_topic(session, "AI")
        articles = {q: await add_article(session, f"Q{q}", topics=[ai], quality=q) for q in (5, 60, 100, 189)}
        unrated = await add_article(session, "unrated", topics=[ai])
        await rank_articles(session, [*articles.values(), unrated])
        for chat_id, share in ((1, 0), (2, 50), (3, 75)):
            await add_chat(session, chat_id)
            await add_subscription(session, chat_id, ai)
            await add_preferences(session, chat_id, min_quality=share)
    got: dict[int, set[str]] = {1: set(), 2: set(), 3: set()}
    now = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
    for title, article_id in [*((f"Q{q}", a) for q, a in articles.items()), ("unrated", unrated)]:
        async with db.write() as session:
            await session.execute(insert(FanoutJob).values(article_id=article_id, created_at=now, due_at=now))
            await expand_batch(session, article_id, now, batch=10, max_age=None)
        async with db.read() as session:
            delivered = await session.execute(
                select(Delivery.id, Delivery.chat_id).where(Delivery.article_id == article_id)
            )
            pairs = list(delivered)
            checked = await check_many(session, [d for d, _ in pairs])
        for delivery_id, chat_id in pairs:
            assert delivery_id in checked  # what fan-out let through, the last check lets through too
            got[chat_id].add(title)
    assert got == {
        1: {"Q5", "Q60", "Q100", "Q189", "unrated"},
        2: {"Q60", "Q100", "Q189", "unrated"},  # ranks 50, 75, 100
        3: {"Q100", "Q189", "unrated"},  # ranks 75, 100
    }


async def test_the_last_check_holds_back_a_row_below_the_chat_s_new_share(db: Database) -> None:
    async with db.write() as session:
        ai = await add_topic(session, "AI")
        low = await add_article(session, "low", topics=[ai], quality=1)
        await add_article(session, "high", topics=[ai], quality=99)
        await rank_articles(session, [low])
        await add_chat(session, 7)
        await add_subscription(session, 7, ai)
        await add_preferences(session, 7, min_quality=75)
        await session.execute(
            insert(Delivery).values(
                article_id=low,
                chat_id=7,
                thread_id=0,
                status="pending",
                attempts=0,
                due_at=NOW,
                created_at=NOW,
            )
        )
    async with db.read() as session:
        delivery_id = await session.scalar(select(Delivery.id))
        assert delivery_id is not None
        assert await check_many(session, [delivery_id]) == {}
