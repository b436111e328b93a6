"""Session-wide checks: nothing the bot logs during the whole test run contains a bot token."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logs import TOKEN_IN_TEXT

# Every token the tests use has this shape; the pattern is the one the production formatter redacts.
SECRETS = ("TEST-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "BENCH-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")


class RawCapture(logging.Handler):
    """Keeps every record as it would be written before any redaction: message and exception text."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.leaks: list[str] = []
        self.records = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("tests."):
            return  # the redaction tests log tokens on purpose
        self.records += 1
        text = self.format(record)
        if TOKEN_IN_TEXT.search(text) or any(secret in text for secret in SECRETS):
            self.leaks.append(text[:500])


@pytest.fixture(scope="session", autouse=True)
def no_token_in_any_log() -> Iterator[None]:
    root = logging.getLogger()
    capture = RawCapture()
    previous = root.level
    root.addHandler(capture)
    root.setLevel(min(previous, logging.INFO))
    logging.getLogger("newsbot.selftest").info("log capture wired")
    yield
    root.removeHandler(capture)
    root.setLevel(previous)
    assert capture.records > 0, "the capture saw not even its own record: it is not wired"
    assert capture.leaks == [], capture.leaks[:5]
