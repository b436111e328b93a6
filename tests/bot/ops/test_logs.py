"""Logs: one line per record, and the bot token never written, exception text included."""

from __future__ import annotations

import io
import logging

from bot.ops.logs import RedactingFormatter, configure_logging, redact
from tests.bot.conftest import TOKEN

SECRET = TOKEN.split(":")[1]


def test_redact_replaces_token_shapes() -> None:
    assert (
        redact(f"GET https://api.telegram.org/bot{TOKEN}/getMe")
        == "GET https://api.telegram.org/bot<token>/getMe"
    )
    assert redact(f"token={TOKEN}") == "token=<token>"
    assert redact("chat 123456 said 42:abc") == "chat 123456 said 42:abc"


def test_formatter_redacts_exceptions_and_keeps_one_line() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"failed calling https://api.telegram.org/bot{TOKEN}/sendMessage")
        except RuntimeError:
            logger.exception("call failed for %s", TOKEN)
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert SECRET not in written
    assert written.count("\n") == 1
    assert "<token>" in written


def test_configure_logging_silences_request_loggers() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("DEBUG")
        assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
        assert isinstance(root.handlers[0].formatter, RedactingFormatter)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


def test_json_lines_are_one_object_each_and_redacted() -> None:
    import json

    from bot.ops.logs import JsonFormatter

    record = logging.LogRecord("bot.x", logging.ERROR, __file__, 1, "sent to %s", (TOKEN,), None)
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "bot.x"
    assert entry["message"] == "sent to <token>"
    assert "\n" not in line
