"""Sending one push: photo with caption, the first upload's file_id reused, text when the image fails.

A reader's push is a photo card when they want image previews (and a text with no preview when not); a
channel's is in the style channels.yaml gives it: the photo card, a text under a large link preview, or
a text alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import LinkPreviewOptions

from bot.push.cards import PushCards
from bot.push.digests import group_by_topic, render_held_digest
from bot.push.messenger import Failure, Messenger, SendFailure
from bot.push.render import footer_html, link_preview, render_digest
from bot.texts.registry import texts_for
from storage.content.channel_voice import PHOTO, TEXT, ChannelVoice
from storage.db.database import Database
from storage.delivery.ledger import Check
from storage.delivery.push_articles import load_push_article, remember_file_id, remember_image_failure
from storage.records import Destination, DigestItem, PushArticle

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass(frozen=True, slots=True)
class PushSent:
    """A push Telegram accepted: its message id, and whether it became a photo or a text message."""

    message_id: int
    kind: str  # photo | text (Delivery.message_kind: what a correction edits)


class ArticleCache:
    """Push renderings need the article, its topics, related links and image state: loaded once each."""

    def __init__(self, db: Database, size: int = 1_000) -> None:
        self.db = db
        self.size = size
        self._articles: dict[int, PushArticle] = {}

    async def get(self, article_id: int, *, fresh: bool = False) -> PushArticle | None:
        if fresh or article_id not in self._articles:
            async with self.db.read() as session:
                article = await load_push_article(session, article_id)
            if article is None:
                self._articles.pop(article_id, None)
                return None
            if len(self._articles) >= self.size:
                self._articles.clear()
            self._articles[article_id] = article
        return self._articles[article_id]


class PushSender:
    """Turns a checked push into Telegram calls, in the chat's language; raises ``SendFailure`` when
    Telegram refuses."""

    def __init__(self, db: Database, messenger: Messenger, articles: ArticleCache) -> None:
        self.db = db
        self.messenger = messenger
        self.articles = articles
        self.cards = PushCards()

    async def send(self, destination: Destination, article: PushArticle, check: Check) -> PushSent:
        """Send the article; returns the message and its kind."""
        chat, thread = destination
        preferences, voice = check.preferences, check.voice
        style = push_style(check)
        image_url = article.image_url
        if style == PHOTO and image_url:
            photo = article.image_file_id or image_url
            message = self.cards.render(article, check.followed, check.language, as_caption=True, voice=voice)
            try:
                sent = await self.messenger.send_photo(
                    chat, thread, photo, message.html, message.keyboard, silent=preferences.silent
                )
            except SendFailure as failure:
                if failure.kind is not Failure.PHOTO_REFUSED:
                    raise
                await self._image_refused(article, failure)
                article = await self.articles.get(article.id, fresh=True) or article
            else:
                if article.image_file_id is None and sent.photo_file_id:
                    async with self.db.write() as session:
                        await remember_file_id(session, article.id, image_url, sent.photo_file_id)
                    await self.articles.get(article.id, fresh=True)
                return PushSent(sent.message_id, "photo")
        message = self.cards.render(article, check.followed, check.language, as_caption=False, voice=voice)
        sent = await self.messenger.send_text(
            chat,
            thread,
            message.html,
            message.keyboard,
            silent=preferences.silent,
            preview=link_preview(article, style != TEXT),
        )
        return PushSent(sent.message_id, "text")

    async def _image_refused(self, article: PushArticle, failure: SendFailure) -> None:
        assert article.image_url is not None
        log.warning("image of article %d refused by Telegram (%s): sending text instead", article.id, failure)
        async with self.db.write() as session:
            await remember_image_failure(session, article.id, article.image_url, failure.description)

    def digest_parts(
        self,
        items: list[DigestItem],
        language: str | None,
        headings: dict[int, str] | None = None,
        voice: ChannelVoice | None = None,
    ) -> list[str]:
        """A burst's flat digest; with ``headings`` (held rows), the articles listed per topic; a channel's
        (``voice``) ends with its footer."""
        footer = footer_html(voice)
        if headings is not None:
            return render_held_digest(group_by_topic(items, headings), texts_for(language), footer)
        return render_digest(items, texts_for(language), footer)

    async def send_digest_part(self, destination: Destination, text: str, *, silent: bool) -> int:
        chat, thread = destination
        sent = await self.messenger.send_text(chat, thread, text, None, silent=silent, preview=NO_PREVIEW)
        return sent.message_id


def push_style(check: Check) -> str:
    """How the push looks: a channel's style, else the photo card or (no image previews) text alone."""
    if check.voice is not None:
        return check.voice.style
    return PHOTO if check.preferences.image_previews else TEXT
