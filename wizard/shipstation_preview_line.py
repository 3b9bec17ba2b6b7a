from odoo import fields, models


class ShipStationPreviewLine(models.TransientModel):
    """What a sync would do to one delivery, as the wizard's preview shows it."""

    _name = "shipstation.preview.line"
    _description = "ShipStation Sync Preview Line"
    _order = "account_id, action, picking_id"

    wizard_id = fields.Many2one("shipstation.operation.wizard", required=True, ondelete="cascade")
    account_id = fields.Many2one("shipstation.account", string="Account", readonly=True)
    picking_id = fields.Many2one("stock.picking", string="Delivery", readonly=True)
    action = fields.Selection(
        [
            ("validate", "Validate"),
            ("cancel", "Cancel"),
            ("wait", "Wait"),
            ("fail", "Fail"),
            ("update", "Update tracking or cost"),
        ],
        string="Would",
        readonly=True,
    )
    ship = fields.Char(string="Ships", readonly=True, help="What the validation would ship.")
    backorder = fields.Char(readonly=True, help="What would stay for a backorder.")
    tracking = fields.Char(readonly=True)
    cost = fields.Float(string="Shipping Cost", readonly=True)
    message = fields.Char(string="Why", readonly=True)

    def action_open_picking(self):
        self.ensure_one()
        return self.picking_id.get_formview_action()
