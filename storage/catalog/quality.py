"""Quality on any scale: each article's place among the rated articles of each of its topics.

Sites score ``quality`` on scales of their own (0–100 on one, 0–189 on another), so a threshold on the raw
number would mean something else on every site. What a reader chooses is a share of each topic instead:
all, the top half, or the top quarter. An article's **rank** in a topic is the percentage of the topic's
rated live articles (itself included) whose quality is at most its own, rounded down: 100 for the best, 50
or more for the top half, 75 or more for the top quarter. It is computed from the store's own distribution
when the article is stored (and again when its file changes), so the choice a push was made under does not
move afterwards. An article without ``quality`` has no rank and reaches every reader.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.models import Article, ArticleTopic, table

CHUNK = 500  # topic ids per query: well within every database's limit of bound parameters


def quality_rank(sorted_qualities: Sequence[int], quality: int) -> int:
    """The rank of ``quality`` among ``sorted_qualities`` (which include it): 0–100, higher is better."""
    if not sorted_qualities:
        return 100
    return 100 * bisect_right(sorted_qualities, quality) // len(sorted_qualities)


async def rank_articles(session: AsyncSession, article_ids: Sequence[int]) -> None:
    """Store the rank of each of ``article_ids`` in each of its topics (call once their rows are written)."""
    if not article_ids:
        return
    pairs = (
        await session.execute(
            select(ArticleTopic.article_id, ArticleTopic.topic_id, Article.quality)
            .join(Article, Article.id == ArticleTopic.article_id)
            .where(ArticleTopic.article_id.in_(article_ids), Article.quality.is_not(None))
        )
    ).all()
    if not pairs:
        return
    topic_ids = sorted({topic_id for _, topic_id, _ in pairs})
    qualities: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(topic_ids), CHUNK):
        rows = await session.execute(
            select(ArticleTopic.topic_id, Article.quality)
            .join(Article, Article.id == ArticleTopic.article_id)
            .where(
                ArticleTopic.topic_id.in_(topic_ids[start : start + CHUNK]),
                Article.quality.is_not(None),
                Article.withdrawn_at.is_(None),
            )
        )
        for topic_id, quality in rows:
            if quality is not None:  # filtered in the query; said again for the type checker
                qualities[topic_id].append(quality)
    for values in qualities.values():
        values.sort()
    rows_table = table(ArticleTopic)
    await session.execute(
        update(rows_table)
        .where(
            rows_table.c.article_id == bindparam("ranked_article"),
            rows_table.c.topic_id == bindparam("ranked_topic"),
        )
        .values(quality_rank=bindparam("rank")),
        [
            {
                "ranked_article": article_id,
                "ranked_topic": topic_id,
                "rank": quality_rank(qualities[topic_id], quality),
            }
            for article_id, topic_id, quality in pairs
            if quality is not None
        ],
    )
