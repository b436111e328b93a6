"""Videos as pure logic: which links are YouTube videos, and the thumbnail YouTube serves for each.

YouTube serves every video's still at a fixed address (``i.ytimg.com/vi/<id>/hqdefault.jpg``), so a video
without an ``images`` entry can still show one. Vimeo has no such address (its thumbnails come from its API,
which the bot does not call), so a Vimeo video without an image is pushed as text with a link preview.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

_YOUTUBE_HOSTS = frozenset(
    {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com", "www.youtube-nocookie.com"}
)
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_PATH_PREFIXES = ("/embed/", "/shorts/", "/live/", "/v/")


def is_video(article_type: str | None, player_url: str | None) -> bool:
    """``type: video``, or an article that embeds a player: its push says it is a video."""
    return (article_type or "").casefold() == "video" or player_url is not None


def youtube_id(url: str) -> str | None:
    """The 11-character id of a YouTube watch, short, embed or youtu.be URL; None for anything else."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").casefold()
    candidate = None
    if host == "youtu.be":
        candidate = parts.path.lstrip("/").split("/")[0]
    elif host in _YOUTUBE_HOSTS:
        if parts.path == "/watch":
            candidate = (parse_qs(parts.query).get("v") or [""])[0]
        else:
            prefix = next((p for p in _PATH_PREFIXES if parts.path.startswith(p)), None)
            if prefix is not None:
                candidate = parts.path[len(prefix) :].split("/")[0]
    return candidate if candidate and _VIDEO_ID.fullmatch(candidate) else None


def video_thumbnail(*urls: str | None) -> str | None:
    """The thumbnail of the first of ``urls`` that is a YouTube video (a player or a watch URL), if any."""
    for url in urls:
        video = youtube_id(url) if url else None
        if video is not None:
            return f"https://i.ytimg.com/vi/{video}/hqdefault.jpg"
    return None
