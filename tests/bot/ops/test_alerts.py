"""Operator alerts: told once per problem, rate-limited, spikes of failures noticed."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.ops.alerts import OperatorAlerts


class FakeBot:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
        self.sent.append((chat_id, text))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_rejected_files_are_told_once_and_gathered() -> None:
    bot, clock = FakeBot(), Clock()
    alerts = OperatorAlerts(bot, [1, 2], interval=0.0, clock=clock)  # type: ignore[arg-type]
    alerts.rejected_files([("a.md", "a.md:2: error: bad <yaml>")])
    await settle()
    alerts.rejected_files([("a.md", "a.md:2: error: bad <yaml>")])  # found again by a rescan
    await settle()
    assert [chat for chat, _ in bot.sent] == [1, 2]
    assert "a.md:2: error: bad &lt;yaml&gt;" in bot.sent[0][1]
    alerts.rejected_files([("a.md", "a.md:3: error: another problem")])
    await settle()
    assert len(bot.sent) == 4
    await alerts.close()


async def test_alerts_wait_out_the_interval_and_gather_meanwhile() -> None:
    bot, clock = FakeBot(), Clock()
    alerts = OperatorAlerts(bot, [1], interval=0.2, clock=clock)  # type: ignore[arg-type]
    alerts.rejected_files([("a.md", "a.md: error: one")])
    await settle()
    alerts.rejected_files([("b.md", "b.md: error: two"), ("c.md", "c.md: error: three")])
    await settle()
    assert len(bot.sent) == 1
    await asyncio.sleep(0.3)
    assert len(bot.sent) == 2
    assert "b.md: error: two" in bot.sent[1][1] and "c.md: error: three" in bot.sent[1][1]
    await alerts.close()


async def test_failure_spike_alerts_once_until_it_calms_down() -> None:
    bot, clock = FakeBot(), Clock()
    alerts = OperatorAlerts(bot, [1], interval=0.0, failure_spike=5, clock=clock)  # type: ignore[arg-type]
    for n in range(12):
        alerts.send_failed(f"chat {n}: permanent: chat not found")
    await settle()
    assert len(bot.sent) == 1
    assert bot.sent[0][1].startswith("⚠️ <b>Push failures are spiking</b>\n5 pushes failed in 5 min")
    clock.now += 600  # the window empties
    alerts.send_failed("chat 99: permanent")
    for n in range(5):
        alerts.send_failed(f"chat {n}: again")
    await settle()
    assert len(bot.sent) == 2
    await alerts.close()


async def test_switched_off_or_without_operators_nothing_is_sent() -> None:
    bot = FakeBot()
    for alerts in (OperatorAlerts(bot, [1], enabled=False), OperatorAlerts(bot, [])):  # type: ignore[arg-type]
        alerts.rejected_files([("a.md", "a.md: error: x")])
        await settle()
        await alerts.close()
    assert bot.sent == []
