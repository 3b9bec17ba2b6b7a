from odoo import api, models


class ShipStationExport(models.AbstractModel):
    """The export keeps the key ShipStation holds the order under: later updates re-post
    the order under that key (a v1 upsert under another key would create a second order)."""

    _inherit = "shipstation.export"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _mark_exported(self, account, picking, result, report):
        res = super()._mark_exported(account, picking, result, report)
        picking.shipstation_order_key = result.get("orderKey") or self._order_key(picking)
        return res
