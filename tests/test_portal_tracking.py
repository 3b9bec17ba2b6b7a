from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import ShipStationCommon

UPS = "https://www.ups.com/track?tracknum=%s"


@tagged("post_install", "-at_install")
class TestPortalTracking(ShipStationCommon, HttpCase):
    """The customer's own page of the sale order, over real HTTP, links the tracking."""

    def test_the_portal_sale_order_links_each_parcel(self):
        if "sale.order" not in self.env:
            self.skipTest("Sales (sale_stock) is not installed in this database")
        sale = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "order_line": [Command.create({"product_id": self.mug.id, "product_uom_qty": 2})],
            }
        )
        sale.action_confirm()
        picking = sale.picking_ids
        order = self._order_for(picking, [(self.mug, 2)])
        picking.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": self.account.id,
                "shipstation_order_id": self.account._shipstation_ref(order["orderId"]),
            }
        )
        self.sandbox.store.ship_order(
            order["orderId"],
            parcels=[{"trackingNumber": "1ZPORTAL1", "carrierCode": "ups"}, {"trackingNumber": "1ZPORTAL2"}],
        )
        self._sync()
        self.assertEqual(picking.state, "done")
        response = self.url_open(sale.get_portal_url())
        self.assertEqual(response.status_code, 200)
        for number in ("1ZPORTAL1", "1ZPORTAL2"):
            self.assertIn('href="%s"' % (UPS % number), response.text)
