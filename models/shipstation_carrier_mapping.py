import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.shipstation.carriers import listed_carriers, mapping_problem, shape_problem
from ..lib.shipstation.errors import ShipStationError

_logger = logging.getLogger(__name__)


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
