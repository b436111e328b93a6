"""The disk side of a sync: which content files changed since the database last saw them."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from storage.content.article import ArticleDoc
from storage.content.diagnostics import Diagnostic, Duplicate
from storage.content.excludes import NOTHING_EXCLUDED, Excludes
from storage.content.files import Progress, display_path, read_article_file, walk_article_files
from storage.content.parsing import parse_article


@dataclass(frozen=True, slots=True)
class KnownFile:
    """What the database remembers of a file."""

    size: int
    mtime_ns: int
    content_hash: str
    article_id: int | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class ChangedFile:
    """A file whose content differs from what the database holds: parsed, or failed to parse."""

    path: str
    size: int
    mtime_ns: int
    content_hash: str
    article: ArticleDoc | None
    diagnostics: tuple[Diagnostic, ...]
    duplicate: Duplicate | None = None  # another file holds this file's article: this one is skipped
    unknown_fields: frozenset[str] = frozenset()  # fields outside the format (ParseResult.unknown_fields)


@dataclass(slots=True)
class FolderState:
    """The stat pass: which files exist, and which must be read because their size or mtime moved."""

    present: set[str] = field(default_factory=set)
    unchanged: int = 0
    to_read: list[str] = field(default_factory=list)  # sorted, like the walk
    deferred: list[str] = field(default_factory=list)  # modified too recently to be complete
    gone: set[str] = field(default_factory=set)


@dataclass(slots=True)
class ReadResult:
    """Files read, hashed and parsed in one batch."""

    touched: list[tuple[str, int, int]] = field(default_factory=list)  # same bytes, new size/mtime
    changed: list[ChangedFile] = field(default_factory=list)
    unreadable: list[ChangedFile] = field(default_factory=list)  # vanished, too big, outside the folder


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def stat_folder(
    root: Path,
    known: Mapping[str, KnownFile],
    progress: Progress | None = None,
    *,
    settle_seconds: float = 0.0,
    excludes: Excludes = NOTHING_EXCLUDED,
) -> FolderState:
    """Stat every article file; files that failed last time are read again, so errors are re-reported (and
    a duplicate takes over its article when the file that held it goes).

    A file modified less than ``settle_seconds`` ago may still be being written: it is left for a later
    sync (``deferred``) instead of being read half-way.
    """
    state = FolderState()
    settle_ns = int(settle_seconds * 1e9)
    now_ns = time.time_ns()
    files = walk_article_files(root, excludes)
    for count, (rel, path) in enumerate(files, start=1):
        if progress is not None:
            progress("scanning", count, len(files))
        state.present.add(rel)
        seen = known.get(rel)
        try:
            stat = os.stat(path)
        except OSError:
            stat = None
        if (
            stat is not None
            and seen is not None
            and seen.last_error is None
            and (stat.st_size, stat.st_mtime_ns) == (seen.size, seen.mtime_ns)
        ):
            state.unchanged += 1
        elif stat is not None and now_ns - stat.st_mtime_ns < settle_ns:
            state.deferred.append(rel)
        else:
            state.to_read.append(rel)
    state.gone = set(known) - state.present
    return state


def read_files(
    root: Path, rels: Sequence[str], good_hashes: Mapping[str, str], display_prefix: str, max_bytes: int
) -> ReadResult:
    """Read, hash and parse ``rels``; a file whose bytes match its last good hash is only "touched".

    A plain function of picklable arguments, so large imports can run it in a worker process.
    """
    result = ReadResult()
    for rel in rels:
        shown = display_path(display_prefix, rel)
        read = read_article_file(root / rel, root, shown, max_bytes)
        if read.data is None:
            result.unreadable.append(ChangedFile(rel, read.size, read.mtime_ns, "", None, read.diagnostics))
            continue
        digest = content_hash(read.data)
        if good_hashes.get(rel) == digest:
            result.touched.append((rel, read.size, read.mtime_ns))
            continue
        parsed = parse_article(read.data, shown, max_bytes)
        diagnostics = read.diagnostics + parsed.diagnostics
        result.changed.append(
            ChangedFile(
                rel,
                read.size,
                read.mtime_ns,
                digest,
                parsed.article,
                diagnostics,
                None,
                parsed.unknown_fields,
            )
        )
    return result
