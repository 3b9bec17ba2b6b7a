from odoo.tests import new_test_user, tagged

from .test_real_cost import RealCostCommon


@tagged("post_install", "-at_install")
class TestShippingCostReport(RealCostCommon):
    """The shipping cost analyses, over known sales, parcels and deliveries synced from the sandbox."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.real = cls._make_carrier("Parcel at real cost")
        cls.estimated = cls._make_carrier("Parcel at estimated cost", policy="estimated", fixed_price=5.0)
        eur = cls.env.ref("base.EUR")
        eur.active = True
        cls.env["res.currency.rate"].search([("currency_id", "=", eur.id)]).unlink()
        cls.env["res.currency.rate"].create({"currency_id": eur.id, "rate": 0.5, "name": "2000-01-01"})
        cls.eur_account = cls._make_account("EUR account", currency_id=eur.id)

    def _ship(self, order, *parcels, **options):
        return self.sandbox.store.ship_order(order["orderId"], parcels=list(parcels), **options)

    def _known_data(self):
        """Four sales and a delivery without one, shipped in ShipStation and synced.

        :return: {name: delivery}
        """
        # Real cost, two parcels of two carriers: the customer pays what the labels cost.
        _s1, d1, o1 = self._sale(self.real, [(self.mug, 1), (self.cap, 1)], estimate=0.0)
        self._ship(
            o1,
            {"trackingNumber": "R1A", "shipmentCost": 6.0, "insuranceCost": 1.0, "items": [{"sku": "SS-MUG"}]},
            {
                "trackingNumber": "R1B",
                "shipmentCost": 4.0,
                "carrierCode": "usps",
                "serviceCode": "usps_priority",
                "items": [{"sku": "SS-CAP"}],
            },
            ship_date="2026-03-10",
        )
        # Estimated at 5, the label cost 9: shipping lost 4.
        _s2, d2, o2 = self._sale(self.estimated, [(self.mug, 1)], estimate=5.0)
        self._ship(o2, {"trackingNumber": "E2", "shipmentCost": 9.0}, ship_date="2026-03-12")
        # Estimated at 5, shipped in two deliveries (3 + 2): paid once, on the first delivery.
        _s3, d3, o3 = self._sale(self.estimated, [(self.mug, 2), (self.tee, 1)], estimate=5.0)
        self._ship(o3, {"trackingNumber": "P3A", "shipmentCost": 3.0, "items": [{"sku": "SS-MUG", "quantity": 2}]})
        self._sync()
        d3b = d3.backorder_ids
        self.assertEqual(len(d3b), 1)
        self._ship(
            o3,
            {"trackingNumber": "P3B", "shipmentCost": 2.0, "items": [{"sku": "SS-TEE-M", "quantity": 1}]},
            ship_date="2026-04-02",
        )
        # A delivery without a sale, in the EUR account: 12 EUR = 24 USD.
        d4, o4 = self._make_delivery([(self.cap, 1)], account=self.eur_account)
        self._ship(o4, {"trackingNumber": "EUR4", "shipmentCost": 12.0}, ship_date="2026-04-05")
        # A label voided after the sync recorded it (the delivery waits for its poster).
        poster = self._make_product("Poster", "SS-POSTER", qty=0)
        d5, o5 = self._make_delivery([(poster, 1)])
        voided = self._ship(o5, {"trackingNumber": "V5", "shipmentCost": 20.0}, ship_date="2026-04-06")
        self._sync()
        self._sync(self.eur_account)
        self.sandbox.store.void_shipment(voided[0]["shipmentId"])
        self._sync()
        deliveries = {"d1": d1, "d2": d2, "d3": d3, "d3b": d3b, "d4": d4, "d5": d5}
        self.assertEqual({d.state for name, d in deliveries.items() if name != "d5"}, {"done"})
        self.assertNotEqual(d5.state, "done")
        self.assertTrue(d5.shipstation_shipment_ids.voided)
        self.env.flush_all()
        return deliveries

    def _groups(self, model, domain, measures, groupby):
        rows = self.env[model].read_group(domain, [m + ":sum" for m in measures], [groupby], lazy=False)
        return {
            row[groupby][1] if isinstance(row[groupby], tuple) else row[groupby]: tuple(
                round(row[m], 2) for m in measures
            )
            for row in rows
        }

    def test_parcel_analysis_by_carrier_service_and_month_in_the_company_currency(self):
        deliveries = self._known_data()
        mine = [("picking_id", "in", [d.id for d in deliveries.values()])]
        live = mine + [("voided", "=", False)]  # the action's default filter
        measures = ["package_count", "cost", "insurance"]
        self.assertEqual(
            self._groups("shipstation.parcel.report", live, measures, "carrier_code"),
            {"ups": (5, 6.0 + 9.0 + 3.0 + 2.0 + 24.0, 1.0), "usps": (1, 4.0, 0.0)},
        )
        self.assertEqual(
            self._groups("shipstation.parcel.report", live, ["cost"], "service_code"),
            {"ups_ground": (44.0,), "usps_priority": (4.0,)},
        )
        self.assertEqual(
            self._groups("shipstation.parcel.report", live, ["cost"], "account_id"),
            {"Main ShipStation": (24.0,), "EUR account": (24.0,)},
        )
        months = self._groups("shipstation.parcel.report", live + [("date", "<", "2026-05-01")], ["cost"], "date:month")
        self.assertEqual(months, {"March 2026": (19.0,), "April 2026": (26.0,)})
        self.assertEqual(
            self._groups("shipstation.parcel.report", live, ["package_count"], "warehouse_id"),
            {self.warehouse.name: (6,)},
        )
        # Voided parcels count only when asked for.
        everything = self._groups("shipstation.parcel.report", mine, ["package_count", "cost"], "voided")
        self.assertEqual(everything, {False: (6, 48.0), True: (1, 20.0)})

    def test_label_cost_against_shipping_paid_per_delivery_method(self):
        deliveries = self._known_data()
        domain = [("picking_id", "in", [d.id for d in deliveries.values()])]
        measures = ["package_count", "label_cost", "customer_paid", "difference"]
        self.assertEqual(
            self._groups("shipstation.delivery.cost.report", domain, measures, "delivery_carrier_id"),
            {
                "Parcel at real cost": (2, 10.0, 10.0, 0.0),
                "Parcel at estimated cost": (3, 14.0, 10.0, -4.0),
                False: (1, 24.0, 0.0, -24.0),
            },
        )
        rows = self.env["shipstation.delivery.cost.report"].search(domain)
        per_delivery = {r.picking_id: (r.label_cost, r.customer_paid, r.difference) for r in rows}
        self.assertEqual(per_delivery[deliveries["d3"]], (3.0, 5.0, 2.0), "the sale's shipping, on its first delivery")
        self.assertEqual(per_delivery[deliveries["d3b"]], (2.0, 0.0, -2.0))
        self.assertNotIn(deliveries["d5"], per_delivery, "not shipped: not in the analysis")
        self.assertEqual(rows.filtered(lambda r: r.picking_id == deliveries["d1"]).sale_id, deliveries["d1"].sale_id)

    def test_shipstation_users_read_the_analyses_of_their_company_only(self):
        deliveries = self._known_data()
        other = self.env["res.company"].create({"name": "Other Shop"})
        user = new_test_user(
            self.env,
            "ss_report_user",
            groups="stock.group_stock_user,shipstation_connector.group_shipstation_user",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        mine = [("picking_id", "in", [d.id for d in deliveries.values()])]
        for model in ("shipstation.parcel.report", "shipstation.delivery.cost.report"):
            self.assertFalse(self.env[model].with_user(user).search(mine), model)
        user.write({"company_ids": [(4, self.company.id)], "company_id": self.company.id})
        self.assertEqual(len(self.env["shipstation.parcel.report"].with_user(user).search(mine)), 7)
        self.assertEqual(len(self.env["shipstation.delivery.cost.report"].with_user(user).search(mine)), 5)
