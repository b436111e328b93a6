"""Pure rendering of pushes and digests: records in, Telegram HTML and keyboards out. No I/O, no ``await``.

Every limit is Telegram's, counted as Telegram counts it: UTF-16 code units of the text left after
parsing the HTML (``bot.chat.render.visible_length``). Whatever an article holds, the result fits.

A push to a channel (``voice``) ends with the channel's footer, which is never cut (the excerpt is), and
its last button follows the topic in the bot through a deep link: a callback button would act for the
channel, not for whoever taps it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot.chat.callbacks import Mute, Refollow
from bot.chat.deeplinks import follow_link
from bot.chat.keyboards import MAX_BUTTON_LABEL as MAX_TOPIC_LABEL
from bot.chat.render import (
    MAX_SOURCE_CHARS,
    MAX_TEXT_UTF16,
    MAX_TITLE_CHARS,
    escape,
    format_date,
    link,
    shorten,
    utf16_length,
    visible_length,
)
from bot.texts.en import Texts
from storage.content.channel_voice import ChannelVoice
from storage.records import DigestItem, PushArticle, RelatedSummary, TopicRef

MAX_CAPTION_UTF16 = 1024
VIDEO_MARKER = "▶ "  # before a video's title
MAX_RELATED = 3
MAX_RELATED_LABEL = 60
MAX_HASHTAG_CHARS = 64
MAX_HASHTAGS_UTF16 = 200
# Sources, hashtags and related links are capped (about 350 units in a caption, 2,000 in a text), so the
# title and the excerpt always keep room and are the only parts cut to fit the message.
_NON_WORD = re.compile(r"\W+")


@dataclass(frozen=True, slots=True)
class PushMessage:
    """One push, ready to send with ``parse_mode=HTML`` as a photo caption or as a text message."""

    html: str
    keyboard: InlineKeyboardMarkup


def render_push(
    article: PushArticle,
    followed_topic_ids: frozenset[int],
    texts: Texts,
    *,
    as_caption: bool,
    voice: ChannelVoice | None = None,
    bot_username: str | None = None,
) -> PushMessage:
    """The push of ``article``; related links are listed in text messages and are buttons in both forms.

    ``voice``: the push goes to a channel, with its footer and a Follow button (a deep link into the bot
    ``bot_username``; without one, no Follow button).
    """
    limit = MAX_CAPTION_UTF16 if as_caption else MAX_TEXT_UTF16
    related = related_links(article)
    footer = [_source_and_date(article, texts)]
    tags = hashtag_line(article.topics)
    if tags:
        footer.append(tags)
    if related and not as_caption:
        footer += ["", texts.push_related_header, *(_related_line(item) for item in related)]
    channel_footer = footer_html(voice)
    if channel_footer:
        footer += ["", channel_footer]
    # The footer's length is bounded; the title gets what is left, then the excerpt what the title left.
    room = limit - visible_length(_push_html(article.web_url, "", "", footer))
    marker = VIDEO_MARKER if article.video else ""
    title_room = room - utf16_length(marker)
    title = marker + (_fit(article.title, title_room) or _fit(article.web_url, title_room))
    room -= utf16_length(title) + 2  # 2: the blank line before the excerpt
    excerpt = _fit(article.excerpt or "", room)
    if excerpt == "…":  # an excerpt cut down to the ellipsis alone says nothing
        excerpt = ""
    html = _push_html(article.web_url, title, excerpt, footer)
    if voice is None:
        return PushMessage(html, _push_keyboard(article, related, followed_topic_ids, texts))
    return PushMessage(html, _channel_keyboard(article, related, followed_topic_ids, texts, bot_username))


def footer_html(voice: ChannelVoice | None) -> str:
    """A channel's footer as Telegram HTML: its text escaped, the whole line a link when it has one."""
    if voice is None or not voice.footer:
        return ""
    return link(voice.footer_link, voice.footer) if voice.footer_link else escape(voice.footer)


def render_mute_choice(
    article: PushArticle, followed_topic_ids: frozenset[int], texts: Texts
) -> tuple[str, InlineKeyboardMarkup]:
    """Asked after "🔕 Mute…": one button per followed topic of the article."""
    buttons = [
        [
            InlineKeyboardButton(
                texts.push_mute.format(topic=shorten(topic.name, MAX_TOPIC_LABEL)),
                callback_data=Mute(article.id, topic.id).pack(),
            )
        ]
        for topic in _followed(article.topics, followed_topic_ids)
    ]
    return texts.push_mute_question, InlineKeyboardMarkup(buttons)


def render_muted(topic_name: str, topic_id: int, texts: Texts) -> tuple[str, InlineKeyboardMarkup]:
    """The confirmation of a mute, with an "Undo" button that follows the topic again."""
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(texts.push_undo, callback_data=Refollow(topic_id).pack())]]
    )
    return texts.push_muted.format(topic=_topic_name(topic_name)), keyboard


def render_refollowed(topic_name: str, texts: Texts) -> str:
    return texts.push_refollowed.format(topic=_topic_name(topic_name))


def render_digest(items: Sequence[DigestItem], texts: Texts, footer: str = "") -> list[str]:
    """A burst of articles as one message, or as numbered parts when it is longer than a message allows;
    ``footer`` (a channel's, HTML) ends each part."""
    if not items:
        return []
    if len(items) == 1:
        header = texts.digest_header_one
        widest = header
    else:
        header = texts.digest_header.format(n=len(items))
        # No part holds less than one line, so the widest possible part header is "(N/N)".
        widest = texts.digest_header_part.format(n=len(items), part=len(items), parts=len(items))
    budget = MAX_TEXT_UTF16 - visible_length(widest) - 1  # 1: the newline after the header
    budget -= footer_room(footer)
    parts: list[list[str]] = []
    used = 0
    for item in items:
        line = digest_line(item, budget, texts)
        size = visible_length(line)
        if parts and used + 1 + size <= budget:  # 1: the newline before the line
            parts[-1].append(line)
            used += 1 + size
        else:
            parts.append([line])
            used = size
    if len(parts) == 1:
        return [with_footer("\n".join([header, *parts[0]]), footer)]
    return [
        with_footer(
            "\n".join([texts.digest_header_part.format(n=len(items), part=number, parts=len(parts)), *lines]),
            footer,
        )
        for number, lines in enumerate(parts, start=1)
    ]


def footer_room(footer: str) -> int:
    """What a channel's footer takes of a digest part: itself and the blank line above it."""
    return visible_length(footer) + 2 if footer else 0


def with_footer(part: str, footer: str) -> str:
    return f"{part}\n\n{footer}" if footer else part


def link_preview(article: PushArticle, image_previews: bool) -> LinkPreviewOptions:
    """Preview options for a push sent as text: the article's image, large and above the text, or none."""
    if not image_previews:
        return LinkPreviewOptions(is_disabled=True)
    # is_disabled must be explicit: PTB fills unset fields from Defaults, which disable previews for replies.
    return LinkPreviewOptions(
        is_disabled=False,
        url=article.image_url or article.web_url,
        prefer_large_media=True,
        show_above_text=True,
    )


def related_links(article: PushArticle) -> tuple[RelatedSummary, ...]:
    """Up to three related links worth showing: http(s) only, neither the article itself nor repeated."""
    seen = {_same_url(article.web_url)}
    kept: list[RelatedSummary] = []
    for item in article.related:
        url = item.web_url.strip()
        if not url.startswith(("http://", "https://")) or _same_url(url) in seen:
            continue
        seen.add(_same_url(url))
        kept.append(replace(item, web_url=url))
        if len(kept) == MAX_RELATED:
            break
    return tuple(kept)


def hashtag_line(topics: Sequence[TopicRef]) -> str:
    """``#ComputerVision #AI``: each topic name without its non-word characters; "" when there is none."""
    line = ""
    for topic in topics:
        tag = "#" + _NON_WORD.sub("", topic.name)[:MAX_HASHTAG_CHARS]
        if tag == "#" or tag in line.split(" "):
            continue
        longer = f"{line} {tag}" if line else tag
        if utf16_length(longer) > MAX_HASHTAGS_UTF16:
            break
        line = longer
    return escape(line)


def push_date(when: datetime, texts: Texts) -> str:
    """``17 Aug 2020, 08:14 UTC``, whatever the machine's locale."""
    return format_date(when, texts.push_date, texts)


def _push_html(url: str, title: str, excerpt: str, footer: Sequence[str]) -> str:
    blocks = [f"<b>{link(url, title)}</b>", *([escape(excerpt)] if excerpt else []), "\n".join(footer)]
    return "\n\n".join(blocks)


def _source_and_date(article: PushArticle, texts: Texts) -> str:
    source = shorten(article.provider_name or "", MAX_SOURCE_CHARS)
    date = push_date(article.published_at, texts)
    return f"{escape(source)} · {date}" if source else date


def _related_line(item: RelatedSummary) -> str:
    line = f"• {link(item.web_url, shorten(item.title or '', MAX_TITLE_CHARS) or item.web_url)}"
    source = shorten(item.provider_name or "", MAX_SOURCE_CHARS)
    return f"{line} — {escape(source)}" if source else line


def _push_keyboard(
    article: PushArticle,
    related: Sequence[RelatedSummary],
    followed_topic_ids: frozenset[int],
    texts: Texts,
) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(texts.push_watch if article.video else texts.push_read, url=article.web_url)]
    ]
    for item in related:
        rows.append([InlineKeyboardButton(_related_label(item), url=item.web_url)])
    followed = _followed(article.topics, followed_topic_ids)
    if len(followed) == 1:
        label = texts.push_mute.format(topic=shorten(followed[0].name, MAX_TOPIC_LABEL))
        rows.append([InlineKeyboardButton(label, callback_data=Mute(article.id, followed[0].id).pack())])
    elif followed:
        rows.append([InlineKeyboardButton(texts.push_mute_several, callback_data=Mute(article.id, 0).pack())])
    return InlineKeyboardMarkup(rows)


def _channel_keyboard(
    article: PushArticle,
    related: Sequence[RelatedSummary],
    followed_topic_ids: frozenset[int],
    texts: Texts,
    bot_username: str | None,
) -> InlineKeyboardMarkup:
    """A channel push's buttons: URLs only, the last one following the article's topic in the bot."""
    rows = [
        [InlineKeyboardButton(texts.push_watch if article.video else texts.push_read, url=article.web_url)]
    ]
    for item in related:
        rows.append([InlineKeyboardButton(_related_label(item), url=item.web_url)])
    topic = next(iter(_followed(article.topics, followed_topic_ids) or article.topics), None)
    if topic is not None and bot_username:
        label = texts.follow_button.format(topic=shorten(topic.name, MAX_TOPIC_LABEL))
        rows.append([InlineKeyboardButton(label, url=follow_link(bot_username, topic.id, topic.name))])
    return InlineKeyboardMarkup(rows)


def _related_label(item: RelatedSummary) -> str:
    """``TITLE — SOURCE`` in at most 60 characters, the title cut first so the source stays readable."""
    source = shorten(item.provider_name or "", MAX_RELATED_LABEL // 3)
    suffix = f" — {source}" if source else ""
    title = " ".join((item.title or "").split()) or item.web_url
    return shorten(title, MAX_RELATED_LABEL - len(suffix)) + suffix


def digest_line(item: DigestItem, budget: int, texts: Texts) -> str:
    """``• TITLE — SOURCE, DATE``, the title cut so the line's visible length stays within ``budget``."""
    date = format_date(item.published_at, texts.digest_date, texts)
    source = shorten(item.provider_name or "", MAX_SOURCE_CHARS)
    details = f"{escape(source)}, {date}" if source else date
    title = " ".join(item.title.split()) or item.web_url
    skeleton = f"• {link(item.web_url, '')} — {details}"
    return f"• {link(item.web_url, _fit(title, budget - visible_length(skeleton)))} — {details}"


def _followed(topics: Sequence[TopicRef], followed_topic_ids: frozenset[int]) -> list[TopicRef]:
    followed: dict[int, TopicRef] = {}
    for topic in topics:
        if topic.id in followed_topic_ids:
            followed.setdefault(topic.id, topic)
    return list(followed.values())


def _topic_name(name: str) -> str:
    return f"<b>{escape(shorten(name, MAX_TITLE_CHARS))}</b>"


def _fit(text: str, units: int) -> str:
    """``text`` on one line, cut at a word boundary with "…" to at most ``units`` UTF-16 units."""
    if units <= 0:
        return ""
    fitted = shorten(text, units)
    if utf16_length(fitted) <= units:
        return fitted
    # Astral characters count two units: find the longest cut in characters that fits in units.
    low, high, best = 1, units - 1, ""
    while low <= high:
        middle = (low + high) // 2
        candidate = shorten(text, middle)
        if utf16_length(candidate) <= units:
            low, best = middle + 1, candidate
        else:
            high = middle - 1
    return best


def _same_url(url: str) -> str:
    return url.strip().rstrip("/")
