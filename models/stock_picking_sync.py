"""Applying a sync's decision to a delivery: its sync fields, tracking, cost and delivery
method, its parcels (through ``shipstation.shipment``), its validation or cancellation
(``stock_picking_stock``), its notes; and what a preview shows instead."""

import json
from collections import defaultdict

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools import float_compare, float_is_zero

from ..lib.shipstation import messages as msg
from ..lib.shipstation.values import CANCEL, FAIL, VALIDATE, WAIT
from ..texts import render


class StockPicking(models.Model):
    # One concern of the model a file (none over 400 lines); the registry merges the classes.
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _shipstation_message_values(self, message):
        """The sync message fields for ``message`` (rendered in this environment's language)."""
        return {
            "shipstation_sync_message": render(message, self.env.lang) or False,
            "shipstation_sync_code": message.to_json() if message else False,
        }

    def _shipstation_decision_values(self, decision, started_at):
        """Field values a decision writes on this delivery (tracking and cost aside)."""
        self.ensure_one()
        vals = {"shipstation_sync_state": decision.state}
        vals.update(self._shipstation_message_values(decision.message if decision.state != "synced" else None))
        if decision.seen:
            # Before validating, so a backorder inherits it and counts as read.
            vals["shipstation_last_sync"] = started_at
            if self.shipstation_missing_count:
                vals["shipstation_missing_count"] = 0
        if decision.order_id and not self.shipstation_order_id:
            vals["shipstation_order_id"] = self.shipstation_account_id._shipstation_ref(decision.order_id)
        if decision.action != FAIL:
            vals["shipstation_order_skus"] = "\n".join(sorted(decision.order_skus)) or False
            lines = decision.order_lines
            vals["shipstation_order_lines"] = json.dumps([list(line) for line in lines]) if lines is not None else False
            vals["shipstation_order_status"] = decision.order_status or False
            vals["shipstation_survivor_order_id"] = self.shipstation_account_id._shipstation_ref(decision.survivor_id)
        return vals

    @api.model
    def _shipstation_apply_quick(self, items, started_at):
        """Write decisions that only change the deliveries' sync fields, one write per distinct
        set of values (``items``: ``[(picking, decision)]``)."""
        groups = defaultdict(list)
        for picking, decision in items:
            vals = picking._shipstation_decision_values(decision, started_at)
            groups[tuple(sorted(vals.items()))].append(picking.id)
        for vals, ids in groups.items():
            self.browse(ids).write(dict(vals))

    def _shipstation_mark_read(self, started_at):
        """Remember that a sync started at ``started_at`` read these deliveries' orders."""
        if self:
            self.write({"shipstation_last_sync": started_at})

    @api.model
    def _shipstation_apply_decisions(self, account, items, started_at):
        """Write decisions, then validate and cancel their deliveries in one go each, and log
        each delivery's notes.

        Raises on any error (the caller's savepoint undoes the whole batch).

        :param list items: ``[(picking, decision)]``
        :return: ``[(picking, decision, outcome)]``, outcome being 'validated',
            'cancelled', 'waiting', 'failed', 'updated' or 'skipped' (someone validated
            or cancelled the delivery meanwhile)
        """
        outcomes, notes, new_parcels, shipped = [], {}, [], {}
        to_validate, to_cancel = self.browse(), self.browse()
        for picking, decision in items:
            if picking.state in ("done", "cancel"):
                outcomes.append((picking, decision, "skipped"))
                continue
            new_parcels += picking._shipstation_write_decision(account, decision, started_at)
            notes[picking.id] = list(decision.notes)
            outcome = {WAIT: "waiting", FAIL: "failed"}.get(decision.action, "updated")
            if decision.action == VALIDATE:
                if decision.beyond:
                    _split, lines = picking._shipstation_split_beyond(decision.beyond)
                    notes[picking.id] += lines
                shipped[picking.id] = decision.quantities
                to_validate |= picking
                outcome = "validated"
            elif decision.action == CANCEL:
                to_cancel |= picking
                outcome = "cancelled"
            outcomes.append((picking, decision, outcome))
        self.env["shipstation.shipment"]._shipstation_create_parcels(new_parcels)
        if to_validate:
            to_validate._shipstation_prepare_validation(shipped)
        done = (to_validate and to_validate._shipstation_validate()) or {}
        done.update((to_cancel and to_cancel._shipstation_cancel()) or {})
        for picking_id, lines in done.items():
            notes[picking_id] += lines
        self._shipstation_log_notes(notes)
        return outcomes

    def _shipstation_write_decision(self, account, decision, started_at):
        """Write a decision's fields and update its recorded parcels; return the values of the
        parcels to create (``shipstation.shipment._shipstation_create_parcels`` creates a whole
        chunk's in one go)."""
        self.ensure_one()
        vals = self._shipstation_decision_values(decision, started_at)
        if decision.action != FAIL:
            cost = account._shipstation_company_cost(decision.cost, self.company_id, fields.Date.context_today(self))
            if cost is None:  # no rate: never 1:1; the parcels keep the cost in the account's currency
                names = {"currency": account.currency_id.name, "company_currency": self.company_id.currency_id.name}
                note = msg.message(msg.COST_NOT_CONVERTED, cost="%.2f" % decision.cost, **names)
                if note not in decision.notes:  # once, when a failed chunk is applied again
                    decision.notes.append(note)
            vals["shipstation_shipping_cost"] = cost or False
            if not self.carrier_id:
                carrier = self.env["shipstation.carrier.mapping"]._shipstation_carrier_for(account, decision.parcels)
                if carrier:
                    vals["carrier_id"] = carrier.id
            if (self.carrier_tracking_ref or False) != (decision.tracking_ref or False):
                # Written before any validation: stock_delivery then leaves the carrier alone.
                vals["carrier_tracking_ref"] = decision.tracking_ref or False
        self.write(vals)
        new_parcels = self.env["shipstation.shipment"]._shipstation_update_parcels(self, account, decision)
        if "carrier_tracking_ref" in vals:
            self._shipstation_chained_pickings().filtered(
                lambda p: p.picking_type_code == "internal" and p.state != "cancel"
            ).write({"carrier_tracking_ref": vals["carrier_tracking_ref"]})
        return new_parcels

    def _shipstation_log_notes(self, notes):
        """Post each delivery's sync notes as one internal note (``{picking id: [Message]}``)."""
        lang = self.env.lang
        bodies = {
            pid: Markup("<br/>").join(escape(render(note, lang)) for note in lines)
            for pid, lines in notes.items()
            if lines
        }
        if bodies:
            self.browse(list(bodies))._message_log_batch(bodies)

    def _shipstation_preview(self, account, decision):
        """What applying ``decision`` would do to this delivery, as values of a preview line;
        reads only."""
        self.ensure_one()
        action = {VALIDATE: "validate", CANCEL: "cancel", WAIT: "wait", FAIL: "fail"}.get(decision.action, "update")
        values = {
            "account_id": account.id,
            "picking_id": self.id,
            "action": action,
            "ship": False,
            "backorder": False,
            "tracking": False,
            "cost": 0.0,
            "message": render(decision.message, self.env.lang) or False,
        }
        if action != "fail":
            cost = account._shipstation_company_cost(decision.cost, self.company_id, fields.Date.context_today(self))
            values.update(tracking=decision.tracking_ref or False, cost=decision.cost if cost is None else cost)
        if action == "validate":
            values["ship"], values["backorder"] = self._shipstation_preview_quantities(decision)
        return values

    def _shipstation_preview_quantities(self, decision):
        """``(what ships, what stays)`` as text, computed as :meth:`_shipstation_prepare_validation`
        would set them."""
        ship, rest = [], []
        for move, unit, qty, _reserved in self._shipstation_allocate(decision.quantities):
            demand = move.product_uom._compute_quantity(move.product_uom_qty, unit, round=False)
            name = move.product_id.display_name
            # "2 × Mug" in units (never "1 Units Mug"); other units are named: "1.5 kg Flour".
            shape = "%g × %s" if unit == self.env.ref("uom.product_uom_unit") else "%g " + unit.name + " %s"
            if not float_is_zero(qty, precision_rounding=unit.rounding):
                ship.append(shape % (qty, name))
            if float_compare(demand, qty, precision_rounding=unit.rounding) > 0:
                rest.append(shape % (demand - qty, name))
        return ", ".join(ship) or False, ", ".join(rest) or False
