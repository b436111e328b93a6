"""The sandbox's simulated readers, and what they wrote, kept for the page (the emulator keeps the bot's side)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Reader:
    chat_id: int
    name: str
    language_code: str

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


READERS = (
    Reader(1001, "Alice (operator)", "en"),
    Reader(1002, "Bob", "en"),
    Reader(1003, "Chloé", "fr"),
)


@dataclass
class ReaderLog:
    """What the simulated readers typed or posted, for the page.

    ``revision`` counts additions: a reader's message that reaches no bot (or reaches it after the page
    asked) still tells the open pages to refetch.
    """

    messages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    photo_urls: dict[str, str] = field(default_factory=dict)  # Telegram file_id -> the URL it came from
    revision: int = 0

    def add(self, chat_id: int, message: dict[str, Any]) -> None:
        self.messages.setdefault(chat_id, []).append(message)
        self.revision += 1

    def typed(self, chat_id: int, text: str) -> None:
        """A message the reader typed in the composer."""
        self.add(
            chat_id, {"from": "reader", "text": text, "time": time.monotonic(), "date": int(time.time())}
        )

    def posted_via(self, chat_id: int, message: dict[str, Any], photo_url: str | None) -> dict[str, Any]:
        """A picked inline result, as the reader's message "via @bot" (the emulator's ``Message`` object);
        ``photo_url`` is where a photo result's picture came from. Returns the page's view of it."""
        posted = {
            "from": "reader",
            "via": message["via_bot"]["username"],
            "message_id": message["message_id"],
            "time": time.monotonic(),
            "date": message["date"],
            "text": message.get("text"),
            "entities": message.get("entities", []),
            "caption": message.get("caption"),
            "caption_entities": message.get("caption_entities", []),
            "photo": "photo" in message,
            "photo_url": photo_url,
            "reply_markup": message.get("reply_markup"),
            "link_preview": message.get("link_preview_options"),
            "silent": False,
            "edited": False,
            "deleted": False,
        }
        self.add(chat_id, posted)
        return posted
