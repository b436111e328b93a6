"""Pure rendering for inline mode: article cards in, ``InlineQueryResultArticle`` out. No I/O, no ``await``.

A result shows the title, "source · date" and the excerpt, with the article's image as its thumbnail; the
message it posts is the article card (title as a link, excerpt, source and date) with one "Follow <topic>"
button whose URL is the topic's deep link (bot/chat/deeplinks.py), so whoever reads the shared card can
follow the topic in one tap, whether or not they ever started the bot.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode

from bot.chat.deeplinks import INLINE_NOTICE_PAYLOAD, follow_link
from bot.chat.keyboards import MAX_BUTTON_LABEL
from bot.chat.render import MAX_SOURCE_CHARS, MAX_TITLE_CHARS, escape, format_date, link, shorten
from bot.texts.en import Texts
from storage.records import ArticleCard, TopicRef

# Telegram shows at most 50 results an answer; a page of 20 fills the result list without a wait.
PAGE_SIZE = 20
# Readers scroll a few pages at most: beyond this many results an answer says there are no more.
MAX_RESULTS = 100
# How long Telegram keeps an answer for the reader who asked: one to a topic or words changes when
# articles arrive; one to the empty query (the reader's own topics) when the reader follows another topic.
WORDS_CACHE_SECONDS = 300
FOLLOWED_CACHE_SECONDS = 30
# An answer while the database is away is not worth keeping: the reader's next keystroke asks again.
UNAVAILABLE_CACHE_SECONDS = 0
MAX_OFFSET_BYTES = 64  # Telegram's limit of an offset
MAX_EXCERPT_CHARS = 600  # in the card; with the title and source far below the 4,096 of a message
MAX_DESCRIPTION_EXCERPT_CHARS = 200  # in the result list, where two or three lines show
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class InlinePage:
    """Which slice of the matches an answer holds: results ``offset`` to ``end``."""

    offset: int

    @classmethod
    def parse(cls, offset: str) -> InlinePage:
        """The page a query's ``offset`` asks for: "" (the first) or what an earlier ``next_offset`` said;
        anything else, which only a forged query sends, is the first page."""
        # ASCII digits only (str.isdigit() also takes "²", which int() refuses), and no more of them than
        # Telegram passes on (int() refuses over 4,300).
        if offset.isascii() and offset.isdigit() and len(offset) <= MAX_OFFSET_BYTES:
            number = int(offset)
            if number < MAX_RESULTS:
                return cls(number)
        return cls(0)

    @property
    def end(self) -> int:
        """Where this page stops: ``PAGE_SIZE`` results on, never past the ``MAX_RESULTS``-th."""
        return min(self.offset + PAGE_SIZE, MAX_RESULTS)

    @property
    def fetch(self) -> int:
        """How many matches to read: up to this page's end, and one more to know whether another follows."""
        return self.end + 1

    def next_offset(self, found: int) -> str | None:
        """The ``next_offset`` to answer with when ``found`` matches were read (``fetch`` at most); None
        on the last page. Telegram reads a missing next_offset as "" (no more results), and "" itself
        cannot be sent: PTB 22.8 with ``Defaults`` turns an empty ``next_offset`` into ``[]``, which
        Telegram would take as the offset "[]" and the client would ask for it again and again."""
        return str(self.end) if found > self.end and self.end < MAX_RESULTS else None

    def slice(self, matches: Sequence[T]) -> list[T]:
        return list(matches[self.offset : self.end])


def caching(words: str) -> tuple[int, bool]:
    """``(cache_time, is_personal)`` of the answer to a query of ``words``. Always personal: every answer
    is in the asker's language (dates, the Follow button), and a shared one would be shown to anyone who
    types the same words, a German card to an English reader; the empty query lists the asker's own
    topics besides. Words are kept longer; the reader's own topics briefly, since following one changes it."""
    return (WORDS_CACHE_SECONDS if words else FOLLOWED_CACHE_SECONDS), True


def follow_topic(card: ArticleCard, preferred: Collection[int] = ()) -> TopicRef | None:
    """The topic a card offers to follow: the article's first topic (in key order) among ``preferred``
    (the topic asked for, or the reader's own), else its first topic; None for an article without topics."""
    for topic in card.topics:
        if topic.id in preferred:
            return topic
    return card.topics[0] if card.topics else None


def inline_result(
    card: ArticleCard, topic: TopicRef | None, bot_username: str, texts: Texts
) -> InlineQueryResultArticle:
    """One result: what the reader sees in the list, and the card it posts when picked."""
    article = card.article
    title = shorten(article.title, MAX_TITLE_CHARS) or article.web_url
    details = source_and_date(article.provider_name, article.published_at, texts)
    excerpt = shorten(article.excerpt or "", MAX_DESCRIPTION_EXCERPT_CHARS)
    return InlineQueryResultArticle(
        id=str(article.id),
        title=title,
        input_message_content=InputTextMessageContent(
            card_html(card, texts),
            parse_mode=ParseMode.HTML,
            # is_disabled must be explicit: PTB fills unset fields from Defaults, which disable previews.
            link_preview_options=LinkPreviewOptions(
                is_disabled=False, url=article.web_url, prefer_large_media=True
            ),
        ),
        reply_markup=follow_keyboard(topic, bot_username, texts),
        url=article.web_url,
        description="\n".join(part for part in (details, excerpt) if part),
        thumbnail_url=card.image_url if _is_web_url(card.image_url) else None,
    )


def unavailable_button(texts: Texts) -> InlineQueryResultsButton:
    """Shown above no results while the database is away: the "temporarily unavailable" notice that
    commands and buttons get, as the one thing an inline answer can say without a result to post."""
    return InlineQueryResultsButton(texts.unavailable, start_parameter=INLINE_NOTICE_PAYLOAD)


def card_html(card: ArticleCard, texts: Texts) -> str:
    """The shared message: the title as a link in bold, the excerpt, then "source · date"."""
    article = card.article
    title = shorten(article.title, MAX_TITLE_CHARS) or article.web_url
    excerpt = shorten(article.excerpt or "", MAX_EXCERPT_CHARS)
    details = escape(source_and_date(article.provider_name, article.published_at, texts))
    blocks = [f"<b>{link(article.web_url, title)}</b>", *([escape(excerpt)] if excerpt else []), details]
    return "\n\n".join(blocks)


def follow_keyboard(topic: TopicRef | None, bot_username: str, texts: Texts) -> InlineKeyboardMarkup | None:
    if topic is None:
        return None
    label = texts.follow_button.format(topic=shorten(topic.name, MAX_BUTTON_LABEL))
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, url=follow_link(bot_username, topic.id, topic.name))]]
    )


def source_and_date(source: str | None, published_at: datetime, texts: Texts) -> str:
    """``Example News · 27 Nov 2026`` (plain text): the date alone when the source is unknown."""
    date = format_date(published_at, texts.inline_date, texts)
    name = shorten(source or "", MAX_SOURCE_CHARS)
    return f"{name} · {date}" if name else date


def _is_web_url(url: str | None) -> bool:
    return url is not None and url.lower().startswith(("http://", "https://"))
