from odoo import api, models

from ..const import IN_TRANSIT_STATES
from ..lib.shipstation import outbox


class ShipStationCarrierMapping(models.Model):
    """A delivery method mapped to another ShipStation carrier or service re-posts the open
    orders of that method."""

    _inherit = "shipstation.carrier.mapping"

    def _shipstation_repost(self):
        for mapping in self:
            domain = [
                ("shipstation_account_id", "=", mapping.account_id.id),
                ("carrier_id", "=", mapping.carrier_id.id),
                ("is_exported_to_shipstation", "=", True),
                ("state", "not in", IN_TRANSIT_STATES),
            ]
            pickings = self.env["stock.picking"].sudo().search(domain)
            pickings = pickings._shipstation_outbox_open()
            if pickings:
                pickings._shipstation_wish(outbox.UPDATE, "carrier")

    @api.model_create_multi
    def create(self, vals_list):
        mappings = super().create(vals_list)
        mappings._shipstation_repost()
        return mappings

    def write(self, vals):
        if "carrier_id" in vals:
            # The old method's open orders lose this mapping: they are re-posted too.
            self._shipstation_repost()
        res = super().write(vals)
        if {"carrier_code", "service_code", "carrier_id"}.intersection(vals):
            self._shipstation_repost()
        return res

    def unlink(self):
        self._shipstation_repost()
        return super().unlink()
