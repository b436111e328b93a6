"""channels.yaml: channels by @username or id, topics as lists; every problem named with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.content.channel_file import (
    ChannelEntry,
    ChannelRef,
    load_channel_map,
    parse_channel_map,
    parse_channel_ref,
)
from storage.content.validation import validate_folder
from tests.articles import article_text

LANGUAGES = ("en", "de")  # the bot's catalogues (bot/texts/registry.py)

FILE = "content/channels.yaml"


def parse(text: str) -> tuple[list[ChannelEntry], list[ChannelRef], bool, list[str]]:
    channel_map, diagnostics = parse_channel_map(text.encode(), FILE, languages=LANGUAGES)
    return (
        list(channel_map.entries),
        list(channel_map.broken),
        channel_map.readable,
        [str(diagnostic) for diagnostic in diagnostics],
    )


def test_usernames_and_ids_map_to_clean_unique_topic_names() -> None:
    entries, broken, readable, problems = parse(
        '# channels\n"@ai_news": [AI, Computer  Vision, ai]\n-1001234567890:\n  - Climate\n'
    )
    assert readable and broken == [] and problems == []
    assert entries == [
        ChannelEntry(ChannelRef(username="ai_news"), ("AI", "Computer Vision"), 2),
        ChannelEntry(ChannelRef(chat_id=-1001234567890), ("Climate",), 3),
    ]
    assert [entry.ref.target for entry in entries] == ["@ai_news", -1001234567890]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("ai_news", """'ai_news' needs an '@': write "@ai_news\""""),
        ("https://t.me/ai_news", """is a link: write the channel as "@ai_news\""""),
        ("1234", "channel ids are negative"),
        ("@ai", "is not a channel: write its @username"),
        ("@ai news", "is not a channel"),
    ],
)
def test_a_bad_channel_name_says_how_to_write_it(text: str, problem: str) -> None:
    ref = parse_channel_ref(text)
    assert isinstance(ref, str) and problem in ref


def test_usernames_ignore_case_and_name_the_stored_chat() -> None:
    ref = parse_channel_ref("@AI_News")
    assert isinstance(ref, ChannelRef)
    assert ref.key == "@ai_news" and ref.names(-100, "ai_news") and not ref.names(-100, "ops_news")
    by_id = parse_channel_ref(" -1001 ")
    assert isinstance(by_id, ChannelRef) and by_id.names(-1001, None) and not by_id.names(-1002, None)


def test_a_broken_entry_holds_back_its_channel_only() -> None:
    entries, broken, readable, problems = parse(
        '"@ai_news": [AI]\n'
        '"@ops_news": Security\n'
        '"@AI_NEWS": [Space]\n'
        '"@x_news": [AI, yes]\n'
        '"@quiet_news": []\n'
        "ai_wire: [AI]\n"
    )
    assert readable
    assert [entry.ref.username for entry in entries] == ["ai_news", "quiet_news"]
    assert entries[1].topics == ()
    assert broken == [ChannelRef(username="ops_news"), ChannelRef(username="x_news")]
    assert problems == [
        f'{FILE}:2: error: the topics of @ops_news must be a list, e.g. "@ai_news": [AI, Computer Vision]; got text',
        f"{FILE}:3: error: '@AI_NEWS' is the same channel as '@ai_news' (line 1)",
        f"{FILE}:4: error: topic 2 of @x_news must be a topic name, got a boolean (yes)",
        f"{FILE}:5: warning: @quiet_news has no topics: it gets nothing",
        f"""{FILE}:6: error: 'ai_wire' needs an '@': write "@ai_wire\"""",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('"@ai_news": [AI]\n@ops_news: [Security]\n', ":2: error: malformed YAML"),
        ("- AI\n- Space\n", ":1: error: channels.yaml must map channels to topics"),
        ('"@ai_news": [AI]\n"@ai_news": [Space]\n', ":2: error: "),
        ('"@ai_news": [AI\n', "error: malformed YAML"),
    ],
)
def test_a_file_that_cannot_be_read_whole_changes_nothing(text: str, problem: str) -> None:
    entries, broken, readable, problems = parse(text)
    assert not readable and entries == [] and broken == []
    (line,) = problems
    assert (
        line.startswith(FILE)
        and problem in line
        and line.endswith("(no channel changes until this is fixed)")
    )


def test_unquoted_at_sign_gets_a_hint() -> None:
    *_, problems = parse("@ops_news: [Security]\n")
    assert "YAML reserves '@': quote channel names" in problems[0]


def test_empty_or_missing_file_means_no_channels(tmp_path: Path) -> None:
    assert parse("# nothing yet\n") == ([], [], True, [])
    channel_map, diagnostics = load_channel_map(tmp_path / "channels.yaml", FILE, languages=LANGUAGES)
    assert channel_map.readable and channel_map.entries == () and diagnostics == []


def test_binary_or_oversized_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_bytes(b'"@ai_news": [AI]\n' * 10)
    channel_map, diagnostics = load_channel_map(path, FILE, max_bytes=20, languages=LANGUAGES)
    assert not channel_map.readable and "larger than the limit of 20 bytes" in str(diagnostics[0])
    path.write_bytes(b"\xff\xfe")
    channel_map, diagnostics = load_channel_map(path, FILE, languages=LANGUAGES)
    assert not channel_map.readable and "not valid UTF-8" in str(diagnostics[0])


def test_validate_checks_channels_yaml_and_never_takes_it_for_an_article(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(article_text(url="https://example.com/a"), encoding="utf-8")
    (tmp_path / "channels.yaml").write_text('"@ai_news": [AI]\nops_news: [Security]\n', encoding="utf-8")
    report = validate_folder(tmp_path, "content/", languages=LANGUAGES)
    assert (report.files_checked, report.articles_ok, report.files_with_errors) == (1, 1, 1)
    assert [str(d) for d in report.diagnostics] == [
        """content/channels.yaml:2: error: 'ops_news' needs an '@': write "@ops_news\""""
    ]
