from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import ShipStationCommon, v1_only


@tagged("post_install", "-at_install")
class TestExport(ShipStationCommon):
    """Export of delivery orders to the ShipStation sandbox over real HTTP."""

    def _export(self, accounts=None):
        form = Form(
            self.env["shipstation.operation.wizard"].with_context(default_account_ids=(accounts or self.account).ids)
        )
        form.operation = "export"
        self.assertEqual(form.export_operation, "export_delivery_orders")
        wizard = form.save()
        wizard.action_process()
        return wizard

    def _create_path(self):
        return "/v2/shipments" if self.API_VERSION == "v2" else "/orders/createorders"

    def _orders_named(self, name):
        total, orders = self.sandbox.store.list_orders(number_prefix=name)
        return [o for o in orders if o["orderNumber"] == name]

    def test_export_in_one_batch_with_the_fields_shipstation_needs(self):
        carrier = self.env["delivery.carrier"].create(
            {
                "name": "UPS Ground",
                "product_id": self.env["product.product"].create({"name": "UPS", "type": "service"}).id,
            }
        )
        self.account.carrier_mapping_ids = [
            (0, 0, {"carrier_id": carrier.id, "carrier_code": "ups", "service_code": "ups_ground"})
        ]
        pickings = self.env["stock.picking"]
        for lines in ([(self.mug, 2)], [(self.tee, 1), (self.cap, 3)], [(self.cap, 1)]):
            pickings |= self._make_delivery(lines, export=False)[0]
        pickings[0].carrier_id = carrier
        wizard = self._export()
        self.assertIn("3 exported", wizard.result)
        self.assertEqual(self.sandbox.count("POST", self._create_path()), 1)
        for picking in pickings:
            self.assertTrue(picking.is_exported_to_shipstation)
            self.assertEqual(picking.shipstation_account_id, self.account)
            (order,) = self._orders_named(picking.name)
            self.assertEqual(picking.shipstation_order_id, self.account._shipstation_ref(order["orderId"]))
            self.assertEqual(order["orderStatus"], "awaiting_shipment")
            self.assertTrue(order["orderKey"].endswith("-%d" % picking.id))
            self.assertEqual(order["shipTo"]["city"], "Cupertino")
            self.assertEqual(order["shipTo"]["country"], "US")
            self.assertEqual(
                sorted((i["sku"], i["quantity"]) for i in order["items"]),
                sorted((m.product_id.default_code, int(m.product_uom_qty)) for m in picking.move_ids),
            )
            self.assertTrue(any("Exported to ShipStation" in body for body in self._notes(picking)))
        first = self._orders_named(pickings[0].name)[0]
        if self.API_VERSION == "v2":
            # v2 declares no service code on a new shipment (carriers go by carrier account id),
            # and its items carry no price.
            self.assertIsNone(first["serviceCode"])
        else:
            self.assertEqual((first["carrierCode"], first["serviceCode"]), ("ups", "ups_ground"))
            self.assertEqual(first["items"][0]["unitPrice"], 10.0)

    def test_export_over_several_batches(self):
        pickings = self.env["stock.picking"]
        for _i in range(101):
            pickings |= self._make_delivery([(self.mug, 1)], export=False)[0]
        wizard = self._export()
        self.assertIn("101 exported", wizard.result)
        self.assertEqual(self.sandbox.count("POST", self._create_path()), 2)
        self.assertTrue(all(pickings.mapped("is_exported_to_shipstation")))
        self.assertEqual(len(set(pickings.mapped("shipstation_order_id"))), 101)

    def test_re_export_updates_the_same_order(self):
        picking = self._make_delivery([(self.mug, 1)], export=False)[0]
        self._export()
        order_id = picking.shipstation_order_id
        # The answer was lost (a timeout), so Odoo never recorded the export: send again.
        picking.write({"is_exported_to_shipstation": False, "shipstation_order_id": False})
        self._export()
        self.assertEqual(len(self._orders_named(picking.name)), 1)
        self.assertEqual(picking.shipstation_order_id, order_id)

    @v1_only("labels list no items (a partial shipment is a shipment of its own)")
    def test_backorder_is_never_exported_again(self):
        picking = self._make_delivery([(self.mug, 2), (self.tee, 1)], export=False)[0]
        self._export()
        self.sandbox.store.ship_order(self._order_id(picking), parcels=[{"items": [{"sku": "SS-MUG", "quantity": 2}]}])
        self._sync()
        backorder = picking.backorder_ids
        self.assertTrue(backorder.is_exported_to_shipstation)
        self.sandbox.reset_log()
        wizard = self._export()
        self.assertIn("0 deliveries to export", wizard.result)
        self.assertEqual(self.sandbox.count("POST"), 0)
        self.assertEqual(len(self._orders_named(picking.name)), 1)

    def test_bad_deliveries_are_isolated(self):
        nowhere = self.env["res.partner"].create({"name": "No Country", "street": "1 Road", "city": "Nowhere"})
        no_code = self._make_product("Mystery", False)
        good = self._make_delivery([(self.mug, 1)], export=False)[0]
        bad_address = self._make_delivery([(self.mug, 1)], export=False)[0]
        bad_address.partner_id = nowhere
        bad_product = self._make_delivery([(no_code, 1)], export=False)[0]
        wizard = self._export()
        self.assertTrue(good.is_exported_to_shipstation)
        for picking, reason in ((bad_address, "no country"), (bad_product, "internal reference")):
            self.assertFalse(picking.is_exported_to_shipstation)
            self.assertEqual(picking.shipstation_sync_state, "failed")
            self.assertIn(reason, picking.shipstation_sync_message)
            self.assertIn(picking.name, wizard.result)
        self.assertIn("1 exported, 2 failed", wizard.result)

    @v1_only("a second export links the shipment ShipStation has, it never updates one")
    def test_shipstation_refusing_one_order_keeps_the_others(self):
        shipped = self._make_delivery([(self.mug, 1)], export=False)[0]
        self._export()
        self.sandbox.store.ship_order(self._order_id(shipped))
        shipped.is_exported_to_shipstation = False  # unticked by hand: it would be sent again
        other = self._make_delivery([(self.tee, 1)], export=False)[0]
        wizard = self._export()
        self.assertTrue(other.is_exported_to_shipstation)
        self.assertEqual(shipped.shipstation_sync_state, "failed")
        self.assertIn("shipped", shipped.shipstation_sync_message)
        self.assertIn("1 exported, 1 failed", wizard.result)

    def test_whole_batch_failure_marks_each_delivery_and_loses_nothing(self):
        picking = self._make_delivery([(self.mug, 1)], export=False)[0]
        self.sandbox.faults.add(status=500, count=None, path=self._create_path())
        wizard = self._export()
        self.assertFalse(picking.is_exported_to_shipstation)
        self.assertEqual(picking.shipstation_sync_state, "failed")
        self.assertIn("did not accept", wizard.result)
        self.sandbox.faults.clear()
        self._export()
        self.assertTrue(picking.is_exported_to_shipstation)
        self.assertFalse(picking.shipstation_sync_state)

    def test_cron_exports_only_toggled_accounts(self):
        warehouse_b = self.env["stock.warehouse"].create({"name": "Second", "code": "WH2"})
        self.env["stock.quant"]._update_available_quantity(self.mug, warehouse_b.lot_stock_id, 10)
        self.account.write({"auto_export_delivery_orders": True, "warehouse_id": self.warehouse.id})
        self._make_account("Other warehouse", warehouse_id=warehouse_b.id)
        on = self._make_delivery([(self.mug, 1)], export=False)[0]
        off = self._make_delivery([(self.mug, 1)], export=False, warehouse=warehouse_b)[0]
        cron = self.env.ref("shipstation_connector.ir_cron_auto_export_delivery_orders")
        self.assertFalse(cron.active)
        self.assertEqual(
            (cron.model_id.model, cron.code), ("shipstation.export", "model._cron_export_delivery_orders()")
        )
        cron.method_direct_trigger()
        self.assertTrue(on.is_exported_to_shipstation)
        self.assertFalse(off.is_exported_to_shipstation)

    @v1_only("shipment items carry no price")
    def test_weights_in_pounds_and_prices_per_product_unit(self):
        self.env["ir.config_parameter"].sudo().set_param("product.weight_in_lbs", "1")
        self.mug.weight = 2.0
        dozen = self.env.ref("uom.product_uom_dozen")
        sale = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "order_line": [
                    (
                        0,
                        0,
                        {"product_id": self.mug.id, "product_uom_qty": 1, "product_uom": dozen.id, "price_unit": 120.0},
                    )
                ],
            }
        )
        sale.action_confirm()
        picking = sale.picking_ids
        self._export()
        (order,) = self._orders_named(picking.name)
        (item,) = order["items"]
        self.assertEqual((item["quantity"], item["unitPrice"]), (12, 10.0))
        self.assertEqual(item["weight"]["units"], "pounds")
        self.assertEqual(item["weight"]["value"], 2.0)

    def test_only_shipstation_users_export(self):
        picking = self._make_delivery([(self.cap, 1)], export=False)[0]
        clerk = new_test_user(self.env, "clerk", groups="stock.group_stock_user")
        with self.assertRaises(AccessError):
            picking.with_user(clerk).action_export_to_shipstation()
        self.assertFalse(picking.is_exported_to_shipstation)

    def test_button_exports_the_delivery(self):
        picking = self._make_delivery([(self.cap, 2)], export=False)[0]
        action = picking.action_export_to_shipstation()
        self.assertEqual(action["params"]["type"], "success")
        self.assertTrue(picking.is_exported_to_shipstation)
        self.assertEqual(picking.shipstation_account_id, self.account)

    def test_full_loop_export_ship_sync(self):
        picking = self._make_delivery([(self.mug, 1), (self.tee, 2)], export=False)[0]
        self._export()
        shipments = self.sandbox.store.ship_order(self._order_id(picking))
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_tracking_ref, shipments[0]["trackingNumber"])
        self.assertEqual(picking.shipstation_shipping_cost, shipments[0]["shipmentCost"])


@tagged("post_install", "-at_install")
class TestExportV2(TestExport):
    """The same scenarios for an account on ShipStation API v2."""

    API_VERSION = "v2"
