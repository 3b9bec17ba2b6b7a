from odoo.tests import tagged

from ..const import PARAMS
from ..utils import get_param
from .common import ShipStationCommon

UTILS_LOGGER = "odoo.addons.shipstation_connector.utils"


@tagged("post_install", "-at_install")
class TestSettings(ShipStationCommon):
    """System parameters are read in one place: a value that is not of its type is logged
    and its default used, so a typo never makes a run fail."""

    def test_a_typo_in_a_time_budget_is_logged_and_the_run_goes_on(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "TYPO1"}])
        self.env["ir.config_parameter"].sudo().set_param("shipstation_connector.cron_time_budget", "2s")
        with self.assertLogs(UTILS_LOGGER, level="WARNING") as logs:
            (report,) = self.env["shipstation.sync"]._sync_accounts(self.account, scheduled=True)
        self.assertIsNone(report.error)
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_tracking_ref, "TYPO1")
        self.assertIn("shipstation_connector.cron_time_budget", logs.output[0])
        self.assertIn("'2s'", logs.output[0])

    def test_a_typo_in_a_client_setting_never_stops_the_sync(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("shipstation_connector.rate_limit_reserve", "five")
        params.set_param("shipstation_connector.rate_limit_max_wait", "1 minute")
        with self.assertLogs(UTILS_LOGGER, level="WARNING") as logs:
            report = self._sync()
        self.assertIsNone(report.error)
        self.assertEqual(picking.state, "done")
        logged = "\n".join(logs.output)
        self.assertIn("shipstation_connector.rate_limit_reserve", logged)
        self.assertIn("'1 minute'", logged)

    def test_every_parameter_falls_back_on_its_default(self):
        params = self.env["ir.config_parameter"].sudo()
        for key, (kind, default) in PARAMS.items():
            with self.subTest(key=key):
                params.set_param(key, False)
                self.assertEqual(get_param(self.env, key), default, "unset: the default")
                if kind is str:
                    params.set_param(key, "root.elsewhere")
                    self.assertEqual(get_param(self.env, key), "root.elsewhere")
                    continue
                params.set_param(key, "2s")
                with self.assertLogs(UTILS_LOGGER, level="WARNING"):
                    self.assertEqual(get_param(self.env, key), default, "not a %s: the default" % kind.__name__)
                params.set_param(key, " 1 ")
                self.assertEqual(get_param(self.env, key), kind("1") if kind is not bool else True)
