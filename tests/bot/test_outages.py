"""The database goes away in the middle of a fan-out: nothing lost, duplicates bounded, readers answered.

A real ``python -m bot run`` process against an in-test emulator, 600 readers. On SQLite another
connection holds the write lock (an operator's ``sqlite3`` shell, a backup tool); on PostgreSQL a proxy
between the bot and the server cuts every connection and refuses new ones, as a stopped server does.
Meanwhile a second article is dropped and a new reader sends /start. Durations are scaled down (a busy
timeout of 0.5 s instead of 10 s, retries capped at 1 s instead of 10 s) so that the outage is many times
both, as 45 s is of 10 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import re
import signal
import socket
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from bot.emulator import BotApiEmulator
from tests.articles import article_text
from tests.bot.conftest import TOKEN
from tests.bot.outage_proxy import PostgresProxy
from tests.bot.processes import CHATS, CONCURRENCY, Fleet, drop_news, fanout_fleet

OUTAGE_SECONDS = 8.0
ADMIN = 4_200_001
NEWCOMER = 4_200_002
SETTINGS = {
    "DATABASE_BUSY_SECONDS": "0.5",
    "DATABASE_RETRY_MAX_SECONDS": "1",
    "DATABASE_ALERT_SECONDS": "3",
    "ADMIN_IDS": str(ADMIN),
    "ALERT_INTERVAL_SECONDS": "0",
    "PUSH_RATE": "100",  # 600 readers: a fan-out of 6 s, so the outage lands in its middle
    "RESCAN_SECONDS": "600",  # the change dropped during the outage must not wait for a rescan
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def per_article(emulator: BotApiEmulator) -> dict[str, Counter[int]]:
    counts: dict[str, Counter[int]] = {"Breaking": Counter(), "Second": Counter()}
    for message in emulator.sent():
        if message.chat_id in CHATS:
            body = message.caption or message.text or ""
            for title, counter in counts.items():
                if title in body:
                    counter[message.chat_id] += 1
    return counts


async def health(http: aiohttp.ClientSession, port: int) -> int:
    try:
        async with http.get(f"http://127.0.0.1:{port}/healthz", timeout=aiohttp.ClientTimeout(10)) as answer:
            return answer.status
    except aiohttp.ClientError:
        return 0


async def until(predicate: Callable[[], bool | Awaitable[bool]], timeout: float) -> float:  # noqa: ASYNC109
    """Seconds it took ``predicate`` to hold; fails the test past ``timeout``."""
    started = time.monotonic()
    while not await holds(predicate()):
        assert time.monotonic() - started < timeout, f"not within {timeout} s"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


@contextlib.asynccontextmanager
async def sqlite_lock(database_url: str) -> AsyncIterator[None]:
    """Another connection takes SQLite's write lock and keeps it."""
    path = make_url(database_url).database
    assert path
    holder = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    await asyncio.to_thread(holder.execute, "BEGIN IMMEDIATE")
    try:
        yield
    finally:
        await asyncio.to_thread(holder.execute, "ROLLBACK")
        holder.close()


async def run_outage(
    fleet: Fleet, outage: Callable[[], contextlib.AbstractAsyncContextManager[None]]
) -> None:
    emulator = fleet.emulator
    port = int(fleet.environment["PORT"])
    emulator.add_chat(ADMIN)
    emulator.add_chat(NEWCOMER)
    bot = fleet.start_bot()
    async with aiohttp.ClientSession() as http:
        try:
            await emulator.wait_for(lambda: emulator.calls("getUpdates"), timeout=30)
            drop_news(fleet.content)
            await emulator.wait_for(
                lambda: sum(per_article(emulator)["Breaking"].values()) >= 100, timeout=60
            )
            async with outage():
                cut_at = sum(per_article(emulator)["Breaking"].values())
                (fleet.content / "second.md").write_text(
                    article_text(title="Second", url="https://example.com/second", topics=["AI"]),
                    encoding="utf-8",
                )
                await emulator.inject_message(NEWCOMER, "/start")
                await until(lambda: health_is(http, port, 503), timeout=OUTAGE_SECONDS)
                await asyncio.sleep(OUTAGE_SECONDS)
                assert bot.poll() is None, "the bot exited during the outage"
            back = time.monotonic()
            second_arrived = await until(
                lambda: len(per_article(emulator)["Second"]) == len(CHATS), timeout=30
            )
            await until(lambda: health_is(http, port, 200), timeout=60)
            healthy_after = time.monotonic() - back
            await asyncio.sleep(1.0)  # anything still (wrongly) queued would arrive now
            assert bot.poll() is None
        finally:
            if bot.poll() is None:
                bot.send_signal(signal.SIGTERM)
                await asyncio.to_thread(bot.wait, 30)
    counts = per_article(emulator)
    log = fleet.log.read_text()
    duplicates = {title: sum(n - 1 for n in counter.values()) for title, counter in counts.items()}
    print(
        f"outage after {cut_at} of {len(CHATS)} pushes: duplicates {duplicates} (bound {CONCURRENCY}); "
        f"the second article reached everyone {second_arrived:.1f} s after the return; "
        f"/healthz 200 again after {healthy_after:.1f} s"
    )
    assert cut_at < len(CHATS), "the fan-out finished before the outage: raise the reader count"
    for title, counter in counts.items():
        assert [chat for chat in CHATS if counter[chat] == 0] == [], f"{title}: readers without it"
        assert duplicates[title] <= CONCURRENCY
    told = [m.text or "" for m in emulator.sent(NEWCOMER)]
    assert any("temporarily unavailable" in text for text in told), told
    alerts = [m.text or "" for m in emulator.sent(ADMIN)]
    assert any("has been unavailable" in text for text in alerts), alerts
    assert any("available again" in text for text in alerts), alerts
    assert len(re.findall(r"database unavailable \(", log)) >= 1
    assert "database available again" in log
    assert "Traceback" not in log, log[-3000:]
    assert emulator.violations == []
    assert TOKEN.split(":")[1] not in log


async def health_is(http: aiohttp.ClientSession, port: int, status: int) -> bool:
    return await health(http, port) == status


async def holds(value: bool | Awaitable[bool]) -> bool:
    return await value if inspect.isawaitable(value) else bool(value)


@pytest.mark.sqlite_only
async def test_a_write_lock_held_by_another_process_mid_fanout(database_url: str, tmp_path: Path) -> None:
    async with fanout_fleet(tmp_path, database_url, PORT=str(free_port()), **SETTINGS) as fleet:
        await run_outage(fleet, lambda: sqlite_lock(database_url))


async def test_postgresql_going_away_mid_fanout(
    database_url: str, tmp_path: Path, on_postgresql: bool
) -> None:
    if not on_postgresql:
        pytest.skip("a PostgreSQL server to cut")
    proxy = PostgresProxy(database_url)
    await proxy.start()

    @contextlib.asynccontextmanager
    async def stopped() -> AsyncIterator[None]:
        await proxy.cut()
        try:
            yield
        finally:
            await proxy.restore()

    try:
        async with fanout_fleet(
            tmp_path, proxy.url(database_url), PORT=str(free_port()), **SETTINGS
        ) as fleet:
            await run_outage(fleet, stopped)
    finally:
        await proxy.stop()
