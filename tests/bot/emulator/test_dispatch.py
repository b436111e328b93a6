"""Every call is checked against the specification, over plain HTTP in every encoding Telegram takes."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.emulator import ApiSpec, BotApiEmulator
from bot.emulator.dispatch import all_handlers
from tests.bot.emulator.fakes import READER, TOKEN


async def _post(http: aiohttp.ClientSession, method: str, **data: Any) -> tuple[int, dict[str, Any]]:
    async with http.post(f"/bot{TOKEN}/{method}", data=data) as response:
        return response.status, await response.json()


def _kinds(emulator: BotApiEmulator) -> list[str]:
    return [violation.kind for violation in emulator.violations]


def test_every_implemented_method_is_in_the_spec() -> None:
    spec = ApiSpec.load()
    assert spec.version == "Bot API 10.1"
    assert set(all_handlers()) <= set(spec.methods)


async def test_unknown_method_is_404(emulator: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    status, body = await _post(http, "sendMesage", chat_id="1", text="x")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert _kinds(emulator) == ["unknown_method"]


async def test_method_names_are_case_insensitive(http: aiohttp.ClientSession) -> None:
    status, body = await _post(http, "GETME")
    assert status == 200
    assert body["result"]["username"] == "newsbot_test_bot"


async def test_missing_required_parameters(emulator: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    assert await _post(http, "sendMessage", chat_id="1") == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"},
    )
    assert (await _post(http, "sendMessage", text="x"))[1]["description"] == "Bad Request: chat_id is empty"
    assert (await _post(http, "sendMessage", chat_id="1", text=""))[1]["description"] == (
        "Bad Request: message text is empty"
    )
    assert (await _post(http, "setMyCommands"))[1][
        "description"
    ] == 'Bad Request: parameter "commands" is required'
    assert _kinds(emulator) == ["bad_request"] * 4


async def test_unknown_parameter_is_recorded_not_fatal(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, reader: int
) -> None:
    status, _ = await _post(
        http, "sendMessage", chat_id=str(reader), text="hi", disable_web_page_preview="true"
    )
    assert status == 200
    (violation,) = emulator.violations
    assert violation.kind == "unknown_parameter"
    assert "disable_web_page_preview" in violation.description


async def test_known_but_unimplemented_method_fails_loudly(
    emulator: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    status, body = await _post(http, "sendDocument", chat_id="1", document="x")
    assert status == 501
    assert body["description"] == "Not Implemented: the emulator does not implement method sendDocument"
    assert _kinds(emulator) == ["unimplemented"]


async def test_json_bodies_and_query_strings_are_accepted(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, reader: int
) -> None:
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}
    payload = {"chat_id": reader, "text": "json", "reply_markup": markup, "disable_notification": True}
    async with http.post(f"/bot{TOKEN}/sendMessage", json=payload) as response:
        assert response.status == 200
    async with http.get(
        f"/bot{TOKEN}/sendMessage", params={"chat_id": str(reader), "text": "query"}
    ) as response:
        assert response.status == 200
    first, second = emulator.sent()
    assert (first.text, first.reply_markup, first.disable_notification) == ("json", markup, True)
    assert second.text == "query"
    assert emulator.violations == []


async def test_string_parameters_are_never_json_decoded(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, reader: int
) -> None:
    await _post(http, "sendMessage", chat_id=str(reader), text="true")
    await _post(http, "sendMessage", chat_id=str(reader), text="123")
    assert [message.text for message in emulator.sent()] == ["true", "123"]


async def test_wrongly_typed_parameter(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, reader: int
) -> None:
    status, body = await _post(
        http, "sendMessage", chat_id=str(reader), text="x", disable_notification="maybe"
    )
    assert status == 400
    assert body["description"] == 'Bad Request: field "disable_notification" must be of type Boolean'


async def test_unparsable_json_parameter(http: aiohttp.ClientSession, reader: int) -> None:
    status, body = await _post(http, "sendMessage", chat_id=str(reader), text="x", reply_markup="{nope")
    assert (status, body["description"]) == (
        400,
        "Bad Request: can't parse reply keyboard markup JSON object",
    )


async def test_unknown_chat(http: aiohttp.ClientSession) -> None:
    status, body = await _post(http, "sendMessage", chat_id="777", text="x")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")


async def test_tokens(emulator: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    async with http.post("/botnot-a-token/getMe") as response:
        assert response.status == 404
    async with http.post(f"/bot{TOKEN}/getMe") as response:
        assert response.status == 200
    async with http.post("/bot999:other/getMe") as response:
        assert (response.status, (await response.json())["description"]) == (401, "Unauthorized")


async def test_429_carries_retry_after_header(emulator: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    emulator.faults.fail_next("getMe", status=429, retry_after=7)
    async with http.post(f"/bot{TOKEN}/getMe") as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "7"
        assert await response.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 7",
            "parameters": {"retry_after": 7},
        }
    assert emulator.violations == []


async def test_every_call_is_logged(
    emulator: BotApiEmulator, http: aiohttp.ClientSession, reader: int
) -> None:
    await _post(http, "getMe")
    await _post(http, "sendMessage", chat_id=str(reader), text="")
    assert [(call.method, call.status) for call in emulator.calls()] == [("getMe", 200), ("sendMessage", 400)]
    assert emulator.stats()["statuses"] == {"ok": 1, "4xx": 1, "429": 0, "5xx": 0}


def test_spec_check_finds_missing_and_unknown_fields() -> None:
    spec = ApiSpec.load()
    assert spec.object_problems(["User"], {"id": 1, "is_bot": False, "first_name": "A"}) == []
    assert spec.object_problems(["User"], {"id": 1, "first_name": "A", "nick": "x"}) == [
        "result.nick: not a field of User",
        "result.is_bot: required field of User is missing",
    ]
    assert spec.object_problems(["ChatMember"], {"status": "member", "user": {"id": 1}}) != []


async def test_chat_reference_by_username(emulator: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    emulator.add_chat(-1001, "channel", username="news_channel", bot_status="administrator")
    status, body = await _post(http, "sendMessage", chat_id="@news_channel", text="post")
    assert status == 200
    assert body["result"]["sender_chat"]["id"] == -1001
    assert READER not in emulator.state.chats


async def test_unmodelled_features_fail_loudly(emulator: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    status, body = await _post(http, "editMessageText", inline_message_id="abc", text="x")
    assert (status, body["description"]) == (
        501,
        "Not Implemented: the emulator does not implement inline messages (inline_message_id)",
    )
    assert _kinds(emulator) == ["unimplemented"]
