"""Deep links: ``https://t.me/<bot>?start=<payload>`` makes whoever opens it follow a topic in one tap.

The payload is ``follow-<topic id>-<readable slug>``. Only the id counts when the link is opened, so a link
keeps working when the topic is renamed; the slug is there for the people who see the link. Telegram allows
at most 64 characters of ``A-Za-z0-9_-`` in a start payload (Bot API, "Deep linking").
"""

from __future__ import annotations

import re

PAYLOAD_LIMIT = 64
FOLLOW_PREFIX = "follow-"
# The button above an inline answer that holds only a notice opens the bot's chat with this payload: a
# plain /start, not a broken follow link.
INLINE_NOTICE_PAYLOAD = "inline"
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
_FOLLOW = re.compile(r"follow-([1-9][0-9]{0,18})(?:-[A-Za-z0-9_-]*)?")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def follow_payload(topic_id: int, name: str = "") -> str:
    """The start payload that follows ``topic_id``; ``name`` only makes it readable."""
    head = f"{FOLLOW_PREFIX}{topic_id}"
    slug = _NOT_SLUG.sub("-", name.lower()).strip("-")
    if not slug:
        return head
    return f"{head}-{slug}"[:PAYLOAD_LIMIT].rstrip("-")


def followed_by(payload: str) -> int | None:
    """The topic id a start payload follows, or None when it is not a follow link (or not a valid payload)."""
    if not _PAYLOAD.fullmatch(payload):
        return None
    match = _FOLLOW.fullmatch(payload)
    return int(match.group(1)) if match else None


def follow_link(bot_username: str, topic_id: int, name: str = "") -> str:
    """The t.me link that opens the bot and follows ``topic_id``."""
    return f"https://t.me/{bot_username}?start={follow_payload(topic_id, name)}"
