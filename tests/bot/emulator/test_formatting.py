"""Text and caption limits, counted in UTF-16 code units after parsing and trimming."""

from __future__ import annotations

import pytest

from bot.emulator.errors import ApiError
from bot.emulator.formatting import format_text


def _error(text: str, parse_mode: str | None = "HTML", **options: bool) -> str:
    with pytest.raises(ApiError) as raised:
        format_text(text, parse_mode, None, **options)
    return raised.value.description


def test_4096_units_fit_and_4097_do_not() -> None:
    assert len(format_text("x" * 4096, None, None).text) == 4096
    assert _error("x" * 4097) == "Bad Request: message is too long"


def test_length_counts_utf16_units_not_characters() -> None:
    format_text("😀" * 2048, None, None)
    assert _error("😀" * 2049) == "Bad Request: message is too long"


def test_markup_does_not_count_toward_the_limit() -> None:
    assert format_text("<b>" + "x" * 4096 + "</b>", "HTML", None).entities[0]["length"] == 4096
    assert format_text("&lt;" * 4096, "HTML", None).text == "<" * 4096


def test_caption_limit_is_1024() -> None:
    format_text("c" * 1024, "HTML", None, caption=True)
    assert _error("c" * 1025, caption=True) == "Bad Request: message caption is too long"


def test_empty_after_parsing_or_trimming() -> None:
    assert _error("<b></b>") == "Bad Request: message text is empty"
    assert _error(" \n ") == "Bad Request: message text is empty"
    assert format_text("<b></b>", "HTML", None, caption=True).text == ""


def test_surrounding_whitespace_is_trimmed_and_entities_shift() -> None:
    formatted = format_text("\n  <b>x</b> y \n", "HTML", None)
    assert formatted.text == "x y"
    assert formatted.entities == [{"offset": 0, "length": 1, "type": "bold"}]


def test_parse_errors_are_bad_requests() -> None:
    assert (
        _error("a <foo>")
        == 'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 2'
    )


def test_parse_mode_is_case_insensitive_and_checked() -> None:
    assert format_text("<b>x</b>", "html", None).entities
    assert _error("x", "Bold") == "Bad Request: unsupported parse_mode"


def test_markdown_fails_loudly_as_unimplemented() -> None:
    with pytest.raises(ApiError) as raised:
        format_text("*x*", "MarkdownV2", None)
    assert raised.value.status == 501


def test_plain_text_keeps_the_given_entities() -> None:
    entities = [{"type": "bold", "offset": 0, "length": 2}, {"type": "url", "offset": 3, "length": 5}]
    assert format_text("ab cdefg", None, entities).entities == [{"type": "bold", "offset": 0, "length": 2}]


def test_entities_out_of_the_text_are_refused() -> None:
    with pytest.raises(ApiError) as raised:
        format_text("ab", None, [{"type": "bold", "offset": 1, "length": 5}])
    assert raised.value.description.startswith("Bad Request: can't parse MessageEntity:")
