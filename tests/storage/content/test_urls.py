from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.content.urls import is_http_url, normalize_url


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com",
        "http://example.com/path?q=1#top",
        "HTTPS://EXAMPLE.COM/",
        "https://news.example.net:8443/a/b",
        "http://[2001:db8::1]/story",
        "https://user:secret@example.org/x",
        "https://пример.example/статья",
    ],
)
def test_is_http_url_accepts_absolute_web_links(text: str) -> None:
    assert is_http_url(text)


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.com/file",
        "mailto:someone@example.com",
        "/relative/path",
        "example.com/no-scheme",
        "//example.com/protocol-relative",
        "https://",
        "https:///path-without-host",
        "https://exa mple.com/",
        " https://example.com/",
        "https://example.com/\n",
        "https://example.com/\x00",
        "java\tscript:alert(1)",
        "https://example.com:99999/",
        "https://example.com:port/",
        "http://[::1/",
        "",
    ],
)
def test_is_http_url_rejects_everything_else(text: str) -> None:
    assert not is_http_url(text)


@pytest.mark.parametrize("value", [None, 42, b"https://example.com", ["https://example.com"]])
def test_is_http_url_rejects_non_text(value: object) -> None:
    assert not is_http_url(value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM/Path", "https://example.com/Path"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?utm_source=x&b=2&utm_medium=y&a=1", "https://example.com/a?b=2&a=1"),
        ("https://example.com/a?UTM_Campaign=x", "https://example.com/a"),
        ("https://example.com/a?utmost=1", "https://example.com/a?utmost=1"),
        ("https://example.com/a?b=%20x&a=1", "https://example.com/a?b=%20x&a=1"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com?x=1", "https://example.com/?x=1"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("https://User@Example.com/x", "https://User@example.com/x"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_normalize_url_refuses_what_is_not_a_web_link() -> None:
    with pytest.raises(ValueError, match="not an absolute http"):
        normalize_url("javascript:alert(1)")


_hosts = st.from_regex(r"[a-zA-Z][a-zA-Z0-9-]{0,10}(\.[a-zA-Z]{2,5}){1,2}", fullmatch=True)
_paths = st.from_regex(r"(/[a-zA-Z0-9._~%-]{0,8}){0,3}", fullmatch=True)
_params = st.lists(st.from_regex(r"(utm_)?[a-z]{1,5}=[a-z0-9]{0,4}", fullmatch=True), max_size=4)


@given(
    scheme=st.sampled_from(["http", "HTTP", "https", "Https"]),
    host=_hosts,
    port=st.sampled_from(["", ":80", ":443", ":8080"]),
    path=_paths,
    params=_params,
    fragment=st.sampled_from(["", "#top", "#"]),
)
def test_normalized_urls_are_stable_web_links(
    scheme: str, host: str, port: str, path: str, params: list[str], fragment: str
) -> None:
    query = "?" + "&".join(params) if params else ""
    url = f"{scheme}://{host}{port}{path}{query}{fragment}"
    normalized = normalize_url(url)
    assert is_http_url(normalized)
    assert normalize_url(normalized) == normalized
    assert "utm_" not in normalized
    assert "#" not in normalized
