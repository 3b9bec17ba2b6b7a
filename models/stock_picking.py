import json
import logging
from collections import defaultdict
from datetime import timezone

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_is_zero

from ..lib.shipstation import messages as msg
from ..lib.shipstation.fetch import Target
from ..lib.shipstation.messages import Message
from ..lib.shipstation.planner import BACKORDER_WAITING, ITEMS_UNKNOWN
from ..lib.shipstation.values import CANCEL, FAIL, VALIDATE, WAIT, PickingSnapshot, int_or_none
from ..texts import render

_logger = logging.getLogger(__name__)

# Fields a backorder takes over from its delivery, so it is never exported twice and
# the next sync knows which ShipStation order it belongs to.
INHERITED_BY_BACKORDERS = (
    "is_exported_to_shipstation",
    "shipstation_account_id",
    "shipstation_order_id",
    "shipstation_order_status",
    "shipstation_survivor_order_id",
    "shipstation_last_sync",
    "shipstation_order_skus",
    "shipstation_order_lines",
)
#: ``shipstation_validation`` keeps stock_delivery from sending the delivery to its carrier:
#: ShipStation already bought the label.
VALIDATE_CONTEXT = {"skip_backorder": True, "skip_sms": True, "skip_expired": True, "shipstation_validation": True}
SNAPSHOT_FIELDS = [
    "name",
    "create_date",
    "carrier_tracking_ref",
    "shipstation_order_id",
    "shipstation_sync_state",
    "shipstation_sync_code",
    "shipstation_order_status",
    "shipstation_survivor_order_id",
    "shipstation_last_sync",
    "shipstation_order_skus",
    "shipstation_order_lines",
    "shipstation_read_attempt",
    "shipstation_missing_count",
    "origin",
]


def _lines_from_json(text):
    """Recorded order lines: ``((sku, qty), ...)``, or None when none were recorded."""
    return tuple((sku, qty) for sku, qty in json.loads(text)) if text else None


def shipstation_sku(product):
    """The SKU a product has in ShipStation: its internal reference (or a stand-in)."""
    return product.default_code or "product-%d" % product.id


class StockPicking(models.Model):
    _inherit = "stock.picking"

    shipstation_account_id = fields.Many2one(
        "shipstation.account", string="ShipStation Account", copy=False, index=True, check_company=True
    )
    is_exported_to_shipstation = fields.Boolean(string="Is Exported to ShipStation", copy=False, index=True)
    shipstation_order_id = fields.Char(string="ShipStation Order Id", copy=False, index=True)
    shipstation_currency_id = fields.Many2one(related="company_id.currency_id", string="ShipStation Cost Currency")
    shipstation_shipping_cost = fields.Monetary(
        string="ShipStation Shipping Cost",
        currency_field="shipstation_currency_id",
        copy=False,
        help="Sum of the costs of this delivery's live ShipStation parcels.",
    )
    shipstation_sync_state = fields.Selection(
        [("synced", "Synced"), ("waiting", "Waiting"), ("failed", "Failed")],
        string="ShipStation Sync State",
        copy=False,
        index=True,
    )
    shipstation_sync_message = fields.Text(string="ShipStation Sync Message", copy=False)
    shipstation_sync_code = fields.Char(
        string="ShipStation Sync Message Code",
        copy=False,
        help="Technical: the code and parameters of the sync message, so later runs compare "
        "meanings, not words in one language.",
    )
    shipstation_last_sync = fields.Datetime(
        string="ShipStation Last Sync",
        copy=False,
        help="When a sync last read this delivery's order from ShipStation successfully.",
    )
    shipstation_order_status = fields.Char(string="ShipStation Order Status", copy=False)
    shipstation_read_attempt = fields.Datetime(
        string="ShipStation Read Again",
        copy=False,
        help="When a sync last read this failed delivery's order again by id: failed deliveries take "
        "turns, the longest unread first.",
    )
    shipstation_missing_count = fields.Integer(
        string="ShipStation Order Missing (Runs)",
        copy=False,
        help="Runs in a row in which ShipStation had no order for this delivery. After a few, the sync "
        "stops reading it again by id (it stays failed until it is exported again).",
    )
    shipstation_order_skus = fields.Text(
        string="ShipStation Order SKUs",
        copy=False,
        help="Technical: the SKUs of the lines of this delivery's ShipStation order once it "
        "shipped (normalised, one a line), to tell which label items belong to it.",
    )
    shipstation_order_lines = fields.Text(
        string="ShipStation Order Lines",
        copy=False,
        help="Technical: the SKUs and quantities of this delivery's ShipStation order once it shipped "
        "(JSON), to tell what the delivery holds beyond it in runs that do not read the order.",
    )
    shipstation_survivor_order_id = fields.Char(
        string="Merged Into ShipStation Order",
        copy=False,
        help="ShipStation order this delivery's order was merged into.",
    )
    shipstation_shipment_ids = fields.One2many("shipstation.shipment", "picking_id", string="ShipStation Parcels")

    @api.depends(
        "shipstation_shipment_ids.tracking_url",
        "shipstation_shipment_ids.voided",
        "shipstation_shipment_ids.charged",
    )
    def _compute_carrier_tracking_url(self):
        """Odoo's tracking link, for ShipStation deliveries from their parcels: one live
        parcel gives its URL, several Odoo's multi-parcel form (a JSON list of
        ``[tracking number, url]``), so the Tracking button, the portal and the delivery
        e-mail link them as for Odoo's own carriers, with or without a delivery method."""
        res = super()._compute_carrier_tracking_url()
        for picking in self.filtered("shipstation_shipment_ids"):
            links = [
                [parcel.tracking_number, parcel.tracking_url]
                for parcel in picking.shipstation_shipment_ids.sorted(
                    lambda p: (str(p.shipstation_create_date or ""), p.id)
                )
                if not parcel.voided and parcel.tracking_number and parcel.tracking_url
            ]
            links = [link for index, link in enumerate(links) if link not in links[:index]]
            if len(links) == 1:
                picking.carrier_tracking_url = links[0][1]
            elif links:
                picking.carrier_tracking_url = json.dumps(links)
        return res

    def action_export_to_shipstation(self):
        """Export the selected deliveries to ShipStation now (form button and list action).

        Each delivery goes to its ShipStation account, or to its company's account (the
        one of its warehouse first). Deliveries already exported are left alone.
        """
        if not self.env.user.has_group("shipstation_connector.group_shipstation_user"):
            raise AccessError(_("Only ShipStation users can export deliveries to ShipStation."))
        pickings = self.filtered(
            lambda p: p.picking_type_code == "outgoing"
            and p.state not in ("draft", "done", "cancel")
            and not p.is_exported_to_shipstation
        )
        if not pickings:
            raise UserError(_("Nothing to export: choose deliveries that are not done, cancelled or exported yet."))
        return self.env["shipstation.export"]._export_pickings(pickings)

    def _create_backorder(self):
        backorders = super()._create_backorder()
        for backorder in backorders.filtered(lambda b: b.backorder_id.is_exported_to_shipstation):
            source = backorder.backorder_id
            backorder.write(
                {name: source[name] for name in INHERITED_BY_BACKORDERS}
                | {"shipstation_sync_state": False, "shipstation_sync_code": False}
            )
        return backorders

    def _action_done(self):
        res = super()._action_done()
        internal = self.filtered(lambda p: p.state == "done" and p.picking_type_code == "internal")
        if internal:
            internal._shipstation_sync_chained_deliveries()
        return res

    def send_to_shipper(self):
        # A delivery validated because ShipStation shipped it already has its label:
        # never let the delivery method's own integration buy another one.
        if self.env.context.get("shipstation_validation"):
            return None
        return super().send_to_shipper()

    def _shipstation_sync_chained_deliveries(self):
        """Sync at once the exported deliveries these internal transfers feed.

        In a pick/pack/ship warehouse, a delivery ShipStation already reports shipped
        waits until its goods reach the output location; this validates it as soon as
        they do. Whatever happens here never undoes the internal transfer: errors are
        recorded on the delivery, like any sync failure.
        """
        dest_moves = self.env["stock.move"].browse(self.move_ids._rollup_move_dests())
        # Only deliveries ShipStation reported shipped and that are now ready: for the
        # others a sync would change nothing, and every call counts against the limit.
        deliveries = dest_moves.picking_id.filtered(
            lambda p: p.is_exported_to_shipstation
            and p.shipstation_account_id
            and p.picking_type_code == "outgoing"
            and p.shipstation_sync_state == "waiting"
            and p.state == "assigned"
        )
        if deliveries:
            self.env["shipstation.sync"]._sync_deliveries_now(deliveries)

    def _shipstation_chained_pickings(self):
        """Open pick/pack transfers that feed these deliveries (move_orig_ids chain)."""
        if not self.move_ids.move_orig_ids:
            return self.browse()  # one-step delivery (prefetched: no query per delivery)
        moves = self.env["stock.move"].browse(self.move_ids._rollup_move_origs()) - self.move_ids
        return moves.picking_id - self

    # ------------------------------------------------------------------
    # Sync: what the planner is told (a fixed number of queries for any number, plus a few
    # per distinct kit when Manufacturing is installed)
    # ------------------------------------------------------------------

    def _shipstation_snapshots(self):
        """Plain snapshots of these deliveries for the planner, and targets for the reader.

        :return: ``(list of PickingSnapshot, list of fetch.Target)``, in ``self`` order
        """
        rows = self.read(SNAPSHOT_FIELDS)
        demand, reserved = self._shipstation_quantities()
        kits = self._shipstation_kit_skus()
        parcels, costs = self.env["shipstation.shipment"]._shipstation_recorded(self)
        snapshots, targets = [], []
        for row in rows:
            order_id = int_or_none(row["shipstation_order_id"])
            survivor_id = int_or_none(row["shipstation_survivor_order_id"])
            message = Message.from_json(row["shipstation_sync_code"])
            snapshots.append(
                PickingSnapshot(
                    id=row["id"],
                    name=row["name"],
                    order_id=order_id,
                    reserved=dict(reserved[row["id"]]),
                    demand=dict(demand[row["id"]]),
                    tracking_ref=row["carrier_tracking_ref"] or "",
                    cost=round(costs[row["id"]], 2),
                    parcels=tuple(parcels[row["id"]]),
                    survivor_id=survivor_id,
                    order_status=row["shipstation_order_status"] or "",
                    sync_state=row["shipstation_sync_state"] or "",
                    sync_message=message,
                    order_skus=frozenset((row["shipstation_order_skus"] or "").split("\n")) - {""},
                    origin=row["origin"] or "",
                    kits=kits.get(row["id"], {}),
                    order_lines=_lines_from_json(row["shipstation_order_lines"]),
                )
            )
            targets.append(
                Target(
                    order_id=order_id,
                    order_number=row["name"],
                    create_date=row["create_date"].replace(tzinfo=timezone.utc),
                    known=bool(row["shipstation_last_sync"]) or row["shipstation_sync_state"] == "failed",
                    survivor_id=survivor_id,
                    # Read again by id like a failure: labels recorded without items, whose order
                    # is to be read for them.
                    failed=row["shipstation_sync_state"] == "failed" or message == ITEMS_UNKNOWN,
                    last_attempt=row["shipstation_read_attempt"] or None,
                    missing_count=row["shipstation_missing_count"],
                    origin=row["origin"] or "",
                )
            )
        return snapshots, targets

    def _shipstation_quantities(self):
        """``(demand, reserved)``: ``{picking id: {sku: qty in product unit}}`` of the open moves."""
        moves = self.env["stock.move"].search_read(
            [("picking_id", "in", self.ids), ("state", "not in", ("done", "cancel"))],
            ["picking_id", "product_id", "product_qty", "product_uom_qty", "quantity"],
        )
        Product = self.env["product.product"].with_context(active_test=False)
        products = Product.browse({m["product_id"][0] for m in moves})
        sku_of = {product.id: shipstation_sku(product) for product in products}
        demand, reserved = defaultdict(lambda: defaultdict(float)), defaultdict(lambda: defaultdict(float))
        for move in moves:
            ratio = move["product_qty"] / move["product_uom_qty"] if move["product_uom_qty"] else 1.0
            sku = sku_of[move["product_id"][0]]
            demand[move["picking_id"][0]][sku] += move["product_qty"]
            reserved[move["picking_id"][0]][sku] += move["quantity"] * ratio
        return demand, reserved

    def _shipstation_kit_skus(self):
        """``{picking id: {kit sku: ((component sku, quantity per kit), ...)}}`` of the kits
        whose components these deliveries hold (none without Manufacturing)."""
        if "bom_line_id" not in self.env["stock.move"]._fields:
            return {}
        moves = self.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        per_line = {}
        for move_id, (kit, per_kit) in moves._shipstation_kits().items():
            move = moves.browse(move_id)
            key = (move.picking_id.id, shipstation_sku(kit))
            per_line.setdefault(key, {})[move.bom_line_id.id] = (shipstation_sku(move.product_id), per_kit)
        kits = {}
        for (picking_id, kit_sku), lines in per_line.items():
            components = {}
            for sku, per_kit in lines.values():
                components[sku] = components.get(sku, 0.0) + per_kit
            kits.setdefault(picking_id, {})[kit_sku] = tuple(sorted(components.items()))
        return kits

    # ------------------------------------------------------------------
    # Sync: applying one decision
    # ------------------------------------------------------------------

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

    def _shipstation_write_decision(self, account, decision, started_at):
        """Write a decision's fields and parcels; return the values of parcels to create.

        The caller creates the new parcels of a whole chunk in one go.
        """
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
                carrier = account._shipstation_carrier_for(decision.parcels)
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

    def _shipstation_record_failure(self, message):
        """Mark this delivery failed with ``message``; post it once, not at every run."""
        self.ensure_one()
        vals = self._shipstation_message_values(message)
        if self.shipstation_sync_state != "failed" or self.shipstation_sync_code != vals["shipstation_sync_code"]:
            self.write(dict(vals, shipstation_sync_state="failed"))
            self._message_log(body=escape(vals["shipstation_sync_message"]))

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

    # ------------------------------------------------------------------
    # Sync: stock operations
    # ------------------------------------------------------------------

    def _shipstation_prepare_validation(self, quantities):
        """Set the quantities to ship of these deliveries: the ones ShipStation shipped.

        Shipped quantities are taken from what each move has reserved, so stock is never
        forced out of a location that does not hold it (the planner only validates when
        the reservations cover what shipped), and exactly, whatever the moves' unit. The
        moves that ship their whole reservation in the product's unit (most of them) are
        marked picked in one write; only the others are set one by one.

        :param dict quantities: ``{picking id: {sku: qty in the product's unit}}``
        :raises UserError: when nothing is reserved on one of them
        """
        whole = self.env["stock.move"]
        for picking in self:
            left, shipping = dict(quantities.get(picking.id) or {}), False
            for move in picking.move_ids:
                if move.state in ("done", "cancel"):
                    continue
                unit = move.product_id.uom_id
                sku = shipstation_sku(move.product_id)
                reserved = move.product_uom._compute_quantity(move.quantity, unit, round=False)
                qty = min(left.get(sku, 0.0), reserved)
                left[sku] = left.get(sku, 0.0) - qty
                if float_is_zero(qty, precision_rounding=unit.rounding):
                    move._shipstation_set_quantity(0.0)
                    continue
                shipping = True
                if move.product_uom == unit and float_compare(qty, reserved, precision_rounding=unit.rounding) == 0:
                    whole |= move
                else:
                    # In part, or kept in another unit (which may not hold the quantity exactly).
                    move._shipstation_set_quantity(qty)
            if not shipping:
                raise UserError(_("Nothing reserved to ship: check the stock of %s.", picking.name))
        # Every line, even of a move a picker began: Odoo validates only the picked lines of a picked move.
        whole.write({"picked": True})
        self._shipstation_unpack_partial_packages()

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
        left = dict(decision.quantities or {})
        ship, rest = [], []
        for move in self.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
            unit = move.product_id.uom_id
            reserved = move.product_uom._compute_quantity(move.quantity, unit, round=False)
            demand = move.product_uom._compute_quantity(move.product_uom_qty, unit, round=False)
            sku = shipstation_sku(move.product_id)
            qty = min(left.get(sku, 0.0), reserved)
            left[sku] = left.get(sku, 0.0) - qty
            name = move.product_id.display_name
            if not float_is_zero(qty, precision_rounding=unit.rounding):
                ship.append("%g %s %s" % (qty, unit.name, name))
            if float_compare(demand, qty, precision_rounding=unit.rounding) > 0:
                rest.append("%g %s %s" % (demand - qty, unit.name, name))
        return ", ".join(ship) or False, ", ".join(rest) or False

    def _shipstation_unpack_partial_packages(self):
        """Goods taken out of a package that does not leave whole leave without it (the
        package stays in stock with the rest), as when shipping part of a package by hand."""
        lines = self.move_line_ids.filtered(lambda ml: ml.package_id and ml.result_package_id == ml.package_id)
        for picking, package in {(ml.picking_id, ml.package_id) for ml in lines}:
            own = lines.filtered(lambda ml, p=package, d=picking: ml.package_id == p and ml.picking_id == d)
            taken = sum(own.filtered("picked").mapped("quantity_product_uom"))
            content = sum(package.quant_ids.filtered(lambda q: q.location_id.usage == "internal").mapped("quantity"))
            if float_compare(taken, content, precision_digits=6) < 0:
                own.write({"result_package_id": False})

    def _shipstation_validate(self):
        """Validate these deliveries, their quantities set; the rest goes to backorders.

        :return: ``{picking id: [Message]}`` for the chatter
        :raises UserError: when Odoo did not validate one of them
        """
        # As superuser (the user stays the author): Odoo's own notes, such as the backorder's,
        # then never fail because the user who started the sync has no e-mail address.
        self.sudo().with_context(**VALIDATE_CONTEXT).button_validate()
        notes = {}
        for picking in self:
            if picking.state != "done":
                raise UserError(
                    _("Odoo did not validate %(name)s (it is %(state)s).", name=picking.name, state=picking.state)
                )
            notes[picking.id] = [msg.message(msg.VALIDATED)]
            picking._shipstation_tell_sale()
            backorders = picking.backorder_ids.filtered("is_exported_to_shipstation")
            if backorders:
                # What the next sync will find for them, so it has nothing to change.
                backorders.write(
                    dict(self._shipstation_message_values(BACKORDER_WAITING), shipstation_sync_state="waiting")
                )
                notes[picking.id].append(msg.message(msg.BACKORDER_CREATED, names=backorders.mapped("name")))
        return notes

    def _shipstation_tell_sale(self):
        """An internal note on the sale order for customer service: what shipped, with which
        carrier (nothing reaches the customer: the delivery's own e-mail does that)."""
        sale = self.sale_id if "sale_id" in self._fields else False
        parcels = self.shipstation_shipment_ids.filtered(lambda p: not p.voided and p.tracking_number)
        if not sale or not parcels:
            return
        lines = [
            Markup('<a href="%s" target="_blank">%s</a> (%s)')
            % (p.tracking_url, p.tracking_number, p.carrier_code or "?")
            if p.tracking_url
            else escape("%s (%s)" % (p.tracking_number, p.carrier_code or "?"))
            for p in parcels
        ]
        text = render(msg.message(msg.SALE_SHIPPED, name=self.name), self.env.lang)
        sale.sudo()._message_log(body=escape(text) + Markup("<br/>") + Markup("<br/>").join(lines))

    def _shipstation_split_beyond(self, beyond):
        """Move what ShipStation's order does not hold out of this delivery, before it is
        validated, into a delivery of its own that is not linked to ShipStation (so the
        export sends it), whatever the operation type does with backorders.

        :param dict beyond: ``{sku: qty in the product's unit}``
        :return: ``(that delivery or nothing, [Message])`` for this delivery's chatter
        """
        self.ensure_one()
        left, moving = dict(beyond or {}), self.env["stock.move"]
        for move in self.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
            sku = shipstation_sku(move.product_id)
            rounding = move.product_id.uom_id.rounding
            qty = min(left.get(sku, 0.0), move.product_qty)
            if float_is_zero(qty, precision_rounding=rounding):
                continue
            left[sku] -= qty
            if float_compare(qty, move.product_qty, precision_rounding=rounding) >= 0:
                moving |= move
            else:
                # As Odoo splits a move for a backorder: the part that stays keeps its reservation.
                split = self.env["stock.move"].create(move._split(qty))
                split.with_context(bypass_entire_pack=True)._action_confirm(merge=False)
                moving |= split
        if not moving:
            return self.browse(), []
        target = self.copy({"name": "/", "move_ids": [], "move_line_ids": [], "backorder_id": self.id})
        moving.write({"picking_id": target.id, "picked": False})
        moving.move_line_ids.package_level_id.write({"picking_id": target.id})
        moving.move_line_ids.write({"picking_id": target.id})
        target.shipstation_account_id = self.shipstation_account_id
        if target.picking_type_id.reservation_method == "at_confirm":
            target.action_assign()
        target._message_log(body=escape(render(msg.message(msg.NOT_IN_ORDER_SPLIT), self.env.lang)))
        return target, [msg.message(msg.BACKORDER_NOT_IN_ORDER, names=target.mapped("name"))]

    def _shipstation_cancel(self):
        """Cancel these deliveries, and the pick/pack transfers that only feed them.

        :return: ``{picking id: [Message]}`` for the chatter
        """
        upstream_of = {}
        for picking in self:
            # Found before cancelling: cancelling a move cuts its link to the previous step.
            upstream_of[picking.id] = picking._shipstation_chained_pickings().filtered(
                lambda p, out=picking: p.picking_type_code == "internal"
                and p.state not in ("done", "cancel")
                and not (p.move_ids.move_dest_ids.picking_id - out)
            )
        upstream = self.browse().union(*upstream_of.values())
        # As in _shipstation_validate; ShipStation said so: nothing goes back to it.
        (self | upstream).sudo().with_context(shipstation_sync_cancel=True).action_cancel()
        notes = {}
        for picking in self:
            notes[picking.id] = [msg.message(msg.CANCELLED)]
            if upstream_of[picking.id]:
                names = upstream_of[picking.id].mapped("name")
                notes[picking.id].append(msg.message(msg.UPSTREAM_CANCELLED, names=names))
        return notes
