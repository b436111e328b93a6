"""Channels end to end: content/channels.yaml maps topics to channels, the bot posts there, and says
clearly (a log line naming the channel, an operator alert) when it may not; bad files are precise."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.emulator import BotApiEmulator
from storage.db.models import Chat as ChatRow
from tests.bot.chat.test_groups import followed
from tests.bot.conftest import ADMIN, NOW, refused
from tests.bot.group_chats import WAIT, eventually, start_bot, write_seed
from tests.bot.pushes import Clock, Pushes

AI_NEWS, OPS_NEWS, SPACE_WIRE = -1001001, -1001002, -1001003
CHANNELS = (
    '# topics per channel\n"@ai_news": [AI, Computer Vision]\n"@ops_news": [Security]\n-1001003: [space]\n'
)


@pytest.fixture
async def channels(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Pushes]:
    caplog.set_level(logging.INFO, logger="bot.ops.channels")
    emulator.add_chat(ADMIN, "private")  # the operator has started the bot, so alerts can reach them
    emulator.add_chat(AI_NEWS, "channel", title="AI News", username="ai_news")  # the bot is its admin
    emulator.add_chat(OPS_NEWS, "channel", title="Ops", username="ops_news", bot_status="member")
    emulator.add_chat(SPACE_WIRE, "channel", title="Space wire")
    content = tmp_path / "content"
    write_seed(content)
    (content / "channels.yaml").write_text(CHANNELS, encoding="utf-8")
    setup = await start_bot(emulator, content, database_url, Clock(NOW), alert_interval_seconds=0.0)
    try:
        yield setup
    finally:
        await setup.runtime.stop()
    assert emulator.violations == []
    assert [call for call in refused(emulator) if call.status not in setup.expected_refusals] == []


async def chat_row(setup: Pushes, chat_id: int) -> ChatRow | None:
    async with setup.runtime.db.read() as session:
        return await session.get(ChatRow, chat_id)


def logged(caplog: pytest.LogCaptureFixture, level: int, *words: str) -> list[str]:
    records = [*caplog.get_records("setup"), *caplog.records]  # the bot started in the fixture
    return [
        r.getMessage()
        for r in records
        if r.name == "bot.ops.channels" and r.levelno == level and all(w in r.getMessage() for w in words)
    ]


async def alerts(emulator: BotApiEmulator, *words: str) -> list[str]:
    def told() -> list[str]:
        return [m.body for m in emulator.sent(ADMIN) if all(w in m.body for w in words)]

    return await emulator.wait_for(told, timeout=WAIT)  # type: ignore[no-any-return]


def sends_to(emulator: BotApiEmulator, chat_id: int) -> list[int]:
    return [
        c.status
        for c in emulator.calls()
        if c.method.startswith("send") and c.params.get("chat_id") == chat_id
    ]


async def test_channels_follow_the_file_and_get_pushes(
    channels: Pushes, caplog: pytest.LogCaptureFixture
) -> None:
    row = await chat_row(channels, AI_NEWS)
    assert row is not None and (row.type, row.username, row.managed, row.status) == (
        "channel",
        "ai_news",
        True,
        "active",
    )
    assert await followed(channels, AI_NEWS) == ["AI"]
    assert await followed(channels, SPACE_WIRE) == ["Space"]
    # "Computer Vision" has no article yet: a warning naming the file and line, and the rest applies.
    assert logged(caplog, logging.WARNING, "content/channels.yaml:2:", "Computer Vision")

    channels.drop("ai.md", title="Chips", url="https://example.com/chips", topics=["AI"])
    channels.drop("cv.md", title="Cameras", url="https://example.com/cameras", topics=["Computer Vision"])
    await channels.wait_pushes({AI_NEWS: 2, SPACE_WIRE: 0})
    await channels.settle()
    # The topic that arrived with an article was picked up from the file before its push went out.
    assert sorted(m.body.split("\n")[0] for m in channels.pushes(AI_NEWS)) == ["Cameras", "Chips"]
    assert channels.pushes(SPACE_WIRE) == []
    assert await followed(channels, AI_NEWS) == ["AI", "Computer Vision"]


async def test_a_channel_the_bot_does_not_administer_is_reported_and_paused(
    channels: Pushes, caplog: pytest.LogCaptureFixture
) -> None:
    (alert,) = await alerts(channels.emulator, "@ops_news")
    assert alert.startswith("⚠️ Channel problems")
    assert "not an administrator" in alert and "content/channels.yaml:3" in alert
    assert logged(caplog, logging.ERROR, "@ops_news", str(OPS_NEWS), "not an administrator")
    row = await chat_row(channels, OPS_NEWS)
    assert row is not None and row.managed and row.status == "blocked"
    assert await followed(channels, OPS_NEWS) == ["Security"]

    channels.drop("s1.md", title="Breach", url="https://example.com/breach", topics=["Security", "AI"])
    await channels.wait_pushes({AI_NEWS: 1})
    await channels.settle()
    assert sends_to(channels.emulator, OPS_NEWS) == []  # never tried: nothing to refuse

    # Somebody makes the bot an admin: Telegram tells it, and pushes resume with the next article.
    await channels.emulator.inject_member(OPS_NEWS, "administrator", user_id=ADMIN, chat_type="channel")
    await eventually(lambda: logged(caplog, logging.INFO, "@ops_news", "pushes resume"))
    channels.drop("s2.md", title="Patch", url="https://example.com/patch", topics=["Security"])
    await channels.wait_pushes({OPS_NEWS: 1})
    assert [m.body.split("\n")[0] for m in channels.pushes(OPS_NEWS)] == ["Patch"]


async def test_a_push_refused_for_lack_of_rights_pauses_the_channel_once(
    channels: Pushes, caplog: pytest.LogCaptureFixture
) -> None:
    channels.expected_refusals.add(400)
    # Demoted without the bot being told (the update was lost, or another process handles updates).
    channels.emulator.add_chat(AI_NEWS, "channel", bot_status="member")
    channels.drop("a1.md", title="First", url="https://example.com/a1", topics=["AI"])
    (alert,) = await alerts(channels.emulator, "@ai_news")
    assert "need administrator rights" in alert.lower()
    assert logged(caplog, logging.ERROR, "@ai_news", str(AI_NEWS), "not an administrator")
    channels.drop("a2.md", title="Second", url="https://example.com/a2", topics=["AI"])
    await channels.settle(1.0)
    # One refused attempt, then nothing: a second one would be a violation in the emulator too.
    assert sends_to(channels.emulator, AI_NEWS) == [400]
    row = await chat_row(channels, AI_NEWS)
    assert row is not None and row.status == "blocked"


async def test_editing_the_file_moves_subscriptions_and_releases_channels(
    channels: Pushes, caplog: pytest.LogCaptureFixture
) -> None:
    (channels.content / "channels.yaml").write_text('"@ai_news": [Climate]\n', encoding="utf-8")
    await eventually(lambda: logged(caplog, logging.INFO, "@ops_news", "no longer in"))

    async def managed() -> list[int]:
        async with channels.runtime.db.read() as session:
            return list(await session.scalars(select(ChatRow.id).where(ChatRow.managed.is_(True))))

    assert await managed() == [AI_NEWS]
    assert await followed(channels, AI_NEWS) == ["Climate"]
    assert await followed(channels, SPACE_WIRE) == []
    channels.drop("c.md", title="Heat", url="https://example.com/heat", topics=["Climate", "Space"])
    await channels.wait_pushes({AI_NEWS: 1})
    await channels.settle()
    assert channels.pushes(SPACE_WIRE) == []


async def follows(pushes: Pushes, chat_id: int, names: list[str]) -> None:
    async with asyncio.timeout(WAIT):
        while await followed(pushes, chat_id) != names:  # noqa: ASYNC110 - the store is what we observe
            await asyncio.sleep(0.05)


async def test_a_broken_file_is_reported_precisely_and_changes_nothing(
    channels: Pushes, caplog: pytest.LogCaptureFixture
) -> None:
    (channels.content / "channels.yaml").write_text(
        '"@ai_news": [Space]\n@ops_news: [AI]\n', encoding="utf-8"
    )
    (alert,) = await alerts(channels.emulator, "channels.yaml:2")
    assert "quote channel names" in alert
    assert logged(caplog, logging.ERROR, "content/channels.yaml:2: error: malformed YAML")
    assert await followed(channels, AI_NEWS) == ["AI"]  # as before the edit
    # The articles carry on.
    channels.drop("ai.md", title="Chips", url="https://example.com/chips", topics=["AI"])
    await channels.wait_pushes({AI_NEWS: 1})

    # One broken entry holds back only its own channel.
    (channels.content / "channels.yaml").write_text(
        '"@ai_news": [Space]\n"@ops_news": Security\n-1001003: [Climate]\n', encoding="utf-8"
    )
    await eventually(lambda: logged(caplog, logging.ERROR, "channels.yaml:2: error: the topics of @ops_news"))
    await eventually(lambda: logged(caplog, logging.INFO, str(SPACE_WIRE), "now follows: Climate"))
    # The line is logged inside the transaction: wait for its commit.
    await follows(channels, SPACE_WIRE, ["Climate"])
    assert await followed(channels, AI_NEWS) == ["Space"]
    assert await followed(channels, OPS_NEWS) == ["Security"]


async def test_a_channel_the_bot_is_not_in_yet_is_taken_on_when_it_is_added(
    channels: Pushes, caplog: pytest.LogCaptureFixture
) -> None:
    late = -1001009
    channels.expected_refusals.add(400)  # getChat: no such channel yet
    with (channels.content / "channels.yaml").open("a", encoding="utf-8") as file:
        file.write('"@late_news": [Climate]\n')
    (alert,) = await alerts(channels.emulator, "@late_news")
    assert "content/channels.yaml:5: channel @late_news: Telegram says: Chat not found" in alert
    assert await chat_row(channels, late) is None
    # The channel is created and the bot made its administrator: Telegram tells the bot.
    channels.emulator.add_chat(late, "channel", title="Late", username="late_news", bot_status="left")
    await channels.emulator.inject_member(late, "administrator", user_id=ADMIN, chat_type="channel")
    await eventually(lambda: logged(caplog, logging.INFO, "@late_news", "now follows: Climate"))
    channels.drop("c.md", title="Heat", url="https://example.com/heat", topics=["Climate"])
    await channels.wait_pushes({late: 1})
    row = await chat_row(channels, late)
    assert row is not None and row.managed and row.status == "active"
