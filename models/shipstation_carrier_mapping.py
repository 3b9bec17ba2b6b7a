import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.shipstation.carriers import listed_carriers, mapping_problem, shape_problem
from ..lib.shipstation.errors import ShipStationError

_logger = logging.getLogger(__name__)


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
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("carrier_code", "service_code", "account_id")
    def _check_shipstation_codes(self):
        """Codes look like ShipStation's, and name a carrier (and, on v2, a service of it) that
        ShipStation lists for the account (one call per account saved; when ShipStation cannot
        be reached, only the shape is checked)."""
        for mapping in self:
            for code in (mapping.carrier_code, mapping.service_code):
                if shape_problem(code):
                    raise ValidationError(
                        _(
                            "%(code)s is not a ShipStation code: codes are lowercase letters, digits and "
                            "underscores, e.g. ups, stamps_com, ups_ground.",
                            code=code,
                        )
                    )
        for account in self.account_id:
            listed = self._shipstation_listed(account)
            if listed is None:
                continue
            for mapping in self.filtered(lambda m, a=account: m.account_id == a):
                problem = mapping_problem(mapping.carrier_code, mapping.service_code, listed)
                if problem and problem[0] == "carrier":
                    raise ValidationError(
                        _(
                            "ShipStation lists no carrier %(code)s for %(account)s. Its carriers: %(codes)s.",
                            code=mapping.carrier_code,
                            account=account.name,
                            codes=", ".join(problem[1]) or "-",
                        )
                    )
                if problem:
                    raise ValidationError(
                        _(
                            "ShipStation lists no service %(service)s of carrier %(code)s for %(account)s. "
                            "Its services: %(services)s.",
                            service=mapping.service_code,
                            code=mapping.carrier_code,
                            account=account.name,
                            services=", ".join(problem[1]) or "-",
                        )
                    )

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

    @api.model
    def _shipstation_listed(self, account):
        """The carriers ShipStation lists for ``account``, or None when it cannot be read."""
        account = account.sudo()
        try:
            with account._get_shipstation_client(max_retries=0) as client:
                return listed_carriers(client)
        except (ShipStationError, UserError) as error:
            _logger.info("Carrier mapping of %s not checked against ShipStation: %s", account.name, error)
            return None
