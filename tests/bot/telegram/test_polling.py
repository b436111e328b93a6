"""Only one process may poll getUpdates: the second one says so and exits 3, the first keeps polling.

Unit tests of the policy (``PollingGuard``), the runtime's wiring in-process, and two real
``python -m bot run`` processes against one emulator.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import telegram
from telegram.error import BadRequest, Conflict, NetworkError

from bot.emulator import BotApiEmulator
from bot.ops.metrics import Metrics
from bot.runtime import BotRuntime
from bot.telegram.polling import EXIT_DUPLICATE_POLLER, PollingGuard, UpdatesRequest
from bot.telegram.transport import AiohttpRequest
from tests.bot.conftest import NOW, TOKEN, Chat, settings_for
from tests.bot.processes import bot_environment, start_bot

OTHER_POLLER = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
DUPLICATE_LINE = "another process is already polling getUpdates with this bot token"
NEWCOMER_LINE = "polling conflict: another process started taking this bot's updates"
CONFLICT_PROBLEM = "another process is polling getUpdates with this bot token"
WAIT = 30.0


def other_process(emulator: BotApiEmulator, updates: AiohttpRequest | None = None) -> telegram.Bot:
    """A second bot with the same token, on the bot's own transport (httpx would log the token)."""
    return telegram.Bot(
        TOKEN,
        base_url=emulator.api_url,
        request=AiohttpRequest(),
        get_updates_request=updates or AiohttpRequest(1),
    )


class Guarded:
    """A guard whose ``on_duplicate`` calls are counted, and its metrics."""

    def __init__(self) -> None:
        self.metrics = Metrics()
        self.duplicates = 0
        self.guard = PollingGuard(self.metrics.count_polling_conflict, on_duplicate=self._duplicate)

    def _duplicate(self) -> None:
        self.duplicates += 1

    def conflicts(self) -> float:
        value = self.metrics.registry.get_sample_value("newsbot_polling_conflicts_total")
        assert value is not None
        return value


def messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.telegram.polling" and r.levelno == level]


# -- the policy -------------------------------------------------------------------------------------


def test_a_conflict_before_any_successful_poll_means_this_process_is_the_second(
    caplog: pytest.LogCaptureFixture,
) -> None:
    guarded = Guarded()
    guarded.guard.error_callback(Conflict(OTHER_POLLER))
    guarded.guard.error_callback(Conflict(OTHER_POLLER))  # PTB retries until the process stops
    assert guarded.duplicates == 1
    assert guarded.conflicts() == 2
    assert not guarded.guard.sole_poller
    (line,) = messages(caplog, logging.ERROR)
    assert line.startswith(DUPLICATE_LINE)
    assert "only one polling process may run" in line and "--role sender" in line and "webhook mode" in line
    assert "terminated by other getUpdates request" in line  # Telegram's own words, for the record
    assert messages(caplog, logging.WARNING) == []


def test_a_conflict_after_polling_fine_warns_once_per_episode_and_keeps_polling(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.telegram.polling")
    guarded = Guarded()
    guard = guarded.guard
    guard.poll_succeeded()
    assert guard.sole_poller
    for _ in range(3):
        guard.error_callback(Conflict(OTHER_POLLER))
        assert not guard.sole_poller
    assert (guarded.duplicates, guarded.conflicts()) == (0, 3)
    assert len(messages(caplog, logging.WARNING)) == 1
    guard.poll_succeeded()  # the newcomer is gone: the episode ends
    assert guard.sole_poller
    assert messages(caplog, logging.INFO) == [
        "polling: getUpdates answers again; the other polling process is gone"
    ]
    guard.error_callback(Conflict(OTHER_POLLER))  # a new episode is told again
    (first, second) = messages(caplog, logging.WARNING)
    assert first == second
    assert first.startswith(NEWCOMER_LINE) and "terminated by other getUpdates request" in first
    assert (guarded.duplicates, guarded.conflicts()) == (0, 4)
    assert messages(caplog, logging.ERROR) == []


def test_other_polling_errors_are_logged_and_change_nothing(caplog: pytest.LogCaptureFixture) -> None:
    guarded = Guarded()
    guarded.guard.error_callback(NetworkError("Bad Gateway"))
    guarded.guard.error_callback(BadRequest("Bad Request: something"))
    assert (guarded.duplicates, guarded.conflicts(), guarded.guard.sole_poller) == (0, 0, True)
    assert messages(caplog, logging.ERROR) == [
        "polling: getUpdates failed, retrying: NetworkError: Bad Gateway",
        "polling: getUpdates failed, retrying: BadRequest: Something",
    ]
    guarded.guard.error_callback(Conflict(OTHER_POLLER))  # errors are no successful poll
    assert guarded.duplicates == 1


async def test_the_updates_transport_reports_only_successful_answers(emulator: BotApiEmulator) -> None:
    guarded = Guarded()
    async with other_process(emulator, UpdatesRequest(guarded.guard)) as bot:
        assert await bot.set_webhook("https://bot.example.com/hook")
        with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
            await bot.get_updates()
        assert not guarded.guard.polled
        assert await bot.delete_webhook()
        assert not guarded.guard.polled  # other methods go through the other transport
        assert await bot.get_updates() == ()
        assert guarded.guard.polled


# -- the runtime, in-process ------------------------------------------------------------------------


@pytest.fixture
async def runtime(database_url: str, emulator: BotApiEmulator, content: Path) -> AsyncIterator[BotRuntime]:
    runtime = BotRuntime(settings_for(emulator, database_url, content), clock=lambda: NOW)
    yield runtime
    await runtime.stop()


async def healthz(runtime: BotRuntime) -> tuple[int, dict[str, object]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{runtime.web_port}/healthz") as response,
    ):
        return response.status, await response.json()


async def test_the_first_poller_warns_reports_unhealthy_and_recovers(
    emulator: BotApiEmulator, runtime: BotRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    await runtime.start()
    await Chat(emulator, 7001).say("/start")  # this process has polled successfully
    async with other_process(emulator) as newcomer:
        intruding = asyncio.create_task(newcomer.get_updates(timeout=30))
        await emulator.wait_for(lambda: not runtime.polling.sole_poller, timeout=WAIT)
        status, body = await healthz(runtime)
        assert (status, body["polling"], body["problems"]) == (503, False, [CONFLICT_PROBLEM])
        # The runtime polls again and ends the newcomer's poll in turn: only one poll can wait.
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(intruding, WAIT)
    await Chat(emulator, 7002).say("/start")  # still answering
    assert runtime.polling.sole_poller
    status, body = await healthz(runtime)
    assert (status, body["polling"]) == (200, True)
    assert len(messages(caplog, logging.WARNING)) == 1
    assert runtime.metrics.registry.get_sample_value("newsbot_polling_conflicts_total") == 1
    assert (runtime.stopping.is_set(), runtime.exit_status) == (False, 0)


async def test_the_second_poller_asks_to_stop_with_status_3(
    emulator: BotApiEmulator, runtime: BotRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    async with other_process(emulator) as incumbent:
        await runtime.start()
        await emulator.wait_for(lambda: emulator.state.poll_generation >= 1, timeout=WAIT)
        assert await incumbent.get_updates(timeout=0) == ()  # the other process polls again
        await asyncio.wait_for(runtime.stopping.wait(), WAIT)
    assert runtime.exit_status == EXIT_DUPLICATE_POLLER
    assert not runtime.polling.polled
    (line,) = messages(caplog, logging.ERROR)
    assert line.startswith(DUPLICATE_LINE)


# -- two real processes -----------------------------------------------------------------------------


def _port(log: Path) -> int:
    found = re.search(r"bot started \(.*polling\): @\w+, http on port (\d+)", log.read_text())
    assert found, log.read_text()
    return int(found.group(1))


async def test_a_second_bot_process_exits_3_and_the_first_keeps_answering(
    database_url: str, tmp_path: Path
) -> None:
    emulator = BotApiEmulator()
    await emulator.start()
    environment = bot_environment(emulator, tmp_path, database_url)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_bot(environment, first_log)
    second: subprocess.Popen[bytes] | None = None
    try:
        # A long poll is logged when it ends; its arrival shows in the poll generation.
        await emulator.wait_for(lambda: emulator.state.poll_generation >= 1, timeout=WAIT)
        await Chat(emulator, 8001).say("/start")  # the first process polls and answers
        # Another deployment with the same token (a laptop, a forgotten server): a database of its own, so
        # nothing but Telegram tells it that someone else is polling.
        elsewhere = {**environment, "DATABASE_URL": f"sqlite:///{tmp_path / 'elsewhere' / 'bot.db'}"}
        second = start_bot(elsewhere, second_log)
        assert await asyncio.to_thread(second.wait, WAIT) == EXIT_DUPLICATE_POLLER
        said = second_log.read_text()
        assert f"ERROR bot.telegram.polling: {DUPLICATE_LINE}" in said, said
        assert "Traceback" not in said and "bot stopped" in said, said  # a clean shutdown

        reply = await Chat(emulator, 8002).say_last("/start")
        assert reply.body
        assert first.poll() is None
        port = _port(first_log)
        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}") as http:
            async with http.get("/healthz") as response:
                assert response.status == 200, await response.text()
            async with http.get("/metrics") as response:
                metrics = await response.text()
        conflicts = re.search(r"^newsbot_polling_conflicts_total (\S+)$", metrics, re.MULTILINE)
        assert conflicts and float(conflicts.group(1)) >= 1, metrics
        first.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(first.wait, WAIT) == 0
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                await asyncio.to_thread(process.wait, WAIT)
        await emulator.stop()
    said = first_log.read_text()
    assert said.count(f"WARNING bot.telegram.polling: {NEWCOMER_LINE}") == 1, said
    assert "Traceback" not in said, said
    assert {violation.kind for violation in emulator.violations} == {"conflict"}
    assert TOKEN.split(":")[1] not in said + second_log.read_text()
