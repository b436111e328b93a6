"""Injected trouble: blocked chats, unreachable photo URLs, failing or slow calls, migrated groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.emulator.errors import ApiError, bad_request, forbidden, server_error, too_many_requests

ANY_METHOD = "*"


@dataclass
class ScheduledFailure:
    """The next ``remaining`` calls of ``method`` (``*`` for any) fail with ``status``."""

    method: str
    remaining: int
    status: int
    retry_after: int = 1

    def error(self) -> ApiError:
        """The error each affected call answers with."""
        if self.status == 429:
            return too_many_requests(self.retry_after)
        return server_error(self.status)


@dataclass
class Faults:
    """Everything that is currently set to go wrong; empty means a healthy Telegram."""

    blocked_chats: set[int | str] = field(default_factory=set)
    unreachable_urls: set[str] = field(default_factory=set)
    unreachable_url_parts: set[str] = field(default_factory=set)
    wrong_type_urls: set[str] = field(default_factory=set)
    wrong_type_url_parts: set[str] = field(default_factory=set)
    failures: list[ScheduledFailure] = field(default_factory=list)
    delays: dict[str, float] = field(default_factory=dict)
    migrated_chats: dict[int, int] = field(default_factory=dict)

    def block_chat(self, chat_id: int | str) -> None:
        """Every send to ``chat_id`` answers 403 "bot was blocked by the user"."""
        self.blocked_chats.add(chat_id)

    def unblock_chat(self, chat_id: int | str) -> None:
        """Undo :meth:`block_chat`."""
        self.blocked_chats.discard(chat_id)

    def make_url_unreachable(self, url: str | None = None, *, containing: str | None = None) -> None:
        """Fetching this URL (or any URL containing the substring) fails."""
        _add(self.unreachable_urls, self.unreachable_url_parts, url, containing)

    def make_url_wrong_type(self, url: str | None = None, *, containing: str | None = None) -> None:
        """This URL (or any URL containing the substring) serves something that is not a photo."""
        _add(self.wrong_type_urls, self.wrong_type_url_parts, url, containing)

    def fail_next(
        self, method: str = ANY_METHOD, count: int = 1, status: int = 500, retry_after: int = 1
    ) -> None:
        """The next ``count`` calls of ``method`` fail with ``status`` (500, 502, 503 or 429)."""
        if status not in (429, 500, 502, 503):
            raise ValueError(f"unsupported injected status {status}")
        if count < 1 or retry_after < 1:
            raise ValueError("count and retry_after must be positive")
        self.failures.append(ScheduledFailure(method, count, status, retry_after))

    def delay(self, method: str, seconds: float) -> None:
        """Answers to ``method`` (``*`` for all) arrive ``seconds`` late; 0 removes the delay."""
        if seconds <= 0:
            self.delays.pop(method, None)
        else:
            self.delays[method] = seconds

    def migrate_chat(self, chat_id: int, new_chat_id: int) -> None:
        """The group ``chat_id`` was upgraded to the supergroup ``new_chat_id``."""
        self.migrated_chats[chat_id] = new_chat_id

    def clear(self) -> None:
        """Back to a healthy Telegram."""
        for value in (
            self.blocked_chats,
            self.unreachable_urls,
            self.unreachable_url_parts,
            self.wrong_type_urls,
            self.wrong_type_url_parts,
            self.delays,
            self.migrated_chats,
        ):
            value.clear()
        self.failures.clear()

    def take_failure(self, method: str) -> ApiError | None:
        """Consume one scheduled failure that applies to ``method``."""
        for failure in self.failures:
            if failure.method in (method, ANY_METHOD):
                failure.remaining -= 1
                if failure.remaining == 0:
                    self.failures.remove(failure)
                return failure.error()
        return None

    def delay_for(self, method: str) -> float:
        """How long ``method`` answers are held back."""
        return self.delays.get(method, self.delays.get(ANY_METHOD, 0.0))

    def chat_error(self, chat_id: int | str) -> ApiError | None:
        """The error every write to ``chat_id`` gets, if the chat is blocked or migrated."""
        if chat_id in self.blocked_chats:
            return forbidden("bot was blocked by the user")
        if isinstance(chat_id, int) and chat_id in self.migrated_chats:
            return ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                parameters={"migrate_to_chat_id": self.migrated_chats[chat_id]},
                violation=None,
            )
        return None

    def fetch_error(self, url: str) -> ApiError | None:
        """The error fetching ``url`` gives, if one is injected."""
        if url in self.unreachable_urls or any(part in url for part in self.unreachable_url_parts):
            return _world(bad_request("failed to get HTTP URL content"))
        if url in self.wrong_type_urls or any(part in url for part in self.wrong_type_url_parts):
            return _world(bad_request("wrong type of the web page content"))
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description of the current faults."""
        return {
            "blocked_chats": sorted(self.blocked_chats, key=str),
            "unreachable_urls": sorted(self.unreachable_urls),
            "unreachable_url_substrings": sorted(self.unreachable_url_parts),
            "wrong_type_urls": sorted(self.wrong_type_urls),
            "wrong_type_url_substrings": sorted(self.wrong_type_url_parts),
            "fail_next": [vars(failure).copy() for failure in self.failures],
            "delays": dict(self.delays),
            "migrated_chats": {str(old): new for old, new in self.migrated_chats.items()},
        }


def _add(exact: set[str], parts: set[str], url: str | None, containing: str | None) -> None:
    if url is None and containing is None:
        raise ValueError("give a url or a substring")
    if url is not None:
        exact.add(url)
    if containing is not None:
        parts.add(containing)


def _world(error: ApiError) -> ApiError:
    error.violation = None  # the photo host failed, not the bot
    return error
