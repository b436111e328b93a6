"""The catalogues: each translation complete and faithful to the English placeholders, tags and commands;
German's wording where it is shown; the lookup from a reader's language."""

from __future__ import annotations

import re
import string
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import all_commands
from bot.chat.keyboards import settings_keyboard
from bot.chat.profile import menu
from bot.chat.render import relative_age, stats_text
from bot.emulator.html import parse_html
from bot.push.render import push_date, render_digest, render_muted, render_push
from bot.texts.de import GERMAN
from bot.texts.en import ENGLISH, Texts
from bot.texts.registry import LANGUAGES, language_of, texts_for
from storage.records import BotStats, DigestItem, Preferences
from tests.bot.push.test_render import SEED, URL, rows

TRANSLATIONS = [code for code in LANGUAGES if code != "en"]
# Per language, the fields whose translation is, rightly, the English text (each must still be identical).
SAME_AS_ENGLISH = {
    # "<b>{topic}</b>", "<b>{topic}</b>: {link}": a topic name (and its link), nothing to translate
    "de": frozenset({"held_digest_topic", "share_line"}),
}

_TAG = re.compile(r"</?[a-z]+>")
_COMMAND = re.compile(r"(?<![<\w])/[a-z]+\b")


def untranslated(translation: Texts, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The fields ``translation`` leaves as they are in English, other than the ``allowed`` ones."""
    return [
        f.name
        for f in fields(Texts)
        if getattr(translation, f.name) == getattr(ENGLISH, f.name) and f.name not in allowed
    ]


def strings(texts: Texts) -> dict[str, str]:
    """Every field of a catalogue that is one string, by name."""
    found: dict[str, str] = {}
    for f in fields(Texts):
        value = getattr(texts, f.name)
        if isinstance(value, str):
            found[f.name] = value
    return found


def placeholders(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def test_german_is_one_of_the_translations() -> None:
    assert TRANSLATIONS == ["de"]
    assert texts_for("de") is GERMAN


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_field_is_translated(language: str) -> None:
    allowed = SAME_AS_ENGLISH.get(language, frozenset())
    assert untranslated(texts_for(language), allowed) == []
    for name in allowed:
        assert getattr(texts_for(language), name) == getattr(ENGLISH, name), (
            f"{name} is translated: unlist it"
        )


def test_the_check_catches_a_field_left_in_english() -> None:
    half_done = replace(GERMAN, welcome=ENGLISH.welcome, push_undo=ENGLISH.push_undo)
    assert {"welcome", "push_undo"} <= set(untranslated(half_done))
    assert "push_undo" not in untranslated(half_done, frozenset({"push_undo"}))
    assert "welcome" not in untranslated(GERMAN)


@pytest.mark.parametrize("language", TRANSLATIONS)
@pytest.mark.parametrize("name", sorted(strings(ENGLISH)))
def test_translations_keep_placeholders_tags_and_commands(language: str, name: str) -> None:
    english, translated = getattr(ENGLISH, name), getattr(texts_for(language), name)
    assert placeholders(translated) == placeholders(english)
    assert sorted(_TAG.findall(translated)) == sorted(_TAG.findall(english))
    assert sorted(_COMMAND.findall(translated)) == sorted(_COMMAND.findall(english))
    for value in (english, translated):
        parse_html(value.format(**{key: "x" for key in placeholders(value)}))  # raises on bad HTML


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_translations_describe_every_command_and_name_twelve_months(language: str) -> None:
    texts = texts_for(language)
    names = [command.name for command in all_commands()]
    assert sorted(name for name, _ in texts.command_descriptions) == sorted(names)
    assert all(description.strip() for _, description in texts.command_descriptions)
    assert len(texts.month_abbreviations) == len(set(texts.month_abbreviations)) == 12


def test_the_menu_in_german_and_english() -> None:
    assert {c.command: c.description for c in menu(all_commands(), GERMAN)}["help"] == "was ich kann"
    assert {c.command: c.description for c in menu(all_commands())}["help"] == "what I can do"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("de-CH", "de"),
        ("de_LI", "de"),
        ("DE", "de"),
        ("en", "en"),
        ("en-GB", "en"),
        ("fr", "en"),
        ("dex", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_language_from_a_choice_or_telegrams_language_code(language: str | None, expected: str) -> None:
    assert language_of(language) == expected
    assert texts_for(language) is (GERMAN if expected == "de" else ENGLISH)


def test_each_catalogue_names_its_own_language() -> None:
    assert [texts_for(code).language_name for code in LANGUAGES] == ["English", "Deutsch"]


def test_german_dates_and_ages() -> None:
    assert push_date(datetime(2020, 8, 17, 8, 14, tzinfo=UTC), GERMAN) == "17. Aug. 2020, 08:14 UTC"
    assert push_date(datetime(2026, 3, 1, 23, 5, tzinfo=UTC), GERMAN) == "1. März 2026, 23:05 UTC"
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    ages = [timedelta(seconds=5), timedelta(minutes=7), timedelta(hours=3), timedelta(days=2)]
    assert [relative_age(now - age, now, GERMAN) for age in ages] == [
        "gerade eben",
        "vor 7 Min.",
        "vor 3 Std.",
        "vor 2 Tg.",
    ]


def test_german_push_digest_and_mute() -> None:
    push = render_push(SEED, frozenset({1}), GERMAN, as_caption=False)
    assert (
        "New York Post · 17. Aug. 2020, 08:14 UTC\n#ComputerVision #AI\n\n<b>Mehr zum Thema</b>\n"
        in push.html
    )
    assert rows(push.keyboard)[0] == [("Lesen ↗", URL, None)]
    assert rows(push.keyboard)[-1] == [("🔕 AI stummschalten", None, "m:7:1")]
    assert rows(render_push(SEED, frozenset({1, 3}), GERMAN, as_caption=True).keyboard)[-1] == [
        ("🔕 Stummschalten…", None, "m:7:0")
    ]
    text, keyboard = render_muted("AI", 1, GERMAN)
    assert text == "🔕 <b>AI</b> ist stummgeschaltet. Du bekommst keine Nachrichten mehr dazu."
    assert rows(keyboard) == [[("Rückgängig", None, "f:1")]]
    when = datetime(2026, 5, 4, 7, 30, tzinfo=UTC)
    items = [
        DigestItem(1, "Eins", "https://news.example/1", "Wire", when),
        DigestItem(2, "Zwei", "https://news.example/2", None, when),
    ]
    assert render_digest(items, GERMAN) == [
        "📰 <b>2 neue Artikel</b>\n"
        '• <a href="https://news.example/1">Eins</a> — Wire, 4. Mai, 07:30\n'
        '• <a href="https://news.example/2">Zwei</a> — 4. Mai, 07:30'
    ]
    assert render_digest(items[:1], GERMAN)[0].startswith("📰 <b>1 neuer Artikel</b>\n")


def test_german_settings_and_stats() -> None:
    keyboard = settings_keyboard(Preferences(min_quality=50, silent=True, language="de"), GERMAN)
    labels = {button.callback_data: button.text for row in keyboard.inline_keyboard for button in row}
    assert [labels[f"s:min_quality:{value}"] for value in (0, 50, 75)] == [
        "Alle Artikel",
        "✅ Beste Hälfte",
        "Bestes Viertel",
    ]
    assert labels["s:image_previews:0"] == "Bildvorschau: an"
    assert labels["s:silent:0"] == "Lautlose Benachrichtigungen: an"
    assert [labels[f"l:{code}"] for code in ("auto", "en", "de")] == [
        "🌐 Automatisch",
        "English",
        "✅ Deutsch",
    ]
    automatic = settings_keyboard(Preferences(), GERMAN).inline_keyboard
    assert [b.text for row in automatic for b in row if str(b.callback_data).startswith("l:")] == [
        "✅ 🌐 Automatisch",
        "English",
        "Deutsch",
    ]
    stats = BotStats(3, 1, (("AI", 2),), 14, 5, 1, 2, "chat 7: <timeout>")
    assert stats_text(stats, GERMAN).splitlines() == [
        "<b>Bot-Statistik</b>",
        "Chats: 3 aktiv, 1 blockiert",
        "Artikel: 14 veröffentlicht",
        "Zustellungen heute: 5 gesendet, 1 fehlgeschlagen (2 insgesamt fehlgeschlagen)",
        "Letzter Fehler: chat 7: &lt;timeout&gt;",
        "",
        "<b>Abos pro Thema</b>",
        "AI: 2",
    ]
