"""Inline keyboards for the chat: topics (paged), followed topics, settings, confirmation."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.callbacks import (
    AUTO_LANGUAGE,
    ConfirmStop,
    SetLanguage,
    SetPreference,
    ToggleTopic,
    TopicsPage,
    Unfollow,
)
from bot.chat.menus import control_rows
from bot.chat.render import shorten
from bot.texts.en import Texts
from bot.texts.registry import LANGUAGES, language_of, texts_for
from storage.records import Preferences, TopicChoice, TopicSummary

TOPICS_PER_PAGE = 8
MAX_BUTTON_LABEL = 40


def page_count(total: int, per_page: int = TOPICS_PER_PAGE) -> int:
    return max(1, -(-total // per_page))


def clamp_page(page: int, total: int) -> int:
    return min(max(page, 0), page_count(total) - 1)


def topics_keyboard(choices: Sequence[TopicChoice], page: int, total: int) -> InlineKeyboardMarkup:
    """Two topics a row, ``✅`` on those followed, and ◀ n/m ▶ when there is more than one page."""
    buttons = [
        InlineKeyboardButton(
            f"{'✅ ' if choice.subscribed else ''}{shorten(choice.topic.name, MAX_BUTTON_LABEL)}"
            f" ({choice.topic.article_count})",
            callback_data=ToggleTopic(choice.topic.id, page).pack(),
        )
        for choice in choices
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    pages = page_count(total)
    if pages > 1:
        rows.append(
            [
                InlineKeyboardButton("◀", callback_data=TopicsPage((page - 1) % pages).pack()),
                InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=TopicsPage(page).pack()),
                InlineKeyboardButton("▶", callback_data=TopicsPage((page + 1) % pages).pack()),
            ]
        )
    return InlineKeyboardMarkup(rows)


def followed_keyboard(topics: Sequence[TopicSummary]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"✖ {shorten(topic.name, MAX_BUTTON_LABEL)}", callback_data=Unfollow(topic.id).pack()
                )
            ]
            for topic in topics
        ]
    )


def settings_keyboard(preferences: Preferences, texts: Texts) -> InlineKeyboardMarkup:
    def mark(selected: bool, label: str) -> str:
        return f"✅ {label}" if selected else label

    shares = dict(
        zip(
            Preferences.MIN_QUALITY_CHOICES,
            (texts.setting_quality_all, texts.setting_quality_half, texts.setting_quality_quarter),
            strict=True,
        )
    )
    quality = [
        InlineKeyboardButton(
            mark(preferences.min_quality == value, label),
            callback_data=SetPreference("min_quality", value).pack(),
        )
        for value, label in shares.items()
    ]
    previews = texts.setting_previews.format(value=texts.on if preferences.image_previews else texts.off)
    silent = texts.setting_silent.format(value=texts.on if preferences.silent else texts.off)
    return InlineKeyboardMarkup(
        [
            quality,
            [
                InlineKeyboardButton(
                    previews,
                    callback_data=SetPreference("image_previews", int(not preferences.image_previews)).pack(),
                )
            ],
            [
                InlineKeyboardButton(
                    silent, callback_data=SetPreference("silent", int(not preferences.silent)).pack()
                )
            ],
            language_row(preferences, texts),
            *control_rows(texts),
        ]
    )


def language_row(preferences: Preferences, texts: Texts) -> list[InlineKeyboardButton]:
    """🌐 Automatic (Telegram's language), then each catalogue named in its own language; ✅ on the choice."""
    chosen = language_of(preferences.language) if preferences.language else AUTO_LANGUAGE
    choices = [(AUTO_LANGUAGE, texts.setting_language_auto)]
    choices += [(code, texts_for(code).language_name) for code in LANGUAGES]
    return [
        InlineKeyboardButton(
            f"✅ {label}" if code == chosen else label, callback_data=SetLanguage(code).pack()
        )
        for code, label in choices
    ]


def stop_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.stop_yes, callback_data=ConfirmStop(True).pack()),
                InlineKeyboardButton(texts.stop_no, callback_data=ConfirmStop(False).pack()),
            ]
        ]
    )
