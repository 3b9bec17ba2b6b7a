import logging
from dataclasses import replace

from markupsafe import escape

from odoo import fields, models

from ..lib.shipstation import messages as msg
from ..lib.shipstation.messages import Message

_logger = logging.getLogger(__name__)


class StockPicking(models.Model):
    """Retrying the deliveries a sync failed: which failure is whose, and what changed since.

    A failure in Odoo (ShipStation was read, writing the result failed: a serial number
    missing, a rule of another module) keeps what the read said; it is planned again from
    that record, without reading ShipStation, once the delivery's Odoo side changed. A
    failure in ShipStation (its order missing or unreadable) is read again by id, those whose
    Odoo side changed since first.
    """

    # One concern of the model a file (none over 400 lines); the registry merges the classes.
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    shipstation_failed_at = fields.Datetime(
        string="ShipStation Sync Failed At",
        copy=False,
        readonly=True,
        help="When the sync failed for this delivery. A failure in Odoo (what ShipStation said could "
        "not be written) is tried again, without reading ShipStation, once the delivery's moves, lots "
        "or reservations change; a failed delivery whose moves changed is read again first.",
    )

    def _shipstation_decision_values(self, decision, started_at):
        vals = super()._shipstation_decision_values(decision, started_at)
        if decision.state == "failed" and self.shipstation_sync_state != "failed":
            vals["shipstation_failed_at"] = self.env.cr.now()  # the transaction's time, as write_date
        return vals

    def _shipstation_record_read_failure(self, account, decision, message, started_at, unkept=None):  # noqa: PLR0913
        """Record what the read said (``decision``'s tracking, cost, parcels, order status and
        lines, and its notes), then mark the delivery failed in Odoo with ``message`` (posted
        once, not at every run that meets it again).

        Called after the savepoint of the failed writing was rolled back. When even the read's
        fields cannot be written, the delivery is marked failed alone, with ``unkept`` if given
        (a message that does not claim what was kept).

        :return: the failure's Message as recorded
        """
        self.ensure_one()
        before = (self.shipstation_sync_state, self.shipstation_sync_code)
        if decision is not None:
            kept = replace(decision, state="failed", message=message, notes=list(decision.notes))
            try:
                with self.env.cr.savepoint():
                    new_parcels = self._shipstation_write_decision(account, kept, started_at)
                    self.env["shipstation.shipment"]._shipstation_create_parcels(new_parcels)
                    self._shipstation_log_notes({self.id: kept.notes})
            except Exception:  # pylint: disable=broad-except
                # The failure below is recorded all the same; the next read writes what it says.
                _logger.exception("ShipStation sync of %s: what ShipStation said could not be kept", self.name)
                message = unkept or message
        known = before == ("failed", message.to_json())
        vals = dict(self._shipstation_message_values(message), shipstation_sync_state="failed")
        # The transaction's time, as write_date: a move written in a later transaction is newer.
        self.write(dict(vals, shipstation_failed_at=self.env.cr.now()))
        if not known:
            self._message_log(body=escape(self.shipstation_sync_message))
        return message

    def _shipstation_odoo_changed(self):
        """Ids of these deliveries whose moves or move lines (lots, reservations) changed since
        they failed (all of those without a recorded failure time)."""
        failed = self.filtered("shipstation_failed_at")
        changed = set((self - failed).ids)
        if failed:
            self.env["stock.move.line"].flush_model(["write_date"])
            self.env["stock.move"].flush_model(["write_date"])
            self.env.cr.execute(
                """
                SELECT p.id FROM stock_picking p
                WHERE p.id IN %s AND (
                    EXISTS (SELECT 1 FROM stock_move m
                            WHERE m.picking_id = p.id AND m.write_date >= p.shipstation_failed_at)
                    OR EXISTS (SELECT 1 FROM stock_move_line l
                               WHERE l.picking_id = p.id AND l.write_date >= p.shipstation_failed_at))
                """,
                [tuple(failed.ids)],
            )
            changed |= {row[0] for row in self.env.cr.fetchall()}
        return changed

    def _shipstation_retry_plan(self, snapshots, targets):
        """``(snapshots, targets)`` of these deliveries (in ``self`` order) told how to retry
        their failures: a failure in Odoo is not read again from ShipStation and is planned
        from its record once its Odoo side changed; a failure in ShipStation whose Odoo side
        changed is read again first."""
        failed = self.filtered(lambda p: p.shipstation_sync_state == "failed")
        if not failed:
            return snapshots, targets
        in_odoo = {p.id for p in failed if _failed_in_odoo(p.shipstation_sync_code)}
        # A failure in Odoo recorded before its time was: retried once. One in ShipStation: not first.
        changed = failed._shipstation_odoo_changed() - {p.id for p in failed if not p.shipstation_failed_at} | {
            p.id for p in failed if not p.shipstation_failed_at and p.id in in_odoo
        }
        snapshots, targets = list(snapshots), list(targets)
        for index, picking in enumerate(self):
            if picking.id in in_odoo:
                snapshots[index] = replace(snapshots[index], retry_recorded=picking.id in changed)
                targets[index] = replace(targets[index], failed=False, known=True)
            elif picking.id in changed:
                targets[index] = replace(targets[index], changed=True)
        return snapshots, targets


def _failed_in_odoo(code):
    """Whether a failure's code says Odoo failed (ShipStation was read): Odoo's error as raised,
    or a validation Odoo refused (what ShipStation said kept)."""
    message = Message.from_json(code) if code else None
    return message is not None and message.code in (msg.SYNC_FAILED, msg.VALIDATION_FAILED)
