from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models import shipstation_sync_apply
from .common import ShipStationCommon

try:  # queue_job is optional: without it in the database these tests are skipped
    from odoo.addons.queue_job.exception import RetryableJobError
    from odoo.addons.queue_job.job import Job
    from odoo.addons.queue_job.tests.common import trap_jobs
except ImportError:
    RetryableJobError = Job = trap_jobs = None

NO_QUEUE_JOB = (
    "queue_job is not installed in this database "
    "(pip install --no-deps 'odoo-addon-queue_job>=17.0,<17.1', then install it beside the connector)"
)
SYNC_LOGGERS = (
    "odoo.addons.shipstation_connector.models.shipstation_sync",
    "odoo.addons.shipstation_connector.models.shipstation_export",
    "odoo.addons.shipstation_connector.models.shipstation_job",
    "odoo.addons.shipstation_connector.lib.shipstation.transport",
)


@tagged("post_install", "-at_install")
class TestQueueJob(ShipStationCommon):
    """With OCA queue_job installed, the scheduled syncs and exports are one job per account,
    run by queue_job's own code against the ShipStation sandbox over real HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("shipstation_connector.use_queue_job", "True")
        # A 429's wait inside the client is the rate limit's, not the test's.
        params.set_param("shipstation_connector.rate_limit_max_wait", "0.01")
        cls.account.write({"auto_import_shipment_details": True, "auto_export_delivery_orders": True})
        cls.second = cls._make_account("Second ShipStation", auto_import_shipment_details=True)
        cls.off = cls._make_account("Toggle off")
        cls.archived = cls._make_account("Archived", auto_import_shipment_details=True, active=False)
        cls.Jobs = cls.env["shipstation.job"]

    def setUp(self):
        if "queue.job" not in self.env or trap_jobs is None:
            self.skipTest(NO_QUEUE_JOB)
        super().setUp()

    def _queued(self, account, operation="sync"):
        return self.env["queue.job"].search([("identity_key", "=", "shipstation.%s:%s" % (operation, account.id))])

    def _retried(self, perform):
        """The RetryableJobError ``perform()`` raises, caught without a savepoint (Odoo's
        assertRaises has one, which would undo the run the job kept)."""
        try:
            perform()
        except RetryableJobError as error:
            return error
        self.fail("the job was not retried")

    def _runs(self, account=None):
        return self.env["shipstation.sync.run"].search([("account_id", "=", (account or self.account).id)])

    # -- enqueueing ---------------------------------------------------------------------------

    def test_the_scheduled_import_enqueues_one_job_per_toggled_account(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        with trap_jobs() as trap:
            self.env["shipstation.sync"]._cron_import_shipment_details()
            trap.assert_jobs_count(2, only=self.Jobs._job_sync_account)
            for account in self.account | self.second:
                trap.assert_enqueued_job(
                    self.Jobs._job_sync_account,
                    args=(account.id, "scheduled"),
                    properties={"channel": "root.shipstation", "identity_key": "shipstation.sync:%s" % account.id},
                )
        self.assertEqual(picking.state, "assigned", "the cron only enqueues")
        self.assertEqual(self.sandbox.requests, [], "no ShipStation call before a job runs")
        self.assertFalse(self._runs())

    def test_the_channel_is_a_system_parameter(self):
        self.env["ir.config_parameter"].sudo().set_param("shipstation_connector.queue_job_channel", "root.ss_big")
        with trap_jobs() as trap:
            self.env["shipstation.sync"]._cron_import_shipment_details()
            trap.assert_enqueued_job(
                self.Jobs._job_sync_account, args=(self.account.id, "scheduled"), properties={"channel": "root.ss_big"}
            )

    def test_running_the_cron_twice_queues_each_account_once(self):
        cron = self.env.ref("shipstation_connector.ir_cron_auto_import_shipment_details")
        cron.method_direct_trigger()
        cron.method_direct_trigger()
        for account in self.account | self.second:
            job = self._queued(account)
            self.assertEqual(len(job), 1, account.name)
            self.assertEqual(
                (job.state, job.channel, job.method_name), ("pending", "root.shipstation", "_job_sync_account")
            )
        self.assertFalse(self._queued(self.off) | self._queued(self.archived))

    def test_without_queue_job_switched_on_the_cron_syncs_in_process(self):
        self.env["ir.config_parameter"].sudo().set_param("shipstation_connector.use_queue_job", "False")
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        with trap_jobs() as trap:
            self.env["shipstation.sync"]._cron_import_shipment_details()
            trap.assert_jobs_count(0)
        self.assertEqual(picking.state, "done")
        self.assertEqual(self._runs().trigger, "scheduled")

    # -- performing -------------------------------------------------------------------------

    def test_performing_the_job_syncs_its_account_and_keeps_the_run(self):
        picking, order = self._make_delivery([(self.mug, 2)])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "1ZJOB1"}])
        self.env["shipstation.sync"]._cron_import_shipment_details()
        stored = self._queued(self.account)
        result = Job.load(self.env, stored.uuid).perform()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_tracking_ref, "1ZJOB1")
        run = self._runs()
        self.assertEqual((len(run), run.trigger, run.validated, run.error), (1, "scheduled", 1, False))
        self.assertTrue(self.account.sync_since)
        self.assertIn("1 validated", result)
        self.assertFalse(self._runs(self.second), "a job syncs its own account only")

    def test_a_rate_limited_job_is_retried_after_the_wait_shipstation_asked(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        self.sandbox.faults.add(status=429, count=None, headers={"Retry-After": "37"})
        with trap_jobs() as trap, mute_logger(*SYNC_LOGGERS):
            self.Jobs._enqueue_sync(self.account, "scheduled")
            (job,) = trap.enqueued_jobs
            error = self._retried(job.perform)
        self.assertEqual(error.seconds, 37)
        self.assertFalse(error.ignore_retry, "rate limits count as tries")
        self.assertIn("rate limit", str(error))
        self.assertEqual(picking.state, "assigned")
        run = self._runs()
        self.assertEqual(len(run), 1, "the attempt is in the run history")
        self.assertIn("rate limit", run.error)
        self.assertFalse(self.account.sync_since)

    def test_server_errors_are_retried_after_their_retry_after_or_a_backoff(self):
        self._make_delivery([(self.mug, 1)])
        cases = ((503, {"Retry-After": "20"}, 20), (500, None, 60))
        for status, headers, seconds in cases:
            self.sandbox.faults.clear()
            self.sandbox.faults.add(status=status, count=None, headers=headers)
            with trap_jobs() as trap, mute_logger(*SYNC_LOGGERS):
                self.Jobs._enqueue_sync(self.account, "scheduled")
                error = self._retried(trap.perform_enqueued_jobs)
            self.assertEqual(error.seconds, seconds, status)
        self.assertEqual(len(self._runs()), 2)

    def test_an_unreachable_shipstation_is_retried_too(self):
        self._make_delivery([(self.mug, 1)])
        self.account.api_url = "http://127.0.0.1:9"  # nothing listens on the discard port
        with trap_jobs() as trap, mute_logger(*SYNC_LOGGERS):
            self.Jobs._enqueue_sync(self.account, "scheduled")
            error = self._retried(trap.perform_enqueued_jobs)
        self.assertEqual(error.seconds, 60)
        self.assertIn("Could not reach ShipStation", str(error))
        self.assertEqual(len(self._runs()), 1)

    def test_a_job_finding_its_account_locked_retries_and_changes_nothing(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        self.sandbox.reset_log()
        with trap_jobs() as trap, self.registry.cursor() as other_cr:
            other_cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5353, self.account.id])
            self.Jobs._enqueue_sync(self.account, "scheduled")
            error = self._retried(trap.perform_enqueued_jobs)
        self.assertEqual(error.seconds, 60)
        self.assertTrue(error.ignore_retry, "waiting for another sync is no failed try")
        self.assertIn("already running", str(error))
        self.assertEqual(picking.state, "assigned")
        self.assertFalse(self._runs(), "no run: the job did nothing")
        self.assertFalse(self.account.last_sync_date)
        self.assertEqual(self.sandbox.requests, [], "no ShipStation call")
        # The lock released, the retried job syncs.
        with trap_jobs() as trap:
            self.Jobs._enqueue_sync(self.account, "scheduled")
            trap.perform_enqueued_jobs()
        self.assertEqual(picking.state, "done")

    def test_a_run_cut_by_its_budget_continues_in_the_next_job_in_order(self):
        """A big first sync goes on in jobs of the same account; each plans again over what is
        left, so a backorder made by one job never takes the parcel of its original."""
        partial, order = self._make_delivery([(self.mug, 3)])
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "PART1", "items": [{"sku": "SS-MUG", "quantity": 2}]}]
        )
        others = self.env["stock.picking"]
        for _i in range(2):
            picking, other = self._make_delivery([(self.tee, 1)])
            self.sandbox.store.ship_order(other["orderId"])
            others |= picking
        self.env["ir.config_parameter"].sudo().set_param("shipstation_connector.job_time_budget", "0.000001")
        cron = self.env.ref("shipstation_connector.ir_cron_auto_import_shipment_details")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        performed = []
        with trap_jobs() as trap, patch.object(shipstation_sync_apply, "APPLY_CHUNK", 1):
            self.Jobs._enqueue_sync(self.account, "scheduled")
            while trap.enqueued_jobs and len(performed) < 10:
                performed += [job.identity_key for job in trap.enqueued_jobs]
                trap.perform_enqueued_jobs()
        self.assertEqual(performed, ["shipstation.sync:%s" % self.account.id] * 3)
        self.assertEqual(partial.state, "done")
        self.assertEqual(set(others.mapped("state")), {"done"})
        backorder = partial.backorder_ids
        self.assertEqual(backorder.shipstation_sync_state, "waiting", "its order's only parcel is the original's")
        self.assertEqual(self._runs().mapped("left"), [0, 1, 2])
        self.assertTrue(self.account.sync_since, "the last job moves the watermark")
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers, "jobs, not the cron"
        )

    def test_a_job_committing_as_it_goes_keeps_queue_job_lock(self):
        """A sync job commits after each chunk; queue_job's runner takes a started job whose lock
        a commit released for dead, and runs it again while it runs. Real commits, on a cursor
        of its own (the test's transaction is never seen by another connection), undone after."""
        lock_query = "SELECT id FROM queue_job_lock WHERE queue_job_id = %s FOR UPDATE SKIP LOCKED"
        with self.registry.cursor() as job_cr, self.registry.cursor() as runner_cr:
            env = self.env(cr=job_cr)
            job = env["shipstation.job"].with_delay()._job_sync_account(0, "scheduled")
            job.set_started()
            job.store()
            job.add_lock_record()
            job_id = job.db_record().id
            try:
                job_cr.commit()  # pylint: disable=invalid-commit
                runner_cr.execute(lock_query, [job_id])
                self.assertEqual(len(runner_cr.fetchall()), 1, "committed, its lock is free: 'dead'")
                runner_cr.rollback()
                env["shipstation.run.service"].with_context(job_uuid=job.uuid)._keep_job_lock()
                runner_cr.execute(lock_query, [job_id])
                self.assertEqual(runner_cr.fetchall(), [], "locked again: alive")
            finally:
                runner_cr.rollback()
                job_cr.rollback()
                job_cr.execute("DELETE FROM queue_job_lock WHERE queue_job_id = %s", [job_id])
                job_cr.execute("DELETE FROM queue_job WHERE id = %s", [job_id])
                job_cr.commit()  # pylint: disable=invalid-commit

    # -- export and webhooks ------------------------------------------------------------------

    def test_the_scheduled_export_enqueues_and_its_job_exports(self):
        picking, _order = self._make_delivery([(self.mug, 1)], export=False)
        cron = self.env.ref("shipstation_connector.ir_cron_auto_export_delivery_orders")
        cron.method_direct_trigger()
        cron.method_direct_trigger()
        stored = self._queued(self.account, "export")
        self.assertEqual((len(stored), stored.channel), (1, "root.shipstation"))
        self.assertFalse(self._queued(self.second, "export"), "its export toggle is off")
        self.assertFalse(picking.is_exported_to_shipstation)
        Job.load(self.env, stored.uuid).perform()
        self.assertTrue(picking.is_exported_to_shipstation)
        self.assertEqual(self._runs().operation, "export")

    def test_a_rate_limited_export_job_is_retried(self):
        picking, _order = self._make_delivery([(self.mug, 1)], export=False)
        self.sandbox.faults.add(status=429, count=None, method="POST", headers={"Retry-After": "12"})
        with trap_jobs() as trap, mute_logger(*SYNC_LOGGERS):
            self.Jobs._enqueue_export(self.account, "scheduled")
            trap.assert_enqueued_job(
                self.Jobs._job_export_account,
                args=(self.account.id, "scheduled"),
                properties={"identity_key": "shipstation.export:%s" % self.account.id},
            )
            error = self._retried(trap.perform_enqueued_jobs)
        self.assertEqual(error.seconds, 12)
        self.assertFalse(picking.is_exported_to_shipstation)
        self.assertEqual(len(self._runs()), 1)
        self.sandbox.faults.clear()
        with trap_jobs() as trap:
            self.Jobs._enqueue_export(self.account, "scheduled")
            trap.perform_enqueued_jobs()
        self.assertTrue(picking.is_exported_to_shipstation)

    def test_webhook_calls_become_a_job_of_their_account(self):
        picking, order = self._make_delivery([(self.mug, 1)], account=self.off)
        self.sandbox.store.ship_order(order["orderId"])
        self.env["shipstation.webhook"]._shipstation_call_received(self.off, "SHIP_NOTIFY")
        with trap_jobs() as trap:
            self.env["shipstation.webhook.call"]._cron_sync_webhook_calls()
            trap.assert_jobs_count(1)
            trap.assert_enqueued_job(
                self.Jobs._job_sync_account,
                args=(self.off.id, "webhook"),
                properties={"identity_key": "shipstation.sync:%s" % self.off.id},
            )
            self.env.invalidate_all()
            calls = self.env["shipstation.webhook.call"].search([("account_id", "=", self.off.id)])
            self.assertTrue(calls.taken_at, "taken by the job to come")
            trap.perform_enqueued_jobs()
        self.assertEqual(picking.state, "done")
        self.assertEqual(self._runs(self.off).trigger, "webhook")
