from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from storage.content.parsing import parse_article
from storage.content.validation import ValidationReport, validate_folder

LANGUAGES = ("en", "de")  # the bot's catalogues (bot/texts/registry.py)

ROOT = Path(__file__).parents[3]
CONTENT = ROOT / "content"
HOSTILE = ROOT / "tests" / "data" / "hostile"

# Each hostile file and the reason it is refused (a substring of its one error line).
HOSTILE_REASONS = {
    "bad-date.md": ":4: error: field 'publishedDateTime' is not a date and time: 'next Tuesday'",
    "billion-laughs.md": ":6: error: YAML anchors are not supported (&a)",
    "binary.md": ": error: binary file (contains NUL bytes)",
    "boolean-title.md": ":2: error: field 'title' must be text, got a boolean (yes); put the value in quotes",
    "duplicate-key.md": ":6: error: duplicate key 'title' (first on line 2)",
    "empty-title.md": ":2: error: field 'title' is empty",
    "empty.md": ": error: file is empty",
    "javascript-amp-url.md": ":6: error: field 'ampWebUrl' must be an absolute http or https URL",
    "javascript-url.md": ":3: error: field 'webUrl' must be an absolute http or https URL, "
    "got 'javascript:alert(document.cookie)'",
    "malformed-yaml.md": ":7: error: malformed YAML: did not find expected ',' or ']'",
    "missing-title.md": ": error: missing required field 'title'",
    "no-front-matter.md": ":1: error: no front matter: the file must start with a '---' line",
    "non-utf8.md": ":2: error: file is not valid UTF-8 (byte 0xe9)",
    "not-a-mapping.md": ":2: error: front matter must be a mapping of fields",
    "python-tag.md": ":2: error: unsupported YAML tag !!python/object/apply:os.system",
    "quality-boolean.md": ":6: error: field 'quality' must be a whole number, got a boolean (yes)",
    "quality-out-of-range.md": ":6: error: field 'quality' must be a whole number of at least 0, got -5",
    "topics-not-a-list.md": ":5: error: field 'topics' must be a list",
    "unclosed-front-matter.md": ":1: error: front matter is not closed",
}


def test_shipped_content_is_valid() -> None:
    report = validate_folder(CONTENT, "content", 1 << 20, languages=LANGUAGES)
    assert [str(diagnostic) for diagnostic in report.diagnostics] == []
    assert report.articles_ok >= 15
    assert report.summary_line() == f"{report.articles_ok} articles ok, 0 files with errors, 0 warnings"
    topics = {topic for article in report.articles.values() for topic in article.topics}
    canonical = set(report.catalog.canonical_names(topics))
    assert len(canonical) >= 5
    assert canonical <= {entry.name for entry in report.catalog}, "every topic in use has a catalogue entry"
    assert any(article.body for article in report.articles.values())
    assert any("/" in path.removeprefix("content/") for path in report.articles)
    hosts = {article.url_key.split("/")[2] for path, article in report.articles.items() if "seed" not in path}
    assert hosts <= {"example.com", "example.org", "news.example.net"}


def test_every_hostile_file_is_refused_for_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # python-tag.md would create ./hostile-marker if anything ran it
    report = validate_folder(HOSTILE, "hostile", 1 << 20, languages=LANGUAGES)
    errors = {d.path.removeprefix("hostile/"): str(d) for d in report.diagnostics if d.is_error}
    assert sorted(errors) == sorted(HOSTILE_REASONS)
    for name, expected in HOSTILE_REASONS.items():
        assert f"hostile/{name}{expected}" in errors[name]
    assert len(report.diagnostics) == len(HOSTILE_REASONS), "one line per hostile file"
    assert list(report.articles) == ["hostile/duplicate-url-a.md"]
    assert report.files_with_errors == len(HOSTILE_REASONS)
    assert [str(d) for d in report.duplicates] == [
        "hostile/duplicate-url-b.md:3: duplicate: the same article as hostile/duplicate-url-a.md "
        "(https://example.com/story?id=7); hostile/duplicate-url-a.md is kept"
    ]
    named = set(HOSTILE_REASONS) | {"duplicate-url-a.md", "duplicate-url-b.md"}
    assert named == {path.name for path in HOSTILE.iterdir()}
    assert not (tmp_path / "hostile-marker").exists()


@pytest.mark.timeout(2)
def test_billion_laughs_is_refused_in_milliseconds() -> None:
    data = (HOSTILE / "billion-laughs.md").read_bytes()
    started = time.perf_counter()
    result = parse_article(data, "billion-laughs.md")
    assert time.perf_counter() - started < 0.05
    assert result.article is None


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def article(url: str, extra: str = "") -> str:
    return (
        f"---\ntitle: T\nwebUrl: {url}\npublishedDateTime: 2026-01-01T00:00:00Z\ntopics: [AI]\n{extra}---\n"
    )


def test_duplicates_keep_the_file_whose_path_sorts_first(tmp_path: Path) -> None:
    write(tmp_path, "b.md", article("https://example.com/x"))
    write(tmp_path, "a/z.md", article("https://EXAMPLE.com/x#top"))
    write(tmp_path, "a-b.md", article("https://example.com/x?utm_source=feed"))
    report = validate_folder(tmp_path, "content", 1 << 20, languages=LANGUAGES)
    assert list(report.articles) == ["content/a/z.md"]
    assert report.diagnostics == () and report.ok, "a story filed twice is no error"
    assert [str(d) for d in report.duplicates] == [
        "content/a-b.md:3: duplicate: the same article as content/a/z.md (https://example.com/x); "
        "content/a/z.md is kept",
        "content/b.md:3: duplicate: the same article as content/a/z.md (https://example.com/x); "
        "content/a/z.md is kept",
    ]
    assert report.summary_lines()[-1] == "duplicates: 2 files skipped, the same article as 1 file kept"


def test_report_counts_orders_and_names_files(tmp_path: Path) -> None:
    write(tmp_path, "z.md", article("https://example.com/z", "colour: blue\nshade: dark\n"))
    write(tmp_path, "sub/b.md", article("javascript:alert(1)", "quality: -900\n"))
    write(tmp_path, "a.md", article("https://example.com/a"))
    write(tmp_path, ".drafts/hidden.md", "not even front matter")
    write(tmp_path, "notes.txt", "ignored")
    write(tmp_path, "topics.yaml", "- name: AI\n- name: ai\n")
    report = validate_folder(tmp_path, "content/", 1 << 20, languages=LANGUAGES)
    assert [str(d) for d in report.diagnostics] == [
        "content/sub/b.md:3: error: field 'webUrl' must be an absolute http or https URL, got 'javascript:alert(1)'",
        "content/sub/b.md:6: error: field 'quality' must be a whole number of at least 0, got -900",
        "content/topics.yaml:2: error: 'ai' is already the name or an alias of 'AI' (line 1)",
    ]
    assert (report.files_checked, report.articles_ok, report.files_with_errors) == (3, 2, 2)
    assert (report.errors, report.warnings, report.ok) == (3, 0, False)
    assert report.summary_line() == "2 articles ok, 2 files with errors, 0 warnings"
    assert report.unknown_fields == {"colour": 1, "shade": 1}
    assert report.unknown_fields_line() == (
        "fields outside the format, kept without a warning: 'colour' (1 file), 'shade' (1 file)"
    )
    assert [entry.name for entry in report.catalog] == ["AI"]


def test_json_report_schema(tmp_path: Path) -> None:
    write(tmp_path, "a.md", article("https://example.com/a", "colour: blue\ncolor: red\n"))
    write(tmp_path, "b.md", "no front matter\n")
    write(tmp_path, "c.md", article("https://example.com/a#again", "publishedDateTime: 2026-01-01\n"))
    write(tmp_path, "d.md", article("https://example.com/d").replace("2026-01-01T00:00:00Z", "2026-01-01"))
    write(tmp_path, "e.md", article("https://example.com/a?utm_source=x"))
    report = validate_folder(tmp_path, "content", 1 << 20, languages=LANGUAGES)
    document = report.as_json()
    assert json.loads(json.dumps(document)) == {
        "version": 2,
        "folder": "content",
        "ok": False,
        "files_checked": 5,
        "articles_ok": 2,
        "files_with_errors": 2,
        "errors": 2,
        "warnings": 1,
        "duplicates_skipped": 1,
        "rejected_by_reason": {"duplicate key": 1, "no front matter": 1},
        "warnings_by_reason": {"date without time: 'publishedDateTime'": 1},
        "unknown_fields": {"color": 1, "colour": 1},
        "diagnostics": [
            {
                "path": "content/b.md",
                "line": 1,
                "severity": "error",
                "reason": "no front matter",
                "message": "no front matter: the file must start with a '---' line",
            },
            {
                "path": "content/c.md",
                "line": 6,
                "severity": "error",
                "reason": "duplicate key",
                "message": "duplicate key 'publishedDateTime' (first on line 4)",
            },
            {
                "path": "content/d.md",
                "line": 4,
                "severity": "warning",
                "reason": "date without time: 'publishedDateTime'",
                "message": "field 'publishedDateTime' has a date but no time; midnight UTC assumed",
            },
        ],
        "duplicates": [
            {"path": "content/e.md", "line": 3, "kept": "content/a.md", "url": "https://example.com/a"}
        ],
    }


def test_size_limit_and_unreadable_files_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "big.md", article("https://example.com/big", "excerpt: " + "x" * 500 + "\n"))
    outside = tmp_path.parent / f"{tmp_path.name}-outside.md"
    outside.write_text(article("https://example.com/outside"), encoding="utf-8")
    (tmp_path / "escape.md").symlink_to(outside)
    report = validate_folder(tmp_path, "content", 400, languages=LANGUAGES)
    assert [str(d) for d in report.diagnostics] == [
        "content/big.md: error: file is larger than the limit of 400 bytes",
        f"content/escape.md: error: symlink leads outside the content folder (to {outside})",
    ]


def test_missing_folder() -> None:
    report = validate_folder(ROOT / "no-such-folder", "no-such-folder", 1 << 20, languages=LANGUAGES)
    assert [str(d) for d in report.diagnostics] == ["no-such-folder: error: content folder not found"]
    assert report.summary_line() == "0 articles ok, 1 files with errors, 0 warnings"


def test_empty_folder_is_valid(tmp_path: Path) -> None:
    report = validate_folder(tmp_path, "content", 1 << 20, languages=LANGUAGES)
    assert report == ValidationReport("content", 0)
    assert report.ok


def test_progress_is_told_each_file_of_the_whole(tmp_path: Path) -> None:
    for n in range(3):
        write(tmp_path, f"{n}.md", article(f"https://example.com/{n}"))
    calls: list[tuple[str, int, int | None]] = []
    validate_folder(
        tmp_path, "content", 1 << 20, progress=lambda *call: calls.append(call), languages=LANGUAGES
    )
    assert calls == [("checking", 1, 3), ("checking", 2, 3), ("checking", 3, 3)]
