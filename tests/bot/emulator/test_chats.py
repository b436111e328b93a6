"""Channels in the emulator: the bot's rights there, and which refusals are the world's or the bot's."""

from __future__ import annotations

import pytest
import telegram
from telegram import ChatMemberAdministrator
from telegram.error import BadRequest

from bot.emulator import BotApiEmulator

CHANNEL = -1001001


async def test_looking_up_an_unknown_username_is_an_answer_not_a_mistake(
    emulator: BotApiEmulator, bot: telegram.Bot
) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat("@no_such_channel")
    assert emulator.violations == []


async def test_a_channel_admin_bot_may_post(emulator: BotApiEmulator, bot: telegram.Bot) -> None:
    emulator.add_chat(CHANNEL, "channel", username="ai_news")
    chat = await bot.get_chat("@ai_news")
    member = await bot.get_chat_member(chat.id, bot.id)
    assert isinstance(member, ChatMemberAdministrator)
    assert member.can_post_messages is True and member.can_edit_messages is True
    assert (await bot.send_message("@ai_news", "post")).chat.id == CHANNEL


async def test_a_refused_post_is_the_worlds_doing_once_then_the_bots(
    emulator: BotApiEmulator, bot: telegram.Bot
) -> None:
    emulator.add_chat(CHANNEL, "channel", bot_status="member")
    assert (await bot.get_chat_member(CHANNEL, bot.id)).status == "member"
    for _ in range(2):
        with pytest.raises(BadRequest, match="Need administrator rights in the channel chat"):
            await bot.send_message(CHANNEL, "post")
    assert [v.description for v in emulator.violations] == [
        "Bad Request: need administrator rights in the channel chat"
    ]
    # Promoted, then demoted again: the next refusal is news to the bot, not a mistake.
    update = await emulator.inject_member(CHANNEL, "administrator", user_id=7, chat_type="channel")
    assert update is not None and update["my_chat_member"]["new_chat_member"]["can_post_messages"] is True
    await bot.send_message(CHANNEL, "post")
    emulator.add_chat(CHANNEL, "channel", bot_status="member")
    with pytest.raises(BadRequest, match="Need administrator rights"):
        await bot.send_message(CHANNEL, "post")
    assert len(emulator.violations) == 1
