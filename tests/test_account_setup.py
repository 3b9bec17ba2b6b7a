import socket

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import ShipStationCommon

IMPORT_CRON = "shipstation_connector.ir_cron_auto_import_shipment_details"


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestAccountSetup(ShipStationCommon):
    """Setting an account up says what happens: Test Connection, carrier mapping, schedules,
    and the account a delivery is exported to."""

    # -- Test Connection ---------------------------------------------------------------------

    def test_a_new_account_whose_test_fails_is_archived_and_comes_back_once_it_works(self):
        account = self._make_account("Typo", api_key="wrong-key")
        result = account.action_test_connection()
        self.assertEqual((result["params"]["type"], result["params"]["sticky"]), ("danger", True))
        self.assertIn("refused", result["params"]["message"])
        self.assertIn("archived until a test succeeds", result["params"]["message"])
        self.assertFalse(account.active, "a failed attempt leaves no card behind")
        self.assertNotIn(account, self.env["shipstation.account"].search([]))
        with self.assertRaises(UserError):
            account.action_test_connection()  # still wrong: said again, nothing else changes
        account.write({"api_key": "test-key"} if self.API_VERSION == "v1" else {"api_key": "test-v2-key"})
        self.assertEqual(account.action_test_connection()["params"]["type"], "success")
        self.assertTrue(account.active)

    def test_an_account_in_use_is_never_archived_by_a_test(self):
        self._make_delivery([(self.mug, 1)])
        self.account.api_key = "expired-key"
        with self.assertRaises(UserError):
            self.account.action_test_connection()
        self.assertTrue(self.account.active)

    def test_a_connection_error_names_the_address_and_the_cause(self):
        port = _closed_port()
        self._make_delivery([(self.mug, 1)])  # in use: the failure is raised, the account kept
        self.account.api_url = "http://127.0.0.1:%d" % port
        with self.assertRaises(UserError) as caught:
            self.account.action_test_connection()
        text = str(caught.exception)
        self.assertIn("Could not reach http://127.0.0.1:%d: the connection was refused" % port, text)
        self.assertNotIn("HTTPConnectionPool", text)
        self.assertNotIn("object at 0x", text)
        self.assertNotIn("ShipStation refused", text, "ShipStation was never reached")

    # -- Carrier mapping ---------------------------------------------------------------------

    def _carrier(self, name="Ground"):
        product = self.env["product.product"].create({"name": name, "type": "service"})
        return self.env["delivery.carrier"].create({"name": name, "product_id": product.id})

    def _map(self, carrier_code, service_code=False, account=None):
        return self.env["shipstation.carrier.mapping"].create(
            {
                "account_id": (account or self.account).id,
                "carrier_id": self._carrier().id,
                "carrier_code": carrier_code,
                "service_code": service_code,
            }
        )

    def test_a_carrier_code_is_checked_against_the_carriers_shipstation_lists(self):
        with self.assertRaisesRegex(ValidationError, "not a ShipStation code"):
            self._map("nonsense carrier !!")
        with self.assertRaisesRegex(ValidationError, "lists no carrier dhl_nowhere .* Its carriers: .*ups"):
            self._map("dhl_nowhere")
        self.assertEqual(self._map("ups", "ups_ground").carrier_code, "ups")
        self.assertTrue(self.sandbox.count(path_prefix="/v2/carriers" if self.API_VERSION == "v2" else "/carriers"))

    def test_an_unreachable_shipstation_checks_the_shape_only(self):
        offline = self._make_account("Offline", api_url="http://127.0.0.1:%d" % _closed_port())
        self.assertEqual(self._map("dhl_nowhere", account=offline).carrier_code, "dhl_nowhere")
        with self.assertRaises(ValidationError):
            self._map("Not A Code", account=offline)

    # -- Schedules ---------------------------------------------------------------------------

    def test_the_toggle_says_whether_its_scheduled_action_runs(self):
        cron = self.env.ref(IMPORT_CRON).sudo()
        cron.active = False
        self.account.auto_import_shipment_details = True
        self.account.invalidate_recordset()
        self.assertTrue(self.account.auto_import_inactive)
        self.assertIn("inactive", self.account.auto_import_schedule)
        cron.write({"active": True, "interval_number": 2, "interval_type": "hours"})
        self.account.invalidate_recordset()
        self.assertFalse(self.account.auto_import_inactive)
        self.assertIn("active, every 2 Hours", self.account.auto_import_schedule)

    # -- Export: which account ---------------------------------------------------------------

    def test_the_export_asks_which_account_when_several_could_export(self):
        other = self._make_account("Second ShipStation")
        picking, _order = self._make_delivery([(self.cap, 1)], export=False)
        with self.assertRaisesRegex(UserError, "Several ShipStation accounts can export .*Main ShipStation"):
            picking.action_export_to_shipstation()
        self.assertFalse(picking.is_exported_to_shipstation)
        picking.shipstation_account_id = other
        action = picking.action_export_to_shipstation()
        self.assertEqual(picking.shipstation_account_id, other)
        self.assertTrue(picking.is_exported_to_shipstation)
        self.assertEqual(action["params"]["next"], {"type": "ir.actions.act_window_close"}, "the form stays")


@tagged("post_install", "-at_install")
class TestAccountSetupV2(TestAccountSetup):
    """The same on API v2 accounts."""

    API_VERSION = "v2"

    def test_a_v2_service_is_checked_against_its_carrier(self):
        with self.assertRaisesRegex(ValidationError, "lists no service fedex_ground of carrier ups"):
            self._map("ups", "fedex_ground")
