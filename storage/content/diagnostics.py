"""Diagnostics: the one-line errors and warnings reported for content files, the duplicates a folder holds,
and the operator's summary of them (how many files, for which reasons)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in one file, printed as ``PATH:LINE: severity: MESSAGE``.

    ``reason`` names the kind of problem without this file's particulars (``missing field 'title'``), so a
    summary can count files by it; when empty, the message is the reason.
    """

    path: str
    severity: Severity
    message: str
    line: int | None = None
    reason: str = field(default="", compare=False)

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def kind(self) -> str:
        return self.reason or self.message

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "severity": self.severity,
            "reason": self.kind,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A file whose article another file already holds (the same normalized ``webUrl``): that file is kept,
    this one is skipped. Not an error: a site often files one story twice."""

    path: str
    kept: str
    url_key: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: duplicate: the same article as {self.kept} ({self.url_key}); {self.kept} is kept"

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "kept": self.kept, "url": self.url_key}


@dataclass(frozen=True)
class Tally:
    """Files rejected and warnings, counted by reason, most frequent first."""

    rejected: dict[str, int] = field(default_factory=dict)  # reason -> files rejected with it
    warnings: dict[str, int] = field(default_factory=dict)  # reason -> warnings of it
    files_warned: int = 0


def tally(diagnostics: Iterable[Diagnostic]) -> Tally:
    """Count each rejected file once per reason it has, and every warning."""
    rejected: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    warned: set[str] = set()
    for diagnostic in diagnostics:
        if diagnostic.is_error:
            if (diagnostic.path, diagnostic.kind) not in seen:
                seen.add((diagnostic.path, diagnostic.kind))
                rejected[diagnostic.kind] += 1
        else:
            warnings[diagnostic.kind] += 1
            warned.add(diagnostic.path)
    return Tally(_ranked(rejected), _ranked(warnings), len(warned))


def _ranked(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def outcome_lines(
    diagnostics: Sequence[Diagnostic],
    duplicates: Sequence[Duplicate],
    unknown_fields: Mapping[str, int],
    *,
    most: int = 10,
) -> list[str]:
    """The summary's lines after its headline: rejected files and warnings by reason, duplicates, fields
    outside the format. Empty sections are left out."""
    counts = tally(diagnostics)
    lines: list[str] = []
    files_rejected = len({d.path for d in diagnostics if d.is_error})
    if files_rejected:
        lines.append(f"rejected: {_plural(files_rejected, 'file')}")
        lines.extend(_by_reason(counts.rejected, most))
    if counts.warnings:
        total = sum(counts.warnings.values())
        lines.append(f"warnings: {total} in {_plural(counts.files_warned, 'file')}")
        lines.extend(_by_reason(counts.warnings, most))
    if duplicates:
        kept = len({duplicate.kept for duplicate in duplicates})
        lines.append(
            f"duplicates: {_plural(len(duplicates), 'file')} skipped, "
            f"the same article as {_plural(kept, 'file')} kept"
        )
    unknown = unknown_fields_line(unknown_fields, most)
    if unknown:
        lines.append(unknown)
    return lines


def _by_reason(counts: Mapping[str, int], most: int) -> list[str]:
    ranked = list(counts.items())
    lines = [f"  {n:>6}  {reason}" for reason, n in ranked[:most]]
    if len(ranked) > most:
        lines.append(f"  {sum(n for _, n in ranked[most:]):>6}  other reasons ({len(ranked) - most})")
    return lines


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def unknown_fields_line(counts: Mapping[str, int], most: int = 10) -> str | None:
    """``fields outside the format, kept without a warning: layout (700 files), tags (12 files)``, or None."""
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = ", ".join(f"{name!r} ({_plural(n, 'file')})" for name, n in ranked[:most])
    more = f" and {len(ranked) - most} more" if len(ranked) > most else ""
    return f"fields outside the format, kept without a warning: {shown}{more}"
