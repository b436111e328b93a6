"""Sending, editing and deleting messages, chat actions, and answering button taps."""

from __future__ import annotations

from typing import Any

from bot.emulator.access import (
    checked_caption,
    checked_markup,
    checked_preview,
    checked_reply,
    checked_text,
    checked_thread,
    consume_slot,
    flood_check,
    open_query,
    refuse_unmodeled,
    require,
    writable_chat,
)
from bot.emulator.calls import Call, Handler, jsonable
from bot.emulator.errors import bad_request
from bot.emulator.formatting import format_text
from bot.emulator.links import LinkError, checked_link
from bot.emulator.objects import message_json
from bot.emulator.params import resolve_file
from bot.emulator.state import ChatInfo, SentMessage
from bot.emulator.wire import UploadedFile

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)
# "A message can only be deleted if it was sent less than 48 hours ago."
DELETE_WINDOW_SECONDS = 48 * 3600
TOO_OLD_TO_DELETE = "message can't be deleted for everyone"
CALLBACK_TEXT_LIMIT = 200
CHAT_ACTIONS = frozenset(
    {
        "cancel",
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "record_audio",
        "upload_audio",
        "upload_document",
        "choose_sticker",
        "find_location",
        "pick_up_location",
        "record_video_note",
        "upload_video_note",
    }
)


def handlers() -> dict[str, Handler]:
    """The message methods this module implements."""
    return {
        "sendMessage": send_message,
        "sendPhoto": send_photo,
        "editMessageText": edit_message_text,
        "editMessageCaption": edit_message_caption,
        "editMessageReplyMarkup": edit_message_reply_markup,
        "deleteMessage": delete_message,
        "sendChatAction": send_chat_action,
        "answerCallbackQuery": answer_callback_query,
    }


async def send_message(call: Call) -> dict[str, Any]:
    """sendMessage."""
    refuse_unmodeled(call)
    params = call.params
    formatted = checked_text(call, params)
    markup = checked_markup(call)
    preview = checked_preview(call)
    chat = writable_chat(call, params["chat_id"])
    thread = checked_thread(chat, params.get("message_thread_id"))
    reply_to = checked_reply(call, chat)
    flood_check(call, chat, counts_global=True)
    consume_slot(call, chat, counts_global=True)
    message = _store(call, chat, thread, reply_to, markup)
    message.text, message.entities, message.link_preview_options = formatted.text, formatted.entities, preview
    message.raw, message.parse_mode = params["text"], params.get("parse_mode")
    return message_json(call.state, message)


async def send_photo(call: Call) -> dict[str, Any]:
    """sendPhoto: by URL (one fetch), by a known file_id (no fetch) or uploaded."""
    refuse_unmodeled(call)
    params, state = call.params, call.state
    photo = resolve_file(params["photo"], call.files)
    caption = params.get("caption")
    formatted = checked_caption(call, params)
    markup = checked_markup(call)
    chat = writable_chat(call, params["chat_id"])
    thread = checked_thread(chat, params.get("message_thread_id"))
    reply_to = checked_reply(call, chat)
    flood_check(call, chat, counts_global=True)
    if isinstance(photo, UploadedFile):
        if photo.size == 0:
            raise bad_request("file must be non-empty")
        sizes, source = state.new_photo(photo.size), f"upload:{photo.filename}"
    elif photo.lower().startswith(("http://", "https://")):
        try:
            checked_link(photo)
        except LinkError as error:
            raise bad_request("wrong file identifier/HTTP URL specified") from error
        state.photo_fetches[photo] = state.photo_fetches.get(photo, 0) + 1
        fetch_error = state.faults.fetch_error(photo)
        if fetch_error is not None:
            raise fetch_error
        sizes, source = state.new_photo(48_000), f"url:{photo}"
    elif photo in state.photos:
        sizes, source = state.photos[photo], f"file_id:{photo}"
    else:
        raise bad_request("wrong file identifier/HTTP URL specified")
    consume_slot(call, chat, counts_global=True)
    message = _store(call, chat, thread, reply_to, markup)
    message.photo, message.photo_source = sizes, source
    if formatted is not None and formatted.text:
        message.caption, message.caption_entities = formatted.text, formatted.entities
        message.raw, message.parse_mode = caption, params.get("parse_mode")
    return message_json(state, message)


async def edit_message_text(call: Call) -> dict[str, Any]:
    """editMessageText; an edit without reply_markup removes the inline keyboard, as on Telegram."""
    refuse_unmodeled(call)
    params = call.params
    text = require(call, "text", bad_request("message text is empty"))
    formatted = checked_text(call, params)
    markup = checked_markup(call, inline_only=True)
    preview = checked_preview(call)
    chat, message = _editable(call)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    new = {
        "text": formatted.text,
        "entities": formatted.entities,
        "reply_markup": markup,
        "link_preview_options": preview,
    }
    _apply_edit(call, chat, message, new, raw=text)
    return message_json(call.state, message)


async def edit_message_caption(call: Call) -> dict[str, Any]:
    """editMessageCaption; no caption removes it."""
    refuse_unmodeled(call)
    params = call.params
    caption = params.get("caption", "")
    formatted = format_text(caption, params.get("parse_mode"), params.get("caption_entities"), caption=True)
    markup = checked_markup(call, inline_only=True)
    chat, message = _editable(call)
    if message.photo is None:
        raise bad_request("there is no caption in the message to edit")
    new = {"caption": formatted.text or None, "caption_entities": formatted.entities, "reply_markup": markup}
    _apply_edit(call, chat, message, new, raw=caption or None)
    return message_json(call.state, message)


async def edit_message_reply_markup(call: Call) -> dict[str, Any]:
    """editMessageReplyMarkup; no reply_markup removes the keyboard."""
    refuse_unmodeled(call)
    markup = checked_markup(call, inline_only=True)
    chat, message = _editable(call)
    _apply_edit(call, chat, message, {"reply_markup": markup}, raw=message.raw)
    return message_json(call.state, message)


async def delete_message(call: Call) -> bool:
    """deleteMessage: the bot's own messages less than 48 hours old, and readers' messages in private
    chats or as an admin."""
    state, params = call.state, call.params
    chat = state.chat(params["chat_id"])
    if chat is None:
        raise bad_request("chat not found")
    key = (chat.id, params["message_id"])
    message = state.bot_message(*key)
    if message is not None:
        if state.clock() - message.time >= DELETE_WINDOW_SECONDS:
            raise bad_request(TOO_OLD_TO_DELETE)
        message.deleted = True
        return True
    if key in state.incoming:
        if not chat.private and chat.bot_status != "administrator":
            raise bad_request("message can't be deleted")
        del state.incoming[key]
        return True
    raise bad_request("message to delete not found")


async def send_chat_action(call: Call) -> bool:
    """sendChatAction."""
    refuse_unmodeled(call)
    if str(call.params["action"]).lower() not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat = writable_chat(call, call.params["chat_id"])
    checked_thread(chat, call.params.get("message_thread_id"))
    return True


async def answer_callback_query(call: Call) -> bool:
    """answerCallbackQuery: once per tap, within the time limit."""
    state, params = call.state, call.params
    record = open_query(call, state.callbacks, "callback_query_id")
    text = params.get("text")
    if text is not None and len(text) > CALLBACK_TEXT_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answered, record.answered_at = True, state.clock()
    record.answer = {
        "text": text,
        "show_alert": bool(params.get("show_alert", False)),
        "url": params.get("url"),
        "cache_time": params.get("cache_time", 0),
    }
    return True


def _store(
    call: Call, chat: ChatInfo, thread: int | None, reply_to: int | None, markup: dict[str, Any] | None
) -> SentMessage:
    state, params = call.state, call.params
    message = SentMessage(
        index=len(state.sent),
        chat_id=chat.id,
        message_id=state.new_message_id(chat),
        method=call.method,
        time=state.clock(),
        date=state.now_date(),
        params=jsonable(params),
        reply_markup=markup,
        disable_notification=bool(params.get("disable_notification", False)),
        protect_content=bool(params.get("protect_content", False)),
        message_thread_id=thread,
        reply_to_message_id=reply_to,
    )
    state.sent.append(message)
    return message


def _editable(call: Call) -> tuple[ChatInfo, SentMessage]:
    chat = writable_chat(call, require(call, "chat_id", bad_request("chat_id is empty")))
    message_id = call.params.get("message_id", 0)
    message = call.state.bot_message(chat.id, message_id)
    if message is None:
        if (chat.id, message_id) in call.state.incoming:
            raise bad_request("message can't be edited")
        raise bad_request("message to edit not found")
    return chat, message


def _apply_edit(
    call: Call, chat: ChatInfo, message: SentMessage, new: dict[str, Any], raw: str | None
) -> None:
    current = message.content()
    if all(current[name] == value for name, value in new.items()):
        raise bad_request(NOT_MODIFIED)
    flood_check(call, chat, counts_global=False)
    consume_slot(call, chat, counts_global=False)
    message.history.append(current)
    for name, value in new.items():
        setattr(message, name, value)
    message.raw, message.parse_mode = raw, call.params.get("parse_mode")
    message.edit_date = call.state.now_date()
