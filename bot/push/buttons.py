"""The buttons under a push: 🔕 mute the article's topic, and Undo."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.chat.callbacks import Mute, Refollow, matches
from bot.chat.context import NewsContext, texts_of, topic_directory
from bot.chat.destinations import tap_of
from bot.chat.replies import reply
from bot.push.render import render_mute_choice, render_muted, render_refollowed
from storage.delivery.push_articles import load_push_article
from storage.readers.subscriptions import followed_topic_ids, subscribe, unsubscribe


async def on_mute(update: Update, context: NewsContext) -> None:
    """Unfollow the pushed article's topic (asking which when several are followed), offering Undo."""
    tap = tap_of(update, Mute)
    if tap is None:
        return
    query, action, texts = tap.query, tap.action, await texts_of(update, context)
    deps = context.deps
    thread = tap.thread_id
    async with deps.db.read() as session:
        article = await load_push_article(session, action.article_id)
        followed = frozenset(await followed_topic_ids(session, tap.chat_id, thread))
    if article is None:
        await query.answer(texts.toast_stale)
        return
    mine = [topic for topic in article.topics if topic.id in followed]
    if action.topic_id == 0 and len(mine) > 1:
        await query.answer()
        text, markup = render_mute_choice(article, followed, texts)
        await reply(update, text, markup)
        return
    target = next((t for t in mine if t.id == action.topic_id or action.topic_id == 0), None)
    if target is None:
        await query.answer(texts.toast_stale)
        return
    async with deps.db.write() as session:
        await unsubscribe(session, tap.chat_id, [target.id], thread_id=thread)
    await query.answer(texts.push_muted.format(topic=target.name))
    text, markup = render_muted(target.name, target.id, texts)
    await reply(update, text, markup)


async def on_refollow(update: Update, context: NewsContext) -> None:
    """Undo a mute: follow the topic again."""
    tap = tap_of(update, Refollow)
    if tap is None:
        return
    query, action, texts = tap.query, tap.action, await texts_of(update, context)
    deps = context.deps
    thread = tap.thread_id
    async with deps.db.read() as session:
        topic = (await topic_directory(context, session)).get(action.topic_id)
    if topic is None:
        await query.answer(texts.toast_topic_gone)
        return
    async with deps.db.write() as session:
        await subscribe(session, tap.chat_id, [topic.id], deps.clock(), thread_id=thread)
    await query.answer(texts.push_refollowed.format(topic=topic.name))  # a toast is plain text
    if query.message is not None:
        await query.edit_message_text(render_refollowed(topic.name, texts))


def button_handlers() -> list[BaseHandler[Update, NewsContext, None]]:
    return [
        CallbackQueryHandler(on_mute, pattern=matches(Mute)),
        CallbackQueryHandler(on_refollow, pattern=matches(Refollow)),
    ]
