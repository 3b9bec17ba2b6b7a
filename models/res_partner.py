from odoo import models

from ..lib.shipstation import outbox

#: Contact fields a ShipStation order copies (ship-to and bill-to).
ADDRESS_FIELDS = frozenset(
    ("name", "street", "street2", "city", "zip", "state_id", "country_id", "phone", "mobile", "email", "is_company")
)


class ResPartner(models.Model):
    """A delivery address corrected on the contact itself re-posts the open ShipStation
    orders shipping to it."""

    _inherit = "res.partner"

    def write(self, vals):
        res = super().write(vals)
        if ADDRESS_FIELDS.intersection(vals):
            domain = [
                ("partner_id", "in", self.ids),
                ("is_exported_to_shipstation", "=", True),
                ("state", "not in", ("draft", "done", "cancel")),
            ]
            pickings = self.env["stock.picking"].sudo().search(domain)
            pickings = pickings._shipstation_outbox_open()
            if pickings:
                pickings._shipstation_wish(outbox.UPDATE, "address")
        return res
