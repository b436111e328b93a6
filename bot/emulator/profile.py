"""The bot's own profile: getMe, the command menu, its descriptions, and close/logOut."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.emulator.calls import Call, Handler
from bot.emulator.errors import ApiError, bad_request
from bot.emulator.state import EmulatorState

COMMAND_LIMIT = 100
COMMAND_NAME_LIMIT = 32
DESCRIPTION_LIMIT = 256
# setMyDescription and setMyShortDescription: "0-512 characters", "0-120 characters" (Bot API).
BOT_DESCRIPTION_LIMIT = 512
BOT_SHORT_DESCRIPTION_LIMIT = 120
_COMMAND = re.compile(r"^[a-z0-9_]+$")
_LANGUAGE = re.compile(r"^([a-z]{2})?$")
_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


def handlers() -> dict[str, Handler]:
    """The profile methods this module implements."""
    return {
        "getMe": get_me,
        "setMyCommands": set_my_commands,
        "getMyCommands": get_my_commands,
        "deleteMyCommands": delete_my_commands,
        "setMyDescription": set_my_description,
        "getMyDescription": get_my_description,
        "setMyShortDescription": set_my_short_description,
        "getMyShortDescription": get_my_short_description,
        "close": close,
        "logOut": log_out,
    }


async def get_me(call: Call) -> dict[str, Any]:
    """getMe: the bot user with its capabilities."""
    state = call.state
    return {
        **state.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": not state.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def set_my_commands(call: Call) -> bool:
    """setMyCommands, validated like TDLib and the server do."""
    raw = call.params["commands"]
    if len(raw) > COMMAND_LIMIT:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    commands = [_command(call, item) for item in raw]
    names = [command["command"] for command in commands]
    if len(set(names)) != len(names):
        call.warn(f"duplicate commands in {names}")
    key = _scope_key(call)
    if commands:
        call.state.commands[key] = commands
    else:
        call.state.commands.pop(key, None)
    return True


async def get_my_commands(call: Call) -> list[dict[str, str]]:
    """getMyCommands for exactly the given scope and language (no fallback, like Telegram)."""
    return list(call.state.commands.get(_scope_key(call), []))


async def delete_my_commands(call: Call) -> bool:
    """deleteMyCommands."""
    call.state.commands.pop(_scope_key(call), None)
    return True


async def set_my_description(call: Call) -> bool:
    """setMyDescription: the empty chat's text for one language; "" removes that language's own."""
    _set_text(call, call.state.descriptions, "description", BOT_DESCRIPTION_LIMIT)
    return True


async def get_my_description(call: Call) -> dict[str, str]:
    """getMyDescription for exactly the given language ("" when it has none of its own)."""
    return {"description": call.state.descriptions.get(_language(call), "")}


async def set_my_short_description(call: Call) -> bool:
    """setMyShortDescription: the profile page's and shared link's text for one language."""
    _set_text(call, call.state.short_descriptions, "short_description", BOT_SHORT_DESCRIPTION_LIMIT)
    return True


async def get_my_short_description(call: Call) -> dict[str, str]:
    """getMyShortDescription for exactly the given language."""
    return {"short_description": call.state.short_descriptions.get(_language(call), "")}


async def close(call: Call) -> bool:
    """close: the bot instance shuts down; nothing to do for an emulator."""
    return True


async def log_out(call: Call) -> bool:
    """logOut."""
    return True


def _command(call: Call, item: Any) -> dict[str, str]:
    if not isinstance(item, dict):
        raise _parse_error("expected an Object")
    for name in ("command", "description"):
        if name not in item:
            raise _parse_error(f'Can\'t find field "{name}"')
        if not isinstance(item[name], str):
            raise _parse_error(f'Field "{name}" must be of type String')
    command = item["command"].strip()
    if command.startswith("/"):
        call.warn(f"command {command!r} starts with '/'; Telegram strips it")
        command = command[1:]
    if not command:
        raise bad_request("command must be non-empty")
    if len(command) > COMMAND_NAME_LIMIT:
        raise bad_request(f"command length must not exceed {COMMAND_NAME_LIMIT}")
    if not _COMMAND.match(command):
        raise bad_request("BOT_COMMAND_INVALID")
    description = item["description"].strip()
    if not description:
        raise bad_request("command description must be non-empty")
    if len(description) > DESCRIPTION_LIMIT:
        raise bad_request(f"command description length must not exceed {DESCRIPTION_LIMIT}")
    return {"command": command, "description": description}


def _scope_key(call: Call) -> tuple[str, str]:
    scope = call.params.get("scope") or {"type": "default"}
    kind = scope.get("type")
    if kind not in _SCOPES:
        raise bad_request("can't parse BotCommandScope: Unsupported type specified")
    if kind.startswith("chat"):
        _scope_chat(call.state, scope)
    return json.dumps(scope, sort_keys=True), _language(call)


def _set_text(call: Call, texts: dict[str, str], name: str, limit: int) -> None:
    language = _language(call)
    text = str(call.params.get(name, ""))
    if len(text) > limit:
        raise bad_request(f"{name} length must not exceed {limit}")
    if text:
        texts[language] = text
    else:
        texts.pop(language, None)


def _language(call: Call) -> str:
    language = str(call.params.get("language_code", ""))
    if not _LANGUAGE.match(language):
        raise bad_request("invalid language code specified")
    return language


def _scope_chat(state: EmulatorState, scope: dict[str, Any]) -> None:
    if "chat_id" not in scope:
        raise bad_request("can't parse BotCommandScope: Empty chat_id specified")
    if state.chat(scope["chat_id"]) is None:
        raise bad_request("chat not found")
    if scope["type"] == "chat_member" and not isinstance(scope.get("user_id"), int):
        raise bad_request("can't parse BotCommandScope: Invalid user_id specified")


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse BotCommand: {reason}")
