"""Stand-ins for the emulator tests: a clock that moves only when told to, a token, a reader, and calls
of the control endpoints."""

from __future__ import annotations

from typing import Any

import aiohttp

TOKEN = "123456:TEST-token"
READER = 42


class FakeClock:
    """A monotonic clock under the test's control."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def control_call(
    http: aiohttp.ClientSession, verb: str, path: str, body: Any = None
) -> tuple[int, Any]:
    """A control endpoint's HTTP status and JSON answer, the body sent as JSON (as with curl)."""
    async with http.request(verb, f"/_emulator/{path}", json=body) as response:
        return response.status, await response.json()


async def control_ok(http: aiohttp.ClientSession, verb: str, path: str, body: Any = None) -> Any:
    """A control endpoint's result, which must have succeeded."""
    status, answer = await control_call(http, verb, path, body)
    assert (status, answer["ok"]) == (200, True), answer
    return answer["result"]
