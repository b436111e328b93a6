"""What a content sync tells the operator: its lines in the log and its alerts to ``ADMIN_IDS``."""

from __future__ import annotations

import logging

from bot.ops.alerts import OperatorAlerts
from storage.catalog.report import SyncReport

log = logging.getLogger(__name__)


def log_report(report: SyncReport) -> None:
    """Every problem on its own line, a duplicate the first time it is seen; the summary only when something
    happened; a hold of withdrawals once, and its end."""
    for diagnostic in report.diagnostics:
        (log.error if diagnostic.is_error else log.warning)("%s", diagnostic)
    for duplicate in report.new_duplicates:
        log.info("content: %s", duplicate)
    if report.changes or report.errors:
        log.info("content: %s", report.summary_line())
    if report.hold is not None and report.hold_new:  # once per hold, not at every rescan
        log.warning("content: %s", report.hold.line())
    if report.hold_over is not None:
        log.info("content: %s", report.hold_over.over_line(report.withdrawn))


def alert_rejected(report: SyncReport, alerts: OperatorAlerts) -> None:
    """Rejected files are told to the operators (each problem once: ``OperatorAlerts`` remembers)."""
    alerts.rejected_files((d.path, str(d)) for d in report.diagnostics if d.is_error)


def alert_hold(report: SyncReport, alerts: OperatorAlerts) -> None:
    """Withdrawals held are told to the operators once per hold, and again when the hold is over."""
    if report.hold is not None and report.hold_new:
        alerts.withdrawals_held(report.hold.line())
    if report.hold_over is not None:
        alerts.withdrawals_released(report.hold_over.over_line(report.withdrawn))
