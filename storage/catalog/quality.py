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

from bisect import bisect_right, insort
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


class QualityRanks:
    """Ranks articles as one sync stores them, keeping each topic's sorted qualities between its batches.

    A topic's qualities are read from the database once per sync, when an article of it is first ranked;
    later batches add their articles' qualities to the list instead of reading it again (a sync of 100,000
    files would otherwise read a large topic's qualities once per batch). An article whose quality changed
    counts with its old value too until the next sync: a rank can be off by a fraction of a percent.
    """

    def __init__(self) -> None:
        self._sorted: dict[int, list[int]] = {}

    async def rank(self, session: AsyncSession, article_ids: Sequence[int]) -> None:
        """Store the rank of each of ``article_ids`` in each of its topics; call once their rows are written."""
        if not article_ids:
            return
        found = await session.execute(
            select(ArticleTopic.article_id, ArticleTopic.topic_id, Article.quality)
            .join(Article, Article.id == ArticleTopic.article_id)
            .where(ArticleTopic.article_id.in_(article_ids), Article.quality.is_not(None))
        )
        pairs = [
            (article_id, topic_id, quality) for article_id, topic_id, quality in found if quality is not None
        ]
        if not pairs:
            return
        known = set(self._sorted)
        await self._load(session, sorted({topic_id for _, topic_id, _ in pairs} - known))
        for _, topic_id, quality in pairs:
            if topic_id in known:  # a topic loaded before this batch does not hold its articles yet
                insort(self._sorted[topic_id], quality)
        rows = table(ArticleTopic)
        await session.execute(
            update(rows)
            .where(
                rows.c.article_id == bindparam("ranked_article"), rows.c.topic_id == bindparam("ranked_topic")
            )
            .values(quality_rank=bindparam("rank")),
            [
                {
                    "ranked_article": article_id,
                    "ranked_topic": topic_id,
                    "rank": quality_rank(self._sorted[topic_id], quality),
                }
                for article_id, topic_id, quality in pairs
            ],
        )

    async def _load(self, session: AsyncSession, topic_ids: Sequence[int]) -> None:
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
        for topic_id in topic_ids:
            self._sorted[topic_id] = sorted(qualities[topic_id])


async def rank_articles(session: AsyncSession, article_ids: Sequence[int]) -> None:
    """Rank ``article_ids`` against the store as it is now (outside a sync)."""
    await QualityRanks().rank(session, article_ids)
