"""The content watcher: syncs the store when files under the content folder change.

Events come from ``watchfiles`` (inotify where available); a periodic full rescan is the safety net for
filesystems that do not report changes. A changed file is taken only once its size and mtime have stopped
moving, so a slow in-place write is read when it is complete, not half-way.

The folder itself may go away (an unmounted volume, a folder moved aside or replaced): the syncs meanwhile
hold their withdrawals (storage/catalog/withdraw_guard.py), and the watch looks for the folder every
``FOLDER_POLL_SECONDS``, watches it again once it is back and syncs then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path, PurePosixPath

from watchfiles import Change, awatch

from bot.ops.outages import DatabaseOutages
from storage.catalog.report import SyncReport
from storage.catalog.sync import ContentSync
from storage.content.channel_file import CHANNELS_FILE
from storage.content.files import is_article_path

log = logging.getLogger(__name__)

ReportHandler = Callable[[SyncReport], Awaitable[None]]
MAX_SETTLE_SECONDS = 30.0
FOLDER_POLL_SECONDS = 1.0  # how often a folder that went away is looked for


def _stat_key(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _identity(folder: Path) -> tuple[int, int] | None:
    """Which folder is at this path (device and inode), None when none is: a watch follows the inode."""
    try:
        stat = os.stat(folder)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino) if os.path.isdir(folder) else None


class ContentWatcher:
    """Watches one folder and runs ``ContentSync`` when it changes, and every ``rescan_seconds``."""

    def __init__(
        self,
        sync: ContentSync,
        *,
        on_report: ReportHandler,
        debounce_ms: int = 400,
        rescan_seconds: float = 300.0,
        force_polling: bool | None = None,
        outages: DatabaseOutages | None = None,
    ) -> None:
        self.sync = sync
        self.outages = outages
        self.on_report = on_report
        self.debounce_ms = debounce_ms
        self.rescan_seconds = rescan_seconds
        self.force_polling = force_polling
        self.last_sync_monotonic: float | None = None
        self._dirty: set[str] = set()
        self._failed_syncs = 0  # in a row, during a database outage: the backoff step
        self._wake = asyncio.Event()
        self._rewatch = asyncio.Event()  # ends the current watch: the folder it watched is gone
        self._watched: tuple[int, int] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def alive(self) -> bool:
        return bool(self._tasks) and not any(task.done() for task in self._tasks)

    def _wanted(self, change: Change, path: str) -> bool:
        root = self.sync.root.resolve()
        try:
            rel = PurePosixPath(Path(path).resolve().relative_to(root).as_posix())
        except ValueError:
            return False
        if change == Change.deleted or rel.name == "topics.yaml" or is_article_path(rel, self.sync.excludes):
            return True
        if rel.as_posix() == CHANNELS_FILE:
            return (
                True  # not an article: the sync's report makes the channels follow it (bot/ops/channels.py)
            )
        # Files written into a brand-new folder can land before the folder is watched: sync on the folder.
        return (
            change == Change.added and Path(path).is_dir() and not any(p.startswith(".") for p in rel.parts)
        )

    async def start(self) -> None:
        """Start watching; the caller has already run the start-up sync."""
        self._stop = asyncio.Event()
        self._tasks = [
            asyncio.create_task(self._watch(), name="content-watch"),
            asyncio.create_task(self._work(), name="content-sync"),
        ]
        # Files dropped between the start-up sync and the moment the watch is registered raise no event:
        # let the watch register (its first step), then sync once more to catch them.
        await asyncio.sleep(0)
        self._wake.set()

    async def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._rewatch.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def request_sync(self) -> None:
        """Ask for a sync soon (``/reload`` uses ``sync_now`` instead, to wait for the result)."""
        self._wake.set()

    async def sync_now(self, *, settle: bool = True, allow_mass_withdraw: bool = False) -> SyncReport:
        """Sync now; ``settle=False`` (``/reload``) also reads files that changed a moment ago."""
        report = await self.sync.sync(settle=settle, allow_mass_withdraw=allow_mass_withdraw)
        self.last_sync_monotonic = time.monotonic()
        if _identity(self.sync.root) != self._watched:
            self._rewatch.set()  # the watched folder was removed or replaced without an event saying so
        if report.deferred:
            # Files still being written: look again once they have had time to settle.
            asyncio.get_running_loop().call_later(max(self.debounce_ms, 50) / 1000, self._wake.set)
        await self.on_report(report)
        return report

    async def confirm_withdraw(self) -> SyncReport | None:
        """``/withdraw_confirm``: sync, withdrawing what the last sync held; None when it held nothing."""
        if self.sync.guard.held is None:
            return None
        return await self.sync_now(settle=False, allow_mass_withdraw=True)

    async def _watch(self) -> None:
        """Watch the folder; while it is gone, look for it every ``FOLDER_POLL_SECONDS``; watch it again and
        sync once it is back."""
        first = True
        while not self._stop.is_set():
            self._watched = _identity(self.sync.root)
            self._rewatch = asyncio.Event()
            if self._watched is not None:
                if not first:  # once the watch is registered (its first step): files came with the folder
                    asyncio.get_running_loop().call_soon(self._wake.set)
                with contextlib.suppress(OSError):  # gone or unreadable again before the watch could start
                    async for changes in awatch(
                        self.sync.root,
                        debounce=max(self.debounce_ms, 1),
                        stop_event=self._rewatch,
                        watch_filter=self._wanted,
                        force_polling=self.force_polling,
                        recursive=True,
                    ):
                        self._dirty.update(path for _change, path in changes)
                        self._wake.set()
                        if _identity(self.sync.root) != self._watched:
                            break  # moved away or replaced: this watch would see nothing more
                self._wake.set()  # sync: the folder is gone, or what changed while it was not watched
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=FOLDER_POLL_SECONDS)
            first = False

    async def _work(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.rescan_seconds)
            self._wake.clear()
            if self._stop.is_set():
                return
            await self._settle()
            try:
                await self.sync_now()
            except Exception as error:
                if self.outages is not None and self.outages.failed(error, "syncing the content folder"):
                    # The database is away: sync again once it is back (or at the next backoff step), not
                    # at the next rescan. What changed meanwhile is found then: a sync compares the files
                    # with what the database holds, not with a list of events.
                    await self.outages.pause(self._failed_syncs)
                    self._failed_syncs += 1
                    self._wake.set()
                    continue
                # Any other failure must not end the watcher either.
                log.exception("content sync failed; retrying on the next change or rescan")
            else:
                self._failed_syncs = 0

    async def _settle(self) -> None:
        """Wait until every changed file keeps the same size and mtime for one debounce interval."""
        paths, self._dirty = self._dirty, set()
        if not paths:
            return
        interval = max(self.debounce_ms, 50) / 1000
        deadline = time.monotonic() + MAX_SETTLE_SECONDS
        before = {path: _stat_key(path) for path in paths}
        while time.monotonic() < deadline:
            await asyncio.sleep(interval)
            after = {path: _stat_key(path) for path in paths}
            if after == before:
                return
            before = after
