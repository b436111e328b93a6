"""A real ``telegram.Bot`` (PTB 22) against the running emulator."""

from __future__ import annotations

import asyncio
import datetime as dtm

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, NetworkError, RetryAfter

from bot.emulator import BotApiEmulator
from tests.bot.emulator.fakes import TOKEN, FakeClock

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more:1")]])


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns that RetryAfter.retry_after becomes a timedelta; opt in to the future now.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def _seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def test_get_me(bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "newsbot_test_bot", True)


async def test_html_message_with_keyboard(emulator: BotApiEmulator, bot: telegram.Bot, reader: int) -> None:
    message = await bot.send_message(
        reader,
        "<b>Solar</b> &amp; wind 🌬 <a href='https://example.com/a'>read</a>",
        parse_mode=ParseMode.HTML,
        reply_markup=KEYBOARD,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        disable_notification=True,
    )
    assert message.text == "Solar & wind 🌬 read"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 5), ("text_link", 16, 4)]
    assert message.reply_markup == KEYBOARD
    (sent,) = emulator.sent(reader)
    assert sent.text == "Solar & wind 🌬 read"
    assert sent.raw is not None
    assert sent.raw.startswith("<b>Solar</b>")
    assert sent.reply_markup == KEYBOARD.to_dict()
    assert sent.link_preview_options == {"is_disabled": True}
    assert sent.disable_notification is True
    assert emulator.violations == []


async def test_too_long_message_is_bad_request(
    emulator: BotApiEmulator, bot: telegram.Bot, reader: int
) -> None:
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(reader, "x" * 4097)
    assert emulator.sent() == []
    assert [violation.kind for violation in emulator.violations] == ["bad_request"]


async def test_long_callback_data_is_bad_request(bot: telegram.Bot, reader: int) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(reader, "x", reply_markup=markup)


async def test_broken_html_is_bad_request(bot: telegram.Bot, reader: int) -> None:
    # PTB capitalizes Telegram's description, lower-casing the rest of it.
    with pytest.raises(BadRequest, match='unsupported start tag "hash" at byte offset 4'):
        await bot.send_message(reader, "see <hash>", parse_mode=ParseMode.HTML)


async def test_chat_burst_then_retry_after(
    emulator: BotApiEmulator, bot: telegram.Bot, reader: int, clock: FakeClock
) -> None:
    for _ in range(4):
        await bot.send_message(reader, "burst")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(reader, "one too many")
    assert _seconds(raised.value.retry_after) == 1
    clock.advance(1.0)
    await bot.send_message(reader, "after waiting")
    assert len(emulator.sent(reader)) == 5
    assert emulator.stats()["statuses"]["429"] == 1


async def test_global_limit_retry_after(
    emulator: BotApiEmulator, bot: telegram.Bot, clock: FakeClock
) -> None:
    for chat_id in range(1, 32):
        emulator.add_chat(chat_id)
    for chat_id in range(1, 31):
        await bot.send_message(chat_id, "broadcast")
    clock.advance(0.4)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(31, "broadcast")
    assert _seconds(raised.value.retry_after) == 1
    assert emulator.stats()["max_sends_per_second"] == 30


async def test_injected_retry_after(emulator: BotApiEmulator, bot: telegram.Bot, reader: int) -> None:
    emulator.faults.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(reader, "x")
    assert _seconds(raised.value.retry_after) == 7
    await bot.send_message(reader, "x")


async def test_injected_server_errors(emulator: BotApiEmulator, bot: telegram.Bot, reader: int) -> None:
    emulator.faults.fail_next(count=1, status=500)
    emulator.faults.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.get_me()
    with pytest.raises(NetworkError, match="502"):
        await bot.send_message(reader, "x")
    await bot.send_message(reader, "x")


async def test_blocked_chat_is_forbidden(emulator: BotApiEmulator, bot: telegram.Bot, reader: int) -> None:
    emulator.faults.block_chat(reader)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(reader, "x")
    emulator.faults.unblock_chat(reader)
    await emulator.inject_member(reader, "kicked")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(reader, "x")
    assert emulator.violations == []


async def test_migrated_group(emulator: BotApiEmulator, bot: telegram.Bot) -> None:
    emulator.add_chat(-5, "group")
    emulator.migrate_chat(-5, -1005)
    with pytest.raises(ChatMigrated) as raised:
        await bot.send_message(-5, "x")
    assert raised.value.new_chat_id == -1005
    await bot.send_message(-1005, "x")


async def test_photo_by_url_then_by_file_id(emulator: BotApiEmulator, bot: telegram.Bot, reader: int) -> None:
    url = "https://cdn.example.com/solar.jpg"
    first = await bot.send_photo(reader, url, caption="<b>Solar</b>", parse_mode=ParseMode.HTML)
    second = await bot.send_photo(reader, first.photo[-1].file_id)
    uploaded = await bot.send_photo(reader, b"\x89PNG fake bytes")
    assert first.caption == "Solar"
    assert second.photo == first.photo
    assert uploaded.photo[-1].file_id != first.photo[-1].file_id
    assert emulator.stats()["photo_fetches"] == {url: 1}
    with pytest.raises(BadRequest, match="Wrong file identifier/http url specified"):
        await bot.send_photo(reader, "AgACAgIAAxkBAAunknown")


async def test_photo_url_faults(emulator: BotApiEmulator, bot: telegram.Bot, reader: int) -> None:
    emulator.faults.make_url_unreachable(containing="down.example")
    emulator.faults.make_url_wrong_type("https://cdn.example.com/page.html")
    with pytest.raises(BadRequest, match="Failed to get http url content"):
        await bot.send_photo(reader, "https://down.example/a.jpg")
    with pytest.raises(BadRequest, match="Wrong type of the web page content"):
        await bot.send_photo(reader, "https://cdn.example.com/page.html")
    assert emulator.violations == []


async def test_long_caption(bot: telegram.Bot, reader: int) -> None:
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(reader, "https://cdn.example.com/a.jpg", caption="c" * 1025)


async def test_edits(emulator: BotApiEmulator, bot: telegram.Bot, reader: int) -> None:
    message = await bot.send_message(reader, "v1", reply_markup=KEYBOARD)
    edited = await bot.edit_message_text(
        "v2", chat_id=reader, message_id=message.message_id, reply_markup=KEYBOARD
    )
    assert isinstance(edited, telegram.Message)
    assert edited.edit_date is not None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "v2", chat_id=reader, message_id=message.message_id, reply_markup=KEYBOARD
        )
    await bot.edit_message_text("v3", chat_id=reader, message_id=message.message_id)
    current = emulator.message(reader, message.message_id)
    assert current is not None
    assert (current.text, current.reply_markup) == ("v3", None)  # an edit without markup drops the keyboard
    assert [state["text"] for state in current.history] == ["v1", "v2"]
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=reader, message_id=999)
    await bot.edit_message_reply_markup(chat_id=reader, message_id=message.message_id, reply_markup=KEYBOARD)
    assert await bot.delete_message(reader, message.message_id) is True
    assert current.deleted
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(reader, message.message_id)


async def test_caption_edits_and_the_48_hour_delete_limit(
    emulator: BotApiEmulator, bot: telegram.Bot, reader: int, clock: FakeClock
) -> None:
    photo = await bot.send_photo(
        reader,
        "https://cdn.example.com/a.jpg",
        caption="<b>v1</b>",
        parse_mode=ParseMode.HTML,
        reply_markup=KEYBOARD,
    )
    text = await bot.send_message(reader, "plain")
    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=reader, message_id=photo.message_id)
    with pytest.raises(BadRequest, match="There is no caption in the message to edit"):
        await bot.edit_message_caption(chat_id=reader, message_id=text.message_id, caption="x")
    await bot.edit_message_caption(
        chat_id=reader,
        message_id=photo.message_id,
        caption="<b>v2</b>",
        parse_mode=ParseMode.HTML,
        reply_markup=KEYBOARD,
    )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_caption(
            chat_id=reader,
            message_id=photo.message_id,
            caption="<b>v2</b>",
            parse_mode=ParseMode.HTML,
            reply_markup=KEYBOARD,
        )
    current = emulator.message(reader, photo.message_id)
    assert current is not None
    assert (current.caption, current.raw, current.reply_markup) == ("v2", "<b>v2</b>", KEYBOARD.to_dict())
    assert [state["caption"] for state in current.history] == ["v1"]
    # Bots may edit their messages at any age, but delete them only within 48 hours.
    clock.advance(48 * 3600 - 1)
    assert await bot.delete_message(reader, text.message_id) is True
    clock.advance(1)
    with pytest.raises(BadRequest, match="Message can't be deleted for everyone"):
        await bot.delete_message(reader, photo.message_id)
    await bot.edit_message_caption(chat_id=reader, message_id=photo.message_id, caption="v3")
    assert not current.deleted and current.caption == "v3"


async def test_reply_to_a_reader(emulator: BotApiEmulator, bot: telegram.Bot) -> None:
    injected = await emulator.inject_message(42, "/news")
    reply = await bot.send_message(
        42, "here", reply_parameters=ReplyParameters(injected.message["message_id"])
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "/news"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(42, "x", reply_parameters=ReplyParameters(999))


async def test_button_tap_and_answer(emulator: BotApiEmulator, bot: telegram.Bot, reader: int) -> None:
    message = await bot.send_message(reader, "pick", reply_markup=KEYBOARD)
    tap = await emulator.inject_callback(reader, message.message_id, "more:1")
    updates = await bot.get_updates()
    query = updates[-1].callback_query
    assert query is not None
    assert query.message is not None
    assert (query.id, query.data, query.message.message_id) == (
        tap.callback_query_id,
        "more:1",
        message.message_id,
    )
    assert emulator.stats()["unanswered_callback_queries"] == 1
    assert await bot.answer_callback_query(query.id, text="Loading…") is True
    (record,) = emulator.callback_answers()
    assert record.answer is not None
    assert record.answer["text"] == "Loading…"
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query.id)
    assert emulator.stats()["unanswered_callback_queries"] == 0


async def test_late_answer_is_refused(
    emulator: BotApiEmulator, bot: telegram.Bot, reader: int, clock: FakeClock
) -> None:
    message = await bot.send_message(reader, "pick", reply_markup=KEYBOARD)
    tap = await emulator.inject_callback(reader, message.message_id, "more:1")
    clock.advance(emulator.limits.callback_query_timeout + 1)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(tap.callback_query_id)
    assert emulator.stats()["unanswered_callback_queries"] == 1


async def test_long_poll_receives_an_injected_message(emulator: BotApiEmulator, bot: telegram.Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await emulator.wait_for(lambda: emulator.state.poll_generation == 1)
    injected = await emulator.inject_message(42, "/start@newsbot_test_bot now")
    (update,) = await asyncio.wait_for(poll, 5)
    assert injected.update is not None
    assert update.update_id == injected.update["update_id"]
    assert update.message is not None
    assert update.message.entities[0].length == len("/start@newsbot_test_bot")
    assert await bot.get_updates(offset=update.update_id + 1) == ()


async def test_a_second_poller_terminates_the_first(emulator: BotApiEmulator, bot: telegram.Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await emulator.wait_for(lambda: emulator.state.poll_generation == 1)
    async with telegram.Bot(TOKEN, base_url=emulator.api_url) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 5)
    assert "conflict" in [violation.kind for violation in emulator.violations]


async def test_commands(bot: telegram.Bot) -> None:
    await bot.set_my_commands([("start", "Start the bot"), ("topics", "Choose topics")])
    assert [(c.command, c.description) for c in await bot.get_my_commands()] == [
        ("start", "Start the bot"),
        ("topics", "Choose topics"),
    ]
    assert await bot.get_my_commands(language_code="de") == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Start", "x")])
    with pytest.raises(BadRequest, match="Command description must be non-empty"):
        await bot.set_my_commands([("start", " ")])
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_chats_and_members(emulator: BotApiEmulator, bot: telegram.Bot, reader: int) -> None:
    emulator.add_chat(-100, "supergroup", title="Editors")
    emulator.set_admins(-100, [7], creator_id=8)
    chat = await bot.get_chat(-100)
    assert (chat.title, chat.type) == ("Editors", "supergroup")
    assert (await bot.get_chat_member(-100, 7)).status == "administrator"
    assert (await bot.get_chat_member(-100, 8)).status == "creator"
    assert (await bot.get_chat_member(reader, reader)).status == "member"
    assert sorted(m.user.id for m in await bot.get_chat_administrators(-100)) == [7, 8]
    with pytest.raises(BadRequest, match="There are no administrators in the private chat"):
        await bot.get_chat_administrators(reader)
    await bot.send_chat_action(reader, "typing")
    with pytest.raises(BadRequest, match="Wrong parameter action in request"):
        await bot.send_chat_action(reader, "dancing")


async def test_wait_for_sent_messages(emulator: BotApiEmulator, bot: telegram.Bot, reader: int) -> None:
    async def send_later() -> None:
        for text in ("one", "two"):
            await bot.send_message(reader, text)

    task = asyncio.create_task(send_later())
    messages = await emulator.wait_for(chat_id=reader, count=2, timeout=5)
    await task
    assert [message.text for message in messages] == ["one", "two"]
    with pytest.raises(TimeoutError, match="condition not met"):
        await emulator.wait_for(chat_id=reader, count=3, timeout=0.05)


async def test_no_violations_from_well_formed_calls(
    emulator: BotApiEmulator, bot: telegram.Bot, reader: int
) -> None:
    await bot.get_me()
    await bot.send_message(reader, "<i>fine</i>", parse_mode=ParseMode.HTML, protect_content=True)
    await bot.get_webhook_info()
    await bot.delete_webhook()
    await bot.close()
    await bot.log_out()
    assert emulator.violations == []
