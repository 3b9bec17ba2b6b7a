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
