"""The mass-withdrawal guard end to end: every file vanishing mid fan-out deletes, edits and cancels nothing.

The real bot (``BotRuntime``) against the emulator, with corrections on: without the guard the sync would
withdraw every article, the worker would cancel the pushes still waiting, and once its settle time passed the
correction worker would delete the pushes readers already had. ``/withdraw_confirm`` is the operator's way
to say "I meant it".
"""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.emulator import BotApiEmulator, EmulatorLimits
from storage.db.models import Article, Correction, Delivery
from tests.bot.conftest import ADMIN, refused
from tests.bot.pushes import WAIT, Clock, Pushes, seed_followers, start_pushes

READERS = range(7_000, 7_300)
AWAY_SECONDS = 0.5  # how long the files stay away (a remount, a sync tool's run): short in tests
PAST_SETTLE = timedelta(seconds=15)  # beyond a correction's settle time (TELEGRAM_TIMEOUT, two polls, 1 s)
# Raised rates keep the fan-out short (a couple of seconds), yet long enough to move the files mid-way.
OPTIONS: dict[str, Any] = {
    "corrections": True,
    "send_global_per_second": 400,
    "push_rate": 150,
    "alert_interval_seconds": 0.0,
}
TOUCHING = ("deleteMessage", "editMessageText", "editMessageCaption", "editMessageReplyMarkup")


@pytest.fixture
async def bot(database_url: str, tmp_path: Path, clock: Clock) -> AsyncIterator[Pushes]:
    emulator = BotApiEmulator(EmulatorLimits(global_per_second=1_000, chat_burst=100, chat_per_second=100.0))
    await emulator.start()
    emulator.add_chat(ADMIN, "private")  # the operator has started the bot, so alerts can reach them
    setup = await start_pushes(emulator, tmp_path, database_url, clock, **OPTIONS)
    try:
        yield setup
    finally:
        await setup.runtime.stop()
        await emulator.stop()
    assert emulator.violations == []
    assert refused(emulator) == []


def move_all(source: Path, target: Path) -> None:
    """Every article file moved at once, as an unmount or a sync tool makes them vanish (mtimes kept)."""
    target.mkdir(exist_ok=True)
    for path in sorted(source.glob("*.md")):
        shutil.move(path, target / path.name)


async def until(condition: Callable[[], object], what: str) -> None:
    try:
        async with asyncio.timeout(WAIT):
            while not condition():  # noqa: ASYNC110 - the watcher's sync is what we wait for
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"no {what} within {WAIT} s") from None


async def live_articles(setup: Pushes, count: int) -> None:
    async with asyncio.timeout(WAIT):
        while (await ledger(setup))[2] != count:  # noqa: ASYNC110 - the watcher's sync writes them
            await asyncio.sleep(0.02)


def pushed(setup: Pushes) -> Counter[int]:
    return Counter(m.chat_id for m in setup.emulator.sent() if m.chat_id in READERS)


async def ask(setup: Pushes, chat_id: int, text: str) -> str:
    """The bot's answer to a command, leaving out the alerts an operator may get meanwhile."""
    since = len(setup.emulator.sent())
    await setup.emulator.inject_message(chat_id, text)

    def answered() -> list[str]:
        found = setup.emulator.sent(chat_id, since=since)
        return [m.body for m in found if not m.body.startswith(("⚠️", "✅"))]

    found: list[str] = await setup.emulator.wait_for(answered, timeout=WAIT)
    return found[0]


def alerts(setup: Pushes, title: str) -> list[str]:
    return [m.body for m in setup.emulator.sent(ADMIN) if m.body.startswith(title)]


async def ledger(setup: Pushes) -> tuple[Counter[str], int, int]:
    """Deliveries by status, corrections opened, live articles."""
    async with setup.runtime.db.read() as session:
        rows = await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
        statuses = Counter({status: count for status, count in rows})
        corrections = await session.scalar(select(func.count()).select_from(Correction)) or 0
        live = (
            await session.scalar(
                select(func.count()).select_from(Article).where(Article.withdrawn_at.is_(None))
            )
            or 0
        )
    return statuses, corrections, live


async def test_files_moved_out_mid_fanout_and_back_delete_edit_and_cancel_nothing(
    bot: Pushes, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    guard = bot.runtime.sync.guard
    await seed_followers(bot, READERS, "ai")
    bot.drop("news.md", title="Breaking", url="https://example.com/breaking", topics=["AI"], images=1)
    await until(lambda: sum(pushed(bot).values()) >= 30, "the fan-out under way")

    move_all(bot.content, tmp_path / "aside")
    await until(lambda: guard.held is not None, "the sync holding its withdrawals")
    assert sum(pushed(bot).values()) < len(READERS), "the files went away mid fan-out"
    await bot.runtime.watcher.sync_now()  # a rescan meanwhile: the same hold, told no second time
    await asyncio.sleep(AWAY_SECONDS)
    move_all(tmp_path / "aside", bot.content)
    await until(lambda: guard.held is None, "the files back")

    await bot.wait_pushes(dict.fromkeys(READERS, 1))
    bot.clock.jump_to(bot.clock() + PAST_SETTLE)  # a retraction would start now
    await asyncio.sleep(1.0)
    counts = pushed(bot)
    assert [chat for chat in READERS if counts[chat] != 1] == []  # every reader exactly once
    assert [call.method for call in bot.emulator.calls() if call.method in TOUCHING] == []
    statuses, corrections, live = await ledger(bot)
    assert (statuses, corrections, live) == (Counter(sent=len(READERS)), 0, 2)

    await until(lambda: alerts(bot, "✅ Withdrawals no longer held"), "the all-clear")
    (held,) = alerts(bot, "⚠️ Withdrawals held")
    assert (
        f"{bot.content.as_posix()} holds no article file, and 2 articles of 2 live would be withdrawn" in held
    )
    assert "/withdraw_confirm" in held
    logged = [r for r in caplog.records if r.getMessage().startswith("content: withdrawals held:")]
    assert len(logged) == 1 and logged[0].levelname == "WARNING"


async def test_withdraw_confirm_withdraws_what_is_held_for_operators_only(
    bot: Pushes, tmp_path: Path
) -> None:
    assert (await ask(bot, ADMIN, "/withdraw_confirm")) == (
        "Nothing is held: no sync is waiting for a confirmation to withdraw articles."
    )
    bot.drop("news.md", title="Breaking", url="https://example.com/breaking", topics=["AI"])
    await live_articles(bot, 2)
    move_all(bot.content, tmp_path / "aside")
    await until(lambda: bot.runtime.sync.guard.held is not None, "the sync holding its withdrawals")

    assert (await ask(bot, READERS[0], "/withdraw_confirm")).startswith("I don't know that command.")
    assert (await ledger(bot))[2] == 2  # still live
    answer = await ask(bot, ADMIN, "/withdraw_confirm")
    assert answer.startswith("Withdrawal confirmed: 2 articles withdrawn. Content folder synced: ")
    assert (await ledger(bot))[2] == 0
    assert bot.runtime.sync.guard.held is None
    assert (await ask(bot, ADMIN, "/withdraw_confirm")).startswith("Nothing is held")


async def test_withdraw_confirm_cannot_confirm_a_missing_folder(bot: Pushes, tmp_path: Path) -> None:
    shutil.move(bot.content, tmp_path / "unmounted")
    await until(lambda: bot.runtime.sync.guard.held is not None, "the sync holding its withdrawals")
    answer = await ask(bot, ADMIN, "/withdraw_confirm")
    assert answer.startswith(
        f"Nothing was withdrawn, this cannot be confirmed: withdrawals held: {bot.content.as_posix()}: "
        "content folder does not exist, and the store has 1 article live."
    )
    assert (await ledger(bot))[2] == 1
    shutil.move(tmp_path / "unmounted", bot.content)
    await until(lambda: bot.runtime.sync.guard.held is None, "the folder back")
