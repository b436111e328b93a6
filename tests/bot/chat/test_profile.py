"""The bot's profile: what each language should show, what differs, and publishing it through the emulator."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import telegram

from bot.app import all_commands
from bot.chat.profile import EVERYONE, Profile, ProfilePublisher, changes, menu, wanted_profiles
from bot.emulator import BotApiEmulator
from bot.ops.config import BOT_DESCRIPTION_LIMIT, BOT_SHORT_DESCRIPTION_LIMIT, ProfileTexts
from bot.ops.outages import Backoff
from bot.runtime import BotRuntime
from bot.telegram.transport import AiohttpRequest
from bot.texts.de import GERMAN
from bot.texts.en import ENGLISH
from bot.texts.registry import CATALOGUES
from tests.bot.conftest import NOW, TOKEN, WAIT, refused, settings_for

WRITES = ("setMyDescription", "setMyShortDescription", "setMyCommands")
MENU = (("start", "welcome and topic picker"), ("help", "what I can do"))


def entries(texts: Any) -> tuple[tuple[str, str], ...]:
    return tuple((entry.command, entry.description) for entry in menu(all_commands(), texts))


def writes(emulator: BotApiEmulator, since: int = 0) -> list[tuple[str, str]]:
    """Each set* call from index ``since`` on, as (method, language code)."""
    return [
        (call.method, call.params.get("language_code", ""))
        for call in emulator.calls()[since:]
        if call.method in WRITES
    ]


# What each language should show.


def test_the_catalogues_texts_fit_telegrams_limits() -> None:
    for language, texts in CATALOGUES.items():
        assert 0 < len(texts.bot_description) <= BOT_DESCRIPTION_LIMIT, language
        assert 0 < len(texts.bot_short_description) <= BOT_SHORT_DESCRIPTION_LIMIT, language
    assert GERMAN.bot_description != ENGLISH.bot_description
    assert GERMAN.bot_short_description != ENGLISH.bot_short_description


def test_every_reader_gets_english_and_german_readers_german() -> None:
    wanted = wanted_profiles(all_commands(), ProfileTexts())
    assert wanted == {
        EVERYONE: Profile(ENGLISH.bot_description, ENGLISH.bot_short_description, entries(ENGLISH)),
        "de": Profile(GERMAN.bot_description, GERMAN.bot_short_description, entries(GERMAN)),
    }
    assert ("help", "was ich kann") in (wanted["de"].commands or ())
    assert "stats" not in dict(wanted[EVERYONE].commands or ())  # an admin's command stays off the menu


def test_the_operators_texts_come_first_then_the_one_for_every_reader() -> None:
    own = ProfileTexts(
        descriptions=(("", "Our news."), ("fr", "Nos nouvelles.")),
        short_descriptions=(("de", "Unsere Nachrichten."), ("en", "Our news, short.")),
    )
    wanted = wanted_profiles(all_commands(), own)
    assert list(wanted) == [EVERYONE, "de", "fr"]
    assert (wanted[EVERYONE].description, wanted[EVERYONE].short_description) == (
        "Our news.",
        "Our news, short.",
    )
    # German readers: the text for every reader rather than the catalogue's, their own short one.
    assert (wanted["de"].description, wanted["de"].short_description) == ("Our news.", "Unsere Nachrichten.")
    assert wanted["de"].commands == entries(GERMAN)
    # A language without a catalogue gets only what the operator wrote for it.
    assert wanted["fr"] == Profile("Nos nouvelles.", None, None)


def test_only_the_parts_that_differ_are_written() -> None:
    wanted = Profile("Description", "Short", MENU)
    assert changes(wanted, wanted) == []
    assert changes(wanted, replace(wanted, description="Old")) == ["description"]
    assert changes(wanted, Profile("", "", ())) == ["description", "short_description", "commands"]
    assert changes(wanted, replace(wanted, commands=MENU[::-1])) == ["commands"]  # the menu's order counts
    assert changes(Profile("Nos nouvelles.", None, None), Profile("", "Short", MENU)) == ["description"]


# Publishing, through the emulator.


async def started(emulator: BotApiEmulator, database_url: str, content: Path, **overrides: Any) -> BotRuntime:
    runtime = BotRuntime(settings_for(emulator, database_url, content, **overrides), clock=lambda: NOW)
    await runtime.start()
    return runtime


async def restarted(emulator: BotApiEmulator, database_url: str, content: Path, **overrides: Any) -> int:
    """Start the bot and stop it again; the call log's index before it started."""
    since = len(emulator.calls())
    runtime = await started(emulator, database_url, content, **overrides)
    await runtime.stop()
    return since


async def test_a_fresh_start_sets_all_three_in_english_and_german_and_a_restart_none(
    emulator: BotApiEmulator, database_url: str, content: Path
) -> None:
    await restarted(emulator, database_url, content)
    assert sorted(writes(emulator)) == sorted((method, code) for method in WRITES for code in ("", "de"))
    state = emulator.state
    assert state.descriptions == {"": ENGLISH.bot_description, "de": GERMAN.bot_description}
    assert state.short_descriptions == {"": ENGLISH.bot_short_description, "de": GERMAN.bot_short_description}
    since = await restarted(emulator, database_url, content)
    assert writes(emulator, since) == []
    reads = [call.method for call in emulator.calls()[since:] if call.method.startswith("getMy")]
    assert sorted(reads) == sorted(["getMyDescription", "getMyShortDescription", "getMyCommands"] * 2)
    assert emulator.violations == [] and refused(emulator) == []


async def test_a_changed_description_is_the_only_one_set(
    emulator: BotApiEmulator, database_url: str, content: Path
) -> None:
    await restarted(emulator, database_url, content)
    emulator.state.descriptions[""] = "Edited by hand in @BotFather"
    since = await restarted(emulator, database_url, content)
    assert writes(emulator, since) == [("setMyDescription", "")]
    assert emulator.state.descriptions[""] == ENGLISH.bot_description
    # The operator's own text for every reader replaces both languages' descriptions, and nothing else.
    own = ProfileTexts(descriptions=(("", "The news of Example Corp, for its staff."),))
    since = await restarted(emulator, database_url, content, profile=own)
    assert writes(emulator, since) == [("setMyDescription", ""), ("setMyDescription", "de")]
    assert set(emulator.state.descriptions.values()) == {"The news of Example Corp, for its staff."}
    assert emulator.violations == [] and refused(emulator) == []


async def test_a_telegram_failure_while_publishing_does_not_stop_the_bot(
    emulator: BotApiEmulator, database_url: str, content: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.faults.fail_next("getMyDescription", status=500)
    runtime = await started(emulator, database_url, content)
    try:
        since = len(emulator.sent())
        await emulator.inject_message(1001, "/start")
        greeting, _ = await emulator.wait_for(chat_id=1001, since=since, count=2, timeout=WAIT)
        assert "Welcome to News Bot" in greeting.body
    finally:
        await runtime.stop()
    assert writes(emulator) == []
    (failure,) = [r.getMessage() for r in caplog.records if r.name == "bot.chat.profile"]
    assert re.fullmatch(
        r"bot profile not published \(Internal Server Error\); trying again in \d+ s", failure
    )
    assert [call.status for call in refused(emulator)] == [500]


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    # The bot's own transport: PTB's default (httpx) would log the token.
    async with telegram.Bot(TOKEN, base_url=f"{emulator.root_url}/bot", request=AiohttpRequest(4)) as bot:
        yield bot


async def test_a_passing_failure_is_tried_again_in_the_background(
    emulator: BotApiEmulator, bot: telegram.Bot, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.faults.fail_next("setMyCommands", count=2, status=503)
    wanted = wanted_profiles(all_commands(), ProfileTexts())
    publisher = ProfilePublisher(bot, wanted, backoff=Backoff(initial=0.01, cap=0.02))
    await publisher.start()
    assert publisher.retrying
    try:
        await emulator.wait_for(lambda: len(emulator.state.commands) == 2, timeout=WAIT)
    finally:
        await publisher.stop()
    assert len([r for r in caplog.records if "bot profile not published" in r.getMessage()]) == 2
    # Each pass reads again and writes only what is still missing.
    assert writes(emulator).count(("setMyDescription", "")) == 1
    assert writes(emulator).count(("setMyCommands", "")) == 3
    assert await publisher.publish() == []


async def test_a_refused_profile_is_told_once_and_not_tried_again(
    emulator: BotApiEmulator, bot: telegram.Bot, caplog: pytest.LogCaptureFixture
) -> None:
    too_long = {EVERYONE: Profile("x" * (BOT_DESCRIPTION_LIMIT + 1), None, None)}
    publisher = ProfilePublisher(bot, too_long, backoff=Backoff(initial=0.01, cap=0.01))
    with caplog.at_level(logging.WARNING, logger="bot.chat.profile"):
        await publisher.start()
    assert not publisher.retrying
    assert [r.getMessage() for r in caplog.records] == [
        "bot profile not published: Telegram refused it (Description length must not exceed 512)"
    ]
    await publisher.stop()
