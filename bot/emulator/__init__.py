"""An honest Telegram Bot API emulator for tests, a sandbox and people.

It answers PTB over real HTTP, checks every call against the official specification
(``data/api.json``), enforces Telegram's formatting, keyboard and flood rules with Telegram's own
error messages, and records everything the bot did for inspection.

It imports nothing else of the project: it stands for Telegram, and knows the bot only over HTTP.
"""

from __future__ import annotations

from bot.emulator.faults import Faults
from bot.emulator.limits import EmulatorLimits
from bot.emulator.readers import InjectedCallback, InjectedMessage
from bot.emulator.server import BotApiEmulator, serve_forever
from bot.emulator.spec import ApiSpec
from bot.emulator.state import CallbackRecord, CallRecord, SentMessage, Violation

__all__ = [
    "ApiSpec",
    "BotApiEmulator",
    "CallRecord",
    "CallbackRecord",
    "EmulatorLimits",
    "Faults",
    "InjectedCallback",
    "InjectedMessage",
    "SentMessage",
    "Violation",
    "serve_forever",
]
