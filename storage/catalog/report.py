"""What one sync did: counts, the articles new for push, every diagnostic, the fields outside the format."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from storage.catalog.withdraw_guard import WithdrawHold
from storage.content.diagnostics import Diagnostic, Duplicate, outcome_lines


@dataclass(slots=True)
class SyncReport:
    """What one sync did, for the CLI summary, ``/reload`` and the logs."""

    added: int = 0
    updated: int = 0
    moved: int = 0
    restored: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    errors: int = 0
    baseline: bool = False
    deferred: int = 0  # files still being written: a later sync takes them
    returned: int = 0  # of those added, articles that article retention had deleted: stored again, not new
    new_article_ids: list[int] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    unknown_fields: Counter[str] = field(default_factory=Counter)  # fields outside the format -> files read
    duplicates: list[Duplicate] = field(default_factory=list)  # files skipped: another holds their article
    new_duplicates: list[Duplicate] = field(default_factory=list)  # of those, the ones no sync saw before
    hold: WithdrawHold | None = None  # withdrawals held back, and why (storage/catalog/withdraw_guard.py)
    hold_new: bool = False  # the previous sync held nothing, or for another reason: tell it
    hold_over: WithdrawHold | None = None  # the previous sync's hold, which this one no longer has

    def follow(self, previous: WithdrawHold | None) -> WithdrawHold | None:
        """Compare this sync's hold with the previous sync's, so each hold is told once; returns this one's."""
        self.hold_new = self.hold is not None and (previous is None or previous.reason != self.hold.reason)
        self.hold_over = previous if self.hold is None else None
        return self.hold

    @property
    def changes(self) -> int:
        return self.added + self.updated + self.moved + self.restored + self.withdrawn

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if not d.is_error)

    def summary_line(self) -> str:
        line = (
            f"{self.added} added, {self.updated} updated, {self.moved} moved, {self.restored} restored, "
            f"{self.withdrawn} withdrawn, {self.unchanged} unchanged, {self.errors} files with errors, "
            f"{self.warnings} warnings"
        )
        if self.duplicates:
            line += f", {len(self.duplicates)} duplicates skipped"
        if self.hold is not None:
            line += f", {self.hold.would_withdraw} withdrawals held"
        if self.baseline:
            line += " (baseline: existing articles are not pushed)"
        elif self.new_article_ids:
            line += f"; {len(self.new_article_ids)} new for push"
        if self.returned:
            line += f"; {self.returned} back after article retention (not pushed again)"
        return line

    def summary_lines(self, folder: str) -> list[str]:
        """The operator's summary of an import: the headline, then rejected files and warnings by reason,
        the duplicates and the fields outside the format (``newsbot import``)."""
        where = f" {folder}" if folder else ""
        headline = f"imported{where}: {self.summary_line()}"
        return [headline, *outcome_lines(self.diagnostics, self.duplicates, self.unknown_fields)]
