"""Run summaries read by warehouse users."""

from shipstation.report import AccountReport, ExportReport, summary_text


def test_sync_summary_names_every_figure_and_failure():
    report = AccountReport(
        account="Main",
        checked=5,
        updated=3,
        validated=2,
        backorders=1,
        waiting=1,
        failed=1,
        api_calls=4,
        seconds=1.25,
        failures=[("WH/OUT/7", "no order 9")],
    )
    text = report.text()
    assert text.startswith(
        "Main: 5 deliveries checked, 3 updated, 2 validated (1 backorders), 0 cancelled, "
        "1 waiting, 1 failed; 4 ShipStation API calls, 1.2 s."
    )
    assert text.endswith("  - WH/OUT/7: no order 9")


def test_account_error_and_cut_short_run():
    assert AccountReport(account="B", error="bad key").text() == "B: not synced: bad key"
    assert "2 deliveries left for the next run." in AccountReport(account="C", left=2).text()
    assert ExportReport(account="D", error="down").text() == "D: not exported: down"


def test_totals_only_for_several_sync_reports():
    reports = [AccountReport(account="A", checked=2, api_calls=3), AccountReport(account="B", checked=1, api_calls=4)]
    assert summary_text(reports).splitlines()[-1].startswith("Total: 3 checked")
    assert "Total" not in summary_text([ExportReport(account="A"), ExportReport(account="B")])
    assert summary_text([]) == "No ShipStation account to sync."
