"""Telegram's HTML parse mode: entities, UTF-16 offsets, escaping and TDLib's error messages."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.emulator.html import HtmlParseError, parse_html, utf16_len


def test_nested_tags_become_entities_in_utf16_units() -> None:
    parsed = parse_html("<b>bold <i>both</i></b> plain")
    assert parsed.text == "bold both plain"
    assert parsed.entities == [
        {"offset": 5, "length": 4, "type": "italic"},
        {"offset": 0, "length": 9, "type": "bold"},
    ]


def test_emoji_count_two_utf16_units() -> None:
    parsed = parse_html("😀 <b>news</b> 🇺🇦<u>x</u>")
    assert parsed.text == "😀 news 🇺🇦x"
    bold, underline = parsed.entities
    assert (bold["offset"], bold["length"]) == (3, 4)
    assert (underline["offset"], underline["length"]) == (12, 1)
    assert utf16_len("😀") == 2


def test_all_simple_tags_and_their_synonyms() -> None:
    parsed = parse_html(
        "<b>1</b><strong>2</strong><i>3</i><em>4</em><u>5</u><ins>6</ins><s>7</s><strike>8</strike>"
        '<del>9</del><tg-spoiler>a</tg-spoiler><span class="tg-spoiler">b</span><code>c</code><pre>d</pre>'
    )
    assert [entity["type"] for entity in parsed.entities] == [
        "bold", "bold", "italic", "italic", "underline", "underline", "strikethrough", "strikethrough",
        "strikethrough", "spoiler", "spoiler", "code", "pre",
    ]  # fmt: skip
    assert parsed.text == "123456789abcd"


def test_tags_are_case_insensitive() -> None:
    assert parse_html("<B>x</B>").entities == [{"offset": 0, "length": 1, "type": "bold"}]


def test_only_four_named_references_and_numeric_ones_are_decoded() -> None:
    parsed = parse_html("&lt;tag&gt; &amp; &quot;q&quot; &#65;&#x42; &amp AT&T &nbsp; &copy;")
    assert parsed.text == '<tag> & "q" AB & AT&T &nbsp; &copy;'
    assert parsed.entities == []


def test_pre_with_code_language_is_one_pre_entity() -> None:
    parsed = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert parsed.entities == [{"offset": 0, "length": 5, "type": "pre", "language": "python"}]


def test_code_language_outside_pre_is_dropped() -> None:
    parsed = parse_html('<code class="language-python">x</code>')
    assert parsed.entities == [{"offset": 0, "length": 1, "type": "code"}]


def test_blockquote_and_expandable_blockquote() -> None:
    parsed = parse_html("<blockquote>a</blockquote><blockquote expandable>b</blockquote>")
    assert [entity["type"] for entity in parsed.entities] == ["blockquote", "expandable_blockquote"]


def test_links_are_checked_and_normalised() -> None:
    parsed = parse_html('<a href="https://example.com">x</a> <a href="example.org/a?b=1">y</a>')
    assert [entity["url"] for entity in parsed.entities] == [
        "https://example.com/",
        "http://example.org/a?b=1",
    ]


def test_a_link_telegram_refuses_is_dropped_silently() -> None:
    parsed = parse_html('<a href="javascript:alert(1)">x</a><a href="http://localhost/">y</a>')
    assert parsed.text == "xy"
    assert parsed.entities == []


def test_link_to_a_user_is_a_text_mention() -> None:
    (entity,) = parse_html('<a href="tg://user?id=42">Ann</a>').entities
    assert entity["type"] == "text_mention"
    assert entity["user"]["id"] == 42


def test_custom_emoji_and_empty_entities() -> None:
    parsed = parse_html('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji><b></b>')
    assert parsed.entities == [
        {"offset": 0, "length": 2, "type": "custom_emoji", "custom_emoji_id": "5368324170671202286"}
    ]


def test_attribute_values_decode_references() -> None:
    (entity,) = parse_html('<a href="https://e.com/?a=1&amp;b=2">x</a>').entities
    assert entity["url"] == "https://e.com/?a=1&b=2"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a <foo>b</foo>", 'Unsupported start tag "foo" at byte offset 2'),
        ("é <br/>", 'Unsupported start tag "br/" at byte offset 3'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</i>", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ('<a href="x', "Unclosed start tag at byte offset 0"),
        (
            "<a href>x</a>",
            'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0',
        ),
        ("<a =x>y</a>", 'Empty attribute name in the tag "a" at byte offset 0'),
        ('<a href=x"y>z</a>', "Unexpected end of name token at byte offset 8"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<tg-emoji emoji-id="abc">x</tg-emoji>', "Invalid custom emoji identifier specified"),
    ],
)
def test_errors_use_tdlib_wording_and_byte_offsets(source: str, message: str) -> None:
    with pytest.raises(HtmlParseError) as raised:
        parse_html(source)
    assert str(raised.value) == message


@given(st.text())
def test_escaped_text_parses_back_to_itself(text: str) -> None:
    parsed = parse_html(html.escape(text))
    assert parsed.text == text
    assert parsed.entities == []


@given(st.text(), st.text(), st.text())
def test_entity_offsets_match_the_utf16_position(before: str, inside: str, after: str) -> None:
    parsed = parse_html(f"{html.escape(before)}<b>{html.escape(inside)}</b>{html.escape(after)}")
    assert parsed.text == before + inside + after
    if inside:
        assert parsed.entities == [{"offset": utf16_len(before), "length": utf16_len(inside), "type": "bold"}]
    else:
        assert parsed.entities == []
