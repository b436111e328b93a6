"""Readers' controls and corrections: filters, time zone, quiet hours, daily digest, language, channels.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.add_column(sa.Column("username", sa.String(64), nullable=True))
        batch.add_column(sa.Column("managed", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("chat_preferences") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))
        batch.add_column(sa.Column("timezone", sa.String(64), nullable=True))
        batch.add_column(sa.Column("quiet_start", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("quiet_end", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("quiet_mode", sa.String(8), server_default="digest", nullable=False))
        batch.add_column(sa.Column("digest_at", sa.Integer(), nullable=True))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("mode", sa.String(8), server_default="push", nullable=False))
        batch.add_column(sa.Column("message_kind", sa.String(8), nullable=True))
    op.create_table(
        "chat_filters",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("term", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_chat_filters_chat_id_chats"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("chat_id", "thread_id", "kind", "term", name=op.f("pk_chat_filters")),
    )
    op.create_table(
        "corrections",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("article_id", ID, nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_corrections_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
    )
    op.create_index(op.f("ix_corrections_article_id"), "corrections", ["article_id"])
    op.create_index(op.f("ix_corrections_finished_at"), "corrections", ["finished_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_corrections_finished_at"), "corrections")
    op.drop_index(op.f("ix_corrections_article_id"), "corrections")
    op.drop_table("corrections")
    op.drop_table("chat_filters")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("message_kind")
        batch.drop_column("mode")
    with op.batch_alter_table("chat_preferences") as batch:
        for column in ("digest_at", "quiet_mode", "quiet_end", "quiet_start", "timezone", "language"):
            batch.drop_column(column)
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("managed")
        batch.drop_column("username")
