"""Application wiring: the PTB ``Application`` and its handlers in one documented order.

Handler groups, in the order PTB consults them:
  -5  metrics: every update is counted;
  -4  addressing: commands for another bot, and in groups anything but our commands, go no further;
  -3  access: in a private deployment (ALLOWED_CHATS, ALLOWED_USERNAMES) outsiders get one refusal a day and
      go no further, before anything counts, answers or stores them (bot/chat/handlers/access.py);
  -2  flood control: a chat over its command budget is answered once, then ignored (ApplicationHandlerStop);
  -1  group admins: in groups, only administrators change topics and settings (bot/chat/handlers/groups.py);
   0  commands (from each module's ``commands()``), buttons (``button_handlers()``), inline queries
      (bot/chat/handlers/inline.py), membership changes, then the fallbacks for unknown commands and
      plain text.
"""

from __future__ import annotations

import logging

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    TypeHandler,
)
from telegram.request import BaseRequest

from bot.chat.commands import Command
from bot.chat.context import BotData, BotDeps, ChatOrderedProcessor, NewsContext, chosen_texts, texts_of
from bot.chat.flood import Verdict
from bot.chat.handlers import (
    access,
    account,
    admin,
    filters,
    groups,
    inline,
    news,
    preferences,
    schedule,
    sharing,
    start,
    topics,
)
from bot.chat.replies import reply
from bot.push import buttons as push_buttons
from bot.telegram.pacing import PacingRateLimiter
from bot.telegram.transport import AiohttpRequest
from storage.db.outages import is_outage

log = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 64
REPLY_RETRIES = 3
ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER, Update.INLINE_QUERY)


def all_commands() -> list[Command]:
    """Every command, in the order of /help and Telegram's menu."""
    listed = [
        start_command(),
        *topics.commands(),
        *sharing.commands(),
        *news.commands(),
        *preferences.commands(),
        *filters.commands(),
        *schedule.commands(),
        *account.commands(),
    ]
    return [*listed, start.help_command(listed), *admin.commands()]


def start_command() -> Command:
    return Command("start", "welcome and topic picker", start.start, for_everyone=True)


async def flood_guard(update: Update, context: NewsContext) -> None:
    """Commands over the per-chat budget get one "slow down", then silence until the minute passes."""
    message = update.effective_message
    if update.message is None or message is None or not (message.text or "").startswith("/"):
        return
    verdict = context.deps.flood.check(message.chat_id)
    if verdict is Verdict.ALLOW:
        return
    if verdict is Verdict.WARN:
        await reply(update, (await texts_of(update, context)).slow_down)
    raise ApplicationHandlerStop


async def stale_button(update: Update, context: NewsContext) -> None:
    """Buttons nobody handles (an old keyboard, forged data): a polite toast, never an error."""
    query = update.callback_query
    if query is not None:
        await query.answer((await texts_of(update, context)).toast_stale)


async def log_error(update: object, context: NewsContext) -> None:
    error = context.error
    if error is not None and is_outage(error):
        await answer_unavailable(update, context, error)
        return
    if isinstance(error, BadRequest) and "query is too old" in error.message.lower():
        # Telegram waits 15 s for a tap's answer: later, the spinner is gone and nothing is lost but
        # the toast. A sign of overload, not a bug: one line, no traceback.
        log.warning("a button tap was answered after Telegram stopped waiting for it (over 15 s)")
        return
    log.error("update handling failed", exc_info=error)


async def answer_unavailable(update: object, context: NewsContext, error: BaseException) -> None:
    """The database failed a reader's command, tap or inline query: "temporarily unavailable", in the
    chat's language as last known, instead of silence. The reader repeats it; nothing else of the update
    is kept."""
    outages = context.deps.outages
    if outages is not None:
        outages.failed(error, "answering a reader")
    else:
        log.warning("database unavailable while answering a reader: %s", error)
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    texts = context.texts or chosen_texts(
        update, None if chat is None else context.deps.languages.known(chat.id)
    )
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(texts.unavailable, show_alert=True)
        elif update.message is not None:
            await reply(update, texts.unavailable)
        elif update.inline_query is not None:
            await inline.answer_unavailable(update, context)
    except TelegramError as failure:
        log.warning("the unavailable notice was not delivered: %s", failure)


def build_application(
    deps: BotDeps, token: str, *, webhook: bool = False, updates_request: BaseRequest | None = None
) -> Application:  # type: ignore[type-arg]
    """The bot, talking to ``TELEGRAM_API_URL``; nothing is sent until it is started.

    With ``webhook``, PTB's updater is left out: the web server puts updates on the update queue.
    ``updates_request`` is the transport for getUpdates alone (by default one aiohttp connection).
    """
    api = deps.settings.telegram_api_url
    builder = Application.builder()
    if webhook:
        builder = builder.updater(None)
    application = (
        builder.token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(
            Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
        )
        .context_types(ContextTypes(context=NewsContext, bot_data=BotData))
        .rate_limiter(
            PacingRateLimiter(
                deps.pacer, max_retries=REPLY_RETRIES, on_rate_limited=deps.metrics.count_rate_limited
            )
        )
        .concurrent_updates(ChatOrderedProcessor(MAX_CONCURRENT_UPDATES))
        .request(
            AiohttpRequest(
                MAX_CONCURRENT_UPDATES + deps.settings.push_concurrency,
                read_timeout=deps.settings.telegram_timeout,
            )
        )
        .get_updates_request(updates_request or AiohttpRequest(1))
        .build()
    )
    application.bot_data.attach(deps)
    commands = all_commands()
    application.add_handler(deps.metrics.update_handler(), group=-5)
    application.add_handler(groups.addressing_guard(commands), group=-4)
    application.add_handler(access.access_guard(), group=-3)
    application.add_handler(TypeHandler(Update, flood_guard), group=-2)
    application.add_handler(groups.admin_guard(commands), group=-1)
    for command in commands:
        application.add_handler(
            CommandHandler(command.name, deps.metrics.timed(command.name, command.callback))
        )
    for module in (topics, preferences, filters, schedule, account, push_buttons):
        application.add_handlers(module.button_handlers())
    application.add_handler(CallbackQueryHandler(stale_button))
    application.add_handlers(inline.handlers())
    application.add_handlers(start.membership_handlers())
    application.add_handlers(start.fallback_handlers())
    application.add_error_handler(log_error)
    return application
