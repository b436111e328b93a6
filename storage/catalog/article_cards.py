"""What a shared article card shows beyond an article list's entry: the first image and the topics.

Inline mode lists up to a page of articles at a time; their images and topics are read in two queries for
the whole page, not two per article.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.models import ArticleImage, ArticleTopic, Topic
from storage.records import ArticleCard, ArticleSummary, TopicRef


async def article_cards(session: AsyncSession, articles: Sequence[ArticleSummary]) -> list[ArticleCard]:
    """``articles`` in their order, each with its first working image and its topics."""
    ids = [article.id for article in articles]
    if not ids:
        return []
    images: dict[int, str] = {}
    image_rows = await session.execute(
        select(ArticleImage.article_id, ArticleImage.url)
        .where(ArticleImage.article_id.in_(ids), ArticleImage.failed_reason.is_(None))
        .order_by(ArticleImage.article_id, ArticleImage.position)
    )
    for article_id, url in image_rows:
        images.setdefault(article_id, url)
    topics: dict[int, list[TopicRef]] = {}
    topic_rows = await session.execute(
        select(ArticleTopic.article_id, Topic.id, Topic.name)
        .join(Topic, Topic.id == ArticleTopic.topic_id)
        .where(ArticleTopic.article_id.in_(ids))
        .order_by(ArticleTopic.article_id, Topic.key)
    )
    for article_id, topic_id, name in topic_rows:
        topics.setdefault(article_id, []).append(TopicRef(topic_id, name))
    return [
        ArticleCard(article, images.get(article.id), tuple(topics.get(article.id, ())))
        for article in articles
    ]
