"""Fan-out benchmark: one article to N readers, through the real bot, against the emulator in its own process.

    python bench/fanout.py [--chats 5000] [--limited-chats 750] [--push-rate N] [--database postgresql://…]

Two runs, side by side:
  limits off  emulator and bot pacing switched off: how fast one bot process can push (goal >= 1,200 msg/s)
  limits on   Telegram's limits in the emulator, default pacing (or --push-rate): rate / ceiling (goal >= 0.95)
              with 0 x 429, and the most sends the emulator saw in any trailing second (must stay <= 30)
Both report image fetches (goal: 1 per article) and drop-to-first-push latency (file renamed into the
watched folder -> first push accepted by the emulator; includes the watcher's debounce).
And the CPU (user + system) the bot and the emulator each spent per push from the drop to the last push:
on 2 shared cores the wall-clock rate is noisy, and the emulator, another process, takes a core of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scale import admin  # noqa: E402
from bot.ops.config import Settings  # noqa: E402
from bot.runtime import BotRuntime  # noqa: E402
from storage.catalog.sync import ContentSync  # noqa: E402
from storage.db.database import Database, normalize_database_url  # noqa: E402
from storage.db.models import Chat, Subscription, Topic  # noqa: E402
from tests.articles import article_text  # noqa: E402

TOKEN = "123456:BENCH-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
FIRST_CHAT = 7_000_000


@dataclass
class Result:
    name: str
    chats: int
    delivered: int
    seconds: float
    rate: float
    peak_per_second: int
    too_many_requests: int
    photo_fetches: int
    first_push_latency: float
    slowest_minute: float | None  # the fewest sends in any whole minute of the run (None: shorter than 2 min)
    bot_cpu: float  # seconds of user + system CPU, this process (the bot), from the drop to the last push
    emulator_cpu: float | None  # the same for the emulator's process (None where /proc is not there)


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of another process, from ``/proc`` (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_ready(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            try:
                async with http.get(f"{url}/_emulator/stats") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit("the emulator did not start")


async def seed(db: Database, content: Path, chats: range) -> None:
    await db.create_schema()
    (content / "old.md").write_text(article_text(title="Old", url="https://example.com/old", topics=["AI"]))
    await ContentSync(db, content).sync()  # the baseline: the back catalogue is not pushed
    now = datetime.now(UTC)
    async with db.write() as session:
        topic_id = await session.scalar(select(Topic.id).where(Topic.key == "ai"))
        await session.execute(
            insert(Chat), [{"id": c, "status": "active", "created_at": now, "updated_at": now} for c in chats]
        )
        await session.execute(
            insert(Subscription), [{"chat_id": c, "topic_id": topic_id, "created_at": now} for c in chats]
        )


async def known_to_emulator(url: str, chats: range) -> None:
    async with aiohttp.ClientSession() as http:
        semaphore = asyncio.Semaphore(32)

        async def add(chat_id: int) -> None:
            async with semaphore, http.post(f"{url}/_emulator/chats", json={"chat_id": chat_id}) as response:
                response.raise_for_status()

        await asyncio.gather(*(add(chat) for chat in chats))


async def emulator_json(url: str, path: str) -> Any:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/_emulator/{path}") as response:
        return (await response.json())["result"]


async def run(
    name: str, chats: int, *, limits: bool, settings: Settings, workdir: Path, server: str | None
) -> Result:
    port = free_port()
    command = [sys.executable, "-m", "bot", "emulator", "--port", str(port)] + (
        [] if limits else ["--no-limits"]
    )
    emulator = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    content = workdir / name / "content"
    content.mkdir(parents=True)
    database_url = f"sqlite:///{workdir / name / 'bot.db'}"
    scratch = f"newsbot_bench_fanout_{name.replace('-', '_')}"
    if server is not None:
        await admin(server, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        await admin(server, f'CREATE DATABASE "{scratch}"')
        database_url = make_url(server).set(database=scratch).render_as_string(hide_password=False)
    settings = replace(settings, telegram_api_url=url, database_url=database_url, content_dir=content)
    readers = range(FIRST_CHAT, FIRST_CHAT + chats)
    try:
        await wait_ready(url)
        db = Database(settings.database_url)
        await seed(db, content, readers)
        await db.close()
        await known_to_emulator(url, readers)
        runtime = BotRuntime(settings)
        await runtime.start()
        try:
            temporary = content / "news.md.tmp"
            temporary.write_text(
                article_text(title="Breaking", url="https://example.com/breaking", topics=["AI"], images=1)
            )
            dropped = time.monotonic()  # CLOCK_MONOTONIC: the emulator's clock in the other process too
            bot_cpu, emulator_cpu = time.process_time(), process_cpu(emulator.pid)
            temporary.rename(content / "news.md")
            # The emulator is another process: its counters are read over its control API.
            # Counting is not free for the emulator: a long run looks less often.
            poll = 0.2 if chats < 10_000 else 2.0
            while (await emulator_json(url, "stats"))["sent_messages"] < chats:  # noqa: ASYNC110
                await asyncio.sleep(poll)
            bot_cpu = time.process_time() - bot_cpu
            emulator_after = process_cpu(emulator.pid)
            if emulator_cpu is not None and emulator_after is not None:
                emulator_cpu = emulator_after - emulator_cpu
        finally:
            await runtime.stop()
        stats = await emulator_json(url, "stats")
        sent = [m for m in await emulator_json(url, "sent") if m["chat_id"] >= FIRST_CHAT]
    finally:
        emulator.terminate()
        await asyncio.wait_for(emulator.wait(), 10)
        if server is not None:
            await admin(server, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    times = sorted(m["time"] for m in sent)
    seconds = times[-1] - times[0]
    return Result(
        name=name,
        chats=chats,
        delivered=len({m["chat_id"] for m in sent}),
        seconds=seconds,
        rate=(len(times) - 1) / seconds if seconds > 0 else float("inf"),
        peak_per_second=stats["max_sends_per_second"],
        too_many_requests=stats["statuses"]["429"],
        photo_fetches=sum(stats["photo_fetches"].values()),
        first_push_latency=times[0] - dropped,
        slowest_minute=slowest_minute(times),
        bot_cpu=bot_cpu,
        emulator_cpu=emulator_cpu,
    )


def slowest_minute(times: list[float]) -> float | None:
    """Sends a second in the slowest whole minute after the first (the rate must hold, not only average)."""
    minutes = int((times[-1] - times[0]) // 60)
    if minutes < 2:
        return None
    counts = [0] * minutes
    for sent in times:
        minute = int((sent - times[0]) // 60)
        if minute < minutes:
            counts[minute] += 1
    return min(counts[1:]) / 60


def per_push(cpu: float | None, result: Result) -> str:
    return "-" if cpu is None else f"{1000 * cpu / result.chats:.3f}"


def cpu_bound(result: Result) -> str:
    """The rate one process would reach were the bot alone on its core: pushes per CPU second."""
    return f"{result.chats / result.bot_cpu:.0f}" if result.bot_cpu > 0 else "-"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=5_000, help="readers for the limits-off run")
    parser.add_argument("--limited-chats", type=int, default=750, help="readers for the limits-on run")
    parser.add_argument(
        "--push-rate", type=int, default=None, help="PUSH_RATE for the limits-on run (default: none)"
    )
    parser.add_argument(
        "--database",
        default="sqlite",
        help="sqlite (default) or a PostgreSQL URL: scratch databases are created next to it, then dropped",
    )
    args = parser.parse_args()
    server = None if args.database == "sqlite" else normalize_database_url(args.database)
    base = Settings(
        telegram_bot_token=TOKEN, log_level="WARNING", push_poll_seconds=0.2, host="127.0.0.1", port=0
    )
    unlimited = replace(
        base,
        send_global_per_second=1_000_000,
        push_rate=1_000_000,
        send_chat_per_second=1_000_000.0,
        send_chat_burst=1_000_000,
        push_concurrency=64,
    )
    limited = replace(base, push_rate=args.push_rate)
    with tempfile.TemporaryDirectory(prefix="newsbot-fanout-") as tmp:
        workdir = Path(tmp)
        off = asyncio.run(
            run("limits-off", args.chats, limits=False, settings=unlimited, workdir=workdir, server=server)
        )
        on = asyncio.run(
            run(
                "limits-on", args.limited_chats, limits=True, settings=limited, workdir=workdir, server=server
            )
        )

    def minute(rate: float | None) -> str:
        return "-" if rate is None else f"{rate:.2f}"

    print(f"database: {'PostgreSQL' if server else 'SQLite'}")
    print(f"{'':26}{'limits off':>14}{'limits on':>14}")
    rows = [
        ("readers", f"{off.chats}", f"{on.chats}"),
        ("delivered (distinct)", f"{off.delivered}", f"{on.delivered}"),
        ("push time (s)", f"{off.seconds:.2f}", f"{on.seconds:.2f}"),
        ("rate (msg/s)", f"{off.rate:.0f}", f"{on.rate:.2f}"),
        ("rate / ceiling", "-", f"{on.rate / (args.push_rate or base.send_global_per_second):.3f}"),
        ("slowest minute (msg/s)", minute(off.slowest_minute), minute(on.slowest_minute)),
        ("peak sends in 1 s", f"{off.peak_per_second}", f"{on.peak_per_second}"),
        ("429 answers", f"{off.too_many_requests}", f"{on.too_many_requests}"),
        ("image fetches", f"{off.photo_fetches}", f"{on.photo_fetches}"),
        ("drop -> first push (s)", f"{off.first_push_latency:.2f}", f"{on.first_push_latency:.2f}"),
        ("bot CPU per push (ms)", per_push(off.bot_cpu, off), per_push(on.bot_cpu, on)),
        ("emulator CPU per push (ms)", per_push(off.emulator_cpu, off), per_push(on.emulator_cpu, on)),
        ("bot CPU-bound rate (msg/s)", cpu_bound(off), "-"),
    ]
    for label, left, right in rows:
        print(f"{label:26}{left:>14}{right:>14}")
    print(f"cpu count {os.cpu_count()}")


if __name__ == "__main__":
    main()
