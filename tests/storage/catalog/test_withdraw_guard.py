"""The mass-withdrawal guard: the decision alone, then the sync holding and going ahead on confirmation."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.catalog.report import SyncReport
from storage.catalog.sync import ContentSync
from storage.catalog.withdraw_guard import (
    EMPTY,
    MISSING,
    TOO_MANY,
    UNREADABLE,
    FolderProblem,
    WithdrawGuard,
    WithdrawHold,
    folder_problem,
    withdraw_limit,
)
from storage.db.database import Database
from storage.db.models import Article, ContentFile, Correction, Delivery, FanoutJob
from tests.articles import article_text
from tests.storage.factories import NOW, add_chat

GUARD = WithdrawGuard(0.2, "content")
WINDOW = timedelta(hours=48)

# The decision alone.


def test_the_limit_is_the_share_of_live_articles_and_at_least_ten() -> None:
    assert [withdraw_limit(live, 0.2) for live in (0, 12, 50, 55, 57, 100, 1_000)] == [
        10,
        10,
        10,
        11,
        11,
        20,
        200,
    ]
    assert withdraw_limit(100, 0.0) == 10
    assert withdraw_limit(100, 1.0) == 100


def test_exactly_at_the_limit_goes_ahead_one_more_is_held() -> None:
    assert GUARD.decide(20, 100, 80) is None
    hold = GUARD.decide(21, 100, 79)
    assert hold == WithdrawHold(TOO_MANY, "content", 21, 100, 20, 0.2)
    assert GUARD.decide(21, 100, 79, confirmed=True) is None


def test_the_floor_of_ten() -> None:
    """20 live: a fifth is 4, but up to 10 go ahead unconfirmed."""
    assert GUARD.decide(10, 20, 10) is None
    assert GUARD.decide(11, 20, 9) == WithdrawHold(TOO_MANY, "content", 11, 20, 10, 0.2)


def test_a_folder_without_article_files_holds_even_below_the_limit() -> None:
    assert GUARD.decide(3, 3, 0) == WithdrawHold(EMPTY, "content", 3, 3, 10, 0.2)
    assert GUARD.decide(3, 3, 0, confirmed=True) is None


def test_nothing_to_withdraw_or_nothing_live_is_never_held() -> None:
    assert GUARD.decide(0, 100, 0) is None  # an empty folder with nothing left to lose
    assert GUARD.decide(0, 0, 0) is None  # the first sync of an empty store


def test_a_folder_that_cannot_be_listed_holds_unless_the_store_has_nothing_live() -> None:
    missing = FolderProblem(MISSING, "content folder does not exist")
    assert GUARD.unusable(missing, 12) == WithdrawHold(
        MISSING, "content", 12, 12, 10, 0.2, "content folder does not exist"
    )
    assert GUARD.unusable(missing, 0) is None


def test_folder_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert folder_problem(tmp_path) is None
    assert folder_problem(tmp_path / "absent") == FolderProblem(MISSING, "content folder does not exist")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert folder_problem(tmp_path / "file") == FolderProblem(MISSING, "content folder does not exist")

    def refused(path: object) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "scandir", refused)  # root ignores permissions: fake the refusal
    assert folder_problem(tmp_path) == FolderProblem(
        UNREADABLE, "content folder cannot be read (Permission denied)"
    )


def test_the_line_says_what_why_and_what_to_do() -> None:
    too_many = WithdrawHold(TOO_MANY, "content", 57, 120, 24, 0.2)
    assert too_many.line() == (
        "withdrawals held: 57 articles of 120 live would be withdrawn at once, more than 24 "
        "(WITHDRAW_GUARD=0.2 of them, at least 10): their files are gone from content. Nothing was withdrawn "
        "and pushes go on: bring the files back, or confirm if you meant it "
        "(`newsbot import --allow-mass-withdraw`, or /withdraw_confirm in the bot)."
    )
    empty = WithdrawHold(EMPTY, "/srv/news", 12, 12, 10, 0.2).line()
    assert empty.startswith("withdrawals held: /srv/news holds no article file, and 12 articles of 12 live")
    missing = WithdrawHold(MISSING, "content", 12, 12, 10, 0.2, "content folder does not exist").line()
    assert missing == (
        "withdrawals held: content: content folder does not exist, and the store has 12 articles live. Nothing "
        "was withdrawn and pushes go on: mount or restore the folder (to withdraw everything, create it empty and confirm)."
    )
    assert too_many.over_line(0) == "withdrawals no longer held in content: 0 of the 57 held withdrawn"
    assert "and 1 article of 1 live would be withdrawn" in WithdrawHold(EMPTY, "c", 1, 1, 10, 0.2).line()
    big = WithdrawHold(TOO_MANY, "c", 20_412, 40_000, 8_000, 0.2).line()
    assert big.startswith(
        "withdrawals held: 20,412 articles of 40,000 live would be withdrawn at once, more than 8,000 "
    )


def test_each_hold_is_news_once() -> None:
    empty = WithdrawHold(EMPTY, "content", 12, 12, 10, 0.2)
    report = SyncReport(hold=empty)
    assert (report.follow(None), report.hold_new, report.hold_over) == (empty, True, None)
    again = SyncReport(hold=WithdrawHold(EMPTY, "content", 13, 13, 10, 0.2))
    assert (again.follow(empty) is again.hold, again.hold_new) == (True, False)
    other = SyncReport(hold=WithdrawHold(MISSING, "content", 12, 12, 10, 0.2, "gone"))
    assert (other.follow(empty) is other.hold, other.hold_new) == (True, True)
    over = SyncReport()
    assert (over.follow(empty), over.hold_new, over.hold_over) == (None, False, empty)
    quiet = SyncReport()
    assert (quiet.follow(None), quiet.hold_new, quiet.hold_over) == (None, False, None)


# The sync.


def write(folder: Path, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        (folder / f"a{n:03}.md").write_text(
            article_text(title=f"Article {n}", url=f"https://example.com/{n}"), encoding="utf-8"
        )


def move_out(folder: Path, aside: Path, names: list[str] | None = None) -> list[str]:
    """Move article files aside as an unmount or a sync tool would make them vanish (mtimes kept)."""
    aside.mkdir(exist_ok=True)
    moved = names if names is not None else sorted(p.name for p in folder.glob("*.md"))
    for name in moved:
        shutil.move(folder / name, aside / name)
    return moved


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.md"))


def delete(folder: Path, count: int) -> None:
    for name in names(folder)[:count]:
        (folder / name).unlink()


def move_back(folder: Path, aside: Path) -> None:
    for path in aside.glob("*.md"):
        shutil.move(path, folder / path.name)


async def count(db: Database, query: Any) -> int:
    async with db.read() as session:
        return await session.scalar(query) or 0


async def live(db: Database) -> int:
    return await count(db, select(func.count()).select_from(Article).where(Article.withdrawn_at.is_(None)))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "content"
    path.mkdir()
    return path


async def a_store(db: Database, folder: Path, articles: int, **options: Any) -> ContentSync:
    """A synced store of ``articles`` live articles, one of them pushed to a chat an hour ago and another
    pending for it: what a retraction would delete and what a withdrawal would cancel."""
    sync = ContentSync(db, folder, display_prefix="content", clock=lambda: NOW, **options)
    write(folder, articles)
    await sync.sync()
    async with db.write() as session:
        await add_chat(session, 1)
        ids = list(await session.scalars(select(Article.id).order_by(Article.id).limit(2)))
        for article_id, status in zip(ids, ("sent", "pending"), strict=True):
            session.add(
                Delivery(
                    article_id=article_id, chat_id=1, thread_id=0, status=status, attempts=1, due_at=NOW,
                    created_at=NOW, sent_at=NOW if status == "sent" else None,
                    message_id=10 if status == "sent" else None, via_digest=False,
                    message_kind="photo" if status == "sent" else None,
                )
            )  # fmt: skip
    return sync


async def untouched(db: Database, articles: int) -> None:
    """Every article live, its pushes as they were, no correction opened."""
    assert await live(db) == articles
    assert await count(db, select(func.count()).select_from(Correction)) == 0
    async with db.read() as session:
        statuses = list(await session.scalars(select(Delivery.status).order_by(Delivery.id)))
    assert statuses == ["sent", "pending"]


async def test_an_emptied_folder_withdraws_nothing_until_confirmed(
    db: Database, folder: Path, tmp_path: Path
) -> None:
    """`newsbot import` of an empty folder over 12 live articles withdrew them all."""
    sync = await a_store(db, folder, 12, corrections=WINDOW)
    move_out(folder, tmp_path / "aside")
    report = await sync.sync()
    assert report.hold == WithdrawHold(EMPTY, "content", 12, 12, 10, 0.2)
    assert (report.withdrawn, report.hold_new, report.errors) == (0, True, 0)
    assert report.summary_line().endswith(", 12 withdrawals held")
    await untouched(db, 12)
    assert (
        await count(db, select(func.count()).select_from(ContentFile)) == 12
    )  # the next sync sees them gone

    again = await sync.sync()  # a rescan: the same hold, not news
    assert (again.hold == report.hold, again.hold_new, again.withdrawn) == (True, False, 0)
    await untouched(db, 12)

    confirmed = await sync.sync(allow_mass_withdraw=True)
    assert (confirmed.hold, confirmed.withdrawn, confirmed.hold_over) == (None, 12, report.hold)
    assert await live(db) == 0
    assert await count(db, select(func.count()).select_from(Correction)) == 2  # the sent one, the pending one
    assert await count(db, select(func.count()).select_from(ContentFile)) == 0
    assert sync.guard.held is None
    after = await sync.sync()  # nothing live any more: nothing to hold
    assert (after.hold, after.hold_over, after.withdrawn) == (None, None, 0)


async def test_files_that_come_back_end_the_hold_with_nothing_to_do(
    db: Database, folder: Path, tmp_path: Path
) -> None:
    sync = await a_store(db, folder, 12, corrections=WINDOW)
    move_out(folder, tmp_path / "aside")
    held = await sync.sync()
    assert held.hold is not None
    move_back(folder, tmp_path / "aside")
    report = await sync.sync()
    assert (report.hold, report.hold_over, report.changes, report.unchanged) == (None, held.hold, 0, 12)
    await untouched(db, 12)


async def test_a_copy_with_new_mtimes_ends_the_hold_too(db: Database, folder: Path, tmp_path: Path) -> None:
    """A `git clone` into a fresh folder: same bytes, new mtimes, read again and found unchanged."""
    sync = await a_store(db, folder, 12)
    shutil.copytree(folder, tmp_path / "clone")
    move_out(folder, tmp_path / "aside")
    assert (await sync.sync()).hold is not None
    for path in (tmp_path / "clone").glob("*.md"):
        shutil.copy(path, folder / path.name)  # copy, not copy2: new mtimes
    report = await sync.sync()
    assert (report.hold, report.changes, report.unchanged) == (None, 0, 12)
    await untouched(db, 12)


async def test_exactly_the_limit_is_withdrawn_one_more_is_held(
    db: Database, folder: Path, tmp_path: Path
) -> None:
    """60 live articles: the limit is 12 (a fifth)."""
    sync = await a_store(db, folder, 60)
    moved = move_out(folder, tmp_path / "aside", names(folder)[2:15])  # not the pushed ones
    held = await sync.sync()
    assert held.hold == WithdrawHold(TOO_MANY, "content", 13, 60, 12, 0.2)
    assert await live(db) == 60
    shutil.move(tmp_path / "aside" / moved[-1], folder / moved[-1])
    report = await sync.sync()
    assert (report.hold, report.withdrawn, report.hold_over) == (None, 12, held.hold)
    assert await live(db) == 48


async def test_a_few_deleted_on_purpose_are_withdrawn_at_once(db: Database, folder: Path) -> None:
    """20 live articles: a fifth is 4, the floor lets 10 go."""
    sync = await a_store(db, folder, 20, corrections=WINDOW)
    delete(folder, 10)  # the pushed and the pending one among them
    report = await sync.sync()
    assert (report.hold, report.withdrawn) == (None, 10)
    assert await count(db, select(func.count()).select_from(Correction)) == 2


async def test_a_held_sync_still_adds_and_updates_the_files_present(
    db: Database, folder: Path, tmp_path: Path
) -> None:
    sync = await a_store(db, folder, 30)
    move_out(folder, tmp_path / "aside", [f"a{n:03}.md" for n in range(10, 30)])
    (folder / "a000.md").write_text(
        article_text(title="Article 0, edited", url="https://example.com/0"), encoding="utf-8"
    )
    write(folder, 1, start=100)
    report = await sync.sync()
    assert report.hold == WithdrawHold(TOO_MANY, "content", 20, 31, 10, 0.2)
    assert (report.added, report.updated, report.withdrawn, len(report.new_article_ids)) == (1, 1, 0, 1)
    assert await live(db) == 31
    assert await count(db, select(func.count()).select_from(FanoutJob)) == 1  # the new one is pushed


async def test_a_folder_reorganised_at_once_is_moves_not_withdrawals(db: Database, folder: Path) -> None:
    sync = await a_store(db, folder, 30)
    move_out(folder, folder / "2026")
    report = await sync.sync()
    assert (report.hold, report.moved, report.withdrawn) == (None, 30, 0)


async def test_a_missing_folder_is_held_and_cannot_be_confirmed(
    db: Database, folder: Path, tmp_path: Path
) -> None:
    sync = await a_store(db, folder, 12, corrections=WINDOW)
    shutil.move(folder, tmp_path / "unmounted")
    report = await sync.sync()
    assert report.hold == WithdrawHold(MISSING, "content", 12, 12, 10, 0.2, "content folder does not exist")
    assert (report.errors, report.diagnostics, report.hold_new) == (0, [], True)
    confirmed = await sync.sync(allow_mass_withdraw=True)
    assert (confirmed.hold == report.hold, confirmed.hold_new) == (True, False)
    await untouched(db, 12)
    shutil.move(tmp_path / "unmounted", folder)
    back = await sync.sync()
    assert (back.hold, back.hold_over, back.changes) == (None, report.hold, 0)
    await untouched(db, 12)


async def test_an_unreadable_folder_is_held(
    db: Database, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync = await a_store(db, folder, 12)
    real = os.scandir

    def scandir(path: str) -> object:
        if os.fspath(path) == os.fspath(folder):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = await sync.sync()
    assert report.hold is not None and report.hold.reason == UNREADABLE
    assert report.hold.problem == "content folder cannot be read (Permission denied)"
    assert await live(db) == 12


async def test_no_guard_over_a_store_with_nothing_live(db: Database, folder: Path, tmp_path: Path) -> None:
    sync = ContentSync(db, folder, display_prefix="content", clock=lambda: NOW)
    assert (await sync.sync()).hold is None  # the baseline of an empty folder
    shutil.rmtree(folder)
    report = await sync.sync()
    assert report.hold is None
    assert [str(d) for d in report.diagnostics] == ["content: error: content folder does not exist"]


async def test_the_share_is_configurable(db: Database, folder: Path) -> None:
    sync = await a_store(db, folder, 100, withdraw_guard=0.5)
    delete(folder, 50)
    report = await sync.sync()
    assert (report.hold, report.withdrawn) == (None, 50)
