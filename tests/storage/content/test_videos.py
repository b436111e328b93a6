"""YouTube links as pure logic: every way a video's address is written gives its id and thumbnail."""

from __future__ import annotations

import pytest

from storage.content.videos import video_thumbnail, youtube_id


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ",
        "https://m.youtube.com/watch?v=dQw4w9WgXcQ&t=42",
        "https://youtu.be/dQw4w9WgXcQ?si=x",
        "https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        "https://www.youtube.com/shorts/dQw4w9WgXcQ",
        "https://WWW.YOUTUBE.COM/watch?v=dQw4w9WgXcQ",
    ],
)
def test_every_spelling_of_a_youtube_video_gives_its_id(url: str) -> None:
    assert youtube_id(url) == "dQw4w9WgXcQ"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/channel/UC123",
        "https://www.youtube.com/watch?v=short",
        "https://player.vimeo.com/video/76979871",
        "https://example.com/watch?v=dQw4w9WgXcQ",
        "https://youtu.be/",
        "http://[::1",
        "",
    ],
)
def test_anything_else_has_no_id(url: str) -> None:
    assert youtube_id(url) is None


def test_the_thumbnail_is_that_of_the_first_youtube_url() -> None:
    assert video_thumbnail(None, "https://vimeo.com/1", "https://youtu.be/dQw4w9WgXcQ") == (
        "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg"
    )
    assert video_thumbnail("https://player.vimeo.com/video/1") is None
