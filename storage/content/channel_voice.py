"""A channel's own voice in ``channels.yaml``: its language, footer, sound and the shape of its pushes.

The mapping form of an entry::

    "@ai_news_de":
      topics: [AI, Computer Vision]
      language: de
      footer: {text: "Mehr auf example.org", link: "https://example.org"}
      silent: true
      style: preview

The footer is plain text, shown as written (HTML escaped), on the last line of every push and digest; with
``link`` the whole line is that link. Checking a field is pure and knows nothing of the bot: the languages
a channel may choose are the caller's (the bot's catalogues).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from storage.content.frontmatter import YamlMapping, as_text, describe_item

PHOTO, PREVIEW, TEXT = "photo", "preview", "text"  # photo card | large preview above the text | text only
STYLES = (PHOTO, PREVIEW, TEXT)
DEFAULT_STYLE = PHOTO  # the photo card every chat gets
MAX_FOOTER_CHARS = 200
MAX_LINK_CHARS = 2048
FOOTER_KEYS = ("text", "link")
FOOTER_EXAMPLE = 'footer: {text: "More at example.org", link: "https://example.org"}'
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?>")
_URL = re.compile(r"https?://[^\s/?#]+\.[^\s/?#]+[^\s]*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ChannelVoice:
    """How a channel's pushes speak. The defaults are a channel's voice when the file says nothing."""

    language: str | None = None  # a catalogue's code; None: English, as for any chat without a choice
    silent: bool = False  # sent with disable_notification
    style: str = DEFAULT_STYLE  # one of STYLES
    footer: str | None = None  # plain text, escaped when rendered
    footer_link: str | None = None  # an http(s) URL the whole footer links to

    def __str__(self) -> str:
        """How a log line names it: ``language de, silent, style preview, footer 'Mehr…' → https://…``."""
        parts = [f"language {self.language or 'en'}", "silent" if self.silent else "with sound"]
        parts.append(f"style {self.style}")
        if self.footer:
            parts.append(f"footer '{self.footer}'" + (f" → {self.footer_link}" if self.footer_link else ""))
        return ", ".join(parts)


class VoiceError(Exception):
    """A field of the voice is wrong; ``line`` is where, the message says what and how to write it."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def parse_voice(entry: YamlMapping, channel: str, languages: Collection[str]) -> ChannelVoice:
    """The voice fields of a mapping entry (``topics`` is the caller's); raises VoiceError for a bad one."""
    silent = entry.get("silent", False)
    if not isinstance(silent, bool):
        got = describe_item(entry, "silent")
        raise VoiceError(f"silent of {channel} must be true or false; got {got}", entry.key_lines["silent"])
    footer, link = _footer(entry, channel) if "footer" in entry else (None, None)
    return ChannelVoice(
        language=_choice(entry, "language", channel, tuple(languages)) if "language" in entry else None,
        silent=silent,
        style=_choice(entry, "style", channel, STYLES) if "style" in entry else DEFAULT_STYLE,
        footer=footer,
        footer_link=link,
    )


def _choice(entry: YamlMapping, field: str, channel: str, allowed: tuple[str, ...]) -> str:
    text = as_text(entry, field)
    got = f"'{text}'" if text is not None else describe_item(entry, field)
    if text is None or text.strip().casefold() not in allowed:
        raise VoiceError(
            f"{field} of {channel} must be one of {', '.join(allowed)}; got {got}", entry.key_lines[field]
        )
    return text.strip().casefold()


def _footer(entry: YamlMapping, channel: str) -> tuple[str, str | None]:
    line = entry.key_lines["footer"]
    value = entry["footer"]
    if isinstance(value, YamlMapping):
        unknown = [key for key in value if key not in FOOTER_KEYS]
        if unknown:
            raise VoiceError(
                f"footer of {channel} has an unknown key '{unknown[0]}': it takes text and link, "
                f"e.g. {FOOTER_EXAMPLE}",
                value.key_lines[unknown[0]],
            )
        if "text" not in value:
            raise VoiceError(f"footer of {channel} needs its text, e.g. {FOOTER_EXAMPLE}", line)
        text = _footer_text(value, "text", channel, value.key_lines["text"])
        return text, (_footer_link(value, channel) if "link" in value else None)
    return _footer_text(entry, "footer", channel, line), None


def _footer_text(container: YamlMapping, field: str, channel: str, line: int) -> str:
    text = as_text(container, field)
    if text is None or not text.strip():
        got = "an empty text" if text is not None else describe_item(container, field)
        raise VoiceError(
            f"footer of {channel} must be a short line of text, e.g. {FOOTER_EXAMPLE}; got {got}", line
        )
    lines = text.strip().splitlines()
    if len(lines) > 1:
        raise VoiceError(f"footer of {channel} must be one line; it has {len(lines)}", line)
    text = " ".join(text.split())
    if len(text) > MAX_FOOTER_CHARS:
        raise VoiceError(
            f"footer of {channel} is {len(text)} characters long; at most {MAX_FOOTER_CHARS} fit under a push",
            line,
        )
    if tag := _TAG.search(text):
        raise VoiceError(
            f"footer of {channel} is plain text, shown as written: HTML such as '{tag.group(0)}' "
            f"would show its tags; for a link write {FOOTER_EXAMPLE}",
            line,
        )
    return text


def _footer_link(footer: YamlMapping, channel: str) -> str:
    line = footer.key_lines["link"]
    url = as_text(footer, "link")
    if url is None:
        got = describe_item(footer, "link")
        raise VoiceError(f"the footer link of {channel} must be an http(s) URL; got {got}", line)
    url = url.strip()
    if not _URL.fullmatch(url):
        raise VoiceError(
            f"the footer link of {channel} must be an http(s) URL, like https://example.org; got '{url}'",
            line,
        )
    if len(url) > MAX_LINK_CHARS:
        raise VoiceError(
            f"the footer link of {channel} is {len(url)} characters long; at most {MAX_LINK_CHARS}", line
        )
    return url
