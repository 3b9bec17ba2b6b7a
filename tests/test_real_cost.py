from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import ShipStationCommon


class RealCostCommon(ShipStationCommon):
    """Sales whose deliveries ShipStation ships, with delivery methods at real or estimated cost."""

    @classmethod
    def _make_carrier(cls, name, policy="real", **values):
        product = cls.env["product.product"].create({"name": name, "type": "service", "list_price": 0.0})
        return cls.env["delivery.carrier"].create(
            {"name": name, "product_id": product.id, "invoice_policy": policy, "delivery_type": "fixed", **values}
        )

    def _sale(self, carrier, lines, estimate=None, account=None, pricelist=None):
        """A confirmed sale shipped with ``carrier``, its delivery exported to ShipStation.

        :param estimate: the shipping quoted on the sale (a delivery line), or None for no line
        :return: (sale, delivery, ShipStation order)
        """
        sale = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [Command.create({"product_id": p.id, "product_uom_qty": q}) for p, q in lines],
                **({"pricelist_id": pricelist.id} if pricelist else {}),
            }
        )
        if estimate is None:
            sale.carrier_id = carrier
        else:
            sale.set_delivery_line(carrier, estimate)
        sale.action_confirm()
        picking = sale.picking_ids
        self.assertEqual(len(picking), 1)
        self.assertEqual(picking.carrier_id, carrier)
        picking.action_assign()
        account = account or self.account
        order = self._order_for(picking, lines)
        picking.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": account.id,
                "shipstation_order_id": account._shipstation_ref(order["orderId"]),
            }
        )
        return sale, picking, order

    @staticmethod
    def _shipping(sale):
        """The sale's delivery lines as ``[(product name, unit price)]``, in order."""
        return [(line.product_id.name, line.price_unit) for line in sale.order_line.filtered("is_delivery")]


@tagged("post_install", "-at_install")
class TestRealCost(RealCostCommon):
    """A delivery validated from ShipStation puts the label's cost on the sale, as Odoo's carriers do."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.real = cls._make_carrier("Parcel at real cost")
        cls.estimated = cls._make_carrier("Parcel at estimated cost", policy="estimated", fixed_price=5.0)

    def test_real_cost_fills_the_delivery_line_still_at_zero(self):
        sale, picking, order = self._sale(self.real, [(self.mug, 2), (self.tee, 1)], estimate=5.0)
        self.assertEqual(self._shipping(sale), [("Parcel at real cost", 0.0)], "Odoo quotes real cost at zero")
        self.sandbox.store.ship_order(
            order["orderId"],
            parcels=[
                {"trackingNumber": "RC1", "shipmentCost": 7.5, "items": [{"sku": "SS-MUG", "quantity": 2}]},
                {"trackingNumber": "RC2", "shipmentCost": 5.25, "items": [{"sku": "SS-TEE-M", "quantity": 1}]},
            ],
        )
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertAlmostEqual(picking.carrier_price, 12.75)
        self.assertEqual(self._shipping(sale), [("Parcel at real cost", 12.75)], "one line, the two labels")
        self.assertEqual(sale.order_line.filtered("is_delivery").name, "Parcel at real cost")
        self.assertIn("Shipping cost of 12.75 USD put on sale order %s" % sale.name, self._notes(picking)[0])
        # Nothing new: a second run hands nothing off again.
        self._age_watermark()
        self._sync()
        self.assertEqual(self._shipping(sale), [("Parcel at real cost", 12.75)])

    def test_real_cost_adds_a_delivery_line_when_the_sale_has_none(self):
        sale, picking, order = self._sale(self.real, [(self.mug, 1)])
        self.assertFalse(self._shipping(sale))
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "RC3", "shipmentCost": 8.4}])
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertEqual(self._shipping(sale), [("Parcel at real cost", 8.4)])
        self.assertEqual(sale.order_line.filtered("is_delivery").product_id, self.real.product_id)

    def test_margin_is_added_where_odoo_adds_one(self):
        by_rule = self._make_carrier("Rules at real cost", delivery_type="base_on_rule", margin=0.1, fixed_margin=2.0)
        # Odoo adds no margin to a fixed-price method (delivery.carrier._apply_margins).
        fixed = self._make_carrier("Fixed at real cost", margin=0.1, fixed_margin=2.0)
        sale_rule, picking_rule, order_rule = self._sale(by_rule, [(self.mug, 1)], estimate=0.0)
        sale_fixed, picking_fixed, order_fixed = self._sale(fixed, [(self.cap, 1)], estimate=0.0)
        self.sandbox.store.ship_order(order_rule["orderId"], parcels=[{"trackingNumber": "M1", "shipmentCost": 10.0}])
        self.sandbox.store.ship_order(order_fixed["orderId"], parcels=[{"trackingNumber": "M2", "shipmentCost": 10.0}])
        self._sync()
        self.assertEqual((picking_rule.state, picking_fixed.state), ("done", "done"))
        self.assertEqual(self._shipping(sale_rule), [("Rules at real cost", 13.0)], "10 + 10 % + 2")
        self.assertEqual(self._shipping(sale_fixed), [("Fixed at real cost", 10.0)])
        # ShipStation's own figure stays on the delivery; the margin is the customer's price.
        self.assertEqual(picking_rule.shipstation_shipping_cost, 10.0)

    def _eur_account(self, rate):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].search([("currency_id", "=", eur.id)]).unlink()
        if rate:
            self.env["res.currency.rate"].create({"currency_id": eur.id, "rate": rate, "name": "2000-01-01"})
        self.assertEqual(self.company.currency_id, self.env.ref("base.USD"))
        return self._make_account("EUR account", currency_id=eur.id)

    def test_a_cost_in_another_currency_is_converted_to_the_company_currency(self):
        account = self._eur_account(rate=0.5)  # 1 USD = 0.5 EUR
        sale, picking, order = self._sale(self.real, [(self.mug, 1)], estimate=5.0, account=account)
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "EUR1", "shipmentCost": 12.0}])
        self._sync(account)
        self.assertEqual(picking.state, "done")
        self.assertEqual(self._shipping(sale), [("Parcel at real cost", 24.0)])

    def test_a_cost_that_cannot_be_converted_is_not_handed_off_and_the_delivery_says_why(self):
        account = self._eur_account(rate=None)
        sale, picking, order = self._sale(self.real, [(self.mug, 1)], estimate=5.0, account=account)
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "EUR2", "shipmentCost": 12.0}])
        self._sync(account)
        self.assertEqual(picking.state, "done", "the delivery still ships")
        self.assertEqual(self._shipping(sale), [("Parcel at real cost", 0.0)], "never converted 1:1")
        self.assertEqual(picking.carrier_price, 0.0)
        self.assertIn(
            "The shipping cost was not put on sale order %s: 12.00 EUR cannot be converted to USD" % sale.name,
            self._notes(picking)[0],
        )

    def test_a_sale_in_another_currency_is_charged_in_its_own(self):
        self._eur_account(rate=0.5)  # 1 USD = 0.5 EUR; the account itself is in USD
        pricelist = self.env["product.pricelist"].create({"name": "Euro", "currency_id": self.env.ref("base.EUR").id})
        sale, picking, order = self._sale(self.real, [(self.mug, 1)], estimate=0.0, pricelist=pricelist)
        self.assertEqual(sale.currency_id.name, "EUR")
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "EUR3", "shipmentCost": 10.0}])
        self._sync()
        self.assertEqual(self._shipping(sale), [("Parcel at real cost", 5.0)], "10 USD on a sale in EUR")
        self.assertIn("Shipping cost of 5.00 EUR put on sale order", self._notes(picking)[0])

    def test_a_warehouse_user_without_sales_rights_hands_the_cost_off(self):
        clerk = new_test_user(
            self.env, "ss_real_cost_clerk", groups="stock.group_stock_user,shipstation_connector.group_shipstation_user"
        )
        self.assertFalse(clerk.has_group("sales_team.group_sale_salesman"))
        sale, picking, order = self._sale(self.real, [(self.mug, 1)], estimate=5.0)
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "CLERK1", "shipmentCost": 6.3}])
        self._sync(user=clerk)
        self.assertEqual(picking.state, "done")
        self.assertEqual(self._shipping(sale), [("Parcel at real cost", 6.3)])

    def test_a_backorder_adds_its_own_line_as_each_delivery_of_a_sale_does(self):
        sale, picking, order = self._sale(self.real, [(self.mug, 3), (self.tee, 2)], estimate=5.0)
        self.sandbox.store.ship_order(
            order["orderId"],
            parcels=[{"trackingNumber": "BO1", "shipmentCost": 6.0, "items": [{"sku": "SS-MUG", "quantity": 2}]}],
        )
        self._sync()
        backorder = picking.backorder_ids
        self.assertEqual((picking.state, len(backorder)), ("done", 1))
        self.assertEqual(self._shipping(sale), [("Parcel at real cost", 6.0)])
        self.sandbox.store.ship_order(
            order["orderId"],
            parcels=[
                {
                    "trackingNumber": "BO2",
                    "shipmentCost": 4.5,
                    "items": [{"sku": "SS-MUG", "quantity": 1}, {"sku": "SS-TEE-M", "quantity": 2}],
                }
            ],
        )
        self._sync()
        self.assertEqual(backorder.state, "done")
        self.assertEqual(backorder.carrier_price, 4.5)
        self.assertEqual(self._shipping(sale), [("Parcel at real cost", 6.0), ("Parcel at real cost", 4.5)])

    def test_estimated_cost_is_left_alone(self):
        sale, picking, order = self._sale(self.estimated, [(self.mug, 1)], estimate=5.0)
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "EST1", "shipmentCost": 9.0}])
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.shipstation_shipping_cost, 9.0)
        self.assertEqual(picking.carrier_price, 0.0)
        self.assertEqual(self._shipping(sale), [("Parcel at estimated cost", 5.0)])
        self.assertFalse(any("put on sale order" in body for body in self._notes(picking)))
