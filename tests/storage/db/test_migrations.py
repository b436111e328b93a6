"""Alembic owns the schema: revisions keep data, adopt databases made before them, and match the models.

Runs on the test database (``database_url``: SQLite, or PostgreSQL with ``--database``). The data written at
revision 0001 goes through tables reflected from the database, never through ``storage.db.models``: the models
describe the newest revision, which may have columns 0001 lacks.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData, Table, event, func, insert, inspect, select, text
from sqlalchemy.engine import make_url

from bot.ops.config import ConfigError, Settings
from storage.catalog.listings import search_articles
from storage.db import schema
from storage.db.database import Database, displayed_url, normalize_database_url
from storage.db.models import Article, ArticleImage, Base, Chat, Delivery, Subscription, Topic, TopicAlias
from storage.db.schema import SchemaError, head_revision
from tests.storage.factories import NOW, add_article

ROOT = Path(__file__).resolve().parents[3]
LEGACY_FIXTURE = ROOT / "tests" / "data" / "legacy-0000.db"
STORED_NOW = NOW.replace(tzinfo=None)  # datetimes are stored as naive UTC
HOUR = timedelta(hours=1)
TOKEN = "123456:TEST-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

Rows = dict[str, list[dict[str, Any]]]


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The test's empty database, no schema yet."""
    db = Database(database_url)
    try:
        yield db
    finally:
        await db.close()


def reflect(connection: Connection) -> dict[str, Table]:
    metadata = MetaData()
    metadata.reflect(connection)
    return dict(metadata.tables)


async def write_0001_rows(db: Database) -> Rows:
    """A row or two in every table of revision 0001, written with the tables as the database has them."""
    rows: Rows = {}
    async with db.engine.begin() as connection:
        tables = await connection.run_sync(reflect)

        async def add(name: str, /, **values: Any) -> dict[str, Any]:
            table = tables[name]
            if "id" in table.c and "id" not in values:
                values["id"] = (
                    await connection.execute(insert(table).values(values).returning(table.c.id))
                ).scalar_one()
            else:
                await connection.execute(insert(table).values(values))
            rows.setdefault(name, []).append(values)
            return values

        await add("store_state", key="baseline_at", value="2026-11-27T12:00:00+00:00")
        ai = (await add("topics", key="ai", name="AI", description="Artificial intelligence"))["id"]
        space = (await add("topics", key="space", name="Space", description=None))["id"]
        await add("topic_aliases", alias_key="artificial intelligence", topic_id=ai)
        article = dict(
            web_url="https://example.com/rover",
            excerpt="The rover made it.",
            category="science",
            type="news",
            amp_web_url="https://example.com/amp/rover",
            cdn_amp_web_url=None,
            quality=70,
            heat=-1,
            published_flag=True,
            provider_name="Example News",
            provider_domain="example.com",
            published_at=STORED_NOW - HOUR,
            secured="opaque",
            body="Body text.",
            extra={"unknown": [1, "two"]},
            first_seen_at=STORED_NOW,
            updated_at=STORED_NOW,
            withdrawn_at=None,
        )
        rover = (await add("articles", **article, url_key="example.com/rover", title="Rover lands on Mars"))[
            "id"
        ]
        gone = (
            await add(
                "articles",
                **{**article, "withdrawn_at": STORED_NOW},
                url_key="example.com/gone",
                title="Withdrawn rover story",
            )
        )["id"]
        for article_id, topic_id in ((rover, space), (gone, space), (gone, ai)):
            await add(
                "article_topics",
                article_id=article_id,
                topic_id=topic_id,
                label="Space",
                published_at=STORED_NOW - HOUR,
            )
        await add(
            "article_images",
            article_id=rover,
            position=0,
            url="https://images.example.com/rover.jpg",
            width=1200,
            height=800,
            is_cached=True,
            extra={},
            telegram_file_id="AgAD-file",
            failed_reason=None,
        )
        await add(
            "related_links",
            article_id=rover,
            position=0,
            web_url="https://example.org/rover",
            title="How rovers land",
            excerpt=None,
            published_at=STORED_NOW - 5 * HOUR,
            amp_web_url=None,
            cdn_amp_web_url=None,
            type="explainer",
            provider_name="Example Org",
            provider_domain="example.org",
            quality=55,
            image_url=None,
        )
        await add(
            "content_files",
            path="space/rover.md",
            size=1234,
            mtime_ns=1_700_000_000_123_456_789,
            content_hash="ab" * 32,
            article_id=rover,
            last_error=None,
            seen_at=STORED_NOW,
        )
        await add(
            "fanout_jobs",
            article_id=rover,
            created_at=STORED_NOW,
            due_at=STORED_NOW,
            cursor=-(2**63),
            expanded_at=None,
        )
        for chat_id in (1001, -1001234567890):
            await add(
                "chats",
                id=chat_id,
                type="private" if chat_id > 0 else "supergroup",
                language_code="de",
                status="active",
                created_at=STORED_NOW,
                updated_at=STORED_NOW,
            )
        await add("chat_preferences", chat_id=1001, min_quality=50, image_previews=False, silent=True)
        await add("subscriptions", chat_id=1001, thread_id=0, topic_id=space, created_at=STORED_NOW)
        await add("subscriptions", chat_id=-1001234567890, thread_id=7, topic_id=ai, created_at=STORED_NOW)
        for chat_id, thread_id, status in ((1001, 0, "sent"), (-1001234567890, 7, "failed")):
            await add(
                "deliveries",
                article_id=rover,
                chat_id=chat_id,
                thread_id=thread_id,
                status=status,
                attempts=2,
                due_at=STORED_NOW,
                created_at=STORED_NOW,
                sent_at=STORED_NOW if status == "sent" else None,
                message_id=42 if status == "sent" else None,
                via_digest=False,
                error=None if status == "sent" else "Forbidden: bot was kicked",
            )
    return rows


async def read_rows(db: Database, expected: Rows) -> Rows:
    """The rows of every table in ``expected``, limited to the columns ``expected`` has."""
    found: Rows = {}
    async with db.engine.connect() as connection:
        tables = await connection.run_sync(reflect)
        for name, written in expected.items():
            columns = [tables[name].c[column] for column in written[0]]
            result = await connection.execute(select(*columns))
            found[name] = [dict(row._mapping) for row in result]
    return found


def at_head(rows: Rows) -> Rows:
    """Rows of 0001 as the head revision keeps them: 0005 clears the files' times and hashes, so that the next
    sync reads every file once more for the fields it added."""
    files = [{**row, "content_hash": "", "mtime_ns": 0} for row in rows["content_files"]]
    return {**rows, "content_files": files}


def same_rows(found: Rows, expected: Rows) -> None:
    for name, written in expected.items():
        assert sorted(map(repr, found[name])) == sorted(map(repr, written)), name


async def test_upgrade_to_0001_then_head_keeps_every_row(database: Database) -> None:
    change = await database.upgrade("0001")
    assert (change.before, change.after, change.adopted) == (None, "0001", False)
    rows = await write_0001_rows(database)
    assert set(rows) == schema.LEGACY_TABLES  # every table of 0001 has data

    change = await database.upgrade("head")
    assert (change.before, change.after) == ("0001", head_revision())
    same_rows(await read_rows(database, rows), at_head(rows))
    async with database.read() as session:
        found = await search_articles(session, "rover", NOW)
    assert [article.title for article in found] == ["Rover lands on Mars"]
    async with database.engine.connect() as connection:
        ranks = await connection.execute(
            text("SELECT article_id, topic_id, quality_rank FROM article_topics")
        )
        ranked = {(article, topic): rank for article, topic, rank in ranks}
    rover, gone = (row["id"] for row in rows["articles"])
    ai, space = (row["id"] for row in rows["topics"])
    # 0005 ranks the live rated articles in their topics; a withdrawn one counts for nothing.
    assert ranked == {(rover, space): 100, (gone, space): None, (gone, ai): None}


async def test_0006_indexes_the_search_keywords_and_keeps_finding_stored_articles(database: Database) -> None:
    await database.upgrade("0005")
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO articles (url_key, web_url, title, excerpt, body, extra, published_at,"
                " first_seen_at, updated_at)"
                " VALUES ('https://example.com/phones/galaxy', 'https://example.com/phones/galaxy',"
                " 'Das neue Modell', 'Die Galaxie ist da', '', '{}', :at, :at, :at)"
            ),
            {"at": STORED_NOW - HOUR},
        )
    await database.upgrade("head")
    async with database.read() as session:
        assert [a.title for a in await search_articles(session, "galaxie", NOW)] == ["Das neue Modell"]
        assert await search_articles(session, "galaxy", NOW) == [], "the keywords come with the next sync"
    async with database.engine.begin() as connection:  # what the next sync writes
        await connection.execute(text("UPDATE articles SET search_keywords = 'phones galaxy'"))
    async with database.read() as session:
        assert [a.title for a in await search_articles(session, "galaxy", NOW)] == ["Das neue Modell"]
        assert [a.title for a in await search_articles(session, "galaxie", NOW)] == ["Das neue Modell"]


async def test_0007_adds_the_markers_of_deleted_articles_and_its_downgrade_drops_them(
    database: Database, database_url: str
) -> None:
    await database.upgrade("0006")
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO articles (url_key, web_url, title, body, extra, published_at, first_seen_at,"
                " updated_at) VALUES ('example.com/rover', 'https://example.com/rover', 'Rover', '', '{}',"
                " :at, :at, :at)"
            ),
            {"at": STORED_NOW - HOUR},
        )
    await database.upgrade("0007")
    # Markers are signed 64-bit hashes, the table's rowid on SQLite.
    markers = (-(2**63), -1, 2**63 - 1)
    async with database.engine.begin() as connection:
        for marker in markers:
            await connection.execute(text("INSERT INTO pruned_urls (url_hash) VALUES (:h)"), {"h": marker})
        found = await connection.execute(text("SELECT url_hash FROM pruned_urls ORDER BY url_hash"))
        assert tuple(found.scalars()) == markers

    downgraded = run("downgrade", "0006", env={"DATABASE_URL": database_url}, program=("-m", "alembic"))
    assert downgraded.returncode == 0, downgraded.stdout + downgraded.stderr
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        assert "pruned_urls" not in tables
        assert (await connection.execute(text("SELECT title FROM articles"))).scalars().all() == ["Rover"]
    await database.upgrade("0007")
    async with database.engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM pruned_urls"))).scalar() == 0


async def test_0009_gives_preferences_a_channel_voice_and_its_downgrade_keeps_them(
    database: Database, database_url: str
) -> None:
    await database.upgrade("0008")
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO chats (id, type, status, created_at, updated_at, managed)"
                " VALUES (-1001, 'channel', 'active', :at, :at, true)"
            ),
            {"at": STORED_NOW},
        )
        await connection.execute(
            text(
                "INSERT INTO chat_preferences (chat_id, min_quality, image_previews, silent, language,"
                " quiet_mode) VALUES (-1001, 0, true, true, 'de', 'digest')"
            )
        )
    await database.upgrade("0009")
    async with database.engine.begin() as connection:
        voice = "SELECT language, silent, push_style, footer, footer_link FROM chat_preferences"
        assert (await connection.execute(text(voice))).one() == ("de", True, None, None, None)
        await connection.execute(
            text("UPDATE chat_preferences SET push_style = 'preview', footer = :f, footer_link = :l"),
            {"f": "Mehr auf example.org " + "ä" * 200, "l": "https://example.org/" + "p" * 2000},
        )

    downgraded = run("downgrade", "0008", env={"DATABASE_URL": database_url}, program=("-m", "alembic"))
    assert downgraded.returncode == 0, downgraded.stdout + downgraded.stderr
    async with database.engine.connect() as connection:
        columns = await connection.run_sync(
            lambda sync: [column["name"] for column in inspect(sync).get_columns("chat_preferences")]
        )
        assert not {"push_style", "footer", "footer_link"} & set(columns)
        kept = "SELECT chat_id, language, silent FROM chat_preferences"
        assert (await connection.execute(text(kept))).one() == (-1001, "de", True)
    await database.upgrade("0009")


async def test_readers_quality_choices_move_to_the_nearest_share_of_each_topic(database: Database) -> None:
    await database.upgrade("0004")
    async with database.engine.begin() as connection:
        for chat_id, share in ((1, 0), (2, 50), (3, 70)):
            await connection.execute(
                text(
                    "INSERT INTO chats (id, type, status, created_at, updated_at)"
                    " VALUES (:id, 'private', 'active', :now, :now)"
                ),
                {"id": chat_id, "now": STORED_NOW},
            )
            await connection.execute(
                text(
                    "INSERT INTO chat_preferences (chat_id, min_quality, image_previews, silent)"
                    " VALUES (:id, :share, true, false)"
                ),
                {"id": chat_id, "share": share},
            )
    await database.upgrade("head")
    async with database.engine.connect() as connection:
        found = await connection.execute(
            text("SELECT chat_id, min_quality FROM chat_preferences ORDER BY chat_id")
        )
        assert [tuple(row) for row in found] == [(1, 0), (2, 50), (3, 75)]


async def test_create_schema_is_idempotent(database: Database) -> None:
    first = await database.create_schema()
    again = await database.create_schema()
    assert (first.before, first.after, first.changed) == (None, head_revision(), True)
    assert (again.before, again.after, again.changed) == (head_revision(), head_revision(), False)
    state = await database.schema_state()
    assert (state.current, state.head, state.at_head, state.legacy, state.known) == (
        head_revision(),
        head_revision(),
        True,
        False,
        True,
    )


async def test_upgrades_of_several_databases_in_one_process_take_turns(tmp_path: Path) -> None:
    """Alembic's ``op`` is process-wide: interleaved upgrades would run each other's operations."""
    databases = [Database(f"sqlite:///{tmp_path / f'{n}.db'}") for n in range(3)]
    try:
        changes = await asyncio.gather(*(db.create_schema() for db in databases))
        assert [change.after for change in changes] == [head_revision()] * 3
    finally:
        for db in databases:
            await db.close()


@pytest.mark.sqlite_only
async def test_a_database_made_before_migrations_is_adopted(tmp_path: Path) -> None:
    """tests/data/legacy-0000.db was made by the code before Alembic: create_all and the FTS5 DDL."""
    path = tmp_path / "legacy.db"
    shutil.copyfile(LEGACY_FIXTURE, path)
    db = Database(f"sqlite:///{path}")
    try:
        state = await db.schema_state()
        assert (state.current, state.legacy) == (None, True)
        change = await db.create_schema()
        assert (change.before, change.after, change.adopted) == (None, head_revision(), True)
        async with db.engine.connect() as connection:
            versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars()
            assert list(versions) == [head_revision()]

        async with db.read() as session:
            assert await session.scalar(select(func.count()).select_from(Article)) == 3
            topics = (await session.execute(select(Topic.key, Topic.name).order_by(Topic.key))).all()
            assert [tuple(topic) for topic in topics] == [("ai", "AI"), ("space", "Space")]
            assert await session.scalar(select(TopicAlias.alias_key)) == "artificial intelligence"
            assert await session.scalar(select(ArticleImage.telegram_file_id)) == "AgAD-legacy"
            chats = (await session.execute(select(Chat.id).order_by(Chat.id))).scalars()
            assert list(chats) == [-100123, 1001, 1002]
            subscriptions = (
                await session.execute(select(Subscription.chat_id, Subscription.thread_id))
            ).all()
            assert sorted(tuple(s) for s in subscriptions) == [(-100123, 7), (1001, 0), (1002, 0)]
            deliveries = (
                await session.execute(select(Delivery.chat_id, Delivery.status, Delivery.error))
            ).all()
            assert sorted(tuple(d) for d in deliveries) == [
                (-100123, "failed", "Forbidden: bot was kicked"),
                (1001, "pending", None),
                (1002, "sent", None),
            ]
            found = await search_articles(session, "legacy", NOW)
            assert {article.title for article in found} == {
                "Legacy rover lands on Mars",
                "Legacy model tops benchmark",
            }
        # The FTS5 triggers still index new articles.
        async with db.write() as session:
            await add_article(session, "Comet returns", excerpt="Seen again after 76 years.")
        async with db.read() as session:
            assert [a.title for a in await search_articles(session, "comet", NOW)] == ["Comet returns"]
        again = await db.create_schema()
        assert (again.changed, again.adopted) == (False, False)
    finally:
        await db.close()


async def test_tables_without_alembic_version_are_adopted_on_any_database(
    database: Database, on_postgresql: bool
) -> None:
    """What the code before migrations made on either database: revision 0001 without its version row
    (and, on PostgreSQL, without the search index, which that code never made)."""
    await database.upgrade("0001")
    rows = await write_0001_rows(database)
    async with database.engine.begin() as connection:
        await connection.execute(text("DROP TABLE alembic_version"))
        if on_postgresql:
            await connection.execute(text("DROP INDEX ix_articles_search"))
    assert (await database.schema_state()).legacy

    change = await database.create_schema()
    assert (change.before, change.after, change.adopted) == (None, head_revision(), True)
    same_rows(await read_rows(database, rows), at_head(rows))
    async with database.read() as session:
        assert [a.title for a in await search_articles(session, "mars", NOW)] == ["Rover lands on Mars"]
    async with database.engine.connect() as connection:
        indexes = await connection.run_sync(lambda sync: inspect(sync).get_indexes("articles"))
    assert (schema.SEARCH_INDEX in {index["name"] for index in indexes}) == on_postgresql


async def test_some_of_our_tables_without_a_version_are_refused(database: Database) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE topics (id INTEGER PRIMARY KEY)"))
    with pytest.raises(SchemaError, match="some of newsbot's tables but not article_images, article_topics"):
        await database.create_schema()


async def test_a_revision_this_code_does_not_know_is_refused(database: Database) -> None:
    await database.create_schema()
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    state = await database.schema_state()
    assert (state.current, state.known, state.at_head) == ("9999", False, False)
    with pytest.raises(SchemaError, match="revision 9999, which this newsbot does not know"):
        await database.create_schema()


def schema_snapshot(connection: Connection) -> dict[str, Any]:
    """Every table as the database describes it, search objects left out (the models do not have them)."""

    def plain(items: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
        return sorted(({key: str(value) for key, value in item.items()} for item in items), key=repr)

    inspector = inspect(connection)
    snapshot: dict[str, Any] = {}
    for name in inspector.get_table_names():
        if name == "alembic_version" or not schema.include_name(name, "table", {}):
            continue
        indexes = [i for i in inspector.get_indexes(name) if schema.include_name(i["name"], "index", {})]
        snapshot[name] = {
            "columns": plain(inspector.get_columns(name)),
            "primary key": plain([inspector.get_pk_constraint(name)]),
            "foreign keys": plain(inspector.get_foreign_keys(name)),
            "indexes": plain(indexes),
            "unique": plain(inspector.get_unique_constraints(name)),
        }
    return snapshot


def model_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"include_name": schema.include_name})
    return compare_metadata(context, Base.metadata)


async def test_the_models_describe_the_head_revision(database: Database) -> None:
    await database.create_schema()
    async with database.engine.begin() as connection:
        assert await connection.run_sync(model_differences) == []
        migrated = await connection.run_sync(schema_snapshot)
        # Stricter than Alembic's comparison (foreign key actions, column order): the same tables made by
        # the models themselves.
        await connection.run_sync(Base.metadata.drop_all)
        await connection.run_sync(Base.metadata.create_all)
        assert await connection.run_sync(schema_snapshot) == migrated


async def test_postgresql_search_uses_the_indexes_of_revisions_0001_and_0006(
    database: Database, on_postgresql: bool
) -> None:
    """The query spells the document exactly as the index does, or PostgreSQL reads every article."""
    if not on_postgresql:
        pytest.skip("PostgreSQL's search index; SQLite searches its FTS5 table")
    await database.create_schema()
    async with database.engine.begin() as connection:
        # Enough live articles that only the search index narrows the search down.
        await connection.execute(
            text(
                "INSERT INTO articles (url_key, web_url, title, excerpt, body, extra, published_at,"
                " first_seen_at, updated_at)"
                " SELECT 'k' || n, 'https://example.com/' || n, 'Article ' || n, 'Words and more words', '',"
                " '{}', :at, :at, :at FROM generate_series(1, 3000) AS n"
            ),
            {"at": STORED_NOW - HOUR},
        )
        await connection.execute(text("ANALYZE articles"))
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
    async with database.read() as session:
        assert await search_articles(session, "solar wi", NOW) == []
    event.remove(database.engine.sync_engine, "before_cursor_execute", capture)
    searches = [(s, p) for s, p in statements if "to_tsvector" in s]
    # Whole words in title and excerpt, then anywhere; then the same with the last word as a prefix.
    assert len(searches) == 4
    used = []
    for statement, parameters in searches:
        async with database.engine.connect() as connection:
            result = await connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            plan = "\n".join(result.scalars())
        found = re.search(r"Index Scan on (ix_articles_search(?:_all)?)\s", plan)
        assert found is not None, plan
        used.append(found.group(1))
    assert used == ["ix_articles_search", "ix_articles_search_all"] * 2


def test_auto_migrate_is_a_flag_that_defaults_to_true() -> None:
    assert Settings.from_env({}).auto_migrate is True
    assert Settings.from_env({"AUTO_MIGRATE": "false"}).auto_migrate is False
    assert Settings.from_env({"AUTO_MIGRATE": "on"}).auto_migrate is True
    with pytest.raises(ConfigError, match="AUTO_MIGRATE: expected true or false, got 'later'"):
        Settings.from_env({"AUTO_MIGRATE": "later"})


def run(
    *args: str, env: Mapping[str, str], cwd: Path = ROOT, program: tuple[str, ...] = ("-m", "bot")
) -> subprocess.CompletedProcess[str]:
    """The real entry point in a process of its own, with only the given settings."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_", "CONTENT_", "AUTO_MIGRATE"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, *program, *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_db_upgrade_and_current(database_url: str) -> None:
    env = {"DATABASE_URL": database_url}
    head = head_revision()
    before = run("db", "current", env=env)
    assert before.returncode == 0, before.stderr
    assert before.stdout.splitlines() == ["current: none (behind: run `newsbot db upgrade`)", f"head: {head}"]
    upgraded = run("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.splitlines() == [f"database upgraded: none -> {head}"]
    again = run("db", "upgrade", env=env)
    assert again.stdout.splitlines() == [f"database already at {head} (head)"]
    after = run("db", "current", env=env)
    assert after.stdout.splitlines() == [f"current: {head}", f"head: {head}"]


@pytest.mark.sqlite_only
def test_db_upgrade_adopts_a_database_made_before_migrations(tmp_path: Path) -> None:
    shutil.copyfile(LEGACY_FIXTURE, tmp_path / "legacy.db")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'legacy.db'}"}
    current = run("db", "current", env=env)
    assert (
        current.stdout.splitlines()[0]
        == "current: none (made before migrations: `newsbot db upgrade` adopts it)"
    )
    upgraded = run("db", "upgrade", env=env)
    assert upgraded.stdout.splitlines() == [
        f"database upgraded: none (made before migrations) -> {head_revision()}"
    ]


def test_processes_upgrading_at_once_take_turns(database_url: str) -> None:
    """SQLite queues them on its write lock, PostgreSQL on an advisory lock: one upgrades, the rest find it done."""
    command = [sys.executable, "-m", "bot", "db", "upgrade"]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    environment["DATABASE_URL"] = database_url
    processes = [
        subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, outputs
    lines = sorted(stdout.strip() for stdout, _ in outputs)
    head = head_revision()
    assert lines == [f"database already at {head} (head)"] * 3 + [f"database upgraded: none -> {head}"]


def test_run_refuses_a_database_behind_when_auto_migrate_is_off(database_url: str, tmp_path: Path) -> None:
    result = run(
        "run",
        env={
            "DATABASE_URL": database_url,
            "AUTO_MIGRATE": "false",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": "http://127.0.0.1:9",
            "CONTENT_DIR": str(tmp_path / "content"),
            "HOST": "127.0.0.1",
            "PORT": "0",
        },
    )
    assert result.returncode == 2, result.stdout + result.stderr
    shown = displayed_url(normalize_database_url(database_url))
    # The last line; Alembic may have logged before it.
    assert result.stderr.strip().splitlines()[-1] == (
        f"newsbot: config: DATABASE_URL: the database ({shown}) is at revision none, "
        f"this newsbot needs {head_revision()}: run `newsbot db upgrade` (or set AUTO_MIGRATE=true)"
    )
    assert result.stderr.count("newsbot: config:") == 1
    password = make_url(database_url).password
    assert password is None or f":{password}@" not in result.stderr


def test_the_alembic_command_uses_the_same_revisions(database_url: str) -> None:
    """For developers: ``alembic`` with the root alembic.ini reaches DATABASE_URL through env.py."""
    env = {"DATABASE_URL": database_url}
    for args in (("upgrade", "head"), ("check",), ("downgrade", "base"), ("upgrade", "head")):
        result = run(*args, env=env, program=("-m", "alembic"))
        assert result.returncode == 0, (args, result.stdout + result.stderr)
    current = run("current", env=env, program=("-m", "alembic"))
    assert current.stdout.strip() == f"{head_revision()} (head)"
