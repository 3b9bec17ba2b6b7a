"""The shipment-details sync: one entry point shared by the Operations wizard, the
scheduled action, the queue jobs and the internal-transfer trigger.

Per account: gather the in-transit deliveries in one search, ask ShipStation in bulk
for what changed (:mod:`..lib.shipstation.fetch`), let the pure planner decide
(:mod:`..lib.shipstation.planner`), then apply the decisions (``shipstation_sync_apply``).
The sync orchestrates: the deliveries apply the decisions, the parcels record themselves,
the run service (which the sync inherits) locks, commits and guards.
"""

import logging
import time
from datetime import timezone

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib.shipstation import fetch, fetch_v2
from ..lib.shipstation import messages as msg
from ..lib.shipstation.errors import TRANSIENT_ERRORS, AuthenticationError, ShipStationError
from ..lib.shipstation.records_v2 import settle_statuses
from ..lib.shipstation.report import AccountReport

_logger = logging.getLogger(__name__)

#: A user validating a pick waits on the immediate sync: fail fast rather than wait.
TRIGGER_CLIENT_OPTIONS = {"timeout": (5, 20), "max_retries": 1, "max_wait": 5}


class ShipStationSync(models.AbstractModel):
    _name = "shipstation.sync"
    _inherit = "shipstation.run.service"
    _description = "ShipStation Shipment Sync"

    # ------------------------------------------------------------
    # ENTRY POINTS
    # ------------------------------------------------------------

    @api.model
    def _cron_import_shipment_details(self):
        """Scheduled action: sync every active account whose Auto Import toggle is on.

        With queue_job installed (and ``shipstation_connector.use_queue_job`` not off),
        each account's sync is a job of its own (see ``shipstation.job``); else the
        accounts are synced here, one after another.
        """
        accounts = self.env["shipstation.account"].search([("auto_import_shipment_details", "=", True)])
        jobs = self.env["shipstation.job"]
        if jobs._shipstation_queue_enabled():
            jobs._enqueue_sync(accounts, "scheduled")
            return
        self._sync_accounts(accounts, scheduled=True)

    @api.model
    def _sync_accounts(self, accounts, scheduled=False, trigger=None, since=None):
        """Sync several accounts; one account's failure never stops the others.

        Each account is guarded: an unexpected exception in one is logged with its
        traceback, undone for that account, reported on it and in the summary, and
        the next account is synced all the same. Each account's run is kept in the
        run history (``shipstation.sync.run``).

        :param accounts: ``shipstation.account`` recordset
        :param bool scheduled: a scheduled run: commit as it goes, and hand what is
            left to its next run when the worker's time limit comes near
        :param str trigger: what started the run, as the run history says it
            (``manual``, ``scheduled``, ``transfer``, ``webhook``); by default
            ``scheduled`` for a scheduled run, else ``manual``
        :param datetime since: read ShipStation from then (a backfill over old deliveries)
            instead of from each account's watermark
        :return: list of :class:`AccountReport`
        """
        trigger = self._trigger_of(trigger, scheduled)
        deadline = self._deadline(scheduled)
        reports = self._run_accounts(
            accounts,
            scheduled,
            lambda account: self._sync_account_guarded(account, scheduled, deadline, trigger, since=since),
        )
        if any(report.left for report in reports):
            self.env.ref("shipstation_connector.ir_cron_auto_import_shipment_details")._trigger()
        return reports

    @api.model
    def _sync_account_guarded(  # noqa: PLR0913 - the entry points' options, passed on
        self, account, scheduled, deadline, trigger=None, pickings=None, client_options=None, since=None
    ):
        """:meth:`_sync_account`, with any unexpected exception turned into a report
        (see ``shipstation.run.service._run_guarded``)."""

        def run():
            return self._sync_account(
                account,
                pickings,
                client_options=client_options,
                commit=scheduled,
                deadline=deadline,
                trigger=trigger,
                since=since,
            )

        def on_error(error):
            report = AccountReport(account=account.sudo().name)
            if self._is_conflict(error):
                # Nothing is wrong with the deliveries: they stay as they were, for the next run.
                _logger.warning(
                    "ShipStation sync of account %s met a concurrent update: %s", account.sudo().name, error
                )
                report.error = msg.message(msg.ACCOUNT_CONFLICT)
                report.transient = True
            else:
                _logger.exception("ShipStation sync of account %s failed unexpectedly", account.sudo().name)
                report.error = msg.message(msg.ACCOUNT_UNEXPECTED, error="%s: %s" % (type(error).__name__, error))
            if pickings is None:
                account.sudo().with_context(lang=account._company_lang())._record_account_result(report)
            return report

        committing = scheduled and self._can_commit()
        record = (self._trigger_of(trigger, scheduled), "import")
        return self._run_guarded(account, committing, run, on_error, record)

    @api.model
    def _sync_deliveries_now(self, deliveries):
        """Sync a few deliveries at once, reading their orders by id (pick/pack trigger).

        A user is waiting on this: the client neither waits long for the rate limit nor
        retries much. Never raises: a failure is recorded on the delivery (and in the
        run history, as a run started by a ``transfer``), and the caller's validation
        goes on exactly as it would without the connector.
        """
        for account in deliveries.shipstation_account_id:
            self._sync_account_guarded(
                account,
                False,
                None,
                trigger="transfer",
                pickings=deliveries.filtered_domain([("shipstation_account_id", "=", account.id)]),
                client_options=TRIGGER_CLIENT_OPTIONS,
            )

    # ------------------------------------------------------------
    # ONE ACCOUNT
    # ------------------------------------------------------------

    @api.model
    def _sync_account(  # noqa: PLR0913 - the entry points' options, passed on
        self, account, pickings=None, client_options=None, commit=False, deadline=None, trigger=None, since=None
    ):
        """Sync one account's in-transit deliveries (all, or the given ones by id), and
        keep the run in the run history.

        :param account: one ``shipstation.account``
        :param pickings: restrict to these deliveries and read their orders by id
        :param dict client_options: options of the API client (timeouts, retries)
        :param bool commit: commit every few deliveries (scheduled runs)
        :param float deadline: ``time.monotonic()`` value past which the rest is left
            to the next run (the account's watermark then stays where it was)
        :param str trigger: what started the run (see :meth:`_sync_accounts`); by
            default ``scheduled`` when committing, else ``manual``
        :param datetime since: read ShipStation from then instead of from the watermark
        :return: :class:`AccountReport`
        """
        self = self._run_env(account)  # noqa: PLW0642 - the whole run speaks the company's language
        started = time.monotonic()
        started_at = fields.Datetime.now()
        account_sudo = account.with_env(self.env).sudo()
        report = AccountReport(account=account_sudo.name)
        if not self._lock_account(account_sudo):
            report.error = msg.message(msg.ACCOUNT_BUSY)
        else:
            self._read_and_apply(account_sudo, report, pickings, client_options, commit, deadline, started_at, since)
        report.seconds = time.monotonic() - started
        if pickings is None and (report.error is None or report.error.code != msg.ACCOUNT_BUSY):
            account_sudo._record_account_result(report, None if report.error else started_at)
        self.env["shipstation.sync.run"]._shipstation_record(
            account_sudo, report, self._trigger_of(trigger, commit), started_at, "import"
        )
        return report

    @api.model
    def _read_and_apply(  # noqa: PLR0913 - one run's options, passed on
        self, account_sudo, report, pickings, client_options, commit, deadline, started_at, since=None
    ):
        """Read what changed in ShipStation, plan, and apply, counting into ``report``."""
        planned = self._read_and_plan(account_sudo, report, pickings, client_options, started_at, since)
        if planned is not None:
            targets, decisions = planned
            self._apply_all(account_sudo, targets, decisions, report, started_at, commit, deadline)

    @api.model
    def _read_and_plan(  # noqa: PLR0913 - one run's options, passed on
        self, account_sudo, report, pickings, client_options, started_at, since=None, write=True
    ):
        """Read what changed in ShipStation and plan: ``(targets, decisions)``, or None when
        ShipStation could not be read (``report.error`` says why).

        :param datetime since: read from then instead of from the account's watermark
        :param bool write: False for a preview: what a sync remembers while reading (the
            failed deliveries read again, parcels of closed deliveries found voided) is not
            written either
        """
        targets = self._targets(account_sudo, pickings)
        client = None
        try:
            client = account_sudo._get_shipstation_client(**(client_options or {}))
            snapshots, fetch_targets = targets._shipstation_retry_plan(*targets._shipstation_snapshots())
            facts = self._fetch(account_sudo, client, fetch_targets, pickings is None, since)
        except (ShipStationError, UserError) as error:
            report.error = msg.message(msg.ACCOUNT_ERROR, error=getattr(error, "message", None) or str(error))
            report.refused = isinstance(error, AuthenticationError)
            report.transient = isinstance(error, TRANSIENT_ERRORS)
            report.retry_after = getattr(error, "retry_after", None)
            report.api_calls = client.call_count if client else 0
            _logger.warning("ShipStation sync of account %s failed: %s", account_sudo.name, error)
            return None
        finally:
            if client:
                client.close()
        report.api_calls = client.call_count
        report.set_aside = facts.set_aside + client.set_aside
        report.given_up = facts.given_up
        if write:
            targets._shipstation_note_attempts(facts, started_at)
        order_ids = {snap.order_id for snap in snapshots if snap.order_id}
        self.env["shipstation.shipment"]._shipstation_add_consumption(account_sudo, facts, order_ids, mark_voided=write)
        if account_sudo.api_version == "v2":
            settle_statuses(facts)  # v2 says "label purchased": shipped once a live label is known
        return targets, self._shipstation_plan(targets, snapshots, facts, write)

    @api.model
    def _fetch(self, account, client, targets, whole_account, since=None):
        """Read what the run needs with the account's API version: the changes since the last
        sync, or ``since`` (``whole_account``), or the given deliveries' orders by id."""
        since = self._since(account, since)
        if account.api_version != "v2":
            if whole_account:
                return fetch.fetch_changes(client, targets, since)
            return fetch.fetch_orders(client, targets)
        currency = account.currency_id.name
        if whole_account:
            return fetch_v2.fetch_changes_v2(client, targets, since, currency=currency)
        return fetch_v2.fetch_orders_v2(client, targets, currency=currency)

    @api.model
    def _since(self, account, since=None):
        since = since or account.sync_since
        return since and since.replace(tzinfo=timezone.utc)

    @api.model
    def _targets(self, account, pickings=None):
        domain = [
            ("shipstation_account_id", "=", account.id),
            ("company_id", "=", account.company_id.id),
            *account._in_transit_domain(),
        ]
        if pickings is not None:
            domain.append(("id", "in", pickings.ids))
        return self.env["stock.picking"].search(domain, order="id")
