"""answerInlineQuery over HTTP in PTB's wire format: every refusal Telegram gives, and what it accepts.

Each refusal leaves the query open, so the same query then takes a correct answer, as on Telegram.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
import telegram
from telegram import InlineQueryResultArticle, InputTextMessageContent

from bot.emulator import BotApiEmulator
from tests.bot.emulator.fakes import READER, TOKEN, FakeClock

QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


@pytest.fixture
async def query_id(emulator: BotApiEmulator) -> str:
    """An inline query a reader has just typed, not answered yet."""
    return (await emulator.inject_inline_query(READER, "ai")).inline_query_id


def article(result_id: str = "a1", text: str = "<b>Agents</b> act", **fields: Any) -> dict[str, Any]:
    content = {"message_text": text, "parse_mode": "HTML"}
    return {"type": "article", "id": result_id, "title": "Agents", "input_message_content": content, **fields}


def photo(result_id: str = "p1", **fields: Any) -> dict[str, Any]:
    urls = {"photo_url": "https://example.com/a.jpg", "thumbnail_url": "https://example.com/t.jpg"}
    return {"type": "photo", "id": result_id, **urls, **fields}


async def answer(
    http: aiohttp.ClientSession, query_id: str, results: list[Any], **params: Any
) -> tuple[int, dict[str, Any]]:
    """answerInlineQuery as PTB sends it: a form, strings as they are, everything else as JSON."""
    data = {"inline_query_id": query_id, "results": json.dumps(results)}
    data.update({name: v if isinstance(v, str) else json.dumps(v) for name, v in params.items()})
    async with http.post(f"/bot{TOKEN}/answerInlineQuery", data=data) as response:
        return response.status, await response.json()


async def refused(
    http: aiohttp.ClientSession,
    emulator: BotApiEmulator,
    query_id: str,
    results: list[Any],
    description: str,
    **params: Any,
) -> None:
    """The answer is a 400 with ``description``; the query stays open and then takes a correct answer."""
    status, body = await answer(http, query_id, results, **params)
    assert (status, body.get("description")) == (400, f"Bad Request: {description}")
    assert emulator.inline_answer(query_id) is None
    assert (emulator.violations[-1].kind, emulator.violations[-1].method) == (
        "bad_request",
        "answerInlineQuery",
    )
    assert await answer(http, query_id, [article()]) == (200, {"ok": True, "result": True})
    record = emulator.inline_answer(query_id)
    assert record is not None and [r["id"] for r in record.answer["results"]] == ["a1"]  # type: ignore[index]


async def test_more_than_fifty_results(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str
) -> None:
    results = [article(f"a{n}") for n in range(51)]
    await refused(http, emulator, query_id, results, "too many inline query results specified")


async def test_duplicate_result_ids(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str
) -> None:
    await refused(http, emulator, query_id, [article("x"), photo("x")], "RESULT_ID_DUPLICATE")


@pytest.mark.parametrize("result_id", ["", "é" * 33], ids=["empty", "33 characters, 66 bytes"])
async def test_result_id_of_1_to_64_bytes(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str, result_id: str
) -> None:
    await refused(http, emulator, query_id, [article(result_id)], "RESULT_ID_INVALID")


async def test_an_unknown_result_type(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str
) -> None:
    description = 'can\'t parse inline query result: type "poll" is unsupported for the inline query result'
    await refused(http, emulator, query_id, [{**article(), "type": "poll"}], description)


@pytest.mark.parametrize("missing", ["title", "input_message_content"])
async def test_an_article_without_a_required_field(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str, missing: str
) -> None:
    result = {name: value for name, value in article().items() if name != missing}
    description = (
        f"can't parse inline query result: results[0].{missing}: "
        "required field of InlineQueryResultArticle is missing"
    )
    await refused(http, emulator, query_id, [result], description)


@pytest.mark.parametrize(
    ("field", "url", "reason"),
    [
        ("url", "ftp://example.com/story", "Unsupported URL protocol"),
        ("thumbnail_url", "javascript:alert(1)", "Unsupported URL protocol"),
        ("photo_url", "tg://resolve?domain=newsbot", "Unsupported URL protocol"),
        ("photo_url", "example.com/a.jpg", "Unsupported URL protocol"),
        ("thumbnail_url", "http://localhost/t.jpg", "Wrong HTTP URL"),
        ("photo_url", "http://10.0.0.7/a.jpg", "Wrong HTTP URL"),
        ("photo_url", "https://intranet/a.jpg", "Wrong HTTP URL"),
        ("url", "https://example.com:99999/story", "Wrong port number specified in the URL"),
    ],
)
async def test_every_result_url_is_a_public_http_link(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str, field: str, url: str, reason: str
) -> None:
    result = article(**{field: url}) if field == "url" else photo(**{field: url})
    description = f"results[0].{field} {url!r} is invalid: {reason}"
    await refused(http, emulator, query_id, [result], description)


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("😀" * 2049, "message is too long"),  # 2049 characters, 4098 UTF-16 code units
        ("<b>" + "x" * 4097 + "</b>", "message is too long"),
        ("   ", "message text is empty"),
        ("<b>open", "can't parse entities: Can't find end tag corresponding to start tag \"b\""),
        ("<blink>x</blink>", 'can\'t parse entities: Unsupported start tag "blink" at byte offset 0'),
    ],
    ids=["4098 UTF-16 units", "4097 after HTML parsing", "blank", "unclosed tag", "unknown tag"],
)
async def test_a_message_text_is_checked_as_sendmessage_checks_it(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str, text: str, description: str
) -> None:
    await refused(http, emulator, query_id, [article(text=text)], description)


async def test_a_caption_over_1024_utf16_units(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str
) -> None:
    result = photo(caption="<i>" + "😀" * 513 + "</i>", parse_mode="HTML")
    await refused(http, emulator, query_id, [result], "message caption is too long")


@pytest.mark.parametrize(
    ("button", "description"),
    [
        ({"text": "More", "callback_data": "x" * 65}, "BUTTON_DATA_INVALID"),
        ({"text": "More", "callback_data": "é" * 33}, "BUTTON_DATA_INVALID"),
        (
            {"text": "Read", "url": "ftp://example.com/a"},
            "inline keyboard button URL 'ftp://example.com/a' is invalid: Unsupported URL protocol",
        ),
        (
            {"text": "Read", "url": "http://localhost/a"},
            "inline keyboard button URL 'http://localhost/a' is invalid: Wrong HTTP URL",
        ),
        (
            {"text": "Read"},
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ),
    ],
)
async def test_a_result_keyboard_is_checked_as_a_message_keyboard(
    emulator: BotApiEmulator,
    http: aiohttp.ClientSession,
    query_id: str,
    button: dict[str, Any],
    description: str,
) -> None:
    result = article(reply_markup={"inline_keyboard": [[button]]})
    await refused(http, emulator, query_id, [result], description)


async def test_a_link_preview_url_is_checked_as_sendmessage_checks_it(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str
) -> None:
    result = article()
    result["input_message_content"]["link_preview_options"] = {"url": "file:///etc/passwd"}
    description = "link preview URL 'file:///etc/passwd' is invalid: Unsupported URL protocol"
    await refused(http, emulator, query_id, [result], description)


async def test_next_offset_over_64_bytes(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str
) -> None:
    await refused(http, emulator, query_id, [article()], "NEXT_OFFSET_INVALID", next_offset="ö" * 33)


@pytest.mark.parametrize(
    ("button", "description"),
    [
        ({"text": "Settings"}, "InlineQueryResultsButton must have exactly one optional field"),
        ({"start_parameter": "settings"}, 'Can\'t find field "text"'),
        ({"text": "Settings", "start_parameter": "open settings"}, None),
        ({"text": "Settings", "start_parameter": "föllow"}, None),
        ({"text": "Settings", "start_parameter": "a" * 65}, None),
        ({"text": "Settings", "start_parameter": ""}, None),
        ({"text": "App", "web_app": {"url": "http://example.com/app"}}, None),
    ],
)
async def test_a_bad_results_button(
    emulator: BotApiEmulator,
    http: aiohttp.ClientSession,
    query_id: str,
    button: dict[str, Any],
    description: str | None,
) -> None:
    expected = {
        "open settings": "unallowed characters in start_parameter are used",
        "föllow": "unallowed characters in start_parameter are used",
        "a" * 65: "too long start_parameter specified",
        "": "can't use empty start_parameter",
    }
    if description is not None:
        description = "can't parse inline query results button: " + description
    elif "web_app" in button:
        description = "inline query button Web App URL 'http://example.com/app' is invalid: Only HTTPS links are allowed"
    else:
        description = expected[button["start_parameter"]]
    await refused(http, emulator, query_id, [article()], description, button=button)


async def test_an_unknown_query_id(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str
) -> None:
    assert await answer(http, "5000000000000000999", [article()]) == (
        400,
        {"ok": False, "error_code": 400, "description": f"Bad Request: {QUERY_INVALID}"},
    )
    assert emulator.inline_answer(query_id) is None


async def test_an_answer_after_the_time_limit(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, clock: FakeClock, query_id: str
) -> None:
    clock.advance(emulator.limits.callback_query_timeout + 1)
    status, body = await answer(http, query_id, [article()])
    assert (status, body["description"]) == (400, f"Bad Request: {QUERY_INVALID}")
    (record,) = emulator.inline_queries()
    assert (record.answered, record.answer) == (False, None)


async def test_an_answer_just_within_the_time_limit(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, clock: FakeClock, query_id: str
) -> None:
    clock.advance(emulator.limits.callback_query_timeout)
    assert await answer(http, query_id, [article()]) == (200, {"ok": True, "result": True})


async def test_a_second_answer(emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str) -> None:
    assert (await answer(http, query_id, [article("first")]))[0] == 200
    status, body = await answer(http, query_id, [article("second")])
    assert (status, body["description"]) == (400, f"Bad Request: {QUERY_INVALID}")
    record = emulator.inline_answer(query_id)
    assert record is not None and record.answer is not None
    assert [result["id"] for result in record.answer["results"]] == ["first"]


@pytest.mark.parametrize("encoding", ["form", "json"])
async def test_next_offset_sent_as_a_json_array_is_flagged(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str, encoding: str
) -> None:
    if encoding == "form":  # what PTB writes for next_offset=[]
        status, _ = await answer(http, query_id, [article()], next_offset="[]")
    else:
        body = {"inline_query_id": query_id, "results": [article()], "next_offset": []}
        async with http.post(f"/bot{TOKEN}/answerInlineQuery", json=body) as response:
            status = response.status
    # Telegram takes the JSON text as the offset, which clients then send back for ever.
    assert status == 200
    record = emulator.inline_answer(query_id)
    assert record is not None and record.answer is not None and record.answer["next_offset"] == "[]"
    (violation,) = emulator.violations
    assert (violation.kind, violation.description) == (
        "suspicious",
        "next_offset is a String but was sent as JSON '[]'"
        if encoding == "form"
        else "next_offset is a String but was sent as JSON []",
    )


@pytest.mark.parametrize(("sent", "kept"), [(-5, 0), (86_401, 86_400)])
async def test_cache_time_out_of_range_is_clamped_and_flagged(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str, sent: int, kept: int
) -> None:
    # The Bot API server clamps cache_time to 0..86400 rather than refusing it.
    assert (await answer(http, query_id, [article()], cache_time=sent))[0] == 200
    record = emulator.inline_answer(query_id)
    assert record is not None and record.answer is not None and record.answer["cache_time"] == kept
    (violation,) = emulator.violations
    assert (
        violation.kind == "suspicious" and f"cache_time {sent} is outside 0..86400" in violation.description
    )


async def test_both_button_actions_are_legal_but_flagged(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str
) -> None:
    button = {"text": "Go", "start_parameter": "go", "web_app": {"url": "https://example.com/app"}}
    assert (await answer(http, query_id, [article()], button=button))[0] == 200
    (violation,) = emulator.violations
    assert violation.kind == "suspicious" and "Telegram uses start_parameter" in violation.description


async def test_fifty_results_with_every_checked_field_are_recorded(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, query_id: str
) -> None:
    keyboard = {
        "inline_keyboard": [
            [{"text": "More", "callback_data": "é" * 32}],  # 64 bytes
            [
                {"text": "Read", "url": "https://example.com/a"},
                {"text": "Bot", "url": "tg://resolve?domain=x"},
            ],
        ]
    }
    articles = [
        article(
            f"{'ö' * 30}{n:02d}",  # 62 bytes, 64 with the number
            "<b>" + "y" * 4091 + "</b> " + f"{n:04d}",  # 4096 UTF-16 units once parsed
            url="https://example.com/story",
            thumbnail_url="http://example.com/t.jpg",
            reply_markup=keyboard,
        )
        for n in range(25)
    ]
    articles[0]["input_message_content"]["link_preview_options"] = {"url": "https://example.com/story"}
    photos = [photo(f"p{n}", caption="<i>" + "😀" * 512 + "</i>", parse_mode="HTML") for n in range(25)]
    button = {"text": "Settings", "start_parameter": "settings-Topics_2"}
    status, body = await answer(
        http, query_id, articles + photos, is_personal=True, next_offset="o" * 64, button=button
    )
    assert (status, body) == (200, {"ok": True, "result": True})
    assert emulator.violations == []
    async with http.get("/_emulator/inline") as response:
        (listed,) = (await response.json())["result"]
    assert (listed["id"], listed["answered"], listed["query"], listed["user_id"]) == (
        query_id,
        True,
        "ai",
        READER,
    )
    recorded = listed["answer"]
    assert len(recorded["results"]) == 50 and recorded["results"] == articles + photos
    assert (recorded["cache_time"], recorded["is_personal"], recorded["next_offset"]) == (300, True, "o" * 64)
    assert recorded["button"] == button
    posted = listed["contents"][articles[0]["id"]]
    assert (len(posted["text"]), posted["entities"][0]) == (
        4096,
        {"type": "bold", "offset": 0, "length": 4091},
    )
    assert posted["link_preview_options"] == {"url": "https://example.com/story"}
    assert listed["contents"]["p0"]["caption_entities"] == [{"type": "italic", "offset": 0, "length": 1024}]


async def test_ptb_answers_an_inline_query(
    emulator: BotApiEmulator, bot: telegram.Bot, query_id: str
) -> None:
    result = InlineQueryResultArticle(
        "a1", "Agents", InputTextMessageContent("<b>Agents</b>", parse_mode="HTML")
    )
    assert await bot.answer_inline_query(query_id, [result], cache_time=0, next_offset="10") is True
    record = emulator.inline_answer(query_id)
    assert record is not None and record.answer is not None
    assert (record.answer["cache_time"], record.answer["next_offset"], record.answer["is_personal"]) == (
        0,
        "10",
        False,
    )
    assert record.contents == {
        "a1": {"text": "Agents", "entities": [{"type": "bold", "offset": 0, "length": 6}]}
    }
    assert emulator.violations == []
