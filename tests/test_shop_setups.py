from collections import defaultdict
from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.shipstation_connector.lib.shipstation.sandbox import SandboxServer

from .common import ShipStationCommon


@tagged("post_install", "-at_install")
class TestShopSetups(ShipStationCommon):
    """Shop set-ups met in real warehouses (lots, serials, packages, several companies,
    many parcels) kept working through the shipment sync, over real HTTP to the sandbox."""

    # -- lots and serial numbers ---------------------------------------------------------

    def test_lots_reserved_ship_from_their_lots_and_backorder_keeps_the_rest(self):
        product, lots = self._tracked_product("Tea", "SS-TEA", "lot", [("LOT-A", 2), ("LOT-B", 3)])
        picking, order = self._make_delivery([(product, 5)])
        reserved = self._per_lot(picking.move_line_ids)
        self.assertEqual(sum(reserved.values()), 5.0)
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "LOT1", "items": [{"sku": "SS-TEA", "quantity": 3}]}]
        )
        report = self._sync()
        self.assertEqual((report.validated, report.failed, report.backorders), (1, 0, 1))
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.move_ids.mapped("quantity"), [3.0])
        done = self._per_lot(picking.move_line_ids)
        self.assertEqual(sum(done.values()), 3.0)
        for lot, qty in done.items():
            self.assertIn(lot, reserved, "a done lot was not reserved")
            self.assertLessEqual(qty, reserved[lot])
        backorder = picking.backorder_ids
        self.assertEqual(len(backorder), 1)
        self._assert_inherits_link(backorder, picking)
        self.assertEqual(backorder.state, "assigned")
        self.assertEqual(backorder.move_ids.product_uom_qty, 2.0)
        self.assertEqual(backorder.move_ids.quantity, 2.0)
        # What the backorder holds is exactly what is left of each lot.
        left = {lot: self._qty_at(product, self.stock_location, lot) for lot in lots}
        self.assertEqual(left, {lot: qty - done.get(lot, 0.0) for lot, qty in zip(lots, (2.0, 3.0))})
        self.assertEqual(self._per_lot(backorder.move_line_ids), {lot: q for lot, q in left.items() if q})

    def test_serials_reserved_one_ships_and_backorder_holds_the_other(self):
        product, serials = self._tracked_product("Phone", "SS-PHONE", "serial", [("SN-1", 1), ("SN-2", 1)])
        picking, order = self._make_delivery([(product, 2)])
        self.assertEqual(picking.move_line_ids.lot_id, serials)
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "SER1", "items": [{"sku": "SS-PHONE", "quantity": 1}]}]
        )
        report = self._sync()
        self.assertEqual(report.failed, 0)
        self.assertEqual(picking.state, "done")
        shipped = picking.move_line_ids
        self.assertEqual(len(shipped), 1)
        self.assertEqual(shipped.quantity, 1.0)
        self.assertIn(shipped.lot_id, serials)
        backorder = picking.backorder_ids
        self.assertEqual(len(backorder), 1)
        self._assert_inherits_link(backorder, picking)
        self.assertEqual(backorder.move_line_ids.lot_id, serials - shipped.lot_id)
        self.assertEqual(backorder.move_line_ids.quantity, 1.0)
        self.assertEqual(
            shipped.lot_id.quant_ids.filtered(lambda q: q.quantity > 0).location_id, self.customer_location
        )

    # -- packages ------------------------------------------------------------------------

    def test_put_in_pack_then_fully_shipped_sends_the_package_to_the_customer(self):
        picking, order = self._make_delivery([(self.mug, 3), (self.tee, 2)])
        package = picking.action_put_in_pack()
        self.assertEqual(package._name, "stock.quant.package")
        self.assertEqual(picking.move_line_ids.result_package_id, package)
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "PACK1"}])
        report = self._sync()
        self.assertEqual((report.validated, report.failed), (1, 0))
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.backorder_ids)
        self.assertEqual(picking.carrier_tracking_ref, "PACK1")
        self.assertEqual(picking.move_line_ids.result_package_id, package)
        self.assertEqual(package.location_id, self.customer_location)
        contents = {q.product_id: q.quantity for q in package.quant_ids}
        self.assertEqual(contents, {self.mug: 3.0, self.tee: 2.0})

    def test_put_in_pack_then_partly_shipped_validates_what_left(self):
        picking, order = self._make_delivery([(self.mug, 10)])
        package = picking.action_put_in_pack()
        self.assertEqual(picking.move_line_ids.result_package_id, package)
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "HALF1", "items": [{"sku": "SS-MUG", "quantity": 6}]}]
        )
        report = self._sync()
        self.assertEqual((report.validated, report.failed, report.backorders), (1, 0, 1))
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.shipstation_sync_state, "synced")
        self.assertFalse(picking.shipstation_sync_message)
        self.assertEqual(picking.move_ids.quantity, 6.0)
        backorder = picking.backorder_ids
        self.assertEqual(len(backorder), 1)
        self._assert_inherits_link(backorder, picking)
        self.assertEqual((backorder.move_ids.product_uom_qty, backorder.move_ids.quantity), (4.0, 4.0))
        # What Odoo does with the package: the 6 that left went to the customer in it;
        # the 4 the backorder reserved are outside any package.
        self.assertEqual(picking.move_line_ids.result_package_id, package)
        self.assertEqual(package.location_id, self.customer_location)
        self.assertEqual(sum(package.quant_ids.mapped("quantity")), 6.0)
        self.assertFalse(backorder.move_line_ids.result_package_id)
        self.assertFalse(backorder.move_line_ids.package_id)

    # -- several companies ---------------------------------------------------------------

    def test_scheduled_run_validates_each_company_delivery_in_its_company(self):
        company_b = self.env["res.company"].create({"name": "Second Shop"})
        warehouse_b = self._warehouse_of(company_b)
        self.assertTrue(warehouse_b)
        sandbox_b = SandboxServer(api_key="key-b", api_secret="secret-b").start()
        self.addCleanup(sandbox_b.stop)
        account_b = self._make_account(
            "Second Shop ShipStation",
            company=company_b,
            api_key="key-b",
            api_secret="secret-b",
            api_url=sandbox_b.url,
            currency_id=company_b.currency_id.id,
        )
        (self.account | account_b).auto_import_shipment_details = True
        lamp = self._make_product("Lamp", "SS-LAMP", qty=10)
        self.env["stock.quant"]._update_available_quantity(lamp, warehouse_b.lot_stock_id, 10)
        picking_a, order_a = self._make_delivery([(lamp, 2)])
        picking_b, _order = self._make_delivery([(lamp, 3)], account=account_b, warehouse=warehouse_b, export=False)
        order_b = sandbox_b.store.add_order(
            orderId=700001, orderNumber=picking_b.name, items=[{"sku": "SS-LAMP", "name": "Lamp", "quantity": 3}]
        )
        picking_b.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": account_b.id,
                "shipstation_order_id": str(order_b["orderId"]),
            }
        )
        self.sandbox.store.ship_order(order_a["orderId"], parcels=[{"trackingNumber": "CO-A1", "shipmentCost": 4.0}])
        sandbox_b.store.ship_order(order_b["orderId"], parcels=[{"trackingNumber": "CO-B1", "shipmentCost": 6.0}])
        self.env.ref("shipstation_connector.ir_cron_auto_import_shipment_details").method_direct_trigger()
        for picking, company, warehouse, tracking, cost, left in (
            (picking_a, self.company, self.warehouse, "CO-A1", 4.0, 8.0),
            (picking_b, company_b, warehouse_b, "CO-B1", 6.0, 7.0),
        ):
            self.assertEqual(picking.state, "done", picking.shipstation_sync_message)
            self.assertEqual(picking.shipstation_sync_state, "synced")
            self.assertEqual(picking.carrier_tracking_ref, tracking)
            self.assertEqual(picking.shipstation_shipping_cost, cost)
            self.assertEqual(picking.company_id, company)
            self.assertEqual(picking.move_ids.company_id, company)
            self.assertEqual(picking.move_line_ids.location_id.warehouse_id, warehouse)
            self.assertEqual(picking.shipstation_shipment_ids.company_id, company)
            self.assertEqual(self._qty_at(lamp, warehouse.lot_stock_id), left)
        self.assertTrue(self.account.sync_since)
        self.assertTrue(account_b.sync_since)

    # -- many parcels --------------------------------------------------------------------

    def test_sixty_parcels_on_one_delivery(self):
        # Nothing in stock at first: the delivery stays open, so every run reads its 60 parcels.
        vase = self._make_product("Vase", "SS-VASE", qty=0)
        picking, order = self._make_delivery([(vase, 60)])
        numbers = ["1Z%02dV" % ((i * 37) % 60) for i in range(60)]  # neither sorted nor reverse-sorted
        costs = [Decimal("3.17") + Decimal("0.29") * (i % 7) + Decimal("0.01") * i for i in range(60)]
        self.assertEqual(len(set(numbers)), 60)
        self.sandbox.store.ship_order(
            order["orderId"],
            parcels=[
                {"trackingNumber": number, "shipmentCost": float(cost), "items": [{"sku": "SS-VASE", "quantity": 1}]}
                for number, cost in zip(numbers, costs)
            ],
        )
        report = self._sync()
        self.assertEqual(report.failed, 0)
        self.assertEqual(picking.shipstation_sync_state, "waiting")
        self.assertEqual(picking.carrier_tracking_ref, ",".join(numbers))
        self.assertEqual(round(picking.shipstation_shipping_cost, 2), float(sum(costs)))
        parcels = self.env["shipstation.shipment"].search([("picking_id", "=", picking.id)])
        self.assertEqual(len(parcels), 60)
        self.assertEqual(sorted(parcels.mapped("tracking_number")), sorted(numbers))
        # Odoo rounds Monetary values to cents with float_round (3.82 may read 3.8200000000000003).
        self.assertEqual(sorted(round(c, 2) for c in parcels.mapped("shipment_cost")), sorted(map(float, costs)))
        # A second run that reads everything again changes nothing and posts nothing.
        fields_read = ["carrier_tracking_ref", "shipstation_shipping_cost", "shipstation_sync_state", "state"]
        before = picking.read(fields_read)
        parcels_before = parcels.read(["tracking_number", "shipment_cost", "charged", "voided"])
        messages = self.env["mail.message"].search_count([("model", "=", "stock.picking")])
        self.account.sync_since = False
        again = self._sync()
        self.assertEqual((again.checked, again.updated, again.validated), (1, 0, 0))
        self.assertEqual(picking.read(fields_read), before)
        self.assertEqual(self.env["shipstation.shipment"].search_count([("picking_id", "=", picking.id)]), 60)
        self.assertEqual(parcels.read(["tracking_number", "shipment_cost", "charged", "voided"]), parcels_before)
        self.assertEqual(self.env["mail.message"].search_count([("model", "=", "stock.picking")]), messages)
        # The vases arrive: the next run validates the delivery with its 60 parcels.
        self.env["stock.quant"]._update_available_quantity(vase, self.stock_location, 60)
        picking.action_assign()
        self.account.sync_since = False
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.backorder_ids)
        self.assertEqual(picking.carrier_tracking_ref, ",".join(numbers))
        self.assertEqual(round(picking.shipstation_shipping_cost, 2), float(sum(costs)))
        self.assertEqual(self.env["shipstation.shipment"].search_count([("picking_id", "=", picking.id)]), 60)

    # -- helpers -------------------------------------------------------------------------

    def _tracked_product(self, name, code, tracking, stock):
        """A product tracked by ``tracking`` with ``stock`` = [(lot name, qty)]: ``(product, lots)``."""
        product = self.env["product.product"].create(
            {"name": name, "default_code": code, "type": "product", "tracking": tracking}
        )
        lots = self.env["stock.lot"]
        for lot_name, qty in stock:
            lot = self.env["stock.lot"].create(
                {"name": lot_name, "product_id": product.id, "company_id": self.company.id}
            )
            self.env["stock.quant"]._update_available_quantity(product, self.stock_location, qty, lot_id=lot)
            lots |= lot
        return product, lots

    def _per_lot(self, move_lines):
        """``{lot: quantity}`` of move lines."""
        result = defaultdict(float)
        for line in move_lines:
            self.assertTrue(line.lot_id, "a move line of a tracked product has no lot")
            result[line.lot_id] += line.quantity
        return dict(result)

    def _qty_at(self, product, location, lot=None):
        domain = [("product_id", "=", product.id), ("location_id", "=", location.id)]
        if lot:
            domain.append(("lot_id", "=", lot.id))
        return sum(self.env["stock.quant"].search(domain).mapped("quantity"))

    def _assert_inherits_link(self, backorder, picking):
        self.assertTrue(backorder.is_exported_to_shipstation)
        self.assertEqual(backorder.shipstation_account_id, picking.shipstation_account_id)
        self.assertEqual(backorder.shipstation_order_id, picking.shipstation_order_id)
        self.assertFalse(backorder.carrier_tracking_ref)
        self.assertEqual(backorder.shipstation_sync_state, "waiting")
