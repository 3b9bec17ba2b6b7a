from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from ..lib.shipstation import planner
from ..models.shipstation_sync_run import ShipStationSyncRun
from .common import ShipStationCommon, v1_only

SYNC_LOGGER = "odoo.addons.shipstation_connector.models.shipstation_sync"
RUN_LOGGER = "odoo.addons.shipstation_connector.models.shipstation_sync_run"
COUNTS = ("checked", "updated", "validated", "backorders", "cancelled", "waiting", "failed", "api_calls", "left")


@tagged("post_install", "-at_install")
class TestRunHistory(ShipStationCommon):
    """Every sync and export leaves a run (``shipstation.sync.run``) whose counts are the
    report's and whose lines name each delivery it changed or failed; the Operations
    wizard shows the runs, against the ShipStation sandbox over real HTTP."""

    def setUp(self):
        super().setUp()
        self.Run = self.env["shipstation.sync.run"]

    # -- helpers -------------------------------------------------------------------------

    def _runs_after(self, before=0):
        """The runs written since the run of id ``before``, oldest first."""
        return self.Run.search([("id", ">", before)], order="id")

    def _last_run_id(self):
        return self.Run.search([], order="id desc", limit=1).id or 0

    def _assert_run_matches(self, run, report):
        """The run's counts, error and lines are the report's, and each count of a
        delivery action is the number of lines with that action."""
        self.assertEqual(report.run_id, run.id)
        for name in COUNTS:
            self.assertEqual(run[name], getattr(report, name), name)
        self.assertAlmostEqual(run.duration, report.seconds, places=2)
        self.assertEqual(bool(run.error), bool(report.error))
        self.assertEqual(
            sorted((line.picking_id.id, line.action) for line in run.line_ids),
            sorted((picking_id, action) for picking_id, action, _message in report.lines),
        )
        actions = run.line_ids.mapped("action")
        for action in ("validated", "cancelled", "waiting", "failed", "exported"):
            self.assertEqual(actions.count(action), run[action], action)

    def _lines(self, run):
        return {line.picking_id: line.action for line in run.line_ids}

    def _opened(self, action):
        """The deliveries an action of the run opens."""
        self.assertEqual(action["res_model"], "stock.picking")
        return self.env["stock.picking"].search(action["domain"])

    def _mixed_deliveries(self):
        """One delivery per outcome: shipped, cancelled, waiting (pick not done), failed (no
        order), and one already synced with nothing new. Returns them by outcome.

        The warehouse delivers in two steps afterwards (the waiting delivery's pick)."""
        quiet, _order = self._make_delivery([(self.cap, 1)])
        self._sync()
        self.sandbox.reset_log()
        shipped, shipped_order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(shipped_order["orderId"], parcels=[{"trackingNumber": "RUN1"}])
        cancelled, cancelled_order = self._make_delivery([(self.tee, 1)])
        self.sandbox.store.cancel_order(cancelled_order["orderId"])
        missing, _order = self._make_delivery([(self.tee, 1)], export=False)
        missing.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": self.account.id,
                "shipstation_order_id": self.account._shipstation_ref(987654),
            }
        )
        self.warehouse.delivery_steps = "pick_ship"
        pick, waiting = self._two_step_delivery(self.mug, 2)
        self.sandbox.store.ship_order(self._order_id(waiting), parcels=[{"trackingNumber": "RUN2"}])
        return {
            "validated": shipped,
            "cancelled": cancelled,
            "waiting": waiting,
            "failed": missing,
            "quiet": quiet,
            "pick": pick,
        }

    def _wizard(self, accounts=None, operation="import", user=None):
        env = self.env(user=user) if user else self.env
        form = Form(
            env["shipstation.operation.wizard"].with_context(default_account_ids=(accounts or self.account).ids)
        )
        form.operation = operation
        wizard = form.save()
        wizard.action_process()
        return wizard

    # -- where runs are written ----------------------------------------------------------

    def test_wizard_run_has_the_counts_and_one_line_per_delivery_changed(self):
        deliveries = self._mixed_deliveries()
        before = self._last_run_id()
        wizard = self._wizard()
        run = wizard.run_ids
        self.assertEqual(run, self._runs_after(before))
        self.assertEqual(
            (run.account_id, run.operation, run.trigger, run.user_id, run.state),
            (self.account, "import", "manual", self.env.user, "partial"),
        )
        self.assertEqual(run.summary, wizard.result, "the run's summary is the wizard's text")
        self.assertEqual(
            self._lines(run),
            {deliveries[name]: name for name in ("validated", "cancelled", "waiting", "failed")},
            "a line for each delivery changed or failed, none for the one with nothing new",
        )
        self.assertEqual(
            (run.checked, run.validated, run.cancelled, run.waiting, run.failed), (5, 1, 1, 1, 1), wizard.result
        )
        self.assertEqual(run.api_calls, self.sandbox.count())
        self.assertGreater(run.duration, 0)
        failed = run.line_ids.filtered(lambda line: line.action == "failed")
        self.assertEqual(failed.message, deliveries["failed"].shipstation_sync_message)
        waiting = run.line_ids.filtered(lambda line: line.action == "waiting")
        self.assertEqual(waiting.message, deliveries["waiting"].shipstation_sync_message)
        self.assertIn("not done", waiting.message)

    def test_wizard_result_actions_open_exactly_the_deliveries_counted(self):
        second = self._make_account("Second account")
        other, other_order = self._make_delivery([(self.cap, 1)], account=second)
        self.sandbox.store.ship_order(other_order["orderId"])
        deliveries = self._mixed_deliveries()
        wizard = self._wizard(self.account | second)
        self.assertEqual(wizard.run_ids.account_id, self.account | second)
        run = wizard.run_ids.filtered(lambda r: r.account_id == self.account)
        run_second = wizard.run_ids - run
        for name in ("validated", "cancelled", "waiting", "failed"):
            opened = self._opened(getattr(run, "action_open_" + name)())
            self.assertEqual(opened, deliveries[name], name)
            self.assertEqual(len(opened), run[name], name)
        self.assertEqual(self._opened(run_second.action_open_validated()), other)
        self.assertEqual(
            self._opened(run.action_open_lines()),
            deliveries["validated"] | deliveries["cancelled"] | deliveries["waiting"] | deliveries["failed"],
        )
        self.assertFalse(self._opened(run.action_open_exported()))
        self.assertEqual(run.action_open_run()["res_id"], run.id)
        # The failures, with their reasons, for every account of the run.
        failures = wizard.failure_line_ids
        self.assertEqual(failures.picking_id, deliveries["failed"])
        self.assertIn(self.account._shipstation_ref(987654), failures.message)
        self.assertEqual(failures.action_open_picking()["res_id"], deliveries["failed"].id)
        self.assertIn(failures.message, wizard.result)

    @v1_only("labels list no items (a partial shipment is a shipment of its own)")
    def test_backorders_of_a_run_open_from_it(self):
        picking, order = self._make_delivery([(self.mug, 3), (self.tee, 2)])
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "PART1", "items": [{"sku": "SS-MUG", "quantity": 2}]}]
        )
        report = self._sync()
        run = self.Run.browse(report.run_id)
        self._assert_run_matches(run, report)
        self.assertEqual((run.validated, run.backorders), (1, 1))
        self.assertEqual(self._opened(run.action_open_backorders()), picking.backorder_ids)
        self.assertIn(picking.backorder_ids.name, run.line_ids.message)

    def test_scheduled_and_webhook_runs_say_what_started_them(self):
        self.account.auto_import_shipment_details = True
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        before = self._last_run_id()
        self.env["shipstation.sync"]._cron_import_shipment_details()
        run = self._runs_after(before)
        self.assertEqual((run.trigger, run.account_id), ("scheduled", self.account))
        self.assertEqual(self._lines(run), {picking: "validated"})
        (report,) = self.env["shipstation.sync"]._sync_accounts(self.account, scheduled=True)
        self._assert_run_matches(self.Run.browse(report.run_id), report)
        (report,) = self.env["shipstation.sync"]._sync_accounts(self.account, scheduled=True, trigger="webhook")
        webhook_run = self.Run.browse(report.run_id)
        self.assertEqual(webhook_run.trigger, "webhook")
        self._assert_run_matches(webhook_run, report)

    def test_scheduled_run_counts_match_its_report(self):
        deliveries = self._mixed_deliveries()
        (report,) = self.env["shipstation.sync"]._sync_accounts(self.account, scheduled=True)
        run = self.Run.browse(report.run_id)
        self.assertEqual(run.trigger, "scheduled")
        self._assert_run_matches(run, report)
        self.assertNotIn(deliveries["quiet"], run.line_ids.picking_id)

    def test_pick_validation_leaves_a_transfer_run(self):
        self.warehouse.delivery_steps = "pick_ship"
        pick, out = self._two_step_delivery(self.tee, 1)
        self.sandbox.store.ship_order(self._order_id(out), parcels=[{"trackingNumber": "2STEP"}])
        first = self.Run.browse(self._sync().run_id)
        self.assertEqual(self._lines(first), {out: "waiting"})
        before = self._last_run_id()
        pick.button_validate()
        self.assertEqual(out.state, "done")
        run = self._runs_after(before)
        self.assertEqual((run.trigger, run.account_id, run.checked, run.validated), ("transfer", self.account, 1, 1))
        self.assertEqual(self._lines(run), {out: "validated"})
        self.assertEqual(run.user_id, self.env.user)

    def test_export_run_has_a_line_per_delivery_exported_or_failed(self):
        nowhere = self.env["res.partner"].create({"name": "No Country", "street": "1 Road", "city": "Nowhere"})
        good = self._make_delivery([(self.mug, 1)], export=False)[0]
        good_too = self._make_delivery([(self.tee, 1)], export=False)[0]
        bad = self._make_delivery([(self.mug, 1)], export=False)[0]
        bad.partner_id = nowhere
        wizard = self._wizard(operation="export")
        run = wizard.run_ids
        self.assertEqual((run.operation, run.trigger, run.state), ("export", "manual", "partial"))
        self.assertEqual((run.checked, run.exported, run.failed), (3, 2, 1))
        self.assertEqual(run.api_calls, self.sandbox.count())
        self.assertEqual(self._lines(run), {good: "exported", good_too: "exported", bad: "failed"})
        self.assertIn("no country", run.line_ids.filtered(lambda line: line.action == "failed").message)
        self.assertEqual(self._opened(run.action_open_exported()), good | good_too)
        self.assertEqual(self._opened(run.action_open_failed()), bad)
        self.assertEqual(wizard.failure_line_ids.picking_id, bad)
        self.assertEqual(run.summary, wizard.result)
        # The scheduled export is kept as such; nothing left to export gives a run without lines.
        before = self._last_run_id()
        self.env["shipstation.export"]._export_accounts(self.account, commit=True)
        scheduled = self._runs_after(before)
        self.assertEqual((scheduled.operation, scheduled.trigger), ("export", "scheduled"))
        self.assertEqual(self._lines(scheduled), {bad: "failed"}, "the delivery still failing fails again")

    def test_export_button_leaves_a_manual_run(self):
        picking = self._make_delivery([(self.mug, 1)], export=False)[0]
        before = self._last_run_id()
        picking.action_export_to_shipstation()
        run = self._runs_after(before)
        self.assertEqual((run.operation, run.trigger, run.exported), ("export", "manual", 1))
        self.assertEqual(self._lines(run), {picking: "exported"})

    # -- what a run holds ----------------------------------------------------------------

    def test_second_run_with_nothing_new_has_no_lines(self):
        self._mixed_deliveries()
        first = self.Run.browse(self._sync().run_id)
        self.assertTrue(first.line_ids)
        self._age_watermark()
        report = self._sync()
        again = self.Run.browse(report.run_id)
        self._assert_run_matches(again, report)
        self.assertGreater(again.checked, 0)
        self.assertFalse(again.line_ids, again.summary)
        self.assertEqual(again.state, "ok")

    def test_account_error_gives_a_run_with_the_error_and_no_lines(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        self.sandbox.faults.add(status=500, count=None)
        report = self._sync()
        run = self.Run.browse(report.run_id)
        self._assert_run_matches(run, report)
        self.assertEqual(run.state, "failed")
        self.assertIn("500", run.error)
        self.assertFalse(run.line_ids)
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(self._opened(run.action_open_validated()), picking.browse())

    def test_refused_key_gives_a_run_with_the_error(self):
        refused = self._make_account("Wrong key", api_key="nope")
        self._make_delivery([(self.mug, 1)], account=refused)
        wizard = self._wizard(refused)
        run = wizard.run_ids
        self.assertEqual((run.state, run.account_id), ("failed", refused))
        self.assertIn(run.error, wizard.result)
        self.assertFalse(run.line_ids)
        self.assertFalse(wizard.failure_line_ids)

    def test_busy_account_gives_a_run_with_the_error(self):
        self._make_delivery([(self.mug, 1)])
        with self.registry.cursor() as other_cr:
            other_cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5353, self.account.id])
            report = self._sync()
        run = self.Run.browse(report.run_id)
        self.assertIn("already running", run.error)
        self.assertEqual((run.api_calls, run.checked, len(run.line_ids)), (0, 0, 0))

    @mute_logger(SYNC_LOGGER)
    def test_one_failing_delivery_among_others_gives_one_failed_line(self):
        bad, bad_order, _lot = self._serial_delivery_without_lot()
        goods = self.env["stock.picking"]
        for product in (self.mug, self.tee):
            good, order = self._make_delivery([(product, 1)])
            self.sandbox.store.ship_order(order["orderId"])
            goods |= good
        self.sandbox.store.ship_order(bad_order["orderId"])
        report = self._sync()
        run = self.Run.browse(report.run_id)
        self._assert_run_matches(run, report)
        self.assertEqual(self._lines(run), {goods[0]: "validated", goods[1]: "validated", bad: "failed"})
        line = run.line_ids.filtered(lambda line: line.action == "failed")
        self.assertEqual(line.message, bad.shipstation_sync_message)
        self.assertIn("ShipStation sync failed", line.message)

    @mute_logger(SYNC_LOGGER)
    def test_unexpected_error_is_kept_with_the_run(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        with patch.object(planner, "plan", side_effect=RuntimeError("planner broke")):
            (report,) = self.env["shipstation.sync"]._sync_accounts(self.account, scheduled=True)
        run = self.Run.browse(report.run_id)
        self.assertTrue(run.exists())
        self.assertEqual((run.trigger, run.state), ("scheduled", "failed"))
        self.assertIn("planner broke", run.error)
        self.assertFalse(run.line_ids)
        self.assertEqual(picking.state, "assigned")

    @mute_logger(RUN_LOGGER)
    def test_a_run_never_fails_because_of_its_history(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        before = self._last_run_id()
        with patch.object(ShipStationSyncRun, "_shipstation_create_from_report", side_effect=ValueError("disk full")):
            report = self._sync()
        self.assertEqual(picking.state, "done")
        self.assertEqual(report.validated, 1)
        self.assertIsNone(report.run_id)
        self.assertFalse(self._runs_after(before))

    # -- retention -----------------------------------------------------------------------

    def test_autovacuum_removes_runs_older_than_the_retention(self):
        self.assertTrue(getattr(ShipStationSyncRun._gc_old_runs, "_autovacuum", False))
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get_param("shipstation_connector.run_retention_days"), "90")
        picking = self._make_delivery([(self.mug, 1)])[0]
        now = fields.Datetime.now()
        runs = {}
        for days in (200, 91, 89, 10, 0):
            runs[days] = self.Run.create(
                {
                    "account_id": self.account.id,
                    "date_start": now - timedelta(days=days),
                    "line_ids": [(0, 0, {"picking_id": picking.id, "action": "updated"})],
                }
            )
        old_line = runs[200].line_ids
        self.Run._gc_old_runs()
        self.assertFalse(runs[200].exists() | runs[91].exists())
        self.assertFalse(old_line.exists())
        self.assertEqual(runs[89].exists() | runs[10].exists() | runs[0].exists(), runs[89] | runs[10] | runs[0])
        params.set_param("shipstation_connector.run_retention_days", "30")
        self.Run._gc_old_runs()
        self.assertEqual(self.Run.search([("id", "in", [r.id for r in runs.values()])]), runs[10] | runs[0])
        params.set_param("shipstation_connector.run_retention_days", "0")
        self.Run._gc_old_runs()
        self.assertEqual(self.Run.search([("id", "in", [r.id for r in runs.values()])]), runs[10] | runs[0])

    # -- access --------------------------------------------------------------------------

    def test_users_see_their_companys_runs_only(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        account_b = self._make_account("Account B", company=company_b)
        picking_a, order_a = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order_a["orderId"])
        run_a = self.Run.browse(self._sync().run_id)
        self.assertTrue(run_a.line_ids)
        user_b = new_test_user(
            self.env,
            "ss_runs_user_b",
            groups="shipstation_connector.group_shipstation_user,stock.group_stock_user",
            company_id=company_b.id,
            company_ids=[company_b.id],
        )
        wizard = self._wizard(account_b, user=user_b)
        run_b = wizard.run_ids
        self.assertEqual(run_b.account_id, account_b)
        self.assertEqual(run_b.user_id, user_b)
        Run = self.env["shipstation.sync.run"].with_user(user_b)
        self.assertEqual(Run.search([("account_id", "in", (self.account | account_b).ids)]), run_b)
        self.assertFalse(self.env["shipstation.sync.run.line"].with_user(user_b).search([("run_id", "=", run_a.id)]))
        self.assertEqual(account_b.with_user(user_b).run_count, 1)
        user_a = new_test_user(self.env, "ss_runs_user_a", groups="shipstation_connector.group_shipstation_user")
        self.assertIn(run_a, self.env["shipstation.sync.run"].with_user(user_a).search([]))
        self.assertEqual(run_a.with_user(user_a).line_ids.picking_id, picking_a)

    def test_account_opens_its_runs(self):
        self._sync()
        action = self.account.action_open_runs()
        self.assertEqual(action["res_model"], "shipstation.sync.run")
        self.assertEqual(self.Run.search(action["domain"]), self.Run.search([("account_id", "=", self.account.id)]))
        self.assertEqual(self.account.run_count, 1)


@tagged("post_install", "-at_install")
class TestRunHistoryV2(TestRunHistory):
    """The same run history for accounts on ShipStation API v2."""

    API_VERSION = "v2"
