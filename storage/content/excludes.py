"""Folders and files under the content folder that are not articles: ``CONTENT_EXCLUDE``, as pure logic.

A site's repository holds more than its articles (``_site/`` with the built pages, ``_drafts/``,
``node_modules/``, ``vendor/`` with the gems' own ``README.md`` files). Each pattern is a shell glob:
one without ``/`` is matched against every folder and file name on the way (``_drafts``, ``*.draft.md``);
one with ``/`` against the path from the content folder (``_posts/2019*``), a folder excluding everything
in it. Hidden names (``.git``) are skipped whatever the patterns say.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True, slots=True)
class Excludes:
    """The patterns of ``CONTENT_EXCLUDE``; the empty value excludes nothing."""

    patterns: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Excludes:
        """Comma-separated globs; spaces around each and a leading or trailing ``/`` are dropped."""
        return cls.of(part.strip().strip("/") for part in text.split(","))

    @classmethod
    def of(cls, patterns: Iterable[str]) -> Excludes:
        return cls(tuple(pattern for pattern in patterns if pattern))

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def excludes(self, rel: str) -> bool:
        """Whether the file or folder at ``rel`` (POSIX, relative to the content folder) is left out."""
        if not self.patterns:
            return False
        parts = rel.strip("/").split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        for pattern in self.patterns:
            candidates = prefixes if "/" in pattern else parts
            if any(fnmatchcase(candidate, pattern) for candidate in candidates):
                return True
        return False


NOTHING_EXCLUDED = Excludes()  # frozen: the default where no CONTENT_EXCLUDE applies
