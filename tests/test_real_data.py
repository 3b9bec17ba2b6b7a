from unittest.mock import patch

from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from ..lib.shipstation import fetch
from .common import ShipStationCommon

SYNC_LOGGER = "odoo.addons.shipstation_connector.models.shipstation_sync"


@tagged("post_install", "-at_install")
class TestRealData(ShipStationCommon):
    """What real ShipStation accounts send, and who really runs the sync."""

    def test_an_unreadable_label_fails_its_delivery_only_and_formatted_costs_are_read(self):
        # Costs as live answers carry them, which ShipStation's contract does not describe.
        self.patch(self.sandbox, "strict", False)
        good, good_order = self._make_delivery([(self.mug, 1)])
        bad, bad_order = self._make_delivery([(self.tee, 1)])
        self.sandbox.store.ship_order(good_order["orderId"], parcels=[{"trackingNumber": "GOOD1"}])
        (label,) = self.sandbox.store.ship_order(bad_order["orderId"], parcels=[{"trackingNumber": "BAD1"}])
        self.sandbox.store.set_raw("shipment", label["shipmentId"], shipmentCost="four dollars")
        good_label = self.sandbox.store.shipments_of(good_order["orderId"])[0]
        self.sandbox.store.set_raw("shipment", good_label["shipmentId"], shipmentCost="1,234.50")
        report = self._sync()
        self.assertEqual(good.state, "done")
        self.assertEqual(good.shipstation_shipping_cost, 1234.5)
        self.assertNotEqual(bad.state, "done")
        self.assertEqual(bad.shipstation_sync_state, "failed")
        self.assertIn("shipmentCost = four dollars", bad.shipstation_sync_message)
        self.assertIn(str(label["shipmentId"]), bad.shipstation_sync_message)
        self.assertEqual((report.validated, report.failed), (1, 1))
        # ShipStation corrects the value: the next run validates the delivery.
        self.sandbox.store.set_raw("shipment", label["shipmentId"], shipmentCost=3.0)
        self.sandbox.store.set_status(bad_order["orderId"], "shipped")
        self._sync()
        self.assertEqual(bad.state, "done")
        self.assertEqual(bad.shipstation_shipping_cost, 3.0)

    def test_dotnet_no_date_values_are_no_dates(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        (label,) = self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "NODATE1"}])
        self.sandbox.store.set_raw("shipment", label["shipmentId"], voidDate="9999-12-31T23:59:59.9999999")
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.shipstation_shipment_ids.void_date)

    def test_a_delivery_is_found_by_its_number_as_shipstation_matches_numbers(self):
        picking, _order = self._make_delivery([(self.mug, 1)], export=False)
        order = self.sandbox.store.add_order(
            orderNumber=picking.name.lower() + " ", items=[{"sku": "ss-mug", "quantity": 1}]
        )
        picking.write({"is_exported_to_shipstation": True, "shipstation_account_id": self.account.id})
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "CASE1"}])
        self._sync()
        self.assertEqual(picking.shipstation_order_id, str(order["orderId"]))
        self.assertEqual(picking.carrier_tracking_ref, "CASE1")
        self.assertEqual(picking.state, "done")

    def test_a_warehouse_user_without_email_gets_what_the_administrator_gets(self):
        user = new_test_user(
            self.env,
            login="ss_warehouse",
            groups="stock.group_stock_user,shipstation_connector.group_shipstation_user",
            email=False,
        )
        self.assertFalse(user.email)
        picking, order = self._make_delivery([(self.mug, 3), (self.tee, 2)])
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "WH1", "items": [{"sku": "SS-MUG", "quantity": 2}]}]
        )
        wizard = Form(
            self.env(user=user)["shipstation.operation.wizard"].with_context(default_account_ids=self.account.ids)
        )
        wizard.save().action_process()
        self.assertEqual(picking.state, "done")
        self.assertEqual(len(picking.backorder_ids), 1)
        self.assertNotEqual(picking.shipstation_sync_state, "failed")
        notes = picking.message_ids.filtered(lambda m: "Validated" in (m.body or ""))
        self.assertEqual(notes.author_id, user.partner_id, "the notes still say who started the run")

    @mute_logger(SYNC_LOGGER)
    def test_a_refused_key_gives_the_managers_one_activity_until_a_run_gets_through(self):
        manager = new_test_user(
            self.env,
            login="ss_manager",
            groups="stock.group_stock_manager,shipstation_connector.group_shipstation_manager",
        )
        account = self._make_account("Expired key", api_secret="expired")
        for _run in range(2):
            self._sync(account)
        self.assertTrue(account.credentials_refused)
        warnings = account.activity_ids
        self.assertEqual(len(warnings), 1, "repeated refusals add nothing")
        self.assertTrue(warnings.user_id.has_group("shipstation_connector.group_shipstation_manager"))
        self.assertIn(warnings.user_id, manager | self.env.ref("base.user_admin"))
        self.assertIn("expire", warnings.note)
        self.assertIn("API Settings", warnings.note)
        account.api_secret = "test-secret"
        report = self._sync(account)
        self.assertFalse(report.error)
        self.assertFalse(account.credentials_refused)
        self.assertFalse(account.activity_ids, "the first good run marks it done")

    def test_dead_orders_stop_costing_calls_and_every_failed_delivery_gets_its_turn(self):
        dead = self.env["stock.picking"]
        for number in range(3):
            picking, _order = self._make_delivery([(self.mug, 1)], export=False)
            picking.write(
                {
                    "is_exported_to_shipstation": True,
                    "shipstation_account_id": self.account.id,
                    "shipstation_order_id": str(980000 + number),
                }
            )
            dead |= picking
        self._sync()  # first read: all three missing
        self.assertEqual(set(dead.mapped("shipstation_sync_state")), {"failed"})
        read_again = []
        with patch.object(fetch, "RETRY_FAILED", 2):
            for _run in range(6):
                self._age_watermark()
                self.sandbox.reset_log()
                report = self._sync()
                read_again.append(sum(self.sandbox.count("GET", "/orders/%d" % (980000 + n)) for n in range(3)))
        # Two a run, taking turns (all three within two runs), until each was missing three
        # runs in a row: nine reads in all, then none.
        self.assertEqual(read_again, [2, 2, 2, 2, 1, 0])
        self.assertEqual(report.given_up, 3)
        self.assertIn("no longer read again", self.account.last_sync_summary)
        self.assertEqual(set(dead.mapped("shipstation_sync_state")), {"failed"})
        self.assertTrue(all(dead.mapped("shipstation_read_attempt")))

    def _eur_account(self, rate):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].search([("currency_id", "=", eur.id)]).unlink()
        if rate:
            self.env["res.currency.rate"].create({"currency_id": eur.id, "rate": rate, "name": "2000-01-01"})
        self.assertEqual(self.company.currency_id, self.env.ref("base.USD"))
        return self._make_account("EUR account", currency_id=eur.id)

    def test_a_cost_in_a_currency_without_rate_is_never_converted_one_to_one(self):
        account = self._eur_account(rate=None)
        picking, order = self._make_delivery([(self.mug, 1)], account=account)
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "EUR1", "shipmentCost": 12.0}])
        self._sync(account)
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.shipstation_shipping_cost)
        self.assertEqual(picking.shipstation_shipment_ids.shipment_cost, 12.0)
        self.assertEqual(picking.shipstation_shipment_ids.currency_id.name, "EUR")
        self.assertIn("12.00 EUR was not converted to USD", self._notes(picking)[0])

    def test_a_cost_in_a_currency_with_a_rate_is_converted(self):
        account = self._eur_account(rate=0.5)  # 1 USD = 0.5 EUR
        picking, order = self._make_delivery([(self.mug, 1)], account=account)
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "EUR2", "shipmentCost": 12.0}])
        self._sync(account)
        self.assertAlmostEqual(picking.shipstation_shipping_cost, 24.0)
        self.assertNotIn("not converted", self._notes(picking)[0])
