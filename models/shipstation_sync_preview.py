"""The sync's preview: the same read and plan, nothing applied and nothing written."""

import time

from odoo import api, fields, models

from ..lib.shipstation.report import AccountReport
from ..lib.shipstation.values import REFRESH

#: The report's counter of each action a preview shows.
PREVIEW_COUNTS = {"validate": "validated", "cancel": "cancelled", "wait": "waiting", "fail": "failed"}


class ShipStationSync(models.AbstractModel):
    # One concern of the model a file (none over 400 lines); the registry merges the classes.
    _inherit = "shipstation.sync"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # PREVIEW
    # ------------------------------------------------------------

    @api.model
    def _preview_accounts(self, accounts, since=None):
        """Read ShipStation and plan as a sync would, then write nothing at all.

        No delivery field, parcel, chatter message, backorder, watermark or run is
        written: the run's counts go to its report only, and what each delivery would
        get to a preview (see ``stock.picking._shipstation_preview``).

        :param datetime since: read from then instead of from each account's watermark
        :return: list of ``(AccountReport, [preview values])``, one per account
        """
        return [self._preview_account(account, since) for account in accounts]

    @api.model
    def _is_bookkeeping(self, picking, decision):
        """Whether a decision only records the sync's own fields (its state, the order's status):
        nothing a preview needs to show."""
        return (
            decision.action == REFRESH
            and not decision.parcels_changed
            and not decision.notes
            and (decision.tracking_ref or False) == (picking.carrier_tracking_ref or False)
        )

    @api.model
    def _preview_account(self, account, since=None):
        self = self._run_env(account)  # noqa: PLW0642 - the preview speaks as the run would
        started = time.monotonic()
        account_sudo = account.with_env(self.env).sudo()
        report = AccountReport(account=account_sudo.name)
        previews = []
        planned = self._read_and_plan(account_sudo, report, None, None, fields.Datetime.now(), since, write=False)
        if planned is not None:
            targets, decisions = planned
            by_id = {picking.id: picking for picking in targets}
            report.checked = len(decisions)
            for decision in decisions:
                picking = by_id[decision.picking_id]
                if not decision.changed or self._is_bookkeeping(picking, decision):
                    continue
                preview = picking._shipstation_preview(account_sudo, decision)
                previews.append(preview)
                report.updated += 1
                outcome = PREVIEW_COUNTS.get(preview["action"])
                if outcome:
                    setattr(report, outcome, getattr(report, outcome) + 1)
                if preview["action"] == "validate" and preview["backorder"]:
                    report.backorders += 1
                if preview["action"] == "fail":
                    report.failures.append((by_id[decision.picking_id].name, decision.message))
        report.seconds = time.monotonic() - started
        return report, previews
