"""The rendered-card cache: the same card for the same article, a new one as soon as anything it shows changes."""

from __future__ import annotations

from dataclasses import replace

from bot.push.cards import PushCards
from bot.push.render import render_push
from bot.texts.registry import texts_for
from tests.bot.push.test_render import AI, SEED


def test_the_same_push_is_rendered_once_and_equals_a_fresh_rendering() -> None:
    cards = PushCards()
    first = cards.render(SEED, frozenset({AI.id}), None, as_caption=True)
    assert cards.render(SEED, frozenset({AI.id}), None, as_caption=True) is first
    assert first == render_push(SEED, frozenset({AI.id}), texts_for(None), as_caption=True)
    assert len(cards) == 1


def test_a_corrected_article_renders_anew() -> None:
    cards = PushCards()
    old = cards.render(SEED, frozenset(), None, as_caption=True)
    corrected = replace(SEED, title="De Blasio withdraws the standards")
    new = cards.render(corrected, frozenset(), None, as_caption=True)
    assert "De Blasio withdraws the standards" in new.html
    assert "withdraws" not in old.html
    assert cards.render(SEED, frozenset(), None, as_caption=True) is old  # the old version is still itself


def test_followed_topics_language_and_form_each_make_their_own_card() -> None:
    cards = PushCards()
    caption = cards.render(SEED, frozenset(), None, as_caption=True)
    text = cards.render(SEED, frozenset(), None, as_caption=False)
    german = cards.render(SEED, frozenset(), "de", as_caption=True)
    muting = cards.render(SEED, frozenset({AI.id}), None, as_caption=True)
    assert len({caption.html, text.html, german.html}) == 3  # text messages list the related links
    assert muting.keyboard != caption.keyboard  # the mute button of the followed topic
    assert german == render_push(SEED, frozenset(), texts_for("de"), as_caption=True)
    assert len(cards) == 4


def test_a_full_cache_starts_over() -> None:
    cards = PushCards(size=2)
    for number in range(3):
        cards.render(replace(SEED, id=number), frozenset(), None, as_caption=True)
    assert len(cards) == 1
