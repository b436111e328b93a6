"""Rendered pushes, kept per article, followed topics, language, form and channel voice: a fan-out sends one card thousands
of times, and rendering it for each reader (fitting the text, building the keyboard's objects) was about
7 % of the bot's CPU per push.

The key is the whole ``PushArticle`` value, not its id: a corrected article (a new title, excerpt, topics
or related links) is a different key and renders anew, so a cached card never shows an old version.
"""

from __future__ import annotations

from bot.push.render import PushMessage, render_push
from bot.texts.registry import texts_for
from storage.content.channel_voice import ChannelVoice
from storage.records import PushArticle

CardKey = tuple[PushArticle, frozenset[int], str | None, bool, ChannelVoice | None]


class PushCards:
    """``render_push`` with its answers kept; at most ``size`` cards, all dropped together when full.

    ``bot_username``: the bot the Follow button of a channel's push links to (none without it).
    """

    def __init__(self, size: int = 256, bot_username: str | None = None) -> None:
        self.size = size
        self.bot_username = bot_username
        self._cards: dict[CardKey, PushMessage] = {}

    def render(
        self,
        article: PushArticle,
        followed: frozenset[int],
        language: str | None,
        *,
        as_caption: bool,
        voice: ChannelVoice | None = None,
    ) -> PushMessage:
        """The push of ``article`` in ``language`` for a destination following ``followed``; ``voice``: the
        destination is a channel, and its footer and Follow button are part of the card."""
        key = (article, followed, language, as_caption, voice)
        card = self._cards.get(key)
        if card is None:
            if len(self._cards) >= self.size:
                self._cards.clear()
            card = render_push(
                article,
                followed,
                texts_for(language),
                as_caption=as_caption,
                voice=voice,
                bot_username=self.bot_username,
            )
            self._cards[key] = card
        return card

    def __len__(self) -> int:
        return len(self._cards)
