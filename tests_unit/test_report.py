"""Run reports: the figures a summary is rendered from."""

import pytest

from shipstation import messages as msg
from shipstation.report import AccountReport, ExportReport, totals


def test_totals_sum_every_counter_and_count_failed_accounts():
    reports = [
        AccountReport(account="A", checked=2, validated=1, api_calls=3),
        AccountReport(account="B", checked=1, waiting=1, api_calls=4, error=msg.message(msg.ACCOUNT_BUSY)),
    ]
    result = totals(reports)
    assert (result["checked"], result["validated"], result["waiting"], result["api_calls"]) == (3, 1, 1, 7)
    assert result["accounts_failed"] == 1


def test_reports_start_empty():
    assert AccountReport(account="A").failures == [] and AccountReport(account="A").error is None
    assert ExportReport(account="A").exported == 0


def test_lines_note_each_delivery_and_count_by_action():
    report = AccountReport(account="A")
    report.add_line(7, "validated")
    report.add_line(8, "failed", msg.message(msg.ACCOUNT_BUSY))
    report.add_line(9, "failed", msg.message(msg.ACCOUNT_BUSY))
    assert report.lines[0] == (7, "validated", None)
    counts = report.line_counts()
    assert (counts["validated"], counts["failed"], counts["exported"]) == (1, 2, 0)


def test_an_unknown_line_action_is_refused():
    with pytest.raises(ValueError):
        ExportReport(account="A").add_line(1, "shipped")
