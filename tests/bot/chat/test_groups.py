"""Groups end to end: admins change topics (anonymous ones too), members read, other bots' commands and
plain text are left alone, and pushes keep to Telegram's 20 a minute per group."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.chat.callbacks import ToggleTopic
from bot.emulator import BotApiEmulator
from storage.db.models import Subscription, Topic
from tests.bot.conftest import FAST_READERS, NOW, refused
from tests.bot.group_chats import WAIT, Group, Ticks, start_bot
from tests.bot.pushes import Clock, Pushes

GROUP = -1001500
ADMIN, CREATOR, MEMBER = 7, 8, 9
REFUSAL = "Only this group's admins can change its topics and settings."


@pytest.fixture
async def bot(database_url: str, emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Pushes]:
    setup = await start_bot(emulator, tmp_path / "content", database_url, Clock(NOW))
    emulator.add_chat(GROUP, "supergroup", title="Editors")
    emulator.set_admins(GROUP, [ADMIN], creator_id=CREATOR)
    try:
        yield setup
    finally:
        await setup.runtime.stop()
    assert emulator.violations == []
    assert refused(emulator) == []


async def followed(setup: Pushes, chat_id: int, thread: int = 0) -> list[str]:
    async with setup.runtime.db.read() as session:
        names = await session.scalars(
            select(Topic.name)
            .join(Subscription, Subscription.topic_id == Topic.id)
            .where(Subscription.chat_id == chat_id, Subscription.thread_id == thread)
            .order_by(Topic.name)
        )
    return list(names)


def member_lookups(emulator: BotApiEmulator, user_id: int) -> int:
    return sum(
        1
        for call in emulator.calls("getChatMember")
        if call.params.get("chat_id") == GROUP and call.params.get("user_id") == user_id
    )


async def test_admins_change_topics_members_only_read(bot: Pushes) -> None:
    group = Group(bot.emulator, GROUP)
    assert (await group.say("/subscribe AI", user_id=ADMIN)).body == "✅ Subscribed to AI."
    assert (await group.say("/subscribe Space", user_id=CREATOR)).body == "✅ Subscribed to Space."
    assert (await group.say("/subscribe Climate", user_id=MEMBER)).body == REFUSAL
    assert (await group.say("/unsubscribe all", user_id=MEMBER)).body == REFUSAL
    assert (await group.say("/stop", user_id=MEMBER)).body == REFUSAL
    assert await followed(bot, GROUP) == ["AI", "Space"]
    # The admin's second command is answered from the cache: one getChatMember per member within 60 s.
    assert (await group.say("/unsubscribe Space", user_id=ADMIN)).body == "Unsubscribed from Space."
    assert member_lookups(bot.emulator, ADMIN) == 1
    assert member_lookups(bot.emulator, MEMBER) == 1

    # Reading is for everyone.
    latest = await group.say("/latest", user_id=MEMBER)
    assert latest.body.startswith("Latest news") and "Back catalogue" in latest.body
    assert "Back catalogue" in (await group.say("/search catalogue", user_id=MEMBER)).body
    assert "/subscribe" in (await group.say("/help", user_id=MEMBER)).body
    keyboard = await group.say("/topics", user_id=MEMBER)
    assert "(1 followed)" in keyboard.body

    # A member's tap on a topic is refused with a toast and changes nothing; an admin's goes through.
    space = await topic_id(bot, "Space")
    tap = ToggleTopic(space, 0).pack()
    answer = await group.tap(keyboard, tap, user_id=MEMBER)
    assert answer.answer is not None and answer.answer["text"] == "Only the group's admins can do that."
    assert await followed(bot, GROUP) == ["AI"]
    answer = await group.tap(keyboard, tap, user_id=ADMIN)
    assert answer.answer is not None and answer.answer["text"] == "Subscribed to Space"
    assert await followed(bot, GROUP) == ["AI", "Space"]


async def test_anonymous_admin_counts_as_admin(bot: Pushes) -> None:
    group = Group(bot.emulator, GROUP)
    assert (await group.say("/subscribe Security", anonymous=True)).body == "✅ Subscribed to Security."
    assert await followed(bot, GROUP) == ["Security"]
    # Nobody had to be looked up: the message came from the group itself.
    assert bot.emulator.calls("getChatMember") == []


async def test_plain_text_and_other_bots_commands_are_left_alone(bot: Pushes) -> None:
    bot.emulator.privacy_mode = False  # the bot now receives every message in the group
    group = Group(bot.emulator, GROUP)
    since = len(bot.emulator.sent())
    for text in (
        "good morning, everyone",
        "/subscribe@other_news_bot AI",
        "/frobnicate",
        "@newsbot_test_bot hi",
    ):
        assert (await group.send(text, user_id=ADMIN)).delivered
    # Updates of one chat are handled in order: once this is answered, the four above were handled.
    reply = await group.say("/subscribe@NewsBot_Test_Bot Climate", user_id=ADMIN)
    assert reply.body == "✅ Subscribed to Climate."
    unknown = await group.say("/frobnicate@newsbot_test_bot", user_id=ADMIN)
    assert unknown.body.startswith("I don't know that command")
    await asyncio.sleep(0.3)
    assert [m.body for m in group.sent(since)] == [reply.body, unknown.body]
    assert await followed(bot, GROUP) == ["Climate"]


async def test_plain_text_in_private_still_gets_the_hint(bot: Pushes) -> None:
    since = len(bot.emulator.sent())
    await bot.emulator.inject_message(MEMBER, "hello")
    (hint,) = await bot.emulator.wait_for(chat_id=MEMBER, since=since, timeout=WAIT)
    assert hint.body.startswith("I only understand commands")


async def topic_id(setup: Pushes, name: str) -> int:
    async with setup.runtime.db.read() as session:
        found = await session.scalar(select(Topic.id).where(Topic.name == name))
    assert found is not None
    return found


async def test_pushes_keep_to_twenty_a_minute_per_group(database_url: str, tmp_path: Path) -> None:
    ticks = Ticks()  # the bot's pacing and the emulator's limits share it: the test can skip a minute
    emulator = BotApiEmulator(FAST_READERS, clock=ticks)
    await emulator.start()
    setup = await start_bot(emulator, tmp_path / "content", database_url, Clock(NOW), monotonic=ticks)
    try:
        emulator.add_chat(GROUP, "supergroup", title="Editors")
        emulator.set_admins(GROUP, [ADMIN])
        group = Group(emulator, GROUP)
        await group.say("/subscribe AI", user_id=ADMIN)  # the reply is the group's first message this minute
        for n in range(25):
            setup.drop(f"g{n}.md", title=f"Story {n}", url=f"https://example.com/g/{n}", topics=["AI"])
        await emulator.wait_for(lambda: len(group.sent()) >= 20, timeout=WAIT)
        await asyncio.sleep(1.5)  # the rest is due, and held
        assert len(group.sent()) == 20 and len(setup.pushes(GROUP)) == 19
        assert emulator.stats()["statuses"]["429"] == 0
        ticks.advance(61)  # the minute has passed
        await emulator.wait_for(lambda: len(setup.pushes(GROUP)) == 25, timeout=WAIT)
        sent_at = sorted(m.time for m in group.sent())
        # In every trailing minute at most 20, by the emulator's clock (it would have answered 429).
        assert all(later - earlier >= 60 for earlier, later in zip(sent_at, sent_at[20:], strict=False))
        titles = sorted(m.body.split("\n")[0] for m in setup.pushes(GROUP))
        assert titles == sorted(f"Story {n}" for n in range(25))
    finally:
        await setup.runtime.stop()
        await emulator.stop()
    assert emulator.violations == []
    assert refused(emulator) == []
