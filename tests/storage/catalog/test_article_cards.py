"""Inline mode's reads: the newest live articles of every topic, and a page of articles with the first
working image and the topics of each."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.catalog.article_cards import article_cards
from storage.catalog.listings import latest_articles, newest_articles
from storage.db.database import Database
from storage.db.models import ArticleImage
from storage.records import ArticleSummary, TopicRef
from tests.storage.factories import HOUR, NOW, add_article, add_topic


async def add_image(
    session: AsyncSession, article_id: int, position: int, url: str, *, failed: str | None = None
) -> None:
    await session.execute(
        insert(ArticleImage).values(
            article_id=article_id, position=position, url=url, extra={}, failed_reason=failed
        )
    )


async def test_newest_of_every_topic_newest_first_live_and_published_only(db: Database) -> None:
    async with db.write() as session:
        ai, space = await add_topic(session, "AI"), await add_topic(session, "Space")
        await add_article(session, "old", topics=[ai], published_at=NOW - 3 * HOUR)
        await add_article(session, "new", topics=[space], published_at=NOW - HOUR)
        await add_article(session, "untagged", published_at=NOW - 2 * HOUR)
        await add_article(session, "both", topics=[ai, space], published_at=NOW - 1.5 * HOUR)
        await add_article(session, "withdrawn", topics=[ai], published_at=NOW - HOUR, withdrawn=True)
        await add_article(session, "scheduled", topics=[ai], published_at=NOW + HOUR)
    async with db.read() as session:
        everything = await newest_articles(session, NOW, limit=10)
        two = await newest_articles(session, NOW, limit=2)
        later = await newest_articles(session, NOW + 2 * HOUR, limit=1)
        none = await newest_articles(session, NOW, limit=0)
        negative = await newest_articles(session, NOW, limit=-5)
    assert [a.title for a in everything] == ["new", "both", "untagged", "old"]  # "both" once
    assert [a.title for a in two] == ["new", "both"]
    assert [a.title for a in later] == ["scheduled"]
    assert none == negative == []


async def test_newest_ties_go_to_the_newest_id_as_in_a_topic(db: Database) -> None:
    async with db.write() as session:
        ai = await add_topic(session, "AI")
        ids = [await add_article(session, f"same {n}", topics=[ai]) for n in range(3)]
    async with db.read() as session:
        newest = await newest_articles(session, NOW, limit=3)
        of_topic = await latest_articles(session, NOW, limit=3, topic_id=ai)
    assert [a.id for a in newest] == [a.id for a in of_topic] == ids[::-1]


async def test_newest_of_an_empty_store(db: Database) -> None:
    async with db.read() as session:
        assert await newest_articles(session, NOW, limit=20) == []


async def test_cards_keep_the_order_given_with_each_articles_own_image_and_topics(db: Database) -> None:
    async with db.write() as session:
        zebra = await add_topic(session, "Zebra")
        alpha = await add_topic(session, "alpha")
        middle = await add_topic(session, "Middle")
        unrelated = await add_topic(session, "Unrelated")
        first = await add_article(session, "first", topics=[zebra, alpha, middle])
        second = await add_article(session, "second", topics=[middle])
        other = await add_article(session, "other", topics=[unrelated])
        await add_image(session, first, 2, "https://images.example.com/first-2.jpg")
        await add_image(session, first, 1, "https://images.example.com/first-1.jpg")
        await add_image(session, second, 0, "https://images.example.com/refused.jpg", failed="too big")
        await add_image(session, second, 1, "https://images.example.com/second.jpg")
        await add_image(session, other, 0, "https://images.example.com/other.jpg")
    async with db.read() as session:
        listed = await latest_articles(session, NOW, limit=10, topic_id=middle)
        page = listed[::-1]  # not the order of the ids: the order given is kept
        cards = await article_cards(session, page)
    assert [card.article for card in cards] == page
    by_title = {card.article.title: card for card in cards}
    assert set(by_title) == {"first", "second"}
    assert by_title["first"].image_url == "https://images.example.com/first-1.jpg"  # the lowest position
    assert by_title["second"].image_url == "https://images.example.com/second.jpg"  # the failed one skipped
    # In key order (case does not count), and only the article's own.
    assert by_title["first"].topics == (
        TopicRef(alpha, "alpha"),
        TopicRef(middle, "Middle"),
        TopicRef(zebra, "Zebra"),
    )
    assert by_title["second"].topics == (TopicRef(middle, "Middle"),)


async def test_a_card_without_image_or_topics(db: Database) -> None:
    async with db.write() as session:
        bare = await add_article(session, "bare")
        refused = await add_article(session, "refused")
        await add_image(session, refused, 0, "https://images.example.com/x.jpg", failed="wrong type")
    async with db.read() as session:
        cards = await article_cards(session, await newest_articles(session, NOW, limit=5))
    assert {card.article.id for card in cards} == {bare, refused}
    assert all(card.image_url is None and card.topics == () for card in cards)


async def test_no_articles_no_cards(db: Database) -> None:
    async with db.read() as session:
        assert await article_cards(session, []) == []
        # An article the page names but the store no longer has: listed as given, with nothing added.
        gone = ArticleSummary(10**9, "gone", "https://example.com/gone", None, None, NOW, None)
        [card] = await article_cards(session, [gone])
    assert (card.article, card.image_url, card.topics) == (gone, None, ())
