"""Operators' commands, /stats, /reload and /withdraw_confirm: answered for ADMIN_IDS only."""

from __future__ import annotations

from telegram import Update

from bot.chat.commands import Command
from bot.chat.context import NewsContext, texts_of
from bot.chat.handlers.start import unknown_command
from bot.chat.render import escape, stats_text
from bot.chat.replies import reply
from storage.readers.stats import bot_stats


def is_admin(update: Update, context: NewsContext) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.deps.settings.admin_ids


async def stats(update: Update, context: NewsContext) -> None:
    """Chats, subscriptions, articles and deliveries at a glance."""
    if not is_admin(update, context):
        await unknown_command(update, context)
        return
    deps = context.deps
    now = deps.clock()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    async with deps.db.read_bulk() as session:
        figures = await bot_stats(session, midnight)
    await reply(update, stats_text(figures, await texts_of(update, context)))


async def reload(update: Update, context: NewsContext) -> None:
    """Resync the content folder now and report what changed."""
    if not is_admin(update, context):
        await unknown_command(update, context)
        return
    texts = await texts_of(update, context)
    resync = context.deps.resync
    if resync is None:
        await reply(update, texts.reload_busy)
        return
    report = await resync()
    lines = [texts.reload_done.format(summary=escape(report.summary_line()))]
    lines.extend(escape(str(d)) for d in report.diagnostics[:10] if d.is_error)
    if report.hold is not None:
        lines.append(escape(report.hold.line()))
    await reply(update, "\n".join(lines))


async def withdraw_confirm(update: Update, context: NewsContext) -> None:
    """Withdraw the articles a held sync kept live (storage/catalog/withdraw_guard.py), or say none is held."""
    if not is_admin(update, context):
        await unknown_command(update, context)
        return
    texts = await texts_of(update, context)
    confirm = context.deps.confirm_withdraw
    if confirm is None:
        await reply(update, texts.reload_busy)
        return
    report = await confirm()
    if report is None:
        text = texts.withdraw_nothing_held
    elif report.hold is not None:  # a missing or unreadable folder: fix it, no confirmation withdraws
        text = texts.withdraw_still_held.format(line=escape(report.hold.line()))
    else:
        text = texts.withdraw_done.format(withdrawn=report.withdrawn, summary=escape(report.summary_line()))
    await reply(update, text)


def commands() -> list[Command]:
    return [
        Command("stats", "bot statistics (operators)", stats, admin_only=True),
        Command("reload", "resync the content folder (operators)", reload, admin_only=True),
        Command(
            "withdraw_confirm",
            "withdraw what a sync held back: many files gone at once (operators)",
            withdraw_confirm,
            admin_only=True,
        ),
    ]
