"""bench/budget.py's figures, computed from the emulator's call log (its clock, its statuses).

Each call is a ``GET /_emulator/calls?params=false`` record: ``index``, ``method``, ``status``, ``time``,
``chat_id``, ``retry_after``. Pure functions, so the arithmetic can be read (and checked) on its own.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import Any

CEILING = 30
Rows = list[tuple[str, str]]
Call = dict[str, Any]


def rate(times: Sequence[float]) -> float:
    """Sends per second from the first to the last of ``times`` (sorted)."""
    if len(times) < 2 or times[-1] <= times[0]:
        return float("nan")
    return (len(times) - 1) / (times[-1] - times[0])


def peak_window(calls: Sequence[Call], width: float = 1.0) -> int:
    """The most calls in any trailing window ``(t - width, t]``, as Telegram counts them."""
    times = sorted(c["time"] for c in calls)
    peak, start = 0, 0
    for end, now in enumerate(times):
        while times[start] <= now - width:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


def reply_latencies(
    sends: Sequence[Call], injected: Sequence[tuple[int, float]], start: float, end: float
) -> tuple[list[float], int]:
    """Milliseconds from each command injected in ``[start, end]`` to the first accepted send to its chat
    after it (each send answers one command at most), and how many such commands got none."""
    by_chat: dict[int, list[float]] = {}
    for call in sends:
        if call["status"] == 200:
            by_chat.setdefault(call["chat_id"], []).append(call["time"])
    used: dict[int, int] = {}
    latencies, unanswered = [], 0
    for chat, at in sorted(injected, key=lambda entry: entry[1]):
        times = sorted(by_chat.get(chat, []))
        position = max(bisect.bisect_right(times, at), used.get(chat, 0))
        if not start <= at <= end:
            if position < len(times):
                used[chat] = position + 1
            continue
        if position < len(times):
            latencies.append((times[position] - at) * 1000)
            used[chat] = position + 1
        else:
            unanswered += 1
    return latencies, unanswered


def send_rows(
    sends: Sequence[Call],
    readers: range,
    stats: dict[str, Any],
    cpu: float | None,
    *,
    chatters: range | None = None,
    injected: Sequence[tuple[int, float]] = (),
    goal: str = "",
) -> Rows:
    """Push rate, delivery, 429s and peaks of a fan-out; with ``chatters``, the replies too."""
    pushes = sorted((c for c in sends if c["status"] == 200 and c["chat_id"] in readers), key=_time)
    times = [c["time"] for c in pushes]
    delivered = len({c["chat_id"] for c in pushes})
    push_rate = rate(times)
    rows: Rows = [
        ("followers", f"{len(readers)}"),
        ("delivered (distinct)", f"{delivered}"),
        ("duplicates", f"{len(pushes) - delivered}"),
        ("fan-out time (s)", f"{times[-1] - times[0]:.1f}" if len(times) > 1 else "-"),
        ("push rate (msg/s)", f"{push_rate:.2f}"),
    ]
    if chatters is None:
        rows.append((f"  push rate / 30{goal}", f"{push_rate / CEILING:.3f}"))
    else:
        start, end = (times[0], times[-1]) if times else (0.0, 0.0)
        replies = [
            c for c in sends if c["status"] == 200 and c["chat_id"] in chatters and start <= c["time"] <= end
        ]
        reply_rate = len(replies) / (end - start) if end > start else float("nan")
        latencies, unanswered = reply_latencies(sends, injected, start, end)
        rows += [
            ("replies' rate (msg/s)", f"{reply_rate:.2f}"),
            ("  push / (30 - replies) (A: >= 0.95)", f"{push_rate / (CEILING - reply_rate):.3f}"),
            ("commands during the fan-out", f"{len(latencies) + unanswered}"),
            ("  unanswered", f"{unanswered}"),
            ("reply latency p50 (ms)", f"{percentile(latencies, 0.5):.0f}"),
            ("reply latency p95 (ms) (A: <= 250)", f"{percentile(latencies, 0.95):.0f}"),
            ("reply latency max (ms)", f"{max(latencies, default=float('nan')):.0f}"),
        ]
    refused = [c for c in sends if c["status"] == 429]
    to_followers = sum(1 for c in refused if c["chat_id"] in readers)
    rows += [
        ("429 answers to sends", f"{len(refused)}"),
        ("  of them to followers", f"{to_followers}"),
        ("429 answers, all calls", f"{stats['statuses']['429']}"),
        ("peak sends in 1 s (emulator)", f"{stats['max_sends_per_second']}"),
    ]
    if cpu is not None and pushes:
        rows.append(("bot CPU s per 1,000 pushes", f"{cpu * 1000 / len(pushes):.2f}"))
    return rows


def sends_inside_retry_windows(sends: Sequence[Call]) -> int:
    """Send calls (accepted or refused) made strictly inside ``(t, t + retry_after)`` of an earlier 429."""
    windows = sorted((c["time"], c["time"] + c["retry_after"]) for c in sends if c["status"] == 429)
    starts = [start for start, _ in windows]
    reach: list[float] = []  # the furthest end among the windows opened so far
    for _, end in windows:
        reach.append(max(end, reach[-1]) if reach else end)
    inside = 0
    for call in sends:
        opened = bisect.bisect_left(starts, call["time"])  # windows whose 429 came strictly before
        if opened and reach[opened - 1] > call["time"]:
            inside += 1
    return inside


def per_second(calls: Sequence[Call], start: float, seconds: int) -> list[int]:
    counts = [0] * seconds
    for call in calls:
        second = int(call["time"] - start)
        if 0 <= second < seconds:
            counts[second] += 1
    return counts


def lowered_rows(
    sends: Sequence[Call], readers: range, stats: dict[str, Any], changes: Sequence[float]
) -> Rows:
    """The 10/s episode: 429s and rate per phase, sends inside retry_after windows, the rate each second."""
    pushes = sorted((c for c in sends if c["status"] == 200 and c["chat_id"] in readers), key=_time)
    refused = [c for c in sends if c["status"] == 429]
    delivered = len({c["chat_id"] for c in pushes})
    first, last = pushes[0]["time"], pushes[-1]["time"]
    bounds = [first, *changes, last]
    rows: Rows = [
        ("followers", f"{len(readers)}"),
        ("delivered (distinct)", f"{delivered}"),
        ("duplicates", f"{len(pushes) - delivered}"),
        ("sends inside a retry_after window", f"{sends_inside_retry_windows(sends)}"),
        ("retry_after asked (s)", " ".join(sorted({str(c["retry_after"]) for c in refused})) or "-"),
    ]
    for label, low, high in zip(
        ("30/s", "lowered to 10/s", "back to 30/s"), bounds, bounds[1:], strict=False
    ):
        phase = [c["time"] for c in pushes if low <= c["time"] < high]
        span = max(high - low, 1e-9)
        rows += [
            (f"{label}: seconds", f"{high - low:.1f}"),
            (f"{label}: accepted msg/s", f"{len(phase) / span:.2f}"),
            (f"{label}: 429s", f"{sum(1 for c in refused if low <= c['time'] < high)}"),
        ]
    seconds = math.ceil(last - first) + 1
    accepted = per_second([c for c in sends if c["status"] == 200], first, seconds)
    rows += [
        ("peak sends in 1 s (emulator)", f"{stats['max_sends_per_second']}"),
        ("limit changes at second", " ".join(f"{c - first:.1f}" for c in changes)),
        ("accepted sends each second", " ".join(map(str, accepted))),
        ("429s each second", " ".join(map(str, per_second(refused, first, seconds)))),
    ]
    return rows


def _time(call: Call) -> float:
    return float(call["time"])
