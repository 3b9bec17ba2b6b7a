"""Deliveries and ShipStation: the fields, the export button, and Odoo's own operations
the connector extends. The sync's parts are in ``stock_picking_snapshot`` (what the planner
is told), ``stock_picking_sync`` (applying a decision) and ``stock_picking_stock`` (stock
operations)."""

import json

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..const import GROUP_USER

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


def shipstation_sku(product):
    """The SKU a product has in ShipStation: its internal reference (or a stand-in)."""
    return product.default_code or "product-%d" % product.id


class StockPicking(models.Model):
    _inherit = "stock.picking"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

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

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

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

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_export_to_shipstation(self):
        """Export the selected deliveries to ShipStation now (form button and list action).

        Each delivery goes to its ShipStation account, or to its company's account (the
        one of its warehouse first). Deliveries already exported are left alone.
        """
        if not self.env.user.has_group(GROUP_USER):
            raise AccessError(_("Only ShipStation users can export deliveries to ShipStation."))
        pickings = self.filtered(
            lambda p: p.picking_type_code == "outgoing"
            and p.state not in ("draft", "done", "cancel")
            and not p.is_exported_to_shipstation
        )
        if not pickings:
            raise UserError(_("Nothing to export: choose deliveries that are not done, cancelled or exported yet."))
        return self.env["shipstation.export"]._export_pickings(pickings)

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

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
