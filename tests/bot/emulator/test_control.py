"""The /_emulator/ HTTP control API, as a person with curl would use it."""

from __future__ import annotations

import aiohttp
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, RetryAfter

from bot.emulator import BotApiEmulator
from tests.bot.emulator.fakes import control_call, control_ok


async def test_a_conversation_by_hand(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, bot: telegram.Bot
) -> None:
    injected = await control_ok(
        http, "POST", "updates/message", {"chat_id": 42, "text": "/start", "first_name": "Ann"}
    )
    assert injected["delivered"] is True
    assert injected["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more")]])
    sent = await bot.send_message(42, "<b>Hello</b>", parse_mode="HTML", reply_markup=keyboard)
    (listed,) = await control_ok(http, "GET", "sent?chat_id=42&since=0")
    assert (listed["text"], listed["raw"], listed["message_id"]) == ("Hello", "<b>Hello</b>", sent.message_id)
    assert await control_ok(http, "GET", "sent?since=1") == []
    tap = await control_ok(
        http, "POST", "updates/callback", {"chat_id": 42, "message_id": sent.message_id, "data": "more"}
    )
    assert tap["update"]["callback_query"]["data"] == "more"
    (callback,) = await control_ok(http, "GET", "callbacks")
    assert (callback["id"], callback["answered"]) == (tap["callback_query_id"], False)
    stats = await control_ok(http, "GET", "stats")
    assert (stats["unanswered_callback_queries"], stats["calls_by_method"]["sendMessage"]) == (1, 1)
    calls = await control_ok(http, "GET", "calls?method=sendMessage")
    assert [call["status"] for call in calls] == [200]


async def test_faults_and_violations(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, bot: telegram.Bot
) -> None:
    await emulator.inject_message(42, "/start")
    faults = await control_ok(
        http, "POST", "faults", {"block_chats": [42], "fail_next": {"method": "getMe", "count": 2}}
    )
    assert faults["blocked_chats"] == [42]
    assert faults["fail_next"] == [{"method": "getMe", "remaining": 2, "status": 500, "retry_after": 1}]
    with pytest.raises(Forbidden):
        await bot.send_message(42, "x")
    await control_ok(http, "POST", "faults", {"clear": True})
    await bot.send_message(42, "x", api_kwargs={"colour": "red"})
    (violation,) = await control_ok(http, "GET", "violations")
    assert (violation["kind"], violation["method"]) == ("unknown_parameter", "sendMessage")


async def test_limits_members_chats_and_reset(emulator: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    limits = await control_ok(http, "POST", "limits", {"enabled": False, "chat_burst": 10})
    assert (limits["enabled"], limits["chat_burst"], limits["global_per_second"]) == (False, 10, 30)
    assert (await control_ok(http, "GET", "limits"))["enabled"] is False
    update = await control_ok(http, "POST", "updates/member", {"chat_id": 42, "status": "kicked"})
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    chat = await control_ok(
        http, "POST", "chats", {"chat_id": -100, "type": "supergroup", "title": "Ed", "admins": [7]}
    )
    assert (chat["title"], chat["admins"]) == ("Ed", {"7": "administrator"})
    assert (await control_ok(http, "POST", "bot", {"privacy_mode": False}))["privacy_mode"] is False
    assert await control_ok(http, "POST", "reset") is True
    assert emulator.state.chats == {}


async def test_paid_broadcast_is_charged_in_stats(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, bot: telegram.Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as a timedelta, without a warning
    for chat_id in range(1, 42):
        emulator.add_chat(chat_id)
    for chat_id in range(1, 31):  # the emulator's clock stands still: all of this is one second
        await bot.send_message(chat_id, "free")
    with pytest.raises(RetryAfter):
        await bot.send_message(31, "one too many")
    for chat_id in range(31, 41):
        await bot.send_message(chat_id, "paid", allow_paid_broadcast=True)
    stats = await control_ok(http, "GET", "stats")
    assert (stats["paid_messages"], stats["stars_spent"], stats["max_sends_per_second"]) == (10, 1.0, 40)
    await control_ok(http, "POST", "limits", {"paid_broadcast_per_second": 40})
    with pytest.raises(RetryAfter):
        await bot.send_message(41, "paid", allow_paid_broadcast=True)
    assert (await control_ok(http, "GET", "stats"))["paid_messages"] == 10
    assert emulator.violations == []
    await control_ok(http, "POST", "reset")
    stats = await control_ok(http, "GET", "stats")
    assert (stats["paid_messages"], stats["stars_spent"]) == (0, 0.0)


async def test_bad_requests_and_unknown_paths(http: aiohttp.ClientSession) -> None:
    status, answer = await control_call(http, "POST", "updates/message", {"chat_id": 42})
    assert (status, answer["ok"]) == (400, False)
    status, answer = await control_call(http, "POST", "faults", {"explode": True})
    assert status == 400
    assert "explode" in answer["error"]
    async with http.get("/nowhere") as response:
        assert response.status == 404
    index = await control_ok(http, "GET", "")
    assert index["bot_api"] == "Bot API 10.1"


async def test_the_call_log_keeps_each_429_and_filters_by_index_method_and_params(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, bot: telegram.Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    injected = await control_ok(http, "POST", "updates/message", {"chat_id": 42, "text": "/start"})
    assert injected["time"] == emulator.state.clock()  # the emulator's clock, as in the call log
    await control_ok(http, "POST", "limits", {"global_per_second": 1})
    start = len(emulator.calls())  # the bot's own getMe at start-up came before
    await bot.get_me()
    await bot.send_message(42, "first")
    with pytest.raises(RetryAfter):
        await bot.send_message(42, "second")
    every = await control_ok(http, "GET", f"calls?since={start}")
    assert [(c["method"], c["status"]) for c in every] == [
        ("getMe", 200),
        ("sendMessage", 200),
        ("sendMessage", 429),
    ]
    assert [c["index"] for c in every] == [start, start + 1, start + 2]
    assert (every[2]["retry_after"], every[2]["chat_id"]) == (1, 42)
    assert (every[0]["chat_id"], every[1]["retry_after"]) == (None, None)
    refused = await control_ok(http, "GET", f"calls?method=sendMessage&since={start + 2}")
    assert [c["index"] for c in refused] == [start + 2]  # ``since`` is an index into the whole log
    both = await control_ok(http, "GET", f"calls?method=getMe,sendMessage&since={start}")
    assert [c["method"] for c in both] == ["getMe", "sendMessage", "sendMessage"]
    assert await control_ok(http, "GET", "calls?method=sendPhoto") == []
    brief = await control_ok(http, "GET", f"calls?since={start + 1}&params=false")
    assert [("params" in c, c["status"]) for c in brief] == [(False, 200), (False, 429)]
    assert (await control_ok(http, "GET", f"calls?since={start + 1}"))[0]["params"]["text"] == "first"
