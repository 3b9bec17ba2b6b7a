from odoo.tests import tagged

from .common import ShipStationCommon, v1_only


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

    @v1_only("marked-as-shipped fulfillments are not in its list calls")
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
        self.sandbox.store.ship_order(self._order_id(out), parcels=[{"trackingNumber": "CHAIN1"}])
        self._sync()
        self.assertEqual(out.carrier_tracking_ref, "CHAIN1")
        self.assertEqual(pick.carrier_tracking_ref, "CHAIN1")

    # -- shipped, partial, waiting, cancelled --------------------------------------------

    def test_shipped_without_items_ships_the_order_lines(self):
        picking, order = self._make_delivery([(self.mug, 2), (self.cap, 1)])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "NOITEMS", "items": []}])
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.move_ids.mapped("quantity"), [2.0, 1.0])
        self.assertFalse(picking.backorder_ids)
        # The label records the order's lines as what it shipped.
        self.assertTrue(picking.shipstation_shipment_ids.items_from_order)
        self.assertEqual(picking.shipstation_shipment_ids.items, '[["SS-MUG", 2.0], ["SS-CAP", 1.0]]')

    @v1_only("labels list no items (a partial shipment is a shipment of its own)")
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
        self.sandbox.store.ship_order(self._order_id(out), parcels=[{"trackingNumber": "2STEP"}])
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
        self.sandbox.store.ship_order(self._order_id(out))
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
        self.sandbox.store.cancel_order(self._order_id(out))
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
        if self.API_VERSION == "v1":
            self.sandbox.store.mark_as_shipped(order["orderId"], "usps")  # no tracking number
        else:
            self.sandbox.store.ship_order(order["orderId"])  # v2 ships through labels only
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
        self.assertEqual(picking.shipstation_order_id, self.account._shipstation_ref(order["orderId"]))
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

    @v1_only("shipments are not split")
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

    @v1_only("shipments are not merged")
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

    @v1_only("labels list no items and shipments are not split")
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


@tagged("post_install", "-at_install")
class TestShipmentSyncV2(TestShipmentSync):
    """The same scenarios for an account on ShipStation API v2."""

    API_VERSION = "v2"
