"""The shape shared by every method handler: the call it gets and the answer it may give."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.emulator.errors import SUSPICIOUS
from bot.emulator.state import EmulatorState
from bot.emulator.wire import UploadedFile


@dataclass
class Call:
    """One decoded Bot API call on its way through a handler."""

    method: str
    params: dict[str, Any]
    state: EmulatorState
    files: dict[str, UploadedFile] = field(default_factory=dict)

    def warn(self, description: str) -> None:
        """Record a legal but suspicious use of the API (the real server would silently accept it)."""
        self.state.violate(SUSPICIOUS, self.method, description, jsonable(self.params))


@dataclass
class Answer:
    """A successful result with the optional ``description`` Telegram adds (e.g. "Webhook was set")."""

    result: Any
    description: str | None = None


Handler = Callable[[Call], Awaitable[Any]]


def jsonable(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters with uploads replaced by a description, ready for JSON."""
    return {
        name: asdict(value) if isinstance(value, UploadedFile) else value for name, value in params.items()
    }
