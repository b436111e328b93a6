"""Whom a command is for: parsed as Telegram detects commands, bot usernames compared without case."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chat.addressing import CommandCall, parse_command

BOT = "newsbot_test_bot"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", CommandCall("start")),
        ("/Subscribe AI, Space", CommandCall("subscribe")),
        ("/subscribe@newsbot_test_bot AI", CommandCall("subscribe", "newsbot_test_bot")),
        ("/latest@Other_Bot", CommandCall("latest", "Other_Bot")),
        ("/help\nmore lines", CommandCall("help")),
        ("/stop, please", CommandCall("stop")),
    ],
)
def test_commands_are_found_at_the_start(text: str, expected: CommandCall) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "hello",
        " /start",
        "see /start",
        "/",
        "//start",
        "/start/now",
        "/start@",
        "/start@ab",
        "/a<b>",
    ],
)
def test_anything_else_is_not_a_command(text: str | None) -> None:
    assert parse_command(text) is None


def test_a_bare_command_is_for_every_bot_a_named_one_for_that_bot_only() -> None:
    bare = CommandCall("start")
    assert bare.is_for(BOT) and not bare.names(BOT)
    mine = CommandCall("start", "NewsBot_Test_Bot")
    assert mine.is_for(BOT) and mine.names(BOT)
    other = CommandCall("start", "other_bot")
    assert not other.is_for(BOT) and not other.names(BOT)


@given(
    st.from_regex(r"/[a-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?", fullmatch=True),
    st.sampled_from(["", " x", "\n"]),
)
def test_what_telegram_marks_as_a_command_is_parsed_back(command: str, rest: str) -> None:
    parsed = parse_command(command + rest)
    assert parsed is not None
    name, _, addressee = command[1:].partition("@")
    assert parsed == CommandCall(name, addressee or None)
