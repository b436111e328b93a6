"""Pure rendering for chat replies: records in, Telegram HTML out. No I/O, no ``await``."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.texts.en import Texts
from storage.records import ArticleSummary, BotStats, TopicSummary

MAX_TEXT_UTF16 = 4096
MAX_TITLE_CHARS = 200
MAX_SOURCE_CHARS = 60  # a source's name, and its domain, in an article list
_TAG = re.compile(r"<[^>]*>")


def escape(text: str) -> str:
    """Escape text for Telegram HTML (``<``, ``>`` and ``&``)."""
    return html.escape(text, quote=False)


def attribute(text: str) -> str:
    """Escape text for a double-quoted HTML attribute."""
    return html.escape(text, quote=True)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def plain_text(markup: str) -> str:
    """The text Telegram shows for our (well-formed) HTML: tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", markup))


def visible_length(markup: str) -> int:
    """How long Telegram counts our HTML after parsing, in UTF-16 units."""
    return utf16_length(plain_text(markup))


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary, with an ellipsis, when longer than ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def relative_age(when: datetime, now: datetime, texts: Texts) -> str:
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return texts.ago_now
    if seconds < 3600:
        return texts.ago_minutes.format(n=seconds // 60)
    if seconds < 86400:
        return texts.ago_hours.format(n=seconds // 3600)
    return texts.ago_days.format(n=seconds // 86400)


def format_date(when: datetime, pattern: str, texts: Texts) -> str:
    """``when`` in UTC through one of the catalogue's date patterns (``push_date``, ``digest_date``,
    ``inline_date``; fields ``day``, ``month``, ``year`` and ``time``), whatever the machine's locale."""
    # Records carry aware UTC datetimes; a naive one is taken as UTC, never as the machine's local time.
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    month = texts.month_abbreviations[when.month - 1]
    return pattern.format(day=when.day, month=month, year=when.year, time=f"{when:%H:%M}")


def link(url: str, label: str) -> str:
    return f'<a href="{attribute(url)}">{escape(label)}</a>'


def source_label(name: str | None, domain: str | None) -> str | None:
    """``The Verge (theverge.com)``: the source's name with its domain, either alone when the other is
    missing or says the same (``theverge.com`` named ``www.theverge.com``)."""
    name = (name or "").strip()
    domain = (domain or "").strip().lower().removeprefix("www.")
    if not domain or name.casefold().removeprefix("www.") == domain:
        return shorten(name, MAX_SOURCE_CHARS) if name else None
    if not name:
        return domain
    return f"{shorten(name, MAX_SOURCE_CHARS)} ({shorten(domain, MAX_SOURCE_CHARS)})"


def article_line(article: ArticleSummary, now: datetime, texts: Texts) -> str:
    title = f"• {link(article.web_url, shorten(article.title, MAX_TITLE_CHARS))}"
    source = source_label(article.provider_name, article.provider_domain)
    details = [escape(source)] if source else []
    details.append(relative_age(article.published_at, now, texts))
    return f"{title} — {', '.join(details)}"


def fit_lines(header: str, lines: Sequence[str], texts: Texts, limit: int = MAX_TEXT_UTF16) -> str:
    """Join a header and lines, dropping trailing lines (and saying so) to stay within ``limit``."""
    kept = list(lines)
    while True:
        tail = [texts.and_more.format(n=len(lines) - len(kept))] if len(kept) < len(lines) else []
        text = "\n".join([header, *kept, *tail])
        if visible_length(text) <= limit or not kept:
            return text
        kept.pop()


def articles_text(header: str, articles: Sequence[ArticleSummary], now: datetime, texts: Texts) -> str:
    return fit_lines(header, [article_line(a, now, texts) for a in articles], texts)


def topic_list(topics: Sequence[TopicSummary]) -> str:
    return ", ".join(f"<b>{escape(topic.name)}</b>" for topic in topics)


def quoted_names(names: Sequence[str], texts: Texts) -> str:
    return ", ".join(texts.quoted_name.format(name=escape(name)) for name in names)


def help_text(commands: Sequence[tuple[str, str]], texts: Texts) -> str:
    """One line per (command, declared description), in the catalogue's language."""
    lines = [
        texts.help_header,
        *(f"/{name} — {escape(texts.describe(name, description))}" for name, description in commands),
    ]
    return "\n".join([*lines, "", texts.help_footer])


def stats_text(stats: BotStats, texts: Texts) -> str:
    lines = [
        texts.stats_header,
        texts.stats_chats.format(active=stats.chats_active, blocked=stats.chats_blocked),
        texts.stats_articles.format(live=stats.articles_live),
        texts.stats_deliveries.format(
            sent=stats.deliveries_today, failed=stats.failures_today, failed_total=stats.failures_total
        ),
    ]
    if stats.last_failure:
        lines.append(texts.stats_last_failure.format(error=escape(shorten(stats.last_failure, 300))))
    if stats.subscriptions_by_topic:
        lines.append("")
        lines.append(texts.stats_per_topic)
        lines.extend(f"{escape(name)}: {count}" for name, count in stats.subscriptions_by_topic)
    return fit_lines(lines[0], lines[1:], texts)
