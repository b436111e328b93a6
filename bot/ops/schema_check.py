"""The database's schema at start-up: upgraded when ``AUTO_MIGRATE`` allows, otherwise checked."""

from __future__ import annotations

import logging

from bot.ops.config import ConfigError
from storage.db.database import Database, displayed_url
from storage.db.schema import SchemaError

log = logging.getLogger(__name__)


async def prepare_schema(db: Database, *, auto_migrate: bool) -> None:
    """Upgrade the database (``AUTO_MIGRATE``), or raise ``ConfigError`` for one this code cannot use."""
    try:
        if auto_migrate:
            change = await db.create_schema()
            if change.changed:
                log.info("database upgraded: %s -> %s", change.before or "none", change.after)
            return
        state = await db.schema_state()
    except SchemaError as error:
        raise ConfigError([f"DATABASE_URL: {error}"]) from error
    if state.at_head:
        return
    where = f"the database ({displayed_url(db.url)}) is at revision {state.current or 'none'}"
    if state.known:
        problem = (
            f"{where}, this newsbot needs {state.head}: run `newsbot db upgrade` (or set AUTO_MIGRATE=true)"
        )
    else:
        problem = f"{where}, which this newsbot does not know (its newest is {state.head})"
    raise ConfigError([f"DATABASE_URL: {problem}"])
