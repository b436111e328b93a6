from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.content.article import Image, Provider, RelatedLink
from storage.content.parsing import MAX_ARTICLE_BYTES, ParseResult, parse_article

CONTENT = Path(__file__).parents[3] / "content"
REQUIRED = (
    'title: "A title"\n'
    'webUrl: "https://example.com/a"\n'
    "publishedDateTime: 2026-03-01T09:30:00Z\n"
    "topics: [AI]\n"
)


def parse(front: str, body: str = "", path: str = "content/a.md") -> ParseResult:
    return parse_article(f"---\n{front}---\n{body}".encode(), path)


def lines(result: ParseResult) -> list[str]:
    return [str(diagnostic) for diagnostic in result.diagnostics]


def only_line(result: ParseResult) -> str:
    assert len(result.diagnostics) == 1, lines(result)
    return str(result.diagnostics[0])


def test_seed_article_parses_with_exact_values() -> None:
    seed = (CONTENT / "seed-article.md").read_text(encoding="utf-8")
    result = parse_article(seed.encode(), "content/seed-article.md")
    assert result.diagnostics == ()
    article = result.article
    assert article is not None
    assert article.title == "De Blasio calls for ‘clear standards’ for facial recognition tech for NYPD"
    assert article.excerpt is not None
    assert article.excerpt.startswith("Mayor Bill de Blasio called for “clear")
    assert article.web_url == (
        "https://nypost.com/2020/08/17/de-blasio-calls-for-clear-standards-for-facial-recognition-tech-for-nypd/"
    )
    assert article.url_key == article.web_url
    assert article.amp_web_url == article.web_url + "amp/"
    assert article.cdn_amp_web_url is not None
    assert article.cdn_amp_web_url.startswith("https://nypost-com.cdn")
    assert article.published_at == datetime(2020, 8, 17, 8, 14, tzinfo=UTC)
    assert article.published_at.utcoffset() == timedelta(0)
    assert article.topics == ("Computer Vision", "AI")
    assert (article.category, article.type, article.quality, article.heat, article.published) == (
        "news",
        "article",
        57,
        -1,
        False,
    )
    assert article.provider == Provider("New York Post", "nypost.com")
    assert article.images == (
        Image(
            "https://nypost.com/wp-content/uploads/sites/2/2020/08/081120_Bill_de_Blasio_8A.jpg"
            "?quality=90&strip=all&w=1200",
            1200,
            800,
            True,
        ),
    )
    assert len(article.related) == 4
    first = article.related[0]
    assert first.title == "Black Lives Matter Activist Hunted by NYPD Facial Recognition Technology"
    assert first.published_at == datetime(2020, 8, 15, 14, 57, tzinfo=UTC)
    assert first.provider == Provider("Newsweek", "newsweek.com")
    assert (first.type, first.quality) == ("article", 88)
    assert first.images == (
        Image("https://d.newsweek.com/en/full/1622897/derrick-ingram.jpg", 2500, 1667, True),
    )
    assert [link.quality for link in article.related] == [88, 59, 52, 32]
    assert article.related[3].images == ()
    assert article.secured is not None
    secured_line = next(line for line in seed.splitlines() if line.startswith("secured: "))
    assert f'secured: "{article.secured}"' == secured_line
    assert article.secured.startswith(
        "cCzEkQlCDx0BeO4lOs8Q3kRAmPd+OkFfQyktkkv0kwlWKtkTwAICQMSwy7H0jGzezEOjBjn7bb"
    )
    assert article.secured.endswith("4nj+KYg==;Jl+DAc2P0Pc+LN7S9CmpFQ==")
    assert (article.body, article.extra) == ("", {})
    assert result.lines["webUrl"] == 6


def test_minimal_article_and_defaults() -> None:
    article = parse(REQUIRED).article
    assert article is not None
    assert (article.title, article.topics, article.body) == ("A title", ("AI",), "")
    assert (article.excerpt, article.quality, article.provider, article.images, article.related) == (
        None,
        None,
        None,
        (),
        (),
    )


def test_body_is_kept_as_markdown() -> None:
    article = parse(REQUIRED, "\n# Heading\n\nSome *text*.\n").article
    assert article is not None
    assert article.body == "# Heading\n\nSome *text*."


def test_bom_and_crlf_are_accepted() -> None:
    data = ("\ufeff---\r\n" + REQUIRED.replace("\n", "\r\n") + "---\r\nLine one\r\nLine two\r\n").encode()
    article = parse_article(data, "a.md").article
    assert article is not None
    assert (article.title, article.body) == ("A title", "Line one\nLine two")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1984", "1984"),
        ("3.10", "3.10"),
        ("1e3", "1e3"),
        ("0x1F", "0x1F"),
        ("'  padded  '", "padded"),
        (">-\n  folded\n  text", "folded text"),
    ],
)
def test_text_fields_read_as_numbers_keep_their_spelling(value: str, expected: str) -> None:
    article = parse(REQUIRED.replace('title: "A title"', f"title: {value}")).article
    assert article is not None
    assert article.title == expected


@pytest.mark.parametrize(
    ("value", "got"),
    [
        ("yes", "a boolean (yes)"),
        ("false", "a boolean (false)"),
        ("[A, B]", "a list"),
        ("{a: 1}", "a mapping"),
        ("2026-03-01", "a date"),
        ("2026-03-01T10:00:00Z", "a date and time"),
    ],
)
def test_other_types_in_text_fields_ask_for_quotes(value: str, got: str) -> None:
    result = parse(REQUIRED.replace('title: "A title"', f"title: {value}"))
    assert result.article is None
    assert (
        only_line(result)
        == f"content/a.md:2: error: field 'title' must be text, got {got}; put the value in quotes"
    )


@pytest.mark.parametrize("field", ["title", "webUrl", "publishedDateTime", "topics"])
def test_missing_required_fields(field: str) -> None:
    front = "".join(line + "\n" for line in REQUIRED.splitlines() if not line.startswith(field + ":"))
    result = parse(front)
    assert result.article is None
    also = " (or 'originalUrl', the link of a video)" if field == "webUrl" else ""
    assert only_line(result) == f"content/a.md: error: missing required field '{field}'{also}"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('title: "A title"', 'title: ""', "2: error: field 'title' is empty"),
        ('title: "A title"', 'title: "   "', "2: error: field 'title' is empty"),
        ('title: "A title"', "title:", "2: error: field 'title' is empty"),
        ("topics: [AI]", "topics: []", "5: error: field 'topics' is empty: list at least one topic"),
        ("topics: [AI]", "topics:", "5: error: field 'topics' is empty: list at least one topic"),
    ],
)
def test_empty_required_fields(old: str, new: str, message: str) -> None:
    result = parse(REQUIRED.replace(old, new))
    assert result.article is None
    assert only_line(result) == "content/a.md:" + message


@pytest.mark.parametrize(
    ("front", "message"),
    [
        (
            "- a\n- b\n",
            "content/a.md:2: error: front matter must be a mapping of fields ('name: value' lines), got a list",
        ),
        (
            "just text\n",
            "content/a.md:2: error: front matter must be a mapping of fields ('name: value' lines), got text",
        ),
        ("", "content/a.md:1: error: front matter is empty"),
    ],
)
def test_front_matter_must_be_a_mapping(front: str, message: str) -> None:
    assert only_line(parse(front)).startswith(message)


@pytest.mark.parametrize(
    ("value", "expected", "warning"),
    [
        ("2026-03-01T09:30:00Z", datetime(2026, 3, 1, 9, 30, tzinfo=UTC), False),
        ("2026-03-01 09:30:00", datetime(2026, 3, 1, 9, 30, tzinfo=UTC), False),  # naive means UTC
        ("2026-03-01T10:30:00+01:00", datetime(2026, 3, 1, 9, 30, tzinfo=UTC), False),
        ('"2026-03-01T10:30:00+01:00"', datetime(2026, 3, 1, 9, 30, tzinfo=UTC), False),  # ISO text
        ('"2026-03-01T09:30Z"', datetime(2026, 3, 1, 9, 30, tzinfo=UTC), False),
        ('"2026-03-01 09:30"', datetime(2026, 3, 1, 9, 30, tzinfo=UTC), False),
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC), True),
        ('"2026-03-01"', datetime(2026, 3, 1, tzinfo=UTC), True),
    ],
)
def test_published_date_time_forms(value: str, expected: datetime, warning: bool) -> None:
    result = parse(REQUIRED.replace("2026-03-01T09:30:00Z", value))
    assert result.article is not None
    assert result.article.published_at == expected
    assert result.article.published_at.tzinfo == UTC
    expected_lines = (
        ["content/a.md:4: warning: field 'publishedDateTime' has a date but no time; midnight UTC assumed"]
        if warning
        else []
    )
    assert lines(result) == expected_lines


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            '"next Tuesday"',
            "is not a date and time: 'next Tuesday'; write ISO 8601, e.g. 2026-03-01T09:30:00Z",
        ),
        ("2026-02-30", "is not a date and time: '2026-02-30'"),
        ("2026-13-01T00:00:00Z", "is not a date and time: '2026-13-01T00:00:00Z'"),
        ("1234", "must be a date and time, got a number (1234)"),
        ("[2026]", "must be a date and time, got a list"),
    ],
)
def test_unparseable_dates_are_errors(value: str, message: str) -> None:
    result = parse(REQUIRED.replace("2026-03-01T09:30:00Z", value))
    assert result.article is None
    assert only_line(result).startswith(f"content/a.md:4: error: field 'publishedDateTime' {message}")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "/relative",
        "ftp://example.com/a",
        "example.com",
    ],
)
def test_web_url_must_be_http(url: str) -> None:
    result = parse(REQUIRED.replace("https://example.com/a", url))
    assert result.article is None
    assert only_line(result) == (
        f"content/a.md:3: error: field 'webUrl' must be an absolute http or https URL, got {url!r}"
    )


def test_url_key_is_the_normalized_web_url() -> None:
    article = parse(
        REQUIRED.replace("https://example.com/a", "HTTPS://Example.com:443/a?utm_source=x#top")
    ).article
    assert article is not None
    assert article.web_url == "HTTPS://Example.com:443/a?utm_source=x#top"
    assert article.url_key == "https://example.com/a"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("ampWebUrl: 'javascript:void(0)'", "field 'ampWebUrl' must be an absolute http or https URL"),
        ("cdnAmpWebUrl: 42", "field 'cdnAmpWebUrl' must be an absolute http or https URL, got a number (42)"),
        ("quality: -1", "field 'quality' must be a whole number of at least 0, got -1"),
        ("quality: yes", "field 'quality' must be a whole number, got a boolean (yes)"),
        ("quality: 57.5", "field 'quality' must be a whole number, got a number (57.5)"),
        ("quality: '57'", "field 'quality' must be a whole number, got text"),
        ("heat: -2", "field 'heat' must be a whole number of at least -1, got -2"),
        ("heat: true", "field 'heat' must be a whole number, got a boolean (true)"),
        ("published: 'true'", "field 'published' must be true or false (without quotes), got text"),
        ("published: 1", "field 'published' must be true or false, got a number (1)"),
        ("excerpt: [a]", "field 'excerpt' must be text, got a list; put the value in quotes"),
        ("category: no", "field 'category' must be text, got a boolean (no); put the value in quotes"),
        ("secured: {a: 1}", "field 'secured' must be text, got a mapping"),
        ("provider: Example News", "field 'provider' must be a mapping with name and domain, got text"),
        ("provider: {name: [x]}", "field 'provider.name' must be text, got a list"),
        ("images: https://images.example.com/a.jpg", "field 'images' must be a list, got text"),
        ("related: {webUrl: 'https://example.org/'}", "field 'related' must be a list, got a mapping"),
        ("topics: AI", "field 'topics' must be a list of names, e.g. topics: [AI, Climate], got text"),
    ],
)
def test_wrong_top_level_optional_fields_are_errors_naming_the_field(extra: str, message: str) -> None:
    front = REQUIRED.replace("topics: [AI]\n", "") if extra.startswith("topics") else REQUIRED
    result = parse(front + extra + "\n")
    assert result.article is None
    assert message in only_line(result)
    assert result.diagnostics[0].line is not None


def test_optional_fields() -> None:
    front = REQUIRED + (
        "excerpt: '  An excerpt. '\ncategory: news\ntype: article\nampWebUrl: https://example.com/a/amp\n"
        "quality: 0\nheat: -1\npublished: yes\nprovider: {name: Example Daily}\nsecured: ' opaque==;x '\n"
        "excerpt_2:\n"
    )
    result = parse(front)
    article = result.article
    assert article is not None
    assert (article.excerpt, article.category, article.type, article.amp_web_url) == (
        "An excerpt.",
        "news",
        "article",
        "https://example.com/a/amp",
    )
    assert (article.quality, article.heat, article.published) == (0, -1, True)
    assert article.provider == Provider("Example Daily", None)
    assert article.secured == " opaque==;x "  # opaque: not even trimmed
    assert lines(result) == []  # a variant of a known field's name is no typo: kept without a warning
    assert result.unknown_fields == {"excerpt_2"}


def test_topics_are_cleaned_and_deduplicated_first_spelling_wins() -> None:
    front = REQUIRED.replace(
        "topics: [AI]", "topics: ['computer  vision ', Computer Vision, AI, ' ai', 2001]"
    )
    article = parse(front).article
    assert article is not None
    assert article.topics == ("computer vision", "AI", "2001")


@pytest.mark.parametrize(
    ("topics", "message"),
    [
        ("[AI, '']", "content/a.md:5: error: field 'topics[1]' is empty"),
        (
            "[AI, yes]",
            "content/a.md:5: error: field 'topics[1]' must be text, got a boolean (yes); put it in quotes",
        ),
        ("\n  - AI\n  - [ML]", "content/a.md:7: error: field 'topics[1]' must be text, got a list"),
    ],
)
def test_bad_topic_names_are_errors(topics: str, message: str) -> None:
    result = parse(REQUIRED.replace("topics: [AI]", f"topics: {topics}"))
    assert result.article is None
    assert only_line(result).startswith(message)


def test_unknown_fields_are_kept_json_safe_and_only_a_likely_typo_warns() -> None:
    front = REQUIRED + (
        "updated: 2026-03-02T10:00:00Z\nday: 2026-03-02\nnested: {when: [2026-03-03], score: .nan, ok: true}\n"
        "weburl: https://example.com/b\n"
    )
    result = parse(front)
    assert result.article is not None
    assert result.article.extra == {
        "updated": "2026-03-02T10:00:00+00:00",
        "day": "2026-03-02",
        "nested": {"when": ["2026-03-03"], "score": "nan", "ok": True},
        "weburl": "https://example.com/b",
    }
    json.dumps(result.article.extra, allow_nan=False)
    assert type(result.article.extra["nested"]) is dict
    assert lines(result) == [
        "content/a.md:9: warning: unknown field 'weburl' (kept as extra); did you mean 'webUrl'?"
    ]
    assert result.unknown_fields == {"updated", "day", "nested"}


IMAGES = """images:
  - url: https://images.example.com/0.jpg
    width: 1200
    height: 800
    isCached: true
    caption: A caption
  - url: https://images.example.com/1.jpg
    width: wide
    isCached: 'yes'
  - url: "javascript:alert(1)"
  - width: 10
  - just a string
"""


def test_bad_images_are_dropped_or_trimmed_with_warnings() -> None:
    result = parse(REQUIRED + IMAGES)
    article = result.article
    assert article is not None
    assert article.images == (
        Image("https://images.example.com/0.jpg", 1200, 800, True, {"caption": "A caption"}),
        Image("https://images.example.com/1.jpg", None, None, None),
    )
    assert result.unknown_fields == {"images[].caption"}
    assert lines(result) == [
        "content/a.md:13: warning: field 'images[1].width' must be a whole number, got text; ignored",
        "content/a.md:14: warning: field 'images[1].isCached' must be true or false (without quotes), got text; "
        "ignored",
        "content/a.md:15: warning: field 'images[2].url' must be an absolute http or https URL, "
        "got 'javascript:alert(1)'; image dropped",
        "content/a.md:16: warning: field 'images[3].url' is missing; image dropped",
        "content/a.md:17: warning: field 'images[4]' must be a mapping, got text; image dropped",
    ]


RELATED = """related:
  - title: A related story
    webUrl: https://example.org/related
    publishedDateTime: 2026-02-28
    provider: {name: Example Observer, domain: example.org, country: XX}
    quality: -250
    images: [{url: https://images.example.com/r.jpg}, {url: ftp://x}]
    tags: [x]
  - title: No link
  - title: Bad link
    webUrl: javascript:alert(1)
  - webUrl: https://example.org/second
    publishedDateTime: someday
    provider: Example Observer
    images: nope
  - 42
"""


def test_bad_related_entries_are_dropped_or_trimmed_with_warnings() -> None:
    result = parse(REQUIRED + RELATED)
    article = result.article
    assert article is not None
    assert article.related == (
        RelatedLink(
            "https://example.org/related",
            title="A related story",
            published_at=datetime(2026, 2, 28, tzinfo=UTC),
            provider=Provider("Example Observer", "example.org"),
            images=(Image("https://images.example.com/r.jpg"),),
        ),
        RelatedLink("https://example.org/second"),
    )
    assert lines(result) == [
        "content/a.md:9: warning: field 'related[0].publishedDateTime' has a date but no time; midnight UTC assumed",
        "content/a.md:11: warning: field 'related[0].quality' must be a whole number of at least 0, got -250; ignored",
        "content/a.md:12: warning: field 'related[0].images[1].url' must be an absolute http or https URL, "
        "got 'ftp://x'; image dropped",
        "content/a.md:14: warning: field 'related[1].webUrl' is missing; related link dropped",
        "content/a.md:16: warning: field 'related[2].webUrl' must be an absolute http or https URL, "
        "got 'javascript:alert(1)'; related link dropped",
        "content/a.md:18: warning: field 'related[3].publishedDateTime' is not a date and time: 'someday'; "
        "write ISO 8601, e.g. 2026-03-01T09:30:00Z; ignored",
        "content/a.md:19: warning: field 'related[3].provider' must be a mapping with name and domain, got text; "
        "ignored",
        "content/a.md:20: warning: field 'related[3].images' must be a list, got text; ignored",
        "content/a.md:21: warning: field 'related[4]' must be a mapping, got a number (42); related link dropped",
    ]


def test_all_problems_of_a_file_are_reported_in_line_order() -> None:
    front = 'title: yes\nwebUrl: "javascript:x"\nquality: -500\ntitel: 1\n'
    result = parse(front)
    assert result.article is None
    assert [(d.line, d.severity) for d in result.diagnostics] == [
        (None, "error"),
        (None, "error"),
        (2, "error"),
        (3, "error"),
        (4, "error"),
        (5, "warning"),
    ]


def test_size_limit() -> None:
    data = f"---\n{REQUIRED}---\n".encode() + b"x" * 100
    assert parse_article(data, "a.md", max_bytes=len(data)).article is not None
    result = parse_article(data + b"x", "a.md", max_bytes=len(data))
    assert only_line(result) == f"a.md: error: file is larger than the limit of {len(data)} bytes"
    assert MAX_ARTICLE_BYTES == 1 << 20


def test_nothing_is_executed_by_python_tags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for payload in (
        "!!python/object/apply:os.system ['touch marker']",
        "!!python/object/new:subprocess.Popen [['touch', 'marker']]",
        "!!python/name:os.system",
        "!!python/module:os",
    ):
        result = parse(REQUIRED + f"extra: {payload}\n")
        assert result.article is None
        assert "unsupported YAML tag !!python/" in only_line(result)
    assert not (tmp_path / "marker").exists()


_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.dates()
    | st.datetimes(timezones=st.none() | st.just(UTC) | st.just(timezone(timedelta(hours=-5))))
)
_values = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
_fields = st.sampled_from(
    [
        "title",
        "webUrl",
        "publishedDateTime",
        "topics",
        "quality",
        "heat",
        "published",
        "provider",
        "images",
        "related",
        "secured",
        "ampWebUrl",
        "excerpt",
    ]
)
_valid = {
    "title": "A title",
    "webUrl": "https://example.com/a",
    "publishedDateTime": "2026-03-01T09:30:00Z",
    "topics": ["AI"],
}


def _check_clean(result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    has_error = any(diagnostic.is_error for diagnostic in result.diagnostics)
    assert (result.article is None) == has_error
    for diagnostic in result.diagnostics:
        assert str(diagnostic).startswith("fuzz.md")
        assert "\n" not in str(diagnostic)  # one problem, one line
    if result.article is not None:
        json.dumps(result.article.extra, allow_nan=False, default=None)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text_front_matter_never_crashes(text: str) -> None:
    _check_clean(parse_article(f"---\n{text}\n---\nbody".encode(), "fuzz.md"))


_YAML_PIECES = (
    *("title", "webUrl", "topics", "images", "related", "url", "quality", ": ", "\n", "\n  ", "\n    "),
    *("- ", "[", "]", "{", "}", ", ", '"', "'", "&a ", "*a", "!!python/object:os.system ", "!!str "),
    *("!!binary ", "|\n", ">-\n", "? ", "#", "...", "---", "<<: ", "~", "yes", "-1", "0x1F", "1e400"),
    *("2026-02-30", "2026-03-01T09:30:00Z", "https://example.com/a", "javascript:x", "\t", "\r\n", "\ufeff"),
)
_yamlish = st.lists(st.sampled_from(_YAML_PIECES), max_size=40).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_yamlish)
def test_random_yamlish_front_matter_never_crashes(text: str) -> None:
    _check_clean(parse_article(f"---\n{text}\n---\n".encode(), "fuzz.md"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(data: bytes) -> None:
    _check_clean(parse_article(b"---\n" + data, "fuzz.md"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_fields | st.text(max_size=10), _values, max_size=8), st.booleans())
def test_random_structures_never_crash(fields: dict[str, object], start_valid: bool) -> None:
    document = {**_valid, **fields} if start_valid else fields
    text = yaml.safe_dump(document, allow_unicode=True)
    _check_clean(parse_article(f"---\n{text}---\n".encode(), "fuzz.md"))


@settings(max_examples=100, deadline=None)
@given(st.lists(_values, max_size=5), st.dates(min_value=date(1, 1, 2)))
def test_random_images_and_related_never_crash(items: list[object], day: date) -> None:
    document = {
        **_valid,
        "publishedDateTime": day,
        "images": items,
        "related": [{"webUrl": "https://example.org/r", "images": items, "provider": item} for item in items],
    }
    text = yaml.safe_dump(document, allow_unicode=True)
    result = parse_article(f"---\n{text}---\n".encode(), "fuzz.md")
    _check_clean(result)


def test_odd_keys_still_give_one_line_per_problem() -> None:
    result = parse(REQUIRED + '"two\\nlines": 1\n1: one\n"": empty\n')
    assert lines(result) == []
    assert result.unknown_fields == {"two\nlines", "1", ""}
