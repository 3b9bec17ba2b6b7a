"""Applying a sync's decisions: in grouped writes when they only touch the sync's own
fields, else in chunks of one kind, each in a savepoint, a failing chunk applied again in
halves down to the delivery that fails alone. The deliveries do the writing
(``stock.picking._shipstation_apply_decisions``)."""

import logging
import random
import time
from collections import defaultdict

from psycopg2 import OperationalError

from odoo import api, models
from odoo.exceptions import UserError, ValidationError

from ..lib.shipstation import messages as msg
from ..lib.shipstation.values import CANCEL, FAIL, REFRESH, VALIDATE, WAIT

#: The sync's one logger, whichever of its files logs.
_logger = logging.getLogger(__package__ + ".shipstation_sync")

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


class ShipStationSync(models.AbstractModel):
    # One concern of the model a file (none over 400 lines); the registry merges the classes.
    _inherit = "shipstation.sync"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # APPLYING DECISIONS
    # ------------------------------------------------------------

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
        self.env["stock.picking"].browse(seen)._shipstation_mark_read(started_at)

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
    def _is_quick(self, decision):
        """Whether the decision only changes the delivery's sync fields."""
        return decision.action in (REFRESH, WAIT, FAIL) and not decision.notes and not decision.parcels_changed

    @api.model
    def _apply_quick(self, by_id, decisions, report, started_at):
        """Write sync-field-only decisions, one write per distinct set of values."""
        self.env["stock.picking"]._shipstation_apply_quick(
            [(by_id[decision.picking_id], decision) for decision in decisions], started_at
        )
        for decision in decisions:
            report.updated += 1
            outcome = {WAIT: "waiting", FAIL: "failed"}.get(decision.action, "updated")
            report.add_line(decision.picking_id, outcome, decision.message if outcome != "updated" else None)
            if outcome != "updated":
                setattr(report, outcome, getattr(report, outcome) + 1)
                if outcome == "failed":
                    report.failures.append((by_id[decision.picking_id].name, decision.message))

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
        if isinstance(error, (UserError, ValidationError)):  # a business refusal: the message says it all
            _logger.warning("ShipStation sync of %s failed: %s", picking.name, self._error_text(error))
        else:
            _logger.exception("ShipStation sync of %s failed", picking.name)
        message, unkept = self._shipstation_failed_validation(decision, error)
        message = picking._shipstation_record_read_failure(account, decision, message, started_at, unkept=unkept)
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
        return self.env["stock.picking"]._shipstation_apply_decisions(account, items, started_at)
