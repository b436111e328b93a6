"""Held digests (daily digest, quiet hours): per-topic golden strings, splitting, and Telegram's limits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.chat.render import MAX_TEXT_UTF16
from bot.push.digests import group_by_topic, render_held_digest
from bot.texts.en import ENGLISH
from storage.records import DigestItem
from tests.bot.push.test_render import STRINGS, URLS, WHEN, assert_telegram_accepts, item


def test_held_digest_golden() -> None:
    items = [item(1), item(2, "<AT&T>", None), item(3)]
    sections = group_by_topic(items, {1: "Space", 2: "AI & <ML>", 3: "Space"})
    assert [(name, [i.article_id for i in listed]) for name, listed in sections] == [
        ("AI & <ML>", [2]),
        ("Space", [1, 3]),
    ]
    assert render_held_digest(sections, ENGLISH) == [
        "📰 <b>Your digest: 3 articles</b>\n"
        "\n"
        "<b>AI &amp; &lt;ML&gt;</b>\n"
        '• <a href="https://news.example/2">&lt;AT&amp;T&gt; 2</a> — 17 Aug 08:16\n'
        "\n"
        "<b>Space</b>\n"
        '• <a href="https://news.example/1">Story 1</a> — Wire, 17 Aug 08:15\n'
        '• <a href="https://news.example/3">Story 3</a> — Wire, 17 Aug 08:17'
    ]


def test_one_article_and_none() -> None:
    (only,) = render_held_digest(group_by_topic([item(1)], {1: "AI"}), ENGLISH)
    assert only.startswith("📰 <b>Your digest: 1 article</b>\n\n<b>AI</b>\n• ")
    assert render_held_digest([], ENGLISH) == []


def test_articles_without_a_heading_come_first_under_none() -> None:
    sections = group_by_topic([item(1), item(2)], {2: "zeta"})
    assert [name for name, _ in sections] == ["", "zeta"]
    (text,) = render_held_digest(sections, ENGLISH)
    assert text.split("\n") == [
        "📰 <b>Your digest: 2 articles</b>",
        '• <a href="https://news.example/1">Story 1</a> — Wire, 17 Aug 08:15',
        "",
        "<b>zeta</b>",
        '• <a href="https://news.example/2">Story 2</a> — Wire, 17 Aug 08:16',
    ]


def test_a_long_digest_is_split_and_a_topic_carried_over_is_named_again() -> None:
    items = [item(n, "headline " * 25) for n in range(40)]
    headings = {n: ("AI" if n < 25 else "Space") for n in range(40)}
    parts = render_held_digest(group_by_topic(items, headings), ENGLISH)
    assert len(parts) == 3
    for number, part in enumerate(parts, start=1):
        assert part.startswith(f"📰 <b>Your digest: 40 articles</b> ({number}/3)\n\n<b>")
        assert_telegram_accepts(part, MAX_TEXT_UTF16)
        assert not part.rstrip().endswith("</b>")  # never a heading left alone at the end
    assert [part.count("<b>AI</b>") for part in parts] == [1, 1, 0]
    assert [part.count("<b>Space</b>") for part in parts] == [0, 1, 1]
    listed = [line for part in parts for line in part.split("\n") if line.startswith("• ")]
    assert [line.split('">')[0] for line in listed] == [
        f'• <a href="https://news.example/{n}' for n in range(40)
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.builds(DigestItem, st.integers(1, 2**62), STRINGS, URLS, st.none() | STRINGS, WHEN),
        max_size=40,
        unique_by=lambda i: i.article_id,
    ),
    st.lists(STRINGS, min_size=1, max_size=4),
    st.data(),
)
def test_every_held_digest_part_is_accepted_by_telegram(
    items: list[DigestItem], topics: list[str], data: st.DataObject
) -> None:
    headings = {i.article_id: data.draw(st.sampled_from(topics)) for i in items}
    parts = render_held_digest(group_by_topic(items, headings), ENGLISH)
    assert len(parts) <= max(1, len(items))
    for number, part in enumerate(parts, start=1):
        assert_telegram_accepts(part, MAX_TEXT_UTF16)
        assert part.split("\n")[0].endswith(f" ({number}/{len(parts)})") == (len(parts) > 1)
    assert sum(part.count("\n• ") for part in parts) == len(items)
