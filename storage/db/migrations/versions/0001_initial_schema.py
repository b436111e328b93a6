"""Initial schema.

The tables ``storage/db/models.py`` described before migrations, and the search index: FTS5 on SQLite, a GIN
index on PostgreSQL. Written by hand and frozen: later changes to the models belong in later revisions. A
database made before migrations (``create_all`` plus the FTS5 DDL) is this revision; ``storage.db.schema``
stamps it so.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# SQLite only aliases rowid (and so autoincrements) for a column declared exactly INTEGER.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# SQLite: an external-content FTS5 table kept in step with ``articles`` by triggers, so bulk Core inserts and
# updates index themselves.
SQLITE_SEARCH = (
    """CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, excerpt, content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, excerpt) VALUES (new.id, new.title, coalesce(new.excerpt, ''));
    END""",
    """CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, excerpt)
        VALUES ('delete', old.id, old.title, coalesce(old.excerpt, ''));
    END""",
    """CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, excerpt ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, excerpt)
        VALUES ('delete', old.id, old.title, coalesce(old.excerpt, ''));
        INSERT INTO articles_fts(rowid, title, excerpt) VALUES (new.id, new.title, coalesce(new.excerpt, ''));
    END""",
)
SQLITE_SEARCH_DROP = (
    "DROP TRIGGER articles_fts_update",
    "DROP TRIGGER articles_fts_delete",
    "DROP TRIGGER articles_fts_insert",
    "DROP TABLE articles_fts",
)
# PostgreSQL: a GIN index on the document storage.catalog.listings searches, spelled exactly as the query spells it.
POSTGRESQL_SEARCH = (
    "CREATE INDEX ix_articles_search ON articles "
    "USING gin (to_tsvector('simple', title || ' ' || coalesce(excerpt, '')))"
)


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", ID, nullable=False, autoincrement=True),
        sa.Column("url_key", sa.Text(), nullable=False),
        sa.Column("web_url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("amp_web_url", sa.Text(), nullable=True),
        sa.Column("cdn_amp_web_url", sa.Text(), nullable=True),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("heat", sa.Integer(), nullable=True),
        sa.Column("published_flag", sa.Boolean(), nullable=True),
        sa.Column("provider_name", sa.Text(), nullable=True),
        sa.Column("provider_domain", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("secured", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("url_key", name=op.f("uq_articles_url_key")),
    )
    op.create_index(op.f("ix_articles_live_published"), "articles", ["withdrawn_at", "published_at"])

    op.create_table(
        "chats",
        sa.Column("id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("language_code", sa.String(16), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chats")),
    )
    op.create_index(op.f("ix_chats_status"), "chats", ["status"])

    op.create_table(
        "store_state",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_store_state")),
    )

    op.create_table(
        "topics",
        sa.Column("id", ID, nullable=False, autoincrement=True),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
        sa.UniqueConstraint("key", name=op.f("uq_topics_key")),
    )

    op.create_table(
        "article_images",
        sa.Column("article_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("is_cached", sa.Boolean(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("telegram_file_id", sa.Text(), nullable=True),
        sa.Column("failed_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("article_id", "position", name=op.f("pk_article_images")),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_images_article_id_articles"),
            ondelete="CASCADE",
        ),
    )

    op.create_table(
        "article_topics",
        sa.Column("article_id", ID, nullable=False),
        sa.Column("topic_id", ID, nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("article_id", "topic_id", name=op.f("pk_article_topics")),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_topics_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_article_topics_topic_id_topics"), ondelete="CASCADE"
        ),
    )
    op.create_index(op.f("ix_article_topics_topic_published"), "article_topics", ["topic_id", "published_at"])

    op.create_table(
        "chat_preferences",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("min_quality", sa.Integer(), nullable=False),
        sa.Column("image_previews", sa.Boolean(), nullable=False),
        sa.Column("silent", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_chat_preferences")),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_chat_preferences_chat_id_chats"), ondelete="CASCADE"
        ),
    )

    op.create_table(
        "content_files",
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("article_id", ID, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_content_files")),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_content_files_article_id_articles"),
            ondelete="SET NULL",
        ),
    )
    op.create_index(op.f("ix_content_files_article_id"), "content_files", ["article_id"])

    op.create_table(
        "deliveries",
        sa.Column("id", ID, nullable=False, autoincrement=True),
        sa.Column("article_id", ID, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("via_digest", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("article_id", "chat_id", "thread_id", name=op.f("uq_deliveries_destination")),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_deliveries_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_deliveries_chat_id_chats"), ondelete="CASCADE"
        ),
    )
    op.create_index(op.f("ix_deliveries_status_due"), "deliveries", ["status", "due_at"])
    op.create_index(op.f("ix_deliveries_status_sent"), "deliveries", ["status", "sent_at"])
    op.create_index(op.f("ix_deliveries_chat_status"), "deliveries", ["chat_id", "thread_id", "status"])

    op.create_table(
        "fanout_jobs",
        sa.Column("article_id", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("expanded_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_fanout_jobs")),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_fanout_jobs_article_id_articles"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(op.f("ix_fanout_jobs_due_at"), "fanout_jobs", ["due_at"])

    op.create_table(
        "related_links",
        sa.Column("article_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("web_url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("excerpt", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("amp_web_url", sa.Text(), nullable=True),
        sa.Column("cdn_amp_web_url", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("provider_name", sa.Text(), nullable=True),
        sa.Column("provider_domain", sa.Text(), nullable=True),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("image_url", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("article_id", "position", name=op.f("pk_related_links")),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_related_links_article_id_articles"),
            ondelete="CASCADE",
        ),
    )

    op.create_table(
        "subscriptions",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("topic_id", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "thread_id", "topic_id", name=op.f("pk_subscriptions")),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_subscriptions_chat_id_chats"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_subscriptions_topic_id_topics"), ondelete="CASCADE"
        ),
    )
    op.create_index(op.f("ix_subscriptions_topic_chat"), "subscriptions", ["topic_id", "chat_id"])

    op.create_table(
        "topic_aliases",
        sa.Column("alias_key", sa.Text(), nullable=False),
        sa.Column("topic_id", ID, nullable=False),
        sa.PrimaryKeyConstraint("alias_key", name=op.f("pk_topic_aliases")),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_topic_aliases_topic_id_topics"), ondelete="CASCADE"
        ),
    )
    op.create_index(op.f("ix_topic_aliases_topic_id"), "topic_aliases", ["topic_id"])

    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(POSTGRESQL_SEARCH)


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH_DROP:
            op.execute(statement)
    # Dependents first; indexes and PostgreSQL's search index go with their tables.
    for name in (
        "topic_aliases",
        "subscriptions",
        "related_links",
        "fanout_jobs",
        "deliveries",
        "content_files",
        "chat_preferences",
        "article_topics",
        "article_images",
        "topics",
        "store_state",
        "chats",
        "articles",
    ):
        op.drop_table(name)
