"""Checking a whole content folder without a database: ``newsbot validate``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from storage.content.article import ArticleDoc
from storage.content.channel_file import CHANNELS_FILE, load_channel_map
from storage.content.diagnostics import Diagnostic
from storage.content.excludes import NOTHING_EXCLUDED, Excludes
from storage.content.files import display_path, iter_article_files, read_article_file
from storage.content.parsing import MAX_ARTICLE_BYTES, parse_article
from storage.content.topics import TopicCatalog, load_topic_catalog

TOPICS_FILE = "topics.yaml"
REPORT_VERSION = 1  # the "version" of as_json(); raised when a field changes meaning or goes away


@dataclass(frozen=True)
class ValidationReport:
    """What ``validate_folder`` found: the good articles and every diagnostic, ordered by path then line."""

    folder: str
    files_checked: int
    articles: dict[str, ArticleDoc] = field(default_factory=dict)  # display path -> article, errors excluded
    diagnostics: tuple[Diagnostic, ...] = ()
    catalog: TopicCatalog = field(default_factory=TopicCatalog)
    unknown_fields: dict[str, int] = field(default_factory=dict)  # field outside the format -> files with it

    @property
    def articles_ok(self) -> int:
        return len(self.articles)

    @property
    def files_with_errors(self) -> int:
        return len({diagnostic.path for diagnostic in self.diagnostics if diagnostic.is_error})

    @property
    def errors(self) -> int:
        return sum(diagnostic.is_error for diagnostic in self.diagnostics)

    @property
    def warnings(self) -> int:
        return len(self.diagnostics) - self.errors

    @property
    def ok(self) -> bool:
        return self.files_with_errors == 0

    def summary_line(self) -> str:
        articles, failed, warnings = self.articles_ok, self.files_with_errors, self.warnings
        return f"{articles} articles ok, {failed} files with errors, {warnings} warnings"

    def unknown_fields_line(self) -> str | None:
        """Fields outside the format, named once for the folder (they draw no warning per file)."""
        return unknown_fields_line(self.unknown_fields)

    def as_json(self) -> dict[str, Any]:
        """The report as plain JSON values; the schema is documented in docs/content-format.md."""
        return {
            "version": REPORT_VERSION,
            "folder": self.folder,
            "ok": self.ok,
            "files_checked": self.files_checked,
            "articles_ok": self.articles_ok,
            "files_with_errors": self.files_with_errors,
            "errors": self.errors,
            "warnings": self.warnings,
            "unknown_fields": dict(sorted(self.unknown_fields.items())),
            "diagnostics": [diagnostic.as_dict() for diagnostic in self.diagnostics],
        }


def validate_folder(
    root: Path, display_prefix: str, max_bytes: int = MAX_ARTICLE_BYTES, excludes: Excludes = NOTHING_EXCLUDED
) -> ValidationReport:
    """Read and check every article under ``root``, its ``topics.yaml`` and ``channels.yaml``, as the bot
    would load them (channels are checked as a file: whether Telegram knows them is the bot's to find out).

    Two files with the same normalized ``webUrl`` are one article twice: the file whose relative path sorts
    first is kept, the other is an error. Diagnostics name files as ``display_prefix``/relative path.
    """
    if not root.is_dir():
        missing = Diagnostic(display_prefix or ".", "error", "content folder not found")
        return ValidationReport(display_prefix, 0, diagnostics=(missing,))
    ordered: list[tuple[tuple[str, ...], int, Diagnostic]] = []
    articles: dict[str, ArticleDoc] = {}
    owners: dict[str, str] = {}  # url_key -> display path of the file that has it
    unknown: Counter[str] = Counter()
    files_checked = 0
    for path in iter_article_files(root, excludes):
        files_checked += 1
        rel = path.relative_to(root)
        shown = display_path(display_prefix, rel.as_posix())
        checked = _check(path, root, shown, max_bytes, articles, owners, unknown)
        ordered.extend((rel.parts, diagnostic.line or 0, diagnostic) for diagnostic in checked)

    catalog = TopicCatalog()
    topics_path = root / TOPICS_FILE
    if topics_path.exists():
        catalog, catalog_diagnostics = load_topic_catalog(
            topics_path, display_path(display_prefix, TOPICS_FILE), max_bytes
        )
        parts = PurePosixPath(TOPICS_FILE).parts
        ordered.extend((parts, diagnostic.line or 0, diagnostic) for diagnostic in catalog_diagnostics)
    channels_path = root / CHANNELS_FILE
    if channels_path.exists():
        _, channel_diagnostics = load_channel_map(channels_path, display_path(display_prefix, CHANNELS_FILE))
        parts = PurePosixPath(CHANNELS_FILE).parts
        ordered.extend((parts, diagnostic.line or 0, diagnostic) for diagnostic in channel_diagnostics)

    ordered.sort(key=lambda item: item[:2])
    report = tuple(diagnostic for _, _, diagnostic in ordered)
    return ValidationReport(display_prefix, files_checked, articles, report, catalog, dict(unknown))


def _check(
    path: Path,
    root: Path,
    shown: str,
    max_bytes: int,
    articles: dict[str, ArticleDoc],
    owners: dict[str, str],
    unknown: Counter[str],
) -> tuple[Diagnostic, ...]:
    """One file's diagnostics; a good article joins ``articles`` unless another file owns its URL."""
    read = read_article_file(path, root, shown, max_bytes)
    if read.data is None:
        return read.diagnostics
    parsed = parse_article(read.data, shown, max_bytes)
    unknown.update(parsed.unknown_fields)
    article = parsed.article
    if article is None:
        return read.diagnostics + parsed.diagnostics
    owner = owners.setdefault(article.url_key, shown)
    if owner != shown:
        message = (
            f"duplicate webUrl: {shown} and {owner} are the same article ({article.url_key}); {owner} is kept"
        )
        duplicate = Diagnostic(shown, "error", message, parsed.lines.get("webUrl"))
        return (*read.diagnostics, *parsed.diagnostics, duplicate)
    articles[shown] = article
    return read.diagnostics + parsed.diagnostics


def unknown_fields_line(counts: dict[str, int], most: int = 10) -> str | None:
    """``fields outside the format, kept without a warning: layout (700 files), tags (12 files)``, or None."""
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = ", ".join(f"{name!r} ({n} file{'s' if n != 1 else ''})" for name, n in ranked[:most])
    more = f" and {len(ranked) - most} more" if len(ranked) > most else ""
    return f"fields outside the format, kept without a warning: {shown}{more}"
