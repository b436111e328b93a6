"""The send budget (issue 18): pushes at Telegram's ceiling, replies first, against the emulator's limits.

    python bench/budget.py [--scenario all] [--readers 3000] [--database postgresql://…] [--against PATH]

One emulator (this checkout's, Telegram's limits on) per run and real ``python -m bot run`` processes with
default settings (only the token, TELEGRAM_API_URL, DATABASE_URL, CONTENT_DIR, HOST/PORT and LOG_LEVEL are
set). With ``--against PATH`` every scenario runs twice, side by side: the bot from this checkout, then
from PATH (``PYTHONPATH=PATH``, each seeding its own database with its own code). Every time below is the
emulator's clock; a send is ``sendMessage`` or ``sendPhoto``, "accepted" means answered 200.

  chatting  1,500 followers (fixed), one article; 30 other readers each send one of /latest, /topics,
            /search ai, /mytopics every 4 s during the fan-out. Push rate vs 0.95 x (30/s - replies' rate),
            reply latency (injection -> first accepted send to that chat) p50/p95/max, 429s, peak 1 s.
  quiet     --readers followers, nobody chatting: push rate vs 0.95 x 30/s (criterion B is 100,000).
  lowered   900 followers (fixed); after 150 pushes the emulator's global limit drops to 10/s, 20 s later
            back to 30/s. 429s per phase, send calls made strictly inside (t, t + retry_after) of an
            earlier 429 answered at t, rate per phase and per second, delivered vs expected, duplicates.
  senders   PostgreSQL only: one ``--role updates`` process and three ``--role sender``, --readers
            followers; 10 s after the first push one sender is SIGSTOPped for 25 s. The combined accepted
            send rate from 5 s after the stop until SIGCONT, over 30/s (criterion D: >= 0.9).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.budget_report import Rows, lowered_rows, peak_window, send_rows  # noqa: E402
from bench.chat_load import cpu_seconds, get, post, wait_for  # noqa: E402
from bench.fanout import FIRST_CHAT, TOKEN, free_port, known_to_emulator, wait_ready  # noqa: E402
from bench.scale import admin  # noqa: E402
from storage.db.database import normalize_database_url  # noqa: E402
from tests.articles import article_text  # noqa: E402

CEILING = 30
SENDS = "sendMessage,sendPhoto"
CHATTERS = 30
CHAT_EVERY = 4.0
FIRST_CHATTER = 9_000_000
COMMANDS = ("/latest", "/topics", "/search ai", "/mytopics")
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")
STALL_SECONDS = 90.0  # no new push for this long: the fan-out is over, delivered or not
# Run in the checkout under test, with its own code: the schema, the back catalogue and the followers.
SEEDER = """
import asyncio, sys
from pathlib import Path
from bench.fanout import seed
from storage.db.database import Database

async def main(url, content, first, count):
    db = Database(url)
    await seed(db, Path(content), range(first, first + count))
    await db.close()

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
"""


@dataclass
class World:
    """One run's emulator, database, content folder and bot processes, and the sends seen so far."""

    checkout: Path
    workdir: Path
    url: str
    database_url: str
    readers: range
    http: aiohttp.ClientSession
    bots: list[subprocess.Popen[bytes]] = field(default_factory=list)
    sends: list[dict[str, Any]] = field(default_factory=list)
    next_index: int = 0
    dropped: float = 0.0

    def environment(self, **extra: str) -> dict[str, str]:
        # Nothing of this shell's settings (a PUSH_RATE, a WEBHOOK_URL …): the bot runs on its defaults.
        inherited = {k: v for k, v in os.environ.items() if k in INHERITED}
        return {
            **inherited,
            "PYTHONPATH": str(self.checkout),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": self.url,
            "DATABASE_URL": self.database_url,
            "CONTENT_DIR": str(self.workdir / "content"),
            "HOST": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            **extra,
        }

    async def start_bot(self, role: str) -> subprocess.Popen[bytes]:
        """``python -m bot run --role ROLE`` from the checkout; returns once its HTTP port answers."""
        port = str(free_port())
        ports = {"PORT": port} if role != "sender" else {"PORT": "0", "SENDER_PORT": port}
        log = (self.workdir / f"bot-{len(self.bots)}-{role}.log").open("wb")
        bot = subprocess.Popen(  # noqa: ASYNC220 - started before the measurement
            [sys.executable, "-m", "bot", "run", "--role", role],
            cwd=self.checkout,
            env=self.environment(**ports),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.bots.append(bot)
        try:
            await wait_for(self.http, f"http://127.0.0.1:{port}/healthz", seconds=120)
        except TimeoutError:
            raise SystemExit(f"the bot ({role}) did not start; see {log.name}") from None
        return bot

    def drop_article(self) -> None:
        content = self.workdir / "content"
        temporary = content / "news.md.tmp"
        temporary.write_text(
            article_text(title="Breaking", url="https://example.com/breaking", topics=["AI"], images=1)
        )
        self.dropped = time.monotonic()  # CLOCK_MONOTONIC: the emulator's clock in the other process
        temporary.rename(content / "news.md")

    async def poll(self) -> None:
        """Fetch the send calls made since the last poll (parameters left out)."""
        new = await get(
            self.http, f"{self.url}/_emulator/calls?method={SENDS}&since={self.next_index}&params=false"
        )
        if new:
            self.sends.extend(new)
            self.next_index = new[-1]["index"] + 1

    def pushes(self) -> list[dict[str, Any]]:
        """Accepted sends to followers."""
        return [c for c in self.sends if c["status"] == 200 and c["chat_id"] in self.readers]

    async def fan_out(self, *, stall: float = STALL_SECONDS) -> None:
        """Poll until every follower has a push, or none came for ``stall`` seconds."""
        last_count, last_change = 0, time.monotonic()
        while True:
            await asyncio.sleep(0.5)
            await self.poll()
            delivered = {c["chat_id"] for c in self.pushes()}
            if len(delivered) >= len(self.readers):
                return
            if len(delivered) != last_count:
                last_count, last_change = len(delivered), time.monotonic()
            elif time.monotonic() - last_change > stall:
                return

    async def first_pushes(self, count: int) -> float:
        """Wait for ``count`` accepted pushes; the emulator's time of the last of them."""
        while len(pushes := self.pushes()) < count:
            await asyncio.sleep(0.1)
            await self.poll()
        return float(pushes[count - 1]["time"])

    def bot_cpu(self) -> float:
        return sum(cpu_seconds(bot.pid) for bot in self.bots if bot.poll() is None)


@contextlib.asynccontextmanager
async def world(
    checkout: Path, name: str, readers: int, server: str | None, tmp: Path
) -> AsyncIterator[World]:
    """Emulator, a seeded database (SQLite file or a scratch PostgreSQL one), followers known to Telegram."""
    workdir = tmp / name
    (workdir / "content").mkdir(parents=True)
    port = free_port()
    emulator = subprocess.Popen(  # noqa: ASYNC220 - the instrument, started before the measurement
        [sys.executable, "-m", "bot", "emulator", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{workdir / 'bot.db'}"
    scratch = f"newsbot_bench_budget_{name.replace('-', '_')}"
    if server is not None:
        await admin(server, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        await admin(server, f'CREATE DATABASE "{scratch}"')
        database_url = make_url(server).set(database=scratch).render_as_string(hide_password=False)
    followers = range(FIRST_CHAT, FIRST_CHAT + readers)
    environment = {**os.environ, "PYTHONPATH": str(checkout)}
    try:
        subprocess.run(  # noqa: ASYNC221 - set-up, before the measurement
            [
                sys.executable,
                "-c",
                SEEDER,
                database_url,
                str(workdir / "content"),
                str(FIRST_CHAT),
                str(readers),
            ],
            cwd=checkout,
            env=environment,
            check=True,
        )
        await wait_ready(url)
        await known_to_emulator(url, followers)
        async with aiohttp.ClientSession() as http:
            here = World(checkout, workdir, url, database_url, followers, http)
            try:
                yield here
            finally:
                for bot in here.bots:
                    if bot.poll() is None:
                        bot.send_signal(signal.SIGCONT)
                        bot.terminate()
                for bot in here.bots:
                    try:
                        bot.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        bot.kill()
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
        if server is not None:
            await admin(server, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


async def stats(here: World) -> dict[str, Any]:
    result: dict[str, Any] = await get(here.http, f"{here.url}/_emulator/stats")
    return result


async def chatting(checkout: Path, readers: int, server: str | None, tmp: Path) -> Rows:
    async with world(checkout, "chatting", 1_500, server, tmp) as here:
        await here.start_bot("all")
        chatters = range(FIRST_CHATTER, FIRST_CHATTER + CHATTERS)
        injected: list[tuple[int, float]] = []
        cpu = here.bot_cpu()
        here.drop_article()

        async def chatter(number: int, chat_id: int) -> None:
            await asyncio.sleep(number * CHAT_EVERY / CHATTERS)
            turn = number
            while True:
                answer = await post(
                    here.http,
                    f"{here.url}/_emulator/updates/message",
                    {"chat_id": chat_id, "text": COMMANDS[turn % len(COMMANDS)], "first_name": "Reader"},
                )
                injected.append((chat_id, float(answer["time"])))
                turn += 1
                await asyncio.sleep(CHAT_EVERY)

        tasks = [asyncio.create_task(chatter(n, chat)) for n, chat in enumerate(chatters)]
        try:
            await here.fan_out()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.sleep(3)  # the last commands' answers
        await here.poll()
        cpu = here.bot_cpu() - cpu
        return send_rows(
            here.sends, here.readers, await stats(here), cpu, chatters=chatters, injected=injected
        )


async def quiet(checkout: Path, readers: int, server: str | None, tmp: Path) -> Rows:
    async with world(checkout, "quiet", readers, server, tmp) as here:
        await here.start_bot("all")
        cpu = here.bot_cpu()
        here.drop_article()
        await here.fan_out()
        cpu = here.bot_cpu() - cpu
        return send_rows(here.sends, here.readers, await stats(here), cpu, goal=" (B: >= 0.95)")


async def lowered(checkout: Path, readers: int, server: str | None, tmp: Path) -> Rows:
    async with world(checkout, "lowered", 900, server, tmp) as here:
        await here.start_bot("all")
        here.drop_article()
        await here.first_pushes(150)
        changes = [time.monotonic()]
        await post(here.http, f"{here.url}/_emulator/limits", {"global_per_second": 10})
        await asyncio.sleep(20)
        changes.append(time.monotonic())
        await post(here.http, f"{here.url}/_emulator/limits", {"global_per_second": CEILING})
        await here.fan_out()
        return lowered_rows(here.sends, here.readers, await stats(here), changes)


async def senders(checkout: Path, readers: int, server: str | None, tmp: Path) -> Rows:
    if server is None:
        return [("senders", "needs --database postgresql://…")]
    async with world(checkout, "senders", readers, server, tmp) as here:
        await here.start_bot("updates")
        fleet = [await here.start_bot("sender") for _ in range(3)]
        here.drop_article()
        first = await here.first_pushes(1)
        await asyncio.sleep(max(0.0, first + 10 - time.monotonic()))
        stopped = time.monotonic()
        fleet[0].send_signal(signal.SIGSTOP)
        await asyncio.sleep(25)
        resumed = time.monotonic()
        fleet[0].send_signal(signal.SIGCONT)
        await here.fan_out()
        rows = send_rows(here.sends, here.readers, await stats(here), None)
        window = [c for c in here.pushes() if stopped + 5 <= c["time"] < resumed]
        two = len(window) / (resumed - stopped - 5)
        rows += [
            ("two senders' rate (msg/s)", f"{two:.2f}"),
            ("  / 30 (D: >= 0.9)", f"{two / CEILING:.3f}"),
            ("peak 1 s while stopped", f"{peak_window(window)}"),
        ]
        return rows


SCENARIOS = {"chatting": chatting, "quiet": quiet, "lowered": lowered, "senders": senders}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--readers", type=int, default=3_000, help="followers for quiet and senders")
    parser.add_argument(
        "--database",
        default="sqlite",
        help="sqlite (default) or a PostgreSQL URL: scratch databases are created next to it, then dropped",
    )
    parser.add_argument("--against", help="another checkout of newsbot: every scenario runs there too")
    args = parser.parse_args()
    server = None if args.database == "sqlite" else normalize_database_url(args.database)
    if args.scenario == "senders" and server is None:
        parser.error("--scenario senders needs --database postgresql://…")
    checkouts = [ROOT] + ([Path(args.against).resolve()] if args.against else [])
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    print(f"database: {'PostgreSQL' if server else 'SQLite'}; load average {os.getloadavg()[0]:.2f} at start")
    for name in names:
        if name == "senders" and server is None:
            print("\nsenders: skipped (needs --database postgresql://…)")
            continue
        columns: list[Rows] = []
        for number, checkout in enumerate(checkouts):
            with tempfile.TemporaryDirectory(prefix="newsbot-budget-") as tmp:
                started = time.monotonic()
                columns.append(asyncio.run(SCENARIOS[name](checkout, args.readers, server, Path(tmp))))
                print(f"[{name} #{number} {checkout}: {time.monotonic() - started:.0f} s]", file=sys.stderr)
        print_table(name, checkouts, columns)
    print(f"load average {os.getloadavg()[0]:.2f} at the end, cpu count {os.cpu_count()}")


def print_table(name: str, checkouts: list[Path], columns: list[Rows]) -> None:
    print(f"\n{name}")
    print(f"{'':34}" + "".join(f"{str(c)[-22:]:>24}" for c in checkouts))
    labels = list(dict.fromkeys(label for column in columns for label, _ in column))
    values = [dict(column) for column in columns]
    for label in labels:
        cells = [column.get(label, "-") for column in values]
        if any(len(cell) > 22 for cell in cells):
            print(f"{label}")
            for checkout, cell in zip(checkouts, cells, strict=True):
                print(f"  {checkout}: {cell}")
        else:
            print(f"{label:34}" + "".join(f"{cell:>24}" for cell in cells))


if __name__ == "__main__":
    main()
