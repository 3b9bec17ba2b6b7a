import logging

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError

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
)


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
    shipstation_last_sync = fields.Datetime(
        string="ShipStation Last Sync",
        copy=False,
        help="When a sync last read this delivery's order from ShipStation successfully.",
    )
    shipstation_order_status = fields.Char(string="ShipStation Order Status", copy=False)
    shipstation_survivor_order_id = fields.Char(
        string="Merged Into ShipStation Order",
        copy=False,
        help="ShipStation order this delivery's order was merged into.",
    )
    shipstation_shipment_ids = fields.One2many("shipstation.shipment", "picking_id", string="ShipStation Parcels")

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
        Export = self.env["shipstation.export"]
        reports = []
        for account, group in pickings._shipstation_group_by_account().items():
            reports.append(Export._export(account, group))
        failed = sum(report.failed for report in reports) + sum(1 for report in reports if report.error)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Export to ShipStation"),
                "message": "\n".join(report.text() for report in reports),
                "type": "warning" if failed else "success",
                "sticky": bool(failed),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _shipstation_group_by_account(self):
        """``{account: deliveries}``: each delivery's account, or its warehouse's, or its company's."""
        accounts = self.env["shipstation.account"].search([("company_id", "in", self.company_id.ids)])
        groups = {}
        for picking in self:
            account = picking.shipstation_account_id
            if not account:
                candidates = accounts.filtered(lambda a, c=picking.company_id: a.company_id == c)
                warehouse = picking.picking_type_id.warehouse_id
                account = (
                    candidates.filtered(lambda a, w=warehouse: a.warehouse_id == w)[:1]
                    or candidates.filtered(lambda a: not a.warehouse_id)[:1]
                )
            if not account:
                raise UserError(_("No ShipStation account for the company of %s.", picking.name))
            groups[account] = groups.get(account, self.browse()) | picking
        return groups

    def _create_backorder(self):
        backorders = super()._create_backorder()
        for backorder in backorders.filtered(lambda b: b.backorder_id.is_exported_to_shipstation):
            source = backorder.backorder_id
            backorder.write(
                {name: source[name] for name in INHERITED_BY_BACKORDERS} | {"shipstation_sync_state": False}
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
