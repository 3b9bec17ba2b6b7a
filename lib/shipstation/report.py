"""What one run did, account by account, in figures.

The words come from the Odoo layer (``texts.py`` of the addon), which renders a
report in the language it chooses; here are only the counts, the account-level
error, the failures, each a :class:`~.messages.Message`, and one line per delivery
the run changed or failed, for the run history.
"""

from dataclasses import dataclass, field

COUNTERS = ("checked", "updated", "validated", "backorders", "cancelled", "waiting", "failed")
#: What a run did to one delivery (the action of a run line).
LINE_ACTIONS = ("validated", "cancelled", "waiting", "failed", "updated", "exported")


@dataclass
class Report:
    """Outcome of one operation on one ShipStation account.

    ``error`` is a :class:`~.messages.Message` when the account could not be
    processed at all (bad credentials, ShipStation down, a sync already running);
    ``failures`` lists ``(delivery reference, Message)`` for deliveries that failed
    on their own; ``lines`` lists ``(delivery id, action, Message or None)`` for each
    delivery the run changed or failed (action one of :data:`LINE_ACTIONS`), in the
    order the run met them. ``run_id`` is the id of the run record the caller kept
    for this report, if any. ``transient`` and ``retry_after`` say whether the
    account-level error may pass if the run is tried again later, and when.
    """

    account: str
    checked: int = 0
    failed: int = 0
    api_calls: int = 0
    seconds: float = 0.0
    error: object = None
    failures: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    run_id: int = None
    #: The account-level error is one that may pass (rate limit, ShipStation down, network).
    transient: bool = False
    #: Seconds ShipStation asked to wait after that error, when it said.
    retry_after: float = None

    def add_line(self, picking_id, action, message=None):
        """Note what the run did to one delivery.

        :param int picking_id: the delivery's id
        :param str action: one of :data:`LINE_ACTIONS`
        :param message: a :class:`~.messages.Message` saying why, or None
        """
        if action not in LINE_ACTIONS:
            raise ValueError("unknown run line action %r" % action)
        self.lines.append((picking_id, action, message))

    def line_counts(self):
        """``{action: number of lines}`` over :data:`LINE_ACTIONS`."""
        counts = dict.fromkeys(LINE_ACTIONS, 0)
        for _picking_id, action, _message in self.lines:
            counts[action] += 1
        return counts


@dataclass
class AccountReport(Report):
    """Outcome of syncing the shipment details of one account."""

    updated: int = 0
    validated: int = 0
    backorders: int = 0
    cancelled: int = 0
    waiting: int = 0
    left: int = 0
    #: Unreadable ShipStation records no delivery could be told about.
    set_aside: int = 0
    #: Failed deliveries no longer read again by id (their order missing for several runs).
    given_up: int = 0
    #: ShipStation refused the account's credentials (HTTP 401/403).
    refused: bool = False


@dataclass
class ExportReport(Report):
    """Outcome of exporting one account's deliveries to ShipStation, and of sending
    the pending updates of the deliveries exported before (the outbox)."""

    exported: int = 0
    updates_sent: int = 0
    updates_failed: int = 0
    #: Updates left for the next run (ShipStation could not be reached, or the rate limit).
    updates_pending: int = 0
    #: Deliveries cancelled in Odoo that ShipStation shipped all the same.
    late_labels: int = 0


def totals(reports):
    """Sum of the counters (and API calls) over several sync reports."""
    result = {name: sum(getattr(r, name) for r in reports) for name in COUNTERS + ("api_calls",)}
    result["accounts_failed"] = sum(1 for r in reports if r.error)
    return result
