"""What a push shows of an article: its card's fields, a digest's lines, and its image as Telegram knows it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.content.videos import is_video
from storage.db.models import Article, ArticleImage, ArticleTopic, RelatedLinkRow, Topic
from storage.records import DigestItem, PushArticle, RelatedSummary, TopicRef


async def load_push_article(session: AsyncSession, article_id: int) -> PushArticle | None:
    article = await session.get(Article, article_id)
    if article is None:
        return None
    topics = await session.execute(
        select(Topic.id, Topic.name)
        .join(ArticleTopic, ArticleTopic.topic_id == Topic.id)
        .where(ArticleTopic.article_id == article_id)
        .order_by(Topic.key)
    )
    related = await session.execute(
        select(RelatedLinkRow.web_url, RelatedLinkRow.title, RelatedLinkRow.provider_name)
        .where(RelatedLinkRow.article_id == article_id)
        .order_by(RelatedLinkRow.position)
    )
    image = (
        await session.execute(
            select(ArticleImage.url, ArticleImage.telegram_file_id)
            .where(ArticleImage.article_id == article_id, ArticleImage.failed_reason.is_(None))
            .order_by(ArticleImage.position)
            .limit(1)
        )
    ).first()
    return PushArticle(
        id=article.id,
        title=article.title,
        web_url=article.web_url,
        excerpt=article.excerpt,
        provider_name=article.provider_name,
        published_at=article.published_at,
        quality=article.quality,
        topics=tuple(TopicRef(topic_id, name) for topic_id, name in topics),
        related=tuple(RelatedSummary(url, title, provider) for url, title, provider in related),
        image_url=image[0] if image else None,
        image_file_id=image[1] if image else None,
        video=is_video(article.type, article.player_url),
    )


async def digest_items(session: AsyncSession, article_ids: Sequence[int]) -> list[DigestItem]:
    rows = await session.execute(
        select(Article.id, Article.title, Article.web_url, Article.provider_name, Article.published_at)
        .where(Article.id.in_(article_ids))
        .order_by(Article.published_at, Article.id)
    )
    return [DigestItem(*row) for row in rows]


async def remember_file_id(session: AsyncSession, article_id: int, url: str, file_id: str) -> None:
    await session.execute(
        update(ArticleImage)
        .where(and_(ArticleImage.article_id == article_id, ArticleImage.url == url))
        .values(telegram_file_id=file_id)
    )


async def remember_image_failure(session: AsyncSession, article_id: int, url: str, reason: str) -> None:
    await session.execute(
        update(ArticleImage)
        .where(and_(ArticleImage.article_id == article_id, ArticleImage.url == url))
        .values(failed_reason=reason)
    )
