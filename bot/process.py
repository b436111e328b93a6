"""One ``newsbot run`` process: signals, a start-up that may wait, and the exit status."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.ops.config import Settings
from bot.push.senders import SingleSenderError
from bot.runtime import STOP_GRACE_SECONDS, BotRuntime, Mode, Role

log = logging.getLogger(__name__)


async def run_bot(
    settings: Settings, *, mode: Mode | None = None, role: Role = "all", push_existing: bool = False
) -> int:
    """Run until SIGINT or SIGTERM (exit status 0), or until another process turns out to poll (3).

    A second sender on SQLite is refused at start (exit status 2, the reason on one line).
    """
    runtime = BotRuntime(settings, mode=mode, role=role)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, runtime.stopping.set)
    # Start-up may wait for an unavailable database; a signal meanwhile ends the wait.
    starting = asyncio.create_task(runtime.start(push_existing=push_existing))
    stopped = asyncio.create_task(runtime.stopping.wait())
    await asyncio.wait((starting, stopped), return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not starting.done():
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starting
        await runtime.stop()
        return runtime.exit_status
    try:
        starting.result()
    except SingleSenderError as refused:
        log.error("%s", refused)
        await runtime.stop()
        return 2
    try:
        await runtime.stopping.wait()
        log.info("stopping: finishing in-flight sends (at most %.0f s)", STOP_GRACE_SECONDS)
    finally:
        await runtime.stop()
    return runtime.exit_status
