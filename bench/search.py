"""/search's database work at 100,000 articles, this checkout beside another one, in one run.

    python bench/search.py [--against /path/to/other/checkout] [--rounds 5]

Uses chat_load's world (bench/.cache/chat_load: 100,000 article files over 1,000 topics, built on first
use). Each checkout imports the same files into a database of its own (``newsbot import`` with that
checkout's code and schema), then times ``search_articles`` for every word of chat_load's vocabulary, as
/search calls it (limit 10), on the event loop with the bot's own ``Database``: milliseconds per search,
the median of ``--rounds`` rounds. The databases are made anew at every run (about 30 s each). Both run on this machine in turn, so compare the two figures of one run,
not figures across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TIMER = """
import asyncio, json, sys, time
from datetime import UTC, datetime
from storage.catalog.listings import search_articles
from storage.db.database import Database

async def main(path, words, rounds):
    db = Database(f"sqlite:///{path}")
    now = datetime.now(UTC)
    medians = []
    async with db.read() as session:
        for word in words[:5]:
            await search_articles(session, word, now)  # warm the caches
        for _ in range(rounds):
            started = time.perf_counter()
            for word in words:
                await search_articles(session, word, now)
            medians.append((time.perf_counter() - started) / len(words) * 1000)
    await db.close()
    print(json.dumps(medians))

asyncio.run(main(sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])))
"""


def imported(checkout: Path, content: Path, database: Path) -> None:
    """The world's files in a new database made by ``checkout``'s own ``newsbot import``."""
    for stale in database.parent.glob(database.name + "*"):
        stale.unlink()
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "CONTENT_DIR": str(content)}
    environment["PYTHONPATH"] = str(checkout)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "import"],
        cwd=checkout,
        env=environment,
        check=True,
        capture_output=True,
    )
    print(f"{checkout}: imported in {time.perf_counter() - started:.0f} s")


def timed(checkout: Path, database: Path, words: list[str], rounds: int) -> float:
    environment = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run(
        [sys.executable, "-c", TIMER, str(database), json.dumps(words), str(rounds)],
        cwd=checkout,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(statistics.median(json.loads(out)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--against", help="another checkout of newsbot (e.g. a `git worktree` of an older commit)"
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench.chat_load import WORDS, build_world

    world = ROOT / "bench" / ".cache" / "chat_load"
    build_world(world, None)
    checkouts = [ROOT] + ([Path(args.against).resolve()] if args.against else [])
    results = {}
    for number, checkout in enumerate(checkouts):
        folder = ROOT / "bench" / ".cache" / f"search-{number}"
        folder.mkdir(parents=True, exist_ok=True)
        imported(checkout, world / "content", folder / "bot.db")
        results[checkout] = timed(checkout, folder / "bot.db", list(WORDS), args.rounds)
    for checkout, ms in results.items():
        print(f"{ms:6.2f} ms per /search  {checkout}")
    if len(results) == 2:
        mine, other = results.values()
        print(f"ratio this / other: {mine / other:.2f}")


if __name__ == "__main__":
    main()
