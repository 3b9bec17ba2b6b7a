from odoo import Command
from odoo.tests import tagged

from .common import ShipStationCommon


@tagged("post_install", "-at_install")
class TestRealShops(ShipStationCommon):
    """Set-ups real shops run: kits, sales units, packages, deliveries edited after the export."""

    # -- kits (Manufacturing's BoMs of type Kit) ------------------------------------------

    def _desk_kit(self):
        """A desk sold at 150 as a kit of 4 legs and 1 top (costs 10 and 60: 100 a desk)."""
        if "mrp.bom" not in self.env:
            self.skipTest("Manufacturing (mrp) is not installed in this database: no kits")
        leg = self._make_product("Desk leg", "SS-LEG")
        top = self._make_product("Desk top", "SS-TOP")
        leg.standard_price, top.standard_price = 10.0, 60.0
        desk = self.env["product.product"].create(
            {"name": "Desk", "default_code": "SS-DESK", "type": "consu", "list_price": 150.0}
        )
        self.env["mrp.bom"].create(
            {
                "product_tmpl_id": desk.product_tmpl_id.id,
                "type": "phantom",
                "product_qty": 1.0,
                "bom_line_ids": [
                    Command.create({"product_id": leg.id, "product_qty": 4.0}),
                    Command.create({"product_id": top.id, "product_qty": 1.0}),
                ],
            }
        )
        return desk, leg, top

    def _kit_sale(self, desk, qty, extra=()):
        """A confirmed sale of ``qty`` desks and ``extra`` [(product, qty)]: (sale or None, delivery)."""
        lines = [(desk, qty), *extra]
        if "sale.order" not in self.env:
            return None, self._make_delivery(lines, export=False)[0]
        sale = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "order_line": [
                    Command.create({"product_id": p.id, "product_uom_qty": q, "price_unit": p.list_price})
                    for p, q in lines
                ],
            }
        )
        sale.action_confirm()
        return sale, sale.picking_ids

    def _link(self, picking, order):
        picking.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": self.account.id,
                "shipstation_order_id": str(order["orderId"]),
            }
        )

    def test_a_kit_label_ships_that_many_kits_of_components_and_a_partial_kit_leaves_the_rest(self):
        desk, leg, top = self._desk_kit()
        sale, picking = self._kit_sale(desk, 2)
        self.assertEqual(sorted(picking.move_ids.mapped("product_id.default_code")), ["SS-LEG", "SS-TOP"])
        # Imported into ShipStation from the shop: the order lists the kit, in the shop's case.
        order = self.sandbox.store.add_order(
            orderNumber=picking.name, items=[{"sku": "ss-desk", "name": "Desk", "quantity": 2}]
        )
        self._link(picking, order)
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "DESK1", "items": [{"sku": "ss-desk", "quantity": 1}]}]
        )
        report = self._sync()
        self.assertEqual((picking.state, report.validated), ("done", 1))
        done = {m.product_id: m.quantity for m in picking.move_ids if m.state == "done"}
        self.assertEqual(done, {leg: 4.0, top: 1.0})
        backorder = picking.backorder_ids
        self.assertEqual({m.product_id: m.product_uom_qty for m in backorder.move_ids}, {leg: 4.0, top: 1.0})
        self.assertTrue(backorder.is_exported_to_shipstation)
        self.assertEqual(backorder.shipstation_order_id, str(order["orderId"]))
        if sale:
            self.assertEqual(sale.order_line.qty_delivered, 1.0)  # Odoo counts whole kits
        # The second desk's label ships the backorder.
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "DESK2", "items": [{"sku": "SS-DESK", "quantity": 1}]}]
        )
        self._sync()
        self.assertEqual(backorder.state, "done")
        self.assertFalse(backorder.backorder_ids)
        if sale:
            self.assertEqual(sale.order_line.qty_delivered, 2.0)

    def test_a_label_of_a_kit_and_a_plain_product_ships_both(self):
        desk, leg, top = self._desk_kit()
        _sale, picking = self._kit_sale(desk, 1, extra=[(self.mug, 1)])
        items = [{"sku": "SS-DESK", "quantity": 1}, {"sku": "SS-MUG", "quantity": 1}]
        order = self.sandbox.store.add_order(orderNumber=picking.name, items=items)
        self._link(picking, order)
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "BOTH", "items": items}])
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.backorder_ids)
        self.assertEqual({m.product_id: m.quantity for m in picking.move_ids}, {leg: 4.0, top: 1.0, self.mug: 1.0})

    def test_a_kit_sale_is_exported_at_the_sale_value(self):
        desk, _leg, _top = self._desk_kit()
        _sale, picking = self._kit_sale(desk, 2)
        picking.action_export_to_shipstation()
        (order,) = self.sandbox.store.list_orders(number_prefix=picking.name)[1]
        prices = {i["sku"]: (i["quantity"], i["unitPrice"]) for i in order["items"]}
        # Components share the kit's price by their cost (40 and 60 of 100): 2 desks at 150 are
        # worth 300, not 2 x 150 for every component.
        self.assertEqual(prices, {"SS-LEG": (8, 15.0), "SS-TOP": (2, 90.0)})
        self.assertAlmostEqual(sum(q * p for q, p in prices.values()), 300.0)
        self.assertEqual({o["value"] for i in order["items"] for o in i["options"]}, {"[SS-DESK] Desk"})

    def test_a_kit_split_in_three_equal_parts_adds_up_to_its_sale_price(self):
        desk, _leg, _top = self._desk_kit()
        parts = [self._make_product("Trio part %d" % n, "SS-TRIO-%d" % n) for n in range(3)]
        for part in parts:
            part.standard_price = 1.0
        trio = self.env["product.product"].create(
            {"name": "Trio", "default_code": "SS-TRIO", "type": "consu", "list_price": 10.0}
        )
        self.env["mrp.bom"].create(
            {
                "product_tmpl_id": trio.product_tmpl_id.id,
                "type": "phantom",
                "product_qty": 1.0,
                "bom_line_ids": [Command.create({"product_id": p.id, "product_qty": 1.0}) for p in parts],
            }
        )
        _sale, picking = self._kit_sale(trio, 1)
        picking.action_export_to_shipstation()
        (order,) = self.sandbox.store.list_orders(number_prefix=picking.name)[1]
        prices = sorted(i["unitPrice"] for i in order["items"])
        # Each third of 10.00 rounded alone would be 3 x 3.33 = 9.99.
        self.assertEqual(prices, [3.33, 3.33, 3.34])
        self.assertEqual(round(sum(prices), 2), 10.0)

    # -- units of measure ---------------------------------------------------------------

    def test_a_delivery_kept_in_dozens_ships_exact_units(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        picking, _order = self._make_delivery([(self.mug, 24)], export=False)
        picking.do_unreserve()
        picking.move_ids.write({"product_uom": dozen.id, "product_uom_qty": 2.0})  # as stock.propagate_uom keeps it
        picking.action_assign()
        order = self._order_for(picking, [(self.mug, 24)])
        self._link(picking, order)
        before = self.mug.with_context(location=self.stock_location.id).qty_available
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "DOZ", "items": [{"sku": "SS-MUG", "quantity": 7}]}]
        )
        self._sync()
        self.assertEqual(picking.state, "done")
        shipped = sum(picking.move_ids.move_line_ids.mapped("quantity_product_uom"))
        self.assertEqual(shipped, 7.0)
        self.assertEqual(sum(picking.move_ids.mapped("product_qty")), 7.0)
        self.mug.invalidate_recordset()
        self.assertEqual(self.mug.with_context(location=self.stock_location.id).qty_available, before - 7.0)
        self.assertEqual(sum(picking.backorder_ids.move_ids.mapped("product_qty")), 17.0)

    def test_a_delivery_kept_in_dozens_shipped_whole_ships_exact_units(self):
        """2 dozen reserved in dozens, all 24 shipped: the move ships whole, in its own unit."""
        dozen = self.env.ref("uom.product_uom_dozen")
        glass = self._make_product("Glass", "SS-GLASS", qty=24)
        picking, _order = self._make_delivery([(glass, 24)], export=False)
        picking.do_unreserve()
        picking.move_ids.write({"product_uom": dozen.id, "product_uom_qty": 2.0})
        picking.action_assign()
        order = self._order_for(picking, [(glass, 24)])
        self._link(picking, order)
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "DOZ24", "items": [{"sku": "SS-GLASS", "quantity": 24}]}]
        )
        self._sync()
        self.assertEqual(picking.state, "done", picking.shipstation_sync_message)
        self.assertEqual(sum(picking.move_ids.move_line_ids.mapped("quantity_product_uom")), 24.0)
        self.assertEqual(sum(picking.move_ids.mapped("product_qty")), 24.0)
        glass.invalidate_recordset()
        self.assertEqual(glass.with_context(location=self.stock_location.id).qty_available, 0.0)
        self.assertFalse(picking.backorder_ids)

    def test_a_move_a_picker_began_ships_all_its_lines(self):
        """A picker scanned one of a move's two bins (that line is picked) before ShipStation
        shipped it all: every line ships, not only the scanned one."""
        bin_b = self.env["stock.location"].create({"name": "Bin B", "location_id": self.stock_location.id})
        lamp = self._make_product("Desk lamp", "SS-DLAMP", qty=5)
        self.env["stock.quant"]._update_available_quantity(lamp, bin_b, 5)
        picking, order = self._make_delivery([(lamp, 10)])
        self.assertEqual(len(picking.move_line_ids), 2)
        picking.move_line_ids[0].picked = True
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "SCAN"}])
        self._sync()
        self.assertEqual(picking.state, "done", picking.shipstation_sync_message)
        self.assertEqual(sum(picking.move_line_ids.mapped("quantity")), 10.0)
        self.assertFalse(picking.backorder_ids)

    # -- packages -----------------------------------------------------------------------

    def test_part_of_a_package_ships_and_the_rest_stays_packed_in_stock(self):
        lamp = self._make_product("Lamp", "SS-LAMP", qty=0)
        package = self.env["stock.quant.package"].create({"name": "PACK-LAMPS"})
        self.env["stock.quant"]._update_available_quantity(lamp, self.stock_location, 10, package_id=package)
        picking, order = self._make_delivery([(lamp, 10)])
        picking.move_line_ids.result_package_id = package  # the whole package was to leave
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "PKG", "items": [{"sku": "SS-LAMP", "quantity": 6}]}]
        )
        self._sync()
        self.assertEqual(picking.state, "done", picking.shipstation_sync_message)
        self.assertEqual(sum(picking.move_line_ids.mapped("quantity")), 6.0)
        left = package.quant_ids.filtered(lambda q: q.location_id == self.stock_location)
        self.assertEqual(sum(left.mapped("quantity")), 4.0)
        self.assertEqual(sum(picking.backorder_ids.move_ids.mapped("product_qty")), 4.0)

    # -- deliveries edited after the export ---------------------------------------------

    def test_a_line_added_after_the_export_goes_to_a_delivery_the_export_sends(self):
        picking, order = self._make_delivery([(self.mug, 2)])
        self.env["stock.move"].create(
            {
                "name": "Cap",
                "picking_id": picking.id,
                "product_id": self.cap.id,
                "product_uom_qty": 1,
                "product_uom": self.cap.uom_id.id,
                "location_id": picking.location_id.id,
                "location_dest_id": picking.location_dest_id.id,
            }
        )._action_confirm()
        picking.action_assign()
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "EDIT1"}])
        self._sync()
        self.assertEqual(picking.state, "done")
        extra = picking.backorder_ids
        self.assertEqual(extra.move_ids.product_id, self.cap)
        self.assertFalse(extra.is_exported_to_shipstation or extra.shipstation_order_id)
        self.assertEqual(extra.shipstation_account_id, self.account)
        self.assertIn("beyond its ShipStation order", self._notes(picking)[0])
        extra.action_export_to_shipstation()
        self.assertTrue(extra.is_exported_to_shipstation)
        self.assertNotEqual(extra.shipstation_order_id, picking.shipstation_order_id)

    def test_a_label_without_items_ships_the_order_quantity_not_the_raised_one(self):
        picking, order = self._make_delivery([(self.mug, 3), (self.cap, 1)])
        picking.move_ids.filtered(lambda m: m.product_id == self.mug).product_uom_qty = 5  # raised in Odoo
        picking.action_assign()
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "NOITEMS", "items": []}])
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertEqual({m.product_id: m.quantity for m in picking.move_ids}, {self.mug: 3.0, self.cap: 1.0})
        self.assertEqual(picking.backorder_ids.move_ids.product_uom_qty, 2.0)
        self.assertFalse(picking.backorder_ids.is_exported_to_shipstation)
        self.assertTrue(picking.shipstation_shipment_ids.items_from_order)

    # -- SKUs and order numbers ---------------------------------------------------------

    def test_a_product_without_reference_and_a_shop_sku_wait_naming_both(self):
        variant = self._make_product("T-shirt red", False)
        picking, _order = self._make_delivery([(self.mug, 1), (variant, 1)], export=False)
        order = self.sandbox.store.add_order(
            orderNumber=picking.name,
            items=[{"sku": "SS-MUG", "quantity": 1}, {"sku": "TEE-RED", "quantity": 1}],
        )
        self._link(picking, order)
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "SHOP", "items": []}])
        self._sync()
        self.assertEqual((picking.state, picking.shipstation_sync_state), ("assigned", "waiting"))
        self.assertIn("product-%d" % variant.id, picking.shipstation_sync_message)
        self.assertIn("TEE-RED", picking.shipstation_sync_message)
        self.assertEqual(picking.carrier_tracking_ref, "SHOP")

    def test_a_sales_channel_order_is_found_by_the_source_document(self):
        picking, _order = self._make_delivery([(self.mug, 1)], export=False)
        picking.write(
            {"origin": "SHOP-1042", "is_exported_to_shipstation": True, "shipstation_account_id": self.account.id}
        )
        order = self.sandbox.store.add_order(orderNumber="shop-1042", items=[{"sku": "SS-MUG", "quantity": 1}])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "FROMSHOP"}])
        self._sync()
        self.assertEqual(picking.shipstation_order_id, str(order["orderId"]))
        self.assertEqual((picking.state, picking.carrier_tracking_ref), ("done", "FROMSHOP"))

    def test_what_waits_for_shipstation_and_what_was_added_in_odoo_part_ways(self):
        picking, order = self._make_delivery([(self.mug, 2), (self.cap, 1)])
        picking.write(
            {
                "move_ids": [
                    Command.create(
                        {
                            "name": "T-shirt",
                            "product_id": self.tee.id,
                            "product_uom_qty": 1,
                            "product_uom": self.tee.uom_id.id,
                            "location_id": picking.location_id.id,
                            "location_dest_id": picking.location_dest_id.id,
                        }
                    )
                ]
            }
        )
        picking.action_confirm()
        picking.action_assign()
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "PART1", "items": [{"sku": "SS-MUG", "quantity": 2}]}]
        )
        self._sync()
        self.assertEqual(picking.state, "done")
        waiting = picking.backorder_ids.filtered("is_exported_to_shipstation")
        added = picking.backorder_ids - waiting
        self.assertEqual((waiting.move_ids.product_id, added.move_ids.product_id), (self.cap, self.tee))
        self.assertEqual(waiting.shipstation_order_id, str(order["orderId"]))
        self.assertEqual((waiting.state, added.state), ("assigned", "assigned"))
        self.assertFalse(added.shipstation_order_id or added.shipstation_sync_state)
        # ShipStation ships the cap later: the linked backorder is validated, nothing else moves.
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "PART2", "items": [{"sku": "SS-CAP", "quantity": 1}]}]
        )
        self._sync()
        self.assertEqual((waiting.state, added.state), ("done", "assigned"))

    def test_what_lies_beyond_the_order_is_kept_when_the_operation_type_never_makes_backorders(self):
        self.warehouse.out_type_id.create_backorder = "never"
        picking, order = self._make_delivery([(self.mug, 3)])
        picking.move_ids.product_uom_qty = 5  # raised in Odoo after the export
        picking.action_assign()
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "NEVER1"}])
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.move_ids.filtered(lambda m: m.state == "done").quantity, 3.0)
        (extra,) = picking.backorder_ids
        self.assertEqual((extra.move_ids.product_uom_qty, extra.state), (2.0, "assigned"))
        self.assertFalse(extra.is_exported_to_shipstation)

    def test_two_deliveries_of_one_shop_order_wait_rather_than_share_a_label(self):
        first, _order = self._make_delivery([(self.mug, 2)], export=False)
        second, _order = self._make_delivery([(self.mug, 1)], export=False)
        (first | second).write(
            {"origin": "SHOP-7", "is_exported_to_shipstation": True, "shipstation_account_id": self.account.id}
        )
        order = self.sandbox.store.add_order(orderNumber="SHOP-7", items=[{"sku": "SS-MUG", "quantity": 2}])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "ONE"}])
        self._sync()
        self.assertEqual((first.state, second.state), ("assigned", "assigned"))
        self.assertIn(second.name, first.shipstation_sync_message)
        # Told which delivery the order is, the sync ships that one only; the other still waits.
        first.shipstation_order_id = str(order["orderId"])
        self._sync()
        self.assertEqual((first.state, second.state), ("done", "assigned"))
        self.assertEqual(second.shipstation_sync_state, "waiting")

    def test_a_kit_exported_as_its_components_ships_from_labels_listing_them(self):
        desk, leg, top = self._desk_kit()
        _sale, picking = self._kit_sale(desk, 2)
        picking.action_export_to_shipstation()
        order_id = int(picking.shipstation_order_id)
        items = [{"sku": "SS-LEG", "quantity": 4}, {"sku": "SS-TOP", "quantity": 1}]
        self.sandbox.store.ship_order(order_id, parcels=[{"trackingNumber": "COMP1", "items": items}])
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertEqual({m.product_id: m.quantity for m in picking.move_ids if m.state == "done"}, {leg: 4, top: 1})
        self.assertEqual(
            {m.product_id: m.product_uom_qty for m in picking.backorder_ids.move_ids}, {leg: 4.0, top: 1.0}
        )
        self.assertTrue(picking.backorder_ids.is_exported_to_shipstation)
