"""The ``alembic`` command's entry point (developers, with the root ``alembic.ini``).

newsbot itself does not read this file: ``storage.db.schema.upgrade`` drives the same steps on its own
connection. The database is ``sqlalchemy.url`` when the ini file sets it, else ``DATABASE_URL`` from the
environment (a ``.env`` file is not read here), else newsbot's default.
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from storage.db.database import DEFAULT_DATABASE_URL, Database, normalize_database_url
from storage.db.schema import context_options, migrate


def database_url() -> str:
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    return normalize_database_url(url or DEFAULT_DATABASE_URL)


def run_offline(url: str) -> None:
    """``--sql``: print the SQL instead of running it."""
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    context.configure(url=url, literal_binds=True, **context_options(dialect))
    with context.begin_transaction():
        context.run_migrations()


def run_on(connection: Connection) -> None:
    context.configure(connection=connection, **context_options(connection.dialect.name))
    # A database made before migrations is adopted by ``newsbot db upgrade`` only: Alembic's commands
    # (``current``, ``check``, ``revision --autogenerate``) should not write to it.
    migrate(connection, context.get_context(), context.run_migrations, adopt_legacy=False)


async def run_online(url: str) -> None:
    database = Database(url)
    try:
        async with database.schema_transaction() as connection:
            await connection.run_sync(run_on)
    finally:
        await database.close()


if context.config.config_file_name is not None:
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)
if context.is_offline_mode():
    run_offline(database_url())
else:
    asyncio.run(run_online(database_url()))
