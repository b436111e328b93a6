"""A real-looking Jekyll news collection, generated: the traits of the format as sites really write it.

Deterministic for a seed. Per 700 files, as measured on real sites (issue 16): quality and heat on an
unbounded scale (0–189, heat often equal to quality, -1 unknown), videos with only ``originalUrl`` and a
player in ``featuredContent``, provider logos, multi-word mixed-case topics (the site's topic plus 0–2
narrower ones), about 1 file in 13 without ``images``, Jekyll's own fields, ``YYYY-MM-DD-slug.md`` names in
``_news/`` with year folders, and a few stories filed twice under two names with the same link.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

SITE_TOPIC = "Power Apps"
NARROW = [
    "Teams integration",
    "Model-driven apps",
    "Canvas apps",
    "Dataverse",
    "Power Automate",
    "AI Builder",
]
WORDS = ["build", "canvas", "connector", "dataverse", "flow", "gallery", "licensing", "preview", "release"]
PROVIDERS = [
    ("Example Blog", "blog.example.com"),
    ("Example News", "news.example.org"),
    ("Example Dev", "dev.example.net"),
]


@dataclass(frozen=True, slots=True)
class Corpus:
    files: int
    videos: int
    without_images: int
    duplicates: int  # files that repeat another file's link


def write_corpus(root: Path, files: int = 700, seed: int = 16) -> Corpus:
    """Write ``files`` article files under ``root/_news/<year>/`` and say what they hold."""
    draw = random.Random(seed)
    start = datetime(2019, 8, 19, 7, 0, tzinfo=UTC)
    videos = without_images = duplicates = 0
    written: list[dict[str, object]] = []
    for n in range(files):
        when = start + timedelta(hours=13 * n)
        slug = "-".join(draw.sample(WORDS, 3)) + f"-{n}"
        if written and draw.random() < 0.01:  # the same story filed again under another name
            front = dict(draw.choice(written))
            duplicates += 1
        else:
            front = _article(draw, n, when, slug)
            videos += front.get("type") == "video"
            without_images += "images" not in front
            written.append(front)
        folder = root / "_news" / str(when.year)
        folder.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
        (folder / f"{when:%Y-%m-%d}-{slug}.md").write_text(f"---\n{text}---\n\nBody of {slug}.\n", "utf-8")
    return Corpus(files, videos, without_images, duplicates)


def _article(draw: random.Random, n: int, when: datetime, slug: str) -> dict[str, object]:
    quality = min(189, max(0, int(draw.gauss(72, 35))))
    name, domain = draw.choice(PROVIDERS)
    front: dict[str, object] = {
        "layout": "post",
        "category": "news",
        "title": slug.replace("-", " ").capitalize(),
        "excerpt": f"What changed in {slug.split('-')[0]}.",
        "publishedDateTime": when.isoformat().replace("+00:00", "Z"),
        "published": True,
        "secured": "",
        "quality": quality,
        "heat": quality if draw.random() < 0.6 else -1,
        "provider": {
            "name": name,
            "domain": domain,
            "images": [{"url": f"https://{domain}/logo.png", "width": 50, "height": 50, "isCached": True}],
        },
        "topics": [SITE_TOPIC, *draw.sample(NARROW, draw.randint(0, 2))],
    }
    if n % 9 == 4:  # a video: no webUrl; the link is the watch URL, the player an embed
        video = f"{n:011d}"[-11:]
        front["type"] = "video"
        front["originalUrl"] = f"https://www.youtube.com/watch?v={video}"
        front["featuredContent"] = (
            f'<iframe src="https://www.youtube.com/embed/{video}" allowfullscreen></iframe>'
        )
    else:
        front["type"] = "article"
        front["webUrl"] = f"https://{domain}/{when:%Y/%m/%d}/{slug}"
        front["originalUrl"] = front["webUrl"]
        front["ampWebUrl"] = f"https://{domain}/amp/{slug}"
    if n % 13 != 7:  # about 1 in 13 has no images at all
        front["images"] = [
            {"url": f"https://img.{domain}/{slug}.jpg", "width": 1200, "height": 630, "isCached": True}
        ]
    return front
