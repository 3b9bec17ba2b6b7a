from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from ..models import shipstation_sync
from .common import ShipStationCommon


@tagged("post_install", "-at_install")
class TestShipmentSync(ShipStationCommon):
    """The shipment-details sync against the ShipStation sandbox over real HTTP."""

    # -- tracking and cost -------------------------------------------------------------

    def test_multi_parcel_joins_tracking_and_sums_cost(self):
        picking, order = self._make_delivery([(self.mug, 2), (self.tee, 1)])
        self.sandbox.store.ship_order(
            order["orderId"],
            parcels=[
                {
                    "trackingNumber": "1ZA",
                    "shipmentCost": 7.5,
                    "insuranceCost": 1.0,
                    "items": [{"sku": "SS-MUG", "quantity": 2}],
                },
                {"trackingNumber": "1ZB", "shipmentCost": 5.25, "items": [{"sku": "SS-TEE-M", "quantity": 1}]},
            ],
        )
        report = self._sync()
        self.assertEqual(picking.carrier_tracking_ref, "1ZA,1ZB")
        self.assertAlmostEqual(picking.shipstation_shipping_cost, 12.75)
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.backorder_ids)
        self.assertEqual(picking.shipstation_sync_state, "synced")
        self.assertTrue(picking.shipstation_last_sync)
        parcels = picking.shipstation_shipment_ids
        self.assertEqual(sorted(parcels.mapped("tracking_number")), ["1ZA", "1ZB"])
        self.assertEqual(sum(parcels.mapped("insurance_cost")), 1.0)
        self.assertEqual((report.validated, report.failed, report.checked), (1, 0, 1))
        self.assertTrue(any("Validated" in body for body in self._notes(picking)))

    def test_voided_label_ignored(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        first = self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "VOID1", "shipmentCost": 9.0}]
        )
        self.sandbox.store.void_shipment(first[0]["shipmentId"])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "GOOD1", "shipmentCost": 6.0}])
        self._sync()
        self.assertEqual(picking.carrier_tracking_ref, "GOOD1")
        self.assertEqual(picking.shipstation_shipping_cost, 6.0)
        self.assertEqual(picking.state, "done")

    def test_label_voided_after_first_sync_is_removed(self):
        # Nothing in stock: ShipStation ships, Odoo waits, so the delivery stays a target.
        poster = self._make_product("Poster", "SS-POSTER", qty=0)
        picking, order = self._make_delivery([(poster, 1)])
        shipment = self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "LATE1", "shipmentCost": 4.0}]
        )
        self._sync()
        self.assertEqual(picking.carrier_tracking_ref, "LATE1")
        self.assertEqual(picking.shipstation_sync_state, "waiting")
        self.sandbox.store.void_shipment(shipment[0]["shipmentId"])
        self._sync()
        self.assertFalse(picking.carrier_tracking_ref)
        self.assertEqual(picking.shipstation_shipping_cost, 0.0)
        self.assertTrue(picking.shipstation_shipment_ids.voided)
        self.assertTrue(any("LATE1 removed" in body for body in self._notes(picking)))
        self.assertNotEqual(picking.state, "done")

    def test_return_label_ignored(self):
        picking, order = self._make_delivery([(self.cap, 1)])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "OUT1", "shipmentCost": 5.0}])
        self.sandbox.store.add_return_label(order["orderId"], tracking_number="RET1", shipment_cost=8.0)
        self._sync()
        self.assertEqual(picking.carrier_tracking_ref, "OUT1")
        self.assertEqual(picking.shipstation_shipping_cost, 5.0)

    def test_marked_as_shipped_fulfillment_counts_and_voided_one_does_not(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        other, other_order = self._make_delivery([(self.tee, 1)])
        self.sandbox.store.mark_as_shipped(order["orderId"], "fedex", tracking_number="FX1")
        voided = self.sandbox.store.mark_as_shipped(other_order["orderId"], "fedex", tracking_number="FXV")
        self.sandbox.store.void_fulfillment(voided["fulfillmentId"])
        self._sync()
        self.assertEqual(picking.carrier_tracking_ref, "FX1")
        self.assertEqual(picking.state, "done")
        self.assertFalse(other.carrier_tracking_ref)

    def test_tracking_copied_to_chained_pick(self):
        self.warehouse.delivery_steps = "pick_ship"
        pick, out = self._two_step_delivery(self.mug, 2)
        self.sandbox.store.ship_order(int(out.shipstation_order_id), parcels=[{"trackingNumber": "CHAIN1"}])
        self._sync()
        self.assertEqual(out.carrier_tracking_ref, "CHAIN1")
        self.assertEqual(pick.carrier_tracking_ref, "CHAIN1")

    # -- shipped, partial, waiting, cancelled --------------------------------------------

    def test_shipped_without_items_ships_reserved(self):
        picking, order = self._make_delivery([(self.mug, 2), (self.cap, 1)])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "NOITEMS", "items": []}])
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.move_ids.mapped("quantity"), [2.0, 1.0])
        self.assertFalse(picking.backorder_ids)

    def test_partial_shipment_makes_backorder_that_inherits_link(self):
        picking, order = self._make_delivery([(self.mug, 3), (self.tee, 2)])
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "PART1", "items": [{"sku": "SS-MUG", "quantity": 2}]}]
        )
        report = self._sync()
        self.assertEqual(picking.state, "done")
        done = {m.product_id: m.quantity for m in picking.move_ids}
        self.assertEqual(done, {self.mug: 2.0})
        backorder = picking.backorder_ids
        self.assertEqual(len(backorder), 1)
        self.assertEqual(report.backorders, 1)
        self.assertTrue(backorder.is_exported_to_shipstation)
        self.assertEqual(backorder.shipstation_account_id, self.account)
        self.assertEqual(backorder.shipstation_order_id, picking.shipstation_order_id)
        self.assertFalse(backorder.carrier_tracking_ref)
        self.assertEqual({m.product_id: m.product_uom_qty for m in backorder.move_ids}, {self.mug: 1.0, self.tee: 2.0})
        # The backorder's order is shipped, but its only parcel belongs to the first delivery.
        self._sync()
        self.assertEqual(backorder.shipstation_sync_state, "waiting")
        self.assertNotEqual(backorder.state, "done")
        # ShipStation ships the rest: the backorder gets that parcel and is validated.
        self.sandbox.store.ship_order(
            order["orderId"],
            parcels=[
                {
                    "trackingNumber": "PART2",
                    "items": [{"sku": "SS-MUG", "quantity": 1}, {"sku": "SS-TEE-M", "quantity": 2}],
                }
            ],
        )
        self._sync()
        self.assertEqual(backorder.state, "done")
        self.assertEqual(backorder.carrier_tracking_ref, "PART2")
        self.assertEqual(picking.carrier_tracking_ref, "PART1")

    def test_two_step_waits_then_validates_when_pick_is_done(self):
        self.warehouse.delivery_steps = "pick_ship"
        pick, out = self._two_step_delivery(self.tee, 3)
        self.sandbox.store.ship_order(int(out.shipstation_order_id), parcels=[{"trackingNumber": "2STEP"}])
        report = self._sync()
        self.assertEqual(report.waiting, 1)
        self.assertEqual(out.shipstation_sync_state, "waiting")
        self.assertIn("not done", out.shipstation_sync_message)
        self.assertEqual(out.carrier_tracking_ref, "2STEP")
        self.assertNotEqual(out.state, "done")
        # The warehouse validates the pick as usual; the delivery follows at once.
        result = pick.button_validate()
        self.assertIs(result, True)
        self.assertEqual(pick.state, "done")
        self.assertEqual(out.state, "done")
        self.assertEqual(out.shipstation_sync_state, "synced")
        self.assertEqual(out.carrier_tracking_ref, "2STEP")

    def test_pick_validation_with_shipstation_down_still_validates_pick(self):
        self.warehouse.delivery_steps = "pick_ship"
        pick, out = self._two_step_delivery(self.cap, 1)
        self.sandbox.store.ship_order(int(out.shipstation_order_id))
        self._sync()
        self.assertEqual(out.shipstation_sync_state, "waiting")
        self.sandbox.faults.add(status=503, count=None)
        pick.button_validate()
        self.assertEqual(pick.state, "done")
        self.assertEqual(out.state, "assigned")
        self.assertEqual(out.shipstation_sync_state, "failed")
        self.assertIn("503", out.shipstation_sync_message)

    def test_pick_of_a_delivery_not_shipped_yet_costs_no_call(self):
        self.warehouse.delivery_steps = "pick_ship"
        pick, out = self._two_step_delivery(self.cap, 1)
        self._sync()
        self.sandbox.reset_log()
        pick.button_validate()
        self.assertEqual(out.state, "assigned")
        self.assertEqual(self.sandbox.count(), 0)

    def test_cancelled_order_cancels_delivery_and_the_pick_that_only_feeds_it(self):
        self.warehouse.delivery_steps = "pick_ship"
        pick, out = self._two_step_delivery(self.mug, 1)
        self.sandbox.store.cancel_order(int(out.shipstation_order_id))
        self._sync()
        self.assertEqual((out.state, pick.state), ("cancel", "cancel"))

    def test_validation_never_sends_the_delivery_to_its_carrier(self):
        carrier = self.env["delivery.carrier"].create(
            {
                "name": "Flat",
                "fixed_price": 99.0,
                "product_id": self.env["product.product"].create({"name": "Flat shipping", "type": "service"}).id,
            }
        )
        picking, order = self._make_delivery([(self.mug, 1)])
        picking.carrier_id = carrier
        self.sandbox.store.mark_as_shipped(order["orderId"], "usps")  # no tracking number
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_price, 0.0)
        self.assertFalse(any("sent to carrier" in body for body in picking.message_ids.mapped("body")))

    def test_delivery_flagged_without_order_id_finds_its_order_by_number(self):
        for number in ("WEB-1", "WEB-2"):
            other = self.sandbox.store.add_order(orderNumber=number, items=[{"sku": "SS-MUG", "quantity": 1}])
            self.sandbox.store.ship_order(other["orderId"], parcels=[{"trackingNumber": "NOT-" + number}])
        picking, _order = self._make_delivery([(self.cap, 1)], export=False)
        picking.write({"is_exported_to_shipstation": True, "shipstation_account_id": self.account.id})
        order = self._order_for(picking, [(self.cap, 1)])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "MINE"}])
        self._sync()
        self.assertEqual(picking.carrier_tracking_ref, "MINE")
        self.assertEqual(picking.shipstation_order_id, str(order["orderId"]))
        self.assertEqual(picking.state, "done")

    def test_cancelled_order_cancels_delivery(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.cancel_order(order["orderId"])
        report = self._sync()
        self.assertEqual(picking.state, "cancel")
        self.assertEqual(report.cancelled, 1)

    def test_awaiting_shipment_only_refreshes(self):
        picking, _order = self._make_delivery([(self.mug, 1)])
        messages = len(picking.message_ids)
        self._sync()
        self.assertEqual(picking.state, "assigned")
        self.assertFalse(picking.carrier_tracking_ref)
        self.assertEqual(picking.shipstation_sync_state, "synced")
        self.assertEqual(picking.shipstation_order_status, "awaiting_shipment")
        self.assertEqual(len(picking.message_ids), messages)

    def test_split_order_children_reach_the_delivery(self):
        picking, order = self._make_delivery([(self.mug, 2), (self.tee, 1)])
        children = self.sandbox.store.split_order(order["orderId"], [[{"sku": "SS-MUG"}], [{"sku": "SS-TEE-M"}]])
        self.sandbox.store.ship_order(
            children[0]["orderId"], parcels=[{"trackingNumber": "SPLITA", "shipmentCost": 3.0}]
        )
        self.sandbox.store.ship_order(
            children[1]["orderId"], parcels=[{"trackingNumber": "SPLITB", "shipmentCost": 4.0}]
        )
        self._sync()
        self.assertEqual(picking.carrier_tracking_ref, "SPLITA,SPLITB")
        self.assertEqual(picking.shipstation_shipping_cost, 7.0)
        self.assertEqual(picking.state, "done")

    def test_merged_orders_reach_every_delivery_and_cost_is_charged_once(self):
        survivor, survivor_order = self._make_delivery([(self.mug, 1)])
        absorbed, absorbed_order = self._make_delivery([(self.cap, 1)])
        self.sandbox.store.merge_orders(survivor_order["orderId"], [absorbed_order["orderId"]])
        self.sandbox.store.ship_order(
            survivor_order["orderId"], parcels=[{"trackingNumber": "MERGED", "shipmentCost": 10.0}]
        )
        report = self._sync()
        self.assertEqual(report.failed, 0)
        self.assertEqual((survivor.carrier_tracking_ref, absorbed.carrier_tracking_ref), ("MERGED", "MERGED"))
        self.assertEqual((survivor.state, absorbed.state), ("done", "done"))
        self.assertEqual(survivor.shipstation_shipping_cost, 10.0)
        self.assertEqual(absorbed.shipstation_shipping_cost, 0.0)
        self.assertEqual(absorbed.shipstation_survivor_order_id, str(survivor_order["orderId"]))

    # -- what is never touched -----------------------------------------------------------

    def test_non_targets_untouched(self):
        not_exported, order1 = self._make_delivery([(self.mug, 1)])
        not_exported.is_exported_to_shipstation = False
        draft, order2 = self._make_delivery([(self.mug, 1)], confirm=False)
        done, order3 = self._make_delivery([(self.mug, 1)])
        done.move_ids.picked = True
        done.button_validate()
        receipt, order4 = self._make_delivery([(self.mug, 1)], picking_type=self.warehouse.in_type_id)
        for order in (order1, order2, order3, order4):
            self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "NO%s" % order["orderId"]}])
        report = self._sync()
        self.assertEqual(report.checked, 0)
        for picking in (not_exported, draft, done, receipt):
            self.assertFalse(picking.carrier_tracking_ref)
            self.assertFalse(picking.shipstation_sync_state)
        self.assertEqual((not_exported.state, draft.state, receipt.state), ("assigned", "draft", "assigned"))

    def test_second_run_changes_nothing_and_posts_nothing(self):
        shipped, order1 = self._make_delivery([(self.mug, 1)])
        poster = self._make_product("Poster", "SS-POSTER", qty=0)
        waiting, order2 = self._make_delivery([(poster, 1)])
        awaiting, _order3 = self._make_delivery([(self.tee, 1)])
        self.sandbox.store.ship_order(order1["orderId"], parcels=[{"trackingNumber": "ONCE1"}])
        self.sandbox.store.ship_order(order2["orderId"], parcels=[{"trackingNumber": "ONCE2"}])
        self._sync()
        pickings = waiting | awaiting
        before = pickings.read(
            [
                "carrier_tracking_ref",
                "shipstation_shipping_cost",
                "shipstation_sync_state",
                "shipstation_sync_message",
                "state",
            ]
        )
        messages = self.env["mail.message"].search_count([("model", "=", "stock.picking")])
        parcels = self.env["shipstation.shipment"].search_count([])
        report = self._sync()
        self.assertEqual(pickings.read(list(before[0].keys() - {"id"})), before)
        self.assertEqual(self.env["mail.message"].search_count([("model", "=", "stock.picking")]), messages)
        self.assertEqual(self.env["shipstation.shipment"].search_count([]), parcels)
        self.assertEqual((report.updated, report.validated), (0, 0))
        self.assertEqual(shipped.state, "done")

    def test_later_run_with_nothing_new_leaves_backorders_and_splits_alone(self):
        poster = self._make_product("Poster", "SS-POSTER", qty=0)
        partial, order1 = self._make_delivery([(self.mug, 3)])
        split, order2 = self._make_delivery([(self.tee, 1), (poster, 1)])
        self.sandbox.store.ship_order(
            order1["orderId"], parcels=[{"trackingNumber": "P1", "items": [{"sku": "SS-MUG", "quantity": 2}]}]
        )
        children = self.sandbox.store.split_order(order2["orderId"], [[{"sku": "SS-POSTER"}]])
        self.sandbox.store.ship_order(children[0]["orderId"], parcels=[{"trackingNumber": "S1", "shipmentCost": 4.0}])
        self._sync()
        backorder = partial.backorder_ids
        self.assertEqual(backorder.shipstation_sync_state, "waiting")
        self.assertEqual((split.shipstation_sync_state, split.shipstation_shipping_cost), ("waiting", 4.0))
        messages = self.env["mail.message"].search_count([("model", "=", "stock.picking")])
        self._age_watermark()
        report = self._sync()
        self.assertEqual((report.checked, report.updated), (2, 0))
        self.assertLessEqual(report.api_calls, 4)
        self.assertEqual(self.env["mail.message"].search_count([("model", "=", "stock.picking")]), messages)
        self.assertEqual(backorder.state, "assigned")
        self.assertEqual((split.shipstation_sync_state, split.shipstation_shipping_cost), ("waiting", 4.0))
        self.assertEqual(split.carrier_tracking_ref, "S1")

    # -- failures stay where they happen --------------------------------------------------

    def test_missing_order_and_failing_order_do_not_stop_others(self):
        good, order = self._make_delivery([(self.mug, 1)])
        missing, _order = self._make_delivery([(self.tee, 1)], export=False)
        missing.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": self.account.id,
                "shipstation_order_id": "987654",
            }
        )
        broken, _order = self._make_delivery([(self.cap, 1)], export=False)
        broken.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": self.account.id,
                "shipstation_order_id": "987655",
            }
        )
        self.sandbox.faults.add(status=500, count=None, path="/orders/987655")
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "STILL1"}])
        report = self._sync()
        self.assertEqual(good.state, "done")
        self.assertEqual(good.carrier_tracking_ref, "STILL1")
        self.assertEqual(missing.shipstation_sync_state, "failed")
        self.assertIn("987654", missing.shipstation_sync_message)
        self.assertEqual(broken.shipstation_sync_state, "failed")
        self.assertIn("could not return", broken.shipstation_sync_message)
        self.assertEqual(report.failed, 2)
        self.assertEqual({name for name, _reason in report.failures}, {missing.name, broken.name})

    @mute_logger("odoo.addons.shipstation_connector.models.shipstation_sync")
    def test_odoo_error_while_validating_is_isolated(self):
        serial = self.env["product.product"].create(
            {"name": "Laptop", "default_code": "SS-LAPTOP", "type": "product", "tracking": "serial"}
        )
        lot = self.env["stock.lot"].create({"name": "SN1", "product_id": serial.id, "company_id": self.company.id})
        self.env["stock.quant"]._update_available_quantity(serial, self.stock_location, 1, lot_id=lot)
        bad, bad_order = self._make_delivery([(serial, 1)])
        bad.move_ids.move_line_ids.lot_id = False
        good, good_order = self._make_delivery([(self.mug, 1)])
        for order in (bad_order, good_order):
            self.sandbox.store.ship_order(order["orderId"])
        report = self._sync()
        self.assertEqual(good.state, "done")
        self.assertNotEqual(bad.state, "done")
        self.assertEqual(bad.shipstation_sync_state, "failed")
        self.assertFalse(bad.carrier_tracking_ref, "the failed delivery's writes were rolled back")
        self.assertEqual(report.failed, 1)
        # The warehouse sets the serial number; a later run, with nothing new in
        # ShipStation, reads the failed delivery's order again and validates it.
        bad.move_ids.move_line_ids.lot_id = lot
        self._age_watermark()
        self._sync()
        self.assertEqual(bad.state, "done")
        self.assertEqual(bad.shipstation_sync_state, "synced")

    def test_bad_credentials_fail_that_account_only(self):
        other = self._make_account("Wrong secret", api_secret="nope")
        ok_picking, order = self._make_delivery([(self.mug, 1)])
        other_picking, other_order = self._make_delivery([(self.tee, 1)], account=other)
        for o in (order, other_order):
            self.sandbox.store.ship_order(o["orderId"])
        wizard = Form(
            self.env["shipstation.operation.wizard"].with_context(default_account_ids=(self.account | other).ids)
        )
        wizard.save().action_process()
        self.assertEqual(ok_picking.state, "done")
        self.assertNotEqual(other_picking.state, "done")
        self.assertFalse(other.sync_since)
        self.assertIn("refused", other.message_ids[0].body)

    # -- entry points --------------------------------------------------------------------

    def test_wizard_with_two_accounts(self):
        second = self._make_account("Second account")
        p1, o1 = self._make_delivery([(self.mug, 1)])
        p2, o2 = self._make_delivery([(self.tee, 1)], account=second)
        for o in (o1, o2):
            self.sandbox.store.ship_order(o["orderId"])
        action = self.account.action_open_operations()
        self.assertEqual(action["context"]["default_account_ids"], self.account.ids)
        form = Form(self.env["shipstation.operation.wizard"].with_context(**action["context"]))
        form.account_ids.add(second)
        self.assertEqual(form.operation, "import")
        self.assertEqual(form.import_operation, "import_shipment_details")
        wizard = form.save()
        wizard.action_process()
        self.assertEqual((p1.state, p2.state), ("done", "done"))
        self.assertEqual(wizard.state, "done")
        self.assertIn("Main ShipStation", wizard.result)
        self.assertIn("Second account", wizard.result)
        self.assertIn("API calls", wizard.result)

    def test_cron_runs_only_toggled_accounts(self):
        off = self._make_account("Toggle off")
        self.account.auto_import_shipment_details = True
        p_on, o_on = self._make_delivery([(self.mug, 1)])
        p_off, o_off = self._make_delivery([(self.tee, 1)], account=off)
        for o in (o_on, o_off):
            self.sandbox.store.ship_order(o["orderId"])
        cron = self.env.ref("shipstation_connector.ir_cron_auto_import_shipment_details")
        self.assertFalse(cron.active)
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        cron.method_direct_trigger()
        self.assertEqual(p_on.state, "done")
        self.assertEqual(p_off.state, "assigned")
        self.assertTrue(self.account.sync_since)
        self.assertFalse(off.sync_since)

    def test_scheduled_run_hands_the_rest_to_its_next_run(self):
        self.account.auto_import_shipment_details = True
        cron = self.env.ref("shipstation_connector.ir_cron_auto_import_shipment_details")
        cron.active = True
        pickings = self.env["stock.picking"]
        for _i in range(3):
            picking, order = self._make_delivery([(self.mug, 1)])
            self.sandbox.store.ship_order(order["orderId"])
            pickings |= picking
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("shipstation_connector.cron_time_budget", "0.000001")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        with patch.object(shipstation_sync, "APPLY_CHUNK", 1):  # one delivery a chunk, so it stops after one
            self.env["shipstation.account"]._cron_import_shipment_details()
        self.assertEqual(pickings.mapped("state").count("done"), 1)
        self.assertFalse(self.account.sync_since, "an unfinished run keeps the watermark")
        self.assertIn("2 deliveries left for the next run", self.account.last_sync_summary)
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers + 1)
        params.set_param("shipstation_connector.cron_time_budget", "600")
        self.env["shipstation.account"]._cron_import_shipment_details()
        self.assertEqual(set(pickings.mapped("state")), {"done"})
        self.assertTrue(self.account.sync_since)

    def test_concurrent_sync_of_same_account_is_refused(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        with self.registry.cursor() as other_cr:
            other_cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5353, self.account.id])
            report = self._sync()
        self.assertIn("already running", report.error)
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(report.api_calls, 0)

    # -- API use -------------------------------------------------------------------------

    def test_api_calls_do_not_grow_with_deliveries(self):
        for _i in range(3):
            picking, order = self._make_delivery([(self.mug, 1)])
            self.sandbox.store.ship_order(order["orderId"])
        few = self._sync().api_calls
        for _i in range(12):
            picking, order = self._make_delivery([(self.tee, 1)])
            self.sandbox.store.ship_order(order["orderId"])
        self.account.sync_since = False
        many = self._sync().api_calls
        self.assertLessEqual(many, few + 1)
        self.assertLessEqual(many, 4)
        again = self._sync()
        self.assertLessEqual(again.api_calls, 4)
        self.assertEqual(again.updated, 0)

    # -- security ------------------------------------------------------------------------

    def test_secret_readable_by_managers_only(self):
        user = new_test_user(self.env, "ss_user", groups="shipstation_connector.group_shipstation_user")
        manager = new_test_user(self.env, "ss_manager", groups="shipstation_connector.group_shipstation_manager")
        self.assertEqual(self.account.with_user(manager).api_secret, "test-secret")
        account_as_user = self.account.with_user(user)
        self.assertEqual(account_as_user.name, "Main ShipStation")
        self.assertNotIn("api_secret", account_as_user.fields_get())
        with self.assertRaises(AccessError):
            account_as_user.read(["api_secret"])

    def test_company_b_user_sees_nothing_of_company_a(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        account_b = self._make_account("Account B", company=company_b)
        picking_a, order_a = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order_a["orderId"])
        user_b = new_test_user(
            self.env,
            "ss_user_b",
            groups="shipstation_connector.group_shipstation_user,stock.group_stock_user",
            company_id=company_b.id,
            company_ids=[company_b.id],
        )
        Account = self.env["shipstation.account"].with_user(user_b)
        self.assertEqual(Account.search([]), account_b)
        report = self._sync(account_b, user=user_b)
        self.assertFalse(report.error)
        self.assertEqual(report.checked, 0)
        self.assertEqual(picking_a.state, "assigned")
        self.assertFalse(picking_a.carrier_tracking_ref)

    # -- helpers -------------------------------------------------------------------------

    def _two_step_delivery(self, product, qty):
        """A sale in a two-step warehouse: (pick, out), out exported to ShipStation."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": qty})],
            }
        )
        order.action_confirm()
        pick = order.picking_ids.filtered(lambda p: p.picking_type_id == self.warehouse.pick_type_id)
        out = order.picking_ids.filtered(lambda p: p.picking_type_id == self.warehouse.out_type_id)
        self.assertEqual(len(pick), 1)
        self.assertEqual(len(out), 1)
        ss_order = self._order_for(out, [(product, qty)])
        out.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": self.account.id,
                "shipstation_order_id": str(ss_order["orderId"]),
            }
        )
        return pick, out
