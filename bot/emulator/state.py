"""What the emulated Telegram remembers: chats, users, messages, pending updates, and the record of calls."""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.emulator.faults import Faults
from bot.emulator.limits import EmulatorLimits, RateLimiter
from bot.emulator.spec import ApiSpec

DEFAULT_BOT_ID = 123456
# Updates a bot receives when it never chose allowed_updates (Telegram's documented default).
DEFAULT_UPDATE_KINDS = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "my_chat_member",
        "inline_query",
        "chosen_inline_result",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "chat_join_request",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "purchased_paid_media",
        "removed_chat_boost",
        "chat_boost",
    }
)


@dataclass
class UserInfo:
    """A Telegram user the emulator has seen."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = None
    is_bot: bool = False


@dataclass
class ChatInfo:
    """A chat the bot can talk to, and the bot's standing in it."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    threads: set[int] = field(default_factory=set)
    bot_status: str = "member"
    # A post was refused for lack of rights since ``bot_status`` last changed: refusing another one means
    # the bot ignored the first refusal (a violation), rather than that nobody made it an administrator.
    rights_refused: bool = False
    admins: dict[int, str] = field(default_factory=dict)
    members: set[int] = field(default_factory=set)
    last_message_id: int = 0

    @property
    def private(self) -> bool:
        """Private chats get per-chat bursts; everything else the per-minute group limit."""
        return self.type == "private"


@dataclass
class SentMessage:
    """A message the bot sent, in its current state (edits applied, ``deleted`` flag)."""

    index: int
    chat_id: int
    message_id: int
    method: str
    time: float
    date: int
    params: dict[str, Any]
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    raw: str | None = None
    parse_mode: str | None = None
    photo: list[dict[str, Any]] | None = None
    photo_source: str | None = None
    reply_markup: dict[str, Any] | None = None
    link_preview_options: dict[str, Any] | None = None
    disable_notification: bool = False
    protect_content: bool = False
    message_thread_id: int | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False

    @property
    def body(self) -> str:
        """The plain text a reader sees: the text, or the caption of a photo."""
        return self.text if self.text is not None else (self.caption or "")

    def content(self) -> dict[str, Any]:
        """The parts an edit can change, for history and for "message is not modified"."""
        return {
            "text": self.text,
            "entities": self.entities,
            "caption": self.caption,
            "caption_entities": self.caption_entities,
            "reply_markup": self.reply_markup,
            "link_preview_options": self.link_preview_options,
            "raw": self.raw,
            "parse_mode": self.parse_mode,
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view for the control API."""
        return asdict(self)


@dataclass
class CallbackRecord:
    """A button tap the emulator delivered, and the bot's answer to it."""

    id: str
    chat_id: int
    message_id: int
    user_id: int
    data: str
    created: float
    answered: bool = False
    answer: dict[str, Any] | None = None
    answered_at: float | None = None


@dataclass
class InlineQueryRecord:
    """An inline query the emulator delivered, the bot's answer to it, and the results readers chose.

    ``answer`` holds the answerInlineQuery parameters as Telegram keeps them: ``results`` (as sent),
    ``cache_time``, ``is_personal``, ``next_offset`` and ``button``.
    """

    id: str
    user_id: int
    query: str
    offset: str
    chat_type: str | None
    created: float
    answered: bool = False
    answer: dict[str, Any] | None = None
    answered_at: float | None = None
    chosen: list[dict[str, Any]] = field(default_factory=list)  # result_id, chat_id, message_id
    # Result id → the message fields it posts when picked (text, entities, link_preview_options or a
    # photo's caption, reply_markup), as Telegram stored them when the answer came.
    contents: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class CallRecord:
    """One Bot API call and how it ended.

    ``time`` is the emulator's clock when the answer was decided (a send's flood check and its slot are
    taken then); ``chat_id`` is the chat the call named, if any; ``retry_after`` what a 429 asked for.
    """

    index: int
    method: str
    params: dict[str, Any]
    status: int
    description: str | None
    time: float
    chat_id: int | str | None = None
    retry_after: int | None = None


@dataclass
class Violation:
    """Something the bot did that real Telegram would refuse or that betrays a bug."""

    kind: str
    method: str
    description: str
    params: dict[str, Any]
    time: float


@dataclass
class PendingUpdate:
    """An update waiting to be fetched by getUpdates or pushed to the webhook."""

    update_id: int
    kind: str
    payload: dict[str, Any]


@dataclass
class WebhookConfig:
    """The webhook set with setWebhook."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


class EmulatorState:
    """All mutable state of one emulator; :meth:`clear` returns it to a fresh start."""

    def __init__(
        self,
        spec: ApiSpec,
        limits: EmulatorLimits,
        bot_username: str,
        clock: Callable[[], float],
        bot_id: int | None,
    ) -> None:
        self.spec = spec
        self.clock = clock
        self.bot_username = bot_username
        self.initial_limits = limits
        self.configured_bot_id = bot_id
        self.changed = asyncio.Condition()
        # Survives clear(): a long poll still waiting across a reset must see it was superseded.
        self.poll_generation = 0
        self.clear()

    def clear(self) -> None:
        """Back to the state right after construction (limits as given to the constructor)."""
        self.bot_id: int | None = self.configured_bot_id
        self.privacy_mode = True
        self.limiter = RateLimiter(self.initial_limits, self.clock)
        self.faults = Faults()
        self.users: dict[int, UserInfo] = {}
        self.chats: dict[int, ChatInfo] = {}
        self.sent: list[SentMessage] = []
        self.incoming: dict[tuple[int, int], dict[str, Any]] = {}
        self.updates: list[PendingUpdate] = []
        self.next_update_id = 1
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_KINDS
        self.callbacks: dict[str, CallbackRecord] = {}
        self.inline_queries: dict[str, InlineQueryRecord] = {}
        # BotFather's /setinlinefeedback: whether a chosen inline result also reaches the bot as an update.
        self.inline_feedback = False
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        # The bot's description and short description by language code ("" for every other language).
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.webhook: WebhookConfig | None = None
        self.calls: list[CallRecord] = []
        self.violations: list[Violation] = []
        self.photos: dict[str, list[dict[str, Any]]] = {}
        self.photo_fetches: dict[str, int] = {}
        self._ids = itertools.count(1)

    @property
    def limits(self) -> EmulatorLimits:
        """The flood limits in force."""
        return self.limiter.limits

    def bound_bot_id(self) -> int:
        """The bot's user id: fixed at construction, else taken from the first token used."""
        if self.bot_id is None:
            self.bot_id = DEFAULT_BOT_ID
        return self.bot_id

    def bot_user(self) -> dict[str, Any]:
        """The bot as a ``User`` object."""
        return {
            "id": self.bound_bot_id(),
            "is_bot": True,
            "first_name": "NewsBot",
            "username": self.bot_username,
        }

    def chat(self, chat_ref: int | str) -> ChatInfo | None:
        """A known chat by id or ``@username``."""
        if isinstance(chat_ref, int):
            return self.chats.get(chat_ref)
        name = chat_ref.lstrip("@").lower()
        return next((chat for chat in self.chats.values() if (chat.username or "").lower() == name), None)

    def new_message_id(self, chat: ChatInfo) -> int:
        """Message ids count up per chat, shared by the bot's and the readers' messages."""
        chat.last_message_id += 1
        return chat.last_message_id

    def bot_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """The bot's message in that chat, unless it was deleted."""
        found = next((m for m in self.sent if m.chat_id == chat_id and m.message_id == message_id), None)
        return None if found is None or found.deleted else found

    def messages_in(self, chat_id: int | None = None, since: int = 0) -> Iterator[SentMessage]:
        """Sent messages from index ``since`` on, optionally in one chat."""
        for message in self.sent[since:]:
            if chat_id is None or message.chat_id == chat_id:
                yield message

    def new_photo(self, size_hint: int) -> list[dict[str, Any]]:
        """``PhotoSize`` objects of a freshly stored photo; each file_id is reusable later."""
        sizes: list[dict[str, Any]] = []
        for width in (90, 320, 800):
            serial = next(self._ids)
            sizes.append(
                {
                    "file_id": f"AgACAgIAAxkBAA{serial:06d}{secrets.token_urlsafe(18)}",
                    "file_unique_id": f"AQAD{serial:06d}{secrets.token_urlsafe(6)}",
                    "width": width,
                    "height": width * 9 // 16,
                    "file_size": max(1, size_hint * width // 800),
                }
            )
        for size in sizes:
            self.photos[size["file_id"]] = sizes
        return sizes

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update unless the bot's ``allowed_updates`` excludes its kind."""
        if kind not in self.allowed_updates:
            return None
        update = {"update_id": self.next_update_id, kind: payload}
        self.updates.append(PendingUpdate(self.next_update_id, kind, update))
        self.next_update_id += 1
        return update

    def violate(self, kind: str, method: str, description: str, params: dict[str, Any]) -> None:
        """Record a violation for the tests and the person watching."""
        self.violations.append(Violation(kind, method, description, dict(params), self.clock()))

    def unanswered_callbacks(self) -> list[CallbackRecord]:
        """Taps the bot never answered (each leaves a spinning button on the reader's screen)."""
        return [record for record in self.callbacks.values() if not record.answered]

    def stats(self) -> dict[str, Any]:
        """Counters for tests and dashboards."""
        by_method: dict[str, int] = {}
        statuses = {"ok": 0, "4xx": 0, "429": 0, "5xx": 0}
        for call in self.calls:
            by_method[call.method] = by_method.get(call.method, 0) + 1
            if call.status == 429:
                statuses["429"] += 1
            elif call.status >= 500:
                statuses["5xx"] += 1
            elif call.status >= 400:
                statuses["4xx"] += 1
            else:
                statuses["ok"] += 1
        return {
            "calls": len(self.calls),
            "calls_by_method": by_method,
            "statuses": statuses,
            "sent_messages": len(self.sent),
            "photo_fetches": dict(self.photo_fetches),
            "max_sends_per_second": self.limiter.max_sends_per_second,
            "max_sends_per_second_by_chat": {
                str(chat): count for chat, count in self.limiter.max_sends_per_second_by_chat.items()
            },
            "paid_messages": self.limiter.paid_messages,
            "stars_spent": float(self.limiter.stars_spent),
            "violations": len(self.violations),
            "unanswered_callback_queries": len(self.unanswered_callbacks()),
            "pending_updates": len(self.updates),
        }

    def now_date(self) -> int:
        """Unix time for ``date`` fields (wall clock, unlike the injectable rate-limit clock)."""
        return int(time.time())

    async def notify(self) -> None:
        """Wake everything waiting for the state to change (long polls, webhook sender, tests)."""
        async with self.changed:
            self.changed.notify_all()
