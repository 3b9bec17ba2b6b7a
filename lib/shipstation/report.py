"""What one run did, account by account, in figures and in words."""

from dataclasses import dataclass, field

COUNTERS = ("checked", "updated", "validated", "backorders", "cancelled", "waiting", "failed")


@dataclass
class Report:
    """Outcome of one operation on one ShipStation account.

    ``error`` is set when the account could not be processed at all (bad credentials,
    ShipStation down, a sync already running); ``failures`` lists
    ``(delivery reference, reason)`` for deliveries that failed on their own.
    """

    account: str
    checked: int = 0
    failed: int = 0
    api_calls: int = 0
    seconds: float = 0.0
    error: str = ""
    failures: list = field(default_factory=list)

    #: Verb of the error line ("not synced", "not exported").
    not_done = "not processed"

    def head(self):
        """The figures, in one sentence."""
        raise NotImplementedError

    def text(self):
        """One paragraph a warehouse user can read: the figures, then each failure."""
        head = "%s: %s: %s" % (self.account, self.not_done, self.error) if self.error else self.head()
        return "\n".join([head] + ["  - %s: %s" % failure for failure in self.failures])


@dataclass
class AccountReport(Report):
    """Outcome of syncing the shipment details of one account."""

    updated: int = 0
    validated: int = 0
    backorders: int = 0
    cancelled: int = 0
    waiting: int = 0
    left: int = 0

    not_done = "not synced"

    def head(self):
        head = (
            "%s: %d deliveries checked, %d updated, %d validated (%d backorders), %d cancelled, "
            "%d waiting, %d failed; %d ShipStation API calls, %.1f s."
            % (
                self.account, self.checked, self.updated, self.validated, self.backorders,
                self.cancelled, self.waiting, self.failed, self.api_calls, self.seconds,
            )
        )  # fmt: skip
        if self.left:
            head += " %d deliveries left for the next run." % self.left
        return head


@dataclass
class ExportReport(Report):
    """Outcome of exporting one account's deliveries to ShipStation."""

    exported: int = 0

    not_done = "not exported"

    def head(self):
        return "%s: %d deliveries to export, %d exported, %d failed; %d ShipStation API calls, %.1f s." % (
            self.account, self.checked, self.exported, self.failed, self.api_calls, self.seconds,
        )  # fmt: skip


def totals(reports):
    """Sum of the counters (and API calls) over several sync reports."""
    result = {name: sum(getattr(r, name) for r in reports) for name in COUNTERS + ("api_calls",)}
    result["accounts_failed"] = sum(1 for r in reports if r.error)
    return result


def summary_text(reports):
    """The whole run, one paragraph per account, then the totals when several."""
    parts = [r.text() for r in reports]
    if len(reports) > 1 and all(isinstance(r, AccountReport) for r in reports):
        t = totals(reports)
        parts.append(
            "Total: %(checked)d checked, %(updated)d updated, %(validated)d validated, %(cancelled)d "
            "cancelled, %(waiting)d waiting, %(failed)d failed, %(api_calls)d API calls." % t
        )
    return "\n".join(parts) if parts else "No ShipStation account to sync."
