from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib.shipstation import messages as msg
from .common import ShipStationCommon

SYNC_LOGGER = "odoo.addons.shipstation_connector.models.shipstation_sync"


@tagged("post_install", "-at_install")
class TestShippedGoods(ShipStationCommon):
    """Goods ShipStation shipped are never left waiting for a click, and their label is kept
    whatever happens to the validation."""

    def _poster_delivery(self, stock=0.0, qty=2):
        poster = self._make_product("Poster", "SS-POSTER", qty=stock)
        picking, order = self._make_delivery([(self.mug, 1), (poster, qty)])
        return poster, picking, order

    def test_stock_received_after_the_label_is_reserved_and_validated_by_the_next_sync(self):
        poster, picking, order = self._poster_delivery()
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "POST1", "shipmentCost": 4.0}])
        self._sync()
        self.assertEqual(picking.shipstation_sync_state, "waiting")
        message = picking.shipstation_sync_message
        self.assertIn("SS-POSTER: 0 of 2", message, "it says what is missing")
        self.assertIn("Receive the missing goods", message, "and what to do")
        self.assertEqual(picking.carrier_tracking_ref, "POST1", "a waiting delivery keeps its label")
        # The posters arrive (an inventory adjustment reserves nothing by itself); nobody clicks
        # Check Availability.
        self.env["stock.quant"]._update_available_quantity(poster, self.stock_location, 2)
        self.assertNotEqual(picking.move_ids.filtered(lambda m: m.product_id == poster).quantity, 2)
        self._age_watermark()
        report = self._sync()
        self.assertEqual(picking.state, "done")
        self.assertEqual(report.validated, 1)
        self.assertEqual(picking.shipstation_sync_state, "synced")
        self.assertEqual(sum(picking.move_ids.mapped("quantity")), 3)

    def test_nothing_in_stock_says_so_and_reserves_nothing_elsewhere(self):
        poster = self._make_product("Poster", "SS-POSTER", qty=0)
        picking, order = self._make_delivery([(poster, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        self._sync()
        self.assertEqual(picking.shipstation_sync_state, "waiting")
        self.assertEqual(picking.shipstation_sync_code, msg.message(msg.NOTHING_RESERVED).to_json())
        self.assertIn("out of stock", picking.shipstation_sync_message)
        notes = len(picking.message_ids)
        self._age_watermark()
        self._sync()
        self.assertEqual(picking.state, "confirmed")
        self.assertEqual(len(picking.message_ids), notes, "a run with nothing new posts nothing")

    @mute_logger(SYNC_LOGGER)
    def test_a_refused_validation_keeps_tracking_cost_and_parcels(self):
        picking, order, lot = self._serial_delivery_without_lot()
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "LOT1", "shipmentCost": 7.5, "carrierCode": "ups"}]
        )
        report = self._sync()
        self.assertEqual(report.failed, 1)
        self.assertNotEqual(picking.state, "done")
        self.assertEqual(picking.shipstation_sync_state, "failed")
        self.assertEqual(picking.carrier_tracking_ref, "LOT1")
        self.assertEqual(picking.shipstation_shipping_cost, 7.5)
        self.assertEqual(picking.shipstation_shipment_ids.mapped("tracking_number"), ["LOT1"])
        message = picking.shipstation_sync_message
        self.assertIn("Odoo refused to validate it", message)
        self.assertIn("LOT1", message)
        self.assertIn("lot or serial numbers", message)
        self.assertEqual(picking.shipstation_sync_code and msg.VALIDATION_FAILED in picking.shipstation_sync_code, True)
        notes = len(picking.message_ids)
        self._age_watermark()
        self._sync()
        self.assertEqual(picking.shipstation_sync_message, message)
        self.assertEqual(len(picking.message_ids), notes, "the same failure is not posted again")
        picking.move_ids.move_line_ids.lot_id = lot
        self._age_watermark()
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_tracking_ref, "LOT1")
        self.assertEqual(len(picking.shipstation_shipment_ids), 1, "the kept parcel is not recorded twice")


@tagged("post_install", "-at_install")
class TestShippedGoodsV2(TestShippedGoods):
    """The same on an API v2 account."""

    API_VERSION = "v2"
