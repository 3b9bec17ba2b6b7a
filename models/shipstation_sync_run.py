"""The run history: one record per sync or export run of one account."""

import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import format_datetime

from ..const import PARAM_RUN_RETENTION_DAYS
from ..texts import render, report_text
from ..utils import get_param

_logger = logging.getLogger(__name__)

#: Counters of a report copied as they are onto the run.
RUN_COUNTERS = ("api_calls", "checked", "updated", "validated", "backorders", "cancelled", "waiting", "failed")


class ShipStationSyncRun(models.Model):
    """What one sync or export of one account did: who or what started it, how long it
    took, its ShipStation API calls, its counts, the account-level error, and one line
    per delivery it changed or failed."""

    _name = "shipstation.sync.run"
    _description = "ShipStation Run"
    _order = "date_start desc, id desc"

    account_id = fields.Many2one(
        "shipstation.account", string="Account", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True, index=True)
    operation = fields.Selection(
        [("import", "Import Shipment Details"), ("export", "Export Delivery Orders")],
        required=True,
        default="import",
        readonly=True,
    )
    trigger = fields.Selection(
        [
            ("manual", "Operations (by hand)"),
            ("scheduled", "Scheduled action"),
            ("transfer", "Pick/pack validated"),
            ("webhook", "ShipStation webhook"),
        ],
        string="Started By",
        required=True,
        default="manual",
        readonly=True,
    )
    user_id = fields.Many2one("res.users", string="User", readonly=True, default=lambda self: self.env.user)
    date_start = fields.Datetime(string="Started", required=True, index=True, readonly=True)
    duration = fields.Float(string="Duration (s)", digits=(16, 2), readonly=True)
    api_calls = fields.Integer(string="API Calls", readonly=True)
    checked = fields.Integer(readonly=True, help="Deliveries the run read from ShipStation (or tried to export).")
    updated = fields.Integer(readonly=True, help="Deliveries the run changed.")
    validated = fields.Integer(readonly=True)
    backorders = fields.Integer(readonly=True, help="Backorders made for the items ShipStation has not shipped.")
    cancelled = fields.Integer(readonly=True)
    waiting = fields.Integer(readonly=True)
    failed = fields.Integer(readonly=True)
    exported = fields.Integer(readonly=True)
    left = fields.Integer(readonly=True, help="Deliveries left for the next run (the run ran out of time).")
    error = fields.Text(readonly=True, help="Why the account could not be processed at all.")
    summary = fields.Text(readonly=True)
    state = fields.Selection(
        [("ok", "Done"), ("partial", "With failures"), ("failed", "Failed")],
        compute="_compute_state",
        store=True,
    )
    line_ids = fields.One2many("shipstation.sync.run.line", "run_id", string="Deliveries", readonly=True)
    line_count = fields.Integer(compute="_compute_line_count")

    @api.depends("error", "failed")
    def _compute_state(self):
        for run in self:
            run.state = "failed" if run.error else "partial" if run.failed else "ok"

    def _compute_line_count(self):
        groups = self.env["shipstation.sync.run.line"]._read_group(
            [("run_id", "in", self.ids)], ["run_id"], ["__count"]
        )
        counts = {run.id: count for run, count in groups}
        for run in self:
            run.line_count = counts.get(run.id, 0)

    @api.depends("account_id", "date_start")
    def _compute_display_name(self):
        for run in self:
            when = format_datetime(self.env, run.date_start) if run.date_start else ""
            run.display_name = "%s, %s" % (run.account_id.name or "", when)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_lines(self):
        """Open every delivery the run changed or failed."""
        return self._action_open_deliveries(self.line_ids.picking_id, _("Changed by the run"))

    def action_open_validated(self):
        return self._action_open_action("validated", _("Validated by the run"))

    def action_open_backorders(self):
        """Open the backorders made when the run validated its deliveries."""
        validated = self.line_ids.filtered(lambda line: line.action == "validated").picking_id
        return self._action_open_deliveries(validated.backorder_ids, _("Backorders of the run"))

    def action_open_cancelled(self):
        return self._action_open_action("cancelled", _("Cancelled by the run"))

    def action_open_waiting(self):
        return self._action_open_action("waiting", _("Waiting after the run"))

    def action_open_failed(self):
        return self._action_open_action("failed", _("Failed in the run"))

    def action_open_exported(self):
        return self._action_open_action("exported", _("Exported by the run"))

    def action_open_run(self):
        """Open this run's own form."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
            "name": self.display_name,
        }

    def _action_open_action(self, action, name):
        pickings = self.line_ids.filtered(lambda line, a=action: line.action == a).picking_id
        return self._action_open_deliveries(pickings, name)

    def _action_open_deliveries(self, pickings, name):
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.action_picking_tree_all")
        action.update(name=name, domain=[("id", "in", pickings.ids)], context={"create": False})
        return action

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _shipstation_record(self, account, report, trigger, date_start, operation):
        """Keep ``report`` as a run (:meth:`_shipstation_create_from_report`) in a savepoint
        of its own, and note its id on the report: a run never fails because of its history.

        :return: the new run, or an empty recordset when it could not be written
        """
        try:
            with self.env.cr.savepoint():
                run = self.sudo()._shipstation_create_from_report(account, report, trigger, date_start, operation)
        except Exception:  # pylint: disable=broad-except
            _logger.exception("ShipStation: could not record the run of account %s", account.sudo().name)
            return self.browse()
        report.run_id = run.id
        return run

    @api.model
    def _shipstation_create_from_report(self, account, report, trigger, date_start, operation):
        """Keep ``report`` (an :class:`~..lib.shipstation.report.Report`) as a run with its lines.

        Its texts (the error, each line's message, the summary) are written in the
        language of this environment, the company's during a run.

        :return: the new run
        """
        lang = self.env.lang
        values = {
            "account_id": account.id,
            "operation": operation,
            "trigger": trigger,
            "user_id": self.env.uid,
            "date_start": date_start,
            "duration": report.seconds,
            "error": render(report.error, lang) or False,
            "summary": report_text(report, lang),
            **{name: getattr(report, name, 0) for name in RUN_COUNTERS + ("exported", "left")},
        }
        run = self.create(values)
        if report.lines:
            self.env["shipstation.sync.run.line"].create(
                [
                    {
                        "run_id": run.id,
                        "picking_id": picking_id,
                        "action": action,
                        "message": render(message, lang) or False,
                    }
                    for picking_id, action, message in report.lines
                ]
            )
        return run

    @api.autovacuum
    def _gc_old_runs(self):
        """Delete the runs older than the retention (system parameter
        ``shipstation_connector.run_retention_days``, 90 days by default; 0 keeps them all)."""
        days = get_param(self.env, PARAM_RUN_RETENTION_DAYS)
        if days <= 0:
            return
        limit = fields.Datetime.now() - timedelta(days=days)
        old = self.sudo().search([("date_start", "<", limit)])
        _logger.info("ShipStation: deleting %d runs older than %d days", len(old), days)
        old.unlink()
