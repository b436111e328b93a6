"""Article lists: newest per topic or across followed topics, and search (FTS5 or PostgreSQL's tsvector)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.catalog.listings import fts_query, latest_articles, search_articles, search_terms, tsquery
from storage.db.database import Database
from tests.storage.factories import (
    HOUR,
    NOW,
    add_article,
    add_chat,
    add_subscription,
    add_topic,
)


async def test_latest_of_a_topic_newest_first_live_and_published_only(db: Database) -> None:
    async with db.write() as session:
        ai = await add_topic(session, "AI")
        other = await add_topic(session, "Other")
        await add_article(session, "old", topics=[ai], published_at=NOW - 3 * HOUR)
        await add_article(session, "new", topics=[ai], published_at=NOW - HOUR)
        await add_article(session, "withdrawn", topics=[ai], published_at=NOW - HOUR, withdrawn=True)
        await add_article(session, "scheduled", topics=[ai], published_at=NOW + HOUR)
        await add_article(session, "middle", topics=[ai, other], published_at=NOW - 2 * HOUR)
        await add_article(session, "elsewhere", topics=[other])
    async with db.read() as session:
        everything = await latest_articles(session, NOW, limit=10, topic_id=ai)
        two = await latest_articles(session, NOW, limit=2, topic_id=ai)
        later = await latest_articles(session, NOW + 2 * HOUR, limit=1, topic_id=ai)
    assert [a.title for a in everything] == ["new", "middle", "old"]
    assert [a.title for a in two] == ["new", "middle"]
    assert [a.title for a in later] == ["scheduled"]


async def test_latest_summary_fields(db: Database) -> None:
    async with db.write() as session:
        ai = await add_topic(session, "AI")
        article_id = await add_article(
            session, "Title", topics=[ai], excerpt="Ex", quality=80, provider="Wire"
        )
    async with db.read() as session:
        [summary] = await latest_articles(session, NOW, limit=5, topic_id=ai)
    assert (summary.id, summary.title, summary.excerpt, summary.provider_name, summary.quality) == (
        article_id,
        "Title",
        "Ex",
        "Wire",
        80,
    )
    assert summary.web_url.startswith("https://example.com/")
    assert summary.published_at == NOW - HOUR


async def test_latest_ties_are_broken_by_newest_id(db: Database) -> None:
    async with db.write() as session:
        ai = await add_topic(session, "AI")
        await add_chat(session, 1)
        await add_subscription(session, 1, ai)
        ids = [await add_article(session, f"same {n}", topics=[ai]) for n in range(3)]
    async with db.read() as session:
        by_topic = await latest_articles(session, NOW, limit=3, topic_id=ai)
        by_chat = await latest_articles(session, NOW, limit=3, chat_id=1)
    assert [a.id for a in by_topic] == [a.id for a in by_chat] == ids[::-1]


async def test_latest_of_followed_topics_lists_each_article_once(db: Database) -> None:
    async with db.write() as session:
        ai, climate, space = [await add_topic(session, name) for name in ("AI", "Climate", "Space")]
        await add_chat(session, 1)
        await add_subscription(session, 1, ai)
        await add_subscription(session, 1, climate)
        await add_subscription(session, 1, space, thread_id=4)
        await add_article(session, "both", topics=[ai, climate], published_at=NOW - HOUR)
        await add_article(session, "ai", topics=[ai], published_at=NOW - 2 * HOUR)
        await add_article(session, "climate", topics=[climate], published_at=NOW - 3 * HOUR)
        await add_article(session, "gone", topics=[ai], published_at=NOW - HOUR, withdrawn=True)
        await add_article(session, "soon", topics=[climate], published_at=NOW + HOUR)
        await add_article(session, "space", topics=[space], published_at=NOW - HOUR)
    async with db.read() as session:
        followed = await latest_articles(session, NOW, limit=10, chat_id=1)
        limited = await latest_articles(session, NOW, limit=2, chat_id=1)
        thread = await latest_articles(session, NOW, limit=10, chat_id=1, thread_id=4)
        nobody = await latest_articles(session, NOW, limit=10, chat_id=2)
    assert [a.title for a in followed] == ["both", "ai", "climate"]
    assert [a.title for a in limited] == ["both", "ai"]
    assert [a.title for a in thread] == ["space"]
    assert nobody == []


async def test_latest_of_followed_topics_matches_a_plain_merge(db: Database) -> None:
    """Per-topic cut-offs never lose an article: compare with sorting every candidate in Python."""
    rng = random.Random(7)
    expected: list[tuple[int, int]] = []  # (minutes ago, -id) of live, published, followed articles
    async with db.write() as session:
        topics = [await add_topic(session, f"T{n}") for n in range(4)]
        followed = set(topics[:3])
        await add_chat(session, 1)
        for topic_id in followed:
            await add_subscription(session, 1, topic_id)
        for n in range(60):
            tagged = set(rng.sample(topics, rng.randint(1, 2)))
            minutes = rng.randint(-30, 300)  # some scheduled for later
            live = rng.random() > 0.15
            published_at = NOW - timedelta(minutes=minutes)
            article_id = await add_article(
                session, f"a{n}", topics=sorted(tagged), published_at=published_at, withdrawn=not live
            )
            if live and minutes >= 0 and tagged & followed:
                expected.append((minutes, -article_id))
    expected.sort()
    async with db.read() as session:
        for limit in (1, 2, 5, 13, 100):
            got = await latest_articles(session, NOW, limit=limit, chat_id=1)
            assert [a.id for a in got] == [-negated_id for _, negated_id in expected[:limit]]


async def test_latest_needs_exactly_one_of_chat_and_topic(db: Database) -> None:
    async with db.read() as session:
        with pytest.raises(ValueError, match="exactly one"):
            await latest_articles(session, NOW, limit=5)
        with pytest.raises(ValueError, match="exactly one"):
            await latest_articles(session, NOW, limit=5, chat_id=1, topic_id=1)
        assert await latest_articles(session, NOW, limit=0, topic_id=1) == []


@pytest.mark.parametrize(
    ("query", "terms", "fts"),
    [
        ("solar wind", ["solar", "wind"], '"solar" "wind"*'),
        ('  "Solar" AND -wind* ', ["Solar", "AND", "wind"], '"Solar" "AND" "wind"*'),
        ("title:x NEAR(a b)", ["title", "x", "NEAR", "a", "b"], '"title" "x" "NEAR" "a" "b"*'),
        ("snake_case", ["snake", "case"], '"snake" "case"*'),
        ("Ärger über Köln", ["Ärger", "über", "Köln"], '"Ärger" "über" "Köln"*'),
        ("🚀 *** ()", [], ""),
    ],
)
def test_search_terms_and_fts_query(query: str, terms: list[str], fts: str) -> None:
    assert search_terms(query) == terms
    assert fts_query(terms) == fts


def test_search_terms_are_capped() -> None:
    assert len(search_terms("word " * 100)) == 16


def test_tsquery_quotes_every_term_and_prefixes_the_last() -> None:
    assert tsquery(["solar", "Wind"]) == "'solar' & 'Wind':*"
    assert tsquery(search_terms("title:x | !a <-> b's")) == "'title' & 'x' & 'a' & 'b' & 's':*"
    assert tsquery([]) == ""


async def seed_search(db: Database) -> None:
    async with db.write() as session:
        await add_article(session, "Solar farms expand", excerpt="New panels in the desert.")
        await add_article(
            session, "Wind report", excerpt="Solar and wind both grew.", published_at=NOW - 2 * HOUR
        )
        await add_article(session, "Solar eclipse", excerpt="Sky watchers", withdrawn=True)
        await add_article(session, "Solar storms ahead", excerpt="Scheduled.", published_at=NOW + HOUR)
        await add_article(session, "Quantum chips", excerpt="A tiny leap.")


async def test_search_matches_every_word_live_and_published_only(db: Database) -> None:
    await seed_search(db)
    async with db.read() as session:
        solar = await search_articles(session, "solar", NOW)
        both = await search_articles(session, "SOLAR wind", NOW)
        prefix = await search_articles(session, "quant", NOW)
        nothing = await search_articles(session, "solar quantum", NOW)
        later = await search_articles(session, "storms", NOW + 2 * HOUR)
    assert {a.title for a in solar} == {"Solar farms expand", "Wind report"}
    assert [a.title for a in both] == ["Wind report"]
    assert [a.title for a in prefix] == ["Quantum chips"]
    assert nothing == []
    assert [a.title for a in later] == ["Solar storms ahead"]


async def test_search_ranks_with_bm25_and_breaks_ties_newest_first(db: Database) -> None:
    async with db.write() as session:
        older = await add_article(session, "Rover lands", excerpt="Same words", published_at=NOW - 3 * HOUR)
        newer = await add_article(session, "Rover lands", excerpt="Same words", published_at=NOW - HOUR)
        middle = await add_article(session, "Rover lands", excerpt="Same words", published_at=NOW - 2 * HOUR)
        # Many words besides the match: bm25 ranks this weaker hit below the three equal ones.
        diluted = await add_article(
            session, "Weekly digest of many unrelated things", excerpt="mars " * 30 + "rover"
        )
    async with db.read() as session:
        found = await search_articles(session, "rover", NOW)
        limited = await search_articles(session, "rover", NOW, limit=2)
    assert [a.id for a in found] == [newer, middle, older, diluted]
    assert [a.id for a in limited] == [newer, middle]


async def test_search_lists_whole_words_before_words_they_begin(db: Database) -> None:
    async with db.write() as session:
        begun = await add_article(session, "Quantum quantum quantum", excerpt="quantum")
        whole = await add_article(session, "Funds rise", excerpt="a quant desk, among many other desks")
    async with db.read() as session:
        found = await search_articles(session, "quant", NOW)
        first = await search_articles(session, "quant", NOW, limit=1)
        typed = await search_articles(session, "qua", NOW)
    # By bm25 alone the first article, three words beginning "quant" in its title, would come first.
    assert [a.id for a in typed] == [begun, whole]
    assert [a.id for a in found] == [whole, begun]
    assert [a.id for a in first] == [whole]


async def test_search_ranks_only_the_newest_matches(db: Database) -> None:
    async with db.write() as session:
        # The best match is the oldest stored: with room for three candidates it is not among them.
        best = await add_article(session, "Rover rover rover", excerpt="rover")
        weaker = [await add_article(session, "Rover lands", excerpt=f"report {n}") for n in range(3)]
    async with db.read() as session:
        everything = await search_articles(session, "rover", NOW)
        newest = await search_articles(session, "rover", NOW, candidates=3)
    assert everything[0].id == best
    assert sorted(a.id for a in newest) == sorted(weaker)


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "-x",
        "a OR",
        "(",
        "NEAR(",
        "title:x",
        ")))",
        "",
        "   ",
        "🚀🔥",
        "AND",
        "OR OR",
        "x*y",
        "^a",
        "'a'",
    ],
)
async def test_hostile_search_input_never_raises(db: Database, query: str) -> None:
    await seed_search(db)
    async with db.read() as session:
        assert isinstance(await search_articles(session, query, NOW), list)


async def test_search_words_that_look_like_operators_are_words(db: Database) -> None:
    async with db.write() as session:
        await add_article(session, "Title: OR and NEAR", excerpt="operators as words")
        await add_article(session, "Unrelated", excerpt="nothing here")
    async with db.read() as session:
        assert [a.title for a in await search_articles(session, "or near", NOW)] == ["Title: OR and NEAR"]
        assert [a.title for a in await search_articles(session, "title:", NOW)] == ["Title: OR and NEAR"]


async def test_search_without_words_finds_nothing(db: Database) -> None:
    await seed_search(db)
    async with db.read() as session:
        assert await search_articles(session, "!!! ???", NOW) == []
        assert await search_articles(session, "solar", NOW, limit=0) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text())
async def test_any_text_is_a_safe_search(db: Database, query: str) -> None:
    # The database is only read here, so sharing it between examples is fine.
    async with db.read() as session:
        assert isinstance(await search_articles(session, query, NOW), list)
