"""The command list: one entry per command, the source of both the handlers and Telegram's menu."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Update

from bot.chat.context import NewsContext

HandlerFunction = Callable[[Update, NewsContext], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    description: str
    callback: HandlerFunction
    admin_only: bool = False  # hidden from the menu and /help; others get the unknown-command hint
    # In groups, commands change the group's topics or settings and are for its admins only
    # (bot/chat/handlers/groups.py); True: it only reads, and every member may use it.
    for_everyone: bool = False
