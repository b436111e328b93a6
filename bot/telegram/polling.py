"""Only one process may poll getUpdates: telling the second process apart from one that lost its poll.

Telegram answers a waiting ``getUpdates`` with ``409 Conflict: terminated by other getUpdates request``
as soon as another ``getUpdates`` with the same token arrives, so two polling processes end each other's
polls in turn and split the updates between them. Which one is the intruder? The process that meets a conflict
before any of its own polls ever succeeded started while another one was already polling: it says so and
exits with ``EXIT_DUPLICATE_POLLER``. A process that had been polling fine keeps polling, warns once per
conflict episode, reports itself unhealthy until a poll succeeds again, and counts every conflict.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus

from telegram._utils.types import ODVInput
from telegram.error import Conflict, TelegramError
from telegram.request import BaseRequest, RequestData

from bot.telegram.transport import AiohttpRequest

log = logging.getLogger(__name__)

EXIT_DUPLICATE_POLLER = 3
DUPLICATE_POLLER = (
    "another process is already polling getUpdates with this bot token; only one polling process may run"
    " — stop it, or run extra processes with --role sender, or use webhook mode (Telegram: %s)"
)
NEWCOMER = (
    "polling conflict: another process started taking this bot's updates (Telegram: %s); this process"
    " keeps polling and reports unhealthy until the other one stops. Only one process may poll getUpdates:"
    " stop the other one, run it with --role sender, or use webhook mode for all of them"
)


class PollingGuard:
    """Watches this process's getUpdates: successes through ``UpdatesRequest``, errors through PTB.

    ``error_callback`` is the ``error_callback`` of ``Updater.start_polling``: PTB calls it for every
    ``TelegramError`` of its polling loop except time-outs and flood waits, and retries after it returns.
    ``on_conflict`` is called for every conflict Telegram reports (the metrics count them); ``on_duplicate``
    once, when this process turns out to be the second poller.
    """

    def __init__(self, on_conflict: Callable[[], None], on_duplicate: Callable[[], None]) -> None:
        self._on_conflict = on_conflict
        self._on_duplicate = on_duplicate
        self.polled = False
        self.in_conflict = False
        self.duplicate = False

    @property
    def sole_poller(self) -> bool:
        """False while another process is polling with the same token (for ``/healthz``)."""
        return not (self.in_conflict or self.duplicate)

    def poll_succeeded(self) -> None:
        """A getUpdates call was answered 200: this process is (again) the one polling."""
        self.polled = True
        if self.in_conflict and not self.duplicate:
            self.in_conflict = False
            log.info("polling: getUpdates answers again; the other polling process is gone")

    def error_callback(self, error: TelegramError) -> None:
        """PTB's polling loop met ``error``; it retries after this returns (which must not raise)."""
        if not isinstance(error, Conflict):
            # What PTB's own callback would log, without its traceback through PTB's request code.
            log.error("polling: getUpdates failed, retrying: %s: %s", type(error).__name__, error)
            return
        self._on_conflict()
        if self.duplicate:
            return
        if not self.polled:
            self.duplicate = True
            log.error(DUPLICATE_POLLER, error.message)
            self._on_duplicate()
        elif not self.in_conflict:
            self.in_conflict = True
            log.warning(NEWCOMER, error.message)


class UpdatesRequest(AiohttpRequest):
    """The transport PTB uses for getUpdates alone (one connection), telling the guard of each success."""

    def __init__(self, guard: PollingGuard) -> None:
        super().__init__(1)
        self._guard = guard

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        status, body = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if status == HTTPStatus.OK:
            self._guard.poll_succeeded()
        return status, body
