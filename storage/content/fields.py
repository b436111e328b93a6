"""Converters of single front-matter values: ``(container, key) -> value``, or ``Invalid`` with the rest of
the sentence ("field 'x' …"), so that the parser names the field and decides the severity."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Any

from storage.content.frontmatter import YamlMapping, as_text, describe, describe_item
from storage.content.urls import is_http_url

_BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off"})
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


class Invalid(Exception):
    """A value that does not fit its field; the message completes "field 'x' …"."""


def opaque(container: YamlMapping, key: str) -> str:
    text = as_text(container, key)
    if text is None:
        raise Invalid(f"must be text, got {describe_item(container, key)}; put the value in quotes")
    return text


def text(container: YamlMapping, key: str) -> str:
    return opaque(container, key).strip()


def url(container: YamlMapping, key: str) -> str:
    value = container[key]
    text = value.strip() if isinstance(value, str) else None
    if text is None or not is_http_url(text):
        shown = repr(shorten(value)) if isinstance(value, str) else describe(value)
        raise Invalid(f"must be an absolute http or https URL, got {shown}")
    return text


def integer(container: YamlMapping, key: str, low: int, high: int | None) -> int:
    value = container[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"must be a whole number, got {describe_item(container, key)}")
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise Invalid(f"must be a whole number {bounds}, got {value}")
    return value


def quality(container: YamlMapping, key: str) -> int:
    return integer(container, key, 0, None)  # each site has its own scale: ranked per topic, not read as %


def heat(container: YamlMapping, key: str) -> int:
    return integer(container, key, -1, None)  # -1: heat unknown


def size(container: YamlMapping, key: str) -> int:
    return integer(container, key, 0, None)


def boolean(container: YamlMapping, key: str) -> bool:
    value = container[key]
    if not isinstance(value, bool):
        quoted = isinstance(value, str) and value.strip().lower() in _BOOLEAN_WORDS
        hint = " (without quotes)" if quoted else ""
        raise Invalid(f"must be true or false{hint}, got {describe_item(container, key)}")
    return value


def timestamp(value: object) -> tuple[datetime, bool]:
    """A UTC datetime, and whether it came from a date alone."""
    date_only = False
    if isinstance(value, str):
        text = value.strip()
        try:
            if _DATE_ONLY.fullmatch(text):
                value, date_only = datetime.fromisoformat(text), True
            else:
                value = datetime.fromisoformat(text)
        except ValueError:
            raise Invalid(
                f"is not a date and time: {shorten(text)!r}; write ISO 8601, e.g. 2026-03-01T09:30:00Z"
            ) from None
    elif isinstance(value, date) and not isinstance(value, datetime):
        value, date_only = datetime(value.year, value.month, value.day), True
    if not isinstance(value, datetime):
        raise Invalid(f"must be a date and time, got {describe(value)}")
    try:
        return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)), date_only
    except OverflowError:
        raise Invalid("is out of range") from None


def json_safe(value: Any) -> Any:
    """Plain JSON values: the containers made plain, dates as ISO text, nan and inf as text."""
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    if isinstance(value, date):  # datetime included
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
