from __future__ import annotations

from pathlib import Path

from storage.content.diagnostics import Diagnostic, Duplicate, outcome_lines, tally, unknown_fields_line
from storage.content.validation import validate_folder

LANGUAGES = ("en", "de")  # the bot's catalogues (bot/texts/registry.py)

HOSTILE = Path(__file__).parents[2] / "data" / "hostile"


def error(path: str, reason: str, message: str = "") -> Diagnostic:
    return Diagnostic(path, "error", message or f"{reason} here", 1, reason)


def warning(path: str, reason: str) -> Diagnostic:
    return Diagnostic(path, "warning", f"{reason} here", 2, reason)


def test_a_reason_groups_messages_and_is_no_part_of_equality() -> None:
    assert Diagnostic("a.md", "error", "m", 1, "r") == Diagnostic("a.md", "error", "m", 1)
    assert Diagnostic("a.md", "error", "m").kind == "m", "without a reason the message is one"
    assert Diagnostic("a.md", "error", "m", reason="r").as_dict()["reason"] == "r"


def test_tally_counts_a_rejected_file_once_per_reason_and_every_warning() -> None:
    counts = tally(
        [
            error("a.md", "missing field 'title'"),
            error("a.md", "missing field 'title'", "the same reason twice in one file"),
            error("a.md", "malformed YAML"),
            error("b.md", "missing field 'title'"),
            warning("c.md", "likely misspelt field name"),
            warning("c.md", "likely misspelt field name"),
            warning("d.md", "date without time: 'publishedDateTime'"),
        ]
    )
    assert counts.rejected == {"missing field 'title'": 2, "malformed YAML": 1}
    assert list(counts.warnings.items()) == [
        ("likely misspelt field name", 2),
        ("date without time: 'publishedDateTime'", 1),
    ]
    assert counts.files_warned == 2


def test_outcome_lines_show_reasons_duplicates_and_unknown_fields() -> None:
    diagnostics = [error("a.md", "malformed YAML"), error("b.md", "malformed YAML"), warning("c.md", "w")]
    duplicates = [Duplicate("x.md", "k.md", "https://e.com/1"), Duplicate("y.md", "k.md", "https://e.com/1")]
    assert outcome_lines(diagnostics, duplicates, {"layout": 1200}) == [
        "rejected: 2 files",
        "       2  malformed YAML",
        "warnings: 1 in 1 file",
        "       1  w",
        "duplicates: 2 files skipped, the same article as 1 file kept",
        "fields outside the format, kept without a warning: 'layout' (1,200 files)",
    ]
    assert outcome_lines([], [], {}) == []


def test_outcome_lines_fold_rare_reasons() -> None:
    diagnostics = [error(f"{n}.md", f"reason {n}") for n in range(5)]
    assert outcome_lines(diagnostics, [], {}, most=3)[-1] == "       2  other reasons (2)"


def test_unknown_fields_line_names_the_most_common_first() -> None:
    line = unknown_fields_line({"tags": 3, "layout": 700, "z": 1}, most=2)
    assert line == (
        "fields outside the format, kept without a warning: 'layout' (700 files), 'tags' (3 files) and 1 more"
    )
    assert unknown_fields_line({}) is None


def test_every_hostile_file_has_a_reason_of_its_kind() -> None:
    report = validate_folder(HOSTILE, "hostile", 1 << 20, languages=LANGUAGES)
    reasons = {d.path.removeprefix("hostile/"): d.kind for d in report.diagnostics if d.is_error}
    assert reasons == {
        "bad-date.md": "invalid field 'publishedDateTime'",
        "billion-laughs.md": "unsupported YAML",
        "binary.md": "binary file",
        "boolean-title.md": "invalid field 'title'",
        "duplicate-key.md": "duplicate key",
        "empty-title.md": "empty field 'title'",
        "empty.md": "empty file",
        "javascript-amp-url.md": "invalid field 'ampWebUrl'",
        "javascript-url.md": "invalid field 'webUrl'",
        "malformed-yaml.md": "malformed YAML",
        "missing-title.md": "missing field 'title'",
        "no-front-matter.md": "no front matter",
        "non-utf8.md": "not UTF-8",
        "not-a-mapping.md": "front matter not a mapping",
        "python-tag.md": "unsupported YAML",
        "quality-boolean.md": "invalid field 'quality'",
        "quality-out-of-range.md": "invalid field 'quality'",
        "topics-not-a-list.md": "invalid field 'topics'",
        "unclosed-front-matter.md": "front matter not closed",
    }
