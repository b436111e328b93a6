"""The private deployment's decisions: who counts in which chat, one refusal a day in bounded memory, and
an outsider's inline query answered with nothing (the emulator has no inline queries to send yet)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.chat.access import DailyRefusals, Visitor, admitted
from bot.chat.handlers.access import OUTSIDER_INLINE_CACHE_SECONDS, turn_away
from bot.ops.access import AccessList

ACCESS = AccessList(frozenset({10, -1001}), frozenset({"friend", "team_chat"}))
ADMINS = frozenset({99})
TODAY = date(2026, 12, 7)


def private_chat(user_id: int, username: str | None = None) -> Visitor:
    return Visitor(user_id, "private", username, user_id, username)


def in_chat(chat_id: int, kind: str, user_id: int | None, chat_username: str | None = None) -> Visitor:
    return Visitor(chat_id, kind, chat_username, user_id, None)


def test_an_open_deployment_admits_everyone() -> None:
    for visitor in (private_chat(1), in_chat(-5, "supergroup", 1), Visitor()):
        assert admitted(visitor, AccessList(), frozenset())


def test_in_a_private_chat_or_inline_the_user_counts() -> None:
    assert admitted(private_chat(10), ACCESS, ADMINS)
    assert admitted(private_chat(11, "Friend"), ACCESS, ADMINS)  # usernames in any case
    assert admitted(private_chat(99), ACCESS, ADMINS)  # operators always
    assert not admitted(private_chat(11, "stranger"), ACCESS, ADMINS)
    assert not admitted(private_chat(12), ACCESS, ADMINS)
    inline = Visitor(user_id=10)
    assert admitted(inline, ACCESS, ADMINS)
    assert admitted(Visitor(user_id=12, user_username="friend"), ACCESS, ADMINS)
    assert not admitted(Visitor(user_id=12), ACCESS, ADMINS)


def test_in_a_group_or_channel_the_chat_counts_not_its_members() -> None:
    assert admitted(in_chat(-1001, "supergroup", 12), ACCESS, ADMINS)
    assert admitted(in_chat(-7, "group", 12, "Team_Chat"), ACCESS, ADMINS)
    assert admitted(in_chat(-1001, "channel", None), ACCESS, ADMINS)
    # A listed user, or an operator, does not bring an unlisted group in.
    assert not admitted(in_chat(-7, "group", 10), ACCESS, ADMINS)
    assert not admitted(in_chat(-7, "supergroup", 99), ACCESS, ADMINS)
    assert not admitted(in_chat(-8, "channel", None), ACCESS, ADMINS)
    # An update naming nobody is not served by a private deployment.
    assert not admitted(Visitor(), ACCESS, ADMINS)


def test_a_refusal_is_due_once_a_day_per_chat() -> None:
    refusals = DailyRefusals()
    assert refusals.due(5, TODAY)
    assert not refusals.due(5, TODAY)
    assert refusals.due(6, TODAY)
    assert refusals.due(5, date(2026, 12, 8))
    assert not refusals.due(5, date(2026, 12, 8))


def test_the_memory_is_bounded_and_forgets_the_oldest() -> None:
    refusals = DailyRefusals(max_remembered=3)
    for chat in (1, 2, 3):
        refusals.due(chat, TODAY)
    assert not refusals.due(1, TODAY)  # asking again does not refresh it: 1 is still the oldest refusal
    assert refusals.due(4, TODAY)
    assert len(refusals) == 3
    assert not refusals.due(2, TODAY) and not refusals.due(4, TODAY)
    assert refusals.due(1, TODAY)  # the oldest was forgotten: it hears it again


class RecordingBot:
    """Stands in for PTB's bot: records the inline answers and callback answers the guard gives."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def answer_inline_query(self, inline_query_id: str, results: Any, **options: Any) -> bool:
        self.calls.append(("answerInlineQuery", {"id": inline_query_id, "results": list(results), **options}))
        return True

    async def answer_callback_query(
        self, callback_query_id: str, text: str | None = None, **options: Any
    ) -> bool:
        self.calls.append(("answerCallbackQuery", {"id": callback_query_id, "text": text}))
        return True


def context_for(access: AccessList) -> Any:
    settings = SimpleNamespace(access=access, admin_ids=ADMINS)
    deps = SimpleNamespace(
        settings=settings, refusals=DailyRefusals(), clock=lambda: datetime(2026, 12, 7, 9, tzinfo=UTC)
    )
    return SimpleNamespace(deps=deps)


def update_of(payload: dict[str, Any], bot: RecordingBot) -> Update:
    update = Update.de_json({"update_id": 1, **payload}, None)
    assert update is not None
    for part in (update.inline_query, update.callback_query):
        if part is not None:
            part.set_bot(bot)  # type: ignore[arg-type]
    return update


def inline_query(user_id: int) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "R", "language_code": "de"}
    return {"inline_query": {"id": f"q{user_id}", "from": user, "query": "ai", "offset": ""}}


def tap(user_id: int) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "R"}
    return {
        "callback_query": {"id": f"c{user_id}", "from": user, "chat_instance": "1", "inline_message_id": "m"}
    }


async def test_an_outsiders_inline_query_is_answered_with_nothing_every_time() -> None:
    bot, context = RecordingBot(), context_for(ACCESS)
    for _ in range(2):
        with pytest.raises(ApplicationHandlerStop):
            await turn_away(update_of(inline_query(12), bot), context)
    expected = {"id": "q12", "results": [], "cache_time": OUTSIDER_INLINE_CACHE_SECONDS, "is_personal": True}
    assert [(method, {k: v for k, v in params.items() if k in expected}) for method, params in bot.calls] == [
        ("answerInlineQuery", expected)
    ] * 2


async def test_an_allowed_users_inline_query_goes_on_to_the_inline_handler() -> None:
    bot, context = RecordingBot(), context_for(ACCESS)
    await turn_away(update_of(inline_query(10), bot), context)  # no ApplicationHandlerStop
    await turn_away(update_of(inline_query(99), bot), context)
    assert bot.calls == []


async def test_an_outsiders_tap_is_always_answered_with_the_refusal_once_a_day() -> None:
    bot, context = RecordingBot(), context_for(ACCESS)
    for _ in range(2):
        with pytest.raises(ApplicationHandlerStop):
            await turn_away(update_of(tap(12), bot), context)
    assert bot.calls == [
        ("answerCallbackQuery", {"id": "c12", "text": "🔒 Sorry, this bot is private."}),
        ("answerCallbackQuery", {"id": "c12", "text": None}),
    ]
