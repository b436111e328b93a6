"""Article URLs: which texts count as web links, and the normalized form that identifies an article."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

_WEB_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Whitespace and control characters never belong in a link; browsers strip some of them, which is how
# "java\tscript:" style tricks get through naive checks.
_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f]")


def is_http_url(text: object) -> bool:
    """Whether ``text`` is an absolute http or https URL with a host: not javascript:, data:, relative…"""
    if not isinstance(text, str) or not text or _FORBIDDEN.search(text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        return False
    return parts.scheme.lower() in _WEB_SCHEMES and bool(parts.hostname)


def normalize_url(url: str) -> str:
    """The identity of a web URL: same page, same text.

    Scheme and host are lower-cased, the default port, the ``#fragment`` and ``utm_*`` tracking parameters
    are dropped, and an empty path becomes ``/`` (RFC 3986, 6.2.3); everything else, including the order
    of the remaining parameters, is kept as written. Raises ValueError unless ``is_http_url(url)``.
    """
    if not is_http_url(url):
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = "&".join(param for param in parts.query.split("&") if param and param[:4].lower() != "utm_")
    return urlunsplit(SplitResult(scheme, _netloc(parts, scheme), parts.path or "/", query, ""))


def _netloc(parts: SplitResult, scheme: str) -> str:
    userinfo, _, hostport = parts.netloc.rpartition("@")
    host = hostport
    if hostport.startswith("["):  # IPv6 literal: its colons are not the port separator
        host = hostport[: hostport.index("]") + 1]
    elif ":" in hostport:
        host = hostport.partition(":")[0]
    port = parts.port
    netloc = host.lower() if port is None or port == _DEFAULT_PORTS[scheme] else f"{host.lower()}:{port}"
    return f"{userinfo}@{netloc}" if userinfo else netloc
