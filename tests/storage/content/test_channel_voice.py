"""channels.yaml's mapping form: topics with a channel's own voice; every bad field named with file, line,
channel and field, and only that channel held back."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.content.channel_file import ChannelEntry, ChannelRef, parse_channel_map
from storage.content.channel_voice import MAX_FOOTER_CHARS, ChannelVoice
from storage.content.validation import validate_folder

FILE = "content/channels.yaml"
LANGUAGES = ("en", "de")  # the bot's catalogues (bot/texts/registry.py)


def parse(text: str) -> tuple[list[ChannelEntry], list[ChannelRef], list[str]]:
    channel_map, diagnostics = parse_channel_map(text.encode(), FILE, languages=LANGUAGES)
    assert channel_map.readable
    return list(channel_map.entries), list(channel_map.broken), [str(d) for d in diagnostics]


def test_every_field_of_the_mapping_form_is_read() -> None:
    entries, broken, problems = parse(
        '"@ai_news_de":\n'
        "  topics: [AI, Computer Vision]\n"
        "  language: DE\n"
        '  footer: {text: "Mehr auf  example.org", link: "https://example.org/de?from=bot"}\n'
        "  silent: true\n"
        "  style: preview\n"
        '"@plain":\n'
        "  topics: [Space]\n"
        '  footer: "Tips & tricks <3"\n'
    )
    assert problems == [] and broken == []
    assert entries == [
        ChannelEntry(
            ChannelRef(username="ai_news_de"),
            ("AI", "Computer Vision"),
            1,
            ChannelVoice("de", True, "preview", "Mehr auf example.org", "https://example.org/de?from=bot"),
        ),
        ChannelEntry(ChannelRef(username="plain"), ("Space",), 7, ChannelVoice(footer="Tips & tricks <3")),
    ]


def test_the_list_form_keeps_the_default_voice_and_both_forms_mix() -> None:
    entries, _, problems = parse('"@ai_news": [AI]\n-1001234567890:\n  topics: [Climate]\n  style: text\n')
    assert problems == []
    assert [entry.voice for entry in entries] == [ChannelVoice(), ChannelVoice(style="text")]


def test_a_mapping_without_topics_is_a_warning_and_gets_nothing() -> None:
    entries, broken, problems = parse('"@ai_news":\n  language: de\n')
    assert broken == [] and entries == [
        ChannelEntry(ChannelRef(username="ai_news"), (), 1, ChannelVoice("de"))
    ]
    assert problems == [f"{FILE}:1: warning: @ai_news has no topics: it gets nothing"]


@pytest.mark.parametrize(
    ("field", "problem"),
    [
        ("style: big", "5: error: style of @ai_news must be one of photo, preview, text; got 'big'"),
        ("style: [photo]", "5: error: style of @ai_news must be one of photo, preview, text; got a list"),
        ("language: fr", "5: error: language of @ai_news must be one of en, de; got 'fr'"),
        ("language: 7", "5: error: language of @ai_news must be one of en, de; got '7'"),
        ("silent: yes please", "5: error: silent of @ai_news must be true or false; got text"),
        ("silent: 1", "5: error: silent of @ai_news must be true or false; got a number (1)"),
        (
            "colour: blue",
            "5: error: @ai_news has an unknown key 'colour': a channel takes topics, language, "
            "footer, silent, style",
        ),
        ('footer: ""', "5: error: footer of @ai_news must be a short line of text"),
        (
            "footer: [a, b]",
            "5: error: footer of @ai_news must be a short line of text, e.g. footer: "
            '{text: "More at example.org", link: "https://example.org"}; got a list',
        ),
        ('footer: "x\\ny"', "5: error: footer of @ai_news must be one line; it has 2"),
        (
            f"footer: {'x' * (MAX_FOOTER_CHARS + 1)}",
            f"footer of @ai_news is {MAX_FOOTER_CHARS + 1} characters",
        ),
        (
            'footer: "More at <a href=\\"https://x.org\\">x.org</a>"',
            "5: error: footer of @ai_news is plain text, shown as written: HTML such as '<a href=\"https://x.org\">'",
        ),
        ("footer: {link: 'https://x.org'}", "5: error: footer of @ai_news needs its text"),
        (
            "footer: {text: Hi, url: 'https://x.org'}",
            "5: error: footer of @ai_news has an unknown key 'url': it takes text and link",
        ),
        (
            "footer: {text: Hi, link: 'javascript:alert(1)'}",
            "5: error: the footer link of @ai_news must be an "
            "http(s) URL, like https://example.org; got 'javascript:alert(1)'",
        ),
        ("footer: {text: Hi, link: 'example.org'}", "got 'example.org'"),
        ("footer: {text: Hi, link: 42}", "5: error: the footer link of @ai_news must be an http(s) URL"),
    ],
)
def test_a_bad_field_is_an_error_that_holds_back_only_its_channel(field: str, problem: str) -> None:
    entries, broken, problems = parse(
        f'"@okay_news": [Space]\n# the next one\n"@ai_news":\n  topics: [AI]\n  {field}\n'
    )
    assert [entry.ref.username for entry in entries] == ["okay_news"]
    assert broken == [ChannelRef(username="ai_news")]
    assert len(problems) == 1 and problems[0].startswith(f"{FILE}:") and problem in problems[0], problems


def test_validate_reports_the_voice_errors(tmp_path: Path) -> None:
    (tmp_path / "channels.yaml").write_text('"@ai_news":\n  topics: [AI]\n  style: big\n', encoding="utf-8")
    report = validate_folder(tmp_path, "content", languages=LANGUAGES)
    assert [str(d) for d in report.diagnostics] == [
        f"{FILE}:3: error: style of @ai_news must be one of photo, preview, text; got 'big'"
    ]


def test_topics_in_the_mapping_form_must_be_a_list() -> None:
    _, broken, problems = parse('"@ai_news":\n  style: text\n  topics: AI\n')
    assert broken == [ChannelRef(username="ai_news")]
    assert problems == [
        f'{FILE}:3: error: the topics of @ai_news must be a list, e.g. "@ai_news": [AI, Computer Vision]; got text'
    ]


def test_a_voice_reads_well_in_a_log_line() -> None:
    assert str(ChannelVoice()) == "language en, with sound, style photo"
    voice = ChannelVoice("de", True, "preview", "Mehr auf example.org", "https://example.org")
    assert (
        str(voice)
        == "language de, silent, style preview, footer 'Mehr auf example.org' → https://example.org"
    )
