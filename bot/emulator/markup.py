"""``reply_markup`` as the Bot API server reads it, with Telegram's errors for bad buttons."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.errors import ApiError, bad_request
from bot.emulator.links import LinkError, checked_link

CALLBACK_DATA_LIMIT = 64  # bytes of UTF-8
BUTTON_LIMIT = 100

# The server looks for the button's action in this order and uses the first one it finds.
_ACTIONS = (
    "url",
    "callback_data",
    "callback_game",
    "pay",
    "switch_inline_query",
    "switch_inline_query_chosen_chat",
    "switch_inline_query_current_chat",
    "login_url",
    "web_app",
    "copy_text",
)
_NON_EMPTY_STRING_ACTIONS = frozenset({"url", "callback_data"})


@dataclass
class CheckedMarkup:
    """The markup Telegram stores (``None`` when there is none) and warnings about legal oddities."""

    markup: dict[str, Any] | None
    warnings: list[str] = field(default_factory=list)

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]] | None:
        """The inline keyboard rows, when the markup is an inline keyboard."""
        if self.markup is None or "inline_keyboard" not in self.markup:
            return None
        rows: list[list[dict[str, Any]]] = self.markup["inline_keyboard"]
        return rows


def check_reply_markup(
    value: dict[str, Any] | None, button_fields: Collection[str], *, inline_only: bool = False
) -> CheckedMarkup:
    """Validate ``reply_markup``; raise the 400 Telegram gives for the first bad button."""
    if value is None:
        return CheckedMarkup(None)
    if "inline_keyboard" in value:
        return _inline(value["inline_keyboard"], button_fields)
    if inline_only:
        if value.get("keyboard") or value.get("remove_keyboard") or value.get("force_reply"):
            raise bad_request("inline keyboard expected")
        return CheckedMarkup(None, ["reply_markup has no inline_keyboard; Telegram reads it as no markup"])
    if "keyboard" in value:
        rows = value["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" must be an Array of Arrays')
        for row in rows:
            for button in row:
                if not isinstance(button, str | dict) or (isinstance(button, dict) and "text" not in button):
                    raise bad_request(
                        "can't parse keyboard button: KeyboardButton must be a String or an Object"
                    )
        return CheckedMarkup(dict(value) if rows else None)
    if value.get("remove_keyboard") or value.get("force_reply"):
        return CheckedMarkup(dict(value))
    return CheckedMarkup(None, ["reply_markup has no keyboard; Telegram reads it as no markup"])


def _inline(rows: Any, button_fields: Collection[str]) -> CheckedMarkup:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    warnings: list[str] = []
    checked_rows: list[list[dict[str, Any]]] = []
    for row in rows:
        checked_rows.append([_button(button, button_fields, warnings) for button in row])
    if sum(len(row) for row in checked_rows) > BUTTON_LIMIT:
        raise bad_request("reply markup is too long")
    checked_rows = [row for row in checked_rows if row]
    if not checked_rows:
        return CheckedMarkup(None, [*warnings, "empty inline_keyboard; Telegram reads it as no markup"])
    return CheckedMarkup({"inline_keyboard": checked_rows}, warnings)


def _button(button: Any, button_fields: Collection[str], warnings: list[str]) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise _button_error("InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise _button_error('Can\'t find field "text"')
    if not isinstance(button["text"], str):
        raise _button_error('Field "text" must be of type String')
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    unknown = sorted(set(button) - set(button_fields))
    if unknown:
        warnings.append(f"inline keyboard button {button['text']!r} has unknown fields {unknown}")
    present = [
        name
        for name in _ACTIONS
        if name in button and (name not in _NON_EMPTY_STRING_ACTIONS or button[name] not in ("", None))
    ]
    if not present:
        raise _button_error("Text buttons are unallowed in the inline keyboard")
    if len(present) > 1:
        warnings.append(
            f"inline keyboard button {button['text']!r} has several actions {present}; Telegram uses only {present[0]!r}"
        )
    action = present[0]
    checked = {"text": button["text"], action: button[action]}
    for extra in ("style", "icon_custom_emoji_id"):
        if extra in button:
            checked[extra] = button[extra]
    if action == "callback_data":
        data = button["callback_data"]
        if not isinstance(data, str):
            raise _button_error('Field "callback_data" must be of type String')
        if len(data.encode("utf-8")) > CALLBACK_DATA_LIMIT:
            raise bad_request("BUTTON_DATA_INVALID")
    elif action == "url":
        url = str(button["url"])
        try:
            checked["url"] = checked_link(url)
        except LinkError as error:
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: {error}") from error
    return checked


def _button_error(reason: str) -> ApiError:
    return bad_request(f"can't parse inline keyboard button: {reason}")
