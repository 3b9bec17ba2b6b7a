from odoo import fields, models


class ShipStationSyncRunLine(models.Model):
    """One delivery a run changed or failed, and what the run did to it."""

    _name = "shipstation.sync.run.line"
    _description = "ShipStation Run Line"
    _order = "run_id desc, id"
    _rec_name = "picking_id"

    run_id = fields.Many2one("shipstation.sync.run", string="Run", required=True, index=True, ondelete="cascade")
    picking_id = fields.Many2one(
        "stock.picking", string="Delivery", required=True, index=True, ondelete="cascade", readonly=True
    )
    action = fields.Selection(
        [
            ("validated", "Validated"),
            ("cancelled", "Cancelled"),
            ("waiting", "Waiting"),
            ("failed", "Failed"),
            ("updated", "Updated"),
            ("exported", "Exported"),
        ],
        required=True,
        readonly=True,
    )
    message = fields.Char(readonly=True)
    account_id = fields.Many2one(related="run_id.account_id")
    date_start = fields.Datetime(related="run_id.date_start")
    company_id = fields.Many2one(related="run_id.company_id")

    def action_open_picking(self):
        """Open the delivery of this line."""
        self.ensure_one()
        return self.picking_id.get_formview_action()
