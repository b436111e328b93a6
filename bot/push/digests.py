"""Pure rendering of held digests (a daily digest, or what quiet hours held): articles listed per topic.

Lines are those of burst digests (``bot.push.render.digest_line``); the limits are Telegram's, counted
in UTF-16 units of the text left after parsing the HTML. A long digest is split into numbered parts, a
topic carried over into the next part is named again there, and no part ends with a topic's name alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.chat.render import MAX_TEXT_UTF16, MAX_TITLE_CHARS, escape, shorten, visible_length
from bot.push.render import digest_line, footer_room, with_footer
from bot.texts.en import Texts
from storage.records import DigestItem

Section = tuple[str, Sequence[DigestItem]]  # (topic name, "" for none; its articles)


def group_by_topic(items: Sequence[DigestItem], headings: Mapping[int, str]) -> list[Section]:
    """Items under their heading (``headings``: article id → topic name), topics in name order, items in
    the order given; articles without a heading come first, right under the digest's header."""
    grouped: dict[str, list[DigestItem]] = {}
    for item in items:
        grouped.setdefault(headings.get(item.article_id, ""), []).append(item)
    return [(name, grouped[name]) for name in sorted(grouped, key=lambda name: (name != "", name.casefold()))]


def render_held_digest(sections: Sequence[Section], texts: Texts, footer: str = "") -> list[str]:
    """One message for all sections, or numbered parts when longer than a message allows; ``footer`` (a
    channel's, HTML) ends each part."""
    count = sum(len(items) for _, items in sections)
    if not count:
        return []
    header = texts.held_digest_header_one if count == 1 else texts.held_digest_header.format(n=count)
    # Every part holds at least one article, so "(N/N)" with N articles is the widest part header.
    widest = texts.held_digest_header_part.format(n=count, part=count, parts=count) if count > 1 else header
    budget = MAX_TEXT_UTF16 - visible_length(widest) - footer_room(footer)
    parts: list[list[str]] = []
    used = budget  # no part yet: the first line opens one
    for name, items in sections:
        heading = (
            ["", texts.held_digest_topic.format(topic=escape(shorten(name, MAX_TITLE_CHARS)))] if name else []
        )
        heading_size = sum(1 + visible_length(line) for line in heading)  # 1: the newline before each line
        for index, item in enumerate(items):
            # Cut so that a heading and this line fit in an empty part.
            line = digest_line(item, budget - heading_size - 1, texts)
            size = 1 + visible_length(line)
            named = index == 0
            if used + size + (heading_size if named else 0) > budget:
                parts.append([])
                used, named = 0, True
            if named:
                parts[-1].extend(heading)
                used += heading_size
            parts[-1].append(line)
            used += size
    if len(parts) == 1:
        return [with_footer("\n".join([header, *parts[0]]), footer)]
    return [
        with_footer(
            "\n".join([texts.held_digest_header_part.format(n=count, part=number, parts=len(parts)), *lines]),
            footer,
        )
        for number, lines in enumerate(parts, start=1)
    ]
