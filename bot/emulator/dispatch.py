"""The path of every ``/bot<token>/<method>`` request: spec checks, faults, the handler, the record.

Order of checks: token, method known (404), body readable, injected delay and failure, method
implemented (501), parameter types, unknown parameters (recorded), required parameters (400),
then the handler. Every call ends up in the call log; every bot mistake in the violations.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from aiohttp import web

from bot.emulator import chats, delivery, inline, messaging, profile
from bot.emulator.calls import Answer, Call, Handler, jsonable
from bot.emulator.errors import (
    EMULATOR_BUG,
    SUSPICIOUS,
    UNKNOWN_PARAMETER,
    ApiError,
    not_found,
    not_implemented,
)
from bot.emulator.params import decode_params, missing_required
from bot.emulator.spec import MethodSpec
from bot.emulator.state import CallRecord, EmulatorState
from bot.emulator.wire import error_answer, json_answer, read_request

_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")
_LOG = logging.getLogger(__name__)

# PTB's ``Defaults(parse_mode=…)`` adds ``parse_mode`` to every call that goes through its generic send
# path, editMessageReplyMarkup included. Telegram ignores it, and it is the library's doing, not the bot's.
LIBRARY_DEFAULTS = frozenset({"parse_mode"})
# What PTB (and most libraries) put in a form field for an empty list or dict given as a String parameter.
_EMPTY_JSON = frozenset({"[]", "{}"})


def all_handlers() -> dict[str, Handler]:
    """Every implemented method, by its canonical (spec) name."""
    return {
        **profile.handlers(),
        **messaging.handlers(),
        **delivery.handlers(),
        **chats.handlers(),
        **inline.handlers(),
    }


class Dispatcher:
    """Answers Bot API requests against one :class:`EmulatorState`."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.handlers = all_handlers()

    async def handle(self, request: web.Request) -> web.Response:
        """The aiohttp handler for ``/bot{token}/{method}``."""
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        try:
            self._check_token(request.match_info["token"])
            spec = self.state.spec.method(method)
            if spec is None:
                raise not_found()
            method = spec.name
            raw = await read_request(request)
            params = jsonable(raw.params)
            await self._injected_trouble(method)
            handler = self.handlers.get(method)
            if handler is None:
                raise not_implemented(f"method {method}")
            decoded = decode_params(spec, raw.params, raw.files)
            params = {**params, **jsonable(decoded.values)}
            for name in decoded.unknown:
                if name in LIBRARY_DEFAULTS:
                    continue
                self.state.violate(UNKNOWN_PARAMETER, method, f"{method} has no parameter {name!r}", params)
            for name in _structured_strings(spec, raw.params):
                # Telegram keeps the JSON text as the string: an empty next_offset sent as [] by
                # mistake becomes the offset "[]", which clients then send back for ever.
                self.state.violate(
                    SUSPICIOUS,
                    method,
                    f"{name} is a String but was sent as JSON {raw.params[name]!r}",
                    params,
                )
            missing = missing_required(spec, decoded.values)
            if missing is not None:
                raise missing
            outcome = await handler(Call(method, decoded.values, self.state, decoded.files))
            answer = outcome if isinstance(outcome, Answer) else Answer(outcome)
            self._check_result(method, spec.returns, answer.result, params)
            payload: dict[str, Any] = {"ok": True, "result": answer.result}
            if answer.description:
                payload["description"] = answer.description
            response = json_answer(payload)
            self._log(method, params, 200)
        except ApiError as error:
            # A long poll abandoned by its client (PTB cancels it on shutdown) may end in a conflict
            # nobody reads; only answers that reach the bot reveal its mistakes.
            if error.violation is not None and not _client_gone(request):
                self.state.violate(error.violation, method, error.description, params)
            retry_after = (error.parameters or {}).get("retry_after") if error.status == 429 else None
            self._log(method, params, error.status, error.description, retry_after)
            response = error_answer(error)
        except Exception as exc:  # an emulator bug must fail the call loudly, not hang the bot
            _LOG.exception("emulator failed on %s", method)
            description = f"Internal Server Error: emulator bug: {exc!r}"
            self.state.violate(EMULATOR_BUG, method, description, params)
            self._log(method, params, 500, description)
            response = json_answer({"ok": False, "error_code": 500, "description": description}, 500)
        await self.state.notify()
        return response

    def _check_token(self, token: str) -> None:
        match = _TOKEN.match(token)
        if match is None:
            raise ApiError(404, "Not Found", violation="bad_token")
        bot_id = int(match.group(1))
        if self.state.bot_id is None:
            self.state.bot_id = bot_id
        elif self.state.bot_id != bot_id:
            raise ApiError(401, "Unauthorized", violation="bad_token")

    async def _injected_trouble(self, method: str) -> None:
        delay = self.state.faults.delay_for(method)
        if delay > 0:
            await asyncio.sleep(delay)
        failure = self.state.faults.take_failure(method)
        if failure is not None:
            raise failure

    def _check_result(
        self, method: str, returns: tuple[str, ...], result: Any, params: dict[str, Any]
    ) -> None:
        problems = self.state.spec.object_problems(returns, result)
        if problems:
            self.state.violate(
                EMULATOR_BUG, method, "result breaks the spec: " + "; ".join(problems[:5]), params
            )

    def _log(
        self,
        method: str,
        params: dict[str, Any],
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        state = self.state
        chat_id = params.get("chat_id")
        state.calls.append(
            CallRecord(
                len(state.calls),
                method,
                params,
                status,
                description,
                state.clock(),
                chat_id if isinstance(chat_id, int | str) and not isinstance(chat_id, bool) else None,
                retry_after,
            )
        )


def _structured_strings(spec: MethodSpec, raw: dict[str, Any]) -> list[str]:
    """The String-only parameters that arrived as a JSON array or object instead of a string: in a JSON
    body as one, in a form as the ``[]`` or ``{}`` a library writes for an empty list or dict."""
    return [
        name
        for name, value in raw.items()
        if (isinstance(value, list | dict) or value in _EMPTY_JSON)
        and (field := spec.field(name)) is not None
        and field.types == ("String",)
    ]


def _client_gone(request: web.Request) -> bool:
    return request.transport is None or request.transport.is_closing()
