"""The second language end to end: a German reader's whole conversation, then English by choice, and back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.app import all_commands
from bot.emulator import BotApiEmulator, SentMessage
from bot.texts.de import GERMAN
from tests.articles import article_text
from tests.bot.conftest import NOW, Chat, buttons, refused
from tests.bot.pushes import WAIT, Clock, start_pushes


async def arrival(chat: Chat, url: str) -> SentMessage:
    """The bot's message in ``chat`` with a button opening ``url`` (a push of that article)."""
    found: list[SentMessage] = await chat.emulator.wait_for(
        lambda: [m for m in chat.sent() if url in [data for _, data in buttons(m)]], timeout=WAIT
    )
    return found[0]


async def reply_starting(chat: Chat, start: str) -> SentMessage:
    found: list[SentMessage] = await chat.emulator.wait_for(
        lambda: [m for m in chat.sent() if m.body.startswith(start)], timeout=WAIT
    )
    return found[-1]


def labels(message: SentMessage) -> list[str]:
    return [text for text, _ in buttons(message)]


def language_row(message: SentMessage) -> list[str]:
    return [text for text, data in buttons(message) if data.startswith("l:")]


def toast(answer: Any) -> str:
    assert answer.answer is not None
    return str(answer.answer.get("text"))


async def test_a_german_reader_talks_german_until_choosing_english(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    setup = await start_pushes(emulator, tmp_path, database_url, Clock(NOW))
    leser, reader = Chat(emulator, 5001, "de"), Chat(emulator, 5002, "en")
    try:
        greeting, topics = await leser.say("/start", replies=2)
        assert greeting.body.startswith("👋 Willkommen beim News Bot!\nIch schicke dir die Nachrichten")
        assert topics.body == "Themen — tippe, um zu folgen oder zu entfolgen (0 abonniert)."
        keyboard = await leser.say_last("/topics")
        assert toast(await leser.tap(keyboard, "Space")) == "Space abonniert"
        assert leser.current(keyboard).body.endswith("(1 abonniert).")
        assert (await leser.say_last("/subscribe AI, Spcae")).body == (
            "✅ AI abonniert.\nDas Thema „Spcae“ kenne ich nicht. Meintest du „Space“?"
        )
        assert (await leser.say_last("/latest")).body.splitlines() == [
            "Neueste Nachrichten",
            "• Back catalogue — Example News (example.com), vor 26 Tg.",
        ]
        menu = await leser.say_last("/settings")
        assert menu.body.startswith("Einstellungen — tippe zum Ändern.\nQualität: alle Artikel")
        assert {"✅ Alle Artikel", "Bildvorschau: an", "Lautlose Benachrichtigungen: aus"} <= set(
            labels(menu)
        )
        assert language_row(menu) == ["✅ 🌐 Automatisch", "English", "Deutsch"]
        assert toast(await leser.tap(menu, "Beste Hälfte")) == "Gespeichert"
        german_menu = labels(leser.current(menu))
        assert "✅ Beste Hälfte" in german_menu

        # The English reader next to it stays English, and gets the same article in English.
        assert (await reader.say("/start", replies=2))[0].body.startswith("👋 Welcome to News Bot!")
        assert (await reader.say_last("/subscribe AI")).body == "✅ Subscribed to AI."
        setup.drop(
            "neu.md",
            title="Neue Rechenzentren",
            url="https://example.com/neu",
            topics=["AI", "Space"],
            published=NOW - timedelta(minutes=5),
            quality=80,
            images=1,
        )
        push = await arrival(leser, "https://example.com/neu")
        assert push.method == "sendPhoto"
        assert "Example News · 27. Nov. 2026, 11:55 UTC\n#AI #Space" in push.body
        assert labels(push) == ["Lesen ↗", "🔕 Stummschalten…"]
        english_push = await arrival(reader, "https://example.com/neu")
        assert "Example News · 27 Nov 2026, 11:55 UTC" in english_push.body
        assert labels(english_push) == ["Read ↗", "🔕 Mute AI"]

        # The push's buttons: which topic, muted (toast and message), undone.
        await leser.tap(push, "Stummschalten", edits=False)
        choice = await reply_starting(leser, "Welches Thema möchtest du stummschalten?")
        assert labels(choice) == ["🔕 AI stummschalten", "🔕 Space stummschalten"]
        answer = await leser.tap(choice, "Space", edits=False)
        assert toast(answer) == "🔕 Space ist stummgeschaltet. Du bekommst keine Nachrichten mehr dazu."
        muted = await reply_starting(leser, "🔕 Space ist stummgeschaltet.")
        assert labels(muted) == ["Rückgängig"]
        assert toast(await leser.tap(muted, "Rückgängig")) == "🔔 Du folgst Space wieder."
        assert leser.current(muted).body == "🔔 Du folgst Space wieder."

        lines = (await leser.say_last("/help")).body.splitlines()
        german = dict(GERMAN.command_descriptions)
        listed = {f"/{c.name} — {german[c.name]}" for c in all_commands() if not c.admin_only}
        assert lines[0] == "Was ich kann"
        assert set(lines[1:-2]) == listed
        assert "/settings — Qualität, Vorschauen, Benachrichtigungen und Sprache" in listed
        assert lines[-1].startswith("Bei Themennamen ist Groß- und Kleinschreibung egal")
        menus = {
            call.params.get("language_code", ""): call.params for call in emulator.calls("setMyCommands")
        }
        assert {"command": "help", "description": "was ich kann"} in menus["de"]["commands"]
        assert {"command": "help", "description": "what I can do"} in menus[""]["commands"]

        # English by choice: the tap's answer and the redrawn menu already, then everything after it.
        menu = await leser.say_last("/settings")
        assert toast(await leser.tap(menu, "English")) == "Saved"
        assert leser.current(menu).body.startswith("Settings — tap to change.\nQuality: every article")
        assert language_row(leser.current(menu)) == ["🌐 Automatic", "✅ English", "Deutsch"]
        english_menu = labels(leser.current(menu))
        assert "✅ Top half" in english_menu
        # Every button of the German menu was German: only the language's own name is the same.
        assert set(german_menu) & set(english_menu) == {"Deutsch"}
        assert (await leser.say_last("/help")).body.startswith(
            "What I can do\n/start — welcome and topic picker"
        )
        assert (await leser.say_last("/latest")).body.splitlines() == [
            "Latest news",
            "• Neue Rechenzentren — Example News (example.com), 5 min ago",
            "• Back catalogue — Example News (example.com), 26 d ago",
        ]
        setup.drop(
            "zwei.md",
            title="Zweite Meldung",
            url="https://example.com/zwei",
            topics=["Space"],
            published=NOW - timedelta(minutes=1),
            quality=80,
        )
        second = await arrival(leser, "https://example.com/zwei")
        assert "Example News · 27 Nov 2026, 11:59 UTC" in second.body
        assert labels(second) == ["Read ↗", "🔕 Mute Space"]

        # Automatic again: Telegram's language_code, German.
        assert toast(await leser.tap(leser.current(menu), "Automatic")) == "Gespeichert"
        assert leser.current(menu).body.startswith("Einstellungen — tippe zum Ändern.")
        assert (
            await leser.say_last("/mytopics")
        ).body == "Deine Themen — tippe auf eins, um ihm nicht mehr zu folgen."

        # The English reader heard none of it.
        assert (await reader.say_last("/help")).body.startswith("What I can do")
        assert (await reader.say_last("/settings")).body.startswith("Settings — tap to change.")
        assert [m for m in reader.sent() if "zwei" in str(buttons(m))] == []
    finally:
        await setup.runtime.stop()
    assert emulator.violations == []
    assert refused(emulator) == []


async def test_an_english_telegram_reader_who_picks_german_gets_german_digests(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    setup = await start_pushes(emulator, tmp_path, database_url, Clock(NOW), digest_threshold=2)
    reader = Chat(emulator, 5003, "en")
    try:
        assert (await reader.say_last("/subscribe Climate")).body == "✅ Subscribed to Climate."
        menu = await reader.say_last("/settings")
        assert toast(await reader.tap(menu, "Deutsch")) == "Gespeichert"
        forged = await reader.tap_data(reader.current(menu), "l:fr")  # not a catalogue: nothing changes
        assert toast(forged) == "Diese Schaltfläche ist abgelaufen. Bitte sende den Befehl noch einmal."
        assert (await reader.say_last("/unsubscribe")).body.startswith(
            "Tippe auf ein Thema, um ihm nicht mehr"
        )
        for n in range(4):
            path = setup.content / f".k{n}.md.part"
            path.write_text(
                article_text(
                    title=f"Klima {n}",
                    url=f"https://example.com/k{n}",
                    topics=["Climate"],
                    published=NOW - timedelta(hours=4 - n),
                ),
                encoding="utf-8",
            )
        for n in range(4):
            (setup.content / f".k{n}.md.part").rename(setup.content / f"k{n}.md")
        digest = await reply_starting(reader, "📰")
        lines = digest.body.splitlines()
        assert lines[0] == "📰 4 neue Artikel"
        assert lines[1:] == [f"• Klima {n} — Example News, 27. Nov., {8 + n:02}:00" for n in range(4)]
    finally:
        await setup.runtime.stop()
    assert emulator.violations == []
    assert refused(emulator) == []
