"""Running it for real: webhook mode, /healthz, /metrics, operator alerts and a graceful SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.emulator import BotApiEmulator
from bot.runtime import BotRuntime
from bot.web import derive_webhook_secret
from tests.articles import article_text
from tests.bot.conftest import ADMIN, NOW, TOKEN, Chat, Harness, buttons, settings_for
from tests.bot.processes import CHATS, drop_news, fanout_fleet

WAIT = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_webhook_mode_end_to_end(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, content: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook/telegram"
    settings = settings_for(emulator, database_url, content, port=port, webhook_url=url)
    runtime = BotRuntime(settings, clock=lambda: NOW)
    assert runtime.mode == "webhook"
    await runtime.start()
    try:
        (set_webhook,) = emulator.calls("setWebhook")
        assert set_webhook.params["url"] == url
        assert set_webhook.params["secret_token"] == derive_webhook_secret(TOKEN)
        assert emulator.calls("getUpdates") == []  # no polling in webhook mode
        reader = Chat(emulator, 6001)
        reply = await reader.say_last("/help")
        assert reply.body.startswith("What I can do")
        async with aiohttp.ClientSession() as http:
            update = {
                "update_id": 999_001,
                "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}},
            }
            async with http.post(url, json=update) as response:
                assert response.status == 403  # no secret
            headers = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 403
    finally:
        await runtime.stop()
    assert emulator.violations == []


async def test_healthz_and_metrics_through_the_running_bot(harness: Harness) -> None:
    reader = harness.chat(6002)
    await reader.say("/subscribe AI")
    (harness.content / "fresh.md").write_text(
        article_text(title="Fresh", url="https://example.com/fresh", topics=["AI"]), encoding="utf-8"
    )
    await harness.emulator.wait_for(
        lambda: [m for m in reader.sent() if any(t == "Read ↗" for t, _ in buttons(m))], timeout=WAIT
    )
    base = f"http://127.0.0.1:{harness.runtime.web_port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/healthz") as response:
            health = await response.json()
            assert response.status == 200, health
        assert health["database"] is True
        assert health["watcher"] is True
        sent = ("newsbot_deliveries_total", (("outcome", "sent"),))
        for _ in range(100):  # the push is counted once its row is committed, a moment after it arrives
            async with http.get(f"{base}/metrics") as response:
                assert response.status == 200
                metrics = samples(await response.text())
            if metrics.get(sent, 0) >= 1:
                break
            await asyncio.sleep(0.05)
    assert metrics[("newsbot_updates_total", (("type", "message"),))] >= 1
    assert metrics[("newsbot_deliveries_total", (("outcome", "sent"),))] >= 1
    assert metrics[("newsbot_command_seconds_count", (("command", "subscribe"),))] == 1
    assert metrics[("newsbot_articles_ingested_total", ())] >= 1


async def test_operators_are_alerted_about_a_rejected_file(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, content: Path
) -> None:
    settings = settings_for(emulator, database_url, content, alert_interval_seconds=0.0)
    runtime = BotRuntime(settings, clock=lambda: NOW)
    await runtime.start()
    try:
        operator = Chat(emulator, ADMIN)
        await operator.say("/help")
        (content / "broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
        alert = await emulator.wait_for(
            lambda: [m for m in operator.sent() if m.body.startswith("⚠️ Rejected content files")],
            timeout=WAIT,
        )
        assert f"{content.as_posix()}/broken.md:" in alert[0].body and "malformed YAML" in alert[0].body
        await runtime.watcher.sync_now()  # the same problem found again is not told again
        await asyncio.sleep(0.3)
        assert len([m for m in operator.sent() if m.body.startswith("⚠️")]) == 1
    finally:
        await runtime.stop()


async def test_sigterm_during_a_fanout_finishes_in_flight_sends_and_loses_nothing(
    database_url: str, tmp_path: Path
) -> None:
    # Slow enough that SIGTERM lands mid-fan-out.
    async with fanout_fleet(tmp_path, database_url, PUSH_RATE="100") as fleet:
        emulator = fleet.emulator
        bot = fleet.start_bot()
        try:
            await emulator.wait_for(lambda: emulator.calls("getUpdates"), timeout=30)
            drop_news(fleet.content)
            await emulator.wait_for(lambda: sum(fleet.pushes().values()) >= 100, timeout=60)
            bot.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(bot.wait, 30) == 0
            assert sum(fleet.pushes().values()) < len(CHATS)
            bot = fleet.start_bot()
            await emulator.wait_for(lambda: len(fleet.pushes()) == len(CHATS), timeout=60)
            await asyncio.sleep(1.0)
        finally:
            if bot.poll() is None:
                bot.send_signal(signal.SIGTERM)
                await asyncio.to_thread(bot.wait, 30)
        counts = fleet.pushes()
    assert [chat for chat in CHATS if counts[chat] != 1] == []  # a graceful stop repeats nothing
    text = fleet.log.read_text()
    assert "stopping: finishing in-flight sends" in text
    assert TOKEN.split(":")[1] not in text
