"""What the bot can learn about chats: getChat, getChatMember, getChatAdministrators."""

from __future__ import annotations

from typing import Any

from bot.emulator.calls import Call, Handler
from bot.emulator.errors import ApiError, bad_request
from bot.emulator.objects import full_chat_json, member_json, user_json
from bot.emulator.state import ChatInfo


def handlers() -> dict[str, Handler]:
    """The chat information methods this module implements."""
    return {
        "getChat": get_chat,
        "getChatMember": get_chat_member,
        "getChatAdministrators": get_chat_administrators,
    }


async def get_chat(call: Call) -> dict[str, Any]:
    """getChat. Asking about a chat is how a bot finds out whether it exists (a channel an operator
    named, say): "chat not found" is an answer here, not the bot's mistake."""
    try:
        chat = _known_chat(call)
    except ApiError as error:
        error.violation = None
        raise
    return full_chat_json(chat)


async def get_chat_member(call: Call) -> dict[str, Any]:
    """getChatMember: the bot, a configured admin, a reader seen in the chat, or someone who left."""
    chat = _known_chat(call)
    state = call.state
    user_id = call.params["user_id"]
    if user_id == state.bound_bot_id():
        return member_json(_bot_status(chat), state.bot_user(), channel=chat.type == "channel")
    user = state.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    if chat.private:
        status = "member" if user_id == chat.id else "left"
    elif user_id in chat.admins:
        status = chat.admins[user_id]
    else:
        status = "member" if user_id in chat.members else "left"
    return member_json(status, user_json(user), channel=chat.type == "channel")


async def get_chat_administrators(call: Call) -> list[dict[str, Any]]:
    """getChatAdministrators: the configured creator and admins, and the bot if it is one."""
    chat = _known_chat(call)
    if chat.private:
        raise bad_request("there are no administrators in the private chat")
    state = call.state
    admins = [
        member_json(status, user_json(state.users[user_id]), channel=chat.type == "channel")
        for user_id, status in chat.admins.items()
        if user_id in state.users
    ]
    if chat.bot_status == "administrator":
        admins.append(member_json("administrator", state.bot_user(), channel=chat.type == "channel"))
    return admins


def _known_chat(call: Call) -> ChatInfo:
    chat = call.state.chat(call.params["chat_id"])
    if chat is None:
        raise bad_request("chat not found")
    return chat


def _bot_status(chat: ChatInfo) -> str:
    return "member" if chat.private else chat.bot_status
