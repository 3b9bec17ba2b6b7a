"""The shipment-details sync: one entry point shared by the Operations wizard, the
scheduled action and the internal-transfer trigger.

Per account: gather the in-transit deliveries in one search, ask ShipStation in bulk
for what changed (:mod:`..lib.shipstation.fetch`), let the pure planner decide
(:mod:`..lib.shipstation.planner`), then apply each decision in its own savepoint.
"""

import logging
import threading
import time
from collections import defaultdict
from datetime import timezone

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import config, float_is_zero

from ..lib.shipstation import fetch, planner
from ..lib.shipstation.errors import ShipStationError
from ..lib.shipstation.report import AccountReport

_logger = logging.getLogger(__name__)

PICKING_FIELDS = [
    "name",
    "create_date",
    "carrier_tracking_ref",
    "shipstation_order_id",
    "shipstation_shipping_cost",
    "shipstation_sync_state",
    "shipstation_sync_message",
    "shipstation_order_status",
    "shipstation_survivor_order_id",
    "shipstation_last_sync",
]
PARCEL_FIELDS = [
    "picking_id",
    "kind",
    "shipstation_id",
    "order_id",
    "tracking_number",
    "carrier_code",
    "service_code",
    "ship_date",
    "shipstation_create_date",
    "shipment_cost",
    "insurance_cost",
    "voided",
    "charged",
    "void_date",
    "items",
]
#: First key of the advisory lock that serialises the syncs of one account.
SYNC_LOCK_CLASS = 0x5353
#: A user validating a pick waits on the immediate sync: fail fast rather than wait.
TRIGGER_CLIENT_OPTIONS = {"timeout": (5, 20), "max_retries": 1, "max_wait": 5}
#: Deliveries validated or cancelled together (scheduled runs commit after each chunk).
APPLY_CHUNK = 25
#: ``shipstation_validation`` keeps stock_delivery from sending the delivery to its carrier:
#: ShipStation already bought the label.
VALIDATE_CONTEXT = {"skip_backorder": True, "skip_sms": True, "skip_expired": True, "shipstation_validation": True}


def _int_or_none(value):
    return int(value) if value and str(value).isdigit() else None


def _sku(product_row):
    return product_row["default_code"] or "product-%d" % product_row["id"]


class ShipStationSync(models.AbstractModel):
    _name = "shipstation.sync"
    _description = "ShipStation Shipment Sync"

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------

    @api.model
    def _sync_accounts(self, accounts, scheduled=False):
        """Sync several accounts; one account's failure never stops the others.

        :param accounts: ``shipstation.account`` recordset
        :param bool scheduled: a scheduled run: commit as it goes, and hand what is
            left to its next run when the worker's time limit comes near
        :return: list of :class:`AccountReport`
        """
        reports = []
        deadline = self._deadline(scheduled)
        for account in accounts:
            reports.append(self._sync_account(account, commit=scheduled, deadline=deadline))
            if scheduled and self._can_commit():
                # Each account's work stands on its own: keep it even if a later one fails.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        if any(report.left for report in reports):
            self.env.ref("shipstation_connector.ir_cron_auto_import_shipment_details")._trigger()
        return reports

    @api.model
    def _sync_deliveries_now(self, deliveries):
        """Sync a few deliveries at once, reading their orders by id (pick/pack trigger).

        A user is waiting on this: the client neither waits long for the rate limit nor
        retries much. Never raises: a failure is recorded on the delivery, and the
        caller's validation goes on exactly as it would without the connector.
        """
        for account in deliveries.shipstation_account_id:
            try:
                with self.env.cr.savepoint():
                    self._sync_account(
                        account,
                        deliveries.filtered_domain([("shipstation_account_id", "=", account.id)]),
                        client_options=TRIGGER_CLIENT_OPTIONS,
                    )
            except Exception:  # pylint: disable=broad-except
                _logger.exception("ShipStation: immediate sync of %s failed", deliveries.mapped("name"))

    @api.model
    def _can_commit(self):
        return not getattr(threading.current_thread(), "testing", False)

    @api.model
    def _deadline(self, scheduled):
        """When a run stops applying and leaves the rest to the next one.

        70 % of the worker's real-time limit (for crons, or for the request running
        the wizard), past which a multi-worker server kills the job and rolls it all
        back; for scheduled runs the system parameter
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
        return time.monotonic() + 0.7 * limit if limit > 0 else None

    # ------------------------------------------------------------------
    # One account
    # ------------------------------------------------------------------

    @api.model
    def _sync_account(self, account, pickings=None, client_options=None, commit=False, deadline=None):
        """Sync one account's in-transit deliveries (all, or the given ones by id).

        :param account: one ``shipstation.account``
        :param pickings: restrict to these deliveries and read their orders by id
        :param dict client_options: options of the API client (timeouts, retries)
        :param bool commit: commit every few deliveries (scheduled runs)
        :param float deadline: ``time.monotonic()`` value past which the rest is left
            to the next run (the account's watermark then stays where it was)
        :return: :class:`AccountReport`
        """
        started = time.monotonic()
        started_at = fields.Datetime.now()
        account_sudo = account.sudo()
        report = AccountReport(account=account_sudo.name)
        if not self._lock_account(account_sudo):
            report.error = _("a sync of this account is already running; try again when it is done.")
            return report
        targets = self._targets(account_sudo, pickings)
        client = None
        try:
            client = account_sudo._get_shipstation_client(**(client_options or {}))
            snapshots, fetch_targets = self._snapshots(targets)
            if pickings is None:
                since = account_sudo.sync_since and account_sudo.sync_since.replace(tzinfo=timezone.utc)
                facts = fetch.fetch_changes(client, fetch_targets, since)
            else:
                facts = fetch.fetch_orders(client, fetch_targets)
        except (ShipStationError, UserError) as error:
            report.error = getattr(error, "message", None) or str(error)
            report.api_calls = client.call_count if client else 0
            _logger.warning("ShipStation sync of account %s failed: %s", account_sudo.name, report.error)
            if pickings is None:
                self._record_account_result(account_sudo, report)
            return report
        finally:
            if client:
                client.close()
        report.api_calls = client.call_count
        self._add_consumption(account_sudo, facts, {snap.order_id for snap in snapshots if snap.order_id})
        decisions = planner.plan(snapshots, facts)
        self._apply_all(account_sudo, targets, decisions, report, started_at, commit, deadline)
        report.seconds = time.monotonic() - started
        if pickings is None:
            self._record_account_result(account_sudo, report, started_at)
        return report

    @api.model
    def _record_account_result(self, account, report, started_at=None):
        """Remember the run on the account; a complete run moves the watermark.

        An account-level failure is posted on the account's chatter once, not at
        every run that meets the same failure.
        """
        values = {"last_sync_date": fields.Datetime.now(), "last_sync_summary": report.text()}
        if started_at and not report.left:
            values["sync_since"] = started_at
        if report.error and account.last_sync_summary != values["last_sync_summary"]:
            account.message_post(body=_("Shipment sync failed: %s", report.error))
        account.write(values)

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
    # Gathering (a fixed number of queries, whatever the number of deliveries)
    # ------------------------------------------------------------------

    @api.model
    def _snapshots(self, pickings):
        """Plain snapshots of the deliveries for the planner, and targets for the fetcher."""
        rows = pickings.read(PICKING_FIELDS)
        moves = self.env["stock.move"].search_read(
            [("picking_id", "in", pickings.ids), ("state", "not in", ("done", "cancel"))],
            ["picking_id", "product_id", "product_qty", "product_uom_qty", "quantity"],
        )
        products = (
            self.env["product.product"].with_context(active_test=False).browse({m["product_id"][0] for m in moves})
        )
        sku_of = {p["id"]: _sku(p) for p in products.read(["default_code"])}
        demand, reserved = defaultdict(lambda: defaultdict(float)), defaultdict(lambda: defaultdict(float))
        for move in moves:
            ratio = move["product_qty"] / move["product_uom_qty"] if move["product_uom_qty"] else 1.0
            sku = sku_of[move["product_id"][0]]
            demand[move["picking_id"][0]][sku] += move["product_qty"]
            reserved[move["picking_id"][0]][sku] += move["quantity"] * ratio
        parcels, costs = defaultdict(list), defaultdict(float)
        Parcel = self.env["shipstation.shipment"]
        for row in Parcel.sudo().search_read([("picking_id", "in", pickings.ids)], PARCEL_FIELDS):
            parcels[row["picking_id"][0]].append(Parcel._parcel_from_values(row))
            if row["charged"] and not row["voided"]:
                # In the account's currency, as the planner computes it.
                costs[row["picking_id"][0]] += row["shipment_cost"]
        snapshots, targets = [], []
        for row in rows:
            order_id = _int_or_none(row["shipstation_order_id"])
            survivor_id = _int_or_none(row["shipstation_survivor_order_id"])
            snapshots.append(
                planner.PickingSnapshot(
                    id=row["id"],
                    name=row["name"],
                    order_id=order_id,
                    reserved=dict(reserved[row["id"]]),
                    demand=dict(demand[row["id"]]),
                    tracking_ref=row["carrier_tracking_ref"] or "",
                    cost=round(costs[row["id"]], 2),
                    parcels=tuple(parcels[row["id"]]),
                    survivor_id=survivor_id,
                    order_status=row["shipstation_order_status"] or "",
                    sync_state=row["shipstation_sync_state"] or "",
                    sync_message=row["shipstation_sync_message"] or "",
                )
            )
            targets.append(
                fetch.Target(
                    order_id=order_id,
                    order_number=row["name"],
                    create_date=row["create_date"].replace(tzinfo=timezone.utc),
                    known=bool(row["shipstation_last_sync"]) or row["shipstation_sync_state"] == "failed",
                    survivor_id=survivor_id,
                    failed=row["shipstation_sync_state"] == "failed",
                )
            )
        return snapshots, targets

    @api.model
    def _add_consumption(self, account, facts, order_ids):
        """Tell the planner which parcels deliveries already hold, and whose.

        Covers the parcels fetched in this run and every parcel recorded for the
        targets' orders (a backorder must know what its source delivery holds even
        when ShipStation sent nothing new about it). One query, plus one for the
        holders' orders.
        """
        fetched = list({key[1] for key in facts.parcels})
        rows = (
            self.env["shipstation.shipment"]
            .sudo()
            .search_read(
                [
                    ("account_id", "=", account.id),
                    "|",
                    ("shipstation_id", "in", fetched),
                    ("picking_id.shipstation_order_id", "in", [str(oid) for oid in order_ids]),
                ],
                ["picking_id", "kind", "shipstation_id", "voided"],
            )
        )
        for row in rows:
            key = (row["kind"], row["shipstation_id"])
            facts.consumed_by.setdefault(key, set()).add(row["picking_id"][0])
            facts.recorded_voided[key] = row["voided"]
        holders = self.env["stock.picking"].sudo().browse({row["picking_id"][0] for row in rows})
        for row in holders.read(["shipstation_order_id"]):
            facts.family[row["id"]] = _int_or_none(row["shipstation_order_id"])

    # ------------------------------------------------------------------
    # Applying decisions
    # ------------------------------------------------------------------

    @api.model
    def _apply_all(self, account, pickings, decisions, report, started_at, commit=False, deadline=None):
        """Apply every decision and count what happened.

        Decisions that only update the sync fields are written in grouped writes. The
        others go in chunks, each in a savepoint with one validation and one
        cancellation for the chunk; when a chunk fails, its deliveries are applied
        again one by one, each in its own savepoint, so only the culprit fails.
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
        unread = set()
        for start in range(0, len(heavy), APPLY_CHUNK):
            chunk = [(by_id[d.picking_id], d) for d in heavy[start : start + APPLY_CHUNK]]
            unread |= self._apply_chunk(account, chunk, report, started_at)
            done = start + len(chunk)
            if done == len(heavy):
                break
            out_of_time = deadline is not None and time.monotonic() > deadline
            if out_of_time or (commit and not self._commit_and_relock(account)):
                report.left = len(heavy) - done
                unread |= {d.picking_id for d in heavy[done:]}
                break
        seen = [d.picking_id for d in decisions if d.seen and d.picking_id not in unread]
        if seen:
            self.env["stock.picking"].browse(seen).write({"shipstation_last_sync": started_at})

    @api.model
    def _commit_and_relock(self, account):
        """Commit a scheduled run's progress; False when another sync took the account."""
        if not self._can_commit():
            return True
        self.env.cr.commit()  # pylint: disable=invalid-commit
        return self._lock_account(account)

    @api.model
    def _is_quick(self, decision):
        """Whether the decision only changes the delivery's sync fields."""
        return (
            decision.action in (planner.REFRESH, planner.WAIT, planner.FAIL)
            and not decision.notes
            and not decision.parcels_changed
        )

    @api.model
    def _apply_quick(self, by_id, decisions, report, started_at):
        """Write sync-field-only decisions, one write per distinct set of values."""
        groups = defaultdict(list)
        for decision in decisions:
            picking = by_id[decision.picking_id]
            vals = self._decision_values(picking, decision, started_at)
            groups[tuple(sorted(vals.items()))].append(picking.id)
        for vals, ids in groups.items():
            self.env["stock.picking"].browse(ids).write(dict(vals))
        for decision in decisions:
            report.updated += 1
            if decision.action in (planner.WAIT, planner.FAIL):
                outcome = "waiting" if decision.action == planner.WAIT else "failed"
                setattr(report, outcome, getattr(report, outcome) + 1)
                if outcome == "failed":
                    report.failures.append((by_id[decision.picking_id].name, decision.message))

    @api.model
    def _apply_chunk(self, account, chunk, report, started_at):
        """Apply a chunk of decisions; return the ids of deliveries that failed."""
        try:
            with self.env.cr.savepoint():
                outcomes = self._apply_batch(account, chunk, started_at)
        except Exception as error:  # pylint: disable=broad-except
            if len(chunk) == 1:
                return self._apply_chunk_failed(chunk[0][0], error, report)
            failed = set()
            for item in chunk:
                failed |= self._apply_chunk(account, [item], report, started_at)
            return failed
        for picking, decision, outcome in outcomes:
            self._count(report, picking, decision, outcome)
        return set()

    @api.model
    def _apply_chunk_failed(self, picking, error, report):
        # The savepoint undid this delivery's writes; record why, then go on.
        _logger.exception("ShipStation sync of %s failed", picking.name)
        self._record_failure(picking, self._error_text(error))
        report.failed += 1
        report.failures.append((picking.name, self._error_text(error)))
        return {picking.id}

    @api.model
    def _count(self, report, picking, decision, outcome):
        if outcome == "skipped":
            return
        report.updated += 1
        if outcome in ("validated", "cancelled", "waiting", "failed"):
            setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome == "failed":
            report.failures.append((picking.name, decision.message))
        if outcome == "validated":
            report.backorders += len(picking.backorder_ids)

    @api.model
    def _error_text(self, error):
        if isinstance(error, UserError):
            return error.args[0]
        return "%s: %s" % (type(error).__name__, error)

    @api.model
    def _record_failure(self, picking, message):
        text = _("ShipStation sync failed: %s", message)
        if picking.shipstation_sync_state != "failed" or picking.shipstation_sync_message != text:
            picking.write({"shipstation_sync_state": "failed", "shipstation_sync_message": text})
            picking._message_log(body=text)

    @api.model
    def _decision_values(self, picking, decision, started_at):
        """Field values a decision writes on its delivery (tracking and cost aside)."""
        vals = {
            "shipstation_sync_state": decision.state,
            "shipstation_sync_message": decision.message if decision.state != "synced" else False,
        }
        if decision.seen:
            # Before validating, so a backorder inherits it and counts as read.
            vals["shipstation_last_sync"] = started_at
        if decision.order_id and not picking.shipstation_order_id:
            vals["shipstation_order_id"] = str(decision.order_id)
        if decision.action != planner.FAIL:
            vals["shipstation_order_status"] = decision.order_status or False
            vals["shipstation_survivor_order_id"] = str(decision.survivor_id) if decision.survivor_id else False
        return vals

    @api.model
    def _apply_batch(self, account, items, started_at):
        """Write decisions, then validate and cancel their deliveries in one go each.

        Raises on any error (the caller's savepoint undoes the whole batch).

        :return: ``[(picking, decision, outcome)]``, outcome being 'validated',
            'cancelled', 'waiting', 'failed', 'updated' or 'skipped' (someone validated
            or cancelled the delivery meanwhile)
        """
        outcomes, notes, new_parcels = [], {}, []
        to_validate, to_cancel = self.env["stock.picking"], self.env["stock.picking"]
        for picking, decision in items:
            if picking.state in ("done", "cancel"):
                outcomes.append((picking, decision, "skipped"))
                continue
            new_parcels += self._write_decision(account, picking, decision, started_at)
            notes[picking.id] = list(decision.notes)
            outcome = {"wait": "waiting", "fail": "failed"}.get(decision.action, "updated")
            if decision.action == planner.VALIDATE:
                self._prepare_validation(picking, decision.quantities)
                to_validate |= picking
                outcome = "validated"
            elif decision.action == planner.CANCEL:
                to_cancel |= picking
                outcome = "cancelled"
            outcomes.append((picking, decision, outcome))
        if new_parcels:
            self.env["shipstation.shipment"].sudo().create(new_parcels)
        if to_validate:
            for picking_id, lines in self._validate(to_validate).items():
                notes[picking_id] += lines
        if to_cancel:
            for picking_id, lines in self._cancel(to_cancel).items():
                notes[picking_id] += lines
        bodies = {pid: Markup("<br/>").join(escape(line) for line in lines) for pid, lines in notes.items() if lines}
        if bodies:
            self.env["stock.picking"].browse(list(bodies))._message_log_batch(bodies)
        return outcomes

    @api.model
    def _write_decision(self, account, picking, decision, started_at):
        vals = self._decision_values(picking, decision, started_at)
        if decision.action != planner.FAIL:
            vals["shipstation_shipping_cost"] = self._convert_cost(account, picking, decision.cost)
            if (picking.carrier_tracking_ref or False) != (decision.tracking_ref or False):
                # Written before any validation: stock_delivery then leaves the carrier alone.
                vals["carrier_tracking_ref"] = decision.tracking_ref or False
        picking.write(vals)
        new_parcels = self._write_parcels(account, picking, decision)
        if "carrier_tracking_ref" in vals:
            picking._shipstation_chained_pickings().filtered(
                lambda p: p.picking_type_code == "internal" and p.state != "cancel"
            ).write({"carrier_tracking_ref": vals["carrier_tracking_ref"]})
        return new_parcels

    @api.model
    def _cancel(self, pickings):
        """Cancel the deliveries, and the pick/pack transfers that only feed them.

        :return: ``{picking id: chatter lines}``
        """
        notes, upstream_of = {}, {}
        for picking in pickings:
            # Found before cancelling: cancelling a move cuts its link to the previous step.
            upstream_of[picking.id] = picking._shipstation_chained_pickings().filtered(
                lambda p, out=picking: p.picking_type_code == "internal"
                and p.state not in ("done", "cancel")
                and not (p.move_ids.move_dest_ids.picking_id - out)
            )
        upstream = self.env["stock.picking"].union(*upstream_of.values())
        (pickings | upstream).action_cancel()
        for picking in pickings:
            notes[picking.id] = [_("Cancelled: the order was cancelled in ShipStation.")]
            if upstream_of[picking.id]:
                notes[picking.id].append(
                    _(
                        "Also cancelled, as they only fed this delivery: %s",
                        ", ".join(upstream_of[picking.id].mapped("name")),
                    )
                )
        return notes

    @api.model
    def _convert_cost(self, account, picking, cost):
        company = picking.company_id
        if account.currency_id == company.currency_id:
            return cost
        return account.currency_id._convert(cost, company.currency_id, company, fields.Date.context_today(picking))

    @api.model
    def _write_parcels(self, account, picking, decision):
        """Update the delivery's recorded parcels; return the values of the new ones.

        The caller creates the new parcels of a whole chunk in one go.
        """
        Parcel = self.env["shipstation.shipment"]
        # Read through the delivery: one query for the parcels of every delivery of the run.
        existing = {(r.kind, r.shipstation_id): r for r in picking.sudo().shipstation_shipment_ids}
        new = []
        for parcel in decision.parcels:
            vals = Parcel._values_from_parcel(parcel)
            vals["charged"] = parcel.key in decision.charged
            record = existing.get(parcel.key)
            if record is None:
                new.append(dict(vals, picking_id=picking.id, account_id=account.id))
            elif record.voided != parcel.voided or record.charged != vals["charged"]:
                record.write(vals)
        return new

    @api.model
    def _prepare_validation(self, picking, quantities):
        """Set the quantities to ship: the shipped ones, or what is reserved.

        Shipped quantities are taken from what each move has reserved, so stock is
        never forced out of a location that does not hold it (the planner only
        validates when the reservations cover what shipped).

        :param dict quantities: ``{sku: qty in product UoM}``, or None to ship what is reserved
        :raises UserError: when nothing is reserved
        """
        moves = picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        if quantities is not None:
            left = dict(quantities)
            for move in moves:
                sku = _sku({"id": move.product_id.id, "default_code": move.product_id.default_code})
                to_product = move.product_qty / move.product_uom_qty if move.product_uom_qty else 1.0
                qty = min(left.get(sku, 0.0), move.quantity * to_product)
                left[sku] = left.get(sku, 0.0) - qty
                move.quantity = qty / to_product
                move.picked = not float_is_zero(qty, precision_rounding=move.product_uom.rounding)
        else:
            moves.filtered(lambda m: m.quantity).picked = True
        if not any(moves.mapped("picked")):
            raise UserError(_("Nothing reserved to ship: check the stock of %s.", picking.name))

    @api.model
    def _validate(self, pickings):
        """Validate deliveries whose quantities are set; the rest goes to backorders.

        :return: ``{picking id: chatter lines}``
        :raises UserError: when Odoo did not validate one of them
        """
        pickings.with_context(**VALIDATE_CONTEXT).button_validate()
        notes = {}
        for picking in pickings:
            if picking.state != "done":
                raise UserError(
                    _("Odoo did not validate %(name)s (it is %(state)s).", name=picking.name, state=picking.state)
                )
            notes[picking.id] = [_("Validated: shipped in ShipStation.")]
            backorders = picking.backorder_ids
            if backorders:
                # What the next sync will find for them, so it has nothing to change.
                backorders.write(
                    {"shipstation_sync_state": "waiting", "shipstation_sync_message": planner.BACKORDER_WAITING}
                )
                notes[picking.id].append(
                    _(
                        "Backorder %s created for the items ShipStation has not shipped.",
                        ", ".join(backorders.mapped("name")),
                    )
                )
        return notes
