"""The format as sites really write it: videos with only an originalUrl, embedded players, source logos, and
fields outside the format that warn only when they look like a typo of a known one."""

from __future__ import annotations

import pytest

from storage.content.article import Image, Provider
from storage.content.parsing import ARTICLE_FIELDS, ParseResult, likely_typo, parse_article

BASE = 'title: "A title"\npublishedDateTime: 2026-03-01T09:30:00Z\ntopics: [Power Apps]\n'
VIDEO = BASE + (
    "type: video\n"
    "originalUrl: https://www.youtube.com/watch?v=dQw4w9WgXcQ\n"
    'featuredContent: \'<iframe width="560" height="315" '
    'src="https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0&amp;start=5" frameborder="0"></iframe>\'\n'
)


def parse(front: str) -> ParseResult:
    return parse_article(f"---\n{front}---\n".encode(), "content/_news/2024-05-01-video.md")


def lines(result: ParseResult) -> list[str]:
    return [str(diagnostic) for diagnostic in result.diagnostics]


def test_a_video_without_web_url_links_to_its_original_url() -> None:
    result = parse(VIDEO)
    assert lines(result) == []
    article = result.article
    assert article is not None
    assert article.web_url == article.original_url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert article.url_key.startswith("https://www.youtube.com/watch")
    assert article.type == "video"


def test_the_player_url_is_taken_from_the_embed_and_the_html_is_not_kept() -> None:
    article = parse(VIDEO).article
    assert article is not None
    assert article.player_url == "https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0&start=5"
    assert "featuredContent" not in article.extra
    assert "<iframe" not in repr(article)


def test_an_article_with_both_links_keeps_web_url_as_the_link() -> None:
    front = BASE + "webUrl: https://example.com/story\noriginalUrl: https://source.example.org/story\n"
    article = parse(front).article
    assert article is not None
    assert (article.web_url, article.original_url) == (
        "https://example.com/story",
        "https://source.example.org/story",
    )


def test_without_either_link_the_error_names_both_fields() -> None:
    result = parse(BASE)
    assert result.article is None
    assert lines(result) == [
        "content/_news/2024-05-01-video.md: error: missing required field 'webUrl' "
        "(or 'originalUrl', the link of a video)"
    ]


def test_a_bad_original_url_of_a_video_is_an_error_naming_it() -> None:
    result = parse(BASE + "originalUrl: 'javascript:alert(1)'\n")
    assert result.article is None
    assert "field 'originalUrl' must be an absolute http or https URL" in lines(result)[0]


@pytest.mark.parametrize(
    ("embed", "player"),
    [
        (
            "<iframe src='//player.vimeo.com/video/76979871'></iframe>",
            "https://player.vimeo.com/video/76979871",
        ),
        ("<IFRAME SRC=https://www.youtube.com/embed/abc>", "https://www.youtube.com/embed/abc"),
        ("<p>No player here</p>", None),
    ],
)
def test_players_are_found_however_the_embed_is_spelt(embed: str, player: str | None) -> None:
    article = parse(BASE + f"webUrl: https://example.com/v\nfeaturedContent: {embed!r}\n").article
    assert article is not None
    assert article.player_url == player


def test_a_player_that_is_not_http_is_ignored_with_a_warning() -> None:
    result = parse(BASE + "webUrl: https://example.com/v\nfeaturedContent: '<iframe src=\"javascript:x\">'\n")
    assert result.article is not None
    assert result.article.player_url is None
    assert lines(result) == [
        "content/_news/2024-05-01-video.md:6: warning: field 'featuredContent' embeds a player at "
        "'javascript:x', not an http(s) URL; ignored"
    ]


def test_the_provider_logo_is_parsed_like_an_image() -> None:
    front = BASE + (
        "webUrl: https://example.com/a\n"
        "provider:\n  name: Example News\n  domain: example.com\n"
        "  images:\n    - url: https://example.com/logo.png\n      width: 50\n      height: 50\n"
    )
    result = parse(front)
    assert lines(result) == []
    assert result.article is not None
    assert result.article.provider == Provider(
        "Example News", "example.com", (Image("https://example.com/logo.png", 50, 50),)
    )


def test_fields_outside_the_format_are_kept_silently_and_counted() -> None:
    front = BASE + "webUrl: https://example.com/a\nlayout: post\npermalink: /a/\ntags: [x]\n"
    result = parse(front)
    assert lines(result) == []
    assert result.unknown_fields == {"layout", "permalink", "tags"}
    assert result.article is not None
    assert result.article.extra == {"layout": "post", "permalink": "/a/", "tags": ["x"]}


@pytest.mark.parametrize(
    ("key", "meant"),
    [
        ("webURL", "webUrl"),
        ("titel", "title"),
        ("OriginalUrl", "originalUrl"),
        ("image", "images"),
        ("layout", None),
        ("tags", None),
        ("date", None),
        ("excerpt_2", None),
        ("title-short", None),
    ],
)
def test_only_a_likely_typo_is_named(key: str, meant: str | None) -> None:
    assert likely_typo(key, ARTICLE_FIELDS) == meant


def test_a_typo_warns_once_with_the_field_it_probably_means() -> None:
    result = parse(BASE + "webURL: https://example.com/a\nwebUrl: https://example.com/a\n")
    assert lines(result) == [
        "content/_news/2024-05-01-video.md:5: warning: unknown field 'webURL' (kept as extra); "
        "did you mean 'webUrl'?"
    ]


def _with_logo(width: int | None, height: int | None, images: str = "") -> ParseResult:
    size = "".join(f"      {k}: {v}\n" for k, v in (("width", width), ("height", height)) if v is not None)
    return parse(
        BASE
        + "webUrl: https://example.com/a\n"
        + "provider:\n  name: Example\n  images:\n    - url: https://example.com/logo.png\n"
        + size
        + images
    )


@pytest.mark.parametrize(
    ("width", "height", "shown"), [(400, 400, True), (200, 240, True), (50, 50, False), (None, None, False)]
)
def test_a_logo_stands_in_for_a_missing_image_only_when_it_is_large_enough(
    width: int | None, height: int | None, shown: bool
) -> None:
    article = _with_logo(width, height).article
    assert article is not None
    urls = [image.url for image in article.preview_images]
    assert urls == (["https://example.com/logo.png"] if shown else [])


def test_an_article_s_own_image_comes_before_its_logo_and_a_video_s_thumbnail() -> None:
    article = _with_logo(400, 400, "images:\n  - url: https://example.com/photo.jpg\n").article
    assert article is not None
    assert [image.url for image in article.preview_images] == ["https://example.com/photo.jpg"]
    video = parse(VIDEO).article
    assert video is not None
    assert [image.url for image in video.preview_images] == [
        "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg"
    ]
