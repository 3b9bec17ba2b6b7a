from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import ShipStationCommon


@tagged("post_install", "-at_install")
class TestApiV2(ShipStationCommon):
    """An account on ShipStation API v2: the same sync and export, over the sandbox's v2 dialect."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account_v2 = cls._make_account("ShipStation v2", api_version="v2", api_key="test-v2-key", api_secret=False)

    def _v2_delivery(self, lines):
        return self._make_delivery(lines, account=self.account_v2)

    def test_test_connection_works_with_the_key_alone_and_a_v1_key_is_told_so(self):
        result = self.account_v2.action_test_connection()
        self.assertEqual(result["params"]["type"], "success")
        self.assertTrue(self.sandbox.count(path_prefix="/v2/shipments"))
        wrong = self._make_account("v1 key on v2", api_version="v2", api_key="test-key", api_secret=False)
        result = wrong.action_test_connection()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertRegex(result["params"]["message"], "A v1 key .* does not work on v2")
        self.assertFalse(wrong.active, "a new account whose test failed is archived")

    def test_labels_bought_in_shipstation_validate_the_delivery_over_v2(self):
        picking, order = self._v2_delivery([(self.mug, 2), (self.cap, 1)])
        self.sandbox.store.ship_order(
            order["orderId"],
            parcels=[{"trackingNumber": "V2A", "shipmentCost": 4.0}, {"trackingNumber": "V2B", "shipmentCost": 6.5}],
        )
        report = self._sync(self.account_v2)
        self.assertEqual((picking.state, report.validated), ("done", 1))
        self.assertEqual(picking.carrier_tracking_ref, "V2A,V2B")
        self.assertAlmostEqual(picking.shipstation_shipping_cost, 10.5)
        self.assertEqual({m.product_id: m.quantity for m in picking.move_ids}, {self.mug: 2.0, self.cap: 1.0})
        self.assertEqual(set(picking.shipstation_shipment_ids.mapped("order_id")), {"se-%d" % order["orderId"]})
        self.assertFalse(self.sandbox.count(path_prefix="/orders"), "a v2 account never calls v1")

    def test_a_delivery_flagged_without_id_gets_its_v2_shipment_id(self):
        picking, order = self._make_delivery([(self.mug, 1)], export=False)
        picking.write({"is_exported_to_shipstation": True, "shipstation_account_id": self.account_v2.id})
        order = self._order_for(picking, [(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "V2ID"}])
        self._sync(self.account_v2)
        self.assertEqual(picking.shipstation_order_id, "se-%d" % order["orderId"])
        self.assertEqual(picking.state, "done")

    def test_a_partial_label_waits_for_stock_a_void_is_seen_and_nothing_new_costs_three_calls(self):
        self.env["stock.quant"]._update_available_quantity(self.tee, self.stock_location, -1000)
        picking, order = self._v2_delivery([(self.tee, 1)])
        labels = self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "KEEP"}, {"trackingNumber": "VOID"}]
        )
        self._sync(self.account_v2)
        self.assertEqual((picking.state, picking.shipstation_sync_state), ("confirmed", "waiting"))
        self.assertEqual(picking.carrier_tracking_ref, "KEEP,VOID")
        self._age_watermark(self.account_v2)
        self.sandbox.reset_log()
        self._sync(self.account_v2)
        self.assertEqual(len(self.sandbox.requests), 3)  # shipments modified, labels created, voided labels
        self.sandbox.store.void_shipment(labels[1]["shipmentId"])
        self._sync(self.account_v2)
        self.assertEqual(picking.carrier_tracking_ref, "KEEP")

    def test_a_cancelled_shipment_cancels_the_delivery(self):
        picking, order = self._v2_delivery([(self.mug, 1)])
        self.sandbox.store.cancel_order(order["orderId"])
        self._sync(self.account_v2)
        self.assertEqual(picking.state, "cancel")

    def test_export_creates_pending_shipments_and_a_second_export_links_the_same_one(self):
        picking, _order = self._make_delivery([(self.mug, 2)], export=False)
        picking.shipstation_account_id = self.account_v2
        picking.action_export_to_shipstation()
        self.assertTrue(picking.is_exported_to_shipstation)
        self.assertTrue(picking.shipstation_order_id.startswith("se-"))
        (order,) = self.sandbox.store.list_orders(number_prefix=picking.name)[1]
        self.assertEqual(picking.shipstation_order_id, "se-%d" % order["orderId"])
        self.assertEqual((order["orderNumber"], order["orderStatus"]), (picking.name, "awaiting_shipment"))
        self.assertLessEqual(len(order["orderKey"]), 50)
        first_id = picking.shipstation_order_id
        # Odoo forgot it exported (a crash after ShipStation answered): the same shipment is linked.
        picking.write({"is_exported_to_shipstation": False, "shipstation_order_id": False})
        picking.action_export_to_shipstation()
        self.assertEqual(picking.shipstation_order_id, first_id)
        self.assertEqual(len(self.sandbox.store.list_orders(number_prefix=picking.name)[1]), 1)

    def test_one_wizard_run_syncs_a_v1_account_and_a_v2_account(self):
        p1, o1 = self._make_delivery([(self.mug, 1)])
        p2, o2 = self._v2_delivery([(self.tee, 1)])
        for order, number in ((o1, "OVER-V1"), (o2, "OVER-V2")):
            self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": number}])
        form = Form(self.env["shipstation.operation.wizard"].with_context(default_account_ids=self.account.ids))
        form.account_ids.add(self.account_v2)
        wizard = form.save()
        wizard.action_process()
        self.assertEqual((p1.state, p2.state), ("done", "done"))
        self.assertEqual((p1.carrier_tracking_ref, p2.carrier_tracking_ref), ("OVER-V1", "OVER-V2"))
        self.assertEqual(
            (p1.shipstation_order_id, p2.shipstation_order_id), (str(o1["orderId"]), "se-%d" % o2["orderId"])
        )
        self.assertTrue(self.sandbox.count(path_prefix="/orders") and self.sandbox.count(path_prefix="/v2/"))
        self.assertIn("ShipStation v2", wizard.result)

    def test_a_key_with_a_line_break_is_refused_without_showing_it(self):
        self.account_v2.api_key = "test-v2-key\nX-Other: 1"
        self._v2_delivery([(self.mug, 1)])  # an account in use: a failed test only says why
        with self.assertRaises(UserError) as caught:
            self.account_v2.action_test_connection()
        self.assertIn("line break", str(caught.exception))
        self.assertNotIn("test-v2-key", str(caught.exception))
        report = self._sync(self.account_v2)
        self.assertIn("line break", report.error.params[0][1] if report.error else "")
        self.assertNotIn("test-v2-key", self.account_v2.last_sync_summary or "")

    def test_an_account_made_without_the_form_reaches_the_api_of_its_version(self):
        account = self.env["shipstation.account"].create({"name": "Bare v2", "api_version": "v2", "api_key": "k"})
        self.assertEqual(account.api_url, "https://ssapi.shipstation.com")  # the field's default
        with account._get_shipstation_client() as client:
            self.assertEqual(client.base_url, "https://api.shipstation.com")
        account.api_url = self.sandbox.url + "/v2/"
        with account._get_shipstation_client() as client:
            self.assertEqual(client.base_url, self.sandbox.url)
