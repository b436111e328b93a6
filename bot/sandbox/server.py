"""``newsbot sandbox``: the Bot API emulator, the real bot and a chat page in one process.

The bot is the same ``BotRuntime`` that ``newsbot run`` starts, pointed at the emulator. The page talks to
this server's JSON API and follows changes over server-sent events; it has no build step (plain files in
``bot/sandbox/static``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.emulator import BotApiEmulator, EmulatorLimits, SentMessage
from bot.ops.config import Settings
from bot.runtime import BotRuntime
from bot.sandbox.drops import ContentDrops
from bot.sandbox.inline import INLINE_WAIT_SECONDS, InlineDesk, bad_input, json_object
from bot.sandbox.readers import READERS, Reader, ReaderLog
from bot.web import start_web, stop_web

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "123456:SANDBOX-local-only-aaaaaaaaaaaaaaaaaaaaaaa"
TAP_WAIT_SECONDS = 5.0


def message_json(message: SentMessage, photos: dict[str, str]) -> dict[str, Any]:
    """A bot message as the page draws it; a photo sent by file_id is shown from its original URL."""
    photo_url = None
    if message.photo_source:
        kind, _, value = message.photo_source.partition(":")
        if kind == "url":
            photo_url = value
            for size in message.photo or []:
                photos[size["file_id"]] = value
        else:
            photo_url = photos.get(value)
    return {
        "from": "bot",
        "message_id": message.message_id,
        "time": message.time,
        "date": message.date,
        "text": message.text,
        "entities": message.entities,
        "caption": message.caption,
        "caption_entities": message.caption_entities,
        "photo": message.photo is not None,
        "photo_url": photo_url,
        "reply_markup": message.reply_markup,
        "link_preview": message.link_preview_options,
        "silent": message.disable_notification,
        "edited": message.edit_date is not None,
        "deleted": message.deleted,
    }


class Sandbox:
    """Owns the emulator, the bot and the page server; ``start()`` then ``stop()``."""

    def __init__(
        self,
        settings: Settings,
        *,
        samples: Path,
        workdir: Path,
        port: int,
        host: str = "127.0.0.1",
        inline_wait: float = INLINE_WAIT_SECONDS,
    ) -> None:
        self.base_settings = settings
        self.samples = samples
        self.workdir = workdir
        self.host = host
        self.port = port
        self.emulator = BotApiEmulator(EmulatorLimits(), bot_username="newsbot_sandbox_bot")
        self.readers = ReaderLog()
        self.inline = InlineDesk(self.emulator, self.readers, inline_wait)
        self.runtime: BotRuntime | None = None
        self.drops: ContentDrops | None = None
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()

    @property
    def url(self) -> str:
        assert self._runner is not None
        for site in self._runner.sites:
            server = getattr(site, "_server", None)
            if server is not None and server.sockets:
                return f"http://{self.host}:{server.sockets[0].getsockname()[1]}"
        raise RuntimeError("the sandbox page server is not listening")

    async def start(self) -> None:
        content = self.workdir / "sandbox-content"
        if not content.exists():
            # The sandbox's own copy of the content: dropping files into it never touches the real folder.
            shutil.copytree(self.samples, content, ignore=shutil.ignore_patterns(".*"))
        api = await self.emulator.start()
        for reader in READERS:
            self.emulator.add_chat(reader.chat_id, first_name=reader.name.split()[0])
        settings = replace(
            self.base_settings,
            telegram_bot_token=SANDBOX_TOKEN,
            telegram_api_url=api,
            database_url=f"sqlite:///{self.workdir / 'sandbox.db'}",
            content_dir=content,
            admin_ids=frozenset({READERS[0].chat_id}),
            host="127.0.0.1",
            port=0,
            webhook_url=None,
            watch_debounce_ms=200,
            push_poll_seconds=0.2,
        )
        self.runtime = BotRuntime(settings, mode="polling")
        await self.runtime.start()
        self.drops = ContentDrops(self.samples, content)
        self._runner = await start_web(self.web_app(), self.host, self.port)
        log.info("sandbox ready: %s", self.url)

    async def stop(self) -> None:
        # Open event streams wait on the emulator's condition: wake them so they end now.
        self._closing.set()
        await self.emulator.state.notify()
        if self._runner is not None:
            await stop_web(self._runner)
        if self.runtime is not None:
            await self.runtime.stop(grace=5.0)
        await self.emulator.stop()

    def web_app(self) -> web.Application:
        app = web.Application()
        static = resources.files("bot.sandbox") / "static"
        app.router.add_get("/", self.index)
        app.router.add_static("/static", Path(str(static)))
        app.router.add_get("/api/state", self.state)
        app.router.add_get("/api/chats/{chat_id}/messages", self.messages)
        app.router.add_post("/api/chats/{chat_id}/messages", self.send)
        app.router.add_post("/api/chats/{chat_id}/tap", self.tap)
        app.router.add_post("/api/chats/{chat_id}/inline", self.inline_query)
        app.router.add_post("/api/chats/{chat_id}/inline/choose", self.choose_inline)
        app.router.add_post("/api/content/samples/{name:.+}", self.drop_sample)
        app.router.add_post("/api/content", self.paste_article)
        app.router.add_get("/api/events", self.events)
        return app

    async def index(self, _request: web.Request) -> web.StreamResponse:
        page = resources.files("bot.sandbox") / "static" / "index.html"
        return web.Response(text=page.read_text(encoding="utf-8"), content_type="text/html")

    async def state(self, _request: web.Request) -> web.Response:
        assert self.drops is not None
        return web.json_response(
            {
                "bot": {"username": self.emulator.state.bot_user()["username"]},
                "readers": [{"chat_id": r.chat_id, "name": r.name} for r in READERS],
                "samples": self.drops.samples(),
            }
        )

    def _reader(self, request: web.Request) -> Reader:
        chat_id = int(request.match_info["chat_id"])
        for reader in READERS:
            if reader.chat_id == chat_id:
                return reader
        raise web.HTTPNotFound(text=f"no reader {chat_id}")

    async def messages(self, request: web.Request) -> web.Response:
        reader = self._reader(request)
        bot = [message_json(m, self.readers.photo_urls) for m in self.emulator.sent(reader.chat_id)]
        mine = self.readers.messages.get(reader.chat_id, [])
        return web.json_response({"messages": sorted([*mine, *bot], key=lambda m: m["time"])})

    async def send(self, request: web.Request) -> web.Response:
        reader = self._reader(request)
        text = str((await request.json()).get("text", "")).strip()
        if not text:
            raise web.HTTPBadRequest(text="empty message")
        self.readers.typed(reader.chat_id, text)
        await self.emulator.inject_message(
            reader.chat_id, text, language_code=reader.language_code, first_name=reader.first_name
        )
        return web.json_response({"ok": True})

    async def tap(self, request: web.Request) -> web.Response:
        reader = self._reader(request)
        body = await request.json()
        injected = await self.emulator.inject_callback(
            reader.chat_id, int(body["message_id"]), str(body["data"])
        )

        def answered() -> dict[str, Any] | None:
            for record in self.emulator.callback_answers():
                if record.id == injected.callback_query_id and record.answered:
                    return record.answer or {}
            return None

        try:
            answer = await self.emulator.wait_for(answered, timeout=TAP_WAIT_SECONDS)
        except TimeoutError:
            answer = {}
        return web.json_response({"toast": answer.get("text"), "alert": bool(answer.get("show_alert"))})

    def _chat_reader(self, request: web.Request) -> Reader:
        """The reader whose chat the path names; a 400 naming ``chat_id`` for any other."""
        raw = request.match_info["chat_id"]
        for reader in READERS:
            if str(reader.chat_id) == raw:
                return reader
        raise bad_input("chat_id", f"no chat {raw!r} in the sandbox")

    async def inline_query(self, request: web.Request) -> web.Response:
        """``{"query", "offset"?}``: the reader types ``@bot <query>``; the bot's answer or why there is none."""
        reader = self._chat_reader(request)
        return web.json_response(await self.inline.ask(reader, await json_object(request)))

    async def choose_inline(self, request: web.Request) -> web.Response:
        """``{"inline_query_id", "result_id"}``: the reader picks a result; it is posted in their chat."""
        reader = self._chat_reader(request)
        return web.json_response(await self.inline.choose(reader, await json_object(request)))

    async def drop_sample(self, request: web.Request) -> web.Response:
        assert self.drops is not None
        try:
            name = self.drops.drop_sample(request.match_info["name"])
        except KeyError as error:
            raise web.HTTPNotFound(text=str(error)) from error
        return web.json_response({"file": name})

    async def paste_article(self, request: web.Request) -> web.Response:
        assert self.drops is not None
        text = str((await request.json()).get("text", ""))
        name, errors = self.drops.paste(text)
        if errors:
            return web.json_response({"errors": errors}, status=400)
        return web.json_response({"file": name})

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: ``change`` whenever the emulator saw something new (the page refetches)."""
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        seen: tuple[int, int] = (-1, -1)
        condition = self.emulator.state.changed
        with contextlib.suppress(ConnectionResetError, asyncio.CancelledError):
            await response.write(b"event: change\ndata: {}\n\n")
            while not self._closing.is_set():
                async with condition:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(condition.wait(), timeout=15)
                if self._closing.is_set():
                    break
                # A bot call, or a reader's message the bot may never see (a picked inline result).
                count = (len(self.emulator.state.calls), self.readers.revision)
                if count != seen:
                    seen = count
                    await response.write(b"event: change\ndata: {}\n\n")
                else:
                    await response.write(b": keep-alive\n\n")
        return response


@contextlib.asynccontextmanager
async def running_sandbox(
    settings: Settings,
    *,
    samples: Path,
    workdir: Path,
    port: int,
    inline_wait: float = INLINE_WAIT_SECONDS,
) -> AsyncIterator[Sandbox]:
    sandbox = Sandbox(settings, samples=samples, workdir=workdir, port=port, inline_wait=inline_wait)
    await sandbox.start()
    try:
        yield sandbox
    finally:
        await sandbox.stop()
