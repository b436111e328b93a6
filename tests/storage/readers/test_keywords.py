"""Keyword filters as pure logic: normalizing terms, matching whole words and phrases, the verdict."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.readers.keywords import (
    MAX_TERM_CHARS,
    KeywordFilter,
    TermError,
    TermProblem,
    mentions,
    normalize_term,
)


@pytest.mark.parametrize(
    ("raw", "term"),
    [
        ("Crypto", "crypto"),
        ("  Open   Source ", "open source"),
        ('"Elon Musk"', "elon musk"),
        ("“Elon  Musk”", "elon musk"),
        ("«Straße»", "strasse"),  # casefolded, as the text it is matched against
        ("C++", "c++"),
        ("'single'", "single"),
        ('"unbalanced', '"unbalanced'),
    ],
)
def test_terms_are_casefolded_with_single_spaces_and_without_surrounding_quotes(raw: str, term: str) -> None:
    assert normalize_term(raw) == term


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", TermProblem.EMPTY),
        ("   ", TermProblem.EMPTY),
        ('""', TermProblem.EMPTY),
        ("x" * (MAX_TERM_CHARS + 1), TermProblem.TOO_LONG),
        ("ß" * 51, TermProblem.TOO_LONG),  # 51 characters typed, 102 once casefolded
        ("+++ ...", TermProblem.NO_WORD),
    ],
)
def test_unusable_terms_are_refused_with_the_reason(raw: str, problem: TermProblem) -> None:
    with pytest.raises(TermError) as refused:
        normalize_term(raw)
    assert refused.value.problem is problem


def test_the_longest_term_is_accepted() -> None:
    assert normalize_term("x" * MAX_TERM_CHARS) == "x" * MAX_TERM_CHARS


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("ai", "AI beats humans", True),
        ("ai", "the rise of AI.", True),
        ("ai", "(AI)", True),
        ("ai", "He said so", False),  # inside a word
        ("ai", "AIs are here", False),  # a longer word
        ("ai", "Mountain air", False),
        ("crypto", "Cryptography advances", False),
        ("crypto", "Crypto, again", True),
        ("open source", "An OPEN SOURCE model", True),
        ("open source", "an open-source model", True),  # consecutive words, any separator
        ("open source", "open\nsource", True),
        ("open source", "open the source", False),  # not consecutive
        ("open source", "reopen sources", False),
        ("c++", "Written in C++ today", True),
        ("c++", "Written in C today", False),
        ("a.b", "axb", False),  # a dot is a dot, not "any character"
        ("a.b", "see a.b now", True),
        ("(ai|ml)", "ml news", False),  # a reader's regex is text
        ("strasse", "Die Straße ist gesperrt", True),
        ("élan", "ÉLAN vital", True),
        ("ai", None, False),
        ("ai", "", False),
    ],
)
def test_matching_is_by_whole_words_and_case_insensitive(term: str, text: str | None, expected: bool) -> None:
    assert mentions(term, text) is expected


def test_exclude_wins_over_include_and_include_needs_one_mention() -> None:
    keywords = KeywordFilter.of([("include", "space"), ("include", "open source"), ("exclude", "crypto")])
    assert keywords.include == ("open source", "space")
    assert len(keywords) == 3
    assert keywords.verdict("Space launch", None) is None
    assert keywords.verdict("Weather", "an open-source forecast") is None
    assert keywords.verdict("Weather today", "Sunny") == "filter: mentions no included term"
    assert keywords.verdict("Space crypto mining", None) == "filter: mentions excluded “crypto”"


def test_a_phrase_never_spans_from_the_title_into_the_excerpt() -> None:
    keywords = KeywordFilter.of([("exclude", "open source")])
    assert keywords.verdict("Doors open", "Source: police") is None
    assert KeywordFilter().verdict("anything", "at all") is None


words = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=8)
punctuation = st.sampled_from([" ", "  ", ", ", " - ", "\n", ": "])


@given(st.lists(words, min_size=1, max_size=4), punctuation, words, words)
def test_a_term_is_found_between_other_words_whatever_the_case(
    term_words: list[str], separator: str, before: str, after: str
) -> None:
    """Property: a normalized term appears in a text that holds its words as typed (letters of either case,
    any script), in order, with any punctuation between them and separated from their neighbours."""
    term = normalize_term(" ".join(term_words))
    text = f"{before} {separator.join(term_words)} {after}"
    assert mentions(term, text)


@given(st.text(min_size=1, max_size=30), st.text(max_size=60))
def test_any_input_is_matched_literally_and_never_crashes(raw: str, text: str) -> None:
    """Property: whatever a reader types (regex syntax included) is a valid, escaped pattern."""
    try:
        term = normalize_term(raw)
    except TermError:
        return
    found = mentions(term, text)
    if found:
        # Every word of the term occurs in the text, literally.
        assert all(word in text.casefold() for word in term.split(" "))
    assert re.compile(re.escape(term))  # the stored term itself is plain text
