from odoo import api, models

from ..lib.shipstation import outbox

#: Move fields whose change re-posts the delivery's ShipStation order.
WATCHED_MOVE_FIELDS = ("product_uom_qty", "product_id", "product_uom")


class StockMove(models.Model):
    """Lines and quantities changed on an exported delivery re-post its ShipStation order."""

    _inherit = "stock.move"  # pylint: disable=consider-merging-classes-inherited

    def _shipstation_edited_pickings(self):
        if self.env.context.get("shipstation_outbox_busy") or self.picking_id._shipstation_from_sync():
            return self.env["stock.picking"]
        return self.picking_id._shipstation_outbox_open()

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        pickings = moves._shipstation_edited_pickings()
        if pickings:
            pickings._shipstation_wish(outbox.UPDATE, "lines")
        return moves

    def write(self, vals):
        res = super().write(vals)
        if any(name in vals for name in WATCHED_MOVE_FIELDS) or vals.get("state") == "cancel":
            pickings = self._shipstation_edited_pickings()
            if pickings:
                pickings._shipstation_wish(outbox.UPDATE, "lines")
        return res
