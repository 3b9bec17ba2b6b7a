from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import ShipStationCommon


@tagged("post_install", "-at_install")
class TestTour(ShipStationCommon, HttpCase):
    """The UI in a real browser (headless Chromium): kanban card, Operations, Preview, Process,
    a count in the result, the delivery."""

    def test_kanban_operations_preview_process_result_delivery(self):
        account = self._make_account("Tour ShipStation")
        picking, order = self._make_delivery([(self.mug, 1)], account=account)
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "1ZTOUR", "carrierCode": "ups"}])
        self.start_tour(
            "/web#action=shipstation_connector.shipstation_account_action_dashboard",
            "shipstation_connector_tour",
            login="admin",
            timeout=120,
        )
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_tracking_ref, "1ZTOUR")
        self.assertEqual(self.env["shipstation.sync.run"].search([("account_id", "=", account.id)]).validated, 1)

    def test_a_newcomer_walks_card_run_delivery_reconcile_and_portal(self):
        if "sale.order" not in self.env:
            self.skipTest("Sales (sale_stock) is not installed in this database")
        account = self._make_account("Walk ShipStation")
        poster = self._make_product("Poster", "SS-POSTER", qty=0)
        sale = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "order_line": [Command.create({"product_id": poster.id, "product_uom_qty": 1})],
            }
        )
        sale.action_confirm()
        waiting = sale.picking_ids
        order = self._order_for(waiting, [(poster, 1)])
        waiting.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": account.id,
                "shipstation_order_id": account._shipstation_ref(order["orderId"]),
            }
        )
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "1ZWALK", "carrierCode": "ups", "serviceCode": "ups_ground"}]
        )
        typo, real = self._make_delivery([(self.mug, 1)], account=account)
        self._sync(account)
        self.assertEqual(waiting.shipstation_sync_state, "waiting")
        typo.shipstation_order_id = account._shipstation_ref(987654)  # typed wrong after the sync
        orders = self.sandbox.store.counts()["orders"]
        self.start_tour(
            "/web#action=shipstation_connector.shipstation_account_action_dashboard",
            "shipstation_connector_walk_tour",
            login="admin",
            timeout=180,
        )
        self.assertEqual(self._order_id(typo), real["orderId"], "linked, not exported again")
        self.assertEqual(self.sandbox.store.counts()["orders"], orders)
        self.start_tour(sale.get_portal_url(), "shipstation_connector_portal_tour", login="admin", timeout=60)

    def test_export_stays_on_the_delivery(self):
        account = self._make_account("Export ShipStation")
        picking, _order = self._make_delivery([(self.mug, 1)], account=account, export=False)
        picking.shipstation_account_id = account
        self.start_tour(
            "/web#model=stock.picking&id=%d&view_type=form" % picking.id,
            "shipstation_connector_export_tour",
            login="admin",
            timeout=60,
        )
        self.assertTrue(picking.is_exported_to_shipstation)
        self.assertTrue(picking.shipstation_order_id)
