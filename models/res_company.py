from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    shipstation_delivered_email = fields.Boolean(
        string="E-mail the Customer When Delivered (ShipStation)",
        help="When the carrier of a ShipStation parcel reports a delivery delivered, e-mail its customer.",
    )
    shipstation_delivered_template_id = fields.Many2one(
        "mail.template",
        string="Delivered E-mail Template",
        domain="[('model', '=', 'stock.picking')]",
        help="Leave empty for the connector's own template.",
    )
