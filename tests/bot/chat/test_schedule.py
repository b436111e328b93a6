"""Time zone, quiet hours and the daily digest end to end: the clock moves, the pushes follow it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.emulator import SentMessage
from tests.bot.conftest import buttons
from tests.bot.pushes import Pushes, button_url, is_digest


def utc(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def links(message: SentMessage) -> list[str]:
    """The article links of a digest, in order (``text_link`` entities)."""
    return [entity["url"] for entity in message.entities or [] if entity.get("type") == "text_link"]


async def test_quiet_hours_across_midnight_in_berlin_held_or_silent(pushes: Pushes) -> None:
    held = await pushes.follow(5100, "Space")
    assert "Europe/Berlin (local time now 13:00)" in (await held.say_last("/timezone Europe/Berlin")).body
    shown = await held.say_last("/quiet 22:00-07:00")
    assert shown.body.startswith(
        "🌙 Quiet hours: 22:00–07:00 (Europe/Berlin). Pushes in that time are held and arrive as one digest at 07:00."
    )
    silent = await pushes.follow(5101, "Space")
    await silent.say("/timezone Europe/Berlin")
    # From /settings: the quiet-hours menu, a preset, then "send silently".
    menu = await silent.say_last("/settings")
    await silent.tap(menu, "Quiet hours")
    await silent.tap(silent.current(menu), "22:00–07:00")
    await silent.tap(silent.current(menu), "Send silently")
    assert silent.current(menu).body.startswith(
        "🌙 Quiet hours: 22:00–07:00 (Europe/Berlin). Pushes in that time arrive silently."
    )
    on_utc = await pushes.follow(5102, "Space")
    await on_utc.say("/quiet 22:00-07:00")  # on UTC, 21:30 is not quiet yet

    # 22:30 in Berlin, 21:30 UTC.
    pushes.clock.jump_to(utc(27, 21, 30))
    for n, minute in enumerate((20, 25)):
        pushes.drop(
            f"night{n}.md",
            title=f"Night {n}",
            url=f"https://example.com/night{n}",
            topics=["Space"],
            published=utc(27, 21, minute),
        )
    await pushes.wait_pushes({5101: 2, 5102: 2})
    # 06:59 in Berlin: still quiet.
    pushes.clock.jump_to(utc(28, 5, 59))
    pushes.drop(
        "dawn.md", title="Dawn", url="https://example.com/dawn", topics=["Space"], published=utc(28, 5, 50)
    )
    await pushes.wait_pushes({5101: 3})
    await pushes.settle()
    assert pushes.pushes(5100) == []
    assert [m.disable_notification for m in pushes.pushes(5101)] == [True, True, True]
    # On UTC the night began at 22:00 UTC: "Dawn" (05:59 UTC) is held there too.
    assert [m.disable_notification for m in pushes.pushes(5102)] == [False, False]

    # 07:00 in Berlin: the night's pushes arrive as one digest, with a sound.
    pushes.clock.jump_to(utc(28, 6, 0, 1))
    await pushes.wait_pushes({5100: 1})
    (digest,) = pushes.pushes(5100)
    assert is_digest(digest) and not digest.disable_notification
    assert digest.body.splitlines()[:3] == ["📰 Your digest: 3 articles", "", "Space"]
    assert links(digest) == [
        "https://example.com/night0",
        "https://example.com/night1",
        "https://example.com/dawn",
    ]
    # After the window, pushes are instant and audible again.
    pushes.drop(
        "day.md", title="Day", url="https://example.com/day", topics=["Space"], published=utc(28, 6, 0)
    )
    await pushes.wait_pushes({5100: 2, 5101: 4})
    for chat in (5100, 5101):
        latest = pushes.pushes(chat)[-1]
        assert button_url(latest, "Read ↗") == "https://example.com/day" and not latest.disable_notification
    # 07:00 UTC ends the UTC reader's night.
    assert len(pushes.pushes(5102)) == 2
    pushes.clock.jump_to(utc(28, 7, 0, 1))
    await pushes.wait_pushes({5102: 3})
    assert links(pushes.pushes(5102)[-1]) == ["https://example.com/dawn", "https://example.com/day"]


async def test_a_digest_day_in_new_york(pushes: Pushes) -> None:
    reader = await pushes.follow(5200, "AI", "Space")
    await reader.say("/timezone America/New_York")
    shown = await reader.say_last("/digest 18:00")
    assert shown.body.startswith("⏰ Daily digest at 18:00 (America/New_York)")
    instant = await pushes.follow(5201, "AI", "Space")

    # During the day (New York is UTC-5): articles arrive, the instant reader gets each at once.
    day = [
        (utc(27, 14), "ai1", "AI"),
        (utc(27, 17), "sp1", "Space"),
        (utc(27, 17, 30), "ai2", "AI"),
        (utc(27, 20), "sp2", "Space"),
        (utc(27, 21), "ai3", "AI"),
    ]
    for count, (when, slug, topic) in enumerate(day, start=1):
        pushes.clock.jump_to(when)
        pushes.drop(
            f"{slug}.md",
            title=f"Story {slug}",
            url=f"https://example.com/{slug}",
            topics=[topic],
            published=when,
        )
        await pushes.wait_pushes({5201: count})
    pushes.clock.jump_to(utc(27, 22, 59, 50))  # 17:59:50 in New York
    await pushes.settle()
    assert pushes.pushes(5200) == []

    pushes.clock.jump_to(utc(27, 23, 0, 1))  # 18:00 in New York
    await pushes.wait_pushes({5200: 1})
    await pushes.settle()
    (digest,) = pushes.pushes(5200)
    lines = digest.body.splitlines()
    assert lines[0] == "📰 Your digest: 5 articles"
    assert [line for line in lines if line and not line.startswith("•")] == [lines[0], "AI", "Space"]
    assert links(digest) == [f"https://example.com/{slug}" for slug in ("ai1", "ai2", "ai3", "sp1", "sp2")]
    assert all(" — Example News, " in line for line in lines if line.startswith("•"))

    # The next day is a busy one: long titles, more than one message holds.
    second_day = utc(28, 15)
    pushes.clock.jump_to(second_day)
    await instant.say("/unsubscribe all")
    for n in range(40):
        pushes.drop(
            f"busy{n:02}.md",
            title=f"Busy day {n:02} " + "headline " * 20,
            url=f"https://example.com/busy{n:02}",
            topics=["AI" if n % 2 else "Space"],
            published=second_day - timedelta(minutes=40 - n),
        )
    await pushes.settle(1.5)
    assert len(pushes.pushes(5200)) == 1
    pushes.clock.jump_to(utc(28, 23, 0, 1))
    parts_expected = 3
    await pushes.wait_pushes({5200: 1 + parts_expected})
    await pushes.settle()
    parts = pushes.pushes(5200)[1:]
    assert [p.body.splitlines()[0] for p in parts] == [
        f"📰 Your digest: 40 articles ({n}/{parts_expected})" for n in range(1, parts_expected + 1)
    ]
    odd = [f"https://example.com/busy{n:02}" for n in range(1, 40, 2)]
    even = [f"https://example.com/busy{n:02}" for n in range(0, 40, 2)]
    assert [url for part in parts for url in links(part)] == odd + even  # AI first, then Space

    # Turning the digest off sends what waits at once.
    pushes.drop(
        "late.md", title="Late", url="https://example.com/late", topics=["AI"], published=utc(28, 23, 30)
    )
    pushes.clock.jump_to(utc(28, 23, 30))
    await pushes.settle(1.0)
    assert len(pushes.pushes(5200)) == 1 + parts_expected
    assert (await reader.say_last("/digest off")).body.startswith("⏰ Daily digest is off")
    await pushes.wait_pushes({5200: 2 + parts_expected})
    last = pushes.pushes(5200)[-1]
    assert last.body.startswith("📰 Your digest: 1 article") and links(last) == ["https://example.com/late"]


async def test_timezone_quiet_and_digest_errors(pushes: Pushes) -> None:
    reader = pushes.chat(5300)
    assert (await reader.say_last("/timezone")).body.startswith(
        "🕒 Your time zone: UTC (local time now 12:00)."
    )
    unknown = await reader.say_last("/timezone Mars/Olympus")
    assert unknown.body == (
        "/timezone: I don't know the time zone “Mars/Olympus”. Use a name such as /timezone Europe/Berlin "
        "or an offset from UTC such as /timezone +02:00 (from -12:00 to +14:00)."
    )
    assert "“+15:00”" in (await reader.say_last("/timezone +15:00")).body
    assert (
        "“<b>Berlin</b>”" in (await reader.say_last("/timezone <b>Berlin</b>")).body
    )  # escaped, shown as typed
    assert (await reader.say_last("/timezone europe/berlin")).body == (
        "✅ Time zone set to Europe/Berlin (local time now 13:00)."
    )
    assert "Europe/Berlin" in (await reader.say_last("/timezone")).body
    assert "+05:30 (local time now 17:30)" in (await reader.say_last("/timezone UTC+5:30")).body
    usage = "Usage: /quiet 22:00-07:00"
    for wrong in ("/quiet 25:00-07:00", "/quiet 22:00-22:00", "/quiet sometimes", "/quiet 22:00"):
        assert (await reader.say_last(wrong)).body.startswith(usage), wrong
    assert (await reader.say_last("/digest noon")).body.startswith("Usage: /digest 08:00")
    assert (await reader.say_last("/digest 8:00")).body.startswith("⏰ Daily digest at 08:00 (+05:30)")
    quiet = await reader.say_last("/quiet 23:00-06:30 silent")
    assert quiet.body.startswith("🌙 Quiet hours: 23:00–06:30 (+05:30). Pushes in that time arrive silently.")
    assert "✅ Send silently" in [label for label, _ in buttons(quiet)]
    assert (await reader.say_last("/quiet off")).body.startswith("🌙 Quiet hours are off")
