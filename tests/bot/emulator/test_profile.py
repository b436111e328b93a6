"""The bot's descriptions in the emulator: per language, no fallback, Telegram's limits, seen by the control API."""

from __future__ import annotations

import aiohttp
import pytest
import telegram
from telegram.error import BadRequest

from bot.emulator import BotApiEmulator
from bot.emulator.profile import BOT_DESCRIPTION_LIMIT, BOT_SHORT_DESCRIPTION_LIMIT
from tests.bot.emulator.fakes import TOKEN


async def test_descriptions_are_kept_per_language_without_fallback(bot: telegram.Bot) -> None:
    assert (await bot.get_my_description()).description == ""
    await bot.set_my_description("For everyone")
    await bot.set_my_description("Für alle", language_code="de")
    await bot.set_my_short_description("Short")
    assert (await bot.get_my_description()).description == "For everyone"
    assert (await bot.get_my_description(language_code="de")).description == "Für alle"
    assert (await bot.get_my_description(language_code="fr")).description == ""
    assert (await bot.get_my_short_description()).short_description == "Short"
    assert (await bot.get_my_short_description(language_code="de")).short_description == ""


async def test_an_empty_text_removes_the_languages_own(bot: telegram.Bot) -> None:
    await bot.set_my_description("Für alle", language_code="de")
    await bot.set_my_description("", language_code="de")
    await bot.set_my_short_description("Kurz", language_code="de")
    await bot.set_my_short_description(language_code="de")
    assert (await bot.get_my_description(language_code="de")).description == ""
    assert (await bot.get_my_short_description(language_code="de")).short_description == ""


async def test_limits_and_language_codes(emulator: BotApiEmulator, bot: telegram.Bot) -> None:
    await bot.set_my_description("x" * BOT_DESCRIPTION_LIMIT)
    await bot.set_my_short_description("x" * BOT_SHORT_DESCRIPTION_LIMIT)
    with pytest.raises(BadRequest, match="Description length must not exceed 512"):
        await bot.set_my_description("x" * (BOT_DESCRIPTION_LIMIT + 1))
    with pytest.raises(BadRequest, match="Short_description length must not exceed 120"):
        await bot.set_my_short_description("x" * (BOT_SHORT_DESCRIPTION_LIMIT + 1))
    for code in ("deu", "DE", "de-AT"):
        with pytest.raises(BadRequest, match="Invalid language code specified"):
            await bot.set_my_description("x", language_code=code)
        with pytest.raises(BadRequest, match="Invalid language code specified"):
            await bot.get_my_short_description(language_code=code)
    # The refused calls changed nothing.
    assert (await bot.get_my_description()).description == "x" * BOT_DESCRIPTION_LIMIT
    assert [v.kind for v in emulator.violations] == ["bad_request"] * 8


async def test_the_control_api_shows_the_descriptions_and_counts_the_writes(
    emulator: BotApiEmulator, bot: telegram.Bot
) -> None:
    await bot.set_my_description("For everyone")
    await bot.set_my_short_description("Kurz", language_code="de")
    await bot.get_my_description()
    async with aiohttp.ClientSession(base_url=emulator.root_url) as http:
        async with http.get("/_emulator/bot") as response:
            shown = (await response.json())["result"]
        async with http.get(
            "/_emulator/calls",
            params={"method": "setMyDescription,setMyShortDescription,setMyCommands", "params": "false"},
        ) as response:
            writes = (await response.json())["result"]
    assert shown["descriptions"] == {"": "For everyone"}
    assert shown["short_descriptions"] == {"de": "Kurz"}
    assert [call["method"] for call in writes] == ["setMyDescription", "setMyShortDescription"]
    assert TOKEN not in str(writes)
