import json

from odoo.tests import tagged

from .common import ShipStationCommon


@tagged("post_install", "-at_install")
class TestDashboard(ShipStationCommon):
    """The account's kanban card: counts, the last run, and deliveries done per day."""

    def test_the_card_tells_the_last_run_and_the_deliveries_done_per_day(self):
        self.assertFalse(self.account.last_run_id)
        picking, order = self._make_delivery([(self.mug, 1)])
        poster = self._make_product("Poster", "SS-POSTER", qty=1)
        waiting, order2 = self._make_delivery([(poster, 4)])  # 1 of the 4 shipped in stock: it waits
        self.sandbox.store.ship_order(order["orderId"])
        self.sandbox.store.ship_order(order2["orderId"])
        report = self._sync()
        self.account.invalidate_recordset()
        run = self.account.last_run_id
        self.assertEqual(run.validated, 1)
        self.assertEqual((self.account.last_run_state, self.account.last_run_api_calls), ("ok", report.api_calls))
        self.assertEqual((self.account.in_transit_count, self.account.waiting_count), (1, 1))
        self.assertEqual(self.account.action_open_waiting()["domain"][-1], ("shipstation_sync_state", "=", "waiting"))
        self.assertEqual(self.account.action_open_last_run()["res_id"], run.id)
        graph = json.loads(self.account.dashboard_graph_data)[0]["values"]
        self.assertEqual(len(graph), 14)
        self.assertEqual([v["value"] for v in graph], [0] * 13 + [1], "one delivery done today, none before")
        self.assertEqual(graph[-1]["type"], "future")
        # A failing run is the last one now, and the card says why.
        self.sandbox.faults.add(status=500, count=None)
        self._sync()
        self.account.invalidate_recordset()
        self.assertEqual(self.account.last_run_state, "failed")
        self.assertIn("500", self.account.last_run_error)
