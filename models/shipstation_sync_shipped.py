"""What the sync does for goods ShipStation already shipped, beyond the plan.

* A delivery ShipStation shipped waits only for want of goods, never for want of a click:
  before a run decides it waits because its goods are not reserved, it tries to reserve
  them (Odoo's own *Check Availability*), and plans it again.
* A delivery whose validation Odoo refuses (a lot-tracked product without its lot) keeps
  the tracking, cost and parcels ShipStation gave it; only the validation is undone.
"""

import logging

from odoo import api, models

from ..lib.shipstation import messages as msg
from ..lib.shipstation import planner
from ..lib.shipstation.values import VALIDATE, WAITING

_logger = logging.getLogger(__package__ + ".shipstation_sync")

#: Waiting reasons that reserving the goods may lift.
UNRESERVED = (msg.NOTHING_RESERVED, msg.NOT_ALL_RESERVED)


class ShipStationSync(models.AbstractModel):
    _inherit = "shipstation.sync"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Reserving what ShipStation shipped
    # ------------------------------------------------------------------

    @api.model
    def _shipstation_plan(self, targets, snapshots, facts, write=True):
        """The plan of ``snapshots``, after reserving the goods of the deliveries that would
        wait only because their goods are not reserved (Odoo's *Check Availability*: stock
        is reserved where the delivery takes it from, never forced out of another place).

        A preview (``write`` false) writes nothing, so it reserves nothing either: it shows
        what Odoo has reserved now.

        :return: list of Decision, in snapshot order
        """
        decisions = planner.plan(snapshots, facts)
        if not write:
            return decisions
        # Unchanged since the last run or not, a delivery waiting for its goods is tried again.
        short_ids = [
            d.picking_id
            for d in decisions
            if d.state == WAITING and d.message is not None and d.message.code in UNRESERVED
        ]
        short = targets.browse(short_ids).filtered(lambda p: p.state in ("confirmed", "waiting", "assigned"))
        if not short:
            return decisions
        before = {snap.id: snap.reserved for snap in snapshots if snap.id in short.ids}
        try:
            with self.env.cr.savepoint():
                # As superuser, as the validation runs: who started the run does not matter.
                short.sudo().action_assign()
        except Exception:  # pylint: disable=broad-except
            _logger.exception("ShipStation sync could not reserve %s", ", ".join(short.mapped("name")))
            return decisions
        # Through the retry plan, as the run's own snapshots were: a delivery that failed in
        # Odoo keeps its flag, and is retried now that its goods are reserved.
        fresh, _targets = short._shipstation_retry_plan(*short._shipstation_snapshots())
        fresh = {snap.id: snap for snap in fresh if snap.reserved != before.get(snap.id)}
        if not fresh:
            return decisions
        return planner.plan([fresh.get(snap.id, snap) for snap in snapshots], facts)

    # ------------------------------------------------------------------
    # A validation Odoo refuses
    # ------------------------------------------------------------------

    @api.model
    def _shipstation_failed_validation(self, decision, error):
        """The failure of a delivery whose chunk failed alone, as ``(message, unkept)``: when it
        was to be validated, the failure says what was kept (tracking, cost, parcels, recorded
        by ``stock.picking._shipstation_record_read_failure``) and what to fix; ``unkept`` is
        Odoo's error as raised, recorded instead when what ShipStation said cannot be kept.
        """
        text = self._error_text(error)
        unkept = msg.message(msg.SYNC_FAILED, error=text)
        if decision is not None and decision.action == VALIDATE:
            return msg.message(msg.VALIDATION_FAILED, error=text, tracking=decision.tracking_ref or "-"), unkept
        return unkept, unkept
