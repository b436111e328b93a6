"""Checking a whole content folder without a database: ``newsbot validate``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from storage.content.article import ArticleDoc
from storage.content.channel_file import CHANNELS_FILE, load_channel_map
from storage.content.diagnostics import Diagnostic, Duplicate, outcome_lines, tally, unknown_fields_line
from storage.content.excludes import NOTHING_EXCLUDED, Excludes
from storage.content.files import Progress, display_path, read_article_file, walk_article_files
from storage.content.parsing import MAX_ARTICLE_BYTES, parse_article
from storage.content.topics import TopicCatalog, load_topic_catalog

TOPICS_FILE = "topics.yaml"
# The "version" of as_json(); raised when a field changes meaning or goes away. 2: duplicates are no longer
# errors in "diagnostics" but a list of their own; every diagnostic has a "reason".
REPORT_VERSION = 2


@dataclass(frozen=True)
class ValidationReport:
    """What ``validate_folder`` found: the good articles and every diagnostic, ordered by path then line."""

    folder: str
    files_checked: int
    articles: dict[str, ArticleDoc] = field(default_factory=dict)  # display path -> article, errors excluded
    diagnostics: tuple[Diagnostic, ...] = ()
    catalog: TopicCatalog = field(default_factory=TopicCatalog)
    unknown_fields: dict[str, int] = field(default_factory=dict)  # field outside the format -> files with it
    duplicates: tuple[Duplicate, ...] = ()  # files skipped because another file holds their article

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
        line = f"{articles} articles ok, {failed} files with errors, {warnings} warnings"
        if self.duplicates:
            line += f", {len(self.duplicates)} duplicates skipped"
        return line

    def summary_lines(self) -> list[str]:
        """The operator's summary: a headline, then rejected files and warnings by reason, the duplicates
        and the fields outside the format."""
        where = f" in {self.folder}" if self.folder else ""
        headline = f"checked {self.files_checked:,} files{where}: {self.summary_line()}"
        return [headline, *outcome_lines(self.diagnostics, self.duplicates, self.unknown_fields)]

    def unknown_fields_line(self) -> str | None:
        """Fields outside the format, named once for the folder (they draw no warning per file)."""
        return unknown_fields_line(self.unknown_fields)

    def as_json(self) -> dict[str, Any]:
        """The report as plain JSON values; the schema is documented in docs/content-format.md."""
        counts = tally(self.diagnostics)
        return {
            "version": REPORT_VERSION,
            "folder": self.folder,
            "ok": self.ok,
            "files_checked": self.files_checked,
            "articles_ok": self.articles_ok,
            "files_with_errors": self.files_with_errors,
            "errors": self.errors,
            "warnings": self.warnings,
            "duplicates_skipped": len(self.duplicates),
            "rejected_by_reason": counts.rejected,
            "warnings_by_reason": counts.warnings,
            "unknown_fields": dict(sorted(self.unknown_fields.items())),
            "diagnostics": [diagnostic.as_dict() for diagnostic in self.diagnostics],
            "duplicates": [duplicate.as_dict() for duplicate in self.duplicates],
        }


def validate_folder(
    root: Path,
    display_prefix: str,
    max_bytes: int = MAX_ARTICLE_BYTES,
    excludes: Excludes = NOTHING_EXCLUDED,
    progress: Progress | None = None,
    *,
    languages: Collection[str],
) -> ValidationReport:
    """Read and check every article under ``root``, its ``topics.yaml`` and ``channels.yaml``, as the bot
    would load them (channels are checked as a file: whether Telegram knows them is the bot's to find out;
    ``languages``: the catalogues a channel may choose).

    Two files with the same normalized ``webUrl`` are one article twice: the file whose relative path sorts
    first is kept, the other is a duplicate (skipped, not an error). Diagnostics name files as
    ``display_prefix``/relative path.
    """
    if not root.is_dir():
        missing = Diagnostic(display_prefix or ".", "error", "content folder not found")
        return ValidationReport(display_prefix, 0, diagnostics=(missing,))
    ordered: list[tuple[tuple[str, ...], int, Diagnostic]] = []
    articles: dict[str, ArticleDoc] = {}
    owners: dict[str, str] = {}  # url_key -> display path of the file that has it
    unknown: Counter[str] = Counter()
    duplicates: list[Duplicate] = []
    files = walk_article_files(root, excludes)
    for files_checked, (rel, path) in enumerate(files, start=1):
        shown = display_path(display_prefix, rel)
        checked = _check(Path(path), root, shown, max_bytes, articles, owners, unknown, duplicates)
        parts = PurePosixPath(rel).parts
        ordered.extend((parts, diagnostic.line or 0, diagnostic) for diagnostic in checked)
        if progress is not None:
            progress("checking", files_checked, len(files))

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
        _, channel_diagnostics = load_channel_map(
            channels_path, display_path(display_prefix, CHANNELS_FILE), languages=languages
        )
        parts = PurePosixPath(CHANNELS_FILE).parts
        ordered.extend((parts, diagnostic.line or 0, diagnostic) for diagnostic in channel_diagnostics)

    ordered.sort(key=lambda item: item[:2])
    report = tuple(diagnostic for _, _, diagnostic in ordered)
    return ValidationReport(
        display_prefix, len(files), articles, report, catalog, dict(unknown), tuple(duplicates)
    )


def _check(
    path: Path,
    root: Path,
    shown: str,
    max_bytes: int,
    articles: dict[str, ArticleDoc],
    owners: dict[str, str],
    unknown: Counter[str],
    duplicates: list[Duplicate],
) -> tuple[Diagnostic, ...]:
    """One file's diagnostics; a good article joins ``articles`` unless another file owns its URL (then
    the file joins ``duplicates``)."""
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
        link_line = parsed.lines.get("webUrl") or parsed.lines.get("originalUrl")
        duplicates.append(Duplicate(shown, owner, article.url_key, link_line))
        return ()  # a skipped file's own warnings do not matter to anyone: the kept file is what is served
    articles[shown] = article
    return read.diagnostics + parsed.diagnostics
