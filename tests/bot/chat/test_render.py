"""Chat rendering: golden strings, escaping, lengths counted as Telegram counts them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from bot.chat.render import (
    article_line,
    escape,
    fit_lines,
    format_date,
    relative_age,
    shorten,
    source_label,
    utf16_length,
    visible_length,
)
from bot.texts.de import GERMAN
from bot.texts.en import ENGLISH
from storage.records import ArticleSummary

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def article(title: str, provider: str | None = "Example & Co") -> ArticleSummary:
    return ArticleSummary(
        1, title, 'https://example.com/a?x=1&y="2"', None, provider, NOW - timedelta(hours=3), 50
    )


def test_article_line_golden() -> None:
    assert article_line(article("<Title> & more"), NOW, ENGLISH) == (
        '• <a href="https://example.com/a?x=1&amp;y=&quot;2&quot;">&lt;Title&gt; &amp; more</a>'
        " — Example &amp; Co, 3 h ago"
    )
    assert article_line(article("Plain", None), NOW, ENGLISH).endswith("— 3 h ago")


def test_article_line_names_the_source_with_its_domain() -> None:
    summary = replace(article("Story", "The <Verge>"), provider_domain="www.TheVerge.com")
    assert article_line(summary, NOW, ENGLISH).endswith(" — The &lt;Verge&gt; (theverge.com), 3 h ago")
    assert article_line(replace(summary, provider_name=None), NOW, ENGLISH).endswith(
        " — theverge.com, 3 h ago"
    )


def test_source_label_says_each_part_once() -> None:
    assert source_label("The Verge", "theverge.com") == "The Verge (theverge.com)"
    assert source_label("theverge.com", "www.theverge.com") == "theverge.com"
    assert source_label("The Verge", None) == "The Verge"
    assert source_label(None, "") is None and source_label(" ", None) is None
    assert source_label("N" * 100, "d.com") == f"{'N' * 59}… (d.com)"


def test_relative_age_steps() -> None:
    ages = [
        timedelta(seconds=5),
        timedelta(minutes=7),
        timedelta(hours=5),
        timedelta(days=3),
        -timedelta(hours=1),
    ]
    assert [relative_age(NOW - age, NOW, ENGLISH) for age in ages] == [
        "just now",
        "7 min ago",
        "5 h ago",
        "3 d ago",
        "just now",
    ]


def test_shorten_cuts_at_a_word_with_an_ellipsis() -> None:
    assert shorten("one two three four", 12) == "one two…"
    assert shorten("short", 12) == "short"
    assert shorten("a   spaced\n text", 40) == "a spaced text"
    assert len(shorten("x" * 100, 10)) == 10


def test_lengths_are_counted_in_utf16_units_after_parsing() -> None:
    assert utf16_length("🙂") == 2
    assert visible_length("<b>a</b> &amp; 🙂") == 6
    assert escape("<a & b>") == "&lt;a &amp; b&gt;"


def test_fit_lines_drops_lines_and_says_so() -> None:
    lines = [f"line {n} " + "x" * 50 for n in range(200)]
    text = fit_lines("<b>Header</b>", lines, ENGLISH, limit=1000)
    assert visible_length(text) <= 1000
    assert text.splitlines()[-1].startswith("… and ")
    kept = len(text.splitlines()) - 2
    assert text.splitlines()[-1] == f"… and {200 - kept} more"


def test_one_date_formatter_for_pushes_digests_and_inline_cards() -> None:
    when = datetime(2020, 8, 17, 8, 14, tzinfo=UTC)
    assert [format_date(when, texts.push_date, texts) for texts in (ENGLISH, GERMAN)] == [
        "17 Aug 2020, 08:14 UTC",
        "17. Aug. 2020, 08:14 UTC",
    ]
    assert format_date(when, ENGLISH.digest_date, ENGLISH) == "17 Aug 08:14"
    assert format_date(when, GERMAN.digest_date, GERMAN) == "17. Aug., 08:14"
    assert format_date(when, ENGLISH.inline_date, ENGLISH) == "17 Aug 2020"
    assert format_date(when, GERMAN.inline_date, GERMAN) == "17. Aug. 2020"
    # Always UTC: an aware time is converted, a naive one taken as UTC (never the machine's local time).
    in_tokyo = datetime(2026, 3, 1, 1, 5, tzinfo=timezone(timedelta(hours=9)))
    assert format_date(in_tokyo, GERMAN.push_date, GERMAN) == "28. Feb. 2026, 16:05 UTC"
    assert format_date(datetime(2026, 12, 31, 23, 59), ENGLISH.push_date, ENGLISH) == "31 Dec 2026, 23:59 UTC"
