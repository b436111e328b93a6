"""Readers' local time as pure logic: time zones, times of day, quiet windows, the next digest (DST too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.readers.localtime import (
    LocalTimeError,
    Schedule,
    format_clock,
    in_window,
    next_local,
    parse_clock,
    parse_timezone,
    parse_window,
    zone,
)

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("America/New York", "America/New_York"),
        ("berlin", "Europe/Berlin"),  # a city alone, when one zone ends with it
        ("UTC", "UTC"),
        ("gmt", "UTC"),
        ("+02:00", "+02:00"),
        ("+2", "+02:00"),
        ("+0530", "+05:30"),
        ("UTC+02:00", "+02:00"),
        ("-05:30", "-05:30"),
        ("+00:00", "UTC"),
        ("+14:00", "+14:00"),
        ("-12:00", "-12:00"),
        ("Etc/GMT+5", "Etc/GMT+5"),
    ],
)
def test_time_zones_are_stored_in_one_spelling(typed: str, stored: str) -> None:
    assert parse_timezone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["Mars/Olympus", "Europe", "", "+15:00", "-13", "+02:75", "localtime", "../../etc/passwd", "x" * 70],
)
def test_unknown_time_zones_and_impossible_offsets_are_refused(typed: str) -> None:
    with pytest.raises(LocalTimeError):
        parse_timezone(typed)


def test_stored_time_zones_become_tzinfo() -> None:
    moment = utc(2026, 7, 1, 12, 0)
    assert moment.astimezone(zone("Europe/Berlin")).hour == 14
    assert moment.astimezone(zone("+05:30")).strftime("%H:%M") == "17:30"
    assert moment.astimezone(zone("-05:30")).strftime("%H:%M") == "06:30"
    assert zone(None) is UTC
    assert zone("No/Such_Zone") is UTC  # a zone this machine lost: UTC rather than a crash


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("22:00", 1320), ("7:30", 450), ("07.30", 450), ("7h30", 450), ("22", 1320), ("0:00", 0)],
)
def test_times_of_day(typed: str, minutes: int) -> None:
    assert parse_clock(typed) == minutes
    assert format_clock(minutes) == f"{minutes // 60:02}:{minutes % 60:02}"


@pytest.mark.parametrize("typed", ["24:00", "7:60", "noon", "-1", "7:5", ""])
def test_impossible_times_of_day_are_refused(typed: str) -> None:
    with pytest.raises(LocalTimeError):
        parse_clock(typed)


def test_windows_may_cross_midnight_and_are_never_empty() -> None:
    assert parse_window("22:00-07:00") == (1320, 420)
    assert parse_window("22:00 – 07:00") == (1320, 420)
    assert parse_window("9 to 17") == (540, 1020)
    for typed in ("22:00-22:00", "22:00", "22-07-09", "a-b"):
        with pytest.raises(LocalTimeError):
            parse_window(typed)


def test_in_window_across_midnight() -> None:
    night = (22 * 60, 7 * 60)
    assert in_window(22 * 60, *night)
    assert in_window(23 * 60 + 59, *night)
    assert in_window(0, *night)
    assert in_window(6 * 60 + 59, *night)
    assert not in_window(7 * 60, *night)  # the end is outside
    assert not in_window(12 * 60, *night)
    assert in_window(9 * 60, 9 * 60, 17 * 60) and not in_window(17 * 60, 9 * 60, 17 * 60)


def test_quiet_hours_are_read_in_the_chat_time_zone() -> None:
    berlin = Schedule("Europe/Berlin", 22 * 60, 7 * 60)
    # 21:30 UTC in November is 22:30 in Berlin: quiet there, not for a chat on UTC.
    late = utc(2026, 11, 27, 21, 30)
    assert berlin.quiet_at(late)
    assert not Schedule(None, 22 * 60, 7 * 60).quiet_at(late)
    # Held until the window ends: 07:00 Berlin the next morning is 06:00 UTC.
    assert berlin.hold_until(late) == utc(2026, 11, 28, 6, 0)
    # After midnight, the same morning.
    assert berlin.hold_until(utc(2026, 11, 28, 2, 0)) == utc(2026, 11, 28, 6, 0)
    # Outside the window nothing is held; in silent mode nothing ever is.
    assert berlin.hold_until(utc(2026, 11, 28, 6, 0)) is None
    assert Schedule("Europe/Berlin", 22 * 60, 7 * 60, "silent").hold_until(late) is None
    assert Schedule().hold_until(late) is None and not Schedule().quiet_at(late)


def test_a_daily_digest_holds_everything_until_its_next_hour() -> None:
    digest = Schedule("America/New_York", digest_at=18 * 60, quiet_start=22 * 60, quiet_end=7 * 60)
    # 12:00 UTC is 07:00 in New York (EST): today's 18:00 there is 23:00 UTC.
    assert digest.hold_until(utc(2026, 11, 27, 12, 0)) == utc(2026, 11, 27, 23, 0)
    # At 18:00 sharp the digest is going out: what arrives now waits for tomorrow's.
    assert digest.hold_until(utc(2026, 11, 27, 23, 0)) == utc(2026, 11, 28, 23, 0)
    # In quiet hours too, the digest hour decides.
    assert digest.hold_until(utc(2026, 11, 28, 4, 0)) == utc(2026, 11, 28, 23, 0)


def test_next_digest_across_the_spring_change() -> None:
    """Berlin moves from +01:00 to +02:00 at 02:00 on 29 March 2026."""
    eight = 8 * 60
    before = next_local(utc(2026, 3, 28, 8, 0), eight, BERLIN)  # 09:00 Berlin on the 28th
    assert before == utc(2026, 3, 29, 6, 0)  # 08:00 CEST: 23 hours later, not 24
    assert before.astimezone(BERLIN).strftime("%d %H:%M") == "29 08:00"
    # 02:30 does not exist that night: the digest goes at 03:30 local, once.
    skipped = next_local(utc(2026, 3, 28, 23, 0), 2 * 60 + 30, BERLIN)
    assert skipped == utc(2026, 3, 29, 1, 30)
    assert skipped.astimezone(BERLIN).strftime("%H:%M") == "03:30"
    assert next_local(skipped, 2 * 60 + 30, BERLIN) == utc(2026, 3, 30, 0, 30)


def test_next_digest_across_the_autumn_change() -> None:
    """Berlin moves from +02:00 back to +01:00 at 03:00 on 25 October 2026: 02:30 happens twice."""
    eight = 8 * 60
    assert next_local(utc(2026, 10, 24, 7, 0), eight, BERLIN) == utc(2026, 10, 25, 7, 0)  # 25 hours later
    first = next_local(utc(2026, 10, 24, 12, 0), 2 * 60 + 30, BERLIN)
    assert first == utc(2026, 10, 25, 0, 30)  # the first 02:30 (CEST)
    # The second 02:30 (CET, an hour later) is not a second digest: the next one is the next day's.
    assert next_local(first, 2 * 60 + 30, BERLIN) == utc(2026, 10, 26, 1, 30)


def test_quiet_hours_across_a_dst_change_end_at_the_local_hour() -> None:
    berlin = Schedule("Europe/Berlin", 22 * 60, 7 * 60)
    # 22:30 CET on 28 March; the window ends at 07:00 CEST on the 29th, 7.5 hours of clock time later.
    evening = utc(2026, 3, 28, 21, 30)
    assert berlin.hold_until(evening) == utc(2026, 3, 29, 5, 0)


zones = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"])
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)


@given(instants, st.integers(0, 24 * 60 - 1), zones)
def test_next_local_is_the_first_later_moment_showing_that_time(
    after: datetime, minutes: int, name: str
) -> None:
    """Property, against a minute-by-minute search: the first later moment whose wall clock shows the time
    (its first occurrence, on a day the hour repeats); on a day that skips it, a moment shortly after."""
    where = ZoneInfo(name)
    found = next_local(after, minutes, where)
    assert after < found <= after + timedelta(hours=25)
    step = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    searched = None
    while step <= found:
        local = step.astimezone(where)
        if local.hour * 60 + local.minute == minutes and local.fold == 0:
            searched = step
            break
        step += timedelta(minutes=1)
    if searched is not None:
        assert found == searched
    else:  # the wall clock jumped over that time: the day's change of offset explains the gap
        local = found.astimezone(where)
        assert (local.hour * 60 + local.minute - minutes) % (24 * 60) <= 60
        assert local.utcoffset() != (found - timedelta(hours=3)).astimezone(where).utcoffset()
