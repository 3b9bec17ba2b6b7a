from odoo import fields, models


class ShipStationCarrierMapping(models.Model):
    """Which ShipStation carrier and service a delivery method exports as."""

    _name = "shipstation.carrier.mapping"
    _description = "ShipStation Carrier Mapping"
    _order = "account_id, carrier_id"

    account_id = fields.Many2one("shipstation.account", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    carrier_id = fields.Many2one("delivery.carrier", string="Delivery Method", required=True, ondelete="cascade")
    carrier_code = fields.Char(string="ShipStation Carrier", required=True, help="e.g. ups, fedex, stamps_com")
    service_code = fields.Char(string="ShipStation Service", help="e.g. ups_ground, usps_priority_mail")

    _sql_constraints = [
        ("carrier_unique", "UNIQUE(account_id, carrier_id)", "A delivery method is mapped once per account."),
    ]
