from odoo import models
from odoo.tools import float_compare, float_is_zero, float_round


class StockMove(models.Model):
    _inherit = "stock.move"

    # ------------------------------------------------------------
    # KITS (MANUFACTURING'S BOMS OF TYPE KIT, WHEN MANUFACTURING IS INSTALLED)
    # ------------------------------------------------------------

    def _shipstation_kits(self):
        """The kit each of these moves is a component of.

        A sale of a kit is delivered as its components; a ShipStation order from a sales
        channel lists the kit. Odoo's own explosion of the kit's BoM gives how many of each
        component one kit holds (nested kits included).

        :return: ``{move id: (kit product, component quantity per kit in the component's unit)}``;
            empty when Manufacturing is not installed
        """
        if "bom_line_id" not in self._fields:
            return {}
        result, explosions = {}, {}
        for move in self.filtered("bom_line_id"):
            kit = move._shipstation_kit_product()
            if not kit:
                continue
            key = (kit, move.company_id)
            if key not in explosions:
                explosions[key] = self._shipstation_explode(kit, move.company_id)
            line = explosions[key].get(move.bom_line_id.id)
            if line:
                result[move.id] = (kit, line[1])
        return result

    def _shipstation_kit_product(self):
        """The kit this component move delivers: the product sold, else its BoM's product."""
        self.ensure_one()
        sale_line = self.sale_line_id if "sale_line_id" in self._fields else False
        if sale_line and sale_line.product_id != self.product_id:
            return sale_line.product_id
        bom = self.bom_line_id.bom_id
        if bom.type != "phantom":
            return None
        if bom.product_id:
            return bom.product_id
        variants = bom.product_tmpl_id.product_variant_ids
        return variants if len(variants) == 1 else None

    def _shipstation_explode(self, kit, company):
        """``{bom line id: (component, quantity per kit in its unit)}`` of one ``kit``."""
        bom = self.env["mrp.bom"].sudo()._bom_find(kit, company_id=company.id, bom_type="phantom")[kit]
        if not bom:
            return {}
        factor = kit.uom_id._compute_quantity(1.0, bom.product_uom_id, round=False) / bom.product_qty
        _boms, lines = bom.explode(kit, factor)
        exploded = {}
        for bom_line, data in lines:
            product = bom_line.product_id
            qty = bom_line.product_uom_id._compute_quantity(data["qty"], product.uom_id, round=False)
            if product.type != "service" and qty:
                # A line reached twice (a sub-kit used twice) counts twice.
                exploded[bom_line.id] = (product, exploded.get(bom_line.id, (product, 0.0))[1] + qty)
        return exploded

    # ------------------------------------------------------------
    # QUANTITIES TO SHIP
    # ------------------------------------------------------------

    def _shipstation_set_quantity(self, qty):
        """Ship ``qty`` of this move, given in the product's unit, exactly.

        A move kept in another unit (the sale's, with ``stock.propagate_uom``) whose
        quantity that unit cannot hold exactly (7 units of a move in dozens) is counted in
        the product's unit first, as Odoo's own split does with such quantities: what is
        done and what stays in stock are then exact.
        """
        self.ensure_one()
        unit = self.product_id.uom_id
        if self.product_uom != unit:
            in_move = float_round(
                unit._compute_quantity(qty, self.product_uom, round=False),
                precision_rounding=self.product_uom.rounding,
            )
            back = self.product_uom._compute_quantity(in_move, unit, round=False)
            if float_compare(back, qty, precision_rounding=unit.rounding) == 0:
                self._shipstation_ship(in_move)
                return
            self._shipstation_count_in_product_unit()
        self._shipstation_ship(qty)

    def _shipstation_ship(self, qty):
        self.quantity = qty
        self.picked = not float_is_zero(qty, precision_rounding=self.product_uom.rounding)

    def _shipstation_count_in_product_unit(self):
        """Count this move and its reservations in the product's unit (same quantities)."""
        unit = self.product_id.uom_id
        for line in self.move_line_ids:
            line.write({"product_uom_id": unit.id, "quantity": line.quantity_product_uom})
        self.with_context(do_not_unreserve=True).write({"product_uom": unit.id, "product_uom_qty": self.product_qty})
