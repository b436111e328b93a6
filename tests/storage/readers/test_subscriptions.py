"""Topics as readers browse them (paging, counts, lookup by name) and following or unfollowing them."""

from __future__ import annotations

import random
from datetime import datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.catalog.topic_directory import load_directory
from storage.db.database import Database
from storage.readers.subscriptions import (
    followed_topic_ids,
    followed_topics,
    subscribe,
    toggle_subscription,
    unsubscribe,
)
from storage.records import TopicChoice, TopicLookup, TopicSummary
from tests.storage.factories import (
    HOUR,
    NOW,
    add_article,
    add_chat,
    add_subscription,
    add_topic,
)


async def seed_catalogue(db: Database) -> dict[str, int]:
    """Topics in every state a listing must tell apart; chat 1 follows "Quiet" in no thread."""
    async with db.write() as session:
        ids = {
            name: await add_topic(session, name)
            for name in ("beta", "Alpha", "gamma", "Delta", "Quiet", "Hidden", "Scheduled")
        }
        ids["Space"] = await add_topic(session, "Space", description="Rockets and telescopes.")
        await add_article(session, topics=[ids["Alpha"], ids["beta"]])
        await add_article(session, topics=[ids["Alpha"]], published_at=NOW - 2 * HOUR)
        await add_article(session, topics=[ids["Alpha"]], withdrawn=True)
        await add_article(session, topics=[ids["Alpha"]], published_at=NOW + HOUR)
        await add_article(session, topics=[ids["gamma"], ids["Delta"]])
        await add_article(session, topics=[ids["Hidden"]], withdrawn=True)
        await add_article(session, topics=[ids["Scheduled"]], published_at=NOW + HOUR)
        await add_chat(session, 1)
        await add_subscription(session, 1, ids["Quiet"])
        await add_subscription(session, 1, ids["gamma"], thread_id=9)
    return ids


async def list_topic_choices(
    session: AsyncSession, chat_id: int, *, offset: int, limit: int, thread_id: int = 0, now: datetime
) -> tuple[list[TopicChoice], int]:
    """One /topics page of a destination, as the handler builds it."""
    followed = await followed_topic_ids(session, chat_id, thread_id)
    topics, total = (await load_directory(session, now)).page(followed, offset, limit)
    return [TopicChoice(topic, topic.id in followed) for topic in topics], total


async def resolve_topics(session: AsyncSession, names: list[str], now: datetime) -> TopicLookup:
    return (await load_directory(session, now)).resolve(names)


async def mine(session: AsyncSession, chat_id: int, thread_id: int = 0) -> list[TopicSummary]:
    return await followed_topics(session, await load_directory(session, NOW), chat_id, thread_id)


def names_and_counts(topics: list[TopicSummary]) -> list[tuple[str, int]]:
    return [(topic.name, topic.article_count) for topic in topics]


async def test_topic_pages_are_in_name_order_with_live_published_counts(db: Database) -> None:
    await seed_catalogue(db)
    async with db.read() as session:
        first, total = await list_topic_choices(session, 1, offset=0, limit=3, now=NOW)
        second, _ = await list_topic_choices(session, 1, offset=3, limit=3, now=NOW)
        beyond, total_beyond = await list_topic_choices(session, 1, offset=30, limit=3, now=NOW)
    # Hidden (only withdrawn) and Scheduled (only future) are left out; Quiet is followed; Space is described.
    assert total == total_beyond == 6
    assert [(c.topic.name, c.topic.article_count, c.subscribed) for c in first + second] == [
        ("Alpha", 2, False),
        ("beta", 1, False),
        ("Delta", 1, False),
        ("gamma", 1, False),
        ("Quiet", 0, True),
        ("Space", 0, False),
    ]
    assert beyond == []


async def test_topic_choices_mark_what_the_thread_follows(db: Database) -> None:
    ids = await seed_catalogue(db)
    async with db.read() as session:
        choices, total = await list_topic_choices(session, 1, offset=0, limit=10, thread_id=9, now=NOW)
    assert total == 5  # Quiet is followed outside this thread only
    assert {c.topic.id for c in choices if c.subscribed} == {ids["gamma"]}


async def test_topic_choices_count_articles_once_they_are_published(db: Database) -> None:
    await seed_catalogue(db)
    async with db.read() as session:
        choices, total = await list_topic_choices(session, 2, offset=0, limit=10, now=NOW + 2 * HOUR)
    counts = {c.topic.name: c.topic.article_count for c in choices}
    assert total == 6
    assert counts["Alpha"] == 3
    assert counts["Scheduled"] == 1
    assert "Quiet" not in counts


async def test_negative_paging_is_rejected(db: Database) -> None:
    async with db.read() as session:
        with pytest.raises(ValueError, match="negative"):
            await list_topic_choices(session, 1, offset=-1, limit=5, now=NOW)


async def test_get_topic(db: Database) -> None:
    ids = await seed_catalogue(db)
    async with db.read() as session:
        directory = await load_directory(session, NOW)
    alpha = directory.get(ids["Alpha"])
    space = directory.get(ids["Space"])
    assert directory.get(12345) is None
    assert alpha == TopicSummary(ids["Alpha"], "alpha", "Alpha", None, 2)
    assert space == TopicSummary(ids["Space"], "space", "Space", "Rockets and telescopes.", 0)


async def seed_named_topics(db: Database) -> dict[str, int]:
    async with db.write() as session:
        ids = {
            "Machine Learning": await add_topic(session, "Machine Learning", aliases=["ML"]),
            "Computer Vision": await add_topic(session, "Computer Vision", aliases=["CV"]),
            "Climate": await add_topic(session, "Climate"),
            "Space": await add_topic(session, "Space"),
        }
        await add_article(session, topics=[ids["Machine Learning"], ids["Climate"]])
    return ids


async def test_resolve_ignores_case_and_spacing_and_follows_aliases(db: Database) -> None:
    ids = await seed_named_topics(db)
    async with db.read() as session:
        lookup = await resolve_topics(session, ["  computer   VISION ", "ml", "SPACE"], NOW)
    assert [(t.id, t.name, t.article_count) for t in lookup.found] == [
        (ids["Computer Vision"], "Computer Vision", 0),
        (ids["Machine Learning"], "Machine Learning", 1),
        (ids["Space"], "Space", 0),
    ]
    assert lookup.unknown == ()


async def test_resolve_lists_each_topic_once(db: Database) -> None:
    ids = await seed_named_topics(db)
    async with db.read() as session:
        lookup = await resolve_topics(session, ["ML", "machine learning", "Machine  Learning", "", "  "], NOW)
    assert [t.id for t in lookup.found] == [ids["Machine Learning"]]
    assert lookup.unknown == ()


async def test_resolve_suggests_close_names_and_aliases_for_typos(db: Database) -> None:
    await seed_named_topics(db)
    async with db.read() as session:
        lookup = await resolve_topics(
            session, ["Machine Lerning", "climat", "computer  visoin", "cvv", "Astrology", "climat"], NOW
        )
    assert lookup.found == ()
    assert lookup.unknown == (
        ("Machine Lerning", ("Machine Learning",)),
        ("climat", ("Climate",)),
        ("computer visoin", ("Computer Vision",)),
        ("cvv", ("Computer Vision",)),  # close to the alias "CV"
        ("Astrology", ()),
    )


async def test_resolve_offers_at_most_three_suggestions(db: Database) -> None:
    async with db.write() as session:
        for name in ("Space", "Spice", "Spaces", "Spade", "Spare"):
            await add_topic(session, name)
    async with db.read() as session:
        lookup = await resolve_topics(session, ["Spaec"], NOW)
    [(name, suggestions)] = lookup.unknown
    assert name == "Spaec"
    assert set(suggestions) == {"Space", "Spare", "Spade"}  # the closest three of five close names


async def test_resolve_found_and_unknown_together(db: Database) -> None:
    ids = await seed_named_topics(db)
    async with db.read() as session:
        lookup = await resolve_topics(session, ["Climate", "Spacee"], NOW)
    assert [t.id for t in lookup.found] == [ids["Climate"]]
    assert lookup.unknown == (("Spacee", ("Space",)),)


async def test_subscribe_returns_new_ids_and_is_idempotent(db: Database) -> None:
    ids = await seed_named_topics(db)
    ml, cv, climate = ids["Machine Learning"], ids["Computer Vision"], ids["Climate"]
    async with db.write() as session:
        await add_chat(session, 1)
        assert await subscribe(session, 1, [ml, cv, ml], NOW) == [ml, cv]
    async with db.write() as session:
        assert await subscribe(session, 1, [cv, climate, 999], NOW) == [climate]
        assert await subscribe(session, 1, [cv, climate], NOW) == []
        assert await subscribe(session, 1, [], NOW) == []
    async with db.read() as session:
        followed = await mine(session, 1)
    assert names_and_counts(followed) == [("Climate", 1), ("Computer Vision", 0), ("Machine Learning", 1)]


async def test_subscriptions_of_threads_are_separate(db: Database) -> None:
    ids = await seed_named_topics(db)
    async with db.write() as session:
        await add_chat(session, 1)
        assert await subscribe(session, 1, [ids["Space"]], NOW) == [ids["Space"]]
        assert await subscribe(session, 1, [ids["Space"]], NOW, thread_id=3) == [ids["Space"]]
        assert await unsubscribe(session, 1, None, thread_id=3) == [ids["Space"]]
        assert names_and_counts(await mine(session, 1)) == [("Space", 0)]
        assert await mine(session, 1, 3) == []


async def test_subscribe_needs_a_registered_chat(db: Database) -> None:
    ids = await seed_named_topics(db)
    with pytest.raises(IntegrityError):
        async with db.write() as session:
            await subscribe(session, 404, [ids["Space"]], NOW)


async def test_unsubscribe_some_or_all(db: Database) -> None:
    ids = await seed_named_topics(db)
    all_ids = list(ids.values())
    async with db.write() as session:
        await add_chat(session, 1)
        await add_chat(session, 2)
        await subscribe(session, 1, all_ids, NOW)
        await subscribe(session, 2, all_ids, NOW)
        assert await unsubscribe(session, 1, [ids["Space"], ids["Climate"], 999]) == [
            ids["Space"],
            ids["Climate"],
        ]
        assert await unsubscribe(session, 1, [ids["Space"]]) == []
        assert await unsubscribe(session, 1, []) == []
        assert await unsubscribe(session, 1, None) == sorted(
            [ids["Machine Learning"], ids["Computer Vision"]]
        )
        assert await unsubscribe(session, 1, None) == []
        assert await mine(session, 1) == []
        assert len(await mine(session, 2)) == 4


async def test_toggle_subscription(db: Database) -> None:
    ids = await seed_named_topics(db)
    async with db.write() as session:
        await add_chat(session, 1)
        assert await toggle_subscription(session, 1, ids["Space"], NOW) == (True, [ids["Space"]])
        assert [t.id for t in await mine(session, 1)] == [ids["Space"]]
        assert await toggle_subscription(session, 1, ids["Space"], NOW) == (False, [])
        assert await mine(session, 1) == []
        assert await toggle_subscription(session, 1, 999, NOW) == (False, [])


async def test_toggle_subscription_returns_what_the_destination_follows_afterwards(db: Database) -> None:
    ids = await seed_named_topics(db)
    topics = [*ids.values(), 999]
    rng = random.Random(7)
    async with db.write() as session:
        await add_chat(session, 1)
        await add_chat(session, 2)
        await add_subscription(session, 2, ids["Space"])
        for _ in range(40):
            topic, thread = rng.choice(topics), rng.choice([0, 5])
            following, followed = await toggle_subscription(session, 1, topic, NOW, thread)
            assert sorted(followed) == sorted(await followed_topic_ids(session, 1, thread))
            assert following == (topic in followed)
            assert len(followed) == len(set(followed))
        assert await followed_topic_ids(session, 2) == [ids["Space"]]
