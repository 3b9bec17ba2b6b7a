from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib.shipstation.sandbox.v2_records import tracking_url as label_page
from .common import ShipStationCommon

UPS = "https://www.ups.com/track?tracknum=%s"
FEDEX = "https://www.fedex.com/fedextrack/?trknbr=%s"


@tagged("post_install", "-at_install")
class TestTrackingLinks(ShipStationCommon):
    """Tracking numbers the customer can click: per parcel, and Odoo's own link on the delivery."""

    def _page(self, template, carrier, number):
        """The link a parcel gets: on v2 the page ShipStation gives the label, when it gives one."""
        return (self.API_VERSION == "v2" and label_page(carrier, number)) or template % number

    def _shipped(self, parcels, product=None):
        picking, order = self._make_delivery([(product or self.mug, 1)])
        labels = self.sandbox.store.ship_order(order["orderId"], parcels=parcels)
        return picking, order, labels

    def test_one_parcel_links_to_its_carrier_and_the_tracking_button_opens_it(self):
        picking, _order, _labels = self._shipped([{"trackingNumber": "1ZONE", "carrierCode": "ups"}])
        self._sync()
        self.assertFalse(picking.carrier_id)
        url = self._page(UPS, "ups", "1ZONE")
        self.assertEqual(picking.shipstation_shipment_ids.tracking_url, url)
        self.assertEqual(picking.carrier_tracking_url, url)
        action = picking.open_website_url()
        self.assertEqual((action["type"], action["url"]), ("ir.actions.act_url", url))

    def test_several_parcels_use_odoos_multi_parcel_form_without_voided_or_returns(self):
        picking, order, labels = self._shipped(
            [
                {"trackingNumber": "1ZA", "carrierCode": "ups"},
                {"trackingNumber": "VOID", "carrierCode": "ups"},
                {"trackingNumber": "7749", "carrierCode": "fedex_walleted"},
            ],
            product=self._make_product("Poster", "SS-POSTER", qty=0),  # waits: later runs still read it
        )
        self.sandbox.store.add_return_label(order["orderId"], tracking_number="RET1")
        self._sync()
        self.sandbox.store.void_shipment(labels[1]["shipmentId"])
        self._sync()
        self.assertEqual(
            picking.get_multiple_carrier_tracking(),
            [["1ZA", self._page(UPS, "ups", "1ZA")], ["7749", self._page(FEDEX, "fedex_walleted", "7749")]],
        )
        self.assertEqual(picking.open_website_url()["res_model"], "stock.picking")  # Odoo's list of links
        self.assertIn(self._page(UPS, "ups", "1ZA").replace("&", "&amp;"), picking.message_ids[0].body)

    def test_an_unknown_carrier_gives_no_link_and_no_error_until_a_manager_adds_its_page(self):
        picking, _order, _labels = self._shipped([{"trackingNumber": "AC-1/2", "carrierCode": "acme_freight"}])
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_tracking_ref, "AC-1/2")
        self.assertFalse(picking.carrier_tracking_url)
        with self.assertRaises(UserError):
            picking.open_website_url()
        self.env["shipstation.tracking.link"].create(
            {"carrier_code": "acme_freight", "url_template": "https://acme.example/t/{tracking}"}
        )
        picking.invalidate_recordset(["carrier_tracking_url"])
        picking.shipstation_shipment_ids.invalidate_recordset(["tracking_url"])
        self.assertEqual(picking.carrier_tracking_url, "https://acme.example/t/AC-1%2F2")

    def test_the_sale_order_gets_an_internal_note_with_the_links_for_customer_service(self):
        if "sale.order" not in self.env:
            self.skipTest("Sales (sale_stock) is not installed in this database")
        sale = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "order_line": [Command.create({"product_id": self.mug.id, "product_uom_qty": 1})],
            }
        )
        sale.action_confirm()
        picking = sale.picking_ids
        order = self._order_for(picking, [(self.mug, 1)])
        picking.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": self.account.id,
                "shipstation_order_id": self.account._shipstation_ref(order["orderId"]),
            }
        )
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "1ZSALE", "carrierCode": "ups"}])
        self._sync()
        self.assertEqual(picking.state, "done")
        (note,) = sale.message_ids.filtered(lambda m: "Shipped in ShipStation" in (m.body or ""))
        self.assertIn(self._page(UPS, "ups", "1ZSALE").replace("&", "&amp;"), note.body)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertFalse(note.partner_ids, "an internal note: the customer is not told")

    @mute_logger("odoo.sql_db")
    def test_a_tracking_page_must_say_where_the_number_goes(self):
        with self.assertRaises(Exception):  # noqa: B017 - the database's own check
            with self.cr.savepoint():
                self.env["shipstation.tracking.link"].create({"carrier_code": "x", "url_template": "https://x.example"})

    def test_the_delivery_email_carries_the_link_when_the_company_sends_it(self):
        self.company.stock_move_email_validation = True
        picking, _order, _labels = self._shipped([{"trackingNumber": "1ZMAIL", "carrierCode": "ups"}])
        self._sync()
        self.assertEqual(picking.state, "done")
        sent = picking.message_ids.filtered(lambda m: self.partner in m.partner_ids)
        self.assertTrue(sent, "the delivery confirmation e-mail goes to the customer")
        self.assertIn(self._page(UPS, "ups", "1ZMAIL").replace("&", "&amp;"), sent[0].body)

    def test_no_email_reaches_the_customer_when_the_company_sends_none(self):
        self.company.stock_move_email_validation = False
        picking, _order, _labels = self._shipped([{"trackingNumber": "1ZQUIET", "carrierCode": "ups"}])
        self._sync()
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.message_ids.filtered("partner_ids"), "nothing is addressed to the customer")
        self.assertTrue(picking.message_ids, "the sync's own notes are there, internal")


@tagged("post_install", "-at_install")
class TestTrackingLinksV2(TestTrackingLinks):
    """The same links for an account on ShipStation API v2 (whose labels may carry their own page)."""

    API_VERSION = "v2"


@tagged("post_install", "-at_install")
class TestCarrierOnImport(ShipStationCommon):
    """The account's Carrier Mapping read the other way: the delivery method that shipped."""

    def test_the_mapped_delivery_method_is_set_and_never_called(self):
        product = self.env["product.product"].create({"name": "UPS Ground fee", "type": "service"})
        ground = self.env["delivery.carrier"].create(
            {"name": "UPS Ground", "fixed_price": 99.0, "product_id": product.id, "integration_level": "rate_and_ship"}
        )
        air = self.env["delivery.carrier"].create({"name": "UPS Air", "fixed_price": 50.0, "product_id": product.id})
        self.account.carrier_mapping_ids = [
            Command.create({"carrier_id": air.id, "carrier_code": "ups", "service_code": "ups_next_day_air"}),
            Command.create({"carrier_id": ground.id, "carrier_code": "ups", "service_code": "ups_ground"}),
        ]
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "1ZMAP"}], service_code="ups_ground"
        )
        self._sync()
        self.assertEqual((picking.state, picking.carrier_id), ("done", ground))
        self.assertEqual(picking.carrier_price, 0.0)
        self.assertFalse(any("sent to carrier" in (body or "") for body in picking.message_ids.mapped("body")))
        unmapped, order = self._make_delivery([(self.tee, 1)])
        self.sandbox.store.ship_order(order["orderId"], carrier_code="fedex", service_code="fedex_ground")
        self._sync()
        self.assertEqual(unmapped.state, "done")
        self.assertFalse(unmapped.carrier_id)
