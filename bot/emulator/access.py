"""Checks every write to a chat passes: the chat exists, the bot may post, flood limits allow it; the
checks a text, caption, keyboard and link preview pass wherever they come in; and the check that a
query the bot answers is still open."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from bot.emulator.calls import Call
from bot.emulator.errors import (
    QUERY_INVALID,
    ApiError,
    bad_request,
    forbidden,
    not_implemented,
    too_many_requests,
)
from bot.emulator.formatting import format_text
from bot.emulator.html import FormattedText
from bot.emulator.links import LinkError, checked_http_link
from bot.emulator.markup import check_reply_markup
from bot.emulator.objects import reply_target
from bot.emulator.state import ChatInfo

# Real Bot API features the emulator does not model; using one fails loudly instead of being ignored.
UNMODELED_PARAMS: Mapping[str, str] = MappingProxyType(
    {
        "business_connection_id": "business connections",
        "direct_messages_topic_id": "direct messages topics",
        "suggested_post_parameters": "suggested posts",
        "rich_message": "rich messages",
        "inline_message_id": "inline messages (inline_message_id)",
        "message_effect_id": "message effects",
    }
)


class _Query(Protocol):
    answered: bool
    created: float


QueryRecord = TypeVar("QueryRecord", bound=_Query)

_KICKED: Mapping[str, str] = MappingProxyType(
    {
        "private": "bot was blocked by the user",
        "group": "bot was kicked from the group chat",
        "supergroup": "bot was kicked from the supergroup chat",
        "channel": "bot was kicked from the channel chat",
    }
)
_LEFT: Mapping[str, str] = MappingProxyType(
    {
        "group": "bot is not a member of the group chat",
        "supergroup": "bot is not a member of the supergroup chat",
        "channel": "bot is not a member of the channel chat",
    }
)


def refuse_unmodeled(call: Call) -> None:
    """Fail with 501 when the call uses a parameter whose feature the emulator does not model."""
    for name, feature in UNMODELED_PARAMS.items():
        if name in call.params:
            raise not_implemented(feature)


def writable_chat(call: Call, chat_ref: Any) -> ChatInfo:
    """The chat a send or edit targets, or the 400/403 Telegram answers instead."""
    state = call.state
    injected = state.faults.chat_error(chat_ref)
    if injected is not None:
        raise injected
    chat = state.chat(chat_ref)
    if chat is None:
        raise bad_request("chat not found")
    injected = state.faults.chat_error(chat.id)
    if injected is not None:
        raise injected
    if chat.bot_status == "kicked":
        raise forbidden(_KICKED[chat.type])
    if chat.bot_status == "left" and not chat.private:
        raise forbidden(_LEFT[chat.type])
    if chat.type == "channel" and chat.bot_status != "administrator":
        refusal = bad_request("need administrator rights in the channel chat")
        if not chat.rights_refused:
            # Nobody made the bot an administrator, or it was demoted: the world's doing, the first time.
            # Posting again before its standing changes is the bot's mistake.
            refusal.violation = None
        chat.rights_refused = True
        raise refusal
    return chat


def checked_thread(chat: ChatInfo, thread_id: int | None) -> int | None:
    """The forum topic to post in; an unknown topic of a forum is refused."""
    if thread_id is None:
        return None
    if chat.is_forum and thread_id not in chat.threads:
        raise bad_request("message thread not found")
    return thread_id


def checked_text(call: Call, fields: Mapping[str, Any], name: str = "text") -> FormattedText:
    """A message text as Telegram stores it: of a send (``call.params``) or of an inline result's
    ``input_message_content`` (``name="message_text"``), parsed and limited alike."""
    if "entities" in fields and fields.get("parse_mode"):
        call.warn("both parse_mode and entities given; Telegram ignores entities")
    return format_text(fields[name], fields.get("parse_mode"), fields.get("entities"))


def checked_caption(call: Call, fields: Mapping[str, Any]) -> FormattedText | None:
    """A media caption as Telegram stores it (``None`` without one): of sendPhoto or an inline result."""
    caption = fields.get("caption")
    if caption is None:
        return None
    if "caption_entities" in fields and fields.get("parse_mode"):
        call.warn("both parse_mode and caption_entities given; Telegram ignores caption_entities")
    return format_text(caption, fields.get("parse_mode"), fields.get("caption_entities"), caption=True)


def checked_markup(
    call: Call, fields: Mapping[str, Any] | None = None, *, inline_only: bool = False, where: str = ""
) -> dict[str, Any] | None:
    """Validated ``reply_markup`` of ``fields`` (the call's parameters by default, or an inline result);
    legal oddities become recorded warnings, prefixed with ``where``."""
    fields = call.params if fields is None else fields
    button_fields = {field.name for field in call.state.spec.types["InlineKeyboardButton"].fields}
    checked = check_reply_markup(fields.get("reply_markup"), button_fields, inline_only=inline_only)
    for warning in checked.warnings:
        call.warn(where + warning)
    return checked.markup


def checked_preview(call: Call, fields: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """Validated ``link_preview_options`` of ``fields`` (the call's parameters by default, or an inline
    result's ``input_message_content``): a given URL must be a public http(s) link."""
    options = (call.params if fields is None else fields).get("link_preview_options")
    if options is None:
        return None
    url = options.get("url")
    if url is not None:
        try:
            checked_http_link(url)
        except LinkError as error:
            raise bad_request(f"link preview URL {url!r} is invalid: {error}") from error
    if options.get("prefer_small_media") and options.get("prefer_large_media"):
        call.warn("link_preview_options asks for both small and large media")
    return dict(options)


def checked_reply(call: Call, chat: ChatInfo) -> int | None:
    """The id of the message replied to, or the 400 for a reply to a missing message."""
    reply = call.params.get("reply_parameters")
    if not reply:
        return None
    message_id = reply.get("message_id")
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise bad_request("can't parse reply parameters: Can't find field \"message_id\"")
    if reply.get("chat_id") not in (None, chat.id, chat.username and f"@{chat.username}"):
        raise not_implemented("replies to messages in other chats")
    if reply_target(call.state, chat.id, message_id) is not None:
        return message_id
    if reply.get("allow_sending_without_reply"):
        return None
    raise bad_request("message to be replied not found")


def flood_check(call: Call, chat: ChatInfo, *, counts_global: bool) -> None:
    """Raise 429 if the flood limits refuse this call now; otherwise nothing is consumed yet."""
    wait = call.state.limiter.retry_after(
        chat.id, private=chat.private, counts_global=counts_global, paid=_paid(call)
    )
    if wait is not None:
        raise too_many_requests(wait)


def consume_slot(call: Call, chat: ChatInfo, *, counts_global: bool) -> None:
    """Account for a call that is about to succeed (and charge a paid broadcast beyond the free rate)."""
    call.state.limiter.record(chat.id, private=chat.private, counts_global=counts_global, paid=_paid(call))


def _paid(call: Call) -> bool:
    return bool(call.params.get("allow_paid_broadcast"))


def require(call: Call, name: str, error: ApiError) -> Any:
    """A parameter the spec marks optional but this use needs."""
    if name not in call.params:
        raise error
    return call.params[name]


def open_query(call: Call, records: Mapping[str, QueryRecord], name: str) -> QueryRecord:
    """The query parameter ``name`` names, if the bot may still answer it: once, within the time limit."""
    record = records.get(str(call.params[name]))
    expired = (
        record is not None and call.state.clock() - record.created > call.state.limits.callback_query_timeout
    )
    if record is None or record.answered or expired:
        raise bad_request(QUERY_INVALID)
    return record
