"""Inline mode's pure rendering and paging: offsets as a client may send them, results within Telegram's
limits, the card's HTML escaped and counted as Telegram counts it, the Follow deep link, in both languages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chat.deeplinks import INLINE_NOTICE_PAYLOAD, PAYLOAD_LIMIT, follow_link, followed_by
from bot.chat.inline_results import (
    FOLLOWED_CACHE_SECONDS,
    MAX_DESCRIPTION_EXCERPT_CHARS,
    MAX_EXCERPT_CHARS,
    MAX_RESULTS,
    PAGE_SIZE,
    WORDS_CACHE_SECONDS,
    InlinePage,
    caching,
    card_html,
    follow_topic,
    inline_result,
    unavailable_button,
)
from bot.chat.keyboards import MAX_BUTTON_LABEL
from bot.chat.render import MAX_TEXT_UTF16, MAX_TITLE_CHARS, utf16_length, visible_length
from bot.emulator.html import parse_html
from bot.texts.de import GERMAN
from bot.texts.en import ENGLISH, Texts
from storage.records import ArticleCard, ArticleSummary, TopicRef

PUBLISHED = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
BOT = "newsbot_test_bot"
AI = TopicRef(7, "AI")
SPACE = TopicRef(9, "Space")
_START = re.compile(r"\?start=([A-Za-z0-9_-]+)$")


def card(
    article_id: int = 1,
    *,
    title: str = "Agents at work",
    excerpt: str | None = "Software that acts on its own.",
    source: str | None = "Wire",
    image: str | None = "https://images.example.com/1.jpg",
    topics: tuple[TopicRef, ...] = (AI,),
    published: datetime = PUBLISHED,
) -> ArticleCard:
    summary = ArticleSummary(
        article_id, title, f"https://example.com/{article_id}", excerpt, source, published, None
    )
    return ArticleCard(summary, image, topics)


def as_json(c: ArticleCard, topic: TopicRef | None = AI, texts: Texts = ENGLISH) -> dict[str, Any]:
    return inline_result(c, topic, BOT, texts).to_dict()


# Paging


@pytest.mark.parametrize(
    ("offset", "expected"),
    [("", 0), ("20", 20), ("40", 40), ("80", 80), ("7", 7), ("099", 99)],
)
def test_an_offset_from_an_earlier_answer_is_that_page(offset: str, expected: int) -> None:
    assert InlinePage.parse(offset).offset == expected


@pytest.mark.parametrize(
    "offset",
    ["-20", "abc", "20.0", " 20", "20 ", "+20", "1e3", "[]", "²", "٣", "１２", "100", "120", "9" * 5000],
)
def test_any_other_offset_a_client_sends_is_the_first_page(offset: str) -> None:
    assert InlinePage.parse(offset) == InlinePage(0)


def test_pages_of_twenty_with_next_offset_absent_on_the_last() -> None:
    matches = list(range(45))
    pages, offset = [], ""
    while True:
        page = InlinePage.parse(offset)
        found = matches[: page.fetch]
        pages.append(page.slice(found))
        following = page.next_offset(len(found))
        if following is None:
            break
        offset = following
    assert PAGE_SIZE == 20
    assert [len(p) for p in pages] == [20, 20, 5]
    assert [n for p in pages for n in p] == matches


def test_exactly_a_page_of_matches_has_no_next_page() -> None:
    first = InlinePage.parse("")
    assert first.fetch == PAGE_SIZE + 1  # one more than shown: is there another page?
    assert first.next_offset(PAGE_SIZE) is None
    assert first.next_offset(PAGE_SIZE + 1) == "20"
    assert first.next_offset(0) is None


def test_no_answer_reaches_past_the_hundredth_result() -> None:
    matches = list(range(500))
    shown, offset = [], ""
    while offset is not None:
        page = InlinePage.parse(offset)
        assert page.fetch <= MAX_RESULTS + 1
        found = matches[: page.fetch]
        shown += page.slice(found)
        offset = page.next_offset(len(found))
    assert MAX_RESULTS == 100
    assert shown == matches[:MAX_RESULTS]
    # A forged offset just below the limit gets what is left below it, never more.
    near_end = InlinePage.parse("95")
    assert near_end.slice(matches[: near_end.fetch]) == matches[95:100]
    assert near_end.next_offset(near_end.fetch) is None


# Caching


def test_every_answer_is_personal_and_words_are_kept_longer() -> None:
    # Personal: the same words give a German reader German cards (test_a_result_in_german).
    assert caching("climate") == (WORDS_CACHE_SECONDS, True) == (300, True)
    assert caching("") == (FOLLOWED_CACHE_SECONDS, True) == (30, True)


# One result


def test_result_ids_are_unique_and_within_64_bytes() -> None:
    cards = [card(article_id) for article_id in (1, 2, 10**6, 2**63 - 1)]
    ids = [as_json(c)["id"] for c in cards]
    assert len(set(ids)) == len(ids)
    assert all(1 <= len(result_id.encode("utf-8")) <= 64 for result_id in ids)


def test_a_result_golden() -> None:
    result = as_json(card())
    assert result["type"] == "article"
    assert result["title"] == "Agents at work"
    assert result["description"] == "Wire · 27 Nov 2026\nSoftware that acts on its own."
    assert result["url"] == "https://example.com/1"
    assert result["thumbnail_url"] == "https://images.example.com/1.jpg"
    content = result["input_message_content"]
    assert content["message_text"] == (
        '<b><a href="https://example.com/1">Agents at work</a></b>\n\n'
        "Software that acts on its own.\n\n"
        "Wire · 27 Nov 2026"
    )
    assert content["parse_mode"] == "HTML"
    assert content["link_preview_options"] == {
        "is_disabled": False,
        "url": "https://example.com/1",
        "prefer_large_media": True,
    }


def test_long_titles_and_excerpts_are_cut_at_a_word_with_an_ellipsis() -> None:
    long = card(title="word " * 200, excerpt="sentence " * 300, source="Source " * 30)
    result = as_json(long)
    assert len(result["title"]) <= MAX_TITLE_CHARS and result["title"].endswith("word…")
    details, excerpt = result["description"].split("\n")
    assert len(excerpt) <= MAX_DESCRIPTION_EXCERPT_CHARS and excerpt.endswith("sentence…")
    assert details.endswith(" · 27 Nov 2026") and len(details) < 80
    blocks = parse_html(result["input_message_content"]["message_text"]).text.split("\n\n")
    assert len(blocks[0]) <= MAX_TITLE_CHARS
    assert len(blocks[1]) <= MAX_EXCERPT_CHARS and blocks[1].endswith("sentence…")


def test_without_title_excerpt_source_or_image() -> None:
    bare = as_json(card(title="  ", excerpt=None, source=None, image=None, topics=()), topic=None)
    assert bare["title"] == "https://example.com/1"
    assert bare["description"] == "27 Nov 2026"
    assert "thumbnail_url" not in bare and "reply_markup" not in bare
    assert bare["input_message_content"]["message_text"] == (
        '<b><a href="https://example.com/1">https://example.com/1</a></b>\n\n27 Nov 2026'
    )


@pytest.mark.parametrize(
    ("image", "kept"),
    [
        ("https://images.example.com/a.jpg", True),
        ("http://images.example.com/a.jpg", True),
        ("HTTPS://images.example.com/a.jpg", True),
        ("ftp://images.example.com/a.jpg", False),
        ("images/a.jpg", False),
        ("/srv/content/images/a.jpg", False),
        ("data:image/png;base64,AAAA", False),
        ("javascript:alert(1)", False),
        (None, False),
    ],
)
def test_a_thumbnail_only_for_a_web_image(image: str | None, kept: bool) -> None:
    assert ("thumbnail_url" in as_json(card(image=image))) is kept


def test_the_card_is_escaped_html_within_a_message() -> None:
    tricky = card(title="<b>Tom & Jerry</b> 🎉", excerpt="a < b && c > d 👍", source="Wire & <Co>")
    html = card_html(tricky, ENGLISH)
    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt; 🎉" in html
    assert "a &lt; b &amp;&amp; c &gt; d 👍" in html
    assert "Wire &amp; &lt;Co&gt; · 27 Nov 2026" in html
    parsed = parse_html(html)
    assert parsed.text.startswith("<b>Tom & Jerry</b> 🎉\n\na < b && c > d 👍")
    assert sorted(entity["type"] for entity in parsed.entities) == ["bold", "text_link"]
    # The plain list shows the same words unescaped: Telegram does not parse a title or description.
    result = as_json(tricky)
    assert result["title"] == "<b>Tom & Jerry</b> 🎉"
    assert result["description"].startswith("Wire & <Co> · 27 Nov 2026\na < b && c > d")


@given(
    title=st.text(max_size=2000),
    excerpt=st.none() | st.text(max_size=5000),
    source=st.none() | st.text(max_size=500),
)
def test_any_card_parses_and_fits_a_message(title: str, excerpt: str | None, source: str | None) -> None:
    html = card_html(card(title=title, excerpt=excerpt, source=source), ENGLISH)
    parsed = parse_html(html)  # raises on HTML Telegram would refuse
    assert utf16_length(parsed.text) == visible_length(html) <= MAX_TEXT_UTF16


def test_a_card_of_astral_characters_fits_too() -> None:
    emoji = card(title="🎉" * 1000, excerpt="👍" * 5000, source="🚀" * 500)
    assert visible_length(card_html(emoji, ENGLISH)) <= MAX_TEXT_UTF16


# The Follow button


def test_the_follow_button_is_the_topics_deep_link() -> None:
    [[button]] = as_json(card(), AI)["reply_markup"]["inline_keyboard"]
    assert button == {"text": "➕ Follow AI", "url": follow_link(BOT, AI.id, AI.name)}
    assert button["url"] == "https://t.me/newsbot_test_bot?start=follow-7-ai"


def test_a_long_topic_name_keeps_the_link_within_64_characters_and_the_label_short() -> None:
    topic = TopicRef(123456789, "Künstliche Intelligenz & maschinelles Lernen in der Praxis " * 3)
    [[button]] = as_json(card(topics=(topic,)), topic)["reply_markup"]["inline_keyboard"]
    match = _START.search(button["url"])
    assert match is not None
    payload = match.group(1)
    assert len(payload) <= PAYLOAD_LIMIT == 64
    assert followed_by(payload) == topic.id
    assert len(button["text"]) <= len(ENGLISH.follow_button.format(topic="")) + MAX_BUTTON_LABEL


def test_the_topic_offered_is_the_preferred_one_the_article_has() -> None:
    both = card(topics=(AI, SPACE))
    assert follow_topic(both, (SPACE.id,)) == SPACE
    assert follow_topic(both, (99, AI.id)) == AI
    assert follow_topic(both, (99,)) == AI
    assert follow_topic(both) == AI
    assert follow_topic(card(topics=())) is None


# Languages and dates


def test_a_result_in_german() -> None:
    result = as_json(card(), AI, GERMAN)
    assert result["description"].startswith("Wire · 27. Nov. 2026\n")
    assert result["input_message_content"]["message_text"].endswith("Wire · 27. Nov. 2026")
    assert result["reply_markup"]["inline_keyboard"][0][0]["text"] == "➕ AI folgen"
    march = as_json(card(published=datetime(2026, 3, 1, 8, 0, tzinfo=UTC)), AI, GERMAN)
    assert march["description"].startswith("Wire · 1. März 2026\n")


def test_the_date_is_the_day_in_utc() -> None:
    late_in_new_york = datetime(2026, 11, 27, 21, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert as_json(card(published=late_in_new_york))["description"].startswith("Wire · 28 Nov 2026\n")
    naive = datetime(2026, 1, 2, 23, 59)
    assert as_json(card(published=naive))["description"].startswith("Wire · 2 Jan 2026\n")


# While the database is away


@pytest.mark.parametrize("texts", [ENGLISH, GERMAN])
def test_the_unavailable_notice_is_a_button_that_opens_the_bot(texts: Texts) -> None:
    button = unavailable_button(texts).to_dict()
    assert button == {"text": texts.unavailable, "start_parameter": INLINE_NOTICE_PAYLOAD}
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", INLINE_NOTICE_PAYLOAD)
    assert followed_by(INLINE_NOTICE_PAYLOAD) is None
