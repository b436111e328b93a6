"""The in-memory topic directory: counts and names as the database has them, rebuilt exactly when needed."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from storage.catalog.sync import ContentSync
from storage.catalog.topic_directory import TopicDirectoryCache, bump_topics_version, load_directory
from storage.db.database import Database
from tests.articles import article_text
from tests.storage.factories import HOUR, NOW, add_article, add_topic

MINUTE = timedelta(minutes=1)


async def counts(cache: TopicDirectoryCache, db: Database, at: datetime = NOW) -> dict[str, int]:
    async with db.read() as session:
        directory = await cache.current(session, at)
    return {topic.name: topic.article_count for topic in directory.by_id.values()}


async def test_the_directory_is_built_once_while_nothing_changes(db: Database) -> None:
    async with db.write() as session:
        space = await add_topic(session, "Space")
        await add_article(session, topics=[space])
    cache = TopicDirectoryCache(db)
    for moment in (NOW, NOW + HOUR, NOW - 30 * MINUTE, NOW + 100 * HOUR):
        assert await counts(cache, db, moment) == {"Space": 1}
    assert cache.builds == 1


async def test_a_new_version_makes_every_process_rebuild(db: Database) -> None:
    async with db.write() as session:
        space = await add_topic(session, "Space")
    # Two processes on one database, reading the version on every use.
    first, second = TopicDirectoryCache(db, recheck_seconds=0), TopicDirectoryCache(db, recheck_seconds=0)
    assert await counts(first, db) == await counts(second, db) == {"Space": 0}
    async with db.write() as session:
        await add_article(session, topics=[space])
    assert await counts(first, db) == {"Space": 0}  # nothing said the store changed
    async with db.write() as session:
        await bump_topics_version(session)
    assert await counts(first, db) == await counts(second, db) == {"Space": 1}
    assert first.builds == second.builds == 2


async def test_a_scheduled_article_is_counted_once_its_time_comes(db: Database) -> None:
    async with db.write() as session:
        space = await add_topic(session, "Space")
        await add_article(session, topics=[space], published_at=NOW - HOUR)
        await add_article(session, topics=[space], published_at=NOW + HOUR)
    cache = TopicDirectoryCache(db)
    assert await counts(cache, db, NOW) == {"Space": 1}
    assert await counts(cache, db, NOW + HOUR - MINUTE) == {"Space": 1}
    assert cache.builds == 1
    assert await counts(cache, db, NOW + HOUR) == {"Space": 2}
    assert cache.builds == 2
    # Back before the first publication: the counts of that moment, not the newest ones.
    assert await counts(cache, db, NOW - 2 * HOUR) == {"Space": 0}


async def test_withdrawn_articles_are_not_counted(db: Database) -> None:
    async with db.write() as session:
        space, ai = await add_topic(session, "Space"), await add_topic(session, "AI")
        await add_article(session, topics=[space, ai])
        await add_article(session, topics=[space, ai], withdrawn=True)
        await add_article(session, topics=[ai], withdrawn=True)
    async with db.read() as session:
        directory = await load_directory(session, NOW)
    assert {t.name: t.article_count for t in directory.by_id.values()} == {"Space": 1, "AI": 1}


def write(folder: Path, name: str, topics: list[str], published: datetime = NOW - HOUR) -> None:
    (folder / name).write_text(
        article_text(url=f"https://example.com/{name}", topics=topics, published=published),
        encoding="utf-8",
    )


async def test_a_sync_bumps_the_version_when_articles_or_topics_yaml_change(
    db: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    sync = ContentSync(db, folder, display_prefix="content", clock=lambda: NOW)
    cache = TopicDirectoryCache(db, recheck_seconds=0)
    write(folder, "a.md", ["Space"])
    await sync.sync()
    assert await counts(cache, db) == {"Space": 1}

    await sync.sync()  # nothing changed: the directory stands
    assert await counts(cache, db) == {"Space": 1}
    assert cache.builds == 1

    write(folder, "b.md", ["Space", "AI"])
    await sync.sync()
    assert await counts(cache, db) == {"Space": 2, "AI": 1}

    (folder / "a.md").unlink()
    await sync.sync()
    assert await counts(cache, db) == {"Space": 1, "AI": 1}

    (folder / "topics.yaml").write_text("- name: Space\n  description: Rockets.\n  aliases: [Cosmos]\n")
    await sync.sync()
    async with db.read() as session:
        directory = await cache.current(session, NOW)
    [found] = directory.resolve(["cosmos"]).found
    assert (found.name, found.description, found.article_count) == ("Space", "Rockets.", 1)
    assert cache.builds == 4


async def test_followed_topics_are_paged_with_the_shown_ones_in_name_order(db: Database) -> None:
    async with db.write() as session:
        ids = {name: await add_topic(session, name) for name in ("b", "A", "c", "Quiet", "d")}
        for name in ("b", "A", "c", "d"):
            await add_article(session, topics=[ids[name]])
    async with db.read() as session:
        directory = await load_directory(session, NOW)
    page, total = directory.page([ids["Quiet"]], 2, 3)
    assert ([t.name for t in page], total) == (["c", "d", "Quiet"], 5)
    page, total = directory.page([], 2, 3)
    assert ([t.name for t in page], total) == (["c", "d"], 4)
    assert [t.name for t in directory.in_order([ids["Quiet"], ids["b"], 999])] == ["b", "Quiet"]


async def test_the_version_is_read_at_most_once_per_recheck_interval(db: Database) -> None:
    async with db.write() as session:
        space = await add_topic(session, "Space")
    seconds = [0.0]
    cache = TopicDirectoryCache(db, recheck_seconds=1.0, monotonic=lambda: seconds[0])
    assert await counts(cache, db) == {"Space": 0}
    async with db.write() as session:
        await add_article(session, topics=[space])
        await bump_topics_version(session)
    seconds[0] = 0.9
    assert await counts(cache, db) == {"Space": 0}  # another process's change, not read yet
    seconds[0] = 1.0
    assert await counts(cache, db) == {"Space": 1}
    async with db.write() as session:
        await add_article(session, topics=[space])
        await bump_topics_version(session)
    cache.expire()  # what the process that synced does
    assert await counts(cache, db) == {"Space": 2}
    assert cache.builds == 3
