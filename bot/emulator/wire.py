"""The HTTP side of a Bot API call: reading parameters off the request, writing the JSON answer.

Telegram accepts parameters in the query string, as ``application/x-www-form-urlencoded`` or
``multipart/form-data`` bodies (file uploads) and as ``application/json``; all of them are merged
into one mapping, as the real server does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.emulator.errors import ApiError, bad_request


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request; the emulator keeps its size, not its bytes."""

    field: str
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class RawRequest:
    """Parameters as they arrived (strings from forms, any JSON value from JSON bodies) and files."""

    params: dict[str, Any]
    files: dict[str, UploadedFile]
    content_type: str


async def read_request(request: web.Request) -> RawRequest:
    """Collect every parameter of ``request``; a malformed body is a 400."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    content_type = request.content_type if request.body_exists else ""
    if not request.body_exists:
        return RawRequest(params, files, content_type)
    if content_type == "application/json":
        try:
            body = json.loads(await request.text() or "{}")
        except ValueError as error:
            raise bad_request("can't parse JSON body") from error
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        params.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                files[name] = UploadedFile(
                    field=name,
                    filename=value.filename,
                    content_type=value.content_type,
                    size=len(value.file.read()),
                )
            else:
                params[name] = value
    else:
        body_text = await request.text()
        if body_text.strip():
            raise ApiError(400, f"Bad Request: unsupported Content-Type {content_type!r}")
    return RawRequest(params, files, content_type)


def json_answer(payload: dict[str, Any], status: int = 200) -> web.Response:
    """A JSON response; a 429 also carries ``Retry-After`` like the real server's."""
    headers: dict[str, str] = {}
    retry_after = (payload.get("parameters") or {}).get("retry_after")
    if status == 429 and retry_after:
        headers["Retry-After"] = str(retry_after)
    return web.json_response(payload, status=status, headers=headers)


def error_answer(error: ApiError) -> web.Response:
    """The response for a failed call.

    A 502 comes from Telegram's nginx front end as an HTML page, not JSON, and clients must cope.
    """
    if error.status == 502:
        page = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
        return web.Response(
            status=502,
            text=page + "</center><hr><center>nginx</center></body></html>",
            content_type="text/html",
        )
    return json_answer(error.payload(), error.status)
