"""Topics in the database: ids by key, aliases, and display names that stay stable from run to run."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.content.topics import TopicCatalog, topic_key
from storage.db.models import Article, ArticleTopic, Topic, TopicAlias


class TopicIndex:
    """Resolves topic spellings to topic ids, creating topics on first use, within one sync."""

    def __init__(self, catalog: TopicCatalog) -> None:
        self.catalog = catalog
        self._ids: dict[str, int] = {}
        self._aliases: dict[str, str] = {}
        self.touched: set[int] = set()

    async def load(self, session: AsyncSession) -> None:
        rows = await session.execute(select(Topic.key, Topic.id))
        self._ids = {key: topic_id for key, topic_id in rows}
        self._aliases = {}
        for entry in self.catalog.entries:
            canonical = topic_key(entry.name)
            for alias in entry.aliases:
                self._aliases[topic_key(alias)] = canonical

    def canonical_key(self, name: str) -> str:
        key = topic_key(name)
        return self._aliases.get(key, key)

    async def ids_for(self, session: AsyncSession, names: Iterable[str]) -> list[tuple[int, str]]:
        """(topic id, spelling used) for each distinct topic among ``names``, creating new topics."""
        result: list[tuple[int, str]] = []
        seen: set[int] = set()
        for name in names:
            key = self.canonical_key(name)
            topic_id = self._ids.get(key)
            if topic_id is None:
                topic_id = await session.scalar(
                    insert(Topic).values(key=key, name=name, description=None).returning(Topic.id)
                )
                assert topic_id is not None
                self._ids[key] = topic_id
            if topic_id not in seen:
                seen.add(topic_id)
                result.append((topic_id, name))
                self.touched.add(topic_id)
        return result

    async def apply_catalog(self, session: AsyncSession) -> None:
        """Make the database's topics and aliases match ``topics.yaml``."""
        for entry in self.catalog.entries:
            key = topic_key(entry.name)
            topic_id = self._ids.get(key)
            if topic_id is None:
                topic_id = await session.scalar(
                    insert(Topic)
                    .values(key=key, name=entry.name, description=entry.description)
                    .returning(Topic.id)
                )
                assert topic_id is not None
                self._ids[key] = topic_id
            else:
                await session.execute(
                    update(Topic)
                    .where(Topic.id == topic_id)
                    .values(name=entry.name, description=entry.description)
                )
        await session.execute(delete(TopicAlias))
        alias_rows = [
            {"alias_key": alias_key, "topic_id": self._ids[canonical]}
            for alias_key, canonical in self._aliases.items()
            if canonical in self._ids and alias_key != canonical
        ]
        if alias_rows:
            await session.execute(insert(TopicAlias), alias_rows)

    async def refresh_names(self, session: AsyncSession) -> None:
        """Name each touched topic after its earliest-published article, unless the catalog names it."""
        named = {topic_key(entry.name) for entry in self.catalog.entries}
        for topic_id in sorted(self.touched):
            key = await session.scalar(select(Topic.key).where(Topic.id == topic_id))
            if key is None or key in named:
                continue
            label = await session.scalar(
                select(ArticleTopic.label)
                .join(Article, Article.id == ArticleTopic.article_id)
                .where(ArticleTopic.topic_id == topic_id)
                .order_by(Article.published_at, Article.url_key)
                .limit(1)
            )
            if label is not None:
                await session.execute(update(Topic).where(Topic.id == topic_id).values(name=label))
        self.touched.clear()
