"""Telegram's link checks, shared by text links, URL buttons and link preview options."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
_USER_LINK = re.compile(r"^tg://user\?id=(\d+)$", re.IGNORECASE)
_TELEGRAM_SCHEMES = frozenset({"tg", "ton"})


class LinkError(ValueError):
    """A link Telegram refuses; the message is TDLib's reason ("Wrong HTTP URL" …)."""


def checked_link(url: str) -> str:
    """The link as Telegram stores it (scheme added, ``/`` path), or :class:`LinkError`.

    Links without a scheme are taken as ``http://``; only http, https, tg and ton are allowed, and
    an HTTP link must name a public host (``localhost`` and private addresses are refused).
    """
    url = url.strip()
    match = _SCHEME.match(url)
    scheme = match.group(1).lower() if match else "http"
    if scheme in _TELEGRAM_SCHEMES:
        if len(url) <= len(match.group(0) if match else ""):
            raise LinkError("Wrong URL")
        return url
    if scheme not in ("http", "https"):
        raise LinkError("Unsupported URL protocol")
    if not match:
        url = "http://" + url
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError as error:
        raise LinkError("Wrong port number specified in the URL") from error
    host = (parts.hostname or "").lower()
    if not _public_host(host) or port == 0:
        raise LinkError("Wrong HTTP URL")
    path = parts.path or "/"
    netloc = parts.netloc
    rebuilt = f"{scheme}://{netloc}{path}"
    if parts.query:
        rebuilt += "?" + parts.query
    if parts.fragment:
        rebuilt += "#" + parts.fragment
    return rebuilt


def checked_http_link(url: Any, *, https_only: bool = False) -> str:
    """A link Telegram itself opens or fetches (a link preview, an inline result's photo, a Web App):
    http(s) only, checked as :func:`checked_link` checks it."""
    schemes = ("https://",) if https_only else ("http://", "https://")
    if not isinstance(url, str) or not url.strip().lower().startswith(schemes):
        raise LinkError("Only HTTPS links are allowed" if https_only else "Unsupported URL protocol")
    return checked_link(url)


def mentioned_user_id(url: str) -> int | None:
    """The user id of a ``tg://user?id=…`` link, which becomes a text_mention entity."""
    match = _USER_LINK.match(url.strip())
    return int(match.group(1)) if match else None


def _public_host(host: str) -> bool:
    if not host or host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return "." in host.strip(".")
    return address.is_global
