import importlib.util
from pathlib import Path

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.shipstation_connector.texts import report_text

from .common import ShipStationCommon, v1_only

MIGRATION = Path(__file__).resolve().parent.parent / "migrations" / "17.0.1.6.0" / "post-outbox.py"


@tagged("post_install", "-at_install")
class TestOutbox(ShipStationCommon):
    """What Odoo decides about an exported delivery reaches ShipStation (the outbox)."""

    def _run(self, account=None):
        """One export run of the account (as the wizard and the scheduled action make it)."""
        return self.env["shipstation.export"]._export_accounts(account or self.account)[0]

    def _exported(self, lines=None):
        picking = self._make_delivery(lines or [(self.mug, 2)], export=False)[0]
        self._run()
        self.assertTrue(picking.is_exported_to_shipstation)
        self.sandbox.reset_log()
        return picking

    def _order(self, picking):
        return self.sandbox.store.get_order(self._order_id(picking))

    def _notes(self, picking):
        return picking.message_ids.mapped("body")

    # ------------------------------------------------------------------ cancel

    def test_cancel_reaches_shipstation_at_once(self):
        picking = self._exported()
        picking.action_cancel()
        self.assertEqual(picking.state, "cancel")
        self.assertEqual(self._order(picking)["orderStatus"], "cancelled")
        self.assertFalse(picking.shipstation_pending_update)
        path = "/v2/shipments/" if self.API_VERSION == "v2" else "/orders/createorders"
        self.assertEqual(self.sandbox.count("POST" if self.API_VERSION == "v1" else "PUT", path), 1)
        if self.API_VERSION == "v1":  # the whole order, items kept
            self.assertEqual([i["sku"] for i in self._order(picking)["items"]], ["SS-MUG"])
        # The next run has nothing left to send.
        self.sandbox.reset_log()
        report = self._run()
        self.assertEqual((report.updates_sent, self.sandbox.count("POST"), self.sandbox.count("PUT")), (0, 0, 0))

    def test_cancel_from_the_sale_order(self):
        sale = self.env["sale.order"].create(
            {"partner_id": self.partner.id, "order_line": [Command.create({"product_id": self.mug.id})]}
        )
        sale.action_confirm()
        self._run()
        picking = sale.picking_ids
        self.assertTrue(picking.is_exported_to_shipstation)
        sale._action_cancel()
        self.assertEqual(picking.state, "cancel")
        self.assertEqual(self._order(picking)["orderStatus"], "cancelled")

    def test_cancel_refused_when_shipstation_shipped(self):
        picking = self._exported()
        (label,) = self.sandbox.store.ship_order(self._order_id(picking))
        with self.assertRaisesRegex(UserError, label["trackingNumber"]):
            picking.action_cancel()
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(self._order(picking)["orderStatus"], "shipped")

    def test_cancelling_several_leaves_the_shipped_one_open_and_says_why(self):
        open_one, shipped_one = self._exported(), self._exported([(self.tee, 1)])
        (label,) = self.sandbox.store.ship_order(self._order_id(shipped_one))
        (open_one | shipped_one).action_cancel()
        self.assertEqual(open_one.state, "cancel")
        self.assertEqual(self._order(open_one)["orderStatus"], "cancelled")
        self.assertEqual(shipped_one.state, "assigned")
        self.assertEqual(shipped_one.shipstation_sync_state, "failed")
        self.assertIn(label["trackingNumber"], shipped_one.shipstation_sync_message)
        self.assertFalse(shipped_one.shipstation_pending_update)

    def test_cancel_while_shipstation_is_down_waits_and_a_late_label_is_not_lost(self):
        picking = self._exported()
        self.sandbox.faults.add(status=503, count=None)
        picking.action_cancel()
        self.assertEqual(picking.state, "cancel")
        self.assertEqual(picking.shipstation_pending_update, "cancel")
        self.sandbox.faults.clear()
        (label,) = self.sandbox.store.ship_order(self._order_id(picking), parcels=[{"shipmentCost": 7.5}])
        report = self._run()
        self.assertEqual(report.late_labels, 1)
        self.assertFalse(picking.shipstation_pending_update)
        activity = picking.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertTrue(activity.user_id.has_group("shipstation_connector.group_shipstation_manager"))
        self.assertIn(label["trackingNumber"], activity.note)
        self.assertIn("7.50", activity.note)
        run = self.env["shipstation.sync.run"].browse(report.run_id)
        self.assertEqual(run.late_labels, 1)
        self.assertIn(picking, run.line_ids.picking_id)

    def test_a_user_without_shipstation_rights_cancels(self):
        picking = self._exported()
        clerk = new_test_user(self.env, login="clerk", groups="stock.group_stock_user")
        self.assertFalse(clerk.has_group("shipstation_connector.group_shipstation_user"))
        picking.with_user(clerk).action_cancel()
        self.assertEqual(picking.state, "cancel")
        self.assertEqual(self._order(picking)["orderStatus"], "cancelled")

    def test_the_sync_cancelling_sends_nothing_back(self):
        picking = self._exported()
        self.sandbox.store.cancel_order(self._order_id(picking))
        self.sandbox.reset_log()
        self._sync()
        self.assertEqual(picking.state, "cancel")
        self.assertFalse(picking.shipstation_pending_update)
        self.assertEqual((self.sandbox.count("POST"), self.sandbox.count("PUT")), (0, 0))

    # ------------------------------------------------------------------ validated in Odoo

    def test_validated_in_odoo_is_marked_shipped(self):
        self.account.notify_on_odoo_ship = False
        picking = self._exported()
        picking.carrier_tracking_ref = "PICKUP-1"
        picking.move_ids.quantity = 2
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.shipstation_pending_update, "ship")
        report = self._run()
        self.assertFalse(picking.shipstation_pending_update)
        if self.API_VERSION == "v2":
            # v2 has no mark-as-shipped: the delivery says so, nothing is pretended.
            self.assertEqual(self._order(picking)["orderStatus"], "awaiting_shipment")
            self.assertTrue(any("API v2 has no call" in body for body in self._notes(picking)))
            self.assertEqual(report.updates_failed, 1)
            return
        self.assertEqual(report.updates_sent, 1)
        self.assertEqual(self._order(picking)["orderStatus"], "shipped")
        _total, (fulfillment,) = self.sandbox.store.list_fulfillments(order_id=self._order_id(picking))
        self.assertEqual(fulfillment["trackingNumber"], "PICKUP-1")
        self.assertEqual(picking.shipstation_order_status, "shipped")

    def test_the_sync_validating_sends_nothing_back(self):
        picking = self._exported()
        self.sandbox.store.ship_order(self._order_id(picking))
        self.sandbox.reset_log()
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.shipstation_pending_update)
        self._run()
        self.assertEqual(self.sandbox.count("POST"), 0)

    @v1_only("no call updates a shipment")
    def test_validated_with_a_backorder_reduces_the_order(self):
        picking = self._exported([(self.mug, 2), (self.tee, 3)])
        picking.move_ids.filtered(lambda m: m.product_id == self.mug).quantity = 2
        picking.move_ids.filtered(lambda m: m.product_id == self.tee).quantity = 1
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=False, picking_ids_not_to_backorder=[])._action_done()
        backorder = picking.backorder_ids
        self.assertEqual(backorder.shipstation_order_id, picking.shipstation_order_id)
        self.assertEqual(backorder.shipstation_pending_update, "update")
        self.assertFalse(picking.shipstation_pending_update)
        self._run()
        order = self._order(backorder)
        self.assertEqual(order["orderStatus"], "awaiting_shipment")
        self.assertEqual([(i["sku"], i["quantity"]) for i in order["items"]], [("SS-TEE-M", 2)])
        self.assertEqual(self.sandbox.store.counts()["orders"], 1)

    # ------------------------------------------------------------------ edits

    def test_edits_before_the_label_update_the_order(self):
        picking = self._exported([(self.mug, 2)])
        moved = self.env["res.partner"].create(
            {"name": "Ada", "street": "2 New Street", "city": "Boston", "country_id": self.env.ref("base.us").id}
        )
        picking.partner_id = moved
        picking.move_ids.product_uom_qty = 5
        self.assertEqual(picking.shipstation_pending_update, "update")
        self.assertEqual(picking.shipstation_pending_changes, "address,lines")
        report = self._run()
        if self.API_VERSION == "v2":
            self.assertEqual(report.updates_failed, 1)
            self.assertTrue(any("address, lines and quantities" in body for body in self._notes(picking)))
            self.assertFalse(picking.shipstation_pending_update)
            return
        order = self._order(picking)
        self.assertEqual(order["shipTo"]["city"], "Boston")
        self.assertEqual(order["items"][0]["quantity"], 5)
        self.assertEqual(self.sandbox.count("POST", "/orders/createorders"), 1)
        self.assertEqual(self.sandbox.store.counts()["orders"], 1)

    @v1_only("no call updates a shipment")
    def test_an_address_corrected_on_the_contact_and_a_new_carrier_mapping(self):
        carrier = self.env["delivery.carrier"].create(
            {"name": "Post", "product_id": self.env["product.product"].create({"name": "Post", "type": "service"}).id}
        )
        picking = self._exported()
        picking.carrier_id = carrier
        self._run()
        self.partner.write({"city": "San Jose"})
        self.account.carrier_mapping_ids = [Command.create({"carrier_id": carrier.id, "carrier_code": "usps"})]
        self.assertEqual(picking.shipstation_pending_changes, "address,carrier")
        self._run()
        order = self._order(picking)
        self.assertEqual((order["shipTo"]["city"], order["carrierCode"]), ("San Jose", "usps"))

    @v1_only("no call updates a shipment")
    def test_an_edit_after_the_label_is_told_once(self):
        picking = self._exported()
        self.sandbox.store.ship_order(self._order_id(picking))
        picking.move_ids.product_uom_qty = 3
        report = self._run()
        self.assertEqual(report.updates_failed, 1)
        told = [body for body in self._notes(picking) if "no longer open" in body]
        self.assertEqual(len(told), 1)
        self.assertIn("lines and quantities", told[0])
        self._run()
        self.assertEqual(len([body for body in self._notes(picking) if "no longer open" in body]), 1)

    @v1_only("upserts by order key")
    def test_an_order_linked_without_its_key_is_read_once_never_duplicated(self):
        picking, order = self._make_delivery([(self.mug, 1)])  # linked, not exported by Odoo
        self.assertFalse(picking.shipstation_order_key)
        picking.move_ids.product_uom_qty = 2
        self._run()
        self.assertEqual(picking.shipstation_order_key, order["orderKey"])
        self.assertEqual(self.sandbox.count("GET", "/orders/%d" % order["orderId"]), 1)
        self.assertEqual(self.sandbox.store.counts()["orders"], 1)
        self.assertEqual(self._order(picking)["items"][0]["quantity"], 2)
        picking.action_cancel()
        self.assertEqual(self._order(picking)["orderStatus"], "cancelled")
        self.assertEqual(self.sandbox.count("GET", "/orders/"), 1)
        self.assertEqual(self.sandbox.store.counts()["orders"], 1)

    @v1_only("upserts")
    def test_updates_go_100_to_a_call(self):
        pickings = self.env["stock.picking"]
        for _i in range(150):
            pickings |= self._make_delivery([(self.mug, 1)], export=False)[0]
        self._run()
        self.sandbox.reset_log()
        pickings.move_ids.write({"product_uom_qty": 2})
        report = self._run()
        self.assertEqual(report.updates_sent, 150)
        self.assertIn("150 sent", report_text(report, "en_US"))
        self.assertEqual(self.sandbox.count("POST", "/orders/createorders"), 2)
        self.assertEqual(self.sandbox.count(), 2)

    # ------------------------------------------------------------------ hold

    @v1_only("no hold call")
    def test_hold_when_not_ready_and_release_when_ready(self):
        self.account.hold_unready_orders = True
        picking = self._exported()
        picking.do_unreserve()
        self._run()
        order = self._order(picking)
        self.assertEqual(order["orderStatus"], "on_hold")
        self.assertTrue(order["holdUntilDate"])
        self.assertTrue(picking.shipstation_on_hold)
        # Re-posted for another change, it stays held.
        picking.move_ids.product_uom_qty = 4
        self._run()
        self.assertEqual(self._order(picking)["orderStatus"], "on_hold")
        self.assertEqual(self._order(picking)["items"][0]["quantity"], 4)
        picking.action_assign()
        self._run()
        self.assertEqual(self._order(picking)["orderStatus"], "awaiting_shipment")
        self.assertFalse(picking.shipstation_on_hold)
        self.assertEqual(self.sandbox.count("POST", "/orders/holduntil"), 1)
        self.assertEqual(self.sandbox.count("POST", "/orders/restorefromhold"), 1)

    @v1_only("no hold call")
    def test_a_hold_no_longer_needed_is_not_sent(self):
        self.account.hold_unready_orders = True
        picking = self._exported()
        picking._shipstation_wish("hold")  # queued while it was not ready; ready again since
        self._run()
        self.assertFalse(picking.shipstation_pending_update)
        self.assertEqual(self.sandbox.count("POST"), 0)
        self.assertEqual(self._order(picking)["orderStatus"], "awaiting_shipment")

    @v1_only("no hold call")
    def test_accounts_that_do_not_hold_send_nothing(self):
        self.account.hold_unready_orders = False
        picking = self._exported()
        picking.do_unreserve()
        self._run()
        self.assertEqual(self._order(picking)["orderStatus"], "awaiting_shipment")
        self.assertEqual(self.sandbox.count("POST"), 0)

    def test_new_accounts_hold_by_default(self):
        self.assertTrue(self._make_account("Another").hold_unready_orders)

    def test_accounts_existing_before_the_update_keep_todays_behaviour(self):
        spec = importlib.util.spec_from_file_location("shipstation_connector_migration_post_outbox", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        self.assertTrue(self.account.hold_unready_orders)
        migration.migrate(self.env.cr, "17.0.1.5.0")
        self.account.invalidate_recordset(["hold_unready_orders"])
        self.assertFalse(self.account.hold_unready_orders)
        self.assertTrue(self._make_account("Made after the update").hold_unready_orders)

    # ------------------------------------------------------------------ retries

    def test_a_newer_wish_during_the_send_stays_pending(self):
        picking = self._exported()
        picking.move_ids.product_uom_qty = 3
        outbox = self.env["shipstation.outbox"]
        original = type(outbox)._clear

        def newer_first(model, record, seq):
            record._shipstation_wish("update", "notes")  # came while the call was on its way
            return original(model, record, seq)

        self.patch(type(outbox), "_clear", newer_first)
        self._run()
        self.assertEqual(picking.shipstation_pending_update, "update")

    @v1_only("an update is not sent at all")
    def test_rate_limit_and_errors_wait_for_the_next_run(self):
        picking = self._exported()
        picking.move_ids.product_uom_qty = 3
        self.sandbox.faults.add(status=500, count=None)
        report = self._run()
        self.assertEqual(picking.shipstation_pending_update, "update")
        self.assertEqual(report.updates_pending, 1)
        self.sandbox.faults.clear()
        self._run()
        self.assertFalse(picking.shipstation_pending_update)


@tagged("post_install", "-at_install")
class TestOutboxV2(TestOutbox):
    """The same on ShipStation API v2: cancel is sent; the rest is told, never pretended."""

    API_VERSION = "v2"
