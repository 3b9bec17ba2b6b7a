"""Export delivery orders to ShipStation (bulk, idempotent), for the Operations
wizard, the "Export to ShipStation" button and the scheduled action."""

import logging
import time

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.shipstation import messages as msg
from ..lib.shipstation.client import CREATE_ORDERS_BATCH
from ..lib.shipstation.errors import TRANSIENT_ERRORS, BadRequestError, ShipStationError
from ..lib.shipstation.report import ExportReport
from ..texts import report_text

_logger = logging.getLogger(__name__)

EXPORTABLE_STATES = ("waiting", "confirmed", "assigned")


class ShipStationExport(models.AbstractModel):
    _name = "shipstation.export"
    _inherit = "shipstation.run.service"
    _description = "ShipStation Delivery Export"

    # ------------------------------------------------------------
    # ENTRY POINTS
    # ------------------------------------------------------------

    @api.model
    def _cron_export_delivery_orders(self):
        """Scheduled action: export the deliveries of every active account whose Auto Export
        toggle is on; with queue_job, one job per account, as for the import."""
        accounts = self.env["shipstation.account"].search([("auto_export_delivery_orders", "=", True)])
        jobs = self.env["shipstation.job"]
        if jobs._shipstation_queue_enabled():
            jobs._enqueue_export(accounts, "scheduled")
            return
        self._export_accounts(accounts, commit=True)

    @api.model
    def _export_accounts(self, accounts, commit=False, trigger=None):
        """Export every account's deliveries that are ready or waiting and not exported yet.

        Each account's run is kept in the run history (``shipstation.sync.run``).

        :param bool commit: commit each batch ShipStation has (scheduled runs)
        :param str trigger: what started the run, as the history says it; by default
            ``scheduled`` when committing, else ``manual``
        :return: list of :class:`ExportReport`
        """
        trigger = self._trigger_of(trigger, commit)
        return self._run_accounts(accounts, commit, lambda account: self._export_guarded(account, commit, trigger))

    @api.model
    def _export_guarded(self, account, commit, trigger="manual"):
        """Export one account; an unexpected exception is that account's alone.

        Undone by a savepoint, or, when the export commits each batch (a savepoint cannot
        outlive a commit), by rolling back to the last commit; the run is then kept with
        the error.
        """

        def on_error(error):
            _logger.exception("ShipStation export of account %s failed unexpectedly", account.sudo().name)
            report = ExportReport(account=account.sudo().name)
            report.error = msg.message(msg.ACCOUNT_UNEXPECTED, error="%s: %s" % (type(error).__name__, error))
            return report

        return self._run_guarded(
            account,
            commit and self._can_commit(),
            lambda: self._export(account, self._candidates(account), commit=commit, trigger=trigger),
            on_error,
            (trigger, "export"),
        )

    @api.model
    def _export_pickings(self, pickings):
        """Export these deliveries now, each to its account; a notification says how it went.

        Each delivery goes to its ShipStation account, or to its company's account (the
        one of its warehouse first).
        """
        reports = [self._export(account, group) for account, group in self._group_by_account(pickings).items()]
        failed = sum(report.failed for report in reports) + sum(1 for report in reports if report.error)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Export to ShipStation"),
                "message": "\n".join(report_text(report, self.env.lang) for report in reports),
                "type": "warning" if failed else "success",
                "sticky": bool(failed),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _group_by_account(self, pickings):
        """``{account: deliveries}``: each delivery's account, or its warehouse's, or its company's."""
        accounts = self.env["shipstation.account"].search([("company_id", "in", pickings.company_id.ids)])
        groups = {}
        for picking in pickings:
            account = picking.shipstation_account_id
            if not account:
                candidates = accounts.filtered(lambda a, c=picking.company_id: a.company_id == c)
                warehouse = picking.picking_type_id.warehouse_id
                account = (
                    candidates.filtered(lambda a, w=warehouse: a.warehouse_id == w)[:1]
                    or candidates.filtered(lambda a: not a.warehouse_id)[:1]
                )
            if not account:
                raise UserError(_("No ShipStation account for the company of %s.", picking.name))
            groups[account] = groups.get(account, pickings.browse()) | picking
        return groups

    # ------------------------------------------------------------
    # ONE ACCOUNT
    # ------------------------------------------------------------

    @api.model
    def _candidates(self, account):
        domain = [
            ("picking_type_code", "=", "outgoing"),
            ("state", "in", EXPORTABLE_STATES),
            ("company_id", "=", account.company_id.id),
            ("is_exported_to_shipstation", "=", False),
            "|",
            ("shipstation_account_id", "=", False),
            ("shipstation_account_id", "=", account.id),
        ]
        if account.warehouse_id:
            domain.append(("picking_type_id.warehouse_id", "=", account.warehouse_id.id))
        else:
            # Warehouses with an account of their own are that account's business.
            dedicated = self.env["shipstation.account"].search(
                [("company_id", "=", account.company_id.id), ("warehouse_id", "!=", False)]
            )
            if dedicated:
                domain.append(("picking_type_id.warehouse_id", "not in", dedicated.warehouse_id.ids))
        return self.env["stock.picking"].search(domain, order="id")

    @api.model
    def _export(self, account, pickings, commit=False, trigger="manual"):
        """Send ``pickings`` to ``account`` in batches of ShipStation's maximum size, and
        keep the run in the run history.

        A delivery that cannot be exported is marked failed with what to fix; the
        others still go. The order key is stable, so a retry updates, never duplicates.
        With ``commit`` (scheduled runs), each batch is committed once ShipStation has
        it, so Odoo never forgets an order ShipStation created.

        :return: :class:`ExportReport`
        """
        started, started_at = time.monotonic(), fields.Datetime.now()
        # What the export stores is written in the company's language, whoever runs it.
        self = self.with_context(lang=account._company_lang())  # noqa: PLW0642
        account_sudo = account.with_env(self.env).sudo()
        report = ExportReport(account=account_sudo.name, checked=len(pickings))
        self._send_all(account_sudo, pickings.with_env(self.env), report, commit)
        report.seconds = time.monotonic() - started
        self.env["shipstation.sync.run"]._shipstation_record(account_sudo, report, trigger, started_at, "export")
        return report

    @api.model
    def _send_all(self, account_sudo, pickings, report, commit):
        """Check every delivery, then send the exportable ones in batches."""
        payloads = {}
        for picking in pickings:
            problem = self._check(picking)
            if problem is not None:
                self._mark_failed(picking, problem, report)
            else:
                payloads[picking] = self._prepare_order(account_sudo, picking)
                if account_sudo.api_version == "v2":
                    # v2 shipments name where they leave from: the delivery's warehouse.
                    warehouse = picking.picking_type_id.warehouse_id.partner_id or picking.company_id.partner_id
                    payloads[picking]["shipFrom"] = self._address(warehouse)
        if payloads:
            try:
                client = account_sudo._get_shipstation_client()
            except UserError as error:
                report.error = msg.message(msg.ACCOUNT_ERROR, error=error.args[0])
                return
            with client:
                items = list(payloads.items())
                for start in range(0, len(items), CREATE_ORDERS_BATCH):
                    self._send_batch(account_sudo, client, items[start : start + CREATE_ORDERS_BATCH], report)
                    if commit:
                        self._commit()
            report.api_calls = client.call_count

    @api.model
    def _send_batch(self, account, client, batch, report):
        try:
            results = client.create_orders([payload for _picking, payload in batch])
        except ShipStationError as error:
            if isinstance(error, BadRequestError) and len(batch) > 1:
                # One order ShipStation finds invalid refuses the whole body: send them one by one.
                for item in batch:
                    self._send_batch(account, client, [item], report)
                return
            _logger.warning("ShipStation export to %s failed: %s", account.name, error)
            if isinstance(error, TRANSIENT_ERRORS):
                report.transient, report.retry_after = True, error.retry_after
            for picking, _payload in batch:
                self._mark_failed(picking, msg.message(msg.EXPORT_BATCH_REFUSED, error=error.message), report)
            return
        by_key = {result.get("orderKey"): result for result in results}
        for picking, payload in batch:
            result = by_key.get(payload["orderKey"]) or {}
            if result.get("success") and result.get("orderId"):
                self._mark_exported(account, picking, result, report)
            else:
                reason = result.get("errorMessage")
                refusal = msg.message(msg.EXPORT_ORDER_REFUSED, error=reason) if reason else None
                self._mark_failed(picking, refusal or msg.message(msg.EXPORT_NO_RESULT), report)

    @api.model
    def _mark_exported(self, account, picking, result, report):
        picking._shipstation_mark_exported(account, result["orderId"])
        report.exported += 1
        report.add_line(picking.id, "exported")

    @api.model
    def _mark_failed(self, picking, message, report):
        """Mark ``picking`` failed with ``message`` (a Message); post it once, not at every run."""
        report.failed += 1
        report.failures.append((picking.name, message))
        report.add_line(picking.id, "failed", message)
        picking._shipstation_mark_export_failed(message)
