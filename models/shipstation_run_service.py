"""The run service: what every run of an account (sync, export, job) shares.

It owns the per-account lock, the deadline of a run, its commits (and keeping a running
queue job's lock across them) and the guard that turns one account's unexpected error
into a report. The sync and the export inherit it; the queue_job model calls it. It
calls no other model of the addon but the run history.
"""

import contextlib
import logging
import threading
import time

from psycopg2 import OperationalError

from odoo import api, fields, models
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import config

from ..const import PARAM_CRON_TIME_BUDGET, PARAM_JOB_TIME_BUDGET
from ..utils import get_param

_logger = logging.getLogger(__name__)

#: First key of the advisory lock that serialises the syncs of one account.
SYNC_LOCK_CLASS = 0x5353


class ShipStationRunService(models.AbstractModel):
    _name = "shipstation.run.service"
    _description = "ShipStation Run Service"

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _trigger_of(self, trigger, scheduled):
        """What started a run, as the run history says it: ``trigger``, or by default
        ``scheduled`` for a scheduled (committing) run, else ``manual``."""
        return trigger or ("scheduled" if scheduled else "manual")

    @api.model
    def _can_commit(self):
        return not getattr(threading.current_thread(), "testing", False)

    @api.model
    def _commit(self):
        """Commit a run's progress (nothing in tests); the running queue job keeps its lock.

        :return: whether it committed
        """
        if not self._can_commit():
            return False
        self.env.cr.commit()  # pylint: disable=invalid-commit
        self._keep_job_lock()
        return True

    @api.model
    def _keep_job_lock(self):
        """After a commit inside a job, lock the running job's row again, as queue_job did when it
        started it: a commit releases that lock, and queue_job's runner requeues a started job whose
        lock is free as dead, while it still runs. Nothing outside a job."""
        uuid = self.env.context.get("job_uuid")
        if uuid and "queue.job.lock" in self.env:
            self.env.cr.execute(
                "SELECT 1 FROM queue_job_lock WHERE queue_job_id IN"
                " (SELECT id FROM queue_job WHERE uuid = %s AND state = 'started') FOR UPDATE",
                [uuid],
            )

    @api.model
    def _lock_account(self, account):
        """Take the account's sync lock so two syncs of one account never overlap.

        The scheduled action, the wizard, the jobs and the internal-transfer trigger all
        lock here; the lock lasts until the transaction ends. A transaction-level advisory
        lock, not a row lock, so it also guards an account not yet committed.
        """
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [SYNC_LOCK_CLASS, account.id])
        return self.env.cr.fetchone()[0]

    @api.model
    def _commit_and_relock(self, account):
        """Commit a scheduled run's progress; False when another sync took the account."""
        if not self._commit():
            return True
        return self._lock_account(account)

    @api.model
    def _deadline(self, scheduled):
        """When a run stops applying and leaves the rest to the next one.

        70 % of the worker's real-time limit (for crons, or for the request running
        the wizard or a queue job), or of its CPU-time limit when that is lower (a run
        spends CPU nearly all the time it applies), past which a multi-worker server
        kills the job and rolls it all back; for scheduled runs the system parameter
        ``shipstation_connector.cron_time_budget`` (seconds) overrides it. None when
        nothing limits the run.
        """
        budget = get_param(self.env, PARAM_CRON_TIME_BUDGET)
        if scheduled and budget:
            return time.monotonic() + budget
        if not config["workers"]:
            return None
        limit = config["limit_time_real_cron"] if scheduled else -1
        limit = config["limit_time_real"] if limit < 0 else limit
        limits = [value for value in (limit, config["limit_time_cpu"]) if value and value > 0]
        return time.monotonic() + 0.7 * min(limits) if limits else None

    @api.model
    def _job_deadline(self):
        """When a sync job stops applying: ``shipstation_connector.job_time_budget`` seconds from
        now, else 70 % of the HTTP worker's real-time limit (queue_job runs jobs in HTTP workers)."""
        budget = get_param(self.env, PARAM_JOB_TIME_BUDGET)
        if budget:
            return time.monotonic() + budget
        return self._deadline(False)

    @api.model
    def _is_conflict(self, error):
        """Whether ``error`` is PostgreSQL refusing a concurrent update (serialization failure,
        deadlock, lock not available): nothing wrong with the deliveries, only bad timing."""
        return isinstance(error, OperationalError) and error.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY

    @api.model
    def _run_env(self, account):
        """This service in the language of the account's company.

        What a run stores (sync messages, chatter notes, the account's summary) is
        written in that language, so it never depends on who started the run: a
        re-run with nothing new then finds the same words and writes nothing.
        """
        return self.with_context(lang=account._company_lang())

    @api.model
    def _run_accounts(self, accounts, commit, run_one):
        """Run ``run_one(account)`` for each account, committing after each one when ``commit``.

        :return: the list of reports
        """
        reports = []
        for account in accounts:
            reports.append(run_one(account))
            if commit and self._can_commit():
                # Each account's work stands on its own: keep it even if a later one fails.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return reports

    @api.model
    def _run_guarded(self, account, committing, run, on_error, record):  # noqa: PLR0913 - one run's parts
        """``run()``, with any unexpected exception turned into the account's report.

        The account's work is undone: by a savepoint, or, in a run that commits as it goes
        (a savepoint cannot outlive a commit), by rolling back to its last commit, so what
        it committed before the error stays. ``on_error(error)`` then makes the report
        (and logs), and the run is kept in the history with the error, after the rollback.

        :param tuple record: ``(trigger, operation)`` of the run in the history
        """
        started, started_at = time.monotonic(), fields.Datetime.now()
        try:
            with contextlib.nullcontext() if committing else self.env.cr.savepoint():
                return run()
        except Exception as error:  # pylint: disable=broad-except
            if committing:
                self.env.cr.rollback()
                self._keep_job_lock()
            report = on_error(error)
            report.seconds = time.monotonic() - started
            trigger, operation = record
            runs = self._run_env(account).env["shipstation.sync.run"]
            runs._shipstation_record(account, report, trigger, started_at, operation)
            return report
