"""/filter: keyword filters per destination, listed with one-tap removal (also reachable from /settings)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.chat.callbacks import RemoveFilter, matches
from bot.chat.commands import Command
from bot.chat.context import NewsContext, register_sender, texts_of
from bot.chat.destinations import destination_of, tap_of
from bot.chat.handlers.topics import command_argument
from bot.chat.menus import filter_key, filters_view
from bot.chat.render import escape
from bot.chat.replies import edit_in_place, reply
from bot.texts.en import Texts
from storage.readers.filters import Added, add_filter, list_filters, remove_filter
from storage.readers.keywords import KINDS, MAX_TERM_CHARS, MAX_TERMS, TermError, TermProblem, normalize_term


async def filter_command(update: Update, context: NewsContext) -> None:
    """/filter lists the filters; /filter include|exclude <word or phrase> adds one."""
    destination, texts = destination_of(update), await texts_of(update, context)
    if destination is None:
        return
    deps = context.deps
    argument = command_argument(update)
    if not argument:
        async with deps.db.read() as session:
            keywords = await list_filters(session, destination)
        await reply(update, *filters_view(keywords, texts))
        return
    kind, *rest = argument.split(maxsplit=1)
    kind = kind.casefold()
    if kind not in KINDS:
        await reply(update, texts.filter_usage)
        return
    try:
        term = normalize_term(" ".join(rest))
    except TermError as error:
        await reply(update, problem_text(error.problem, texts))
        return
    async with deps.db.write() as session:
        await register_sender(session, update, deps.clock())
        added = await add_filter(session, destination, kind, term, deps.clock())
        keywords = await list_filters(session, destination)
    text, markup = filters_view(keywords, texts)
    await reply(update, f"{outcome_text(added, kind, term, texts)}\n\n{text}", markup)


def problem_text(problem: TermProblem, texts: Texts) -> str:
    if problem is TermProblem.TOO_LONG:
        return texts.filter_too_long.format(n=MAX_TERM_CHARS)
    if problem is TermProblem.NO_WORD:
        return texts.filter_no_word
    return texts.filter_usage


def outcome_text(added: Added, kind: str, term: str, texts: Texts) -> str:
    if added is Added.FULL:
        return texts.filter_full.format(n=MAX_TERMS)
    if added is Added.ALREADY:
        return texts.filter_already.format(term=escape(term))
    template = texts.filter_added_include if kind == "include" else texts.filter_added_exclude
    return template.format(term=escape(term))


async def on_remove(update: Update, context: NewsContext) -> None:
    """✖ on a filter: remove it, say so, and redraw the list."""
    tap = tap_of(update, RemoveFilter)
    if tap is None:
        return
    query, action, texts = tap.query, tap.action, await texts_of(update, context)
    destination = (tap.chat_id, tap.thread_id)
    deps = context.deps
    async with deps.db.write() as session:
        keywords = await list_filters(session, destination)
        found = [
            (kind, term)
            for kind, terms in (("include", keywords.include), ("exclude", keywords.exclude))
            for term in terms
            if filter_key(kind, term) == action.key
        ]
        removed = found and await remove_filter(session, destination, *found[0])
        if removed:
            keywords = await list_filters(session, destination)
    # Callback queries must be answered, or the button spins.
    await query.answer(
        texts.toast_filter_removed.format(term=found[0][1]) if removed else texts.toast_filter_gone
    )
    await edit_in_place(query, *filters_view(keywords, texts))


def commands() -> list[Command]:
    return [Command("filter", "keyword filters: /filter exclude crypto", filter_command)]


def button_handlers() -> list[BaseHandler[Update, NewsContext, None]]:
    return [CallbackQueryHandler(on_remove, pattern=matches(RemoveFilter))]
