"""Issue 16's acceptance on a generated real-looking collection: nothing sendable is rejected, warnings only on
real defects, and every video and logo-only article is stored with what its push needs."""

from __future__ import annotations

from pathlib import Path

from storage.content.validation import validate_folder
from tests.wild_corpus import write_corpus

LANGUAGES = ("en", "de")  # the bot's catalogues (bot/texts/registry.py)


def test_a_real_looking_collection_loads_whole_and_quietly(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path, files=700)
    assert corpus.videos > 50 and corpus.without_images > 40 and corpus.duplicates > 0
    report = validate_folder(tmp_path, "site", 1 << 20, languages=LANGUAGES)
    assert report.files_checked == 700
    assert report.articles_ok == 700 - corpus.duplicates  # nothing sendable rejected
    assert report.ok and report.errors == 0
    assert len(report.duplicates) == corpus.duplicates  # reported once each, as skipped, not as errors
    assert report.warnings <= 0.05 * 700
    assert report.unknown_fields == {"layout": 700}  # Jekyll's own field: named once, never per file
    videos = [a for a in report.articles.values() if a.is_video]
    assert len(videos) == corpus.videos  # each once: a duplicate of one is the same story
    assert all(v.web_url.startswith("https://www.youtube.com/watch?v=") and v.player_url for v in videos)
    assert max(a.quality or 0 for a in report.articles.values()) > 100  # an unbounded scale is accepted
