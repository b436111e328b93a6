"""The ``/_emulator/`` HTTP control API: the Python control API for people with curl.

Every endpoint answers ``{"ok": true, "result": …}`` or, for a bad request, HTTP 400 with
``{"ok": false, "error": "…"}``. docs/emulator.md shows each one with a curl example.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web

from bot.emulator.faults import Faults
from bot.emulator.limits import EmulatorLimits
from bot.emulator.spec import ApiSpec
from bot.emulator.state import (
    CallbackRecord,
    CallRecord,
    ChatInfo,
    EmulatorState,
    InlineQueryRecord,
    SentMessage,
    Violation,
)

PREFIX = "/_emulator"
MAX_ANSWER_WAIT = 15.0  # seconds an inline query endpoint may wait for the bot's answer
Route = Callable[[web.Request], Awaitable[Any]]


class Controlled(Protocol):
    """What the endpoints drive: the emulator's Python control API (``BotApiEmulator`` in ``server.py``).

    Declared here so that the server registers these routes and this module never imports the server.
    """

    spec: ApiSpec
    state: EmulatorState
    privacy_mode: bool
    inline_feedback: bool

    @property
    def faults(self) -> Faults: ...
    @property
    def limits(self) -> EmulatorLimits: ...
    @property
    def violations(self) -> list[Violation]: ...
    def set_limits(self, limits: EmulatorLimits | None = None, **changes: Any) -> EmulatorLimits: ...
    def add_chat(self, *args: Any, **kwargs: Any) -> ChatInfo: ...
    def set_admins(self, chat_id: int, admin_ids: list[int], *, creator_id: int | None = None) -> None: ...
    def migrate_chat(self, chat_id: int, new_chat_id: int) -> None: ...
    async def inject_message(self, *args: Any, **kwargs: Any) -> Any: ...
    async def inject_callback(self, *args: Any, **kwargs: Any) -> Any: ...
    async def inject_member(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None: ...
    async def inject_inline_query(self, *args: Any, **kwargs: Any) -> Any: ...
    async def choose_inline_result(self, *args: Any, **kwargs: Any) -> Any: ...
    def inline_queries(self) -> list[InlineQueryRecord]: ...
    def inline_answer(self, inline_query_id: str) -> InlineQueryRecord | None: ...
    async def wait_for(self, *args: Any, **kwargs: Any) -> Any: ...
    def sent(self, chat_id: int | None = None, since: int = 0) -> list[SentMessage]: ...
    def callback_answers(self) -> list[CallbackRecord]: ...
    def calls(self, method: str | None = None) -> list[CallRecord]: ...
    def stats(self) -> dict[str, Any]: ...
    def reset(self) -> None: ...


def add_routes(app: web.Application, emulator: Controlled) -> None:
    """Register every control endpoint on ``app``."""
    routes = _Routes(emulator)
    table: list[tuple[str, str, Route]] = [
        ("GET", "", routes.index),
        ("GET", "/", routes.index),
        ("POST", "/updates/message", routes.message),
        ("POST", "/updates/callback", routes.callback),
        ("POST", "/updates/member", routes.member),
        ("POST", "/updates/inline", routes.inline_query),
        ("POST", "/inline/choose", routes.choose),
        ("GET", "/inline", routes.inline_queries),
        ("GET", "/sent", routes.sent),
        ("GET", "/calls", routes.calls),
        ("GET", "/callbacks", routes.callbacks),
        ("GET", "/stats", routes.stats),
        ("GET", "/violations", routes.violations),
        ("GET", "/faults", routes.get_faults),
        ("POST", "/faults", routes.set_faults),
        ("GET", "/limits", routes.get_limits),
        ("POST", "/limits", routes.set_limits),
        ("POST", "/chats", routes.chats),
        ("GET", "/bot", routes.get_bot),
        ("POST", "/bot", routes.set_bot),
        ("POST", "/reset", routes.reset),
    ]
    for http_method, path, handler in table:
        app.router.add_route(http_method, PREFIX + path, _json_endpoint(handler))


def _json_endpoint(handler: Route) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def endpoint(request: web.Request) -> web.Response:
        try:
            result = await handler(request)
        except (ValueError, TypeError, KeyError) as error:
            return web.json_response({"ok": False, "error": str(error)}, status=400)
        return web.json_response({"ok": True, "result": result})

    return endpoint


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _int_query(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    return int(value) if value not in (None, "") else None


class _Routes:
    def __init__(self, emulator: Controlled) -> None:
        self.emulator = emulator

    async def index(self, request: web.Request) -> dict[str, Any]:
        return {
            "bot_api": self.emulator.spec.version,
            "endpoints": [
                "POST /_emulator/updates/message",
                "POST /_emulator/updates/callback",
                "POST /_emulator/updates/member",
                "POST /_emulator/updates/inline",
                "POST /_emulator/inline/choose",
                "GET /_emulator/inline",
                "GET /_emulator/sent?chat_id=&since=",
                "GET /_emulator/calls?method=&since=&params=",
                "GET /_emulator/callbacks",
                "GET /_emulator/stats",
                "GET /_emulator/violations",
                "GET|POST /_emulator/faults",
                "GET|POST /_emulator/limits",
                "POST /_emulator/chats",
                "GET|POST /_emulator/bot",
                "POST /_emulator/reset",
            ],
        }

    async def message(self, request: web.Request) -> dict[str, Any]:
        body = await _body(request)
        received = self.emulator.state.clock()
        injected = await self.emulator.inject_message(body.pop("chat_id"), body.pop("text"), **body)
        # ``time``: the emulator's clock when the update was queued, the clock of the call log's ``time``.
        return {
            "delivered": injected.delivered,
            "update": injected.update,
            "message": injected.message,
            "time": received,
        }

    async def callback(self, request: web.Request) -> dict[str, Any]:
        body = await _body(request)
        injected = await self.emulator.inject_callback(
            body.pop("chat_id"), body.pop("message_id"), body.pop("data"), **body
        )
        return {"callback_query_id": injected.callback_query_id, "update": injected.update}

    async def member(self, request: web.Request) -> dict[str, Any] | None:
        body = await _body(request)
        return await self.emulator.inject_member(body.pop("chat_id"), body.pop("status"), **body)

    async def inline_query(self, request: web.Request) -> dict[str, Any]:
        body = await _body(request)
        wait = body.pop("wait", 0)
        if not isinstance(wait, int | float) or isinstance(wait, bool) or not 0 <= wait <= MAX_ANSWER_WAIT:
            raise ValueError(f"wait must be 0-{MAX_ANSWER_WAIT:g} seconds, not {wait!r}")
        injected = await self.emulator.inject_inline_query(body.pop("user_id", None), **body)
        query_id = injected.inline_query_id
        answer = None
        if wait and injected.update is not None:
            try:
                record = await self.emulator.wait_for(
                    lambda: self.emulator.inline_answer(query_id), timeout=wait
                )
            except TimeoutError:
                record = None
            answer = None if record is None else record.answer
        return {"inline_query_id": query_id, "update": injected.update, "answer": answer}

    async def choose(self, request: web.Request) -> dict[str, Any]:
        body = await _body(request)
        unknown = sorted(set(body) - {"inline_query_id", "result_id", "chat_id"})
        if unknown:
            raise ValueError(f"unknown fields {unknown}; the fields are inline_query_id, result_id, chat_id")
        for name in ("inline_query_id", "result_id"):
            if not isinstance(body.get(name), str):
                raise ValueError(f"{name} is required, as a string")
        chosen = await self.emulator.choose_inline_result(
            body["inline_query_id"], body["result_id"], chat_id=body.get("chat_id")
        )
        return {
            "message": chosen.message,
            "message_update": chosen.message_update,
            "chosen_update": chosen.chosen_update,
        }

    async def inline_queries(self, request: web.Request) -> list[dict[str, Any]]:
        return [dataclasses.asdict(record) for record in self.emulator.inline_queries()]

    async def sent(self, request: web.Request) -> list[dict[str, Any]]:
        messages = self.emulator.sent(_int_query(request, "chat_id"), _int_query(request, "since") or 0)
        return [message.to_dict() for message in messages]

    async def calls(self, request: web.Request) -> list[dict[str, Any]]:
        since = _int_query(request, "since") or 0
        names = {name for part in request.query.getall("method", []) for name in part.split(",") if name}
        with_params = request.query.get("params", "true").lower() not in ("0", "false", "no")
        # A call's index is its place in the log, so ``since`` counts calls of every method.
        chosen = [call for call in self.emulator.calls()[since:] if not names or call.method in names]
        if with_params:
            return [dataclasses.asdict(call) for call in chosen]
        return [
            {
                field.name: getattr(call, field.name)
                for field in dataclasses.fields(call)
                if field.name != "params"
            }
            for call in chosen
        ]

    async def callbacks(self, request: web.Request) -> list[dict[str, Any]]:
        return [dataclasses.asdict(record) for record in self.emulator.callback_answers()]

    async def stats(self, request: web.Request) -> dict[str, Any]:
        return self.emulator.stats()

    async def violations(self, request: web.Request) -> list[dict[str, Any]]:
        return [dataclasses.asdict(violation) for violation in self.emulator.violations]

    async def get_faults(self, request: web.Request) -> dict[str, Any]:
        return self.emulator.faults.to_dict()

    async def set_faults(self, request: web.Request) -> dict[str, Any]:
        body = await _body(request)
        _apply_faults(self.emulator, self.emulator.faults, body)
        return self.emulator.faults.to_dict()

    async def get_limits(self, request: web.Request) -> dict[str, Any]:
        return dataclasses.asdict(self.emulator.limits)

    async def set_limits(self, request: web.Request) -> dict[str, Any]:
        return dataclasses.asdict(self.emulator.set_limits(**await _body(request)))

    async def chats(self, request: web.Request) -> dict[str, Any]:
        body = await _body(request)
        admins, creator_id = body.pop("admins", None), body.pop("creator_id", None)
        chat_id = body.pop("chat_id")
        chat = self.emulator.add_chat(chat_id, body.pop("type", "private"), **body)
        if admins is not None or creator_id is not None:
            self.emulator.set_admins(chat_id, admins or [], creator_id=creator_id)
        return {**dataclasses.asdict(chat), "threads": sorted(chat.threads), "members": sorted(chat.members)}

    async def get_bot(self, request: web.Request) -> dict[str, Any]:
        state = self.emulator.state
        return {
            "user": state.bot_user(),
            "privacy_mode": state.privacy_mode,
            "descriptions": dict(state.descriptions),
            "short_descriptions": dict(state.short_descriptions),
            "inline_feedback": state.inline_feedback,
        }

    async def set_bot(self, request: web.Request) -> dict[str, Any]:
        body = await _body(request)
        unknown = set(body) - {"privacy_mode", "inline_feedback"}
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}")
        if "privacy_mode" in body:
            self.emulator.privacy_mode = bool(body["privacy_mode"])
        if "inline_feedback" in body:
            self.emulator.inline_feedback = bool(body["inline_feedback"])
        return await self.get_bot(request)

    async def reset(self, request: web.Request) -> bool:
        self.emulator.reset()
        return True


def _apply_faults(emulator: Controlled, faults: Faults, body: dict[str, Any]) -> None:
    known = {
        "clear",
        "block_chats",
        "unblock_chats",
        "unreachable_urls",
        "unreachable_url_substrings",
        "wrong_type_urls",
        "wrong_type_url_substrings",
        "fail_next",
        "delays",
        "migrate_chats",
    }
    unknown = set(body) - known
    if unknown:
        raise ValueError(f"unknown fault settings {sorted(unknown)}")
    if body.get("clear"):
        faults.clear()
    for chat_id in body.get("block_chats", ()):
        faults.block_chat(chat_id)
    for chat_id in body.get("unblock_chats", ()):
        faults.unblock_chat(chat_id)
    for url in body.get("unreachable_urls", ()):
        faults.make_url_unreachable(url)
    for part in body.get("unreachable_url_substrings", ()):
        faults.make_url_unreachable(containing=part)
    for url in body.get("wrong_type_urls", ()):
        faults.make_url_wrong_type(url)
    for part in body.get("wrong_type_url_substrings", ()):
        faults.make_url_wrong_type(containing=part)
    failures = body.get("fail_next", ())
    for failure in [failures] if isinstance(failures, dict) else failures:
        faults.fail_next(**failure)
    for method, seconds in body.get("delays", {}).items():
        faults.delay(method, float(seconds))
    for old, new in body.get("migrate_chats", {}).items():
        emulator.migrate_chat(int(old), int(new))
