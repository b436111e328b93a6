"""CONTENT_EXCLUDE: which folders and files of a site's repository are left out, and that the walk skips them."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from storage.content.excludes import NOTHING_EXCLUDED, Excludes
from storage.content.files import is_article_path, walk_article_files

JEKYLL = Excludes.parse(" _site, _drafts/ ,node_modules,vendor, *.draft.md, _posts/2019*,, ")


def test_parsing_drops_spaces_slashes_and_empty_entries() -> None:
    assert JEKYLL.patterns == ("_site", "_drafts", "node_modules", "vendor", "*.draft.md", "_posts/2019*")
    assert Excludes.parse("") == NOTHING_EXCLUDED
    assert not NOTHING_EXCLUDED


@pytest.mark.parametrize(
    ("rel", "excluded"),
    [
        ("_site/index.md", True),
        ("_news/_site/x.md", True),  # a name matches at any depth
        ("_drafts/idea.md", True),
        ("vendor/bundle/ruby/3.2/gems/jekyll/README.md", True),
        ("_news/2024-05-01-story.draft.md", True),
        ("_posts/2019-08-19-power-apps.md", True),  # a path pattern: from the content folder
        ("_posts/2020-01-01-new.md", False),
        ("archive/_posts/2019-01-01-old.md", False),
        ("_news/2024-05-01-site-news.md", False),
        ("_news/vendors.md", False),
    ],
)
def test_names_match_anywhere_and_paths_from_the_top(rel: str, excluded: bool) -> None:
    assert JEKYLL.excludes(rel) == excluded
    assert is_article_path(PurePosixPath(rel), JEKYLL) == (not excluded)
    assert is_article_path(PurePosixPath(rel))  # nothing is excluded by default


def test_the_walk_never_enters_an_excluded_folder(tmp_path: Path) -> None:
    for rel in ("_news/2024-05-01-a.md", "_site/2024-05-01-a.md", "vendor/gem/README.md", "_drafts/b.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    assert [rel for rel, _ in walk_article_files(tmp_path, JEKYLL)] == ["_news/2024-05-01-a.md"]
    assert len(walk_article_files(tmp_path)) == 4
