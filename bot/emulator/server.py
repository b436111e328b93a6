"""The emulator itself: an aiohttp server for the bot, and a Python control API for tests and people."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
from aiohttp import web

from bot.emulator import control
from bot.emulator.delivery import WebhookSender
from bot.emulator.dispatch import Dispatcher
from bot.emulator.faults import Faults
from bot.emulator.inline import (
    ChosenResult,
    InjectedInlineQuery,
    ReaderQuery,
    choose_result,
    reader_inline_query,
)
from bot.emulator.limits import EmulatorLimits
from bot.emulator.readers import (
    InjectedCallback,
    InjectedMessage,
    bot_membership,
    ensure_chat,
    ensure_user,
    reader_message,
    reader_tap,
)
from bot.emulator.spec import ApiSpec
from bot.emulator.state import (
    CallbackRecord,
    CallRecord,
    ChatInfo,
    EmulatorState,
    InlineQueryRecord,
    SentMessage,
    Violation,
)

WEBHOOK_TIMEOUT = aiohttp.ClientTimeout(total=10)


class BotApiEmulator:
    """A Telegram Bot API server for one bot, strict about the rules and open to inspection.

    Point PTB at it with ``base_url=emulator.api_url`` (``<root>/bot``); drive readers and read what
    the bot sent through the methods below or the ``/_emulator/`` HTTP endpoints.
    """

    def __init__(
        self,
        limits: EmulatorLimits | None = None,
        bot_username: str = "newsbot_test_bot",
        clock: Callable[[], float] = time.monotonic,
        *,
        bot_id: int | None = None,
        spec: ApiSpec | None = None,
    ) -> None:
        self.spec = spec or ApiSpec.load()
        self.state = EmulatorState(self.spec, limits or EmulatorLimits(), bot_username, clock, bot_id)
        self._dispatcher = Dispatcher(self.state)
        self._runner: web.AppRunner | None = None
        self._root: str | None = None
        self.webhook_deliveries: list[dict[str, Any]] = []

    # -- server -------------------------------------------------------------------------------

    def web_app(self) -> web.Application:
        """The aiohttp application: ``/bot{token}/{method}`` and the ``/_emulator/`` control API."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatcher.handle)
        control.add_routes(app, self)
        app.router.add_route("*", "/{tail:.*}", _not_found)
        app.cleanup_ctx.append(self._webhook_sender)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (0 picks a free port); returns the root URL ``http://host:port``."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        runner = web.AppRunner(self.web_app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self._runner = runner
        bound_host, bound_port = runner.addresses[0][:2]
        self._root = f"http://{bound_host}:{bound_port}"
        return self._root

    async def stop(self) -> None:
        """Stop serving; pending long polls are dropped."""
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner, self._root = None, None

    @property
    def root_url(self) -> str:
        """``http://host:port`` of the running server."""
        if self._root is None:
            raise RuntimeError("the emulator is not running; await start() first")
        return self._root

    @property
    def api_url(self) -> str:
        """The ``base_url`` for PTB: ``<root>/bot`` (PTB appends ``<token>/<method>``)."""
        return self.root_url + "/bot"

    async def _webhook_sender(self, app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(timeout=WEBHOOK_TIMEOUT) as session:
            sender = WebhookSender(self.state, session)
            sender.deliveries = self.webhook_deliveries
            task = asyncio.create_task(sender.run())
            yield
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- configuration ------------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """Injected trouble; change it at any time (``emulator.faults.block_chat(42)`` …)."""
        return self.state.faults

    @property
    def limits(self) -> EmulatorLimits:
        """The flood limits in force."""
        return self.state.limits

    def set_limits(self, limits: EmulatorLimits | None = None, **changes: Any) -> EmulatorLimits:
        """Replace the limits, or change some fields (``set_limits(enabled=False)``); history is kept."""
        new = dataclasses.replace(limits or self.state.limits, **changes)
        self.state.limiter.limits = new
        return new

    @property
    def privacy_mode(self) -> bool:
        """Whether the bot, in groups, gets only commands, replies and mentions (Telegram's default)."""
        return self.state.privacy_mode

    @privacy_mode.setter
    def privacy_mode(self, enabled: bool) -> None:
        self.state.privacy_mode = enabled

    def add_chat(
        self,
        chat_id: int,
        chat_type: str = "private",
        *,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        is_forum: bool = False,
        threads: list[int] | None = None,
        bot_status: str | None = None,
    ) -> ChatInfo:
        """Make a chat known, as if the reader had started the bot or the bot had joined the group."""
        user = (
            ensure_user(self.state, chat_id, first_name=first_name, username=username)
            if chat_id > 0
            else None
        )
        chat = ensure_chat(self.state, chat_id, chat_type, title=title, username=username, user=user)
        chat.is_forum = chat.is_forum or is_forum
        chat.threads.update(threads or ())
        if bot_status is not None:
            chat.bot_status, chat.rights_refused = bot_status, False
        return chat

    def set_admins(self, chat_id: int, admin_ids: list[int], *, creator_id: int | None = None) -> None:
        """The group's creator and administrators, for getChatMember and getChatAdministrators."""
        chat = self.state.chats.get(chat_id)
        if chat is None or chat.private:
            raise ValueError(f"no group or channel {chat_id}; add_chat() it first")
        chat.admins = {user_id: "administrator" for user_id in admin_ids}
        if creator_id is not None:
            chat.admins[creator_id] = "creator"
        for user_id in chat.admins:
            ensure_user(self.state, user_id)

    def migrate_chat(self, chat_id: int, new_chat_id: int) -> None:
        """Upgrade a group to a supergroup: writes to the old id answer with ``migrate_to_chat_id``."""
        old = self.state.chats.get(chat_id)
        self.state.faults.migrate_chat(chat_id, new_chat_id)
        self.add_chat(new_chat_id, "supergroup", title=old.title if old else None)

    # -- readers ------------------------------------------------------------------------------

    async def inject_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        message_thread_id: int | None = None,
        is_topic_message: bool = False,
        language_code: str | None = "en",
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        sender_chat_id: int | None = None,
        reply_to_message_id: int | None = None,
        chat_title: str | None = None,
    ) -> InjectedMessage:
        """A reader writes ``text`` (``user_id`` defaults to ``chat_id`` in private chats).

        ``sender_chat_id`` equal to ``chat_id`` makes it an anonymous admin's message; the result's
        ``delivered`` is false when privacy mode or ``allowed_updates`` keep it from the bot.
        """
        injected = reader_message(
            self.state,
            chat_id,
            text,
            user_id=user_id,
            chat_type=chat_type,
            message_thread_id=message_thread_id,
            is_topic_message=is_topic_message,
            language_code=language_code,
            first_name=first_name,
            last_name=last_name,
            username=username,
            sender_chat_id=sender_chat_id,
            reply_to_message_id=reply_to_message_id,
            chat_title=chat_title,
        )
        await self.state.notify()
        return injected

    async def inject_callback(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None, force: bool = False
    ) -> InjectedCallback:
        """A reader taps the button with ``data`` under the bot's message."""
        injected = reader_tap(self.state, chat_id, message_id, data, user_id=user_id, force=force)
        await self.state.notify()
        return injected

    async def inject_member(
        self,
        chat_id: int,
        status: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        chat_title: str | None = None,
    ) -> dict[str, Any] | None:
        """The bot's membership changes: "kicked" (blocked), "member", "administrator", "left"."""
        update = bot_membership(
            self.state, chat_id, status, user_id=user_id, chat_type=chat_type, chat_title=chat_title
        )
        await self.state.notify()
        return update

    async def inject_inline_query(self, user_id: int, query: str = "", **details: Any) -> InjectedInlineQuery:
        """A reader types ``@bot query``; ``details`` are the other fields of :class:`ReaderQuery`:
        ``offset`` (the ``next_offset`` of the answer before, to page), ``chat_type`` ("sender" by
        default), ``language_code`` ("en"), ``first_name``, ``username``."""
        typed = ReaderQuery.from_fields({"user_id": user_id, "query": query, **details})
        injected = reader_inline_query(self.state, typed)
        await self.state.notify()
        return injected

    async def choose_inline_result(
        self, inline_query_id: str, result_id: str, *, chat_id: int | None = None
    ) -> ChosenResult:
        """The reader picks a result: posted in ``chat_id`` (default: their chat with the bot) via the bot."""
        chosen = choose_result(self.state, inline_query_id, result_id, chat_id=chat_id)
        await self.state.notify()
        return chosen

    @property
    def inline_feedback(self) -> bool:
        """BotFather's /setinlinefeedback: whether picked results reach the bot as chosen_inline_result."""
        return self.state.inline_feedback

    @inline_feedback.setter
    def inline_feedback(self, enabled: bool) -> None:
        self.state.inline_feedback = enabled

    # -- observation --------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None, since: int = 0) -> list[SentMessage]:
        """The bot's messages (current state, deleted ones flagged) from index ``since`` on."""
        return list(self.state.messages_in(chat_id, since))

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """One of the bot's messages, deleted or not."""
        return next((m for m in self.state.sent if (m.chat_id, m.message_id) == (chat_id, message_id)), None)

    def callback_answers(self) -> list[CallbackRecord]:
        """Every delivered tap with the bot's answer (``answered`` false if it never came)."""
        return list(self.state.callbacks.values())

    def inline_queries(self) -> list[InlineQueryRecord]:
        """Every delivered inline query with the bot's answer (``answered`` false if it never came)."""
        return list(self.state.inline_queries.values())

    def inline_answer(self, inline_query_id: str) -> InlineQueryRecord | None:
        """One inline query, once the bot has answered it (None before)."""
        record = self.state.inline_queries.get(inline_query_id)
        return record if record is not None and record.answered else None

    def calls(self, method: str | None = None) -> list[CallRecord]:
        """The call log, optionally for one method."""
        return [call for call in self.state.calls if method is None or call.method == method]

    @property
    def violations(self) -> list[Violation]:
        """Every recorded violation; a well-behaved bot leaves this empty."""
        return list(self.state.violations)

    def stats(self) -> dict[str, Any]:
        """Counters: calls by method and status, photo fetches, peak sends per second, …"""
        return self.state.stats()

    async def wait_for(
        self,
        predicate: Callable[[], Any] | None = None,
        *,
        chat_id: int | None = None,
        count: int = 1,
        since: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 - tests read better with the limit in the call
    ) -> Any:
        """Wait until ``predicate()`` is truthy and return its value; without a predicate, wait until
        ``count`` messages were sent (to ``chat_id``, from index ``since``) and return them."""

        def enough_sent() -> list[SentMessage] | None:
            messages = self.sent(chat_id, since)
            return messages if len(messages) >= count else None

        condition = predicate or enough_sent
        found: list[Any] = []

        def check() -> bool:
            value = condition()
            if value:
                found.append(value)
            return bool(value)

        try:
            async with asyncio.timeout(timeout), self.state.changed:
                await self.state.changed.wait_for(check)
        except TimeoutError as error:
            recent = [f"{m.chat_id}:{m.method}:{m.body[:40]!r}" for m in self.state.sent[-5:]]
            raise TimeoutError(
                f"condition not met within {timeout}s; last sent {recent}; violations {self.violations[-3:]}"
            ) from error
        return found[-1]

    def reset(self) -> None:
        """Back to a fresh emulator: no chats, messages, updates, calls, violations or faults, the
        limits given to the constructor, privacy mode on, inline feedback off."""
        self.state.clear()
        self.webhook_deliveries.clear()


async def serve_forever(host: str, port: int, limits: EmulatorLimits) -> None:
    """Run an emulator for people (``newsbot emulator --port N``) until cancelled."""
    emulator = BotApiEmulator(limits)
    root = await emulator.start(host, port)
    print(f"Telegram Bot API emulator listening on {root}", flush=True)
    print(f"  bot base_url: {emulator.api_url}   control API: {root}/_emulator/", flush=True)
    print(f"  run the bot with TELEGRAM_API_URL={root}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.stop()


async def _not_found(request: web.Request) -> web.Response:
    return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
