"""The shipment-details sync: one entry point shared by the Operations wizard, the
scheduled action and the internal-transfer trigger.

Per account: gather the in-transit deliveries in one search, ask ShipStation in bulk
for what changed (:mod:`..lib.shipstation.fetch`), let the pure planner decide
(:mod:`..lib.shipstation.planner`), then apply each decision in its own savepoint.
"""

import contextlib
import logging
import random
import threading
import time
from collections import defaultdict
from datetime import timezone

from psycopg2 import OperationalError

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import config

from ..lib.shipstation import fetch, fetch_v2, planner
from ..lib.shipstation import messages as msg
from ..lib.shipstation.errors import TRANSIENT_ERRORS, AuthenticationError, ShipStationError
from ..lib.shipstation.records_v2 import settle_statuses
from ..lib.shipstation.report import AccountReport
from ..lib.shipstation.values import CANCEL, FAIL, REFRESH, VALIDATE, WAIT, int_or_none
from ..texts import report_text

_logger = logging.getLogger(__name__)

#: First key of the advisory lock that serialises the syncs of one account.
SYNC_LOCK_CLASS = 0x5353
#: A user validating a pick waits on the immediate sync: fail fast rather than wait.
TRIGGER_CLIENT_OPTIONS = {"timeout": (5, 20), "max_retries": 1, "max_wait": 5}
#: Deliveries validated or cancelled together (scheduled runs commit after each chunk). Odoo's
#: validation and cancellation cost much per call on top of their cost per delivery: in chunks
#: of 100 the apply stays close to one plain validation of all the deliveries at once, in
#: chunks of 25 it was far above it (``bench/README.md``, "Apply against Odoo's own validation").
APPLY_CHUNK = 100
#: The order heavy decisions are applied in, a chunk holding one kind: validations, then
#: cancellations, then the others.
ACTION_ORDER = {VALIDATE: 0, CANCEL: 1}
#: Times a committing run applies a chunk again after another transaction changed the same rows
#: (two accounts' jobs validating the same products at once), each time after a commit.
CONFLICT_RETRIES = 3
#: The report's counter of each action a preview shows.
PREVIEW_COUNTS = {"validate": "validated", "cancel": "cancelled", "wait": "waiting", "fail": "failed"}


class ShipStationSync(models.AbstractModel):
    _name = "shipstation.sync"
    _description = "ShipStation Shipment Sync"

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------

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
        trigger = trigger or ("scheduled" if scheduled else "manual")
        reports = []
        deadline = self._deadline(scheduled)
        for account in accounts:
            reports.append(self._sync_account_guarded(account, scheduled, deadline, trigger, since=since))
            if scheduled and self._can_commit():
                # Each account's work stands on its own: keep it even if a later one fails.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        if any(report.left for report in reports):
            self.env.ref("shipstation_connector.ir_cron_auto_import_shipment_details")._trigger()
        return reports

    @api.model
    def _sync_account_guarded(  # noqa: PLR0913 - the entry points' options, passed on
        self, account, scheduled, deadline, trigger=None, pickings=None, client_options=None, since=None
    ):
        """:meth:`_sync_account`, with any unexpected exception turned into a report.

        The account's work is undone: by a savepoint, or, in a scheduled run that
        commits as it goes (a savepoint cannot outlive a commit), by rolling back to
        its last commit, so what it committed before the error stays. The run is then
        kept with the error, after the rollback, so the history has it all the same.
        """
        committing = scheduled and self._can_commit()
        started, started_at = time.monotonic(), fields.Datetime.now()
        try:
            with contextlib.nullcontext() if committing else self.env.cr.savepoint():
                return self._sync_account(
                    account,
                    pickings,
                    client_options=client_options,
                    commit=scheduled,
                    deadline=deadline,
                    trigger=trigger,
                    since=since,
                )
        except Exception as error:  # pylint: disable=broad-except
            if committing:
                self.env.cr.rollback()
                self.env["shipstation.job"]._keep_job_lock()
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
            report.seconds = time.monotonic() - started
            service = self._run_env(account)
            if pickings is None:
                service._record_account_result(account.sudo(), report)
            service.env["shipstation.sync.run"]._shipstation_record(
                account, report, trigger or ("scheduled" if scheduled else "manual"), started_at, "import"
            )
            return report

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

    @api.model
    def _can_commit(self):
        return not getattr(threading.current_thread(), "testing", False)

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
        budget = self.env["ir.config_parameter"].sudo().get_param("shipstation_connector.cron_time_budget")
        if scheduled and budget:
            return time.monotonic() + float(budget)
        if not config["workers"]:
            return None
        limit = config["limit_time_real_cron"] if scheduled else -1
        limit = config["limit_time_real"] if limit < 0 else limit
        limits = [value for value in (limit, config["limit_time_cpu"]) if value and value > 0]
        return time.monotonic() + 0.7 * min(limits) if limits else None

    @api.model
    def _run_env(self, account):
        """This service in the language of the account's company.

        What a run stores (sync messages, chatter notes, the account's summary) is
        written in that language, so it never depends on who started the run: a
        re-run with nothing new then finds the same words and writes nothing.
        """
        return self.with_context(lang=account._company_lang())

    # ------------------------------------------------------------------
    # One account
    # ------------------------------------------------------------------

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
            self._record_account_result(account_sudo, report, None if report.error else started_at)
        self.env["shipstation.sync.run"]._shipstation_record(
            account_sudo, report, trigger or ("scheduled" if commit else "manual"), started_at, "import"
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
            self._note_attempts(targets, facts, started_at)
        order_ids = {snap.order_id for snap in snapshots if snap.order_id}
        self.env["shipstation.shipment"]._shipstation_add_consumption(account_sudo, facts, order_ids, mark_voided=write)
        if account_sudo.api_version == "v2":
            settle_statuses(facts)  # v2 says "label purchased": shipped once a live label is known
        return targets, planner.plan(snapshots, facts)

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

    def _note_attempts(self, pickings, facts, when):
        """Remember the failed deliveries read again, and for how many runs their order is missing
        (one write per distinct count)."""
        groups = defaultdict(list)
        for picking in pickings.filtered(lambda p: (int_or_none(p.shipstation_order_id) or p.name) in facts.retried):
            missing = int_or_none(picking.shipstation_order_id) in facts.missing
            groups[picking.shipstation_missing_count + 1 if missing else 0].append(picking.id)
        for count, ids in groups.items():
            pickings.browse(ids).write({"shipstation_read_attempt": when, "shipstation_missing_count": count})

    @api.model
    def _record_account_result(self, account, report, started_at=None):
        """Remember the run on the account; a complete run moves the watermark.

        An account-level failure is posted on the account's chatter once, not at
        every run that meets the same failure.
        """
        summary = report_text(report, self.env.lang)
        values = {"last_sync_date": fields.Datetime.now(), "last_sync_summary": summary}
        if started_at and not report.left:
            values["sync_since"] = started_at
        if report.error and account.last_sync_summary != summary:
            account.message_post(body=_("Shipment sync failed: %s", summary))
        account.write(values)
        if report.refused or not report.error:
            account._shipstation_credentials_checked(refused=report.refused)

    @api.model
    def _lock_account(self, account):
        """Take the account's sync lock so two syncs of one account never overlap.

        The scheduled action, the wizard and the internal-transfer trigger all lock
        here; the lock lasts until the transaction ends. A transaction-level advisory
        lock, not a row lock, so it also guards an account not yet committed.
        """
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [SYNC_LOCK_CLASS, account.id])
        return self.env.cr.fetchone()[0]

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

    # ------------------------------------------------------------------
    # Preview
    # ------------------------------------------------------------------

    @api.model
    def _preview_accounts(self, accounts, since=None):
        """Read ShipStation and plan as a sync would, then write nothing at all.

        No delivery field, parcel, chatter message, backorder, watermark or run is
        written: the run's counts go to its report only, and what each delivery would
        get to a preview (see ``stock.picking._shipstation_preview``).

        :param datetime since: read from then instead of from each account's watermark
        :return: list of ``(AccountReport, [preview values])``, one per account
        """
        return [self._preview_account(account, since) for account in accounts]

    @api.model
    def _is_bookkeeping(self, picking, decision):
        """Whether a decision only records the sync's own fields (its state, the order's status):
        nothing a preview needs to show."""
        return (
            decision.action == REFRESH
            and not decision.parcels_changed
            and not decision.notes
            and (decision.tracking_ref or False) == (picking.carrier_tracking_ref or False)
        )

    @api.model
    def _preview_account(self, account, since=None):
        self = self._run_env(account)  # noqa: PLW0642 - the preview speaks as the run would
        started = time.monotonic()
        account_sudo = account.with_env(self.env).sudo()
        report = AccountReport(account=account_sudo.name)
        previews = []
        planned = self._read_and_plan(account_sudo, report, None, None, fields.Datetime.now(), since, write=False)
        if planned is not None:
            targets, decisions = planned
            by_id = {picking.id: picking for picking in targets}
            report.checked = len(decisions)
            for decision in decisions:
                picking = by_id[decision.picking_id]
                if not decision.changed or self._is_bookkeeping(picking, decision):
                    continue
                preview = picking._shipstation_preview(account_sudo, decision)
                previews.append(preview)
                report.updated += 1
                outcome = PREVIEW_COUNTS.get(preview["action"])
                if outcome:
                    setattr(report, outcome, getattr(report, outcome) + 1)
                if preview["action"] == "validate" and preview["backorder"]:
                    report.backorders += 1
                if preview["action"] == "fail":
                    report.failures.append((by_id[decision.picking_id].name, decision.message))
        report.seconds = time.monotonic() - started
        return report, previews

    # ------------------------------------------------------------------
    # Applying decisions
    # ------------------------------------------------------------------
    @api.model
    def _apply_all(self, account, pickings, decisions, report, started_at, commit=False, deadline=None):
        """Apply every decision and count what happened.

        Decisions that only update the sync fields are written in grouped writes. The
        others go in chunks of one kind (validations, then cancellations, then the rest),
        each in a savepoint with one call of Odoo's validation or cancellation for the
        chunk; when a chunk fails, it is applied again in halves, each in its own
        savepoint, so only the culprit fails.
        A run cut short by its deadline (or by losing the account lock after a commit)
        leaves the remaining deliveries unread, so the next run takes them up.
        """
        by_id = {p.id: p for p in pickings}
        report.checked = len(decisions)
        pending = [d for d in decisions if d.changed]
        quick = [d for d in pending if self._is_quick(d)]
        self._apply_quick(by_id, quick, report, started_at)
        quick_ids = {d.picking_id for d in quick}
        heavy = [d for d in pending if d.picking_id not in quick_ids]
        chunks = self._chunks(heavy)
        unread, done = set(), 0
        for index, decisions_of_chunk in enumerate(chunks):
            unread |= self._apply_chunk_again_on_conflict(account, decisions_of_chunk, report, started_at, commit)
            done += len(decisions_of_chunk)
            if index == len(chunks) - 1:
                break
            out_of_time = deadline is not None and time.monotonic() > deadline
            if out_of_time or (commit and not self._commit_and_relock(account)):
                report.left += len(heavy) - done
                unread |= {d.picking_id for rest in chunks[index + 1 :] for d in rest}
                break
        seen = [d.picking_id for d in decisions if d.seen and d.picking_id not in unread]
        if seen:
            self.env["stock.picking"].browse(seen).write({"shipstation_last_sync": started_at})

    @api.model
    def _chunks(self, decisions):
        """The decisions in chunks of up to ``APPLY_CHUNK`` of one kind: validations, then
        cancellations, then the rest (Odoo's validation and cancellation cost much per call)."""
        kinds = defaultdict(list)
        for decision in decisions:
            kinds[ACTION_ORDER.get(decision.action, len(ACTION_ORDER))].append(decision)
        return [
            kinds[kind][start : start + APPLY_CHUNK]
            for kind in sorted(kinds)
            for start in range(0, len(kinds[kind]), APPLY_CHUNK)
        ]

    @api.model
    def _chunk_items(self, decisions):
        """``[(picking, decision)]`` of one chunk, the pickings prefetching among themselves.

        Validation invalidates the cache of the deliveries it touches; records browsed from
        all the run's targets would then read every field again for all of them at each
        chunk (quadratic in the number of deliveries), these only for the chunk.
        """
        pickings = self.env["stock.picking"].browse([d.picking_id for d in decisions])
        return list(zip(pickings, decisions))

    @api.model
    def _commit_and_relock(self, account):
        """Commit a scheduled run's progress; False when another sync took the account."""
        if not self._can_commit():
            return True
        self.env.cr.commit()  # pylint: disable=invalid-commit
        self.env["shipstation.job"]._keep_job_lock()
        return self._lock_account(account)

    @api.model
    def _is_quick(self, decision):
        """Whether the decision only changes the delivery's sync fields."""
        return decision.action in (REFRESH, WAIT, FAIL) and not decision.notes and not decision.parcels_changed

    @api.model
    def _apply_quick(self, by_id, decisions, report, started_at):
        """Write sync-field-only decisions, one write per distinct set of values."""
        groups = defaultdict(list)
        for decision in decisions:
            picking = by_id[decision.picking_id]
            vals = picking._shipstation_decision_values(decision, started_at)
            groups[tuple(sorted(vals.items()))].append(picking.id)
        for vals, ids in groups.items():
            self.env["stock.picking"].browse(ids).write(dict(vals))
        for decision in decisions:
            report.updated += 1
            outcome = {WAIT: "waiting", FAIL: "failed"}.get(decision.action, "updated")
            report.add_line(decision.picking_id, outcome, decision.message if outcome != "updated" else None)
            if outcome != "updated":
                setattr(report, outcome, getattr(report, outcome) + 1)
                if outcome == "failed":
                    report.failures.append((by_id[decision.picking_id].name, decision.message))

    @api.model
    def _is_conflict(self, error):
        """Whether ``error`` is PostgreSQL refusing a concurrent update (serialization failure,
        deadlock, lock not available): nothing wrong with the deliveries, only bad timing."""
        return isinstance(error, OperationalError) and error.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY

    @api.model
    def _apply_chunk_again_on_conflict(self, account, decisions, report, started_at, commit):
        """Apply one chunk; when another transaction changed the same rows meanwhile (two
        accounts' jobs validating the same products), commit what is done and apply the
        chunk again in a fresh transaction, a few times, then leave it to the next run.

        A run that does not commit cannot see the other transaction's work: the conflict
        goes up, and the account's run is undone and reported (see :meth:`_sync_account_guarded`).

        :return: the ids of the deliveries that failed or are left
        """
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                return self._apply_chunk(account, self._chunk_items(decisions), report, started_at)
            except OperationalError as error:
                if not (self._is_conflict(error) and commit and self._can_commit()):
                    raise
                _logger.info("ShipStation sync of %s: concurrent update, chunk applied again: %s", account.name, error)
                if attempt == CONFLICT_RETRIES:
                    break
                # The savepoint's rollback released the chunk's row locks. Wait before the commit, as
                # the next transaction's snapshot is taken at its first statement: let the other one finish.
                time.sleep(random.uniform(0.2, 1.0) * (attempt + 1))  # noqa: S311 - a jitter, no secret
                if not self._commit_and_relock(account):
                    break
        report.left += len(decisions)
        return {d.picking_id for d in decisions}

    @api.model
    def _apply_chunk(self, account, chunk, report, started_at, whole=True):
        """Apply a chunk of decisions; return the ids of deliveries that failed or are left.

        A chunk that fails is applied again in two halves, and so on down to the
        deliveries that fail alone: the others are still validated in batches. A
        concurrent update of the same rows is no failure of a delivery: on the whole
        chunk it goes up (the caller tries again), on a half the half is left for the
        next run.
        """
        try:
            with self.env.cr.savepoint():
                outcomes = self._apply_batch(account, chunk, started_at)
        except Exception as error:  # pylint: disable=broad-except
            if self._is_conflict(error):
                if whole:
                    raise
                report.left += len(chunk)
                return {picking.id for picking, _decision in chunk}
            if len(chunk) == 1:
                return self._apply_chunk_failed(chunk[0][0], error, report, account, chunk[0][1], started_at)
            half = (len(chunk) + 1) // 2
            return self._apply_chunk(account, chunk[:half], report, started_at, whole=False) | self._apply_chunk(
                account, chunk[half:], report, started_at, whole=False
            )
        for picking, decision, outcome in outcomes:
            self._count(report, picking, decision, outcome)
        return set()

    @api.model
    def _apply_chunk_failed(self, picking, error, report, account, decision, started_at):  # noqa: PLR0913
        # The savepoint undid this delivery's writes; record what was read and why it failed
        # (it is retried from that record once its Odoo side changes), then go on.
        _logger.exception("ShipStation sync of %s failed", picking.name)
        message = msg.message(msg.SYNC_FAILED, error=self._error_text(error))
        picking._shipstation_record_read_failure(account, decision, message, started_at)
        report.failed += 1
        report.failures.append((picking.name, message))
        report.add_line(picking.id, "failed", message)
        return {picking.id}

    @api.model
    def _count(self, report, picking, decision, outcome):
        if outcome == "skipped":
            return
        report.updated += 1
        line_message = decision.message if outcome in ("waiting", "failed") else None
        if outcome in ("validated", "cancelled", "waiting", "failed"):
            setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome == "failed":
            report.failures.append((picking.name, decision.message))
        if outcome == "validated" and picking.backorder_ids:
            report.backorders += len(picking.backorder_ids)
            line_message = msg.message(msg.BACKORDER_CREATED, names=picking.backorder_ids.mapped("name"))
        report.add_line(picking.id, outcome, line_message)

    @api.model
    def _error_text(self, error):
        if isinstance(error, UserError):
            return error.args[0]
        return "%s: %s" % (type(error).__name__, error)

    @api.model
    def _apply_batch(self, account, items, started_at):
        """Write decisions, then validate and cancel their deliveries in one go each.

        Raises on any error (the caller's savepoint undoes the whole batch).

        :return: ``[(picking, decision, outcome)]``, outcome being 'validated',
            'cancelled', 'waiting', 'failed', 'updated' or 'skipped' (someone validated
            or cancelled the delivery meanwhile)
        """
        outcomes, notes, new_parcels, shipped = [], {}, [], {}
        Picking = self.env["stock.picking"]
        to_validate, to_cancel = Picking, Picking
        for picking, decision in items:
            if picking.state in ("done", "cancel"):
                outcomes.append((picking, decision, "skipped"))
                continue
            new_parcels += picking._shipstation_write_decision(account, decision, started_at)
            notes[picking.id] = list(decision.notes)
            outcome = {WAIT: "waiting", FAIL: "failed"}.get(decision.action, "updated")
            if decision.action == VALIDATE:
                if decision.beyond:
                    _split, lines = picking._shipstation_split_beyond(decision.beyond)
                    notes[picking.id] += lines
                shipped[picking.id] = decision.quantities
                to_validate |= picking
                outcome = "validated"
            elif decision.action == CANCEL:
                to_cancel |= picking
                outcome = "cancelled"
            outcomes.append((picking, decision, outcome))
        if new_parcels:
            self.env["shipstation.shipment"].sudo().create(new_parcels)
        if to_validate:
            to_validate._shipstation_prepare_validation(shipped)
        done = (to_validate and to_validate._shipstation_validate()) or {}
        done.update((to_cancel and to_cancel._shipstation_cancel()) or {})
        for picking_id, lines in done.items():
            notes[picking_id] += lines
        Picking._shipstation_log_notes(notes)
        return outcomes
