"""The schema's version: Alembic's revisions (``storage/migrations``) run on newsbot's own connection.

``Database.create_schema`` upgrades through :func:`upgrade`, which drives Alembic's environment directly (no
``alembic.ini``, and the revision files are read once per process). The ``alembic`` command developers use
goes through ``migrations/env.py``; both end in :func:`migrate`.

A database made before migrations (``create_all`` and the FTS5 DDL, no ``alembic_version``) is revision
``0001`` already: an upgrade recognises it by its tables and stamps it before going on.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext, RevisionStep
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.db.models import Base

SCRIPT_LOCATION = "storage.db:migrations"
# What a database made before migrations is, and the tables it was made with.
LEGACY_REVISION = "0001"
LEGACY_TABLES = frozenset(
    {
        "article_images",
        "article_topics",
        "articles",
        "chat_preferences",
        "chats",
        "content_files",
        "deliveries",
        "fanout_jobs",
        "related_links",
        "store_state",
        "subscriptions",
        "topic_aliases",
        "topics",
    }
)
# The one object revision 0001 has that the code before migrations did not make: PostgreSQL's search index.
LEGACY_POSTGRESQL_SEARCH = (
    "CREATE INDEX IF NOT EXISTS ix_articles_search ON articles "
    "USING gin (to_tsvector('simple', title || ' ' || coalesce(excerpt, '')))"
)
# Any constant every newsbot process agrees on: upgrades starting at once queue on it, one after the other.
POSTGRESQL_UPGRADE_LOCK = 0x6E657773626F74  # "newsbot"
# Search objects the models do not describe, left out of Alembic's comparisons (autogenerate, ``alembic check``).
SEARCH_TABLE_PREFIX = "articles_fts"  # SQLite's FTS5 table and its shadow tables
SEARCH_INDEX = "ix_articles_search"  # PostgreSQL's GIN index of titles and excerpts
SEARCH_INDEXES = frozenset({SEARCH_INDEX, "ix_articles_search_all"})  # and of those with the keywords (0006)


class SchemaError(Exception):
    """The database cannot be brought to this code's schema; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class SchemaState:
    """Where a database stands: its revision (None before any) and the newest this code knows."""

    current: str | None
    head: str
    legacy: bool  # tables made before migrations, not stamped yet
    known: bool  # this code knows ``current`` (an unknown one was written by a newer newsbot)

    @property
    def at_head(self) -> bool:
        return self.current == self.head


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """What an upgrade did: ``before`` and ``after`` are revisions; ``adopted`` a database from before them."""

    before: str | None
    after: str | None
    adopted: bool = False

    @property
    def changed(self) -> bool:
        return self.before != self.after or self.adopted


# Alembic's ``op`` and ``context`` are process-wide proxies: two upgrades interleaving on one event loop (on
# two databases) would run each other's operations, so a process's upgrades take turns.
_TURNS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def upgrade_turn() -> asyncio.Lock:
    """The lock an upgrade holds in this event loop."""
    return _TURNS.setdefault(asyncio.get_running_loop(), asyncio.Lock())


def alembic_config() -> Config:
    """Alembic's configuration without a file: where the revisions are is all it needs."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


# Cached for the process: revision files do not change under a running program, and reading them means
# importing every one of them.
@functools.cache
def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


@functools.cache
def known_revisions() -> frozenset[str]:
    return frozenset(script.revision for script in script_directory().walk_revisions())


def head_revision() -> str:
    head = script_directory().get_current_head()
    if head is None:
        raise SchemaError("storage/migrations has no revisions")
    return head


def include_name(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """Alembic's filter for comparing with the models: the search objects are not in the models."""
    if type_ == "table":
        return not (name or "").startswith(SEARCH_TABLE_PREFIX)
    if type_ == "index":
        return name not in SEARCH_INDEXES
    return True


def context_options(dialect_name: str) -> dict[str, Any]:
    """``EnvironmentContext.configure`` options shared by newsbot's upgrades and ``env.py``."""
    return {
        "target_metadata": Base.metadata,
        "include_name": include_name,
        # SQLite alters most things by copying the table: Alembic's batch mode does that.
        "render_as_batch": dialect_name == "sqlite",
    }


def read_state(connection: Connection) -> SchemaState:
    current = MigrationContext.configure(connection).get_current_revision()
    return SchemaState(
        current=current,
        head=head_revision(),
        legacy=current is None and _is_legacy(connection),
        known=current is None or current in known_revisions(),
    )


def upgrade(connection: Connection, target: str = "head") -> SchemaChange:
    """Upgrade to ``target`` on a connection in a transaction (``Database.schema_transaction``)."""
    script = script_directory()

    # What ``alembic.command.upgrade`` runs, minus reading the scripts and env.py again.
    def steps(heads: Any, _context: MigrationContext) -> list[RevisionStep]:
        return script._upgrade_revs(target, heads)

    with EnvironmentContext(alembic_config(), script, fn=steps, destination_rev=target) as env:
        env.configure(connection=connection, **context_options(connection.dialect.name))
        return migrate(connection, env.get_context(), env.run_migrations, adopt_legacy=True)


def migrate(
    connection: Connection, migration: MigrationContext, run: Callable[[], None], *, adopt_legacy: bool
) -> SchemaChange:
    """Run ``run`` (Alembic's ``run_migrations``) after taking the upgrade lock and, if asked, adopting a
    database made before migrations."""
    if connection.dialect.name == "postgresql":
        # Held to the end of the transaction; SQLite's equivalent is the BEGIN IMMEDIATE of the transaction.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRESQL_UPGRADE_LOCK})
    before = migration.get_current_revision()
    adopted = False
    if before is None:
        if adopt_legacy and _is_legacy(connection):
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(LEGACY_POSTGRESQL_SEARCH)
            migration.stamp(script_directory(), LEGACY_REVISION)
            adopted = True
    elif before not in known_revisions():
        raise SchemaError(
            f"the database is at revision {before}, which this newsbot does not know (a newer one?)"
        )
    try:
        run()
    except CommandError as error:
        raise SchemaError(str(error)) from error
    return SchemaChange(before, migration.get_current_revision(), adopted)


def _is_legacy(connection: Connection) -> bool:
    """True for a database made before migrations; tables of ours in any other shape are an error."""
    present = LEGACY_TABLES.intersection(inspect(connection).get_table_names())
    if not present:
        return False
    if present != LEGACY_TABLES:
        missing = ", ".join(sorted(LEGACY_TABLES - present))
        raise SchemaError(
            f"the database has some of newsbot's tables but not {missing}, and no alembic_version"
        )
    return True
