"""Search beyond short titles: the words of the slug, the file name, the source and the topics, found
through a real sync and ranked below title and excerpt hits (on both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.catalog.listings import search_articles
from storage.catalog.search_words import MAX_KEYWORDS, search_keywords
from storage.catalog.sync import ContentSync
from storage.content.article import ArticleDoc
from storage.content.parsing import parse_article
from storage.db.database import Database
from tests.articles import article_text

LATER = datetime.now(UTC) + timedelta(days=1)


def doc(text: str) -> ArticleDoc:
    article = parse_article(text.encode(), "a.md").article
    assert article is not None
    return article


def test_keywords_are_the_slug_file_name_source_and_topics_each_once() -> None:
    article = doc(
        article_text(
            title="Update 2.1",
            url="https://www.example.com/news/2019/08/19/microsoft-power-apps-portals.html",
            topics=["Power Apps", "Model-driven apps"],
            provider="Microsoft Power Platform Blog",
            excerpt="What is new in the Portals",
        )
    )
    words = search_keywords(article, "_news/2019/2019-08-19-powerapps-portals-update.md")
    assert words == "news microsoft power apps powerapps platform blog example model driven"


def test_keywords_decode_the_url_and_read_a_domain_written_as_a_url() -> None:
    text = article_text(
        title="T", url="https://example.com/stra%C3%9Fe-caf%C3%A9", provider=None, topics=["T"]
    )
    text = text.replace("topics:", "provider: {name: Blog, domain: 'https://www.contoso.com/'}\ntopics:")
    assert search_keywords(doc(text), "2024-01-01-t.md") == "straße café blog contoso"


def test_keywords_drop_numbers_noise_and_stay_short() -> None:
    article = doc(
        article_text(title="T", url="https://example.com/index.html?id=7", provider=None, topics=["T"])
    )
    assert search_keywords(article, "2024-01-01-1234.md") is None
    long_slug = "-".join(f"word{n}x" for n in range(100))
    article = doc(article_text(url=f"https://example.com/{long_slug}", provider=None))
    words = search_keywords(article, "a.md")
    assert words is not None and len(words.split()) == MAX_KEYWORDS


def write_files(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


async def sync_files(db: Database, folder: Path, files: dict[str, str]) -> None:
    await ContentSync(db, write_files(folder, files), display_prefix="content").sync(push_existing=True)


async def titles(db: Database, query: str) -> list[str]:
    async with db.read() as session:
        return [article.title for article in await search_articles(session, query, LATER)]


async def test_galaxy_is_found_by_its_slug_and_the_other_words_by_where_they_sit(
    db: Database, tmp_path: Path
) -> None:
    await sync_files(
        db,
        tmp_path / "content",
        {
            "a.md": article_text(
                title="Das neue Modell", url="https://example.com/phones/galaxy", excerpt="Die Galaxie ist da"
            ),
            "2019-08-19-microsoft-dataverse-news.md": article_text(
                title="Short title", url="https://example.com/p?id=1", excerpt="Nothing more"
            ),
            "c.md": article_text(
                title="Another",
                url="https://example.com/p?id=2",
                provider="Contoso Weekly",
                topics=["Power Apps"],
            ),
        },
    )
    assert await titles(db, "galaxy") == ["Das neue Modell"]
    assert await titles(db, "dataverse") == ["Short title"], "a word of the file name only"
    assert await titles(db, "contoso") == ["Another"], "the source's name"
    assert await titles(db, "power apps") == ["Another"], "a topic of several words"
    assert await titles(db, "galax") == ["Das neue Modell"], "as a prefix too"


async def test_a_title_or_excerpt_hit_outranks_a_keyword_hit(db: Database, tmp_path: Path) -> None:
    await sync_files(
        db,
        tmp_path / "content",
        {
            # Found only by its slug, and the newest: on bm25 alone a short keywords column would win.
            "z-rover.md": article_text(
                title="Mission update",
                url="https://example.com/rover",
                excerpt="x",
                published=LATER - timedelta(hours=1),
            ),
            "a.md": article_text(
                title="A long report on the state of planetary exploration with a rover among many machines "
                + "and many other words that make this title long " * 4,
                url="https://example.com/report",
                excerpt="many words " * 60,
                published=LATER - timedelta(hours=5),
            ),
            "b.md": article_text(
                title="Budget",
                url="https://example.com/budget",
                excerpt="and the rover too",
                published=LATER - timedelta(hours=4),
            ),
        },
    )
    found = await titles(db, "rover")
    assert found[-1] == "Mission update" and len(found) == 3
    assert (await titles(db, "rov"))[-1] == "Mission update"
