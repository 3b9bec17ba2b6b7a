import json

import requests

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import ShipStationCommon

CONTROLLER_LOG = "odoo.addons.shipstation_connector.controllers.main"


@tagged("post_install", "-at_install")
class TestTrackingWebhooks(ShipStationCommon, HttpCase):
    """ShipStation's TRACK_EVENT_V2 calls over real HTTP, and the customer's portal page."""

    API_VERSION = "v2"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("shipstation_connector.webhook_keys_url", cls.sandbox.jwks_url)
        cls.cron = cls.env.ref("shipstation_connector.ir_cron_track_deliveries")
        cls.sync_cron = cls.env.ref("shipstation_connector.ir_cron_webhook_sync")

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
        self.env["ir.cron.trigger"].search([("cron_id", "in", (self.cron | self.sync_cron).ids)]).unlink()

    def _shipped(self, sale=False):
        if sale:
            order_so = self.env["sale.order"].create(
                {
                    "partner_id": self.partner.id,
                    "order_line": [Command.create({"product_id": self.mug.id, "product_uom_qty": 1})],
                }
            )
            order_so.action_confirm()
            picking = order_so.picking_ids
            order = self._order_for(picking, [(self.mug, 1)])
            picking.write(
                {
                    "is_exported_to_shipstation": True,
                    "shipstation_account_id": self.account.id,
                    "shipstation_order_id": self.account._shipstation_ref(order["orderId"]),
                }
            )
        else:
            picking, order = self._make_delivery([(self.mug, 1)])
        [label] = self.sandbox.store.ship_order(order["orderId"], parcels=[{"carrierCode": "ups"}])
        self._sync()
        self.assertEqual(picking.state, "done")
        return picking, label["shipmentId"]

    def _call(self, body, signed=True):
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if signed:
            headers.update(self.sandbox.webhooks.sign(data))
        return self.url_open("/shipstation/webhook/%s" % self.account.webhook_token, data=data, headers=headers)

    def _track_body(self, label, state):
        answer = self.sandbox.store.set_tracking(label, state=state)
        return {
            "resource_url": "https://api.shipstation.com/v2/labels/se-%d/track" % label,
            "resource_type": "TRACK_EVENT_V2",
            "data": answer,
        }

    def _triggers(self, cron):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])

    def test_a_signed_track_call_is_applied_at_once_without_calling_shipstation(self):
        picking, label = self._shipped()
        self.sandbox.reset_log()
        response = self._call(self._track_body(label, "attempted"))
        self.assertEqual((response.status_code, response.json()["status"]), (200, "applied"))
        calls = [r for r in self.sandbox.requests if r.path != "/jwks"]  # the public keys of the signature
        self.assertEqual(calls, [], "no ShipStation call during the request")
        self.env.invalidate_all()
        self.assertEqual(picking.shipstation_delivery_status, "exception")
        self.assertEqual(picking.shipstation_shipment_ids.delivery_detail_code, "ATTEMPTED_DELIVERY")
        self.assertEqual(len(picking.activity_ids), 1)
        self.assertFalse(self._triggers(self.sync_cron), "a track call asks for no order sync")
        response = self._call(self._track_body(label, "delivered"))
        self.env.invalidate_all()
        self.assertEqual(picking.shipstation_delivery_status, "delivered")
        self.assertFalse(picking.activity_ids)

    @mute_logger(CONTROLLER_LOG)
    def test_unsigned_or_unusable_calls_only_schedule_a_read(self):
        picking, label = self._shipped()
        body = self._track_body(label, "delivered")
        self.assertEqual(self._call(body, signed=False).status_code, 401)
        self.env.invalidate_all()
        self.assertFalse(picking.shipstation_delivery_status)
        self.assertFalse(self._triggers(self.cron))
        no_data = dict(body, data=None)
        self.assertEqual(self._call(no_data).json()["status"], "scheduled")
        self.assertEqual(len(self._triggers(self.cron)), 1)
        stranger = dict(body, resource_url="https://api.shipstation.com/v2/labels/se-1/track")
        self.assertEqual(self._call(stranger).json()["status"], "scheduled")
        other_number = dict(body, data=dict(body["data"], tracking_number="NOT-OURS"))
        self.assertEqual(self._call(other_number).json()["status"], "scheduled")
        self.env.invalidate_all()
        self.assertFalse(picking.shipstation_delivery_status, "nothing written from a call that does not fit")
        self.sandbox.reset_log()
        self.cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(picking.shipstation_delivery_status, "delivered", "the scheduled read fetched it")
        self.assertEqual(self.sandbox.count(path_prefix="/v2/labels/se-%d/track" % label), 1)

    def test_the_sandbox_calls_odoo_when_a_label_moves(self):
        """The whole loop: subscribe, the carrier moves the label, ShipStation calls the route."""
        picking, label = self._shipped()
        self.addCleanup(self.sandbox.webhooks.clear)
        self.account.action_subscribe_webhooks()
        self.assertIn("TRACK_EVENT_V2", self.account.webhook_ids.mapped("event"))
        answer = requests.post(
            "%s/_sandbox/labels/se-%d/track" % (self.sandbox.url, label),
            json={"state": "out_for_delivery"},
            auth=("test-key", "test-secret"),
            timeout=10,
        )
        self.assertEqual(answer.status_code, 200, answer.text)
        self.sandbox.wait_webhooks(timeout=10)
        tracked = [d for d in self.sandbox.webhook_deliveries if d.event == "TRACK_EVENT_V2"]
        self.assertEqual([d.status_or_error for d in tracked], [200])
        self.env.invalidate_all()
        self.assertEqual(picking.shipstation_delivery_status, "in_transit")
        self.assertEqual(picking.shipstation_shipment_ids.delivery_detail_code, "OUT_FOR_DELIVERY")

    def test_the_portal_shows_the_carrier_status(self):
        picking, label = self._shipped(sale=True)
        sale = picking.sale_id
        self._call(self._track_body(label, "in_transit"))
        page = self.url_open(sale.get_portal_url())
        self.assertEqual(page.status_code, 200)
        self.assertIn("In transit", page.text)
        self.assertIn(picking.carrier_tracking_ref, page.text)
        self._call(self._track_body(label, "returned"))
        self.assertIn("Returned to sender", self.url_open(sale.get_portal_url()).text)
