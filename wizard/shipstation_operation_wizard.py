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
        string="Shipstation Operation",
        required=True,
        default="import",
    )
    import_operation = fields.Selection(
        [("import_shipment_details", "Import Shipment Details")],
        string="Shipstation Import Operation",
        default="import_shipment_details",
    )
    export_operation = fields.Selection(
        [("export_delivery_orders", "Export Delivery Orders")],
        string="Shipstation Export Operation",
        default="export_delivery_orders",
    )
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft", readonly=True)
    result = fields.Text(readonly=True)
    run_ids = fields.Many2many(
        "shipstation.sync.run", relation="shipstation_operation_wizard_run_rel", string="Runs", readonly=True
    )
    failure_line_ids = fields.Many2many(
        "shipstation.sync.run.line", string="Failures", compute="_compute_failure_line_ids"
    )

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
            reports = self.env["shipstation.sync"]._sync_accounts(self.account_ids)
        elif self.operation == "export" and self.export_operation == "export_delivery_orders":
            reports = self.env["shipstation.export"]._export_accounts(self.account_ids)
        else:
            raise UserError(_("Choose an operation to process."))
        runs = [report.run_id for report in reports if report.run_id]
        self.write({"state": "done", "result": summary_text(reports, self.env.lang), "run_ids": [Command.set(runs)]})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("ShipStation Operations"),
        }
