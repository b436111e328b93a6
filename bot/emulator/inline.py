"""Inline mode: a reader's inline query, the bot's answerInlineQuery, and the result the reader picks.

Telegram checks an answer when the bot sends it, not when a reader picks a result: every result must be
a valid ``InlineQueryResult`` of its type, its URLs http(s) links to public hosts, its message text and
caption within the limits of a sent message, its keyboard as valid as a message's. Picking a result then
posts it as the reader's message "via" the bot (what Telegram's client does), and, with inline feedback
on (BotFather's /setinlinefeedback), tells the bot with a ``chosen_inline_result`` update.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.emulator.calls import Call, Handler
from bot.emulator.errors import bad_request
from bot.emulator.formatting import format_text
from bot.emulator.links import LinkError, checked_link
from bot.emulator.markup import check_reply_markup
from bot.emulator.objects import chat_json, user_json
from bot.emulator.readers import bot_sees, ensure_chat, ensure_user
from bot.emulator.spec import ApiSpec
from bot.emulator.state import EmulatorState, InlineQueryRecord

RESULTS_LIMIT = 50  # "No more than 50 results per query are allowed."
RESULT_ID_LIMIT = 64  # bytes: "Unique identifier for this result, 1-64 Bytes"
NEXT_OFFSET_LIMIT = 64  # bytes: "Offset length can't exceed 64 bytes."
QUERY_LIMIT = 256  # characters: "Text of the query (up to 256 characters)"
DEFAULT_CACHE_TIME = 300
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
INLINE_CHAT_TYPES = ("sender", "private", "group", "supergroup", "channel")
# Every field of a result that holds a link; Telegram fetches or shows each one, so each must be http(s).
URL_FIELDS = (
    "url",
    "thumbnail_url",
    "photo_url",
    "gif_url",
    "mpeg4_url",
    "video_url",
    "audio_url",
    "voice_url",
    "document_url",
)
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
_RESULT_KIND = re.compile(r"must be (\w+)$")
_NOT_A_FIELD = ": not a field of "


@dataclass
class InjectedInlineQuery:
    """An inline query: the id the bot must answer, and the update (``None`` if not delivered)."""

    inline_query_id: str
    update: dict[str, Any] | None


@dataclass
class ChosenResult:
    """A picked result: the reader's message it became, and the updates the bot gets for it."""

    message: dict[str, Any]
    message_update: dict[str, Any] | None
    chosen_update: dict[str, Any] | None


def handlers() -> dict[str, Handler]:
    """The inline method this module implements."""
    return {"answerInlineQuery": answer_inline_query}


async def answer_inline_query(call: Call) -> bool:
    """answerInlineQuery: once per query, within the time limit, every result checked."""
    state, params = call.state, call.params
    record = state.inline_queries.get(str(params["inline_query_id"]))
    now = state.clock()
    if record is None or record.answered or now - record.created > state.limits.callback_query_timeout:
        raise bad_request(QUERY_INVALID)
    results = params["results"]
    if not isinstance(results, list):
        raise bad_request("can't parse inline query results JSON object")
    if len(results) > RESULTS_LIMIT:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for index, result in enumerate(results):
        result_id = _checked_result(call, index, result)
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
    cache_time = params.get("cache_time", DEFAULT_CACHE_TIME)
    if cache_time < 0:
        raise bad_request("cache_time must not be negative")
    next_offset = params.get("next_offset", "")
    if len(str(next_offset).encode("utf-8")) > NEXT_OFFSET_LIMIT:
        raise bad_request("NEXT_OFFSET_INVALID")
    button = params.get("button")
    if button is not None:
        _check_button(button)
    record.answered, record.answered_at = True, now
    record.answer = {
        "results": results,
        "cache_time": cache_time,
        "is_personal": bool(params.get("is_personal", False)),
        "next_offset": next_offset,
        "button": button,
    }
    return True


def reader_inline_query(
    state: EmulatorState,
    user_id: int,
    query: str,
    *,
    offset: str = "",
    chat_type: str | None = "sender",
    language_code: str | None = "en",
    first_name: str | None = None,
    username: str | None = None,
) -> InjectedInlineQuery:
    """A reader types ``@bot query`` in a chat of ``chat_type`` ("sender": their chat with the bot)."""
    if user_id <= 0:
        raise ValueError("user_id must be a positive user id")
    if len(query) > QUERY_LIMIT:
        raise ValueError(f"an inline query has at most {QUERY_LIMIT} characters")
    if chat_type is not None and chat_type not in INLINE_CHAT_TYPES:
        raise ValueError(f"chat_type must be one of {INLINE_CHAT_TYPES} or null")
    user = ensure_user(state, user_id, first_name=first_name, username=username, language_code=language_code)
    query_id = str(5_000_000_000_000_000_000 + 7919 * (len(state.inline_queries) + 1) + user_id % 7919)
    payload: dict[str, Any] = {"id": query_id, "from": user_json(user), "query": query, "offset": offset}
    if chat_type is not None:
        payload["chat_type"] = chat_type
    update = state.push_update("inline_query", payload)
    if update is not None:
        state.inline_queries[query_id] = InlineQueryRecord(
            query_id, user_id, query, offset, chat_type, state.clock()
        )
    return InjectedInlineQuery(query_id, update)


def choose_result(
    state: EmulatorState, inline_query_id: str, result_id: str, *, chat_id: int | None = None
) -> ChosenResult:
    """The reader picks a result of the bot's answer: it is posted in ``chat_id`` (by default the reader's
    own chat with the bot) as their message via the bot."""
    record = state.inline_queries.get(inline_query_id)
    if record is None:
        raise ValueError(f"no inline query {inline_query_id!r}")
    if record.answer is None:
        raise ValueError(f"the bot has not answered inline query {inline_query_id!r}")
    result = next((r for r in record.answer["results"] if r.get("id") == result_id), None)
    if result is None:
        raise ValueError(f"the answer to inline query {inline_query_id!r} has no result {result_id!r}")
    user = ensure_user(state, record.user_id)
    if chat_id is None or chat_id == record.user_id:
        chat = ensure_chat(state, record.user_id, "private", user=user)
    elif chat_id > 0:
        raise ValueError(
            "a private chat with the bot has the reader's id; pick a group or channel for others"
        )
    else:
        known = state.chats.get(chat_id)
        if known is None:
            raise ValueError(f"no chat {chat_id}: add it first (POST /_emulator/chats)")
        chat = known
        chat.members.add(user.id)
    message: dict[str, Any] = {"message_id": state.new_message_id(chat), "from": user_json(user)}
    message.update(date=state.now_date(), chat=chat_json(chat), via_bot=state.bot_user())
    message.update(_posted_content(state, result))
    markup = check_reply_markup(result.get("reply_markup"), (), inline_only=True).markup
    if markup is not None:
        message["reply_markup"] = markup
    state.incoming[(chat.id, message["message_id"])] = message
    message_update = state.push_update("message", message) if bot_sees(state, chat, message) else None
    chosen_update = None
    if state.inline_feedback:
        chosen: dict[str, Any] = {"result_id": result_id, "from": user_json(user), "query": record.query}
        if markup is not None:
            # Only a message with a keyboard can be edited later, so only it gets an inline_message_id.
            chosen["inline_message_id"] = f"AgAAA{abs(chat.id)}_{message['message_id']}"
        chosen_update = state.push_update("chosen_inline_result", chosen)
    record.chosen.append({"result_id": result_id, "chat_id": chat.id, "message_id": message["message_id"]})
    return ChosenResult(message, message_update, chosen_update)


def _checked_result(call: Call, index: int, result: Any) -> str:
    """Check one result as Telegram does when the answer arrives; its id."""
    if not isinstance(result, dict):
        raise bad_request("can't parse inline query result: InlineQueryResult must be an Object")
    spec = call.state.spec
    types = _result_types(spec, result)
    if not types:
        raise bad_request(f"RESULT_TYPE_INVALID: results[{index}] has type {result.get('type')!r}")
    problems = spec.object_problems(types, result, f"results[{index}]")
    for problem in problems:
        if _NOT_A_FIELD in problem:
            call.warn(f"answerInlineQuery {problem}; Telegram ignores it")
    wrong = [problem for problem in problems if _NOT_A_FIELD not in problem]
    if wrong:
        raise bad_request(f"can't parse inline query result: {wrong[0]}")
    result_id = result["id"]
    if not 1 <= len(result_id.encode("utf-8")) <= RESULT_ID_LIMIT:
        raise bad_request("RESULT_ID_INVALID")
    for name in URL_FIELDS:
        if name in result:
            _check_url(index, name, result[name])
    if "caption" in result:
        format_text(result["caption"], result.get("parse_mode"), result.get("caption_entities"), caption=True)
    content = result.get("input_message_content")
    if isinstance(content, dict) and "message_text" in content:
        format_text(content["message_text"], content.get("parse_mode"), content.get("entities"))
        url = (content.get("link_preview_options") or {}).get("url")
        if url is not None:
            _check_url(index, "input_message_content.link_preview_options.url", url)
    button_fields = {field.name for field in spec.types["InlineKeyboardButton"].fields}
    checked = check_reply_markup(result.get("reply_markup"), button_fields, inline_only=True)
    for warning in checked.warnings:
        call.warn(f"results[{index}].reply_markup: {warning}")
    return str(result_id)


def _result_types(spec: ApiSpec, result: dict[str, Any]) -> tuple[str, ...]:
    """The InlineQueryResult subtypes a result's ``type`` names: "photo" is InlineQueryResultPhoto with a
    ``photo_url``, InlineQueryResultCachedPhoto with a ``photo_file_id``."""
    kind = result.get("type")
    named: list[str] = []
    for name in spec.types["InlineQueryResult"].subtypes:
        type_field = next(field for field in spec.types[name].fields if field.name == "type")
        match = _RESULT_KIND.search(type_field.description)
        if match is not None and match.group(1) == kind:
            named.append(name)
    cached = any(field.endswith("_file_id") for field in result)
    narrowed = [name for name in named if name.startswith("InlineQueryResultCached") == cached]
    return tuple(narrowed or named)


def _check_url(index: int, name: str, url: Any) -> None:
    problem = "Unsupported URL protocol"
    if isinstance(url, str) and url.strip().lower().startswith(("http://", "https://")):
        try:
            checked_link(url)
            return
        except LinkError as error:
            problem = str(error)
    raise bad_request(f"results[{index}].{name} '{url}' is invalid: {problem}")


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"].strip():
        raise bad_request("can't parse inline query results button: Can't find field \"text\"")
    actions = [name for name in ("web_app", "start_parameter") if name in button]
    if len(actions) != 1:
        raise bad_request("inline query results button must have exactly one of web_app and start_parameter")
    if actions == ["start_parameter"] and not _START_PARAMETER.fullmatch(str(button["start_parameter"])):
        raise bad_request("START_PARAM_INVALID")


def _posted_content(state: EmulatorState, result: dict[str, Any]) -> dict[str, Any]:
    """The text, or photo and caption, of the message a picked result becomes (checked when answered)."""
    content = result.get("input_message_content")
    if isinstance(content, dict) and "message_text" in content:
        formatted = format_text(content["message_text"], content.get("parse_mode"), content.get("entities"))
        posted: dict[str, Any] = {"text": formatted.text}
        if formatted.entities:
            posted["entities"] = formatted.entities
        if content.get("link_preview_options"):
            posted["link_preview_options"] = content["link_preview_options"]
        return posted
    if content is None and result.get("type") == "photo":
        sizes = state.photos.get(result["photo_file_id"]) if "photo_file_id" in result else None
        posted = {"photo": sizes or state.new_photo(48_000)}
        if result.get("caption"):
            caption = format_text(
                result["caption"], result.get("parse_mode"), result.get("caption_entities"), caption=True
            )
            if caption.text:
                posted["caption"] = caption.text
            if caption.entities:
                posted["caption_entities"] = caption.entities
        return posted
    raise ValueError("the emulator posts picked results with a text message or a photo only")
