from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..texts import summary_text


class ShipStationOperationWizard(models.TransientModel):
    """Operations run by hand on one or more ShipStation accounts."""

    _name = "shipstation.operation.wizard"
    _description = "ShipStation Operations"

    account_ids = fields.Many2many(
        "shipstation.account",
        string="Account(s)",
        required=True,
        default=lambda self: self._default_account_ids(),
    )
    operation = fields.Selection(
        [("import", "Import"), ("export", "Export")],
        string="ShipStation Operation",
        required=True,
        default="import",
    )
    import_operation = fields.Selection(
        [("import_shipment_details", "Import Shipment Details")],
        string="ShipStation Import Operation",
        default="import_shipment_details",
    )
    export_operation = fields.Selection(
        [("export_delivery_orders", "Export Delivery Orders")],
        string="ShipStation Export Operation",
        default="export_delivery_orders",
    )
    dry_run = fields.Boolean(
        string="Preview only",
        help="Read ShipStation and show what the sync would do to each delivery, changing nothing at all.",
    )
    read_since = fields.Datetime(
        string="Read again from",
        help="Read what ShipStation holds since this moment instead of since each account's last sync: a "
        "backfill, e.g. for a first sync over old deliveries.",
    )
    preview_line_ids = fields.One2many("shipstation.preview.line", "wizard_id", string="Preview", readonly=True)
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft", readonly=True)
    result = fields.Text(readonly=True)
    run_ids = fields.Many2many(
        "shipstation.sync.run", relation="shipstation_operation_wizard_run_rel", string="Runs", readonly=True
    )
    failure_line_ids = fields.Many2many(
        "shipstation.sync.run.line", string="Failures", compute="_compute_failure_line_ids"
    )

    @api.depends("account_ids.name")
    def _compute_display_name(self):
        for wizard in self:
            wizard.display_name = _("ShipStation Operations: %s", ", ".join(wizard.account_ids.mapped("name")))

    @api.depends("run_ids")
    def _compute_failure_line_ids(self):
        for wizard in self:
            wizard.failure_line_ids = wizard.run_ids.line_ids.filtered(lambda line: line.action == "failed")

    @api.model
    def _default_account_ids(self):
        if self.env.context.get("active_model") == "shipstation.account":
            return self.env.context.get("active_ids") or []
        return []

    def action_process(self):
        """Run the chosen operation on every chosen account, then show what it did: per
        account, its run (counts that open the deliveries concerned, the account's error),
        and the failed deliveries with their reasons."""
        self.ensure_one()
        if self.operation == "import" and self.import_operation == "import_shipment_details":
            if self.dry_run:
                return self._process_preview()
            reports = self.env["shipstation.sync"]._sync_accounts(self.account_ids, since=self.read_since)
        elif self.operation == "export" and self.export_operation == "export_delivery_orders":
            reports = self.env["shipstation.export"]._export_accounts(self.account_ids)
        else:
            raise UserError(_("Choose an operation to process."))
        runs = [report.run_id for report in reports if report.run_id]
        self.write({"state": "done", "result": summary_text(reports, self.env.lang), "run_ids": [Command.set(runs)]})
        return self._reopen()

    def _process_preview(self):
        """Read and plan every account as Process would, and show it, writing nothing."""
        results = self.env["shipstation.sync"]._preview_accounts(self.account_ids, since=self.read_since)
        reports = [report for report, _previews in results]
        lines = [Command.create(values) for _report, previews in results for values in previews]
        text = _("Preview only: nothing was changed.") + "\n" + summary_text(reports, self.env.lang)
        self.write({"state": "done", "result": text, "preview_line_ids": [Command.clear(), *lines]})
        return self._reopen()

    def action_apply_preview(self):
        """Process for real what was previewed (ShipStation is read again: it may have moved)."""
        self.ensure_one()
        self.write({"dry_run": False, "state": "draft", "preview_line_ids": [Command.clear()]})
        return self.action_process()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("ShipStation Operations"),
        }
