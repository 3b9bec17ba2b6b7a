"""Scheduled syncs and exports as OCA ``queue_job`` jobs, one per account, when queue_job is installed.

The addon does not depend on queue_job: it looks for it at run time (the ``queue.job``
model in the registry, and the ``with_delay`` queue_job adds to every model) and imports
its exception only then. Without it, or with the system parameter
``shipstation_connector.use_queue_job`` off, the scheduled actions run in-process as before.

A job syncs (or exports) one account exactly as a scheduled run does, through the same
sync service, so the rules of the sync hold unchanged. What differs:

* an error that may pass (rate limit, ShipStation server error, network) keeps its run in
  the history, then raises ``RetryableJobError`` with the wait ShipStation asked for, or a
  growing back-off, so queue_job runs the job again later;
* an account another sync holds (the per-account lock) makes the job try again later,
  having changed nothing;
* a run cut short by its time budget enqueues the next job of the same account, which
  plans again over what is left (the same planner, so backorders and parcel consumption
  keep their order), instead of re-triggering the scheduled action.
"""

import logging
import math

from odoo import _, api, models

from ..const import PARAM_QUEUE_JOB_CHANNEL, PARAM_USE_QUEUE_JOB
from ..lib.shipstation import messages as msg
from ..texts import render, report_text
from ..utils import get_param

_logger = logging.getLogger(__name__)

#: Seconds before a job that found its account busy tries again.
BUSY_RETRY = 60
#: Back-off of an error that said no wait: BACKOFF * 2 ** retries, at most MAX_BACKOFF seconds.
BACKOFF = 60
MAX_BACKOFF = 3600


class ShipStationJob(models.AbstractModel):
    _name = "shipstation.job"
    _description = "ShipStation Queue Jobs"

    # ------------------------------------------------------------
    # ENQUEUEING
    # ------------------------------------------------------------

    @api.model
    def _shipstation_queue_enabled(self):
        """Whether the scheduled actions enqueue jobs: queue_job is installed and not switched off."""
        if "queue.job" not in self.env or not hasattr(self, "with_delay"):
            return False
        return get_param(self.env, PARAM_USE_QUEUE_JOB)

    @api.model
    def _shipstation_channel(self):
        return get_param(self.env, PARAM_QUEUE_JOB_CHANNEL)

    @api.model
    def _identity_key(self, operation, account):
        """One pending job per account and operation: enqueueing again while one waits adds nothing."""
        return "shipstation.%s:%s" % (operation, account.id)

    @api.model
    def _enqueue_sync(self, accounts, trigger):
        """Enqueue one shipment-sync job per account (none for an account that already has one waiting).

        :param accounts: ``shipstation.account`` recordset
        :param str trigger: what started the runs, as the run history says it
        """
        for account in accounts:
            self.with_delay(
                channel=self._shipstation_channel(),
                identity_key=self._identity_key("sync", account),
                description=_("ShipStation: sync shipment details of %s", account.name),
            )._job_sync_account(account.id, trigger)

    @api.model
    def _enqueue_export(self, accounts, trigger):
        """Enqueue one export job per account (none for an account that already has one waiting)."""
        for account in accounts:
            self.with_delay(
                channel=self._shipstation_channel(),
                identity_key=self._identity_key("export", account),
                description=_("ShipStation: export delivery orders of %s", account.name),
            )._job_export_account(account.id, trigger)

    # ------------------------------------------------------------
    # THE JOBS
    # ------------------------------------------------------------

    @api.model
    def _job_sync_account(self, account_id, trigger="scheduled"):
        """Job: sync one account's shipment details, as a scheduled run does.

        :raises RetryableJobError: when the account is busy, or ShipStation could not be
            read for now (the run is kept in the history first)
        :return: the run's summary (queue_job shows it as the job's result)
        """
        account = self._job_account(account_id)
        if not account:
            return _("The ShipStation account no longer exists or is archived: nothing to sync.")
        if not self.env["shipstation.run.service"]._lock_account(account.sudo()):
            raise self._retryable(render(msg.message(msg.ACCOUNT_BUSY), self.env.lang), BUSY_RETRY, ignore_retry=True)
        deadline = self.env["shipstation.run.service"]._job_deadline()
        report = self.env["shipstation.sync"]._sync_account_guarded(account, True, deadline, trigger)
        self._retry_if_transient(report)
        if report.left:
            # The next job plans again over what is left, as a re-triggered scheduled run would.
            self._enqueue_sync(account, trigger)
        return report_text(report, self.env.lang)

    @api.model
    def _job_export_account(self, account_id, trigger="scheduled"):
        """Job: export one account's deliveries, as a scheduled run does.

        :raises RetryableJobError: when ShipStation could not take a batch for now (the
            run is kept in the history first; the deliveries not exported are sent again)
        :return: the run's summary
        """
        account = self._job_account(account_id)
        if not account:
            return _("The ShipStation account no longer exists or is archived: nothing to export.")
        report = self.env["shipstation.export"]._export_guarded(account, True, trigger)
        self._retry_if_transient(report)
        return report_text(report, self.env.lang)

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    @api.model
    def _job_account(self, account_id):
        account = self.env["shipstation.account"].browse(account_id).exists()
        return account if account.active else account.browse()

    @api.model
    def _retry_if_transient(self, report):
        """Keep the run, then ask queue_job to run the job again later, when the run's error may pass."""
        if not report.transient:
            return
        if self.env["shipstation.run.service"]._can_commit():
            # The run and the account's summary stand: queue_job rolls back what a retried job did.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        seconds = math.ceil(report.retry_after) if report.retry_after else self._backoff()
        error = render(report.error, self.env.lang) if report.error else report_text(report, self.env.lang)
        _logger.info("ShipStation job of account %s retried in %s s: %s", report.account, seconds, error)
        raise self._retryable(error, seconds)

    @api.model
    def _backoff(self):
        """Seconds before the next try of a job whose error said no wait, doubling with its retries."""
        uuid = self.env.context.get("job_uuid")
        job = self.env["queue.job"].sudo().search([("uuid", "=", uuid)], limit=1) if uuid else None
        return min(BACKOFF * 2 ** (job.retry if job else 0), MAX_BACKOFF)

    @api.model
    def _retryable(self, message, seconds, ignore_retry=False):
        """queue_job's ``RetryableJobError``, imported only when a job runs (queue_job is optional)."""
        # pylint: disable=import-outside-toplevel
        from odoo.addons.queue_job.exception import RetryableJobError

        return RetryableJobError(message, seconds=seconds, ignore_retry=ignore_retry)
