from collections import defaultdict

from odoo import _, api, fields, models

from ..lib.shipstation import reconcile as rec

KIND_SELECTION = [
    (rec.DONE_NOT_SHIPPED, "Done, not shipped in ShipStation"),
    (rec.DONE_WITHOUT_TRACKING, "Done without ShipStation's tracking"),
    (rec.CANCELLED_BUT_SHIPPED, "Cancelled, shipped in ShipStation"),
    (rec.SHIPPED_STILL_OPEN, "Shipped, still open in Odoo"),
    (rec.MISSING, "Missing in ShipStation"),
    (rec.TRACKING_DIFFERS, "Tracking differs"),
    (rec.COST_DIFFERS, "Cost differs"),
    (rec.VOIDED_AFTER_DONE, "Label voided after done"),
    (rec.NOT_SEEN, "Not seen in ShipStation"),
]


class ShipStationReconcileLine(models.TransientModel):
    """One disagreement of one delivery, with its safe fix when there is one."""

    _name = "shipstation.reconcile.line"
    _description = "ShipStation Reconciliation Line"
    _order = "wizard_id, id"

    wizard_id = fields.Many2one("shipstation.reconcile.wizard", required=True, ondelete="cascade", index=True)
    account_id = fields.Many2one(related="wizard_id.account_id")
    picking_id = fields.Many2one("stock.picking", string="Delivery", required=True, ondelete="cascade")
    picking_state = fields.Selection(related="picking_id.state", string="Status in Odoo")
    kind = fields.Selection(KIND_SELECTION, required=True)
    odoo_value = fields.Char(string="In Odoo")
    shipstation_value = fields.Char(string="In ShipStation")
    fix = fields.Selection(
        [
            (rec.FIX_SYNC, "Sync it now"),
            (rec.FIX_FILL, "Fill tracking and cost"),
            (rec.FIX_LINK, "Link the order found by its number"),
            (rec.FIX_EXPORT, "Export it again"),
        ],
        string="Safe Fix",
    )
    advice = fields.Char(compute="_compute_advice", string="What to Do")
    state = fields.Selection(
        [("open", "To Check"), ("fixed", "Fixed"), ("failed", "Fix Failed")], default="open", required=True
    )
    result = fields.Char(readonly=True)

    @api.depends("kind", "fix", "picking_state")
    def _compute_advice(self):
        advice = {
            rec.DONE_NOT_SHIPPED: _(
                "Create the label in ShipStation (or mark the order shipped); if the goods did not leave, "
                "return them in Odoo."
            ),
            rec.DONE_WITHOUT_TRACKING: _("Validated before the label was printed: fill tracking and cost."),
            rec.CANCELLED_BUT_SHIPPED: _(
                "The goods left for a delivery Odoo thinks cancelled: make a new delivery for them in Odoo, or "
                "void the label in ShipStation if nothing left."
            ),
            rec.SHIPPED_STILL_OPEN: _("Sync it now: the sync validates it, or says why it waits."),
            rec.MISSING: _(
                "ShipStation has no order under this delivery's order id nor its number: it was deleted, or "
                "merged into another order (API v2 does not report merges) whose label may already have "
                "shipped these goods. Check in ShipStation; only if nothing shipped, press Export Again."
            ),
            rec.TRACKING_DIFFERS: _("Fill tracking and cost from ShipStation."),
            rec.COST_DIFFERS: _("Fill tracking and cost from ShipStation."),
            rec.VOIDED_AFTER_DONE: _(
                "Every label was voided after the delivery was done: if the goods did not leave, return them in "
                "Odoo; if they left, make a new label in ShipStation and fill tracking and cost."
            ),
            rec.NOT_SEEN: _("ShipStation did not return this order in this reconciliation: reconcile again later."),
        }
        for line in self:
            text = advice.get(line.kind, "")
            if line.kind == rec.MISSING and line.fix == rec.FIX_LINK:
                text = _(
                    "ShipStation holds an order under this delivery's number: link it and sync (nothing is "
                    "exported again)."
                )
            elif line.kind == rec.MISSING and line.picking_state in ("done", "cancel"):
                text = _("ShipStation has no such order; the delivery is closed in Odoo: nothing to send.")
            line.advice = text

    def action_fix(self):
        """Apply the safe fix of these lines (the others are left alone)."""
        self._shipstation_fix()
        return True

    def action_export_again(self):
        """Export again, at a person's request, the deliveries of these *missing* lines that have
        no safe fix (the view asks first: their goods may have shipped under another order).
        Each number is looked up first: an order ShipStation holds under it is linked instead."""
        service = self.env["shipstation.reconcile"]
        service._check_rights()
        lines = self.filtered(lambda ln: ln.kind == rec.MISSING and not ln.fix and ln.state == "open")
        for wizard in lines.wizard_id:
            own = lines.filtered(lambda ln, w=wizard: ln.wizard_id == w)
            outcomes = service._export_again_confirmed(wizard.account_id, own.picking_id)
            for line in own:
                fixed, message = outcomes.get(line.picking_id.id, (False, _("Not exported: the delivery is closed.")))
                line.write({"state": "fixed" if fixed else "failed", "result": message})
        return True

    def _shipstation_fix(self):
        """Apply the lines' fixes, grouped by reconciliation and fix: one sync run, one export,
        one read of ShipStation for the fills of one reconciliation."""
        service = self.env["shipstation.reconcile"]
        service._check_rights()
        groups = defaultdict(lambda: self.browse())
        for line in self.filtered(lambda line: line.fix and line.state == "open"):
            groups[line.wizard_id, line.fix] |= line
        for (wizard, fix), lines in groups.items():
            pickings = lines.picking_id
            if fix == rec.FIX_FILL:
                outcomes = service._fix_fill(wizard.account_id, pickings, wizard.days)
            elif fix == rec.FIX_SYNC:
                outcomes = service._fix_sync(wizard.account_id, pickings)
            elif fix == rec.FIX_LINK:
                outcomes = service._fix_link(wizard.account_id, pickings)
            else:
                outcomes = service._fix_export(wizard.account_id, pickings)
            for line in lines:
                fixed, message = outcomes.get(line.picking_id.id, (False, _("Not fixed.")))
                line.write({"state": "fixed" if fixed else "failed", "result": message})
        # The other lines of a delivery fixed here share the fix (tracking and cost both filled).
        for line in self:
            siblings = line.wizard_id.line_ids.filtered(
                lambda other, ln=line: other != ln
                and other.picking_id == ln.picking_id
                and other.fix == ln.fix
                and other.state == "open"
            )
            siblings.write({"state": line.state, "result": line.result})
