"""Readers' actions become the updates Telegram would deliver, and only those."""

from __future__ import annotations

import pytest
import telegram

from bot.emulator import BotApiEmulator
from bot.emulator.readers import command_entities


def test_command_entities_follow_telegram_rules() -> None:
    assert command_entities("/start") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert command_entities("/cmd@newsbot_test_bot args") == [
        {"type": "bot_command", "offset": 0, "length": 21}
    ]
    assert command_entities("😀 /help") == [{"type": "bot_command", "offset": 3, "length": 5}]
    assert command_entities("a/b /x/y path/name /c@ab") == []


async def test_private_message(emulator: BotApiEmulator) -> None:
    injected = await emulator.inject_message(
        42, "/start", first_name="Ann", username="ann", language_code="de"
    )
    assert injected.delivered
    message = injected.message
    assert message["from"] == {
        "id": 42,
        "is_bot": False,
        "first_name": "Ann",
        "username": "ann",
        "language_code": "de",
    }
    assert message["chat"] == {"id": 42, "type": "private", "first_name": "Ann", "username": "ann"}
    assert injected.update == {"update_id": 1, "message": message}


async def test_privacy_mode_in_groups(emulator: BotApiEmulator) -> None:
    assert not (await emulator.inject_message(-100, "hello", user_id=7, chat_type="supergroup")).delivered
    assert (await emulator.inject_message(-100, "/news", user_id=7, chat_type="supergroup")).delivered
    assert (
        await emulator.inject_message(-100, "/news@newsbot_test_bot", user_id=7, chat_type="supergroup")
    ).delivered
    assert not (
        await emulator.inject_message(-100, "/news@other_bot", user_id=7, chat_type="supergroup")
    ).delivered
    assert (
        await emulator.inject_message(-100, "hi @NewsBot_Test_Bot", user_id=7, chat_type="supergroup")
    ).delivered
    emulator.privacy_mode = False
    assert (await emulator.inject_message(-100, "hello", user_id=7, chat_type="supergroup")).delivered


async def test_admin_bot_sees_everything(emulator: BotApiEmulator) -> None:
    emulator.add_chat(-100, "supergroup", bot_status="administrator")
    assert (await emulator.inject_message(-100, "hello", user_id=7, chat_type="supergroup")).delivered


async def test_anonymous_admin_and_forum_topic(emulator: BotApiEmulator) -> None:
    injected = await emulator.inject_message(
        -100, "/news", chat_type="supergroup", sender_chat_id=-100, message_thread_id=5, is_topic_message=True
    )
    message = injected.message
    assert message["sender_chat"]["id"] == -100
    assert message["from"]["username"] == "GroupAnonymousBot"
    assert (message["message_thread_id"], message["is_topic_message"]) == (5, True)
    assert message["chat"]["is_forum"] is True
    assert emulator.state.chats[-100].threads == {5}


async def test_channel_posts_reach_only_admin_bots(emulator: BotApiEmulator) -> None:
    injected = await emulator.inject_message(-200, "post", chat_type="channel")
    assert injected.update is not None
    assert "channel_post" in injected.update
    assert "from" not in injected.message
    emulator.add_chat(-200, "channel", bot_status="member")
    assert not (await emulator.inject_message(-200, "post", chat_type="channel")).delivered


async def test_blocking_and_unblocking(emulator: BotApiEmulator) -> None:
    update = await emulator.inject_member(42, "kicked")
    assert update is not None
    change = update["my_chat_member"]
    assert (change["old_chat_member"]["status"], change["new_chat_member"]["status"]) == ("member", "kicked")
    with pytest.raises(ValueError, match="blocked the bot"):
        await emulator.inject_message(42, "hi")
    await emulator.inject_member(42, "member")
    assert (await emulator.inject_message(42, "hi")).delivered


async def test_bot_added_to_a_group(emulator: BotApiEmulator) -> None:
    update = await emulator.inject_member(
        -300, "administrator", user_id=7, chat_type="group", chat_title="Club"
    )
    assert update is not None
    change = update["my_chat_member"]
    assert (change["old_chat_member"]["status"], change["new_chat_member"]["status"]) == (
        "left",
        "administrator",
    )
    assert change["chat"] == {"id": -300, "type": "group", "title": "Club"}


async def test_taps_need_an_existing_button(emulator: BotApiEmulator) -> None:
    with pytest.raises(ValueError, match="no message"):
        await emulator.inject_callback(42, 1, "x")


async def test_invalid_injections(emulator: BotApiEmulator) -> None:
    with pytest.raises(ValueError, match="1-4096"):
        await emulator.inject_message(42, "")
    with pytest.raises(ValueError, match="positive ids"):
        await emulator.inject_message(-1, "x")
    await emulator.inject_message(-100, "x", user_id=7, chat_type="group")
    with pytest.raises(ValueError, match="is a group, not a supergroup"):
        await emulator.inject_message(-100, "x", user_id=7, chat_type="supergroup")


async def test_replies_to_the_bot_reach_it_in_privacy_mode(
    emulator: BotApiEmulator, bot: telegram.Bot
) -> None:
    emulator.add_chat(-100, "supergroup")
    sent = await bot.send_message(-100, "Which topic?")
    injected = await emulator.inject_message(
        -100, "space", user_id=7, chat_type="supergroup", reply_to_message_id=sent.message_id
    )
    assert injected.delivered
    assert injected.message["reply_to_message"]["from"]["is_bot"] is True


async def test_group_messages_need_a_sender(emulator: BotApiEmulator) -> None:
    with pytest.raises(ValueError, match="user_id is required"):
        await emulator.inject_message(-100, "hi", chat_type="group")
    with pytest.raises(ValueError, match="its user's id"):
        await emulator.inject_message(42, "hi", user_id=43)
