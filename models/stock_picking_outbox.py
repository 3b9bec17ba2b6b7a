"""What Odoo decides about an exported delivery becomes a pending ShipStation update.

Each delivery holds one pending wish at most (only the latest counts, see
:mod:`..lib.shipstation.outbox`); the export run sends it (``shipstation.outbox``).
A cancellation is also tried at once. What the sync itself does because ShipStation
said so (its validations and cancellations) sends nothing back.
"""

import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.shipstation import outbox

#: Context keys of the sync's own validations and cancellations: nothing goes back.
SYNC_CONTEXT_KEYS = ("shipstation_validation", "shipstation_sync_cancel")
#: Delivery fields whose change re-posts the order, and what the delivery calls the change.
WATCHED_FIELDS = {"partner_id": "address", "carrier_id": "carrier", "note": "notes"}


def _changed(record, name, value):
    current = record[name]
    current = current.id if isinstance(current, models.BaseModel) else current
    return (current or False) != (value or False)


class StockPicking(models.Model):
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    shipstation_pending_update = fields.Selection(
        [
            (outbox.CANCEL, "Cancel"),
            (outbox.SHIP, "Mark as shipped"),
            (outbox.UPDATE, "Update"),
            (outbox.HOLD, "Hold"),
            (outbox.RELEASE, "Release hold"),
        ],
        string="ShipStation Pending Update",
        copy=False,
        index=True,
        help="What Odoo decided about this delivery that the next export run sends to ShipStation.",
    )
    shipstation_pending_seq = fields.Integer(
        string="ShipStation Update Number",
        copy=False,
        help="Grows with every new pending update; a run clears only the update it sent.",
    )
    shipstation_pending_changes = fields.Char(string="ShipStation Pending Changes", copy=False)
    shipstation_pending_payload = fields.Text(
        copy=False, help="The order as it was when the delivery was cancelled, to cancel it in ShipStation."
    )
    shipstation_order_key = fields.Char(
        string="ShipStation Order Key", copy=False, help="The key ShipStation holds the order under."
    )
    shipstation_on_hold = fields.Boolean(
        string="On Hold in ShipStation", copy=False, help="Odoo put the ShipStation order on hold."
    )

    # ------------------------------------------------------------------
    # Which deliveries the outbox looks after
    # ------------------------------------------------------------------

    def _shipstation_from_sync(self):
        return any(self.env.context.get(key) for key in SYNC_CONTEXT_KEYS)

    def _shipstation_outbox_open(self):
        """These deliveries that are exported, not done or cancelled, with an order ShipStation
        still has open as far as Odoo knows."""
        return self.filtered(
            lambda p: p.is_exported_to_shipstation
            and p.shipstation_order_id
            and p.shipstation_account_id
            and p.picking_type_code == "outgoing"
            and p.state not in ("draft", "done", "cancel")
            and (p.shipstation_order_status or "awaiting_shipment") in outbox.OPEN_STATUSES
        )

    def _shipstation_wish(self, kind, changes=None, payload=None):
        """Record ``kind`` as these deliveries' pending update (the latest wish counts)."""
        for picking in self.sudo():
            vals = {
                "shipstation_pending_update": outbox.coalesce(picking.shipstation_pending_update, kind),
                "shipstation_pending_seq": picking.shipstation_pending_seq + 1,
                "shipstation_pending_changes": outbox.merge_changes(picking.shipstation_pending_changes, changes),
            }
            if payload is not None:
                vals["shipstation_pending_payload"] = json.dumps(payload)
            picking.write(vals)

    def _shipstation_order_key(self):
        """The key ShipStation holds the delivery's order under, as the export kept it (a
        backorder's is its delivery's), or None when Odoo does not know it (exported
        before it was kept, or linked to an order made elsewhere)."""
        return self._shipstation_order_root().shipstation_order_key or None

    def _shipstation_order_root(self):
        """The delivery first exported as this delivery's order (itself, or the delivery a
        backorder comes from): the order keeps its number and key."""
        self.ensure_one()
        top = self
        while top.backorder_id and top.backorder_id.shipstation_order_id == self.shipstation_order_id:
            top = top.backorder_id
        return top

    @api.model
    def _shipstation_queue_holds(self, account_sudo):
        """Queue a hold for each open order whose delivery is no longer ready, and a release
        for each the outbox held that is ready again (or when the account stopped holding).
        Every export run checks this (v1 only: v2 has no hold call)."""
        if account_sudo.api_version == "v2":
            return
        enabled = account_sudo.hold_unready_orders
        domain = [
            ("shipstation_account_id", "=", account_sudo.id),
            ("is_exported_to_shipstation", "=", True),
            ("picking_type_code", "=", "outgoing"),
            ("state", "in", ("waiting", "confirmed", "assigned")),
            ("shipstation_pending_update", "in", (False, outbox.HOLD, outbox.RELEASE)),
            ("shipstation_sync_state", "!=", "waiting"),
        ]
        if enabled:
            domain += ["|", "&", ("shipstation_on_hold", "=", False), ("state", "!=", "assigned")]
            domain += ["&", ("shipstation_on_hold", "=", True), ("state", "=", "assigned")]
        else:
            domain.append(("shipstation_on_hold", "=", True))
        for picking in self.sudo().search(domain)._shipstation_outbox_open():
            kind = outbox.hold_wish(picking.state == "assigned", picking.shipstation_on_hold, enabled)
            if kind and kind != picking.shipstation_pending_update:
                picking._shipstation_wish(kind)

    # ------------------------------------------------------------------
    # Odoo events
    # ------------------------------------------------------------------

    def write(self, vals):
        changes = [name for field, name in WATCHED_FIELDS.items() if field in vals]
        watched = self.browse()
        if changes and not self._shipstation_from_sync():
            watched = self._shipstation_outbox_open().filtered(
                lambda p: any(_changed(p, f, vals[f]) for f in WATCHED_FIELDS if f in vals)
            )
        res = super().write(vals)
        if watched:
            watched._shipstation_wish(outbox.UPDATE, ",".join(changes))
        return res

    def action_cancel(self):
        if self._shipstation_from_sync():
            return super().action_cancel()
        exported = self._shipstation_outbox_open()
        shipped = {}
        if exported:
            # Shipped as the last sync read: no call needed to know it.
            known = exported.filtered(lambda p: p.shipstation_sync_state == "waiting" and p.carrier_tracking_ref)
            shipped = {p.id: p.carrier_tracking_ref for p in known}
            shipped.update(self.env["shipstation.outbox"]._cancel_now(exported - known))
        refused = self._shipstation_refuse_shipped(shipped)
        # Its moves cancelled with it are not edits of the order.
        return super(StockPicking, (self - refused).with_context(shipstation_outbox_busy=True)).action_cancel()

    def _shipstation_refuse_shipped(self, shipped):
        """The deliveries ShipStation shipped already (``{id: tracking}``) are not cancelled:
        a UserError when nothing else is left to cancel, else they stay open, failed, with
        the tracking number in their message.

        :return: those deliveries
        """
        refused = self.browse(list(shipped))
        if not refused:
            return refused
        texts = [
            _(
                "%(name)s was already shipped by ShipStation (tracking %(tracking)s): it is not cancelled. "
                "Void the label in ShipStation first, or take the parcel back with a return.",
                name=p.name,
                tracking=shipped[p.id] or _("unknown"),
            )
            for p in refused
        ]
        if not (self - refused):
            raise UserError("\n".join(texts))
        for picking, text in zip(refused, texts):
            picking.sudo().write(
                {"shipstation_sync_state": "failed", "shipstation_sync_message": text, "shipstation_sync_code": False}
            )
            picking._message_log(body=text)
        return refused

    def _action_done(self):
        watched = self.browse() if self._shipstation_from_sync() else self._shipstation_outbox_open()
        order_ids = {p.id: p.shipstation_order_id for p in watched}
        # Moves split or moved while validating are not edits: this sends what they mean.
        res = super(StockPicking, self.with_context(shipstation_outbox_busy=True))._action_done()
        for picking in watched.filtered(lambda p: p.state == "done"):
            backorder = picking.backorder_ids.filtered(
                lambda b, o=order_ids[picking.id]: b.shipstation_order_id == o and b.state not in ("done", "cancel")
            )[:1]
            if backorder:
                # The order now ships what the backorder still has to.
                backorder._shipstation_wish(outbox.UPDATE, "lines")
            else:
                picking._shipstation_wish(outbox.SHIP)
        return res

    def _create_backorder(self):
        backorders = super()._create_backorder()
        for backorder in backorders.filtered(lambda b: b.backorder_id.is_exported_to_shipstation):
            source = backorder.backorder_id
            backorder.shipstation_on_hold = source.shipstation_on_hold
            backorder.shipstation_order_key = source.shipstation_order_key
        return backorders
