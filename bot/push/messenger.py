"""Talking to Telegram for pushes: a small protocol, and every Telegram error classified in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message
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

from bot.pacing import SendPolicy

# A push is never retried by the rate limiter: the delivery worker decides (and records) what happens next.
# The worker takes the pacing slot itself, before its last check of the row, so the limiter must not.
PUSH = SendPolicy(retries=0, push=True, paced=False)

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


class Failure(Enum):
    BLOCKED = "blocked"  # 403: the reader blocked the bot, or it was removed from the chat
    PHOTO_REFUSED = "photo refused"  # 400 about the image: fall back to text
    MIGRATED = "migrated"  # the group became a supergroup with a new id
    RATE_LIMITED = "rate limited"  # 429: wait retry_after
    TRANSIENT = "transient"  # 5xx, timeouts, network: retry with backoff
    PERMANENT = "permanent"  # any other 400: record, never retry


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


class TelegramMessenger:
    """``Messenger`` over PTB's ``Bot``; raises ``SendFailure`` for every refused send."""

    def __init__(self, bot: ExtBot[Any], *, paid_broadcast: bool = False) -> None:
        self.bot = bot
        # Opt-in (PUSH_PAID_BROADCAST): pushes may go at up to 1,000/s, 0.1 Star each beyond the free rate.
        self.paid_broadcast = paid_broadcast or None

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
        with refused_as_failure(photo=True):
            message = await self.bot.send_photo(
                chat_id,
                photo,
                caption=caption,
                reply_markup=keyboard,
                disable_notification=silent,
                message_thread_id=thread_id or None,
                allow_paid_broadcast=self.paid_broadcast,
                rate_limit_args=PUSH,
            )
        return Sent(message.message_id, largest_photo(message))

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
        with refused_as_failure(photo=False):
            message = await self.bot.send_message(
                chat_id,
                text,
                reply_markup=keyboard,
                disable_notification=silent,
                link_preview_options=preview,
                message_thread_id=thread_id or None,
                allow_paid_broadcast=self.paid_broadcast,
                rate_limit_args=PUSH,
            )
        return Sent(message.message_id)


def largest_photo(message: Message) -> str | None:
    return message.photo[-1].file_id if message.photo else None
