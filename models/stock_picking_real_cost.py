from odoo import fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.shipstation import messages as msg


class StockPicking(models.Model):
    """The label's cost on the sale order, for delivery methods that invoice the real cost.

    Odoo hands a carrier's price to the sale order in ``send_to_shipper()``, which a
    delivery validated from ShipStation never runs (ShipStation bought the label). This
    does the same hand-off with ShipStation's cost instead of the carrier's answer.
    """

    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    def _shipstation_real_cost_to_sale(self):
        """Put ShipStation's cost of this validated delivery on its sale order, as Odoo does for
        its own carriers: ``carrier_price`` (the sale's currency, the method's free-over rule and
        margins applied as ``send_to_shipper()`` applies them), then ``_add_delivery_cost_to_so()``,
        which fills a delivery line still at zero or adds one. A backorder adds its own line, as
        Odoo does for each delivery of a sale. Methods at *Estimated cost* are left alone.

        :return: ``[Message]`` for the delivery's chatter (nothing when nothing is handed off)
        """
        self.ensure_one()
        sale, carrier = self.sale_id, self.carrier_id
        if not sale or carrier.invoice_policy != "real":
            return []
        parcels = self.shipstation_shipment_ids.filtered(lambda p: p.charged and not p.voided)
        if not parcels:  # nothing ShipStation charged to this delivery (a merged order's other delivery)
            return []
        account = self.shipstation_account_id or parcels[0].account_id
        cost = sum(parcels.mapped("shipment_cost"))
        company = self.company_id
        price = account._shipstation_company_cost(cost, company, fields.Date.context_today(self))
        if price is None:
            return [
                msg.message(
                    msg.REAL_COST_NOT_CONVERTED,
                    name=sale.name,
                    cost="%.2f" % cost,
                    currency=account.currency_id.name,
                    company_currency=company.currency_id.name,
                )
            ]
        # From here on exactly as stock_delivery's send_to_shipper(), ShipStation's cost being the
        # carrier's exact price (in the sale's currency, which the sale line is priced in).
        price = carrier._compute_currency(sale, price, "company_to_pricelist")
        if carrier.free_over:
            amount = sale._compute_amount_total_without_delivery()
            if carrier._compute_currency(sale, amount, "pricelist_to_company") >= carrier.amount:
                price = 0.0
        try:
            with self.env.cr.savepoint():
                self.carrier_price = carrier.with_context(order=sale)._apply_margins(price)
                self._add_delivery_cost_to_so()
        except (UserError, ValidationError) as error:
            return [msg.message(msg.REAL_COST_FAILED, name=sale.name, error=str(error))]
        if not self.carrier_price:
            return []
        return [
            msg.message(
                msg.REAL_COST_ADDED, name=sale.name, cost="%.2f" % self.carrier_price, currency=sale.currency_id.name
            )
        ]
