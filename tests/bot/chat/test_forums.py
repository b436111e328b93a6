"""Forum supergroups end to end: each topic (thread) is its own destination, with its own subscriptions,
its own pushes posted into it, and the replies to commands typed there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.chat.callbacks import Mute
from bot.emulator import BotApiEmulator, SentMessage
from tests.bot.chat.test_groups import ADMIN, MEMBER, followed
from tests.bot.conftest import NOW, buttons, refused
from tests.bot.group_chats import Group, start_bot
from tests.bot.pushes import Clock, Pushes

FORUM = -1001700
MARKETS, SCIENCE = 11, 12  # forum topics; thread 0 is the General topic


@pytest.fixture
async def forum(database_url: str, emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Pushes]:
    setup = await start_bot(emulator, tmp_path / "content", database_url, Clock(NOW))
    emulator.add_chat(FORUM, "supergroup", title="Newsroom", is_forum=True, threads=[MARKETS, SCIENCE])
    emulator.set_admins(FORUM, [ADMIN])
    try:
        yield setup
    finally:
        await setup.runtime.stop()
    assert emulator.violations == []
    assert refused(emulator) == []


def pushes_in(setup: Pushes, thread: int | None) -> list[str]:
    """Titles of the pushes posted in one forum topic (None: the General topic)."""
    return [m.body.split("\n")[0] for m in setup.pushes(FORUM) if m.message_thread_id == thread]


async def test_each_thread_follows_its_own_topics_and_gets_its_own_pushes(forum: Pushes) -> None:
    group = Group(forum.emulator, FORUM)
    reply = await group.say("/subscribe AI", user_id=ADMIN, thread=MARKETS)
    assert (reply.body, reply.message_thread_id) == ("✅ Subscribed to AI.", MARKETS)
    reply = await group.say("/subscribe Climate, AI", user_id=ADMIN, thread=SCIENCE)
    assert (reply.body, reply.message_thread_id) == ("✅ Subscribed to Climate, AI.", SCIENCE)
    reply = await group.say("/subscribe Space", user_id=ADMIN)
    assert (reply.body, reply.message_thread_id) == ("✅ Subscribed to Space.", None)
    assert await followed(forum, FORUM, MARKETS) == ["AI"]
    assert await followed(forum, FORUM, SCIENCE) == ["AI", "Climate"]
    assert await followed(forum, FORUM) == ["Space"]
    mine = await group.say("/mytopics", user_id=MEMBER, thread=MARKETS)
    assert mine.message_thread_id == MARKETS
    assert [text for text, _ in buttons(mine)] == ["✖ AI"]
    # A tap on the keyboard shown in a thread changes that thread's topics.
    keyboard = await group.say("/topics", user_id=MEMBER, thread=SCIENCE)
    assert keyboard.message_thread_id == SCIENCE and "(2 followed)" in keyboard.body
    space = next(data for text, data in buttons(keyboard) if text.startswith("Space"))
    tap = await group.tap(keyboard, space, user_id=ADMIN)
    assert tap.answer is not None and tap.answer["text"] == "Subscribed to Space"
    assert await followed(forum, FORUM, SCIENCE) == ["AI", "Climate", "Space"]
    assert await followed(forum, FORUM) == ["Space"]

    forum.drop("ai.md", title="Chips", url="https://example.com/chips", topics=["AI"])
    forum.drop("space.md", title="Launch", url="https://example.com/launch", topics=["Space"])
    forum.drop("climate.md", title="Heat", url="https://example.com/heat", topics=["Climate"])
    await forum.wait_pushes({FORUM: 5})
    await forum.settle()
    assert pushes_in(forum, MARKETS) == ["Chips"]
    assert sorted(pushes_in(forum, SCIENCE)) == ["Chips", "Heat", "Launch"]
    assert pushes_in(forum, None) == ["Launch"]


async def test_unsubscribing_and_muting_in_a_thread_touch_only_that_thread(forum: Pushes) -> None:
    group = Group(forum.emulator, FORUM)
    for thread in (MARKETS, SCIENCE, None):
        await group.say("/subscribe AI", user_id=ADMIN, thread=thread)
    reply = await group.say("/unsubscribe AI", user_id=ADMIN, thread=SCIENCE)
    assert (reply.body, reply.message_thread_id) == ("Unsubscribed from AI.", SCIENCE)
    assert await followed(forum, FORUM, MARKETS) == ["AI"]
    assert await followed(forum, FORUM, SCIENCE) == []
    assert await followed(forum, FORUM) == ["AI"]

    forum.drop("ai.md", title="Chips", url="https://example.com/chips", topics=["AI"])
    await forum.wait_pushes({FORUM: 2})
    push: SentMessage = next(m for m in forum.pushes(FORUM) if m.message_thread_id == MARKETS)
    mute = next(data for text, data in buttons(push) if text.startswith("🔕"))
    assert mute.startswith(f"{Mute.prefix}:")
    refusal = await group.tap(push, mute, user_id=MEMBER)
    assert refusal.answer is not None and refusal.answer["text"] == "Only the group's admins can do that."
    assert await followed(forum, FORUM, MARKETS) == ["AI"]
    muted = await group.tap(push, mute, user_id=ADMIN)
    assert muted.answer is not None and muted.answer["text"].startswith("🔕 Muted AI")
    assert await followed(forum, FORUM, MARKETS) == []
    assert await followed(forum, FORUM) == ["AI"]
    # The mute's confirmation (with Undo) went to the thread the push was in.
    await forum.emulator.wait_for(lambda: any("Muted AI" in m.body for m in group.sent()), timeout=10)
    confirmation = next(m for m in group.sent() if "Muted AI" in m.body)
    assert confirmation.message_thread_id == MARKETS
