"""The rows an article becomes: the article itself, its topics, images and related links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.catalog.quality import QualityRanks
from storage.catalog.topic_index import TopicIndex
from storage.content.article import ArticleDoc
from storage.db.models import ArticleImage, ArticleTopic, RelatedLinkRow, table


def article_row(doc: ArticleDoc, now: datetime) -> dict[str, Any]:
    provider = doc.provider
    logo = provider.images[0] if provider and provider.images else None
    return {
        "url_key": doc.url_key,
        "web_url": doc.web_url,
        "original_url": doc.original_url,
        "player_url": doc.player_url,
        "title": doc.title,
        "excerpt": doc.excerpt,
        "category": doc.category,
        "type": doc.type,
        "amp_web_url": doc.amp_web_url,
        "cdn_amp_web_url": doc.cdn_amp_web_url,
        "quality": doc.quality,
        "heat": doc.heat,
        "published_flag": doc.published,
        "provider_name": provider.name if provider else None,
        "provider_domain": provider.domain if provider else None,
        "provider_logo_url": logo.url if logo else None,
        "provider_logo_width": logo.width if logo else None,
        "provider_logo_height": logo.height if logo else None,
        "published_at": doc.published_at,
        "secured": doc.secured,
        "body": doc.body,
        "extra": doc.extra,
        "updated_at": now,
        "withdrawn_at": None,
    }


async def replace_children(
    session: AsyncSession,
    live: dict[str, int],
    docs: dict[str, ArticleDoc],
    index: TopicIndex,
    ranks: QualityRanks,
) -> None:
    """Replace the topics, images and related links of the articles in ``live`` (path -> article id), and
    rank the articles' quality in their topics."""
    ids = sorted(set(live.values()))
    if not ids:
        return
    old_topics = await session.execute(select(ArticleTopic.topic_id).where(ArticleTopic.article_id.in_(ids)))
    index.touched.update(old_topics.scalars())
    # What Telegram taught us about an image (its file id, or that it refuses it) outlives an edit.
    known_images = {
        (article_id, url): (file_id, failed)
        for article_id, url, file_id, failed in await session.execute(
            select(
                ArticleImage.article_id,
                ArticleImage.url,
                ArticleImage.telegram_file_id,
                ArticleImage.failed_reason,
            ).where(
                ArticleImage.article_id.in_(ids),
                (ArticleImage.telegram_file_id.is_not(None)) | (ArticleImage.failed_reason.is_not(None)),
            )
        )
    }
    for model in (ArticleTopic, ArticleImage, RelatedLinkRow):
        await session.execute(delete(model).where(model.article_id.in_(ids)))
    topic_rows: list[dict[str, Any]] = []
    image_rows: list[dict[str, Any]] = []
    related_rows: list[dict[str, Any]] = []
    for path, article_id in live.items():
        doc = docs[path]
        for topic_id, label in await index.ids_for(session, doc.topics):
            topic_rows.append(
                {
                    "article_id": article_id,
                    "topic_id": topic_id,
                    "label": label,
                    "published_at": doc.published_at,
                }
            )
        for position, image in enumerate(doc.preview_images):
            image_rows.append(
                {
                    "article_id": article_id,
                    "position": position,
                    "url": image.url,
                    "width": image.width,
                    "height": image.height,
                    "is_cached": image.is_cached,
                    "extra": image.extra,
                    "telegram_file_id": known_images.get((article_id, image.url), (None, None))[0],
                    "failed_reason": known_images.get((article_id, image.url), (None, None))[1],
                }
            )
        for position, link in enumerate(doc.related):
            related_rows.append(
                {
                    "article_id": article_id,
                    "position": position,
                    "web_url": link.web_url,
                    "title": link.title,
                    "excerpt": link.excerpt,
                    "published_at": link.published_at,
                    "amp_web_url": link.amp_web_url,
                    "cdn_amp_web_url": link.cdn_amp_web_url,
                    "type": link.type,
                    "provider_name": link.provider.name if link.provider else None,
                    "provider_domain": link.provider.domain if link.provider else None,
                    "quality": link.quality,
                    "image_url": link.images[0].url if link.images else None,
                }
            )
    for model, rows in (
        (ArticleTopic, topic_rows),
        (ArticleImage, image_rows),
        (RelatedLinkRow, related_rows),
    ):
        if rows:
            await session.execute(insert(table(model)), rows)
    await ranks.rank(session, ids)
