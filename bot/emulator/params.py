"""Turning raw request parameters into typed values, guided by the method's specification.

PTB 22 sends every parameter as a form field: strings as they are, everything else JSON-encoded
(``5``, ``true``, ``{"inline_keyboard": …}``). A string parameter must therefore never be JSON
decoded (the text ``true`` stays the string ``"true"``), which is why decoding needs the spec.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from bot.emulator.errors import QUERY_INVALID, ApiError, bad_request
from bot.emulator.spec import ARRAY_PREFIX, FieldSpec, MethodSpec
from bot.emulator.wire import UploadedFile

ATTACH_PREFIX = "attach://"
_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})

# Telegram's wording when a required parameter is absent (an empty value counts as absent).
_MISSING: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        ("*", "chat_id"): "chat_id is empty",
        ("*", "text"): "message text is empty",
        ("*", "photo"): "there is no photo in the request",
        ("*", "callback_query_id"): QUERY_INVALID,
        ("*", "inline_query_id"): QUERY_INVALID,
        ("deleteMessage", "message_id"): "message to delete not found",
        ("*", "user_id"): "invalid user_id specified",
    }
)

# Telegram's wording for a JSON parameter that does not parse.
_UNPARSABLE: Mapping[str, str] = MappingProxyType(
    {
        "reply_markup": "can't parse reply keyboard markup JSON object",
        "link_preview_options": "can't parse link preview options JSON object",
        "reply_parameters": "can't parse reply parameters JSON object",
        "commands": "can't parse commands JSON object",
        "entities": "can't parse entities JSON object",
        "caption_entities": "can't parse entities JSON object",
        "scope": "can't parse BotCommandScope JSON object",
    }
)


@dataclass
class DecodedParams:
    """Typed parameter values, the names the spec does not know, and the uploaded files."""

    values: dict[str, Any]
    unknown: list[str] = field(default_factory=list)
    files: dict[str, UploadedFile] = field(default_factory=dict)


def decode_params(
    method: MethodSpec, raw: Mapping[str, Any], files: Mapping[str, UploadedFile]
) -> DecodedParams:
    """Type every known parameter; unknown ones are listed, not fatal (the real server ignores them)."""
    decoded = DecodedParams(values={}, files=dict(files))
    for name, value in raw.items():
        spec = method.field(name)
        if spec is None:
            decoded.unknown.append(name)
            continue
        if value is None or value == "":
            continue  # the real server reads an empty argument as an absent one
        decoded.values[name] = _convert(spec, value)
    for name, upload in files.items():
        spec = method.field(name)
        if spec is not None and "InputFile" in spec.types and name not in decoded.values:
            decoded.values[name] = upload
        elif not _is_attached(name, decoded.values):
            decoded.unknown.append(name)
    return decoded


def resolve_file(value: Any, files: Mapping[str, UploadedFile]) -> Any:
    """Follow an ``attach://name`` reference to its uploaded part; other values pass through."""
    if isinstance(value, str) and value.startswith(ATTACH_PREFIX):
        upload = files.get(value[len(ATTACH_PREFIX) :])
        if upload is None:
            raise bad_request(f"file {value} was not found in the request")
        return upload
    return value


def missing_required(method: MethodSpec, values: Mapping[str, Any]) -> ApiError | None:
    """The error for the first required parameter that is absent, if any."""
    for spec in method.fields:
        if spec.required and spec.name not in values:
            wording = _MISSING.get((method.name, spec.name)) or _MISSING.get(("*", spec.name))
            return bad_request(wording or f'parameter "{spec.name}" is required')
    return None


def _is_attached(name: str, values: Mapping[str, Any]) -> bool:
    reference = ATTACH_PREFIX + name
    return any(value == reference for value in values.values())


def _convert(spec: FieldSpec, value: Any) -> Any:
    types = spec.types
    if "String" in types and "Integer" in types:
        if isinstance(value, bool):
            raise _wrong_type(spec)
        if isinstance(value, int):
            return value
        text = str(value)
        return int(text) if _INTEGER.match(text) else text.strip()
    if types == ("String",) or "InputFile" in types:
        return _as_string(value)
    if types == ("Integer",):
        return _as_int(spec, value)
    if types == ("Float",):
        return _as_float(spec, value)
    if types == ("Boolean",):
        return _as_bool(spec, value)
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError as error:
            raise bad_request(_UNPARSABLE.get(spec.name, f"can't parse {spec.name} JSON object")) from error
    else:
        parsed = value
    if any(type_name.startswith(ARRAY_PREFIX) for type_name in types):
        if not isinstance(parsed, list):
            raise bad_request(f'field "{spec.name}" must be an Array')
    elif not isinstance(parsed, dict):
        raise bad_request(f'field "{spec.name}" must be an Object')
    return parsed


def _as_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def _as_int(spec: FieldSpec, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.match(value):
        return int(value)
    raise _wrong_type(spec)


def _as_float(spec: FieldSpec, value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value))
    except ValueError as error:
        raise _wrong_type(spec) from error


def _as_bool(spec: FieldSpec, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _wrong_type(spec)


def _wrong_type(spec: FieldSpec) -> ApiError:
    return bad_request(f'field "{spec.name}" must be of type {" or ".join(spec.types)}')
