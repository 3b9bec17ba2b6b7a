from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    shipstation_delivered_email = fields.Boolean(related="company_id.shipstation_delivered_email", readonly=False)
    shipstation_delivered_template_id = fields.Many2one(
        related="company_id.shipstation_delivered_template_id", readonly=False
    )
