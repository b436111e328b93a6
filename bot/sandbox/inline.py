"""Inline mode from the sandbox page: a reader's ``@bot words`` sent to the real bot through the emulator,
the bot's answer as the results panel shows it, and a picked result posted in the reader's chat.

The page types, the emulator delivers the inline query, and this module waits (bounded) for one of three
endings: the bot answered, the emulator refused its answer (answerInlineQuery failed: the reason is the
emulator's own description), or nothing came in time.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.emulator import BotApiEmulator, CallRecord
from bot.sandbox.readers import Reader, ReaderLog

INLINE_WAIT_SECONDS = 5.0
QUERY_LIMIT = 256  # characters: "Text of the query (up to 256 characters)"
OFFSET_LIMIT = 64  # bytes: an offset is a next_offset the bot gave, and those are at most 64 bytes


def bad_input(field: str, problem: str) -> web.HTTPBadRequest:
    """A 400 whose JSON names the field at fault: ``{"error": "query: …", "field": "query"}``."""
    body = {"error": f"{field}: {problem}", "field": field}
    return web.HTTPBadRequest(text=json.dumps(body), content_type="application/json")


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request's JSON body, which must be an object."""
    try:
        body = await request.json()
    except ValueError as error:
        raise bad_input("body", "not JSON") from error
    if not isinstance(body, dict):
        raise bad_input("body", "must be a JSON object")
    return body


def string_field(body: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = body.get(name, None if required else "")
    if value is None:
        raise bad_input(name, "missing")
    if not isinstance(value, str):
        raise bad_input(name, f"must be a string, not {type(value).__name__}")
    return value


class InlineDesk:
    """Asks the bot inline queries on a reader's behalf and posts the results they pick."""

    def __init__(self, emulator: BotApiEmulator, log: ReaderLog, wait: float = INLINE_WAIT_SECONDS) -> None:
        self.emulator = emulator
        self.log = log
        self.wait = wait

    async def ask(self, reader: Reader, body: dict[str, Any]) -> dict[str, Any]:
        """The reader types ``@bot <query>`` in their chat with the bot; the bot's answer, for the panel."""
        query = string_field(body, "query")
        if len(query) > QUERY_LIMIT:
            raise bad_input("query", f"at most {QUERY_LIMIT} characters, not {len(query)}")
        offset = string_field(body, "offset", required=False)
        if len(offset.encode("utf-8")) > OFFSET_LIMIT:
            raise bad_input("offset", f"at most {OFFSET_LIMIT} bytes (a next_offset the bot gave)")
        injected = await self.emulator.inject_inline_query(
            reader.chat_id,
            query,
            offset=offset,
            # Typed in the reader's own chat with the bot: Telegram says "sender".
            chat_type="sender",
            language_code=reader.language_code,
            first_name=reader.first_name,
        )
        query_id = injected.inline_query_id
        reply: dict[str, Any] = {"inline_query_id": query_id, "query": query, "offset": offset}
        if injected.update is None:
            return {**reply, "status": "undelivered", "message": "The bot does not take inline queries."}

        def ending() -> tuple[str, Any] | None:
            record = self.emulator.inline_answer(query_id)
            if record is not None:
                return "answered", record.answer
            refused = _refusal(self.emulator.calls("answerInlineQuery"), query_id)
            return None if refused is None else ("refused", refused)

        try:
            status, detail = await self.emulator.wait_for(ending, timeout=self.wait)
        except TimeoutError:
            message = f"The bot did not answer within {self.wait:g} s."
            return {**reply, "status": "timeout", "message": message}
        if status == "refused":
            message = f"The emulator refused the bot's answer: {detail.status} {detail.description}"
            return {**reply, "status": "refused", "message": message}
        results = [_result_json(result) for result in detail["results"]]
        return {**reply, "status": "answered", "results": results, "next_offset": detail["next_offset"] or ""}

    async def choose(self, reader: Reader, body: dict[str, Any]) -> dict[str, Any]:
        """The reader picks a result: posted in their chat with the bot as their message via the bot."""
        query_id = string_field(body, "inline_query_id")
        result_id = string_field(body, "result_id")
        record = next(
            (r for r in self.emulator.inline_queries() if r.id == query_id and r.user_id == reader.chat_id),
            None,
        )
        if record is None:
            raise bad_input("inline_query_id", f"{reader.first_name} asked no inline query {query_id!r}")
        if record.answer is None:
            raise bad_input("inline_query_id", f"the bot has not answered inline query {query_id!r}")
        result = next((r for r in record.answer["results"] if r.get("id") == result_id), None)
        if result is None:
            raise bad_input(
                "result_id", f"the answer to inline query {query_id!r} has no result {result_id!r}"
            )
        try:
            chosen = await self.emulator.choose_inline_result(query_id, result_id, chat_id=reader.chat_id)
        except ValueError as error:
            raise bad_input("result_id", str(error)) from error
        photo_url = result.get("photo_url") if result.get("type") == "photo" else None
        posted = self.log.posted_via(reader.chat_id, chosen.message, photo_url)
        # The open pages refetch on a change; the reader's own message is one even if no bot call follows.
        await self.emulator.state.notify()
        return {"message": posted}


def _refusal(calls: list[CallRecord], query_id: str) -> CallRecord | None:
    """The failed answerInlineQuery call for this query, if the bot's answer was refused."""
    for call in reversed(calls):
        if call.status >= 400 and str(call.params.get("inline_query_id")) == query_id:
            return call
    return None


def _result_json(result: dict[str, Any]) -> dict[str, Any]:
    """One result as the panel lists it: its thumbnail, title and description."""
    kind = str(result.get("type", ""))
    return {
        "id": str(result.get("id", "")),
        "type": kind,
        "title": str(result.get("title") or kind.capitalize()),
        "description": str(result.get("description") or ""),
        "thumbnail_url": result.get("thumbnail_url") or result.get("photo_url"),
    }
