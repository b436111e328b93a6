"""Several senders: a registry of sending processes, and a lease on each chat saying who serves it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "senders",
        sa.Column("id", sa.String(96), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_senders")),
    )
    op.create_index(op.f("ix_senders_heartbeat_at"), "senders", ["heartbeat_at"])
    with op.batch_alter_table("chats") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(96), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))
        batch.create_index(batch.f("ix_chats_lease_owner"), ["lease_owner"])


def downgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.drop_index(batch.f("ix_chats_lease_owner"))
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
    op.drop_index(op.f("ix_senders_heartbeat_at"), "senders")
    op.drop_table("senders")
