"""Videos end to end: a file with only an originalUrl and an embedded player reaches every follower once,
as a photo of the video's own thumbnail that says it is a video, whose button opens the video."""

from __future__ import annotations

from tests.bot.pushes import Pushes, button_url

WATCH = "https://www.youtube.com/watch?v=abc123DEF45"
VIDEO = f"""---
title: Build a canvas app in ten minutes
type: video
originalUrl: {WATCH}
featuredContent: '<iframe width="560" src="https://www.youtube.com/embed/abc123DEF45" allowfullscreen></iframe>'
publishedDateTime: 2026-11-27T11:00:00Z
topics: [AI]
provider:
  name: Example Channel
  domain: youtube.com
  images:
    - url: https://yt3.example.com/logo.jpg
      width: 50
      height: 50
layout: post
---
"""


async def test_a_video_reaches_every_follower_once_as_its_thumbnail(pushes: Pushes) -> None:
    followers = range(5100, 5110)
    for chat_id in followers:
        await pushes.follow(chat_id, "AI")
    temporary = pushes.content / "2026-11-27-canvas.md.tmp"
    temporary.write_text(VIDEO, encoding="utf-8")
    temporary.rename(pushes.content / "2026-11-27-canvas.md")
    await pushes.wait_pushes(dict.fromkeys(followers, 1))
    await pushes.settle()
    for chat_id in followers:
        [push] = pushes.pushes(chat_id)
        assert push.method == "sendPhoto"
        assert push.body.startswith("▶ Build a canvas app in ten minutes")
        assert button_url(push, "Watch ▶") == WATCH
    first = pushes.pushes(followers[0])[0]
    assert first.photo_source == "url:https://i.ytimg.com/vi/abc123DEF45/hqdefault.jpg"
    assert "<iframe" not in first.body
    assert pushes.emulator.violations == []


def _logo_only(name: str, size: int) -> str:
    return f"""---
title: Release notes {name}
webUrl: https://news.example.org/{name}
publishedDateTime: 2026-11-27T11:30:00Z
topics: [AI]
quality: 150
provider:
  name: Example News
  domain: news.example.org
  images:
    - url: https://news.example.org/logo-{size}.png
      width: {size}
      height: {size}
---
"""


async def test_an_article_without_images_shows_its_source_logo_only_when_readable(pushes: Pushes) -> None:
    followers = range(5200, 5205)
    for chat_id in followers:
        await pushes.follow(chat_id, "AI")
    for name, size in (("big", 400), ("small", 50)):
        temporary = pushes.content / f"{name}.md.tmp"
        temporary.write_text(_logo_only(name, size), encoding="utf-8")
        temporary.rename(pushes.content / f"{name}.md")
    await pushes.wait_pushes(dict.fromkeys(followers, 2))
    await pushes.settle()
    for chat_id in followers:
        by_link = {button_url(m, "Read ↗"): m for m in pushes.pushes(chat_id)}
        assert len(pushes.pushes(chat_id)) == 2  # each once
        big, small = by_link["https://news.example.org/big"], by_link["https://news.example.org/small"]
        assert big.method == "sendPhoto"
        assert small.method == "sendMessage"  # a 50×50 favicon is no picture: text with a link preview
    assert pushes.emulator.stats()["photo_fetches"] == {"https://news.example.org/logo-400.png": 1}
    assert pushes.emulator.violations == []
