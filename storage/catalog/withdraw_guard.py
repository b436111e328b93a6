"""The mass-withdrawal guard: a sync that would withdraw too many articles at once withdraws none.

An unmounted volume, a ``git clone`` into a fresh folder or a sync tool half-way make every file vanish at
once. Withdrawing their articles would cancel their pending pushes for good and, with corrections on,
delete the pushes readers already have. So a sync holds every withdrawal when the folder is missing,
unreadable or holds no article file while the store has live articles, or when it would withdraw more than
``max(FLOOR, share × live articles)`` (``WITHDRAW_GUARD``). The operator may confirm an emptied or thinned
folder (``newsbot import --allow-mass-withdraw``, ``/withdraw_confirm``); a missing or unreadable one is a
fault to fix and cannot be confirmed.

``WithdrawGuard`` decides, a pure object; ``folder_problem`` looks at the folder, ``live_orphans`` and
``live_count`` are the two queries the decision needs.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.models import Article, ContentFile

FLOOR = 10  # withdrawing this many at once never needs a confirmation (unless it empties the folder)
DEFAULT_SHARE = 0.2
CHUNK = 5_000  # ids per IN list: PostgreSQL takes at most 32,767 parameters in one statement
MISSING, UNREADABLE, EMPTY, TOO_MANY = "missing", "unreadable", "empty", "too many"
CONFIRM = "`newsbot import --allow-mass-withdraw`, or /withdraw_confirm in the bot"


@dataclass(frozen=True, slots=True)
class FolderProblem:
    """Why the content folder cannot be listed at all."""

    reason: str  # MISSING | UNREADABLE
    message: str  # the diagnostic's text, e.g. "content folder cannot be read (Permission denied)"


@dataclass(frozen=True, slots=True)
class WithdrawHold:
    """The withdrawals one sync held back, and why (``SyncReport.hold``)."""

    reason: str  # MISSING | UNREADABLE | EMPTY | TOO_MANY
    folder: str  # as the operator knows it (CONTENT_DIR, or the folder given to ``newsbot import``)
    would_withdraw: int  # live articles no file holds any more (MISSING, UNREADABLE: every live article)
    live: int  # live articles in the store
    limit: int  # the most one sync withdraws unconfirmed
    share: float  # WITHDRAW_GUARD
    problem: str = ""  # MISSING, UNREADABLE: what the system said

    def line(self) -> str:
        """What was held, why, and what to do: one line for the log, ``newsbot import`` and the operators."""
        kept = "Nothing was withdrawn and pushes go on"
        if self.reason in (MISSING, UNREADABLE):
            fix = (
                "mount or restore the folder (to withdraw everything, create it empty and confirm)"
                if self.reason == MISSING
                else "make it readable"
            )
            return (
                f"withdrawals held: {self.folder}: {self.problem}, and the store has {_articles(self.live)} "
                f"live. {kept}: {fix}."
            )
        if self.reason == EMPTY:
            why = (
                f"{self.folder} holds no article file, and {_articles(self.would_withdraw)} of {self.live:,} "
                "live would be withdrawn"
            )
        else:
            why = (
                f"{_articles(self.would_withdraw)} of {self.live:,} live would be withdrawn at once, more than "
                f"{self.limit:,} (WITHDRAW_GUARD={self.share:g} of them, at least {FLOOR}): their files are "
                f"gone from {self.folder}"
            )
        return (
            f"withdrawals held: {why}. {kept}: bring the files back, or confirm if you meant it ({CONFIRM})."
        )

    def over_line(self, withdrawn: int) -> str:
        """The hold is over (the files are back, or the operator confirmed): what this sync withdrew."""
        return f"withdrawals no longer held in {self.folder}: {withdrawn:,} of the {self.would_withdraw:,} held withdrawn"


def _articles(count: int) -> str:
    return f"{count:,} article" if count == 1 else f"{count:,} articles"


def withdraw_limit(live: int, share: float) -> int:
    """The most one sync may withdraw unconfirmed: ``share`` of the live articles, at least ``FLOOR``."""
    return max(FLOOR, math.floor(round(share * live, 6)))  # rounded: 0.2 x 55 is 11.000000000000002


@dataclass(slots=True)
class WithdrawGuard:
    """The guard of one content folder: its ``WITHDRAW_GUARD`` share, and what its last sync held."""

    share: float = DEFAULT_SHARE
    folder: str = "."  # as the operator knows it, for the hold's line
    held: WithdrawHold | None = None  # set by the sync after each run (``SyncReport.follow``)

    def decide(self, withdraw: int, live: int, files: int, *, confirmed: bool = False) -> WithdrawHold | None:
        """Whether a sync holds the ``withdraw`` of ``live`` articles it would withdraw, its folder holding
        ``files`` article files; ``confirmed``: the operator said go. None: withdraw them."""
        if confirmed or withdraw == 0 or live == 0:
            return None
        limit = withdraw_limit(live, self.share)
        if files == 0:
            return WithdrawHold(EMPTY, self.folder, withdraw, live, limit, self.share)
        if withdraw > limit:
            return WithdrawHold(TOO_MANY, self.folder, withdraw, live, limit, self.share)
        return None

    def unusable(self, problem: FolderProblem, live: int) -> WithdrawHold | None:
        """A folder that cannot be listed holds every withdrawal, confirmed or not; None with none live."""
        if live == 0:
            return None
        limit = withdraw_limit(live, self.share)
        return WithdrawHold(problem.reason, self.folder, live, live, limit, self.share, problem.message)


def folder_problem(root: Path) -> FolderProblem | None:
    """Why ``root`` cannot be listed (missing, not a folder, no permission, a dead mount), or None."""
    try:
        with os.scandir(root):
            return None
    except (FileNotFoundError, NotADirectoryError):
        return FolderProblem(MISSING, "content folder does not exist")
    except OSError as error:
        return FolderProblem(UNREADABLE, f"content folder cannot be read ({error.strerror or error})")


async def live_orphans(
    session: AsyncSession, candidates: Collection[int], gone: Collection[str]
) -> list[int]:
    """The live articles among ``candidates`` that no file holds once the files ``gone`` are forgotten."""
    ids = sorted(candidates)
    held: set[int] = set()
    live: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = await session.execute(
            select(ContentFile.path, ContentFile.article_id).where(ContentFile.article_id.in_(chunk))
        )
        held.update(article_id for path, article_id in rows if article_id is not None and path not in gone)
        live.update(
            await session.scalars(
                select(Article.id).where(Article.id.in_(chunk), Article.withdrawn_at.is_(None))
            )
        )
    return sorted(live - held)


async def live_count(session: AsyncSession) -> int:
    """Articles not withdrawn."""
    return (
        await session.scalar(select(func.count()).select_from(Article).where(Article.withdrawn_at.is_(None)))
        or 0
    )
