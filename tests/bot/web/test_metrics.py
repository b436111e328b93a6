"""``Metrics`` and ``/metrics``: Prometheus text that parses, counters that move, the bearer token."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from telegram import Bot, Update

from bot.ops.metrics import Metrics, reason_label, update_type
from bot.telegram.pacing import Pacer, PacingLimits
from tests.bot.web.conftest import TOKEN, serving, update_json, web_app

NAMES = {
    "newsbot_updates",
    "newsbot_command_seconds",
    "newsbot_deliveries",
    "newsbot_deliveries_failed",
    "newsbot_deliveries_pruned",
    "newsbot_delivery_queue_depth",
    "newsbot_telegram_429",
    "newsbot_articles_ingested",
    "newsbot_articles_pruned",
    "newsbot_articles_rejected",
    "newsbot_webhook_requests",
    "newsbot_polling_conflicts",
    "newsbot_database_outages",
    "newsbot_database_retries",
    "newsbot_database_unavailable",
    "newsbot_send_rate",
    "newsbot_send_paused_seconds",
}


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the rendered text, keyed by name and sorted labels."""
    text = metrics.render().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_the_rendered_text_parses_and_names_every_metric_from_the_start() -> None:
    metrics = Metrics()
    families = {family.name for family in text_string_to_metric_families(metrics.render().decode())}
    # prometheus_client adds a ``<name>_created`` timestamp beside each counter and histogram.
    assert {name for name in families if not name.endswith("_created")} == NAMES
    values = samples(metrics)
    assert values[("newsbot_updates_total", (("type", "callback_query"),))] == 0
    assert values[("newsbot_deliveries_total", (("outcome", "blocked"),))] == 0
    assert values[("newsbot_delivery_queue_depth", ())] == 0


def test_counters_move_when_recorded() -> None:
    metrics = Metrics()
    bot = Bot(TOKEN)
    metrics.count_update(Update.de_json(update_json(1), bot))
    metrics.count_update(object())
    metrics.observe_command("latest", 0.03)
    metrics.count_delivery("sent", 5)
    metrics.count_delivery("failed")
    metrics.count_delivery("skipped", 0)
    metrics.count_pruned(3)
    metrics.count_pruned(0)
    metrics.count_send_failure("photo refused")
    metrics.count_send_failure("Transient")
    metrics.count_rate_limited()
    metrics.count_rate_limited()
    metrics.count_articles(ingested=7, rejected=2)
    metrics.count_articles_pruned(4)
    metrics.count_articles_pruned(0)
    metrics.count_webhook("accepted")
    metrics.set_queue_depth(12)

    values = samples(metrics)
    assert values[("newsbot_updates_total", (("type", "message"),))] == 1
    assert values[("newsbot_updates_total", (("type", "other"),))] == 1
    assert values[("newsbot_command_seconds_count", (("command", "latest"),))] == 1
    assert values[("newsbot_command_seconds_bucket", (("command", "latest"), ("le", "0.05")))] == 1
    assert values[("newsbot_command_seconds_bucket", (("command", "latest"), ("le", "0.025")))] == 0
    assert values[("newsbot_deliveries_total", (("outcome", "sent"),))] == 5
    assert values[("newsbot_deliveries_total", (("outcome", "failed"),))] == 1
    assert values[("newsbot_deliveries_total", (("outcome", "skipped"),))] == 0
    assert values[("newsbot_deliveries_failed_total", (("reason", "photo_refused"),))] == 1
    assert values[("newsbot_deliveries_pruned_total", ())] == 3
    assert values[("newsbot_deliveries_failed_total", (("reason", "transient"),))] == 1
    assert values[("newsbot_telegram_429_total", ())] == 2
    assert values[("newsbot_articles_ingested_total", ())] == 7
    assert values[("newsbot_articles_rejected_total", ())] == 2
    assert values[("newsbot_articles_pruned_total", ())] == 4
    assert values[("newsbot_webhook_requests_total", (("outcome", "accepted"),))] == 1
    assert values[("newsbot_delivery_queue_depth", ())] == 12


def test_each_metrics_object_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.count_rate_limited()
    assert first.registry.get_sample_value("newsbot_telegram_429_total") == 1
    assert second.registry.get_sample_value("newsbot_telegram_429_total") == 0


def test_an_unknown_delivery_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="outcome"):
        Metrics().count_delivery("lost")  # type: ignore[arg-type]


def test_update_types() -> None:
    bot = Bot(TOKEN)
    user = {"id": 5, "is_bot": False, "first_name": "Ann"}
    chat = {"id": 5, "type": "private"}
    tap = {"update_id": 2, "callback_query": {"id": "q", "from": user, "chat_instance": "c", "data": "x"}}
    member = {"status": "member", "user": user}
    joined = {
        "update_id": 3,
        "my_chat_member": {
            "chat": chat,
            "from": user,
            "date": 0,
            "old_chat_member": {**member, "status": "left"},
            "new_chat_member": member,
        },
    }
    edited = {"update_id": 4, "edited_message": update_json(4)["message"]}
    kinds = [update_type(Update.de_json(data, bot)) for data in (update_json(1), tap, joined, edited)]
    assert kinds == ["message", "callback_query", "my_chat_member", "other"]


@pytest.mark.parametrize(
    ("reason", "label"),
    [("photo refused", "photo_refused"), (" Rate-Limited ", "rate_limited"), ("", "unknown")],
)
def test_reason_labels_are_snake_case(reason: str, label: str) -> None:
    assert reason_label(reason) == label


async def test_timed_commands_are_observed_even_when_they_fail() -> None:
    metrics = Metrics()

    async def fine(update: Update, context: Any) -> str:
        return "done"

    async def broken(update: Update, context: Any) -> None:
        raise RuntimeError("boom")

    update = Update(1)
    assert await metrics.timed("fine", fine)(update, None) == "done"
    with pytest.raises(RuntimeError):
        await metrics.timed("broken", broken)(update, None)
    for command in ("fine", "broken"):
        assert metrics.registry.get_sample_value("newsbot_command_seconds_count", {"command": command}) == 1


async def test_refresh_reads_the_pending_count_and_keeps_the_last_value_on_failure() -> None:
    answers: list[int | Exception] = [4, RuntimeError("database is locked")]

    async def pending() -> int:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def slow() -> int:
        await asyncio.Event().wait()
        return 1

    metrics = Metrics(pending_deliveries=pending)
    await metrics.refresh()
    assert metrics.registry.get_sample_value("newsbot_delivery_queue_depth") == 4
    await metrics.refresh()
    assert metrics.registry.get_sample_value("newsbot_delivery_queue_depth") == 4

    stuck = Metrics(pending_deliveries=slow)
    await stuck.refresh(timeout=0.05)
    assert stuck.registry.get_sample_value("newsbot_delivery_queue_depth") == 0


async def test_metrics_endpoint_serves_the_text_format_with_a_fresh_queue_depth(
    http: aiohttp.ClientSession,
) -> None:
    async def pending() -> int:
        return 17

    metrics = Metrics(pending_deliveries=pending)
    metrics.count_delivery("sent", 3)
    async with serving(web_app(metrics=metrics)) as url, http.get(url + "/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
        text = await response.text()
    values = {s.name: s for family in text_string_to_metric_families(text) for s in family.samples}
    assert values["newsbot_delivery_queue_depth"].value == 17
    assert any(
        s.value == 3 and s.labels == {"outcome": "sent"}
        for family in text_string_to_metric_families(text)
        for s in family.samples
    )


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("Bearer wrong", 401),
        ("Bearer ", 401),
        ("Basic c2NyYXBlOnRvcHNlY3JldA==", 401),
        ("Bearer topsecret", 200),
        ("bearer topsecret", 200),
    ],
)
async def test_a_metrics_token_requires_the_bearer_header(
    http: aiohttp.ClientSession, authorization: str | None, status: int
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    app = web_app(metrics_token="topsecret")
    async with serving(app) as url, http.get(url + "/metrics", headers=headers) as response:
        assert response.status == status
        if status == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert "newsbot_" not in await response.text()


def test_the_send_rate_and_a_429_pause_are_read_from_the_pacer_at_each_scrape() -> None:
    metrics = Metrics()
    pacer = Pacer(PacingLimits(global_per_second=30))
    metrics.watch_pacing(lambda: pacer.rate, pacer.adaptive.pause)
    assert samples(metrics)[("newsbot_send_rate", ())] == 30
    assert samples(metrics)[("newsbot_send_paused_seconds", ())] == 0
    pacer.rate_limited(5.0)
    values = samples(metrics)
    assert values[("newsbot_send_rate", ())] < 30
    assert 4 < values[("newsbot_send_paused_seconds", ())] <= 5
