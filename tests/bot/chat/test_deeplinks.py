"""Deep-link payloads: within Telegram's 64 characters of A-Za-z0-9_-, and only the topic id counts."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.chat.deeplinks import follow_link, follow_payload, followed_by

_ALLOWED = re.compile(r"[A-Za-z0-9_-]{1,64}")


@given(st.integers(min_value=1, max_value=2**62), st.text())
def test_a_payload_is_valid_and_names_its_topic(topic_id: int, name: str) -> None:
    payload = follow_payload(topic_id, name)
    assert _ALLOWED.fullmatch(payload)
    assert followed_by(payload) == topic_id


def test_the_slug_is_readable_and_the_id_alone_counts() -> None:
    assert follow_payload(12, "AI Agents & Tools") == "follow-12-ai-agents-tools"
    assert follow_payload(12, "ÄÖÜ") == "follow-12"
    assert followed_by("follow-12-renamed-long-ago") == 12
    assert follow_link("news_bot", 7, "Climate") == "https://t.me/news_bot?start=follow-7-climate"


def test_anything_else_is_not_a_follow_link() -> None:
    for payload in (
        "",
        "follow-",
        "follow-0",
        "follow-x",
        "hello",
        "follow-12 x",
        "f" * 65,
        "follow-1" + "0" * 19,
    ):
        assert followed_by(payload) is None
