"""Fixtures for the emulator's own tests: a controllable clock, a running emulator, an HTTP client, a PTB
bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import telegram

from bot.emulator import BotApiEmulator
from tests.bot.emulator.fakes import READER, TOKEN, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def emulator(clock: FakeClock) -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(clock=clock)
    await emulator.start()
    yield emulator
    await emulator.stop()
    # Every answer the emulator gave was checked against the spec; none may have failed.
    assert [v for v in emulator.violations if v.kind == "emulator_bug"] == []


@pytest.fixture
async def http(emulator: BotApiEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client for the running emulator: its Bot API and its control endpoints."""
    async with aiohttp.ClientSession(base_url=emulator.root_url) as session:
        yield session


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=emulator.api_url) as bot:
        yield bot


@pytest.fixture
async def reader(emulator: BotApiEmulator) -> int:
    """A private chat whose reader has started the bot."""
    await emulator.inject_message(READER, "/start")
    return READER
