"""The error a Bot API method answers with, in Telegram's own wording."""

from __future__ import annotations

from typing import Any

# Violation kinds: what a recorded violation says about the bot that caused it.
BOT_BUG = "bad_request"
UNKNOWN_METHOD = "unknown_method"
UNKNOWN_PARAMETER = "unknown_parameter"
UNIMPLEMENTED = "unimplemented"
CONFLICT = "conflict"
SUSPICIOUS = "suspicious"
EMULATOR_BUG = "emulator_bug"

# What answerCallbackQuery and answerInlineQuery get for a query unknown, answered or past its time.
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


class ApiError(Exception):
    """A failed call: HTTP status, Telegram's description and optional ``parameters``.

    ``violation`` names the kind of bot mistake this error reveals, or is ``None`` when the error is
    the world's doing (a blocked chat, an injected fault, a flood limit) rather than the bot's.
    """

    def __init__(
        self,
        status: int,
        description: str,
        *,
        parameters: dict[str, Any] | None = None,
        violation: str | None = BOT_BUG,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters
        self.violation = violation

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    """A 400 caused by the bot's request; ``message`` is the part after ``Bad Request:``."""
    return ApiError(400, f"Bad Request: {message}")


def forbidden(message: str) -> ApiError:
    """A 403: the chat is closed to the bot (blocked, kicked); not a bot bug."""
    return ApiError(403, f"Forbidden: {message}", violation=None)


def too_many_requests(retry_after: int) -> ApiError:
    """A 429 flood-control answer; PTB turns it into ``telegram.error.RetryAfter``."""
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        parameters={"retry_after": retry_after},
        violation=None,
    )


def not_found() -> ApiError:
    """The answer api.telegram.org gives for a method that does not exist."""
    return ApiError(404, "Not Found", violation=UNKNOWN_METHOD)


def not_implemented(what: str) -> ApiError:
    """A loud failure for a real Bot API feature the emulator does not model."""
    return ApiError(501, f"Not Implemented: the emulator does not implement {what}", violation=UNIMPLEMENTED)


def conflict(message: str) -> ApiError:
    """A 409: two bot instances, or polling while a webhook is set."""
    return ApiError(409, f"Conflict: {message}", violation=CONFLICT)


def server_error(status: int) -> ApiError:
    """An injected 5xx, worded as Telegram's front end words it."""
    description = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}.get(
        status, "Internal Server Error"
    )
    return ApiError(status, description, violation=None)
