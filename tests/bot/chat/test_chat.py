"""Conversations with the real bot over HTTP against the emulator: commands, keyboards, edge cases."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.emulator import BotApiEmulator, EmulatorLimits
from bot.runtime import BotRuntime
from storage.db.models import Chat as ChatRow
from storage.db.models import ChatPreferences, Subscription
from tests.bot.conftest import (
    ADMIN,
    NOW,
    Harness,
    button_data,
    buttons,
    refused,
    settings_for,
    write_catalogue,
)


async def subscriptions_of(harness: Harness, chat_id: int) -> int:
    async with harness.runtime.db.read() as session:
        count = await session.scalar(
            select(func.count()).select_from(Subscription).where(Subscription.chat_id == chat_id)
        )
    return count or 0


async def test_start_greets_registers_and_shows_topics(harness: Harness) -> None:
    reader = harness.chat(1001)
    greeting, reply = await reader.say("/start", replies=2)
    assert "Welcome to News Bot" in greeting.body
    labels = [text for text, _ in buttons(reply)]
    assert "AI (2)" in labels
    assert '<Tags> & "Quotes" (2)' in labels
    async with harness.runtime.db.read() as session:
        row = await session.get(ChatRow, 1001)
    assert row is not None and row.status == "active" and row.language_code == "en"
    commands = harness.emulator.calls("setMyCommands")
    assert commands and "topics" in str(commands[0].params)


async def test_toggle_topic_edits_keyboard_in_place(harness: Harness) -> None:
    reader = harness.chat(1002)
    keyboard = await reader.say_last("/topics")
    answer = await reader.tap(keyboard, "Space")
    assert answer.answer is not None and answer.answer.get("text") == "Subscribed to Space"
    edited = reader.current(keyboard)
    assert "✅ Space (2)" in [text for text, _ in buttons(edited)]
    assert "(1 followed)" in edited.body
    answer = await reader.tap(edited, "Space")
    assert answer.answer is not None and answer.answer.get("text") == "Unsubscribed from Space"
    assert "Space (2)" in [text for text, _ in buttons(reader.current(keyboard))]
    assert await subscriptions_of(harness, 1002) == 0


async def test_topics_are_paged(database_url: str, emulator: BotApiEmulator, tmp_path: Path) -> None:
    content = tmp_path / "paged"
    write_catalogue(content, extra_topics=12)
    runtime = BotRuntime(settings_for(emulator, database_url, content), clock=lambda: NOW)
    await runtime.start()
    try:
        reader = Harness(emulator, runtime, content, lambda: NOW).chat(1003)
        keyboard = await reader.say_last("/topics")
        first_page = [text for text, _ in buttons(keyboard)]
        assert first_page[-3:] == ["◀", "1/3", "▶"]
        assert len(first_page) == 8 + 3
        await reader.tap(keyboard, "▶")
        second_page = [text for text, _ in buttons(reader.current(keyboard))]
        assert second_page[-2] == "2/3" and not set(second_page[:8]) & set(first_page[:8])
        edits_before = len(emulator.calls("editMessageText")) + len(emulator.calls("editMessageReplyMarkup"))
        await reader.tap(reader.current(keyboard), "2/3", edits=False)  # the current page: nothing to redraw
        edits_after = len(emulator.calls("editMessageText")) + len(emulator.calls("editMessageReplyMarkup"))
        assert edits_after == edits_before
        await reader.tap(reader.current(keyboard), "◀")
        assert [text for text, _ in buttons(reader.current(keyboard))] == first_page
    finally:
        await runtime.stop()
    assert emulator.violations == []
    assert refused(emulator) == []


async def test_subscribe_by_name_alias_and_typo(harness: Harness) -> None:
    reader = harness.chat(1004)
    reply = await reader.say_last("/subscribe  space ,  COMPUTER   vision")
    assert reply.body == "✅ Subscribed to Space, Computer Vision."
    reply = await reader.say_last("/subscribe Spcae, Climat")
    assert "I don't know the topic “Spcae”. Did you mean “Space”?" in reply.body
    assert "“Climat”. Did you mean “Climate”?" in reply.body
    reply = await reader.say_last("/subscribe space")
    assert reply.body == "You already follow Space."
    reply = await reader.say_last("/subscribe")
    assert buttons(reply), "no argument shows the keyboard"
    reply = await reader.say_last("/unsubscribe space")
    assert reply.body == "Unsubscribed from Space."
    reply = await reader.say_last("/unsubscribe all")
    assert "no longer follow any topic" in reply.body
    assert await subscriptions_of(harness, 1004) == 0


async def test_mytopics_unfollow_with_one_tap(harness: Harness) -> None:
    reader = harness.chat(1005)
    assert "don't follow any topic" in (await reader.say_last("/mytopics")).body
    await reader.say("/subscribe AI, Climate")
    listing = await reader.say_last("/mytopics")
    assert [text for text, _ in buttons(listing)] == ["✖ AI", "✖ Climate"]
    answer = await reader.tap(listing, "AI")
    assert answer.answer is not None and answer.answer.get("text") == "Unsubscribed from AI"
    assert [text for text, _ in buttons(reader.current(listing))] == ["✖ Climate"]
    await reader.tap(reader.current(listing), "Climate")
    assert "don't follow any topic" in reader.current(listing).body


async def test_latest_lists_followed_and_named_topics(harness: Harness) -> None:
    reader = harness.chat(1006)
    assert "don't follow any topic" in (await reader.say_last("/latest")).body
    await reader.say("/subscribe Climate, Space")
    latest = await reader.say_last("/latest")
    lines = latest.body.splitlines()
    assert lines[0] == "Latest news"
    assert lines[1:] == [
        "• Climate story 0 — Example & Co <News> (example.com), 5 h ago",
        "• Climate story 1 — Example & Co <News> (example.com), 6 h ago",
        "• Space story 0 — Example & Co <News> (example.com), 7 h ago",
        "• Space story 1 — Example & Co <News> (example.com), 8 h ago",
    ]
    links = [e["url"] for e in latest.entities if e["type"] == "text_link"]
    assert links[0] == "https://example.com/2-0"
    one = await reader.say_last("/latest 1 ai")
    assert one.body.splitlines() == [
        "Latest in AI",
        "• AI story 0 — Example & Co <News> (example.com), 1 h ago",
    ]
    hostile = await reader.say_last('/latest <tags> & "quotes"')
    assert '• <b>Bold</b> & 0 "quoted" <script>' in hostile.body
    unknown = await reader.say_last("/latest 3 Astrology")
    assert "I don't know the topic “Astrology”" in unknown.body


async def test_search_ranks_and_survives_hostile_input(harness: Harness) -> None:
    reader = harness.chat(1007)
    found = await reader.say_last("/search facial recognition")
    assert found.body.splitlines()[0] == "Results for “facial recognition”"
    assert {line.split(" — ")[0] for line in found.body.splitlines()[1:]} == {
        "• Computer Vision story 0",
        "• Computer Vision story 1",
    }
    for hostile in ['"', "*", "-story", "a OR", "(", "NEAR(", "title:x", ")))", "<b>", "&amp;", "🙂"]:
        reply = await reader.say_last(f"/search {hostile}")
        assert reply.body.startswith(("Nothing matches", "Results for")), (hostile, reply.body)
    assert "Usage" in (await reader.say_last("/search")).body


async def test_settings_persist_across_a_restart(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, content: Path
) -> None:
    settings = settings_for(emulator, database_url, content)
    runtime = BotRuntime(settings, clock=lambda: NOW)
    await runtime.start()
    reader = Harness(emulator, runtime, content, lambda: NOW).chat(1008)
    try:
        menu = await reader.say_last("/settings")
        assert [text for text, _ in buttons(menu)] == [
            "✅ All articles",
            "Top half",
            "Top quarter",
            "Image previews: on",
            "Silent notifications: off",
            "✅ 🌐 Automatic",
            "English",
            "Deutsch",
            "🔍 Keyword filters",
            "🌙 Quiet hours",
            "📰 Daily digest",
        ]
        assert "best half or quarter of each topic" in menu.body
        await reader.tap(menu, "Top quarter")
        await reader.tap(reader.current(menu), "Silent")
        await reader.tap(reader.current(menu), "Image previews")
    finally:
        await runtime.stop()
    restarted = BotRuntime(settings, clock=lambda: NOW)
    await restarted.start()
    try:
        menu = await reader.say_last("/settings")
        assert [text for text, _ in buttons(menu)] == [
            "All articles",
            "Top half",
            "✅ Top quarter",
            "Image previews: off",
            "Silent notifications: on",
            "✅ 🌐 Automatic",
            "English",
            "Deutsch",
            "🔍 Keyword filters",
            "🌙 Quiet hours",
            "📰 Daily digest",
        ]
    finally:
        await restarted.stop()
    assert emulator.violations == []
    assert refused(emulator) == []


async def test_stop_deletes_everything_after_confirmation(harness: Harness) -> None:
    reader = harness.chat(1009)
    await reader.say("/subscribe AI")
    menu = await reader.say_last("/settings")
    await reader.tap(menu, "Top half")
    question = await reader.say_last("/stop")
    await reader.tap(question, "No")
    assert reader.current(question).body == "Nothing was deleted."
    assert await subscriptions_of(harness, 1009) == 1
    question = await reader.say_last("/stop")
    await reader.tap(question, "Yes")
    assert reader.current(question).body.startswith("Done: everything about this chat is deleted.")
    async with harness.runtime.db.read() as session:
        assert await session.get(ChatRow, 1009) is None
        assert await session.get(ChatPreferences, 1009) is None
    assert await subscriptions_of(harness, 1009) == 0


async def test_admin_commands_answer_admins_only(harness: Harness) -> None:
    stranger = harness.chat(1010)
    assert (
        await stranger.say_last("/stats")
    ).body == "I don't know that command. Type /help to see what I can do."
    assert (await stranger.say_last("/reload")).body.startswith("I don't know that command")
    admin = harness.chat(ADMIN)
    await admin.say("/subscribe AI")
    stats = await admin.say_last("/stats")
    assert "Chats: 1 active, 0 blocked" in stats.body  # the stranger never started the bot
    assert "AI: 1" in stats.body
    (harness.content / "new.md").write_text(
        (harness.content / "0-0.md")
        .read_text(encoding="utf-8")
        .replace("example.com/0-0", "example.com/new"),
        encoding="utf-8",
    )
    reload = await admin.say_last("/reload")
    assert reload.body.startswith("Content folder synced: 1 added")


async def test_forged_and_stale_buttons_get_a_polite_toast(harness: Harness) -> None:
    reader = harness.chat(1011)
    keyboard = await reader.say_last("/topics")
    for data, toast in [
        ("t:999999:0", "That topic no longer exists."),
        ("zzz", "This button has expired. Please send the command again."),
        ("t:abc:0", "This button has expired. Please send the command again."),
        ("s:min_quality:42", "This button has expired. Please send the command again."),
        ("s:__class__:1", "This button has expired. Please send the command again."),
        ("x:7", "This button has expired. Please send the command again."),
    ]:
        answer = await reader.tap_data(keyboard, data)
        assert answer.answer is not None and answer.answer.get("text") == toast, data


async def test_flood_control_warns_once_then_ignores(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, content: Path
) -> None:
    runtime = BotRuntime(
        settings_for(emulator, database_url, content, flood_commands_per_minute=3), clock=lambda: NOW
    )
    await runtime.start()
    try:
        reader = Harness(emulator, runtime, content, lambda: NOW).chat(1012)
        for _ in range(3):
            await reader.say("/help")
        assert (
            await reader.say_last("/help")
        ).body == "⏳ Slow down a little: I'll answer again in a minute."
        sent_before = len(reader.sent())
        await emulator.inject_message(1012, "/help")
        await emulator.inject_message(1012, "/topics")
        other = Harness(emulator, runtime, content, lambda: NOW).chat(1013)
        assert (await other.say_last("/help")).body.startswith("What I can do")  # others are unaffected
        assert len(reader.sent()) == sent_before
    finally:
        await runtime.stop()


async def test_unknown_commands_and_plain_text_get_hints(harness: Harness) -> None:
    reader = harness.chat(1014)
    assert (await reader.say_last("/frobnicate")).body.startswith("I don't know that command")
    assert (await reader.say_last("hello there")).body.startswith("I only understand commands")
    help_text = (await reader.say_last("/help")).body
    for command in (
        "/start",
        "/topics",
        "/subscribe",
        "/unsubscribe",
        "/mytopics",
        "/latest",
        "/search",
        "/settings",
        "/stop",
        "/help",
    ):
        assert command in help_text
    assert "/stats" not in help_text


async def test_blocking_marks_the_chat_and_start_reactivates(harness: Harness) -> None:
    reader = harness.chat(1015)
    await reader.say("/subscribe AI")
    await harness.emulator.inject_member(1015, "kicked")

    async def status() -> str | None:
        async with harness.runtime.db.read() as session:
            row = await session.get(ChatRow, 1015)
        return row.status if row else None

    for _ in range(100):  # up to 5 s
        if await status() == "blocked":
            break
        await asyncio.sleep(0.05)
    assert await status() == "blocked"
    await harness.emulator.inject_member(1015, "member")
    greeting, _ = await reader.say("/start", replies=2)
    assert "Welcome back" in greeting.body
    assert await status() == "active"


async def test_a_fast_typist_at_telegrams_real_limits_gets_every_reply_without_429(
    database_url: str, tmp_path: Path, content: Path
) -> None:
    emulator = BotApiEmulator(EmulatorLimits())
    await emulator.start()
    settings = settings_for(emulator, database_url, content, send_chat_per_second=1.0, send_chat_burst=3)
    runtime = BotRuntime(settings, clock=lambda: NOW)
    await runtime.start()
    try:
        since = len(emulator.sent())
        for _ in range(7):
            await emulator.inject_message(1016, "/help")
        replies = await emulator.wait_for(chat_id=1016, since=since, count=7, timeout=15)
        assert len(replies) == 7
        # A burst of 3, then one a second: the last reply goes out no sooner than ~4 s after the first.
        assert replies[-1].time - replies[0].time >= 3.5
    finally:
        await runtime.stop()
        await emulator.stop()
    assert emulator.stats()["statuses"]["429"] == 0
    assert emulator.violations == []


async def test_a_tap_answered_too_late_is_one_warning_not_a_traceback(
    emulator: BotApiEmulator, database_url: str, content: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An overloaded bot answers a tap after Telegram's 15 s: a warning line, not an error with a traceback."""
    runtime = BotRuntime(settings_for(emulator, database_url, content), clock=lambda: NOW)
    await runtime.start()
    try:
        reader = Harness(emulator, runtime, content, lambda: NOW).chat(1010)
        keyboard = await reader.say_last("/topics")
        emulator.set_limits(callback_query_timeout=0.0)  # every answer now arrives too late
        await emulator.inject_callback(1010, keyboard.message_id, button_data(keyboard, "Space"))

        def warned() -> bool:
            return any("after Telegram stopped waiting" in r.getMessage() for r in caplog.records)

        async with asyncio.timeout(10):
            while not warned():  # noqa: ASYNC110 - a log line, not an emulator event
                await asyncio.sleep(0.05)
    finally:
        await runtime.stop()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    # Telegram refuses the late answer, and the emulator flags it: the one refusal this test expects.
    assert [call.method for call in refused(emulator)] == ["answerCallbackQuery"]
