"""Callback data: compact, within Telegram's 64 bytes, and anything unknown is None, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chat.callbacks import (
    ConfirmStop,
    Mute,
    Refollow,
    SetPreference,
    ToggleTopic,
    TopicsPage,
    Unfollow,
    matches,
    unpack,
)

ids = st.integers(min_value=0, max_value=2**62)


@given(ids, st.integers(min_value=0, max_value=10_000))
def test_topic_buttons_round_trip(topic_id: int, page: int) -> None:
    for action in (ToggleTopic(topic_id, page), TopicsPage(page), Unfollow(topic_id), Refollow(topic_id)):
        data = action.pack()
        assert len(data.encode()) <= 64
        assert unpack(data) == action


@given(ids, ids)
def test_mute_round_trips(article_id: int, topic_id: int) -> None:
    assert unpack(Mute(article_id, topic_id).pack()) == Mute(article_id, topic_id)


def test_booleans_and_names_round_trip() -> None:
    assert ConfirmStop(True).pack() == "x:1"
    assert unpack("x:0") == ConfirmStop(False)
    assert unpack(SetPreference("min_quality", 70).pack()) == SetPreference("min_quality", 70)


def test_oversized_data_is_refused_when_packing() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        SetPreference("a" * 70, 1).pack()


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "zzz",
        "t",
        "t:1",
        "t:1:2:3",
        "t:a:0",
        "t:1:-",
        "x:2",
        "s:1bad:1",
        "s:__import__('os'):1",
        "é" * 40,
    ],
)
def test_unknown_or_forged_data_is_none(data: str | None) -> None:
    assert unpack(data) is None


@given(st.text(max_size=80))
def test_arbitrary_text_never_raises(data: str) -> None:
    unpack(data)


def test_patterns_match_their_kind_only() -> None:
    toggle = matches(ToggleTopic)
    assert toggle("t:5:0") and not toggle("p:0") and not toggle(None) and not toggle(42)
