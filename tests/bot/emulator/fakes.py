"""Stand-ins for the emulator tests: a clock that moves only when told to, a token, a reader."""

from __future__ import annotations

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
