"""Article files on disk: which files are articles, and reading one safely while the folder is live.

Operators (and sync tools) edit the folder while the bot runs, so a read can race a write, a rename or a
delete. A read that raced is reported rather than parsed half-written; the watcher tries again later.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath

from storage.content.diagnostics import Diagnostic
from storage.content.excludes import NOTHING_EXCLUDED, Excludes

ARTICLE_SUFFIX = ".md"
# Editor and transfer leftovers (``a.md~``, ``a.md.swp``, ``a.md.tmp``, ``a.md.part``) never end in ``.md``,
# so the suffix rule alone ignores them; they are listed for the documentation and the tests.
LEFTOVER_SUFFIXES = ("~", ".swp", ".tmp", ".part")
# Told how a long pass over a folder goes: (phase, files done, files in all or None while still counting).
Progress = Callable[[str, int, int | None], None]
_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
)


@dataclass(frozen=True, slots=True)
class FileRead:
    """The bytes of one article file, or None with the reason in ``diagnostics``; size and mtime as read."""

    data: bytes | None
    size: int
    mtime_ns: int
    diagnostics: tuple[Diagnostic, ...] = ()


def display_path(prefix: str, rel: str) -> str:
    """How diagnostics name a file: the folder as the operator typed it, then the path inside it."""
    return f"{prefix.rstrip('/')}/{rel}" if prefix else rel


def is_article_path(rel: PurePath, excludes: Excludes = NOTHING_EXCLUDED) -> bool:
    """Whether a path relative to the content folder is an article: ``*.md``, nothing hidden or excluded on
    the way."""
    if any(part.startswith(".") for part in rel.parts) or excludes.excludes(rel.as_posix()):
        return False
    return _is_article_name(rel.name)


def _is_article_name(name: str) -> bool:
    return name.endswith(ARTICLE_SUFFIX) and not name.endswith(LEFTOVER_SUFFIXES)


def iter_article_files(root: Path, excludes: Excludes = NOTHING_EXCLUDED) -> Iterator[Path]:
    """Every article under ``root``, sorted by relative path (part by part)."""
    for _rel, path in walk_article_files(root, excludes):
        yield Path(path)


def walk_article_files(root: Path, excludes: Excludes = NOTHING_EXCLUDED) -> list[tuple[str, str]]:
    """Every article under ``root`` as (path relative to it, POSIX-style; full path), sorted part by part.

    Hidden and excluded folders are skipped and symlinked folders are not entered: one outside the folder would import
    files the operator did not put there, one inside would list every article twice. Plain strings, not
    ``Path`` objects: building those cost half of a sync that finds nothing new at 100,000 files.
    """
    found: list[tuple[str, str]] = []
    pending: list[tuple[str, str]] = [(os.fspath(root), "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except (FileNotFoundError, NotADirectoryError):  # removed while we walked: nothing left to read
            continue
        for entry in listed:
            if entry.name.startswith("."):
                continue
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if excludes and excludes.excludes(prefix + entry.name):
                continue
            if is_folder:
                pending.append((entry.path, f"{prefix}{entry.name}/"))
            elif _is_article_name(entry.name):
                found.append((f"{prefix}{entry.name}", entry.path))
    # Part by part: "a/b" before "a-b". No name holds a NUL, which sorts before every other character.
    found.sort(key=lambda item: item[0].replace("/", "\0"))
    return found


def read_article_file(path: Path, root: Path, display: str, max_bytes: int) -> FileRead:
    """Read one article, never more than ``max_bytes`` + 1 bytes, and only if it stood still meanwhile."""
    size = mtime_ns = 0

    def failure(message: str, reason: str = "unreadable file") -> FileRead:
        return FileRead(None, size, mtime_ns, (Diagnostic(display, "error", message, reason=reason),))

    try:
        target = _target(path, root)
        descriptor = os.open(target, _OPEN_FLAGS)
        try:
            opened = os.fstat(descriptor)
            size, mtime_ns = opened.st_size, opened.st_mtime_ns
            if not stat.S_ISREG(opened.st_mode):
                return failure("not a regular file")
            if opened.st_size > max_bytes:
                return failure(f"file is larger than the limit of {max_bytes} bytes", "file too large")
            data = _read_at_most(descriptor, max_bytes + 1)
        finally:
            os.close(descriptor)
        after = os.stat(target)  # by name: a rename over the file shows as a new inode
    except _Refused as refusal:
        return failure(str(refusal))
    except FileNotFoundError:
        return failure("file vanished while being read")
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW: a symlink was swapped in after the check
            return failure("file changed while being read")
        return failure(f"cannot read file: {error.strerror or error}")
    size, mtime_ns = after.st_size, after.st_mtime_ns
    if len(data) > max_bytes:
        return failure(f"file is larger than the limit of {max_bytes} bytes", "file too large")
    if _fingerprint(opened) != _fingerprint(after) or len(data) != size:
        return failure("file changed while being read")
    return FileRead(data, size, mtime_ns)


class _Refused(Exception):
    """A symlink that must not be followed; the message is the diagnostic."""


def _target(path: Path, root: Path) -> str:
    """The file to open: ``path`` itself, or where its symlinks lead when that is inside ``root``.

    Resolving every path costs more than parsing a small article, so only paths that pass through a
    symlink (or are not plainly below ``root``) are resolved.
    """
    text, base = os.fspath(path), os.fspath(root)
    if not _through_symlink(text, base):
        return text
    try:
        real = os.path.realpath(text, strict=True)
    except FileNotFoundError:
        raise _Refused("broken symlink: its target does not exist") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _Refused("symlink loop") from None
        raise
    real_base = os.path.realpath(base)
    if real != real_base and not real.startswith(real_base.rstrip(os.sep) + os.sep):
        raise _Refused(f"symlink leads outside the content folder (to {real})")
    return real


def _through_symlink(text: str, base: str) -> bool:
    """Whether the file, or a folder between it and ``base``, is a symlink or the path leaves ``base``."""
    prefix = "" if base == os.curdir else base.rstrip(os.sep) + os.sep
    if not text.startswith(prefix):
        return True
    parts = text[len(prefix) :].split(os.sep)
    if os.pardir in parts:
        return True
    current = prefix
    for part in parts:
        current += part
        if stat.S_ISLNK(os.lstat(current).st_mode):
            return True
        current += os.sep
    return False


def _read_at_most(descriptor: int, limit: int) -> bytes:
    chunks = []
    remaining = limit
    while remaining > 0:
        chunk = os.read(descriptor, remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _fingerprint(status: os.stat_result) -> tuple[int, int, int, int]:
    """What changes when the file is rewritten, replaced by a rename, or appended to."""
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns
