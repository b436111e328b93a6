"""Ingest benchmark: cold import, warm re-import and the raw YAML parse floor, side by side in one run.

    python bench/ingest.py [--articles 10000] [--seed 7]

Generates N synthetic articles shaped like the seed article (provider, image, related links) in a temporary
folder, then measures:
  raw parse   yaml.load(CSafeLoader) of every file's front matter (the floor: no validation, no database)
  cold import ``ContentSync.sync`` into an empty SQLite database (read, hash, parse, validate, insert)
  warm import the same sync again with nothing changed (stat only)
Goals (docs/benchmarks.md): cold ≥ 0.5 × raw parse throughput; warm ≤ 1 s for 10,000 files.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.catalog.sync import ContentSync
from storage.db.database import Database

TOPICS = ["AI", "Computer Vision", "Climate", "Space", "Open Source", "Security", "Robotics", "Health"]
WORDS = [
    "model",
    "data",
    "city",
    "policy",
    "launch",
    "orbit",
    "climate",
    "code",
    "open",
    "secure",
    "robot",
    "health",
    "vision",
    "study",
    "report",
]

try:
    LOADER: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    LOADER = yaml.SafeLoader


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def article(rng: random.Random, number: int) -> str:
    published = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=number * 7)
    stamp = published.strftime("%Y-%m-%dT%H:%M:%SZ")
    related = "".join(
        f"""  - title: "{sentence(rng, 8)}"
    excerpt: "{sentence(rng, 20)}"
    publishedDateTime: {stamp}
    webUrl: "https://example.org/related/{number}/{n}"
    type: article
    provider:
      name: Example Wire
      domain: example.org
    quality: {rng.randint(0, 100)}
"""
        for n in range(3)
    )
    topics = "".join(f"  - {topic}\n" for topic in rng.sample(TOPICS, 2))
    return f"""---
category: news
title: "{sentence(rng, 10)} #{number}"
excerpt: "{sentence(rng, 30)}"
publishedDateTime: {stamp}
webUrl: "https://example.com/news/{number}"
ampWebUrl: "https://example.com/news/{number}/amp"
type: article
quality: {rng.randint(0, 100)}
heat: -1
published: true
provider:
  name: Example News
  domain: example.com
topics:
{topics}images:
  - url: "https://images.example.com/{number}.jpg"
    width: 1200
    height: 800
    isCached: true
related:
{related}secured: "{rng.randbytes(48).hex()}"
---
{sentence(rng, 40)}
"""


def generate(folder: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    for number in range(count):
        sub = folder / f"{number // 1000:03}"
        sub.mkdir(exist_ok=True)
        (sub / f"article-{number:06}.md").write_text(article(rng, number), encoding="utf-8")


def raw_parse(folder: Path) -> tuple[int, float]:
    files = sorted(folder.rglob("*.md"))
    started = time.perf_counter()
    for path in files:
        text = path.read_bytes().decode("utf-8")
        front = text.split("\n---\n", 1)[0].removeprefix("---\n")
        yaml.load(front, Loader=LOADER)
    return len(files), time.perf_counter() - started


async def imports(folder: Path, database: Path) -> tuple[float, float, int]:
    db = Database(f"sqlite:///{database}")
    await db.create_schema()
    sync = ContentSync(db, folder, display_prefix="bench")
    started = time.perf_counter()
    cold = await sync.sync()
    cold_seconds = time.perf_counter() - started
    if cold.errors:
        raise SystemExit(f"unexpected errors: {cold.diagnostics[:3]}")
    started = time.perf_counter()
    warm = await sync.sync()
    warm_seconds = time.perf_counter() - started
    await db.close()
    assert warm.changes == 0, warm.summary_line()
    return cold_seconds, warm_seconds, cold.added


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsbot-ingest-") as tmp:
        folder = Path(tmp) / "content"
        folder.mkdir()
        generate(folder, args.articles, args.seed)
        files, raw_seconds = raw_parse(folder)
        cold_seconds, warm_seconds, added = asyncio.run(imports(folder, Path(tmp) / "bench.db"))
    raw_rate = files / raw_seconds
    cold_rate = added / cold_seconds
    print(f"articles            {added}")
    print(f"loader              {LOADER.__name__}")
    print(f"raw parse           {raw_rate:10.0f} files/s  ({raw_seconds:.2f} s)")
    print(f"cold import         {cold_rate:10.0f} articles/s  ({cold_seconds:.2f} s)")
    print(f"cold / raw          {cold_rate / raw_rate:10.2f}  (goal >= 0.50)")
    print(f"warm re-import      {warm_seconds:10.2f} s  (goal <= 1.00 s for 10,000)")


if __name__ == "__main__":
    main()
