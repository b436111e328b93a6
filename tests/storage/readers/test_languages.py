"""Chats' choices of language held in memory: right after this process's changes, soon after others'."""

from __future__ import annotations

from storage.db.database import Database
from storage.readers.chats import forget_chat, migrate_chat, update_preferences
from storage.readers.languages import LanguageChoices
from tests.storage.factories import NOW, add_chat


async def test_choices_are_read_once_and_kept(db: Database) -> None:
    async with db.write() as session:
        await add_chat(session, 1)
        await add_chat(session, 2)
        await update_preferences(session, 1, language="de")
        await update_preferences(session, 2, silent=True)
    choices = LanguageChoices(db)
    assert [await choices.get(chat) for chat in (1, 2, 3, 1, 2)] == ["de", None, None, "de", None]
    assert choices.loads == 1


async def test_this_process_sees_its_own_change_at_once(db: Database) -> None:
    async with db.write() as session:
        await add_chat(session, 1)
    seconds = [0.0]
    choices = LanguageChoices(db, monotonic=lambda: seconds[0])
    assert await choices.get(1) is None
    async with db.write() as session:
        await update_preferences(session, 1, language="de")
    choices.changed(1, "de")
    assert await choices.get(1) == "de"
    async with db.write() as session:
        await forget_chat(session, 1)
    choices.changed(1, None)
    assert await choices.get(1) is None


async def test_another_process_change_is_seen_after_the_recheck_interval(db: Database) -> None:
    async with db.write() as session:
        await add_chat(session, 1)
    seconds = [0.0]
    choices = LanguageChoices(db, recheck_seconds=1.0, monotonic=lambda: seconds[0])
    assert await choices.get(1) is None
    async with db.write() as session:  # another process: no call to ``changed``
        await update_preferences(session, 1, language="de")
    seconds[0] = 0.5
    assert await choices.get(1) is None
    seconds[0] = 1.0
    assert await choices.get(1) == "de"
    assert choices.loads == 2
    seconds[0] = 2.5  # nothing changed: the version is read, the choices are not
    assert await choices.get(1) == "de"
    assert choices.loads == 2


async def test_a_group_moved_to_a_new_id_keeps_its_language(db: Database) -> None:
    async with db.write() as session:
        await add_chat(session, -1)
        await update_preferences(session, -1, language="de")
    seconds = [0.0]
    choices = LanguageChoices(db, monotonic=lambda: seconds[0])
    assert await choices.get(-1) == "de"
    async with db.write() as session:  # a sender, maybe in another process, meets the migration
        await migrate_chat(session, -1, -1001, NOW)
    seconds[0] = 5.0
    assert (await choices.get(-1), await choices.get(-1001)) == (None, "de")
