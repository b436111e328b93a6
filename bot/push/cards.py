"""Rendered pushes, kept per article, followed topics, language and form: a fan-out sends one card thousands
of times, and rendering it for each reader (fitting the text, building the keyboard's objects) was about
7 % of the bot's CPU per push.

The key is the whole ``PushArticle`` value, not its id: a corrected article (a new title, excerpt, topics
or related links) is a different key and renders anew, so a cached card never shows an old version.
"""

from __future__ import annotations

from bot.push.render import PushMessage, render_push
from bot.texts.registry import texts_for
from storage.records import PushArticle

CardKey = tuple[PushArticle, frozenset[int], str | None, bool]


class PushCards:
    """``render_push`` with its answers kept; at most ``size`` cards, all dropped together when full."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._cards: dict[CardKey, PushMessage] = {}

    def render(
        self, article: PushArticle, followed: frozenset[int], language: str | None, *, as_caption: bool
    ) -> PushMessage:
        """The push of ``article`` in ``language`` for a destination following ``followed``."""
        key = (article, followed, language, as_caption)
        card = self._cards.get(key)
        if card is None:
            if len(self._cards) >= self.size:
                self._cards.clear()
            card = render_push(article, followed, texts_for(language), as_caption=as_caption)
            self._cards[key] = card
        return card

    def __len__(self) -> int:
        return len(self._cards)
