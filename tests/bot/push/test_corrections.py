"""Corrections and retractions end to end: an edited or deleted article file fixes the messages readers got.

The real bot runs against the emulator with the test's clock (tests/bot/push/test_push.py); a correction waits
its settle time (a poll and Telegram's timeout) before it starts, which the tests skip by moving the clock.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.emulator import BotApiEmulator, SentMessage
from bot.runtime import BotRuntime
from storage.db.database import Database
from storage.db.models import Article, Correction, Delivery
from tests.articles import article_text
from tests.bot.conftest import FAST_READERS, NOW, refused, settings_for
from tests.bot.pushes import Clock, Pushes, button_url, start_pushes

WAIT = 20.0
SETTLE = timedelta(seconds=12)  # more than the bot's: TELEGRAM_TIMEOUT (10 s), two polls and a second
NOT_MODIFIED = "Bad Request: message is not modified"
EDITS = ("editMessageCaption", "editMessageText")


OPTIONS: dict[str, Any] = {"corrections": True, "digest_threshold": 2}


@pytest.fixture
def push_options() -> dict[str, Any]:
    return OPTIONS


async def start(
    emulator: BotApiEmulator, tmp_path: Path, database_url: str, clock: Clock, **overrides: Any
) -> Pushes:
    return await start_pushes(emulator, tmp_path, database_url, clock, **{**OPTIONS, **overrides})


async def readers_get_the_article(pushes: Pushes) -> dict[str, SentMessage]:
    """A photo (4001), a text push (4002, previews off) and a digest (4003, a burst) of one article."""
    await pushes.follow(4001, "AI")
    text = await pushes.follow(4002, "AI")
    menu = await text.say_last("/settings")
    await text.tap(menu, "Image previews")
    await pushes.follow(4003, "Climate")
    files = {
        "fix.md": {"title": "Old title", "topics": ["AI", "Climate"], "excerpt": "Old excerpt."},
        "c1.md": {"title": "Climate one", "topics": ["Climate"]},
        "c2.md": {"title": "Climate two", "topics": ["Climate"]},
    }
    for name, fields in files.items():  # all at once, so the Climate reader's burst becomes a digest
        (pushes.content / f".{name}.part").write_text(
            article_text_for(name, images=1, published=NOW - timedelta(hours=1), **fields),
            encoding="utf-8",
        )
    for name in files:
        (pushes.content / f".{name}.part").rename(pushes.content / name)
    await pushes.wait_pushes({4001: 1, 4002: 1, 4003: 1})
    await pushes.settle()
    (first,), (second,), (digest,) = (pushes.pushes(chat) for chat in (4001, 4002, 4003))
    assert (first.method, second.method, digest.body.startswith("📰")) == ("sendPhoto", "sendMessage", True)
    assert "Old title" in digest.body
    return {"photo": first, "text": second, "digest": digest}


def article_text_for(name: str, **fields: Any) -> str:
    return article_text(url=f"https://example.com/{name.removesuffix('.md')}", **fields)


def rewrite(pushes: Pushes, name: str, **fields: Any) -> None:
    """Edit an article file as operators are told to: a temporary file renamed over it."""
    temporary = pushes.content / f".{name}.tmp"
    temporary.write_text(article_text_for(name, **fields), encoding="utf-8")
    temporary.rename(pushes.content / name)


async def corrections(runtime: BotRuntime) -> list[tuple[str, int, bool]]:
    async with runtime.db.read() as session:
        rows = await session.execute(
            select(Correction.action, Correction.cursor, Correction.finished_at).order_by(Correction.id)
        )
        return [(action, cursor, finished is not None) for action, cursor, finished in rows]


async def wait_corrections(runtime: BotRuntime, count: int) -> None:
    async with asyncio.timeout(WAIT):
        while len(await corrections(runtime)) < count:  # noqa: ASYNC110 - the sync writes them
            await asyncio.sleep(0.05)


def past_settle(pushes: Pushes) -> None:
    pushes.clock.jump_to(pushes.clock() + SETTLE)


def now(pushes: Pushes, message: SentMessage) -> SentMessage:
    found = pushes.emulator.message(message.chat_id, message.message_id)
    assert found is not None
    return found


def touched(emulator: BotApiEmulator) -> list[str]:
    return [call.method for call in emulator.calls() if call.method in (*EDITS, "deleteMessage")]


async def test_an_edited_title_edits_every_readers_message(pushes: Pushes) -> None:
    sent = await readers_get_the_article(pushes)
    rewrite(pushes, "fix.md", title="New title", topics=["AI", "Climate"], excerpt="New excerpt.", images=1)
    await wait_corrections(pushes.runtime, 1)
    past_settle(pushes)
    await pushes.emulator.wait_for(
        lambda: all(now(pushes, sent[kind]).body.startswith("New title") for kind in ("photo", "text")),
        timeout=WAIT,
    )
    await pushes.settle()
    photo, text, digest = (now(pushes, sent[kind]) for kind in ("photo", "text", "digest"))
    for message in (photo, text):
        assert "New excerpt." in message.body and "Old" not in message.body
        assert len(message.history) == 1  # one edit each
        assert message.reply_markup is not None and message.reply_markup == message.history[0]["reply_markup"]
        assert button_url(message, "Read ↗") == "https://example.com/fix"
    assert photo.caption is not None and photo.text is None  # the caption was edited
    assert text.link_preview_options == text.history[0]["link_preview_options"]  # previews stay off
    assert (digest.history, digest.body) == ([], sent["digest"].body)  # digests are left alone
    assert sorted(touched(pushes.emulator)) == sorted(EDITS)
    assert await corrections(pushes.runtime) == [("edit", await last_delivery(pushes), True)]
    async with pushes.runtime.db.read() as session:
        kinds = await session.execute(
            select(Delivery.chat_id, Delivery.message_kind).order_by(Delivery.chat_id)
        )
        assert [kind for chat, kind in kinds if chat in (4001, 4002, 4003)] == [
            "photo",
            "text",
            *["digest"] * 3,
        ]


async def last_delivery(pushes: Pushes) -> int:
    async with pushes.runtime.db.read() as session:
        return int(await session.scalar(select(Delivery.id).where(Delivery.chat_id == 4002)) or 0)


async def test_a_deleted_file_deletes_every_readers_message(pushes: Pushes) -> None:
    sent = await readers_get_the_article(pushes)
    (pushes.content / "fix.md").unlink()
    await wait_corrections(pushes.runtime, 1)
    past_settle(pushes)
    await pushes.emulator.wait_for(
        lambda: all(now(pushes, sent[kind]).deleted for kind in ("photo", "text")), timeout=WAIT
    )
    await pushes.settle()
    assert not now(pushes, sent["digest"]).deleted
    assert touched(pushes.emulator) == ["deleteMessage", "deleteMessage"]
    assert [finished for _, _, finished in await corrections(pushes.runtime)] == [True]


async def test_outside_the_window_nothing_is_touched(pushes: Pushes) -> None:
    sent = await readers_get_the_article(pushes)
    pushes.clock.jump_to(NOW + timedelta(hours=48, minutes=1))
    rewrite(pushes, "fix.md", title="Too late", topics=["AI", "Climate"], images=1)
    (pushes.content / "c1.md").unlink()
    await wait_for_sync(pushes, "Too late", "https://example.com/c1")
    past_settle(pushes)
    await pushes.settle(1.0)
    assert await corrections(pushes.runtime) == []
    assert touched(pushes.emulator) == []
    assert all(now(pushes, message).history == [] for message in sent.values())


async def test_telegrams_48_hours_bound_deletes_in_a_longer_window(
    database_url: str, tmp_path: Path, clock: Clock
) -> None:
    ahead = [0.0]
    emulator = BotApiEmulator(FAST_READERS, clock=lambda: time.monotonic() + ahead[0])
    await emulator.start()
    setup = await start(emulator, tmp_path, database_url, clock, correction_window=timedelta(hours=72))
    try:
        sent = await readers_get_the_article(setup)
        ahead[0] += 49 * 3600  # Telegram's clock and the bot's, two days on
        setup.clock.jump_to(setup.clock() + timedelta(hours=49))
        (setup.content / "fix.md").unlink()
        await wait_corrections(setup.runtime, 1)
        past_settle(setup)
        async with asyncio.timeout(WAIT):
            while not (await corrections(setup.runtime))[0][2]:  # noqa: ASYNC110 - the worker finishes it
                await asyncio.sleep(0.05)
    finally:
        await setup.runtime.stop()
        await emulator.stop()
    assert not any(now(setup, message).deleted for message in sent.values())
    assert [(call.method, call.description) for call in refused(emulator)] == [
        ("deleteMessage", "Bad Request: message can't be deleted for everyone")
    ] * 2


async def test_with_corrections_off_nothing_is_touched(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, clock: Clock
) -> None:
    setup = await start(emulator, tmp_path, database_url, clock, corrections=False)
    try:
        sent = await readers_get_the_article(setup)
        rewrite(setup, "fix.md", title="Quietly fixed", topics=["AI", "Climate"], images=1)
        (setup.content / "c1.md").unlink()
        await wait_for_sync(setup, "Quietly fixed", "https://example.com/c1")
        past_settle(setup)
        await setup.settle(1.0)
        assert await corrections(setup.runtime) == []
        assert touched(emulator) == []
        assert not any(
            now(setup, message).deleted or now(setup, message).history for message in sent.values()
        )
    finally:
        await setup.runtime.stop()
    assert refused(emulator) == []


async def wait_for_sync(pushes: Pushes, title: str, withdrawn: str) -> None:
    """Until the sync has stored the new title and withdrawn the article at URL ``withdrawn``."""
    done = (
        select(Article.id).where(Article.title == title),
        select(Article.id).where(Article.web_url == withdrawn, Article.withdrawn_at.is_not(None)),
    )
    async with asyncio.timeout(WAIT):
        for query in done:
            while True:
                async with pushes.runtime.db.read() as session:
                    if await session.scalar(query):
                        break
                await asyncio.sleep(0.05)


async def test_a_newer_edit_supersedes_an_unfinished_one(pushes: Pushes) -> None:
    sent = await readers_get_the_article(pushes)
    rewrite(pushes, "fix.md", title="First fix", topics=["AI", "Climate"], images=1)
    await wait_corrections(pushes.runtime, 1)
    rewrite(pushes, "fix.md", title="Second fix", topics=["AI", "Climate"], images=1)
    await wait_corrections(pushes.runtime, 2)
    past_settle(pushes)
    await pushes.emulator.wait_for(
        lambda: all(now(pushes, sent[kind]).body.startswith("Second fix") for kind in ("photo", "text")),
        timeout=WAIT,
    )
    await pushes.settle()
    assert all(
        len(now(pushes, sent[kind]).history) == 1 for kind in ("photo", "text")
    )  # straight to the last
    assert [(action, finished) for action, _, finished in await corrections(pushes.runtime)] == [
        ("edit", True),
        ("edit", True),
    ]


async def test_pushes_still_queued_go_out_with_the_new_text(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, clock: Clock
) -> None:
    readers = range(4300, 4306)
    setup = await start(emulator, tmp_path, database_url, clock, push_rate=2)
    try:
        for chat_id in readers:
            await setup.follow(chat_id, "Space")
        setup.drop("q.md", title="Before", url="https://example.com/q", topics=["Space"], images=1)
        await emulator.wait_for(lambda: any(setup.pushes(chat) for chat in readers), timeout=WAIT)
        setup.drop("q.md", title="After", url="https://example.com/q", topics=["Space"], images=1)
        await wait_corrections(setup.runtime, 1)
        await setup.wait_pushes(dict.fromkeys(readers, 1))
        # Before the correction even starts, the pushes still queued went out with the new text.
        bodies = [setup.pushes(chat)[0].body for chat in readers]
        assert touched(emulator) == []
        assert bodies[-1].startswith("After") and sum(body.startswith("After") for body in bodies) >= 3
        past_settle(setup)
        await emulator.wait_for(
            lambda: all(setup.pushes(chat)[0].body.startswith("After") for chat in readers), timeout=WAIT
        )
        await setup.settle()
        edits = [len(setup.pushes(chat)[0].history) for chat in readers]
        assert edits == [0 if body.startswith("After") else 1 for body in bodies]  # the stale ones only
    finally:
        await setup.runtime.stop()
    # Those sent with the new text within the settle time are edited to it again: Telegram says so, done.
    assert all((call.description or "").startswith(NOT_MODIFIED) for call in refused(emulator))


async def test_a_429_and_5xx_on_edits_are_waited_out(pushes: Pushes) -> None:
    readers = range(4400, 4404)
    for chat_id in readers:
        await pushes.follow(chat_id, "Space")
    pushes.drop("t.md", title="Before", url="https://example.com/t", topics=["Space"], images=1)
    await pushes.wait_pushes(dict.fromkeys(readers, 1))
    pushes.expected_refusals.update({429, 502})
    pushes.emulator.faults.fail_next("editMessageCaption", count=1, status=429, retry_after=1)
    pushes.emulator.faults.fail_next("editMessageCaption", count=2, status=502)
    pushes.drop("t.md", title="After", url="https://example.com/t", topics=["Space"], images=1)
    await wait_corrections(pushes.runtime, 1)
    past_settle(pushes)
    await pushes.emulator.wait_for(
        lambda: all(pushes.pushes(chat)[0].body.startswith("After") for chat in readers), timeout=WAIT
    )
    await pushes.settle()
    assert [len(pushes.pushes(chat)[0].history) for chat in readers] == [1] * len(readers)
    assert [call.status for call in pushes.emulator.calls("editMessageCaption")].count(200) == len(readers)


async def test_a_crash_mid_correction_resumes_from_its_cursor(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, clock: Clock
) -> None:
    readers = range(4100, 4106)
    options = {"push_concurrency": 2}  # a correction batch is as large as the pushes in flight
    setup = await start(emulator, tmp_path, database_url, clock, **options)
    for chat_id in readers:
        await setup.follow(chat_id, "Space")
    setup.drop("r.md", title="Before", url="https://example.com/r", topics=["Space"], images=1)
    await setup.wait_pushes(dict.fromkeys(readers, 1))
    emulator.faults.delay("editMessageCaption", 0.3)
    setup.drop("r.md", title="After", url="https://example.com/r", topics=["Space"], images=1)
    await wait_corrections(setup.runtime, 1)
    past_settle(setup)
    async with asyncio.timeout(WAIT):
        while (await corrections(setup.runtime))[0][1] == 0:  # noqa: ASYNC110 - the worker writes it
            await asyncio.sleep(0.02)
    await setup.runtime.stop(grace=0)  # as good as a crash: the batch in hand is not recorded
    db = Database(database_url)
    try:
        async with db.read() as session:
            ((cursor, finished),) = (
                await session.execute(select(Correction.cursor, Correction.finished_at))
            ).all()
            remaining = len(list(await session.scalars(select(Delivery.id).where(Delivery.id > cursor))))
    finally:
        await db.close()
    assert finished is None and 0 < remaining <= len(readers) - 2
    await asyncio.sleep(0.6)  # calls in flight at the crash still reach Telegram (0.3 s late)
    calls_before = len(emulator.calls("editMessageCaption"))
    restarted = await start(emulator, tmp_path, database_url, clock, **options)
    try:
        await emulator.wait_for(
            lambda: all(restarted.pushes(chat)[0].body.startswith("After") for chat in readers), timeout=WAIT
        )
        await restarted.settle()
    finally:
        await restarted.runtime.stop()
    edits = emulator.calls("editMessageCaption")
    assert len(edits) - calls_before == remaining  # from the cursor on, the batch in hand again included
    # A message of that batch may have been edited before the crash: Telegram says so, and it counts as done.
    assert all((call.description or "").startswith(NOT_MODIFIED) for call in edits if call.status != 200)
    assert [call for call in refused(emulator) if call.method != "editMessageCaption"] == []
    assert all(len(message.history) == 1 for chat in readers for message in restarted.pushes(chat))


async def test_several_senders_work_a_correction_once(
    database_url: str, on_postgresql: bool, emulator: BotApiEmulator, tmp_path: Path, clock: Clock
) -> None:
    if not on_postgresql:
        pytest.skip("several senders need PostgreSQL: run pytest --database postgresql://…")
    readers = range(4200, 4212)
    setup = await start(emulator, tmp_path, database_url, clock)
    sender = BotRuntime(
        settings_for(emulator, database_url, setup.content, corrections=True, push_poll_seconds=0.05),
        role="sender",
        clock=clock,
    )
    await sender.start()
    try:
        for chat_id in readers:
            await setup.follow(chat_id, "Space")
        setup.drop("s.md", title="Before", url="https://example.com/s", topics=["Space"], images=1)
        await setup.wait_pushes(dict.fromkeys(readers, 1))
        emulator.faults.delay("editMessageCaption", 0.1)  # long enough for both senders to be at it
        setup.drop("s.md", title="After", url="https://example.com/s", topics=["Space"], images=1)
        await wait_corrections(setup.runtime, 1)
        past_settle(setup)
        await emulator.wait_for(
            lambda: all(setup.pushes(chat)[0].body.startswith("After") for chat in readers), timeout=WAIT
        )
        await setup.settle(1.0)
    finally:
        await sender.stop()
        await setup.runtime.stop()
    assert len(emulator.calls("editMessageCaption")) == len(readers)
    assert refused(emulator) == []
