"""Chats: registration, blocking, per-chat preferences, a group's move to a supergroup, and forgetting a chat."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import BigInteger, CursorResult, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Delete

from storage.db.models import Chat, ChatFilter, ChatPreferences, Delivery, Subscription, table
from storage.readers.languages import bump_languages_version
from storage.records import Preferences

ACTIVE = "active"
BLOCKED = "blocked"
PREFERENCE_FIELDS = frozenset({"min_quality", "image_previews", "silent", "language"})
MAX_LANGUAGE = 8  # chat_preferences.language


# Built once, on the table (Core): every tap and /subscribe looks the chat up, and building the statement
# cost more than running it.
_chats = table(Chat)
_KNOWN = select(_chats.c.status, _chats.c.type, _chats.c.language_code).where(
    _chats.c.id == bindparam("chat_id", BigInteger())
)


async def register_chat(
    session: AsyncSession, chat_id: int, chat_type: str, language_code: str | None, now: datetime
) -> bool:
    """Record a chat that talks to the bot, reactivating it; True when it is new or was blocked."""
    known = (await session.execute(_KNOWN, {"chat_id": chat_id})).first()
    if known is None:
        await session.execute(
            insert(Chat).values(
                id=chat_id,
                type=chat_type,
                language_code=language_code,
                status=ACTIVE,
                created_at=now,
                updated_at=now,
            )
        )
        return True
    # Updates without a sender (channel posts) carry no language; keep the one we knew.
    language = known.language_code if language_code is None else language_code
    if (known.status, known.type, known.language_code) == (ACTIVE, chat_type, language):
        return False  # nothing to write: a tap or command of a known reader costs no update
    changes: dict[str, Any] = {
        "type": chat_type,
        "status": ACTIVE,
        "language_code": language,
        "updated_at": now,
    }
    await session.execute(update(Chat).where(Chat.id == chat_id).values(changes))
    return bool(known.status == BLOCKED)


async def mark_blocked(session: AsyncSession, chat_id: int, now: datetime) -> None:
    """Note that the chat blocked the bot or removed it, so fan-out skips it until it comes back."""
    await session.execute(update(Chat).where(Chat.id == chat_id).values(status=BLOCKED, updated_at=now))


async def get_preferences(session: AsyncSession, chat_id: int) -> Preferences:
    """The chat's settings, or the defaults when it never changed any."""
    return await _stored_preferences(session, chat_id) or Preferences()


async def update_preferences(session: AsyncSession, chat_id: int, **changes: object) -> Preferences:
    """Change some settings and return them all; ValueError for an unknown setting or a bad value.

    The chat must be registered first: its row is what the preferences refer to.
    """
    unknown = changes.keys() - PREFERENCE_FIELDS
    if unknown:
        raise ValueError(f"unknown preference(s): {', '.join(sorted(unknown))}")
    stored = await _stored_preferences(session, chat_id)
    updated = _changed(stored or Preferences(), changes)
    values = {
        "min_quality": updated.min_quality,
        "image_previews": updated.image_previews,
        "silent": updated.silent,
        "language": updated.language,
    }
    if stored is None:
        await session.execute(insert(ChatPreferences).values(chat_id=chat_id, **values))
    elif updated != stored:
        await session.execute(
            update(ChatPreferences).where(ChatPreferences.chat_id == chat_id).values(values)
        )
    if updated.language != (stored or Preferences()).language:
        await bump_languages_version(session)
    return updated


async def forget_chat(session: AsyncSession, chat_id: int) -> bool:
    """Delete the chat and every row about it; True when there was anything to delete."""
    # Explicit deletes, children first: ON DELETE CASCADE only acts where the connection enforces foreign
    # keys (SQLite needs a PRAGMA), and the schema may change.
    statements = (
        delete(Subscription).where(Subscription.chat_id == chat_id),
        delete(ChatPreferences).where(ChatPreferences.chat_id == chat_id),
        delete(ChatFilter).where(ChatFilter.chat_id == chat_id),
        delete(Delivery).where(Delivery.chat_id == chat_id),
        delete(Chat).where(Chat.id == chat_id),
    )
    removed = 0
    for statement in statements:
        removed += await _delete_count(session, statement)
    await bump_languages_version(session)
    return removed > 0


async def _delete_count(session: AsyncSession, statement: Delete) -> int:
    result = cast("CursorResult[Any]", await session.execute(statement))
    return result.rowcount


async def _stored_preferences(session: AsyncSession, chat_id: int) -> Preferences | None:
    row = (
        await session.execute(
            select(
                ChatPreferences.min_quality,
                ChatPreferences.image_previews,
                ChatPreferences.silent,
                ChatPreferences.language,
            ).where(ChatPreferences.chat_id == chat_id)
        )
    ).one_or_none()
    if row is None:
        return None
    return Preferences(
        min_quality=row.min_quality,
        image_previews=row.image_previews,
        silent=row.silent,
        language=row.language,
    )


def _changed(current: Preferences, changes: Mapping[str, object]) -> Preferences:
    min_quality = changes.get("min_quality", current.min_quality)
    if (
        not isinstance(min_quality, int)
        or isinstance(min_quality, bool)
        or min_quality not in Preferences.MIN_QUALITY_CHOICES
    ):
        choices = ", ".join(map(str, Preferences.MIN_QUALITY_CHOICES))
        raise ValueError(f"min_quality must be one of {choices}, got {min_quality!r}")
    return Preferences(
        min_quality=min_quality,
        image_previews=_flag(changes, "image_previews", current.image_previews),
        silent=_flag(changes, "silent", current.silent),
        language=_language(changes, current.language),
    )


def _language(changes: Mapping[str, object], current: str | None) -> str | None:
    value = changes.get("language", current)
    if value is None or (isinstance(value, str) and 0 < len(value) <= MAX_LANGUAGE and value.isascii()):
        return value
    raise ValueError(f"language must be None or a language code, got {value!r}")


def _flag(changes: Mapping[str, object], name: str, current: bool) -> bool:
    value = changes.get(name, current)
    if isinstance(value, bool):
        return value
    # Callback data carries switches as 0/1.
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{name} must be true or false, got {value!r}")


async def block_chat(session: AsyncSession, chat_id: int, now: datetime, reason: str) -> None:
    """The reader blocked the bot: mark the chat and cancel everything pending for it."""
    await session.execute(update(Chat).where(Chat.id == chat_id).values(status="blocked", updated_at=now))
    await session.execute(
        update(Delivery)
        .where(Delivery.chat_id == chat_id, Delivery.status == "pending")
        .values(status="cancelled", error=reason)
    )


async def migrate_chat(session: AsyncSession, old_id: int, new_id: int, now: datetime) -> None:
    """A group became a supergroup with a new id: move everything the bot keeps about it."""
    old = await session.get(Chat, old_id)
    if old is None or await session.get(Chat, new_id) is not None:
        return
    session.add(
        Chat(
            id=new_id,
            type="supergroup",
            language_code=old.language_code,
            status=old.status,
            created_at=old.created_at,
            updated_at=now,
        )
    )
    await session.flush()
    for model in (Subscription, ChatPreferences, ChatFilter, Delivery):
        await session.execute(update(model).where(model.chat_id == old_id).values(chat_id=new_id))
    await session.execute(delete(Chat).where(Chat.id == old_id))
    await bump_languages_version(session)  # the chat's choice of language moves with it
