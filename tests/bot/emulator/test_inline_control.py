"""The inline control endpoints: a reader's inline query, picking a result, and the list of queries."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
import telegram
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)

from bot.emulator import BotApiEmulator
from tests.bot.emulator.fakes import READER, control_call, control_ok

KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Follow", url="https://t.me/newsbot_test_bot?start=x")]]
)


async def bad(http: aiohttp.ClientSession, path: str, body: Any) -> str:
    status, answer = await control_call(http, "POST", path, body)
    assert (status, answer["ok"]) == (400, False), answer
    error: str = answer["error"]
    return error


async def answered(http: aiohttp.ClientSession, bot: telegram.Bot, query: str = "ai") -> str:
    """A reader's inline query the bot answered with a card with a keyboard ("k") and one without ("p")."""
    injected = await control_ok(http, "POST", "updates/inline", {"user_id": READER, "query": query})
    results = [
        InlineQueryResultArticle(
            "k",
            "Keyed",
            InputTextMessageContent("<b>Agents</b> act", parse_mode="HTML"),
            reply_markup=KEYBOARD,
        ),
        InlineQueryResultArticle("p", "Plain", InputTextMessageContent("Just text")),
    ]
    await bot.answer_inline_query(injected["inline_query_id"], results)
    query_id: str = injected["inline_query_id"]
    return query_id


async def test_an_inline_query_is_delivered_with_its_fields(http: aiohttp.ClientSession) -> None:
    body = {
        "user_id": 7,
        "query": "ai agents",
        "offset": "10",
        "chat_type": "supergroup",
        "first_name": "Ann",
    }
    injected = await control_ok(
        http, "POST", "updates/inline", {**body, "username": "ann", "language_code": "de"}
    )
    update = injected["update"]["inline_query"]
    assert update["id"] == injected["inline_query_id"]
    assert (update["query"], update["offset"], update["chat_type"]) == ("ai agents", "10", "supergroup")
    assert update["from"] == {
        "id": 7,
        "is_bot": False,
        "first_name": "Ann",
        "username": "ann",
        "language_code": "de",
    }
    assert injected["answer"] is None
    # chat_type null: the client did not say where the query was typed, and the update leaves it out.
    unknown_place = await control_ok(http, "POST", "updates/inline", {"user_id": 7, "chat_type": None})
    assert "chat_type" not in unknown_place["update"]["inline_query"]
    assert unknown_place["update"]["inline_query"]["query"] == ""


async def test_wait_returns_the_answer_once_the_bot_gives_it(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, bot: telegram.Bot
) -> None:
    pending = asyncio.create_task(
        control_ok(http, "POST", "updates/inline", {"user_id": READER, "query": "ai", "wait": 10})
    )
    (record,) = await emulator.wait_for(emulator.inline_queries)
    result = InlineQueryResultArticle("a1", "Agents", InputTextMessageContent("Agents"))
    await bot.answer_inline_query(record.id, [result], next_offset="2")
    injected = await pending
    assert injected["inline_query_id"] == record.id
    assert injected["answer"]["next_offset"] == "2" and [r["id"] for r in injected["answer"]["results"]] == [
        "a1"
    ]


async def test_wait_gives_null_when_no_answer_comes(http: aiohttp.ClientSession) -> None:
    injected = await control_ok(
        http, "POST", "updates/inline", {"user_id": READER, "query": "ai", "wait": 0.05}
    )
    assert injected["update"] is not None and injected["answer"] is None


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"query": "ai"}, "user_id is required: the reader who types the inline query"),
        ({"user_id": 0}, "user_id must be a positive user id, not 0"),
        ({"user_id": -100123}, "user_id must be a positive user id, not -100123"),
        ({"user_id": "42"}, "user_id must be a positive user id, not '42'"),
        ({"user_id": 42, "query": "q" * 257}, "query has at most 256 characters, not 257"),
        ({"user_id": 42, "query": 5}, "query must be a string, not 5"),
        ({"user_id": 42, "offset": "ö" * 33}, "offset has at most 64 bytes: it is a next_offset sent back"),
        ({"user_id": 42, "chat_type": "forum"}, "chat_type must be one of"),
        ({"user_id": 42, "colour": "red"}, "unknown inline query fields ['colour']"),
        ({"user_id": 42, "wait": 16}, "wait must be 0-15 seconds, not 16"),
        ({"user_id": 42, "wait": "soon"}, "wait must be 0-15 seconds, not 'soon'"),
    ],
)
async def test_a_bad_inline_query_names_its_field(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, body: dict[str, Any], error: str
) -> None:
    assert (await bad(http, "updates/inline", body)).startswith(error)
    assert emulator.inline_queries() == []


async def test_a_query_of_256_characters_is_fine(http: aiohttp.ClientSession) -> None:
    injected = await control_ok(http, "POST", "updates/inline", {"user_id": 42, "query": "q" * 256})
    assert len(injected["update"]["inline_query"]["query"]) == 256


async def test_a_picked_result_is_the_readers_message_via_the_bot(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, bot: telegram.Bot
) -> None:
    query_id = await answered(http, bot)
    chosen = await control_ok(http, "POST", "inline/choose", {"inline_query_id": query_id, "result_id": "k"})
    message = chosen["message"]
    assert (message["chat"]["id"], message["chat"]["type"], message["from"]["id"]) == (
        READER,
        "private",
        READER,
    )
    assert message["via_bot"] == emulator.state.bot_user()
    assert (message["text"], message["entities"]) == (
        "Agents act",
        [{"type": "bold", "offset": 0, "length": 6}],
    )
    assert message["reply_markup"] == KEYBOARD.to_dict()
    assert chosen["message_update"]["message"] == message  # the reader's own chat with the bot: it sees it
    assert chosen["chosen_update"] is None  # inline feedback is off, as for a new bot


async def test_a_picked_result_goes_into_a_known_group(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, bot: telegram.Bot
) -> None:
    await control_ok(http, "POST", "chats", {"chat_id": -100555, "type": "supergroup", "title": "Friends"})
    query_id = await answered(http, bot)
    body = {"inline_query_id": query_id, "result_id": "p", "chat_id": -100555}
    message = (await control_ok(http, "POST", "inline/choose", body))["message"]
    assert (message["chat"]["id"], message["text"], message["from"]["id"]) == (-100555, "Just text", READER)
    assert "reply_markup" not in message
    assert READER in emulator.state.chats[-100555].members
    (listed,) = await control_ok(http, "GET", "inline")
    assert listed["chosen"] == [{"result_id": "p", "chat_id": -100555, "message_id": message["message_id"]}]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"chat_id": -100999}, "no chat -100999: add it first (POST /_emulator/chats)"),
        (
            {"chat_id": 77},
            f"chat_id 77 is not reader {READER}: a private chat with the bot has the reader's id",
        ),
        ({"chat_id": "here"}, "chat_id must be an integer chat id, not 'here'"),
        ({"inline_query_id": "5000000000000000999"}, "no inline query '5000000000000000999'"),
        ({"result_id": "zz"}, "has no result 'zz'"),
        ({"result_id": None}, "result_id is required, as a string"),
        ({"inline_query_id": None}, "inline_query_id is required, as a string"),
        ({"colour": "red"}, "unknown fields ['colour']; the fields are inline_query_id, result_id, chat_id"),
    ],
)
async def test_a_bad_pick_is_a_clear_400(
    emulator: BotApiEmulator,
    http: aiohttp.ClientSession,
    bot: telegram.Bot,
    change: dict[str, Any],
    error: str,
) -> None:
    query_id = await answered(http, bot)
    body = {
        name: value
        for name, value in {"inline_query_id": query_id, "result_id": "k", **change}.items()
        if value is not None
    }
    assert error in await bad(http, "inline/choose", body)
    assert (await control_ok(http, "GET", "inline"))[0]["chosen"] == []


async def test_an_unanswered_query_has_nothing_to_pick(http: aiohttp.ClientSession) -> None:
    injected = await control_ok(http, "POST", "updates/inline", {"user_id": READER, "query": "ai"})
    query_id = injected["inline_query_id"]
    error = await bad(http, "inline/choose", {"inline_query_id": query_id, "result_id": "k"})
    assert error == f"the bot has not answered inline query {query_id!r}"


async def test_a_result_the_emulator_does_not_post_is_refused_clearly(
    http: aiohttp.ClientSession, bot: telegram.Bot
) -> None:
    injected = await control_ok(http, "POST", "updates/inline", {"user_id": READER, "query": "where"})
    query_id = injected["inline_query_id"]
    await bot.answer_inline_query(query_id, [telegram.InlineQueryResultLocation("l", 52.5, 13.4, "Berlin")])
    error = await bad(http, "inline/choose", {"inline_query_id": query_id, "result_id": "l"})
    assert error == "result 'l' is a location; the emulator posts picked text and photo results only"


async def test_inline_feedback_sends_chosen_inline_result(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, bot: telegram.Bot
) -> None:
    assert (await control_ok(http, "POST", "bot", {"inline_feedback": True}))["inline_feedback"] is True
    query_id = await answered(http, bot, "agents")
    keyed = await control_ok(http, "POST", "inline/choose", {"inline_query_id": query_id, "result_id": "k"})
    plain = await control_ok(http, "POST", "inline/choose", {"inline_query_id": query_id, "result_id": "p"})
    chosen = keyed["chosen_update"]["chosen_inline_result"]
    assert (chosen["result_id"], chosen["query"], chosen["from"]["id"]) == ("k", "agents", READER)
    # Only a message with a keyboard can be edited later, so only it gets an inline_message_id.
    assert chosen["inline_message_id"]
    assert "inline_message_id" not in plain["chosen_update"]["chosen_inline_result"]
    assert plain["chosen_update"]["chosen_inline_result"]["result_id"] == "p"
    updates = await bot.get_updates()
    assert [u.chosen_inline_result.result_id for u in updates if u.chosen_inline_result] == ["k", "p"]


async def test_the_list_of_inline_queries(http: aiohttp.ClientSession, bot: telegram.Bot) -> None:
    assert await control_ok(http, "GET", "inline") == []
    query_id = await answered(http, bot)
    await control_ok(http, "POST", "updates/inline", {"user_id": 9, "query": "later", "chat_type": "group"})
    first, second = await control_ok(http, "GET", "inline")
    assert (first["id"], first["user_id"], first["query"], first["offset"], first["chat_type"]) == (
        query_id,
        READER,
        "ai",
        "",
        "sender",
    )
    assert first["answered"] is True and first["answered_at"] is not None
    assert [r["id"] for r in first["answer"]["results"]] == ["k", "p"]
    assert (
        first["answer"]["cache_time"],
        first["answer"]["is_personal"],
        first["answer"]["next_offset"],
    ) == (300, False, "")
    assert first["contents"]["p"] == {"text": "Just text"}
    assert first["contents"]["k"]["reply_markup"] == KEYBOARD.to_dict()
    assert (second["query"], second["chat_type"], second["answered"], second["answer"]) == (
        "later",
        "group",
        False,
        None,
    )
