"""Chats: registration and reactivation, blocking, preferences, and forgetting a chat."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.db.database import Database
from storage.db.models import Chat, ChatPreferences, Delivery, Subscription
from storage.readers.chats import (
    forget_chat,
    get_preferences,
    mark_blocked,
    register_chat,
    update_preferences,
)
from storage.records import Preferences
from tests.storage.factories import (
    HOUR,
    NOW,
    add_article,
    add_chat,
    add_delivery,
    add_preferences,
    add_subscription,
    add_topic,
)


async def chat_row(db: Database, chat_id: int) -> tuple[str, str | None, str] | None:
    async with db.read() as session:
        row = (
            await session.execute(
                select(Chat.type, Chat.language_code, Chat.status).where(Chat.id == chat_id)
            )
        ).one_or_none()
    return None if row is None else (row.type, row.language_code, row.status)


async def test_register_new_chat_is_a_welcome(db: Database) -> None:
    async with db.write() as session:
        assert await register_chat(session, 42, "private", "de", NOW)
    assert await chat_row(db, 42) == ("private", "de", "active")


async def test_register_known_chat_again_is_not_a_welcome(db: Database) -> None:
    async with db.write() as session:
        await register_chat(session, 42, "private", "de", NOW)
    async with db.write() as session:
        assert not await register_chat(session, 42, "private", "fr", NOW + HOUR)
    assert await chat_row(db, 42) == ("private", "fr", "active")


async def test_register_without_language_keeps_the_known_one(db: Database) -> None:
    async with db.write() as session:
        await register_chat(session, 42, "private", "de", NOW)
        await register_chat(session, 42, "private", None, NOW)
    assert await chat_row(db, 42) == ("private", "de", "active")


async def test_registering_an_unchanged_chat_writes_nothing(db: Database) -> None:
    async with db.write() as session:
        await register_chat(session, 42, "private", "de", NOW)
        await register_chat(session, 42, "private", "de", NOW + HOUR)
        await register_chat(session, 42, "private", None, NOW + HOUR)
        unchanged = await session.scalar(select(Chat.updated_at).where(Chat.id == 42))
        await register_chat(session, 42, "group", "de", NOW + 2 * HOUR)
        changed = await session.scalar(select(Chat.updated_at).where(Chat.id == 42))
    assert (unchanged, changed) == (NOW, NOW + 2 * HOUR)


async def test_blocked_chat_that_returns_is_reactivated_and_welcomed_back(db: Database) -> None:
    async with db.write() as session:
        await register_chat(session, 42, "private", None, NOW)
        await mark_blocked(session, 42, NOW + HOUR)
    assert await chat_row(db, 42) == ("private", None, "blocked")
    async with db.write() as session:
        assert await register_chat(session, 42, "private", None, NOW + 2 * HOUR)
    assert await chat_row(db, 42) == ("private", None, "active")


async def test_mark_blocked_of_an_unknown_chat_does_nothing(db: Database) -> None:
    async with db.write() as session:
        await mark_blocked(session, 7, NOW)
    assert await chat_row(db, 7) is None


async def test_preferences_default_when_never_set(db: Database) -> None:
    async with db.read() as session:
        assert await get_preferences(session, 42) == Preferences(
            min_quality=0, image_previews=True, silent=False
        )


async def test_update_preferences_persists_and_keeps_other_settings(db: Database) -> None:
    async with db.write() as session:
        await add_chat(session, 42)
        assert await update_preferences(session, 42, min_quality=75) == Preferences(min_quality=75)
    async with db.write() as session:
        updated = await update_preferences(session, 42, silent=True, image_previews=False)
    assert updated == Preferences(min_quality=75, image_previews=False, silent=True)
    async with db.read() as session:
        assert await get_preferences(session, 42) == updated


async def test_update_preferences_accepts_switches_as_zero_and_one(db: Database) -> None:
    async with db.write() as session:
        await add_chat(session, 42)
        assert await update_preferences(session, 42, silent=1, image_previews=0) == Preferences(
            image_previews=False, silent=True
        )


async def test_language_choice_is_kept_with_other_changes_and_reset_to_automatic(db: Database) -> None:
    async with db.write() as session:
        await add_chat(session, 42)
        assert (await get_preferences(session, 42)).language is None
        assert await update_preferences(session, 42, language="de") == Preferences(language="de")
        await update_preferences(session, 42, silent=True)
    async with db.read() as session:
        assert (await get_preferences(session, 42)).language == "de"
        assert await get_preferences(session, 42) == Preferences(silent=True, language="de")
    async with db.write() as session:
        assert await update_preferences(session, 42, language=None) == Preferences(silent=True)
    async with db.read() as session:
        assert (await get_preferences(session, 42)).language is None


async def test_update_preferences_without_changes_returns_the_current_ones(db: Database) -> None:
    async with db.write() as session:
        await add_chat(session, 42)
        assert await update_preferences(session, 42) == Preferences()


@pytest.mark.parametrize(
    "changes",
    [
        {"colour": "blue"},
        {"min_quality": 60},
        {"min_quality": "50"},
        {"min_quality": True},
        {"min_quality": None},
        {"silent": 2},
        {"image_previews": "yes"},
        {"silent": True, "volume": 11},
        {"language": ""},
        {"language": 1},
        {"language": "much-too-long"},
        {"language": "dé"},
    ],
)
async def test_update_preferences_rejects_unknown_settings_and_bad_values(
    db: Database, changes: dict[str, object]
) -> None:
    async with db.write() as session:
        await add_chat(session, 42)
        await update_preferences(session, 42, min_quality=50)
    async with db.write() as session:
        with pytest.raises(ValueError, match=r"preference|must be"):
            await update_preferences(session, 42, **changes)
    async with db.read() as session:
        assert await get_preferences(session, 42) == Preferences(min_quality=50)


async def count_rows_of(db: Database, chat_id: int) -> dict[str, int]:
    async with db.read() as session:
        return {
            model.__tablename__: await session.scalar(
                select(func.count()).select_from(model).where(model.chat_id == chat_id)
            )
            or 0
            for model in (Subscription, ChatPreferences, Delivery)
        } | {
            "chats": await session.scalar(select(func.count()).select_from(Chat).where(Chat.id == chat_id))
            or 0
        }


async def test_forget_chat_removes_every_row_about_it_and_nothing_else(db: Database) -> None:
    async with db.write() as session:
        topic = await add_topic(session, "AI")
        article = await add_article(session, topics=[topic])
        for chat_id in (1, 2):
            await add_chat(session, chat_id)
            await add_subscription(session, chat_id, topic)
            await add_subscription(session, chat_id, topic, thread_id=5)
            await add_preferences(session, chat_id, min_quality=50)
            await add_delivery(session, article, chat_id, sent_at=NOW)
            await add_delivery(session, article, chat_id, thread_id=5, status="pending")
    async with db.write() as session:
        assert await forget_chat(session, 1)
    assert await count_rows_of(db, 1) == {
        "subscriptions": 0,
        "chat_preferences": 0,
        "deliveries": 0,
        "chats": 0,
    }
    assert await count_rows_of(db, 2) == {
        "subscriptions": 2,
        "chat_preferences": 1,
        "deliveries": 2,
        "chats": 1,
    }


async def test_forget_unknown_chat_reports_nothing_removed(db: Database) -> None:
    async with db.write() as session:
        assert not await forget_chat(session, 99)


async def test_forgotten_chat_registers_as_new(db: Database) -> None:
    async with db.write() as session:
        await register_chat(session, 42, "private", None, NOW)
        await forget_chat(session, 42)
        assert await register_chat(session, 42, "private", None, NOW)
