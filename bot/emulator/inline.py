"""Inline mode: a reader's inline query, the bot's answerInlineQuery, and the result the reader picks.

Telegram checks an answer when the bot sends it, not when a reader picks a result: every result must be
a valid ``InlineQueryResult`` of its type, its URLs http(s) links to public hosts, its message text and
caption checked as sendMessage and sendPhoto check theirs, its keyboard as valid as a message's. Picking
a result then posts it as the reader's message "via" the bot (what Telegram's client does), and, with
inline feedback on (BotFather's /setinlinefeedback), tells the bot with a ``chosen_inline_result`` update.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.emulator.access import checked_caption, checked_markup, checked_preview, checked_text, open_query
from bot.emulator.calls import Call, Handler
from bot.emulator.errors import bad_request
from bot.emulator.links import LinkError, checked_http_link
from bot.emulator.objects import chat_json, user_json
from bot.emulator.readers import bot_sees, ensure_chat, ensure_user, query_id
from bot.emulator.spec import ApiSpec
from bot.emulator.state import ChatInfo, EmulatorState, InlineQueryRecord

RESULTS_LIMIT = 50  # "No more than 50 results per query are allowed."
RESULT_ID_LIMIT = 64  # bytes: "Unique identifier for this result, 1-64 Bytes"
NEXT_OFFSET_LIMIT = 64  # bytes: "Offset length can't exceed 64 bytes."
START_PARAMETER_LIMIT = 64  # bytes: "1-64 characters, only A-Z, a-z, 0-9, _ and - are allowed"
QUERY_LIMIT = 256  # characters: "Text of the query (up to 256 characters)"
DEFAULT_CACHE_TIME = 300
MAX_CACHE_TIME = 24 * 60 * 60  # the Bot API server clamps cache_time to 0..86400 seconds
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
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]*")
_RESULT_KIND = re.compile(r"must be (\w+)$")
_NOT_A_FIELD = ": not a field of "
_RESULT_UNPARSED = "can't parse inline query result: "
_BUTTON_UNPARSED = "can't parse inline query results button: "


@dataclass(frozen=True)
class ReaderQuery:
    """What a reader types: ``@bot query`` in a chat of ``chat_type`` ("sender": their chat with the
    bot), ``offset`` being the ``next_offset`` of the answer before, to page. The one list of an inline
    query's fields, for the Python control API and ``POST /_emulator/updates/inline`` alike."""

    user_id: int
    query: str = ""
    offset: str = ""
    chat_type: str | None = "sender"
    language_code: str | None = "en"
    first_name: str | None = None
    username: str | None = None

    def __post_init__(self) -> None:
        user_id: Any = self.user_id
        if user_id is None:
            raise ValueError("user_id is required: the reader who types the inline query")
        if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
            raise ValueError(f"user_id must be a positive user id, not {user_id!r}")
        for name in ("query", "offset", "chat_type", "language_code", "first_name", "username"):
            value = getattr(self, name)
            if not isinstance(value, str) and (value is not None or name in ("query", "offset")):
                raise ValueError(f"{name} must be a string, not {value!r}")
        if len(self.query) > QUERY_LIMIT:
            raise ValueError(f"query has at most {QUERY_LIMIT} characters, not {len(self.query)}")
        if len(self.offset.encode("utf-8")) > NEXT_OFFSET_LIMIT:
            raise ValueError(f"offset has at most {NEXT_OFFSET_LIMIT} bytes: it is a next_offset sent back")
        if self.chat_type is not None and self.chat_type not in INLINE_CHAT_TYPES:
            raise ValueError(f"chat_type must be one of {INLINE_CHAT_TYPES} or null, not {self.chat_type!r}")

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> ReaderQuery:
        """The query of these fields; an unknown one is an error that names it."""
        known = [item.name for item in dataclasses.fields(cls)]
        unknown = sorted(set(fields) - set(known))
        if unknown:
            raise ValueError(f"unknown inline query fields {unknown}; the fields are {known}")
        return cls(**fields)


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
    record = open_query(call, state.inline_queries, "inline_query_id")
    results = params["results"]
    if len(results) > RESULTS_LIMIT:
        raise bad_request("too many inline query results specified")
    seen: set[str] = set()
    contents: dict[str, dict[str, Any]] = {}
    for index, result in enumerate(results):
        result_id, content = _checked_result(call, index, result)
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if content is not None:
            contents[result_id] = content
    cache_time = params.get("cache_time", DEFAULT_CACHE_TIME)
    if not 0 <= cache_time <= MAX_CACHE_TIME:
        call.warn(f"cache_time {cache_time} is outside 0..{MAX_CACHE_TIME}; Telegram clamps it")
        cache_time = min(max(cache_time, 0), MAX_CACHE_TIME)
    next_offset = params.get("next_offset", "")
    if len(next_offset.encode("utf-8")) > NEXT_OFFSET_LIMIT:
        raise bad_request("NEXT_OFFSET_INVALID")
    button = params.get("button")
    if button is not None:
        _check_button(call, button)
    record.answered, record.answered_at = True, state.clock()
    record.answer = {
        "results": results,
        "cache_time": cache_time,
        "is_personal": bool(params.get("is_personal", False)),
        "next_offset": next_offset,
        "button": button,
    }
    record.contents = contents
    return True


def reader_inline_query(state: EmulatorState, typed: ReaderQuery) -> InjectedInlineQuery:
    """A reader types ``@bot query``: the ``inline_query`` update, and the record the answer goes to."""
    user = ensure_user(
        state,
        typed.user_id,
        first_name=typed.first_name,
        username=typed.username,
        language_code=typed.language_code,
    )
    new_id = query_id(5, len(state.inline_queries), typed.user_id)
    payload: dict[str, Any] = {"id": new_id, "from": user_json(user), "query": typed.query}
    payload["offset"] = typed.offset
    if typed.chat_type is not None:
        payload["chat_type"] = typed.chat_type
    update = state.push_update("inline_query", payload)
    if update is not None:
        state.inline_queries[new_id] = InlineQueryRecord(
            new_id, typed.user_id, typed.query, typed.offset, typed.chat_type, state.clock()
        )
    return InjectedInlineQuery(new_id, update)


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
    content = record.contents.get(result_id)
    if content is None:
        raise ValueError(
            f"result {result_id!r} is a {result['type']}; the emulator posts picked text and photo results only"
        )
    user = ensure_user(state, record.user_id)
    chat = _chosen_chat(state, record, chat_id)
    message: dict[str, Any] = {"message_id": state.new_message_id(chat), "from": user_json(user)}
    message.update(date=state.now_date(), chat=chat_json(chat), via_bot=state.bot_user())
    if "text" not in content:
        known = state.photos.get(result["photo_file_id"]) if "photo_file_id" in result else None
        message["photo"] = known or state.new_photo(48_000)
    message.update(content)
    state.incoming[(chat.id, message["message_id"])] = message
    message_update = state.push_update("message", message) if bot_sees(state, chat, message) else None
    chosen_update = None
    if state.inline_feedback:
        chosen: dict[str, Any] = {"result_id": result_id, "from": user_json(user), "query": record.query}
        if "reply_markup" in content:
            # Only a message with a keyboard can be edited later, so only it gets an inline_message_id.
            chosen["inline_message_id"] = f"AgAAA{abs(chat.id)}_{message['message_id']}"
        chosen_update = state.push_update("chosen_inline_result", chosen)
    record.chosen.append({"result_id": result_id, "chat_id": chat.id, "message_id": message["message_id"]})
    return ChosenResult(message, message_update, chosen_update)


def _chosen_chat(state: EmulatorState, record: InlineQueryRecord, chat_id: Any) -> ChatInfo:
    """The chat a picked result is posted in: the reader's own with the bot, or a group they are in."""
    if chat_id is None or chat_id == record.user_id:
        return ensure_chat(state, record.user_id, "private", user=ensure_user(state, record.user_id))
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        raise ValueError(f"chat_id must be an integer chat id, not {chat_id!r}")
    if chat_id > 0:
        raise ValueError(
            f"chat_id {chat_id} is not reader {record.user_id}: a private chat with the bot has the "
            "reader's id; pick a group or channel for others"
        )
    known = state.chats.get(chat_id)
    if known is None:
        raise ValueError(f"no chat {chat_id}: add it first (POST /_emulator/chats)")
    known.members.add(record.user_id)
    return known


def _checked_result(call: Call, index: int, result: Any) -> tuple[str, dict[str, Any] | None]:
    """Check one result as Telegram does when the answer arrives: its id, and the message it posts
    when picked (``None`` for kinds the emulator does not post)."""
    where = f"results[{index}]"
    if not isinstance(result, dict):
        raise bad_request(_RESULT_UNPARSED + "Inline query result must be an object")
    spec = call.state.spec
    types = _result_types(spec, result)
    if not types:
        raise bad_request(
            f'{_RESULT_UNPARSED}type "{result.get("type")}" is unsupported for the inline query result'
        )
    problems = spec.object_problems(types, result, where)
    for problem in problems:
        if _NOT_A_FIELD in problem:
            call.warn(f"answerInlineQuery {problem}; Telegram ignores it")
    wrong = [problem for problem in problems if _NOT_A_FIELD not in problem]
    if wrong:
        raise bad_request(_RESULT_UNPARSED + wrong[0])
    result_id = str(result["id"])
    if not 1 <= len(result_id.encode("utf-8")) <= RESULT_ID_LIMIT:
        raise bad_request("RESULT_ID_INVALID")
    for name in URL_FIELDS:
        if name in result:
            try:
                checked_http_link(result[name])
            except LinkError as error:
                raise bad_request(f"{where}.{name} {result[name]!r} is invalid: {error}") from error
    caption = checked_caption(call, result)
    markup = checked_markup(call, result, inline_only=True, where=f"{where}.reply_markup: ")
    message: dict[str, Any] | None = None
    content = result.get("input_message_content")
    if content is not None and "message_text" in content:
        formatted = checked_text(call, content, "message_text")
        message = {"text": formatted.text, "entities": formatted.entities}
        message["link_preview_options"] = checked_preview(call, content)
    elif content is None and result["type"] == "photo":
        message = {}
        if caption is not None:
            message.update(caption=caption.text, caption_entities=caption.entities)
    if message is None:
        return result_id, None
    message["reply_markup"] = markup
    return result_id, {name: value for name, value in message.items() if value}


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


def _check_button(call: Call, button: dict[str, Any]) -> None:
    """The button above the results, as the Bot API server and TDLib check it."""
    if not isinstance(button.get("text"), str):
        raise bad_request(_BUTTON_UNPARSED + 'Can\'t find field "text"')
    actions = [name for name in ("start_parameter", "web_app") if name in button]
    if not actions:
        raise bad_request(_BUTTON_UNPARSED + "InlineQueryResultsButton must have exactly one optional field")
    if len(actions) > 1:
        call.warn(
            "the inline query results button has both start_parameter and web_app; Telegram uses start_parameter"
        )
    if actions[0] == "web_app":
        url = button["web_app"].get("url") if isinstance(button["web_app"], dict) else None
        if not isinstance(url, str):
            raise bad_request(_BUTTON_UNPARSED + 'Can\'t find field "url"')
        try:
            checked_http_link(url, https_only=True)
        except LinkError as error:
            raise bad_request(f"inline query button Web App URL {url!r} is invalid: {error}") from error
        return
    parameter = button["start_parameter"]
    if not isinstance(parameter, str):
        raise bad_request(_BUTTON_UNPARSED + 'Field "start_parameter" must be of type String')
    if not parameter:
        raise bad_request("can't use empty start_parameter")
    if len(parameter.encode("utf-8")) > START_PARAMETER_LIMIT:
        raise bad_request("too long start_parameter specified")
    if not _START_PARAMETER.fullmatch(parameter):
        raise bad_request("unallowed characters in start_parameter are used")
