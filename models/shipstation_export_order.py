"""The order ShipStation receives for a delivery (``POST /orders/createorder`` shape): what
must be fixed first, the addresses, the items (kits as their components) and their prices.
The export's other concern, sending and recording, is in ``shipstation_export``."""

from datetime import timezone

from odoo import _, api, models

from ..lib.shipstation import messages as msg
from ..lib.shipstation.prices import split_price


def _aware(value):
    return value.replace(tzinfo=timezone.utc) if value else None


class ShipStationExport(models.AbstractModel):
    # One concern of the model a file (none over 400 lines); the registry merges the classes.
    _inherit = "shipstation.export"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # THE ORDER SHIPSTATION RECEIVES
    # ------------------------------------------------------------

    @api.model
    def _check(self, picking):
        """What must be fixed before ``picking`` can go to ShipStation (a Message), or None."""
        partner = picking.partner_id
        if not partner:
            return msg.message(msg.EXPORT_NO_ADDRESS)
        if not (partner.street and partner.city):
            return msg.message(msg.EXPORT_NO_STREET, partner=partner.display_name)
        if not partner.country_id:
            return msg.message(msg.EXPORT_NO_COUNTRY, partner=partner.display_name)
        moves = picking.move_ids.filtered(lambda m: m.state != "cancel")
        no_code = moves.product_id.filtered(lambda p: not p.default_code)
        if no_code:
            return msg.message(msg.EXPORT_NO_SKU, products=no_code.mapped("display_name"))
        if not moves or any(m.product_uom_qty <= 0 for m in moves):
            return msg.message(msg.EXPORT_ZERO_QUANTITY)
        fractional = moves.filtered(lambda m: m.product_qty != int(m.product_qty))
        if fractional:
            return msg.message(msg.EXPORT_FRACTIONAL, products=fractional.product_id.mapped("display_name"))
        return None

    @api.model
    def _weight(self, value):
        """ShipStation weight of ``value`` in the database's weight unit (kg or lb)."""
        uom = self.env["product.template"]._get_weight_uom_id_from_ir_config_parameter()
        if uom == self.env.ref("uom.product_uom_lb", raise_if_not_found=False):
            return {"value": round(value, 3), "units": "pounds"}
        kilograms = uom._compute_quantity(value, self.env.ref("uom.product_uom_kgm"))
        return {"value": round(kilograms * 1000, 1), "units": "grams"}

    @api.model
    def _order_key(self, picking):
        """Stable key, unique per database and delivery: re-sending updates the same order."""
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        return "odoo-%s-%s" % (uuid, picking.id)

    @api.model
    def _address(self, partner):
        return {
            "name": partner.name or partner.display_name,
            # False (a person of no company) is not a string: ShipStation's model wants text or null.
            "company": partner.commercial_company_name or None
            if partner.commercial_company_name != partner.name
            else None,
            "street1": partner.street or "",
            "street2": partner.street2 or None,
            "city": partner.city or "",
            "state": partner.state_id.code or None,
            "postalCode": partner.zip or "",
            "country": partner.country_id.code or "",
            "phone": partner.phone or partner.mobile or None,
            "residential": not partner.is_company,
        }

    @api.model
    def _prepare_items(self, picking):
        items = []
        moves = picking.move_ids.filtered(lambda m: m.state != "cancel")
        kits, explosions, kit_lines = moves._shipstation_kits(), {}, {}
        for move in moves:
            product = move.product_id
            item = {
                "lineItemKey": str(move.id),
                "sku": product.default_code,
                "name": product.display_name,
                "quantity": int(move.product_qty),
                "weight": self._weight(product.weight),
            }
            if move.id in kits:
                kit, per_kit = kits[move.id]
                if (kit, move.company_id) not in explosions:
                    explosions[kit, move.company_id] = move._shipstation_explode(kit, move.company_id)
                components = explosions[kit, move.company_id]
                item["unitPrice"] = self._kit_component_price(move, kit, per_kit, components)
                item["options"] = [{"name": _("Kit"), "value": kit.display_name}]
                sale_line = move.sale_line_id.id if "sale_line_id" in move._fields else False
                kit_lines.setdefault((kit.id, sale_line), []).append(item)
            else:
                item["unitPrice"] = round(self._unit_price(move, product), 2)
            items.append(item)
        for lines in kit_lines.values():
            # Each component rounded on its own could miss the kit's price by a cent or two.
            prices = split_price([(item["unitPrice"], item["quantity"]) for item in lines])
            for item, price in zip(lines, prices):
                item["unitPrice"] = price
        return items

    @api.model
    def _unit_price(self, move, product):
        """Price of one unit of ``product`` (in its own unit, as quantities go) on ``move``'s sale."""
        sale_line = move.sale_line_id if "sale_line_id" in move._fields else False
        if sale_line:
            return sale_line.product_uom._compute_price(sale_line.price_unit, product.uom_id)
        return product.lst_price

    @api.model
    def _kit_component_price(self, move, kit, per_kit, components):
        """A kit component's share of the kit's price, per component unit.

        The warehouse picks the components, so the order lists them; their prices split the
        kit's sale price by the components' cost (by quantity when they have none), so the
        order's value (customs, insurance) is the sale's.

        :param dict components: the kit's explosion (``stock.move._shipstation_explode``)
        """
        own = components.get(move.bom_line_id.id)
        if not own:
            return 0.0
        costs = {line: product.standard_price * qty for line, (product, qty) in components.items()}
        total = sum(costs.values())
        if total > 0:
            share = costs[move.bom_line_id.id] / total
        else:
            share = own[1] / sum(qty for _product, qty in components.values())
        return self._unit_price(move, kit) * share / per_kit

    @api.model
    def _prepare_order(self, account, picking):
        """The ShipStation order for ``picking`` (``POST /orders/createorder`` shape)."""
        partner = picking.partner_id
        sale = picking.sale_id if "sale_id" in picking._fields else False
        bill_to = sale.partner_invoice_id if sale else partner.commercial_partner_id
        weight = picking.shipping_weight or picking.weight
        order = {
            "orderNumber": picking.name,
            "orderKey": self._order_key(picking),
            "orderDate": _aware(sale.date_order if sale else picking.create_date),
            "paymentDate": _aware(sale.date_order if sale else picking.create_date),
            "shipByDate": _aware(picking.date_deadline or picking.scheduled_date),
            "orderStatus": "awaiting_shipment",
            "customerUsername": partner.email or partner.display_name,
            "customerEmail": partner.email or None,
            "billTo": self._address(bill_to),
            "shipTo": self._address(partner),
            "items": self._prepare_items(picking),
            "weight": self._weight(weight),
            "internalNotes": picking.note and str(picking.note) or None,
            "advancedOptions": {
                "storeId": account.store_id or None,
                "customField1": picking.origin or None,
                "source": "odoo",
            },
        }
        codes = self.env["shipstation.carrier.mapping"]._shipstation_codes_for(account, picking.carrier_id)
        if codes:
            order.update(carrierCode=codes[0], serviceCode=codes[1])
        return order
