from odoo import api, fields, models


class ShipStationCarrierMapping(models.Model):
    """Which ShipStation carrier and service a delivery method exports as (and, read the other
    way round, which delivery method a ShipStation carrier and service shipped with)."""

    _name = "shipstation.carrier.mapping"
    _description = "ShipStation Carrier Mapping"
    _order = "account_id, carrier_id"
    _sql_constraints = [
        ("carrier_unique", "UNIQUE(account_id, carrier_id)", "A delivery method is mapped once per account."),
    ]

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    account_id = fields.Many2one("shipstation.account", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    carrier_id = fields.Many2one("delivery.carrier", string="Delivery Method", required=True, ondelete="cascade")
    carrier_code = fields.Char(string="ShipStation Carrier", required=True, help="e.g. ups, fedex, stamps_com")
    service_code = fields.Char(string="ShipStation Service", help="e.g. ups_ground, usps_priority_mail")

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _shipstation_codes_for(self, account, carrier):
        """``(carrier code, service code or None)`` the account's mapping gives the delivery method
        ``carrier`` (for an export), or None when it maps nothing."""
        if not carrier:
            return None
        mapping = account.carrier_mapping_ids.filtered(lambda m: m.carrier_id == carrier)[:1]
        return (mapping.carrier_code, mapping.service_code or None) if mapping else None

    @api.model
    def _shipstation_carrier_for(self, account, parcels):
        """The delivery method the account's mapping gives the carrier and service that shipped
        (its first live parcel): the mapping read the other way round. None when none maps."""
        live = [p for p in parcels if not p.voided and not p.is_return and p.carrier_code]
        if not live or not account.carrier_mapping_ids:
            return None
        carrier, service = live[0].carrier_code.lower(), (live[0].service_code or "").lower()
        mappings = account.carrier_mapping_ids.filtered(lambda m: (m.carrier_code or "").lower() == carrier)
        exact = mappings.filtered(lambda m: (m.service_code or "").lower() == service)
        return (exact or mappings.filtered(lambda m: not m.service_code))[:1].carrier_id or None
