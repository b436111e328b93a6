"""Article retention (``ARTICLE_RETENTION_DAYS``): which articles may go, deleting them, and what each leaves.

What may go: an article published before the cutoff that is withdrawn (no content file holds it), whose
fan-out job is finished (or it never had one) and that no correction is still working on. It goes once the
delivery ledger holds no row of it (storage/delivery/retention.py deletes its closed rows first, tallied), so
an article with a pending push or a push sent after the cutoff stays. Everything that hangs off it goes with
it: its topic links, images, related links, fan-out job and corrections, and its search index entries
(SQLite's FTS5 table by its delete trigger, PostgreSQL's GIN indexes with the row).

What stays: a hash of its URL key in ``pruned_urls``. Re-adding a file never makes an article new again
(storage/catalog/sync.py): when a file brings back a deleted one, the sync stores it again, and
``pruned_among`` tells it to give it no fan-out job, so it is never pushed again.

SQLite's full-text index (FTS5) forgets a deleted article only when it merges its segments down to the
oldest one, which its own merging rarely does: without help it kept every deleted article's entries and
grew by ~12 KB a day at 100 deletions a day in bench/article_retention.py. ``merge_search_index`` runs the
merge FTS5 documents for this (its ``merge`` command, the first step with a negative page count), one step
of at most ``pages`` pages per transaction, after each pass that deleted articles. PostgreSQL's indexes are
cleaned by vacuum.

Candidates are read in id order after a cursor, so articles that must wait (a recent push) never hold up the
rest. On PostgreSQL they are locked (``FOR UPDATE SKIP LOCKED``), as the sync locks the stored articles it is
about to change: an article a sync is restoring is skipped, and a sync that waited for a deletion finds the
article gone and its marker in place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import Insert, delete, exists, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.models import (
    Article,
    ArticleImage,
    ArticleTopic,
    ContentFile,
    Correction,
    Delivery,
    FanoutJob,
    PrunedUrl,
    RelatedLinkRow,
    table,
)

# Rows that hang off an article, deleted with it (content_files cannot: a file holding it keeps it).
HANGING = (ArticleTopic, ArticleImage, RelatedLinkRow, FanoutJob, Correction)
# FTS5 pages (4 KB) written per merge step: a few tens of milliseconds of SQLite's writer.
SEARCH_MERGE_PAGES = 500
# The full-text table of revision 0006 (SQLite); ``rank`` is the column FTS5 commands take their argument in.
MERGE = text("INSERT INTO articles_fts(articles_fts, rank) VALUES ('merge', :pages)")


def url_hash(url_key: str) -> int:
    """The marker of a URL key: the first 64 bits of its SHA-256, as a signed integer (a BIGINT)."""
    return int.from_bytes(hashlib.sha256(url_key.encode()).digest()[:8], "big", signed=True)


async def pruned_among(session: AsyncSession, url_keys: Iterable[str]) -> set[str]:
    """Those of ``url_keys`` whose article retention deleted: stored again, they are not new."""
    by_hash = {url_hash(key): key for key in url_keys}
    if not by_hash:
        return set()
    found = await session.scalars(select(PrunedUrl.url_hash).where(PrunedUrl.url_hash.in_(sorted(by_hash))))
    return {by_hash[value] for value in found}


async def prunable_articles(session: AsyncSession, cutoff: datetime, *, after: int, limit: int) -> list[int]:
    """Up to ``limit`` articles after id ``after`` that may go once the ledger holds nothing of them, by id."""
    correcting = select(Correction.article_id).where(Correction.finished_at.is_(None))
    found = await session.scalars(
        select(Article.id)
        .where(
            Article.id > after,
            Article.withdrawn_at.is_not(None),
            Article.published_at < cutoff,
            ~exists().where(ContentFile.article_id == Article.id),
            ~exists().where(FanoutJob.article_id == Article.id, FanoutJob.expanded_at.is_(None)),
            Article.id.not_in(correcting),
        )
        .order_by(Article.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one writer and no row locks
    )
    return list(found)


async def delete_articles(session: AsyncSession, article_ids: Collection[int]) -> int:
    """Delete those of ``article_ids`` (from ``prunable_articles``, in this transaction) that the ledger holds
    no row of, with everything hanging off them, and leave their markers; returns how many went."""
    if not article_ids:
        return 0
    rows = await session.execute(
        select(Article.id, Article.url_key).where(
            Article.id.in_(sorted(article_ids)), ~exists().where(Delivery.article_id == Article.id)
        )
    )
    gone = {article_id: url_key for article_id, url_key in rows}
    if not gone:
        return 0
    ids = sorted(gone)
    for model in HANGING:
        await session.execute(delete(model).where(model.article_id.in_(ids)))
    await session.execute(delete(Article).where(Article.id.in_(ids)))
    await _remember(session, gone.values())
    return len(ids)


async def _remember(session: AsyncSession, url_keys: Iterable[str]) -> None:
    """Markers for ``url_keys``; one already there (the article was deleted before) stays as it is."""
    rows = [{"url_hash": value} for value in sorted({url_hash(key) for key in url_keys})]
    statement: Insert
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(table(PrunedUrl)).values(rows).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(table(PrunedUrl)).values(rows).on_conflict_do_nothing()
    await session.execute(statement)


async def merge_search_index(session: AsyncSession, *, pages: int, first: bool) -> bool:
    """SQLite: one step of merging the full-text index into one segment, dropping the entries of deleted
    articles; ``first`` starts the merge (over every level). True while there is more to merge."""
    before = await session.scalar(select(func.total_changes()))
    await session.execute(MERGE, {"pages": -pages if first else pages})
    after = await session.scalar(select(func.total_changes()))
    # FTS5's own rule: a step that changed fewer than two rows found nothing to merge.
    return (after or 0) - (before or 0) >= 2
