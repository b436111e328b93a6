"""Which catalogue a reader gets: a stored choice or Telegram's ``language_code``, mapped to its ``Texts``."""

from __future__ import annotations

from bot.texts.de import GERMAN
from bot.texts.en import ENGLISH, Texts

CATALOGUES: dict[str, Texts] = {"en": ENGLISH, "de": GERMAN}
LANGUAGES = tuple(CATALOGUES)  # ("en", "de"): the order /settings offers them in


def language_of(language: str | None) -> str:
    """The catalogue a stored choice or Telegram's language_code means ("de-AT" → "de"); else English."""
    base = (language or "").replace("_", "-").partition("-")[0].casefold()
    return base if base in CATALOGUES else "en"


def texts_for(language: str | None) -> Texts:
    """The catalogue for a language: the reader's choice in /settings, or Telegram's language_code."""
    return CATALOGUES[language_of(language)]
