"""Message text and captions as Telegram accepts them: parse mode, entities, trimming, length limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from bot.emulator.errors import ApiError, bad_request, not_implemented
from bot.emulator.html import FormattedText, HtmlParseError, parse_html, utf16_len
from bot.emulator.links import LinkError, checked_link

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
RAW_TEXT_LIMIT = 1 << 15  # bytes; the Bot API server refuses longer input before parsing it
_TRIMMED = " \t\n\r\x0b\x0c"

# Entities a bot may send; Telegram re-detects the automatic ones (mention, url, …) itself.
_SETTABLE = frozenset(
    {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "pre",
        "text_link",
        "text_mention",
        "custom_emoji",
        "blockquote",
        "expandable_blockquote",
        "date_time",
    }
)
_DETECTED = frozenset(
    {"mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number", "bank_card_number"}
)
_PRIORITY: Mapping[str, int] = MappingProxyType(
    {
        "blockquote": 0,
        "expandable_blockquote": 0,
        "pre": 11,
        "code": 20,
        "text_link": 49,
        "text_mention": 49,
        "bold": 90,
        "italic": 91,
        "underline": 92,
        "strikethrough": 93,
        "spoiler": 94,
        "custom_emoji": 99,
    }
)
_NO_NESTING = frozenset({"pre", "code"})


def format_text(
    text: str,
    parse_mode: str | None,
    entities: Sequence[Any] | None,
    *,
    caption: bool = False,
) -> FormattedText:
    """What Telegram would store for this text or caption, or the 400 it would answer."""
    if len(text.encode("utf-8", "surrogatepass")) > RAW_TEXT_LIMIT:
        raise bad_request("text is too long")
    mode = (parse_mode or "").lower()
    if mode in ("", "none"):
        formatted = FormattedText(text, _checked_entities(text, entities or []))
    elif mode == "html":
        try:
            formatted = parse_html(text)
        except HtmlParseError as error:
            raise bad_request(f"can't parse entities: {error}") from error
    elif mode in ("markdown", "markdownv2"):
        raise not_implemented(f"parse_mode {parse_mode}; send HTML or entities")
    else:
        raise bad_request("unsupported parse_mode")
    formatted = _normalized(formatted)
    length = utf16_len(formatted.text)
    if caption:
        if length > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
    elif length == 0:
        raise bad_request("message text is empty")
    elif length > TEXT_LIMIT:
        raise bad_request("message is too long")
    return formatted


def _checked_entities(text: str, raw: Sequence[Any]) -> list[dict[str, Any]]:
    size = utf16_len(text)
    entities: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict):
            raise _entity_error("expected an Object")
        for name in ("offset", "length"):
            if name not in item:
                raise _entity_error(f'Can\'t find field "{name}"')
            if not isinstance(item[name], int) or isinstance(item[name], bool):
                raise _entity_error(f'Field "{name}" must be of type Number')
        kind = item.get("type")
        if kind in _DETECTED:
            continue
        if kind not in _SETTABLE:
            raise _entity_error("Unsupported type specified")
        offset, length = item["offset"], item["length"]
        if offset < 0 or length <= 0 or offset + length > size:
            raise _entity_error(f"entity [{offset}, {offset + length}) is out of the text of length {size}")
        entity = dict(item)
        if kind == "text_link":
            try:
                entity["url"] = checked_link(str(item.get("url", "")))
            except LinkError:
                continue
        if kind == "text_mention" and not isinstance(item.get("user"), dict):
            raise _entity_error('Can\'t find field "user"')
        if kind == "custom_emoji" and not str(item.get("custom_emoji_id", "")).isdigit():
            raise _entity_error("Invalid custom emoji identifier specified")
        entities.append(entity)
    return entities


def _entity_error(reason: str) -> ApiError:
    return bad_request(f"can't parse MessageEntity: {reason}")


def _normalized(formatted: FormattedText) -> FormattedText:
    """Trim surrounding whitespace, drop entities nested in code or pre, sort like TDLib."""
    text = formatted.text
    stripped = text.strip(_TRIMMED)
    lead = utf16_len(text[: len(text) - len(text.lstrip(_TRIMMED))])
    size = utf16_len(stripped)
    entities: list[dict[str, Any]] = []
    for entity in formatted.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    entities = [entity for entity in entities if not _inside_code(entity, entities)]
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"], _PRIORITY.get(entity["type"], 50)))
    return FormattedText(stripped, entities)


def _inside_code(entity: dict[str, Any], entities: Sequence[dict[str, Any]]) -> bool:
    """Whether ``entity`` lies within a code or pre entity, which Telegram keeps free of others.

    Of a ``<pre><code>`` pair over the same text only the pre survives.
    """
    if entity["type"] in ("blockquote", "expandable_blockquote"):
        return False
    start, end = entity["offset"], entity["offset"] + entity["length"]
    return any(
        other is not entity
        and other["type"] in _NO_NESTING
        and other["offset"] <= start
        and end <= other["offset"] + other["length"]
        and not (
            entity["type"] in _NO_NESTING
            and other["offset"] == start
            and other["length"] == entity["length"]
            and _PRIORITY[other["type"]] > _PRIORITY[entity["type"]]
        )
        for other in entities
    )
