"""Logging: one line per record, and the bot token never written anywhere."""

from __future__ import annotations

import json
import logging
import re
import sys

TOKEN_IN_TEXT = re.compile(r"(bot)?\d{5,16}:[A-Za-z0-9_-]{30,}")


def redact(text: str) -> str:
    """Replace anything shaped like a bot token (``bot123:secret`` or ``123:secret``)."""
    return TOKEN_IN_TEXT.sub(lambda m: (m.group(1) or "") + "<token>", text)


class RedactingFormatter(logging.Formatter):
    """Formats a record, exception text included, then removes tokens and folds it onto one line."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record)).replace("\n", " | ")


class JsonFormatter(RedactingFormatter):
    """One JSON object per line (time, level, logger, message, exception), tokens redacted."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False))


def configure_logging(level: str, fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, which carries the token, at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Alembic narrates every start ("Context impl …", "Will assume …"); its warnings still show.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
