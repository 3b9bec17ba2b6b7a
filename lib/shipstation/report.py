"""What one sync run did, account by account, in figures and in words."""

from dataclasses import dataclass, field

COUNTERS = ("checked", "updated", "validated", "backorders", "cancelled", "waiting", "failed")


@dataclass
class AccountReport:
    """Outcome of syncing one ShipStation account.

    ``error`` is set when the account could not be synced at all (bad credentials,
    ShipStation down, a sync already running); ``failures`` lists
    ``(delivery reference, reason)`` for deliveries that failed on their own.
    """

    account: str
    checked: int = 0
    updated: int = 0
    validated: int = 0
    backorders: int = 0
    cancelled: int = 0
    waiting: int = 0
    failed: int = 0
    api_calls: int = 0
    seconds: float = 0.0
    left: int = 0
    error: str = ""
    failures: list = field(default_factory=list)

    def text(self):
        """One paragraph a warehouse user can read."""
        if self.error:
            head = "%s: not synced: %s" % (self.account, self.error)
        else:
            head = (
                "%s: %d deliveries checked, %d updated, %d validated (%d backorders), %d cancelled, "
                "%d waiting, %d failed; %d ShipStation API calls, %.1f s."
                % (
                    self.account,
                    self.checked,
                    self.updated,
                    self.validated,
                    self.backorders,
                    self.cancelled,
                    self.waiting,
                    self.failed,
                    self.api_calls,
                    self.seconds,
                )
            )
        if self.left:
            head += " %d deliveries left for the next run." % self.left
        lines = [head] + ["  - %s: %s" % failure for failure in self.failures]
        return "\n".join(lines)


def totals(reports):
    """Sum of the counters (and API calls) over several account reports."""
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


@dataclass
class ExportReport:
    """Outcome of exporting one account's deliveries to ShipStation."""

    account: str
    checked: int = 0
    exported: int = 0
    failed: int = 0
    api_calls: int = 0
    seconds: float = 0.0
    error: str = ""
    failures: list = field(default_factory=list)

    def text(self):
        """One paragraph a warehouse user can read."""
        if self.error:
            head = "%s: not exported: %s" % (self.account, self.error)
        else:
            head = "%s: %d deliveries to export, %d exported, %d failed; %d ShipStation API calls, %.1f s." % (
                self.account,
                self.checked,
                self.exported,
                self.failed,
                self.api_calls,
                self.seconds,
            )
        return "\n".join([head] + ["  - %s: %s" % failure for failure in self.failures])
