"""Telegram's ``parse_mode=HTML``: the same tag subset, entity rules and error messages as TDLib.

The parser walks the UTF-8 bytes (error offsets are byte offsets, as Telegram reports them) and
counts UTF-16 code units for entity offsets and lengths (as the Bot API defines them). Only
``&lt; &gt; &amp; &quot;`` and numeric references are entities, the ``;`` is optional, and any
other ``&`` is kept literally; a ``<`` always starts a tag.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from bot.emulator.links import LinkError, checked_link, mentioned_user_id

_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
        "tg-time",
    }
)
_SIMPLE: Mapping[str, str] = MappingProxyType(
    {
        "b": "bold",
        "strong": "bold",
        "i": "italic",
        "em": "italic",
        "u": "underline",
        "ins": "underline",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "tg-spoiler": "spoiler",
    }
)
_SPACE = frozenset(b" \t\r\n\x00\x0b\x0c")  # TDLib's is_space() also holds for the terminating NUL
_NAMED: Mapping[bytes, str] = MappingProxyType({b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'})
_LT, _GT, _AMP, _SLASH, _EQ = 0x3C, 0x3E, 0x26, 0x2F, 0x3D


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; the message is TDLib's, with byte offsets."""


@dataclass
class FormattedText:
    """Plain text and its Bot API ``MessageEntity`` dicts (offsets in UTF-16 code units)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    out_position: int
    attributes: dict[str, str]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Telegram length limit and offset."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse_html(source: str) -> FormattedText:
    """Parse ``source`` like Telegram does, or raise :class:`HtmlParseError`."""
    return _Parser(source.encode("utf-8", "surrogatepass")).run()


class _Parser:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.out = bytearray()
        self.utf16 = 0
        self.entities: list[dict[str, Any]] = []
        self.stack: list[_OpenTag] = []

    def at(self, index: int) -> int:
        return self.data[index] if index < len(self.data) else 0

    def run(self) -> FormattedText:
        i = 0
        while i < len(self.data):
            byte = self.data[i]
            if byte == _AMP:
                code, end = _decode_entity(self.data, i)
                if code:
                    self.append_code_point(code)
                    i = end
                    continue
            if byte != _LT:
                if byte & 0xC0 != 0x80:
                    self.utf16 += 2 if byte >= 0xF0 else 1
                self.out.append(byte)
                i += 1
            elif self.at(i + 1) != _SLASH:
                i = self.start_tag(i)
            else:
                i = self.end_tag(i)
        if self.stack:
            raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        try:
            text = bytes(self.out).decode("utf-8")
        except UnicodeDecodeError as error:
            raise HtmlParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            ) from error
        return FormattedText(text, _without_code_arguments(self.entities))

    def append_code_point(self, code: int) -> None:
        self.utf16 += 2 if code > 0xFFFF else 1
        self.out += chr(code).encode("utf-8", "surrogatepass")

    def start_tag(self, begin: int) -> int:
        i = begin + 1
        while self.at(i) not in _SPACE and self.at(i) != _GT:
            i += 1
        if self.at(i) == 0:
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
        name = self.data[begin + 1 : i].lower().decode("utf-8", "replace")
        if name not in _TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {begin}')
        attributes: dict[str, str] = {}
        while self.at(i) != _GT:
            while self.at(i) != 0 and self.at(i) in _SPACE:
                i += 1
            if self.at(i) == _GT:
                break
            attribute_begin = i
            while self.at(i) not in _SPACE and self.at(i) not in (_EQ, _GT):
                i += 1
            attribute = self.data[attribute_begin:i].decode("utf-8", "replace")
            if not attribute:
                raise HtmlParseError(f'Empty attribute name in the tag "{name}" at byte offset {begin}')
            while self.at(i) != 0 and self.at(i) in _SPACE:
                i += 1
            if self.at(i) != _EQ:
                if name == "blockquote" and attribute.lower() == "expandable":
                    attributes["expandable"] = ""
                    continue
                raise HtmlParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" at byte offset {begin}'
                )
            i += 1
            while self.at(i) != 0 and self.at(i) in _SPACE:
                i += 1
            if self.at(i) == 0:
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {begin}')
            value, i = self.attribute_value(i)
            if self.at(i) == 0:
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            attributes.setdefault(attribute, value)
        argument = _argument(name, attributes)
        if name == "span" and argument != "spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        self.stack.append(_OpenTag(name, argument, self.utf16, len(self.out), attributes))
        return i + 1

    def attribute_value(self, i: int) -> tuple[str, int]:
        quote = self.at(i)
        if quote not in (0x22, 0x27):
            # An unquoted name token: letters, digits, periods and hyphens, case-insensitive.
            token_begin = i
            while chr(self.at(i)).isascii() and (chr(self.at(i)).isalnum() or self.at(i) in (0x2E, 0x2D)):
                i += 1
            if self.at(i) not in _SPACE and self.at(i) != _GT:
                raise HtmlParseError(f"Unexpected end of name token at byte offset {token_begin}")
            return self.data[token_begin:i].lower().decode("utf-8", "replace"), i
        i += 1
        value = bytearray()
        while self.at(i) != quote and self.at(i) != 0:
            if self.at(i) == _AMP:
                code, end = _decode_entity(self.data, i)
                if code:
                    value += chr(code).encode("utf-8", "surrogatepass")
                    i = end
                    continue
            value.append(self.at(i))
            i += 1
        if self.at(i) == quote:
            i += 1
        return bytes(value).decode("utf-8", "replace"), i

    def end_tag(self, begin: int) -> int:
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
        i = begin + 1
        while self.at(i) not in _SPACE and self.at(i) != _GT:
            i += 1
        end_name = self.data[begin + 2 : i].lower().decode("utf-8", "replace")
        while self.at(i) in _SPACE and self.at(i) != 0:
            i += 1
        if self.at(i) != _GT:
            raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
        open_tag = self.stack[-1]
        if end_name and end_name != open_tag.name:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{open_tag.name}>", found "</{end_name}>"'
            )
        if self.utf16 > open_tag.utf16_offset:
            self.close_entity(open_tag)
        self.stack.pop()
        return i + 1

    def close_entity(self, tag: _OpenTag) -> None:
        offset, length = tag.utf16_offset, self.utf16 - tag.utf16_offset
        entity: dict[str, Any] = {"offset": offset, "length": length}
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and last["offset"] == offset and last["length"] == length
        if tag.name in _SIMPLE or (tag.name == "span" and tag.argument == "spoiler"):
            entity["type"] = _SIMPLE.get(tag.name, "spoiler")
        elif tag.name == "tg-emoji":
            if not tag.argument.isdigit() or int(tag.argument) == 0 or int(tag.argument) >= 2**63:
                raise HtmlParseError("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=tag.argument)
        elif tag.name == "tg-time":
            entity.update(_date_time(tag.attributes))
        elif tag.name == "a":
            url = tag.argument or bytes(self.out[tag.out_position :]).decode("utf-8", "replace")
            user_id = mentioned_user_id(url)
            if user_id is not None:
                entity.update(type="text_mention", user={"id": user_id, "is_bot": False, "first_name": ""})
            else:
                try:
                    entity.update(type="text_link", url=checked_link(url))
                except LinkError:
                    return  # Telegram silently drops a link it refuses
        elif tag.name == "pre":
            if last is not None and same_span and last["type"] == "code" and last.get("_language"):
                last.update(type="pre", language=last.pop("_language"))
                return
            entity["type"] = "pre"
        elif tag.name == "code":
            if last is not None and same_span and last["type"] == "pre" and tag.argument:
                last["language"] = tag.argument
                return
            entity["type"] = "code"
            if tag.argument:
                entity["_language"] = tag.argument
        else:
            entity["type"] = "expandable_blockquote" if "expandable" in tag.attributes else "blockquote"
        self.entities.append(entity)


def _argument(name: str, attributes: dict[str, str]) -> str:
    if name == "a":
        return attributes.get("href", "")
    if name == "code" and attributes.get("class", "").startswith("language-"):
        return attributes["class"][len("language-") :]
    if name == "span" and attributes.get("class", "").startswith("tg-"):
        return attributes["class"][len("tg-") :]
    if name == "tg-emoji":
        return attributes.get("emoji-id", "")
    return ""


def _date_time(attributes: dict[str, str]) -> dict[str, Any]:
    unix = attributes.get("unix", "")
    if not unix.isdigit():
        raise HtmlParseError("Invalid Unix time specified")
    entity: dict[str, Any] = {"type": "date_time", "unix_time": int(unix)}
    if attributes.get("format"):
        entity["date_time_format"] = attributes["format"]
    return entity


def _without_code_arguments(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for entity in entities:
        entity.pop("_language", None)
    return entities


def _decode_entity(data: bytes, pos: int) -> tuple[int, int]:
    """The code point of the character reference at ``pos`` and the index after it; 0 if none."""

    def at(index: int) -> int:
        return data[index] if index < len(data) else 0

    end = pos + 1
    code = 0
    if at(pos + 1) == ord("#"):
        end += 1
        if at(pos + 2) == ord("x"):
            end += 1
            while at(end) and chr(at(end)) in "0123456789abcdefABCDEF":
                code = code * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while ord("0") <= at(end) <= ord("9"):
                code = code * 10 + at(end) - ord("0")
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while chr(at(end)).isascii() and chr(at(end)).isalpha():
            end += 1
        named = _NAMED.get(data[pos + 1 : end])
        if named is None:
            return 0, pos
        code = ord(named)
    return code, end + 1 if at(end) == ord(";") else end
