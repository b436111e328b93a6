"""Inline keyboard validation with Telegram's errors."""

from __future__ import annotations

from typing import Any

import pytest

from bot.emulator.errors import ApiError
from bot.emulator.markup import check_reply_markup
from bot.emulator.spec import ApiSpec

BUTTON_FIELDS = {field.name for field in ApiSpec.load().types["InlineKeyboardButton"].fields}


def _keyboard(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"inline_keyboard": [list(buttons)]}


def _error(markup: dict[str, Any]) -> str:
    with pytest.raises(ApiError) as raised:
        check_reply_markup(markup, BUTTON_FIELDS)
    assert raised.value.status == 400
    return raised.value.description


def test_valid_keyboard_is_kept() -> None:
    checked = check_reply_markup(
        _keyboard({"text": "Open", "url": "https://example.com/a"}, {"text": "More", "callback_data": "m:1"}),
        BUTTON_FIELDS,
    )
    assert checked.inline_keyboard == [
        [{"text": "Open", "url": "https://example.com/a"}, {"text": "More", "callback_data": "m:1"}]
    ]
    assert checked.warnings == []


def test_callback_data_limit_is_64_bytes_not_characters() -> None:
    check_reply_markup(_keyboard({"text": "ok", "callback_data": "é" * 32}), BUTTON_FIELDS)
    assert _error(_keyboard({"text": "x", "callback_data": "d" * 65})) == "Bad Request: BUTTON_DATA_INVALID"
    assert _error(_keyboard({"text": "x", "callback_data": "é" * 33})) == "Bad Request: BUTTON_DATA_INVALID"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/file", "Unsupported URL protocol"),
        ("javascript://alert", "Unsupported URL protocol"),
        ("http://localhost:8080/x", "Wrong HTTP URL"),
        ("http://127.0.0.1/x", "Wrong HTTP URL"),
        ("https://intranet/x", "Wrong HTTP URL"),
    ],
)
def test_bad_button_urls(url: str, reason: str) -> None:
    message = _error(_keyboard({"text": "x", "url": url}))
    assert message == f"Bad Request: inline keyboard button URL '{url}' is invalid: {reason}"


def test_telegram_and_schemeless_urls_are_accepted() -> None:
    checked = check_reply_markup(
        _keyboard({"text": "a", "url": "tg://resolve?domain=news"}, {"text": "b", "url": "example.com"}),
        BUTTON_FIELDS,
    )
    assert checked.inline_keyboard == [
        [{"text": "a", "url": "tg://resolve?domain=news"}, {"text": "b", "url": "http://example.com/"}]
    ]


def test_a_button_needs_text_and_an_action() -> None:
    assert _error(_keyboard({"callback_data": "x"})) == (
        "Bad Request: can't parse inline keyboard button: Can't find field \"text\""
    )
    assert _error(_keyboard({"text": "x"})) == (
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    )
    assert _error(_keyboard({"text": "x", "callback_data": ""})).endswith("unallowed in the inline keyboard")


def test_several_actions_are_a_warning_not_an_error() -> None:
    checked = check_reply_markup(
        _keyboard({"text": "x", "url": "https://e.com", "callback_data": "d"}), BUTTON_FIELDS
    )
    assert checked.inline_keyboard == [[{"text": "x", "url": "https://e.com/"}]]
    assert "several actions" in checked.warnings[0]


def test_unknown_button_fields_are_warned_about() -> None:
    checked = check_reply_markup(
        _keyboard({"text": "x", "callback_data": "d", "colour": "red"}), BUTTON_FIELDS
    )
    assert "colour" in checked.warnings[0]


def test_at_most_100_buttons() -> None:
    rows = [[{"text": str(i), "callback_data": str(i)} for i in range(10)] for _ in range(10)]
    check_reply_markup({"inline_keyboard": rows}, BUTTON_FIELDS)
    rows[0].append({"text": "one more", "callback_data": "x"})
    assert _error({"inline_keyboard": rows}) == "Bad Request: reply markup is too long"


def test_rows_must_be_arrays() -> None:
    assert _error({"inline_keyboard": [{"text": "x"}]}) == (
        'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
    )


def test_an_empty_keyboard_is_no_markup() -> None:
    checked = check_reply_markup({"inline_keyboard": []}, BUTTON_FIELDS)
    assert checked.markup is None
    assert checked.warnings


def test_reply_keyboards_are_refused_where_only_inline_ones_fit() -> None:
    with pytest.raises(ApiError):
        check_reply_markup({"keyboard": [["a"]]}, BUTTON_FIELDS, inline_only=True)
