"""Chat load at 100,000 readers: per-command latency under an open-loop Poisson load, peak RSS.

    python bench/chat_load.py [--rates 100,200,300] [--seconds 20] [--only /search,tap]
    python bench/chat_load.py --database postgresql://newsbot:newsbot@127.0.0.1/chatload

A reproducible world (seed 42): 100,000 article files over 1,000 topics, imported with ``newsbot import``
(cached under bench/.cache between runs), 100,000 chats with ~300,000 subscriptions. Three processes on
one machine: the Bot API emulator (limits off), ``newsbot run --mode webhook`` (pacing and flood control
raised: this measures the bot, not Telegram's limits), and this script. Updates enter through the
emulator's control API, which hands each to the bot's webhook at once, as Telegram does; they arrive at a
fixed rate with exponential gaps (open loop: a slow bot does not slow the arrivals), each from a reader
with nothing else in flight, in a mix of /topics, a tap on a topic button, /latest, /search and /mytopics.

Latency of an update: from its injection to the bot's answer reaching the emulator (the first message sent
to that chat for a command; ``answerCallbackQuery`` for a tap). Per rate: p50 / p95 / p99 per command,
whether the backlog grew (answers still missing 5 s after the last arrival, or latency rising from the
first half of the run to the second), the bot's peak RSS (VmHWM), and the CPU time the bot and the
emulator used per answered update (user + system, /proc): on a shared machine the least noisy figure.
Measuring starts once the bot is idle after start-up (its watcher syncs the whole folder once more).

``--profile FILE`` samples the bot with py-spy (``pip install py-spy``) during the first rate's run and
writes its stacks to FILE (py-spy's raw format: one collapsed stack and its sample count a line).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fanout import free_port  # noqa: E402
from tests.articles import article_text  # noqa: E402

TOKEN = "123456:BENCH-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
SEED = 42
TOPICS = 1_000
ARTICLES = 100_000
CHATS = 100_000
FIRST_CHAT = 10_000_000
WORDS = [
    "market",
    "energy",
    "vision",
    "quantum",
    "climate",
    "robot",
    "health",
    "privacy",
    "chip",
    "cloud",
    "rocket",
    "ocean",
    "battery",
    "model",
    "vaccine",
    "election",
    "satellite",
    "network",
    "fusion",
    "genome",
    "drone",
    "solar",
    "policy",
    "startup",
    "security",
    "language",
    "crypto",
    "storm",
    "research",
    "camera",
    "transport",
    "education",
]
MIX = (("/topics", 0.25), ("tap", 0.20), ("/latest", 0.25), ("/search", 0.15), ("/mytopics", 0.15))


def popular(rng: random.Random, topics: int = TOPICS) -> int:
    """A topic number, low numbers more popular: topic 0 about 30 times as likely as the last."""
    return int(rng.random() ** 2 * topics)


def topic_name(n: int) -> str:
    return f"Topic {n:04d}"


def build_world(folder: Path, database: str | None) -> None:
    """Article files, imported into a database with readers, unless a previous run left them there.

    The files and the SQLite database are cached in ``folder``; a PostgreSQL database keeps its world.
    """
    content = folder / "content"
    if not (folder / "files-ready").exists():
        write_articles(content)
        (folder / "files-ready").write_text("ok")
    if database is None and (folder / "ready").exists():
        return
    environment = bot_environment(folder, "", 0, database)
    if database is not None and asyncio.run(count_readers(environment["DATABASE_URL"])) == CHATS:
        return
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "import"], cwd=ROOT, env=environment, check=True)
    print(f"world: imported {ARTICLES:,} articles in {time.perf_counter() - started:.0f} s")
    subprocess.run(
        [sys.executable, __file__, "--seed-readers", environment["DATABASE_URL"]], cwd=ROOT, check=True
    )
    if database is None:
        (folder / "ready").write_text("ok")


def write_articles(content: Path) -> None:
    rng = random.Random(SEED)
    content.mkdir(parents=True, exist_ok=True)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(ARTICLES):
        shard = content / f"{n // 1000:03d}"
        shard.mkdir(exist_ok=True)
        topics = sorted({topic_name(popular(rng)) for _ in range(rng.randint(1, 3))})
        words = " ".join(rng.choice(WORDS) for _ in range(6))
        (shard / f"a{n}.md").write_text(
            article_text(
                title=f"{words.capitalize()} {n}",
                url=f"https://example.com/{n}",
                topics=topics,
                published=start + timedelta(minutes=5 * n),
                excerpt=" ".join(rng.choice(WORDS) for _ in range(20)),
            ),
            encoding="utf-8",
        )


async def count_readers(database_url: str) -> int:
    """How many readers a PostgreSQL database holds (0 when it has no schema yet)."""
    from sqlalchemy import func, select
    from sqlalchemy.exc import DBAPIError

    from storage.db.database import Database
    from storage.db.models import Chat

    db = Database(database_url)
    try:
        async with db.read() as session:
            return int(await session.scalar(select(func.count()).select_from(Chat)) or 0)
    except DBAPIError:
        return 0
    finally:
        await db.close()


async def seed_readers(database_url: str) -> None:
    from sqlalchemy import insert, select

    from storage.db.database import Database
    from storage.db.models import Chat, Subscription, Topic

    rng = random.Random(SEED + 1)
    db = Database(database_url)
    now = datetime.now(UTC)
    async with db.write() as session:
        ids = dict((await session.execute(select(Topic.name, Topic.id))).all())
        topic_ids = [ids[topic_name(n)] for n in range(TOPICS) if topic_name(n) in ids]
        chats = [
            {
                "id": FIRST_CHAT + n,
                "type": "private",
                "status": "active",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(CHATS)
        ]
        subscriptions = []
        for n in range(CHATS):
            picked: set[int] = set()
            while len(picked) < 3:
                picked.add(topic_ids[popular(rng) % len(topic_ids)])
            subscriptions += [
                {"chat_id": FIRST_CHAT + n, "thread_id": 0, "topic_id": t, "created_at": now} for t in picked
            ]
        for rows, model in ((chats, Chat), (subscriptions, Subscription)):
            for offset in range(0, len(rows), 10_000):
                await session.execute(insert(model), rows[offset : offset + 10_000])
    await db.close()
    print(f"world: {CHATS:,} readers, {len(subscriptions):,} subscriptions over {len(topic_ids):,} topics")


def bot_environment(
    folder: Path, emulator_url: str, port: int, database: str | None = None
) -> dict[str, str]:
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emulator_url or "http://127.0.0.1:9",
        "DATABASE_URL": database or f"sqlite:///{folder}/bot.db",
        "CONTENT_DIR": f"{folder}/content",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "WEBHOOK_MAX_PENDING": "100000",
        "FLOOD_COMMANDS_PER_MINUTE": "1000000",
        "SEND_GLOBAL_PER_SECOND": "1000000",
        "PUSH_RATE": "1000",
        "SEND_CHAT_PER_SECOND": "1000000",
        "SEND_CHAT_BURST": "1000000",
        "RESCAN_SECONDS": "100000",
        "LOG_LEVEL": "WARNING",
    }


@dataclass
class Pending:
    command: str
    chat_id: int
    sent_at: float
    callback_id: str | None = None


@dataclass
class RunResult:
    rate: int
    arrivals: int
    answered: int
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    first_half: list[float] = field(default_factory=list)
    second_half: list[float] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def run_rate(
    http: aiohttp.ClientSession, emulator: str, rate: int, seconds: float, mix: tuple[tuple[str, float], ...]
) -> RunResult:
    rng = random.Random(SEED + rate)
    control = f"{emulator}/_emulator"
    calls_seen = len(await get(http, f"{control}/calls"))
    busy: set[int] = set()
    keyboards: dict[int, tuple[int, str]] = {}  # chat -> (message id, a topic button's callback data)
    pending: list[Pending] = []
    result = RunResult(rate, 0, 0)
    commands, weights = zip(*mix, strict=True)
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks: set[asyncio.Task[None]] = set()

    async def arrive(command: str, chat: int) -> None:
        entry = Pending(command, chat, time.monotonic())
        pending.append(entry)
        if command == "tap":
            message_id, data = keyboards.pop(chat)
            body = {"chat_id": chat, "message_id": message_id, "data": data}
            answer = await post(http, f"{control}/updates/callback", body)
            entry.callback_id = answer["callback_query_id"]
            return
        text = {"/search": f"/search {rng.choice(WORDS)}", "/latest": "/latest 5"}.get(command, command)
        await post(http, f"{control}/updates/message", {"chat_id": chat, "text": text})

    next_arrival = start
    while next_arrival - start < seconds:
        await asyncio.sleep(max(0.0, next_arrival - loop.time()))
        command = rng.choices(commands, weights)[0]
        if command == "tap" and not [c for c in keyboards if c not in busy]:
            command = "/topics"  # a tap needs a keyboard: a /topics answer first
        if command == "tap":
            chat = rng.choice([c for c in keyboards if c not in busy])
        else:
            chat = FIRST_CHAT + rng.randrange(CHATS)
            while chat in busy or chat in keyboards:
                chat = FIRST_CHAT + rng.randrange(CHATS)
        busy.add(chat)
        task = asyncio.create_task(arrive(command, chat))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        result.arrivals += 1
        next_arrival += rng.expovariate(rate)
        if result.arrivals % 50 == 0:
            calls_seen = await collect(
                http, control, calls_seen, pending, busy, keyboards, result, start, seconds
            )
    await asyncio.gather(*tasks)
    deadline = loop.time() + 5.0
    while pending and loop.time() < deadline:
        await asyncio.sleep(0.2)
        calls_seen = await collect(
            http, control, calls_seen, pending, busy, keyboards, result, start, seconds
        )
    return result


async def collect(
    http: aiohttp.ClientSession,
    control: str,
    seen: int,
    pending: list[Pending],
    busy: set[int],
    keyboards: dict[int, tuple[int, str]],
    result: RunResult,
    start: float,
    seconds: float,
) -> int:
    """Match the bot's new calls at the emulator to the updates waiting for them."""
    calls = await get(http, f"{control}/calls?since={seen}")
    for call in calls:
        params = call["params"]
        for entry in list(pending):
            if entry.command == "tap":
                matched = (
                    call["method"] == "answerCallbackQuery"
                    and params.get("callback_query_id") == entry.callback_id
                )
            else:
                matched = (
                    call["method"] in ("sendMessage", "sendPhoto") and params.get("chat_id") == entry.chat_id
                )
            if not matched:
                continue
            pending.remove(entry)
            busy.discard(entry.chat_id)
            latency = (call["time"] - entry.sent_at) * 1000
            result.latencies[entry.command].append(latency)
            halves = result.first_half if entry.sent_at - start < seconds / 2 else result.second_half
            halves.append(latency)
            result.answered += 1
            if entry.command == "/topics":
                markup = (
                    json.loads(params["reply_markup"])
                    if isinstance(params.get("reply_markup"), str)
                    else params.get("reply_markup") or {}
                )
                buttons = [
                    b for row in markup.get("inline_keyboard", []) for b in row if "callback_data" in b
                ]
                if buttons:
                    keyboards[entry.chat_id] = (-1, buttons[0]["callback_data"])
            break
    # Message ids of the /topics answers come from the sent messages.
    for chat, (message_id, data) in list(keyboards.items()):
        if message_id == -1:
            sent = await get(http, f"{control}/sent?chat_id={chat}")
            if sent:
                keyboards[chat] = (sent[-1]["message_id"], data)
    return seen + len(calls)


async def get(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url) as response:
        return (await response.json())["result"]


async def post(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> Any:
    async with http.post(url, json=body) as response:
        payload = await response.json()
        if not payload.get("ok"):
            raise RuntimeError(f"{url}: {payload}")
        return payload["result"]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (/proc/PID/stat, clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def settle(pid: int, seconds: float = 120) -> None:
    """Wait until the bot is idle: after start-up its watcher syncs the 100,000 files once more."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        await asyncio.sleep(0.5)
        if cpu_seconds(pid) - before < 0.05:
            return


async def measure(
    folder: Path,
    rates: list[int],
    seconds: float,
    database: str | None,
    mix: tuple[tuple[str, float], ...],
    profile: Path | None = None,
) -> None:
    emulator_port, bot_port = free_port(), free_port()
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    emulator = subprocess.Popen(  # noqa: ASYNC220 - started once, before the measurement
        [sys.executable, "-m", "bot", "emulator", "--port", str(emulator_port), "--no-limits"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    bot = None
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as http:
            await wait_for(http, f"{emulator_url}/_emulator/stats")
            environment = bot_environment(folder, emulator_url, bot_port, database)
            bot = subprocess.Popen(  # noqa: ASYNC220 - started once, before the measurement
                [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=environment
            )
            await wait_for(http, f"http://127.0.0.1:{bot_port}/healthz", seconds=300)
            await settle(bot.pid)
            print(f"bot ready, RSS after start {peak_rss_mb(bot.pid):.0f} MB")
            header = f"{'rate':>5} {'command':<10} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
            for rate in rates:
                sampler = start_profile(bot.pid, profile, seconds) if rate == rates[0] else None
                cpu_before = cpu_seconds(bot.pid), cpu_seconds(emulator.pid)
                result = await run_rate(http, emulator_url, rate, seconds, mix)
                if sampler is not None:
                    await asyncio.to_thread(sampler.wait)
                bot_cpu, emulator_cpu = (
                    (cpu_seconds(pid) - before) * 1000 / max(1, result.answered)
                    for pid, before in zip((bot.pid, emulator.pid), cpu_before, strict=True)
                )
                print(header)
                for command, _ in mix:
                    values = result.latencies.get(command, [])
                    print(
                        f"{rate:>5} {command:<10} {len(values):>6} {percentile(values, 0.5):>8.1f} "
                        f"{percentile(values, 0.95):>8.1f} {percentile(values, 0.99):>8.1f}"
                    )
                lost = result.arrivals - result.answered
                print(
                    f"{rate:>5} arrivals {result.arrivals}, answered {result.answered}, unanswered {lost}; "
                    f"p95 first half {percentile(result.first_half, 0.95):.1f} ms, second half "
                    f"{percentile(result.second_half, 0.95):.1f} ms; peak RSS {peak_rss_mb(bot.pid):.0f} MB; "
                    f"CPU per answered update: bot {bot_cpu:.2f} ms, emulator {emulator_cpu:.2f} ms"
                )
    finally:
        if bot is not None:
            bot.terminate()
            bot.wait(timeout=60)
        emulator.terminate()
        emulator.wait(timeout=10)


def start_profile(pid: int, profile: Path | None, seconds: float) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the bot for ``seconds`` (not blocking it), or None without ``--profile``."""
    if profile is None:
        return None
    command = ["py-spy", "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "250"]
    command += ["--nonblocking", "--format", "raw", "--output", str(profile)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)


async def wait_for(http: aiohttp.ClientSession, url: str, seconds: float = 30) -> None:
    async with asyncio.timeout(seconds):
        while True:
            try:
                async with http.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", default="100,200,300", help="updates per second, comma-separated")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each rate's run")
    parser.add_argument("--cache", default=str(ROOT / "bench" / ".cache" / "chat_load"))
    parser.add_argument(
        "--only", help="a comma-separated subset of the mix (/topics,tap,/latest,/search,/mytopics,/help)"
    )
    parser.add_argument(
        "--database", help="a PostgreSQL URL: the world is imported there once (default: SQLite, cached)"
    )
    parser.add_argument("--profile", type=Path, help="sample the bot with py-spy during the first rate")
    parser.add_argument("--seed-readers", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_readers:
        asyncio.run(seed_readers(args.seed_readers))
        return
    folder = Path(args.cache)
    build_world(folder, args.database)
    mix: tuple[tuple[str, float], ...] = MIX
    if args.only:
        wanted = args.only.split(",")
        mix = tuple((c, w) for c, w in (*MIX, ("/help", 0.0)) if c in wanted)
        mix = tuple((c, w or 1.0) for c, w in mix)
        if len(mix) != len(wanted):
            parser.error(f"--only: not in the mix: {', '.join(set(wanted) - {c for c, _ in mix})}")
    rates = [int(r) for r in args.rates.split(",")]
    asyncio.run(measure(folder, rates, args.seconds, args.database, mix, args.profile))


if __name__ == "__main__":
    main()
