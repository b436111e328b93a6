"""A private deployment end to end: outsiders hear one refusal a day and leave no trace in the database;
listed users (by id or username), listed groups and operators are served as ever."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.emulator import BotApiEmulator, CallbackRecord, SentMessage
from bot.ops.access import AccessList
from bot.runtime import BotRuntime
from storage.db.models import Base
from storage.db.models import Chat as ChatRow
from tests.bot.conftest import ADMIN, NOW, WAIT, Chat, Harness, buttons, refused, settings_for
from tests.bot.group_chats import Group
from tests.bot.pushes import Clock

FRIEND, OUTSIDER, GERMAN_OUTSIDER, BY_NAME = 6001, 6002, 6003, 6004
TEAM, STRANGERS = -1006001, -1006002
MEMBER = 6010
ACCESS = AccessList(frozenset({FRIEND, TEAM}), frozenset({"friendly_reader"}))
REFUSAL = (
    "🔒 Sorry, this bot is private: it only serves the people and groups its operators chose. If you should "
    "be one of them, ask an operator to add your chat id {chat_id}."
)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def private(
    emulator: BotApiEmulator, database_url: str, content: Path, clock: Clock
) -> AsyncIterator[Harness]:
    runtime = BotRuntime(settings_for(emulator, database_url, content, access=ACCESS), clock=clock)
    await runtime.start()
    for group in (TEAM, STRANGERS):
        emulator.add_chat(group, "supergroup", title=f"Group {group}")
        emulator.set_admins(group, [MEMBER, ADMIN])
    try:
        yield Harness(emulator, runtime, content, clock)
    finally:
        await runtime.stop()
    assert emulator.violations == []
    assert refused(emulator) == []


async def traces(harness: Harness, chat_id: int) -> dict[str, int]:
    """Rows that name ``chat_id`` in any table of the schema, by table."""
    found: dict[str, int] = {}
    async with harness.runtime.db.read() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if column.name == "chat_id" or (table.name == "chats" and column.name == "id"):
                    count = await session.scalar(
                        select(func.count()).select_from(table).where(column == chat_id)
                    )
                    if count:
                        found[table.name] = count
    return found


async def chats_stored(harness: Harness) -> int:
    async with harness.runtime.db.read() as session:
        return await session.scalar(select(func.count()).select_from(ChatRow)) or 0


async def answered_tap(reader: Chat, message: SentMessage) -> CallbackRecord:
    """A tap under ``message``: being answered, it shows that everything sent before it was handled."""
    injected = await reader.emulator.inject_callback(reader.chat_id, message.message_id, "t:1:0", force=True)

    def answered() -> CallbackRecord | None:
        record = next(r for r in reader.emulator.callback_answers() if r.id == injected.callback_query_id)
        return record if record.answered else None

    return await reader.emulator.wait_for(answered, timeout=WAIT)  # type: ignore[no-any-return]


def refusal_lines(caplog: pytest.LogCaptureFixture, chat_id: int) -> int:
    return sum(
        1 for r in caplog.records if r.getMessage().startswith(f"private deployment: refused chat {chat_id} ")
    )


async def test_an_outsider_hears_one_refusal_a_day_and_leaves_no_row(
    private: Harness, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.chat.handlers.access")
    outsider = private.chat(OUTSIDER)
    (refusal,) = await outsider.say("/start")
    assert refusal.body == REFUSAL.format(chat_id=OUTSIDER)
    for text in ("/topics", "/subscribe AI", "hello", "/start follow-1-ai"):
        await private.emulator.inject_message(OUTSIDER, text)
    await private.emulator.inject_member(OUTSIDER, "kicked")
    await private.emulator.inject_member(OUTSIDER, "member")  # "restarted the bot": stored for others
    tap = await answered_tap(outsider, refusal)
    assert tap.answer is not None and tap.answer["text"] is None  # answered, without a second refusal
    assert outsider.sent() == [refusal]
    assert await traces(private, OUTSIDER) == {}
    assert await chats_stored(private) == 0
    assert refusal_lines(caplog, OUTSIDER) == 1  # the operator learns the id to add, once

    clock.jump_to(NOW + timedelta(days=1))
    (again,) = await outsider.say("/topics")
    assert again.body == REFUSAL.format(chat_id=OUTSIDER)
    assert await traces(private, OUTSIDER) == {}


async def test_the_refusal_is_in_the_outsiders_language(private: Harness) -> None:
    (refusal,) = await private.chat(GERMAN_OUTSIDER, language_code="de").say("/start")
    assert refusal.body.startswith("🔒 Tut mir leid, dieser Bot ist privat")
    assert str(GERMAN_OUTSIDER) in refusal.body


async def test_listed_readers_and_operators_are_served(private: Harness) -> None:
    greeting, topics = await private.chat(FRIEND).say("/start", replies=2)
    assert "Welcome to News Bot" in greeting.body and "AI (2)" in [text for text, _ in buttons(topics)]
    assert await traces(private, FRIEND) == {"chats": 1}

    since = len(private.emulator.sent())
    await private.emulator.inject_message(BY_NAME, "/subscribe AI", username="Friendly_Reader")
    (subscribed,) = await private.emulator.wait_for(chat_id=BY_NAME, since=since, count=1, timeout=WAIT)
    assert subscribed.body == "✅ Subscribed to AI."

    stats = await private.chat(ADMIN).say_last("/stats")  # an operator's chat needs no listing
    assert stats.body.startswith("Bot statistics\nChats: 2 active")


async def test_a_group_counts_by_its_own_id_not_by_its_members(private: Harness) -> None:
    team, strangers = Group(private.emulator, TEAM), Group(private.emulator, STRANGERS)
    assert (await team.say("/subscribe Space", user_id=MEMBER)).body == "✅ Subscribed to Space."
    # An operator of ADMIN_IDS does not bring an unlisted group in: what it follows would be the group's.
    assert (await strangers.say("/subscribe Space", user_id=ADMIN)).body == REFUSAL.format(chat_id=STRANGERS)
    await strangers.send("/topics", user_id=MEMBER)
    assert (await team.say("/mytopics", user_id=MEMBER)).body.startswith("Your topics")
    assert await traces(private, STRANGERS) == {}
    assert len(strangers.sent()) == 1


async def test_inline_queries_find_nothing_for_an_outsider_and_everything_for_a_listed_user(
    private: Harness,
) -> None:
    emulator = private.emulator

    async def ask(user_id: int) -> Any:
        injected = await emulator.inject_inline_query(user_id, "")
        record = await emulator.wait_for(
            lambda: emulator.inline_answer(injected.inline_query_id), timeout=WAIT
        )
        assert record.answer is not None
        return record.answer

    outsider = await ask(OUTSIDER)
    assert (outsider["results"], outsider["is_personal"]) == ([], True)
    assert await traces(private, OUTSIDER) == {}
    assert (await ask(FRIEND))["results"] != []
    assert [m for m in emulator.sent() if m.chat_id == OUTSIDER] == []  # no refusal message for a query
    # The query could not carry the day's refusal, so the outsider's first message still does.
    (refusal,) = await private.chat(OUTSIDER).say("/start")
    assert refusal.body == REFUSAL.format(chat_id=OUTSIDER)
