"""What readers do, turned into updates: write a message, tap a button, block or add the bot."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.emulator.html import utf16_len
from bot.emulator.objects import chat_json, member_json, message_json, reply_target, user_json
from bot.emulator.state import CallbackRecord, ChatInfo, EmulatorState, UserInfo

CHAT_TYPES = ("private", "group", "supergroup", "channel")
BOT_STATUSES = ("member", "administrator", "left", "kicked")
GROUP_ANONYMOUS_BOT = UserInfo(1087968824, "Group", "GroupAnonymousBot", is_bot=True)
CHANNEL_BOT = UserInfo(136817688, "Channel", "Channel_Bot", is_bot=True)
# A command is "/name" or "/name@bot", not glued to a word, a slash or an angle bracket (TDLib's rule).
_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@([A-Za-z0-9_]{3,32})|(?!@))(?![\w/<>])")


@dataclass
class InjectedMessage:
    """A reader's message; ``update`` is ``None`` when Telegram would not deliver it to the bot."""

    message: dict[str, Any]
    update: dict[str, Any] | None

    @property
    def delivered(self) -> bool:
        """Whether the bot gets an update for it (privacy mode and allowed_updates decide)."""
        return self.update is not None


@dataclass
class InjectedCallback:
    """A button tap: the id the bot must answer, and the update (``None`` if not delivered)."""

    callback_query_id: str
    update: dict[str, Any] | None


def ensure_chat(
    state: EmulatorState,
    chat_id: int,
    chat_type: str,
    *,
    title: str | None = None,
    username: str | None = None,
    user: UserInfo | None = None,
) -> ChatInfo:
    """The chat with that id, created on first sight; its type cannot change."""
    if chat_type not in CHAT_TYPES:
        raise ValueError(f"chat_type must be one of {CHAT_TYPES}, not {chat_type!r}")
    if (chat_type == "private") != (chat_id > 0):
        raise ValueError("private chats have positive ids (the user's id), groups and channels negative ones")
    chat = state.chats.get(chat_id)
    if chat is None:
        chat = ChatInfo(id=chat_id, type=chat_type, title=title or f"{chat_type.title()} {abs(chat_id)}")
        chat.bot_status = "administrator" if chat_type == "channel" else "member"
        if user is not None and chat_type == "private":
            chat.title = None
            chat.first_name, chat.last_name, chat.username = user.first_name, user.last_name, user.username
        state.chats[chat_id] = chat
    elif chat.type != chat_type:
        raise ValueError(f"chat {chat_id} is a {chat.type}, not a {chat_type}")
    if username is not None:
        chat.username = username
    return chat


def ensure_user(state: EmulatorState, user_id: int, **details: Any) -> UserInfo:
    """The user with that id, created on first sight; given details update it."""
    user = state.users.get(user_id)
    if user is None:
        user = state.users[user_id] = UserInfo(user_id, f"Reader {user_id}")
    for name, value in details.items():
        if value is not None:
            setattr(user, name, value)
    return user


def reader_message(
    state: EmulatorState,
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
    """A text message from a reader (or a channel post), with ``bot_command`` entities."""
    if not 0 < utf16_len(text) <= 4096:
        raise ValueError("a message text has 1-4096 UTF-16 code units")
    if user_id is None and chat_type == "private":
        user_id = chat_id
    if chat_type == "private" and user_id != chat_id:
        raise ValueError("a private chat's id is its user's id")
    if user_id is None and chat_type != "channel" and sender_chat_id is None:
        raise ValueError("user_id is required for messages in groups (or sender_chat_id for anonymous ones)")
    user = None
    if user_id is not None and chat_type != "channel":
        user = ensure_user(
            state,
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
    chat = ensure_chat(state, chat_id, chat_type, title=chat_title, user=user)
    if chat.private and chat.bot_status == "kicked":
        raise ValueError(f"user {chat_id} blocked the bot; inject a 'member' my_chat_member update first")
    replied = None
    if reply_to_message_id is not None:
        replied = reply_target(state, chat.id, reply_to_message_id)
        if replied is None:
            raise ValueError(f"no message {reply_to_message_id} in chat {chat.id} to reply to")
    message: dict[str, Any] = {"message_id": state.new_message_id(chat)}
    if message_thread_id is not None:
        message["message_thread_id"] = message_thread_id
        if is_topic_message:
            chat.is_forum = True
            chat.threads.add(message_thread_id)
    if user is not None:
        chat.members.add(user.id)
        message["from"] = user_json(user)
    sender = chat if chat_type == "channel" else _sender_chat(state, chat, sender_chat_id)
    if sender is not None:
        message["sender_chat"] = chat_json(sender)
        if chat_type != "channel":
            message["from"] = user_json(GROUP_ANONYMOUS_BOT if sender is chat else CHANNEL_BOT)
    message.update(date=state.now_date(), chat=chat_json(chat))
    if is_topic_message:
        message["is_topic_message"] = True
    if replied is not None:
        message["reply_to_message"] = replied
    message["text"] = text
    entities = command_entities(text)
    if entities:
        message["entities"] = entities
    state.incoming[(chat.id, message["message_id"])] = message
    update = None
    if bot_sees(state, chat, message):
        update = state.push_update("channel_post" if chat_type == "channel" else "message", message)
    return InjectedMessage(message, update)


def reader_tap(
    state: EmulatorState,
    chat_id: int,
    message_id: int,
    data: str,
    *,
    user_id: int | None = None,
    force: bool = False,
) -> InjectedCallback:
    """A tap on a callback button of the bot's message, as it currently looks."""
    sent = state.bot_message(chat_id, message_id)
    if sent is None:
        raise ValueError(f"the bot has no message {message_id} in chat {chat_id}")
    buttons = [button for row in (sent.reply_markup or {}).get("inline_keyboard", []) for button in row]
    if not force and data not in [button.get("callback_data") for button in buttons]:
        raise ValueError(
            f"message {message_id} has no button with callback_data {data!r} (force=True to send it)"
        )
    if user_id is None:
        if chat_id < 0:
            raise ValueError("user_id is required for taps in groups")
        user_id = chat_id
    user = ensure_user(state, user_id)
    new_id = query_id(4, len(state.callbacks), user_id)
    payload = {
        "id": new_id,
        "from": user_json(user),
        "message": message_json(state, sent),
        "chat_instance": str(abs(chat_id * 2654435761) % 10**19),
        "data": data,
    }
    update = state.push_update("callback_query", payload)
    if update is not None:
        state.callbacks[new_id] = CallbackRecord(new_id, chat_id, message_id, user_id, data, state.clock())
    return InjectedCallback(new_id, update)


def query_id(series: int, earlier: int, user_id: int) -> str:
    """A fresh id for a callback (series 4) or inline (series 5) query, unique among the ``earlier`` ones
    of its series and shaped like Telegram's: a large decimal number."""
    return str(series * 10**18 + 7919 * (earlier + 1) + user_id % 7919)


def bot_membership(
    state: EmulatorState,
    chat_id: int,
    status: str,
    *,
    user_id: int | None = None,
    chat_type: str = "private",
    chat_title: str | None = None,
) -> dict[str, Any] | None:
    """A change of the bot's membership: blocked ("kicked") or unblocked ("member") by a user, or
    added to / removed from a group or channel by ``user_id``."""
    if status not in BOT_STATUSES:
        raise ValueError(f"status must be one of {BOT_STATUSES}")
    if user_id is None:
        if chat_type != "private":
            raise ValueError("user_id (who changed the bot's membership) is required for groups and channels")
        user_id = chat_id
    user = ensure_user(state, user_id)
    new_chat = chat_id not in state.chats
    chat = ensure_chat(state, chat_id, chat_type, title=chat_title, user=user)
    old = "left" if new_chat and not chat.private else chat.bot_status
    chat.bot_status, chat.rights_refused = status, False
    bot = state.bot_user()
    payload = {
        "chat": chat_json(chat),
        "from": user_json(user),
        "date": state.now_date(),
        "old_chat_member": member_json(old, bot, channel=chat.type == "channel"),
        "new_chat_member": member_json(status, bot, channel=chat.type == "channel"),
    }
    return state.push_update("my_chat_member", payload)


def command_entities(text: str) -> list[dict[str, Any]]:
    """``bot_command`` entities as Telegram detects them (offsets in UTF-16 code units)."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group(0)),
        }
        for match in _COMMAND.finditer(text)
    ]


def _sender_chat(state: EmulatorState, chat: ChatInfo, sender_chat_id: int | None) -> ChatInfo | None:
    if sender_chat_id is None:
        return None
    if sender_chat_id == chat.id:
        return chat  # an anonymous group admin
    sender = state.chats.get(sender_chat_id)
    if sender is None or sender.type != "channel":
        raise ValueError(f"sender_chat_id {sender_chat_id} is neither this chat nor a known channel")
    return sender


def bot_sees(state: EmulatorState, chat: ChatInfo, message: dict[str, Any]) -> bool:
    """Whether Telegram passes a message in ``chat`` to the bot."""
    # In privacy mode a bot in a group gets only commands meant for it, replies to it and mentions
    # of it, unless it is an administrator; a bot that left or was kicked gets nothing, and a
    # channel's posts reach only its administrators.
    if chat.bot_status in ("left", "kicked") and not chat.private:
        return False
    if chat.type == "channel":
        return chat.bot_status == "administrator"
    if chat.private or not state.privacy_mode or chat.bot_status == "administrator":
        return True
    text: str = message.get("text") or message.get("caption") or ""
    name = state.bot_username.lower()
    for match in _COMMAND.finditer(text):
        addressee = match.group(1)
        if addressee is None or addressee.lower() == name:
            return True
    replied = message.get("reply_to_message", {})
    if replied.get("from", {}).get("id") == state.bound_bot_id():
        return True
    return f"@{name}" in text.lower()
