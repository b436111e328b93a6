"""Talking to Telegram for pushes: a small protocol, and every Telegram error classified in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from telegram import InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot

from bot.telegram.pacing import SendPolicy
from bot.telegram.plain_calls import PlainCalls

# A push is never retried by the rate limiter: the delivery worker decides (and records) what happens next.
# The worker takes the pacing slot itself, before its last check of the row, so the limiter must not.
PUSH = SendPolicy(retries=0, push=True, paced=False)

KEPT_MARKUPS = 256  # serialized keyboards kept, as many as bot/push/cards.py keeps cards

# Edits and deletes of sent messages (corrections) are paced by the correction worker itself.
CORRECTION = SendPolicy(retries=0, paced=False)

# 400 descriptions that mean "Telegram could not use this image" (PTB capitalises them; compare folded).
PHOTO_REFUSALS = (
    "wrong type of the web page content",
    "failed to get http url content",
    "wrong file identifier/http url specified",
    "photo_invalid_dimensions",
    "image_process_failed",
    "too big",
    "too large",
    "file is too big",
)
# 400 descriptions that mean "the bot may not post in this chat" (a channel or group where it is not an
# administrator, or lacks the right to send, or a chat that is gone): the chat is closed to it, as on a 403.
NO_RIGHTS = (
    "not enough rights",
    "need administrator rights",
    "have no rights to send",
    "chat_write_forbidden",
    "chat not found",
)
# 400 descriptions that mean "that message is past changing": deleted by the reader, too old to delete.
MESSAGE_GONE = (
    "message to edit not found",
    "message to delete not found",
    "message can't be edited",
    "message can't be deleted",
)


class Failure(Enum):
    BLOCKED = "blocked"  # 403: the reader blocked the bot, or it was removed; 400: it may not post there
    PHOTO_REFUSED = "photo refused"  # 400 about the image: fall back to text
    MIGRATED = "migrated"  # the group became a supergroup with a new id
    RATE_LIMITED = "rate limited"  # 429: wait retry_after
    TRANSIENT = "transient"  # 5xx, timeouts, network: retry with backoff
    PERMANENT = "permanent"  # any other 400: record, never retry
    UNCHANGED = "unchanged"  # an edit to what the message already says: done
    GONE = "gone"  # the message to edit or delete is no longer there, or can no longer be deleted


@dataclass(frozen=True, slots=True)
class SendFailure(Exception):
    kind: Failure
    description: str
    retry_after: float = 0.0
    new_chat_id: int | None = None

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.description}"


def classify(error: TelegramError, *, photo: bool) -> SendFailure:
    """One failure per exception type; ``BadRequest`` before ``NetworkError``, whose subclass it is."""
    if isinstance(error, RetryAfter):
        return SendFailure(
            Failure.RATE_LIMITED, error.message, retry_after=error._retry_after.total_seconds()
        )
    if isinstance(error, ChatMigrated):
        return SendFailure(Failure.MIGRATED, str(error), new_chat_id=int(error.new_chat_id))
    if isinstance(error, Forbidden):
        return SendFailure(Failure.BLOCKED, error.message)
    if isinstance(error, BadRequest):
        folded = error.message.casefold()
        if photo and any(refusal in folded for refusal in PHOTO_REFUSALS):
            return SendFailure(Failure.PHOTO_REFUSED, error.message)
        if any(refusal in folded for refusal in NO_RIGHTS):
            return SendFailure(Failure.BLOCKED, error.message)
        if "message is not modified" in folded:
            return SendFailure(Failure.UNCHANGED, error.message)
        if any(gone in folded for gone in MESSAGE_GONE):
            return SendFailure(Failure.GONE, error.message)
        return SendFailure(Failure.PERMANENT, error.message)
    if isinstance(error, TimedOut | NetworkError):
        return SendFailure(Failure.TRANSIENT, error.message or type(error).__name__)
    return SendFailure(Failure.PERMANENT, str(error))


@contextmanager
def refused_as_failure(*, photo: bool) -> Iterator[None]:
    """Turn any Telegram error raised inside into the ``SendFailure`` it means."""
    try:
        yield
    except TelegramError as error:
        raise classify(error, photo=photo) from error


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: int
    photo_file_id: str | None = None


class Messenger(Protocol):
    """What the delivery worker needs from Telegram."""

    async def send_photo(
        self,
        chat_id: int,
        thread_id: int,
        photo: str,
        caption: str,
        keyboard: InlineKeyboardMarkup,
        *,
        silent: bool,
    ) -> Sent: ...

    async def send_text(
        self,
        chat_id: int,
        thread_id: int,
        text: str,
        keyboard: InlineKeyboardMarkup | None,
        *,
        silent: bool,
        preview: LinkPreviewOptions,
    ) -> Sent: ...

    async def edit_caption(
        self, chat_id: int, message_id: int, caption: str, keyboard: InlineKeyboardMarkup
    ) -> None: ...

    async def edit_text(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        keyboard: InlineKeyboardMarkup,
        *,
        preview: LinkPreviewOptions,
    ) -> None: ...

    async def delete(self, chat_id: int, message_id: int) -> None: ...


class TelegramMessenger:
    """``Messenger`` over PTB's ``Bot``; raises ``SendFailure`` for every refused send.

    Pushes go as plain calls (``bot.telegram.plain_calls``): their answers are read as JSON, not made into
    ``Message`` objects, and PTB's ``Defaults`` do not apply to them, so each says its ``parse_mode``.
    """

    def __init__(self, bot: ExtBot[Any], *, paid_broadcast: bool = False) -> None:
        self.bot = bot
        self.calls = PlainCalls(bot)
        # A fan-out sends one card's keyboard object to every reader (bot/push/cards.py): serialized once.
        # Kept by identity, the keyboard held alongside so its id stays its own.
        self._markups: dict[int, tuple[InlineKeyboardMarkup, dict[str, Any]]] = {}
        # Opt-in (PUSH_PAID_BROADCAST): pushes may go at up to 1,000/s, 0.1 Star each beyond the free rate.
        self.paid_broadcast = paid_broadcast or None

    def _push_options(self, thread_id: int, silent: bool) -> dict[str, Any]:
        """What every push carries, photo or text: its thread, its sound, paid broadcast, its pacing."""
        return {
            "disable_notification": silent,
            "message_thread_id": thread_id or None,
            "allow_paid_broadcast": self.paid_broadcast,
            "rate_limit_args": PUSH,
        }

    def _markup(self, keyboard: InlineKeyboardMarkup | None) -> dict[str, Any] | None:
        """``keyboard`` as the JSON Telegram reads."""
        if keyboard is None:
            return None
        kept = self._markups.get(id(keyboard))
        if kept is None:
            if len(self._markups) >= KEPT_MARKUPS:
                self._markups.clear()
            kept = self._markups[id(keyboard)] = (keyboard, keyboard.to_dict())
        return kept[1]

    async def _push(
        self, endpoint: str, parameters: dict[str, Any], thread_id: int, silent: bool
    ) -> dict[str, Any]:
        """One push as a plain call: Telegram's answer, the sent message, as JSON."""
        options = self._push_options(thread_id, silent)
        policy = options.pop("rate_limit_args")
        message: dict[str, Any] = await self.calls.call(
            endpoint, {**parameters, "parse_mode": ParseMode.HTML, **options}, policy
        )
        return message

    async def send_photo(
        self,
        chat_id: int,
        thread_id: int,
        photo: str,
        caption: str,
        keyboard: InlineKeyboardMarkup,
        *,
        silent: bool,
    ) -> Sent:
        parameters = {
            "chat_id": chat_id,
            "photo": photo,
            "caption": caption,
            "reply_markup": self._markup(keyboard),
        }
        with refused_as_failure(photo=True):
            message = await self._push("sendPhoto", parameters, thread_id, silent)
        return Sent(message["message_id"], largest_photo(message))

    async def send_text(
        self,
        chat_id: int,
        thread_id: int,
        text: str,
        keyboard: InlineKeyboardMarkup | None,
        *,
        silent: bool,
        preview: LinkPreviewOptions,
    ) -> Sent:
        parameters = {
            "chat_id": chat_id,
            "text": text,
            "reply_markup": self._markup(keyboard),
            "link_preview_options": preview,
        }
        with refused_as_failure(photo=False):
            message = await self._push("sendMessage", parameters, thread_id, silent)
        return Sent(message["message_id"])

    async def edit_caption(
        self, chat_id: int, message_id: int, caption: str, keyboard: InlineKeyboardMarkup
    ) -> None:
        # The keyboard goes with every edit: an edit without reply_markup removes it.
        with refused_as_failure(photo=False):
            await self.bot.edit_message_caption(
                chat_id=chat_id,
                message_id=message_id,
                caption=caption,
                reply_markup=keyboard,
                rate_limit_args=CORRECTION,
            )

    async def edit_text(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        keyboard: InlineKeyboardMarkup,
        *,
        preview: LinkPreviewOptions,
    ) -> None:
        with refused_as_failure(photo=False):
            await self.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=keyboard,
                link_preview_options=preview,
                rate_limit_args=CORRECTION,
            )

    async def delete(self, chat_id: int, message_id: int) -> None:
        with refused_as_failure(photo=False):
            await self.bot.delete_message(chat_id, message_id, rate_limit_args=CORRECTION)


def largest_photo(message: dict[str, Any]) -> str | None:
    """The ``file_id`` of the largest size of a sent photo (Telegram lists them smallest first)."""
    sizes = message.get("photo")
    return str(sizes[-1]["file_id"]) if sizes else None
