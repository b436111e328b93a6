"""Keyword filters as pure logic: a reader's term normalized, and matched against an article.

Matching is case-insensitive and by whole words: ``ai`` matches "AI" and "the AI," but not "said" or
"AIs"; a phrase matches as consecutive words, whatever spacing or punctuation lies between them
("open source" matches "Open-Source"). A term is literal text, escaped before it becomes a pattern: a
reader's input is never a regular expression.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

INCLUDE = "include"
EXCLUDE = "exclude"
KINDS = (INCLUDE, EXCLUDE)
MAX_TERM_CHARS = 100  # the width of chat_filters.term
MAX_TERMS = 20  # per destination, both kinds together
_QUOTES = {'"': '"', "'": "'", "“": "”", "„": "“", "«": "»", "‘": "’"}
_WORD = re.compile(r"\w")


class TermProblem(Enum):
    EMPTY = "empty"
    TOO_LONG = "too long"
    NO_WORD = "no letter or digit"


class TermError(ValueError):
    def __init__(self, problem: TermProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def normalize_term(raw: str) -> str:
    """The term as stored and matched: casefolded, one space between words, surrounding quotes removed.

    Raises ``TermError`` for an empty term, one over ``MAX_TERM_CHARS`` and one without a letter or digit
    (it could never match a whole word).
    """
    term = " ".join(raw.split())
    if len(term) >= 2 and _QUOTES.get(term[0]) == term[-1]:
        term = " ".join(term[1:-1].split())
    term = term.casefold()
    if not term:
        raise TermError(TermProblem.EMPTY)
    if len(term) > MAX_TERM_CHARS:
        raise TermError(TermProblem.TOO_LONG)
    if not _WORD.search(term):
        raise TermError(TermProblem.NO_WORD)
    return term


def term_pattern(term: str) -> str:
    """The regular expression for a normalized term: its words escaped, in order, as whole words."""
    words = (re.escape(word) for word in term.split(" "))
    return r"(?<!\w)" + r"\W+".join(words) + r"(?!\w)"


def mentions(term: str, text: str | None) -> bool:
    """Whether ``text`` contains the normalized ``term`` as whole words (``re`` caches the patterns)."""
    return bool(text) and re.search(term_pattern(term), (text or "").casefold()) is not None


@dataclass(frozen=True, slots=True)
class KeywordFilter:
    """A destination's filters. Exclude wins: an article mentioning an exclude term is held back even
    when it also mentions an include term; with include terms, only articles mentioning one pass."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @classmethod
    def of(cls, rows: Iterable[tuple[str, str]]) -> KeywordFilter:
        """From (kind, term) pairs, each kind sorted."""
        pairs = list(rows)
        return cls(
            include=tuple(sorted(term for kind, term in pairs if kind == INCLUDE)),
            exclude=tuple(sorted(term for kind, term in pairs if kind == EXCLUDE)),
        )

    def __len__(self) -> int:
        return len(self.include) + len(self.exclude)

    def verdict(self, title: str | None, excerpt: str | None) -> str | None:
        """Why the article is held back (for the ledger's ``error``), or None when it passes.

        Title and excerpt are matched separately, so a phrase never spans from one into the other.
        """
        for term in self.exclude:
            if mentions(term, title) or mentions(term, excerpt):
                return f"filter: mentions excluded “{term}”"
        if self.include and not any(mentions(t, title) or mentions(t, excerpt) for t in self.include):
            return "filter: mentions no included term"
        return None
