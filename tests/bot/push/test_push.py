"""Pushes end to end: files dropped into the watched folder reach every subscriber once, in order."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.emulator import BotApiEmulator, EmulatorLimits
from storage.db.models import Chat as ChatRow
from storage.db.models import Delivery
from tests.articles import article_text
from tests.bot.conftest import FAST_READERS, NOW, buttons
from tests.bot.pushes import (
    TOPICS,
    WAIT,
    Clock,
    Pushes,
    button_url,
    is_digest,
    published,
    seed_followers,
    start_pushes,
)


async def test_fifty_chats_get_exactly_their_articles_once_in_order(pushes: Pushes) -> None:
    follows = {1000 + n: [TOPICS[n % 3], *([TOPICS[(n + 1) % 3]] if n % 4 == 0 else [])] for n in range(50)}
    for chat_id, topics in follows.items():
        await pushes.follow(chat_id, *topics)
    articles = [
        (f"a{n}.md", TOPICS[n % 3], f"https://example.com/news/{n}", published(10 - n)) for n in range(9)
    ]
    for name, topic, url, when in articles:
        pushes.drop(name, title=f"Story {name}", url=url, topics=[topic], published=when, images=1, related=2)
    # One article written slowly in place, with a hostile title.
    slow = pushes.content / "slow.md"
    text = article_text(
        title='<script>alert("x")</script> & Co',
        url="https://example.com/news/slow",
        topics=["AI"],
        published=published(0.5),
        excerpt="y " * 300,
        related=1,
    )
    with slow.open("w", encoding="utf-8") as handle:
        for start in range(0, len(text), 120):
            handle.write(text[start : start + 120])
            handle.flush()
            await asyncio.sleep(0.01)
    articles.append(("slow.md", "AI", "https://example.com/news/slow", published(0.5)))

    expected = {
        chat: [url for _, topic, url, when in sorted(articles, key=lambda a: a[3]) if topic in topics]
        for chat, topics in follows.items()
    }
    await pushes.wait_pushes({chat: len(urls) for chat, urls in expected.items()})
    await pushes.settle()
    for chat, urls in expected.items():
        got = [button_url(message, "Read ↗") for message in pushes.pushes(chat)]
        assert got == urls, chat  # each once, oldest first
    sample = pushes.pushes(1000)[0]
    assert sample.method == "sendPhoto"
    assert len([t for t, _ in buttons(sample) if t.startswith("Related")]) == 2
    hostile = next(m for m in pushes.pushes(1000) if "slow" in button_url(m, "Read ↗"))
    assert hostile.body.startswith('<script>alert("x")</script> & Co')
    # The nine illustrated articles share one image URL: one fetch per article, not per reader.
    assert pushes.emulator.stats()["photo_fetches"] == {"https://images.example.com/0.jpg": 9}


async def test_one_image_fetch_per_article_and_file_id_reuse(pushes: Pushes) -> None:
    for chat_id in range(2000, 2020):
        await pushes.follow(chat_id, "Space")
    pushes.drop("img.md", title="Launch", url="https://example.com/launch", topics=["Space"], images=1)
    await pushes.wait_pushes(dict.fromkeys(range(2000, 2020), 1))
    fetches = pushes.emulator.stats()["photo_fetches"]
    assert fetches == {"https://images.example.com/0.jpg": 1}
    sources = [m.photo_source or "" for chat in range(2000, 2020) for m in pushes.pushes(chat)]
    assert sources.count("url:https://images.example.com/0.jpg") == 1
    assert len({source for source in sources if source.startswith("file_id:")}) == 1


async def test_broken_image_falls_back_to_text_after_one_photo_call(pushes: Pushes) -> None:
    pushes.expected_refusals.add(400)
    pushes.emulator.faults.make_url_unreachable(containing="images.example.com")
    for chat_id in range(2100, 2110):
        await pushes.follow(chat_id, "Climate")
    pushes.drop("broken.md", title="Heat", url="https://example.com/heat", topics=["Climate"], images=1)
    await pushes.wait_pushes(dict.fromkeys(range(2100, 2110), 1))
    photo_calls = pushes.emulator.calls("sendPhoto")
    assert len(photo_calls) == 1 and photo_calls[0].status == 400
    for chat_id in range(2100, 2110):
        (message,) = pushes.pushes(chat_id)
        assert message.method == "sendMessage"
        assert message.link_preview_options is not None
        # The image Telegram could not fetch would not preview either: the article's page does.
        assert message.link_preview_options.get("url") == "https://example.com/heat"
        assert message.link_preview_options.get("show_above_text") is True
        assert message.link_preview_options.get("is_disabled") in (None, False)


async def test_blocked_chat_gets_one_attempt_then_nothing(pushes: Pushes) -> None:
    await pushes.follow(2200, "AI")
    await pushes.follow(2201, "AI")
    pushes.expected_refusals.add(403)
    pushes.emulator.faults.block_chat(2200)
    pushes.drop("b1.md", title="First", url="https://example.com/b1", topics=["AI"])
    await pushes.wait_pushes({2201: 1})
    pushes.drop("b2.md", title="Second", url="https://example.com/b2", topics=["AI"])
    await pushes.wait_pushes({2201: 2})
    await pushes.settle()
    attempts = [
        c for c in pushes.emulator.calls() if c.params.get("chat_id") == 2200 and c.method.startswith("send")
    ]
    assert [c.status for c in attempts if c.method != "sendMessage" or "Subscribed" not in str(c.params)] == [
        403
    ]
    async with pushes.runtime.db.read() as session:
        row = await session.get(ChatRow, 2200)
    assert row is not None and row.status == "blocked"


async def test_unsubscribing_while_queued_cancels_the_rest(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, clock: Clock
) -> None:
    setup = await start_pushes(emulator, tmp_path, database_url, clock, push_rate=1)
    try:
        chats = [await setup.follow(chat_id, "Space") for chat_id in range(2300, 2306)]
        setup.drop("q.md", title="Queued", url="https://example.com/q", topics=["Space"])
        await emulator.wait_for(lambda: any(setup.pushes(c.chat_id) for c in chats), timeout=WAIT)
        for chat in chats:
            await chat.say("/unsubscribe all")
        statuses: list[str] = []
        for _ in range(200):  # each row still waits for its pacing slot (one a second) before its check
            async with setup.runtime.db.read() as session:
                statuses = list(await session.scalars(select(Delivery.status)))
            if "pending" not in statuses:
                break
            await asyncio.sleep(0.05)
        delivered = [c.chat_id for c in chats if setup.pushes(c.chat_id)]
        assert len(delivered) <= 2  # the first, and at most one already past its check
        assert sorted(statuses) == ["cancelled"] * (len(chats) - len(delivered)) + ["sent"] * len(delivered)
    finally:
        await setup.runtime.stop()


async def test_real_limits_no_429_and_paced(database_url: str, tmp_path: Path, clock: Clock) -> None:
    emulator = BotApiEmulator(EmulatorLimits())
    await emulator.start()
    setup = await start_pushes(
        emulator, tmp_path, database_url, clock, send_chat_per_second=1.0, send_chat_burst=3
    )
    try:
        for chat_id in range(2400, 2460):
            await emulator.inject_message(chat_id, "/subscribe AI")
        await emulator.wait_for(lambda: len(emulator.sent()) >= 60, timeout=WAIT)
        setup.drop("r.md", title="At the real pace", url="https://example.com/r", topics=["AI"], images=1)
        await setup.wait_pushes(dict.fromkeys(range(2400, 2460), 1))
        stats = emulator.stats()
        assert stats["statuses"]["429"] == 0
        assert stats["max_sends_per_second"] <= 30
        assert emulator.violations == []
    finally:
        await setup.runtime.stop()
        await emulator.stop()


async def test_paid_broadcast_pushes_beyond_30_a_second_and_pays_for_it(
    database_url: str, tmp_path: Path, clock: Clock
) -> None:
    """Opt-in: pushes carry allow_paid_broadcast and go faster than the free 30/s, without a 429."""
    emulator = BotApiEmulator(EmulatorLimits(chat_burst=100, chat_per_second=100.0))
    await emulator.start()
    setup = await start_pushes(
        emulator, tmp_path, database_url, clock, push_paid_broadcast=True, push_rate=200
    )
    readers = range(2600, 2900)
    try:
        await seed_followers(setup, readers, "ai")
        setup.drop("p.md", title="Paid for", url="https://example.com/p", topics=["AI"])
        await setup.wait_pushes(dict.fromkeys(readers, 1))
        stats = emulator.stats()
        pushed = [m for m in emulator.sent() if m.chat_id in readers]
        assert all(m.params.get("allow_paid_broadcast") is True for m in pushed)
        assert stats["statuses"]["429"] == 0
        assert 30 < stats["max_sends_per_second"] <= 200
        assert stats["paid_messages"] > 0 and stats["stars_spent"] > 0
        assert emulator.violations == []
    finally:
        await setup.runtime.stop()
        await emulator.stop()


async def test_injected_429_5xx_and_slow_answers_still_deliver_everything(pushes: Pushes) -> None:
    for chat_id in range(2500, 2510):
        await pushes.follow(chat_id, "AI")
    pushes.expected_refusals.update({429, 502})
    faults = pushes.emulator.faults
    faults.fail_next("sendMessage", count=2, status=429, retry_after=1)
    faults.fail_next("sendMessage", count=3, status=502)
    pushes.drop("f.md", title="Through the storm", url="https://example.com/f", topics=["AI"])
    await pushes.wait_pushes(dict.fromkeys(range(2500, 2510), 1))
    await pushes.settle()
    assert all(len(pushes.pushes(chat)) == 1 for chat in range(2500, 2510))


async def test_a_burst_becomes_one_digest(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, clock: Clock
) -> None:
    setup = await start_pushes(emulator, tmp_path, database_url, clock, digest_threshold=5)
    try:
        await setup.follow(2600, "Climate")
        for n in range(7):
            path = setup.content / f".d{n}.md.part"
            path.write_text(
                article_text(
                    title=f"Burst {n}",
                    url=f"https://example.com/d{n}",
                    topics=["Climate"],
                    published=published(7 - n),
                ),
                encoding="utf-8",
            )
        for n in range(7):
            (setup.content / f".d{n}.md.part").rename(setup.content / f"d{n}.md")
        await setup.wait_pushes({2600: 1})
        await setup.settle()
        (digest,) = setup.pushes(2600)
        assert is_digest(digest)
        lines = digest.body.splitlines()
        assert lines[0] == "📰 7 new articles"
        assert [line.split(" — ")[0] for line in lines[1:]] == [f"• Burst {n}" for n in range(7)]
    finally:
        await setup.runtime.stop()


async def test_scheduled_article_waits_for_its_time(pushes: Pushes) -> None:
    await pushes.follow(2700, "Space")
    pushes.drop(
        "later.md",
        title="Embargoed",
        url="https://example.com/later",
        topics=["Space"],
        published=NOW + timedelta(hours=2),
    )
    await pushes.settle(1.0)
    assert pushes.pushes(2700) == []
    pushes.clock.jump_to(NOW + timedelta(hours=2, seconds=1))
    await pushes.wait_pushes({2700: 1})


async def test_withdrawn_before_its_time_is_never_pushed(pushes: Pushes) -> None:
    await pushes.follow(2800, "Space")
    path = pushes.drop(
        "gone.md",
        title="Withdrawn",
        url="https://example.com/gone",
        topics=["Space"],
        published=NOW + timedelta(hours=1),
    )
    await pushes.settle(0.5)
    path.unlink()
    await pushes.settle(0.5)
    pushes.clock.jump_to(NOW + timedelta(hours=2))
    pushes.drop(
        "other.md",
        title="Other",
        url="https://example.com/other",
        topics=["Space"],
        published=NOW + timedelta(hours=1, minutes=30),
    )
    await pushes.wait_pushes({2800: 1})
    await pushes.settle()
    assert [button_url(m, "Read ↗") for m in pushes.pushes(2800)] == ["https://example.com/other"]


async def test_preferences_quality_previews_and_silence(pushes: Pushes) -> None:
    picky = await pushes.follow(2900, "AI")
    quiet = await pushes.follow(2901, "AI")
    menu = await picky.say_last("/settings")
    await picky.tap(menu, "Top quarter")
    menu = await quiet.say_last("/settings")
    await quiet.tap(menu, "Image previews")
    await quiet.tap(quiet.current(menu), "Silent")
    # On a scale of its own (90 is the best so far): the best of AI, then one in its lower half.
    pushes.drop(
        "high.md",
        title="High quality",
        url="https://example.com/high",
        topics=["AI"],
        quality=90,
        images=1,
        published=published(0.1),
    )
    await pushes.wait_pushes({2900: 1, 2901: 1})
    pushes.drop(
        "low.md", title="Low quality", url="https://example.com/low", topics=["AI"], quality=40, images=1
    )
    await pushes.wait_pushes({2901: 2})
    await pushes.settle()
    assert [button_url(m, "Read ↗") for m in pushes.pushes(2900)] == ["https://example.com/high"]
    for message in pushes.pushes(2901):
        assert message.method == "sendMessage"
        assert message.disable_notification is True
        assert (message.link_preview_options or {}).get("is_disabled") is True


async def test_mute_button_and_undo(pushes: Pushes) -> None:
    reader = await pushes.follow(3000, "AI", "Space")
    pushes.drop("m.md", title="Both", url="https://example.com/m", topics=["AI", "Space"])
    await pushes.wait_pushes({3000: 1})
    (push,) = pushes.pushes(3000)
    await reader.tap(push, "Mute", edits=False)
    choice = await pushes.emulator.wait_for(
        lambda: [m for m in reader.sent() if "Which topic" in m.body], timeout=WAIT
    )
    await reader.tap(choice[0], "Space", edits=False)
    muted = await pushes.emulator.wait_for(
        lambda: [m for m in reader.sent() if m.body.startswith("🔕 Muted Space")], timeout=WAIT
    )
    assert [t for t, _ in buttons(muted[0])] == ["Undo"]
    assert "AI" in (await reader.say_last("/mytopics")).body or [
        t for t, _ in buttons(reader.sent()[-1])
    ] == ["✖ AI"]
    await reader.tap(muted[0], "Undo")
    assert reader.current(muted[0]).body == "🔔 Following Space again."
    listing = await reader.say_last("/mytopics")
    assert [t for t, _ in buttons(listing)] == ["✖ AI", "✖ Space"]


async def test_push_max_age_skips_old_articles(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, clock: Clock
) -> None:
    setup = await start_pushes(emulator, tmp_path, database_url, clock, push_max_age=timedelta(hours=6))
    try:
        await setup.follow(3100, "AI")
        setup.drop(
            "old.md",
            title="Old news",
            url="https://example.com/oldnews",
            topics=["AI"],
            published=published(30),
        )
        setup.drop(
            "new.md",
            title="New news",
            url="https://example.com/newnews",
            topics=["AI"],
            published=published(1),
        )
        await setup.wait_pushes({3100: 1})
        await setup.settle()
        assert [button_url(m, "Read ↗") for m in setup.pushes(3100)] == ["https://example.com/newnews"]
    finally:
        await setup.runtime.stop()


def test_clock_is_utc() -> None:
    assert NOW.tzinfo is UTC
    assert FAST_READERS.chat_burst > 4


async def test_timeouts_are_retried_and_everything_arrives(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, clock: Clock
) -> None:
    setup = await start_pushes(emulator, tmp_path, database_url, clock, telegram_timeout=0.5)
    try:
        for chat_id in range(3200, 3205):
            await setup.follow(chat_id, "Space")
        emulator.faults.delay("sendMessage", 1.0)
        setup.drop("slow.md", title="Slow Telegram", url="https://example.com/slowtg", topics=["Space"])
        await emulator.wait_for(lambda: len(emulator.calls("sendMessage")) >= 5 + 2, timeout=WAIT)
        await asyncio.sleep(0.6)  # the first sends time out on the bot's side
        emulator.faults.delay("sendMessage", 0)
        await setup.wait_pushes(dict.fromkeys(range(3200, 3205), 1))
        await setup.settle(1.0)
        counts = [len(setup.pushes(chat)) for chat in range(3200, 3205)]
        # Telegram (here, the emulator) may have delivered a send whose answer timed out: at most one
        # duplicate per timed-out send, never a loss.
        assert all(count >= 1 for count in counts)
        assert sum(counts) - 5 <= setup.runtime.settings.push_concurrency
        async with setup.runtime.db.read() as session:
            statuses = list(await session.scalars(select(Delivery.status)))
        assert statuses == ["sent"] * 5
    finally:
        await setup.runtime.stop()


async def test_group_upgraded_to_supergroup_gets_its_push_at_the_new_id(pushes: Pushes) -> None:
    pushes.emulator.add_chat(-4001, "group", title="Team")
    pushes.emulator.set_admins(-4001, [4001])  # only a group's admins change its topics
    await pushes.emulator.inject_message(
        -4001, "/subscribe AI", chat_type="group", user_id=4001, chat_title="Team"
    )
    await pushes.emulator.wait_for(chat_id=-4001, timeout=WAIT)
    pushes.emulator.migrate_chat(-4001, -1004001)
    pushes.expected_refusals.add(400)
    pushes.drop("g.md", title="Upgrade", url="https://example.com/upgrade", topics=["AI"])
    await pushes.wait_pushes({-1004001: 1})
    async with pushes.runtime.db.read() as session:
        assert await session.get(ChatRow, -4001) is None
        moved = await session.get(ChatRow, -1004001)
    assert moved is not None and moved.type == "supergroup"


async def test_files_added_while_the_bot_was_down_are_pushed_after_a_restart(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, clock: Clock
) -> None:
    setup = await start_pushes(emulator, tmp_path, database_url, clock)
    await setup.follow(3300, "Climate")
    await setup.runtime.stop()
    setup.drop("while-down.md", title="While down", url="https://example.com/down", topics=["Climate"])
    restarted = await start_pushes(emulator, tmp_path, database_url, clock)
    try:
        await restarted.wait_pushes({3300: 1})
        assert [button_url(m, "Read ↗") for m in restarted.pushes(3300)] == ["https://example.com/down"]
    finally:
        await restarted.runtime.stop()
