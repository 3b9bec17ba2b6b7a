from odoo import Command, _, api, fields, models

from ..lib.shipstation import reconcile as rec


class ShipStationReconcileWizard(models.TransientModel):
    """Reconciliation of one account, on demand: the deliveries where Odoo and ShipStation
    disagree, counted by kind, each line with its safe fix when there is one."""

    _name = "shipstation.reconcile.wizard"
    _description = "ShipStation Reconciliation"
    _check_company_auto = True

    account_id = fields.Many2one(
        "shipstation.account", string="Account", required=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="account_id.company_id")
    days = fields.Integer(
        string="Done or Cancelled in the Last (Days)",
        default=30,
        required=True,
        help="Besides the open exported deliveries, those done or cancelled in these last days are compared.",
    )
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft", readonly=True)
    date = fields.Datetime(string="Reconciled On", readonly=True)
    considered_count = fields.Integer(string="Deliveries Compared", readonly=True)
    api_calls = fields.Integer(string="ShipStation API Calls", readonly=True)
    line_ids = fields.One2many("shipstation.reconcile.line", "wizard_id", string="Disagreements", readonly=True)
    fixable_count = fields.Integer(compute="_compute_counts")
    done_not_shipped_count = fields.Integer(compute="_compute_counts")
    done_without_tracking_count = fields.Integer(compute="_compute_counts")
    cancelled_but_shipped_count = fields.Integer(compute="_compute_counts")
    shipped_still_open_count = fields.Integer(compute="_compute_counts")
    missing_count = fields.Integer(compute="_compute_counts")
    tracking_differs_count = fields.Integer(compute="_compute_counts")
    cost_differs_count = fields.Integer(compute="_compute_counts")
    voided_after_done_count = fields.Integer(compute="_compute_counts")
    not_seen_count = fields.Integer(compute="_compute_counts")

    @api.depends("account_id.name")
    def _compute_display_name(self):
        for wizard in self:
            wizard.display_name = _("Reconcile: %s", wizard.account_id.name or "")

    @api.depends("line_ids.kind", "line_ids.fix", "line_ids.state")
    def _compute_counts(self):
        for wizard in self:
            for kind in rec.KINDS:
                wizard["%s_count" % kind] = len(wizard.line_ids.filtered(lambda line, k=kind: line.kind == k))
            wizard.fixable_count = len(wizard.line_ids.filtered(lambda line: line.fix and line.state == "open"))

    def action_reconcile(self):
        """Compare the account's deliveries with ShipStation and list the disagreements."""
        self.ensure_one()
        self.env["shipstation.reconcile"]._check_rights()
        result = self.env["shipstation.reconcile"]._reconcile(self.account_id, self.days)
        self.write(
            {
                "state": "done",
                "date": fields.Datetime.now(),
                "considered_count": len(result["considered"]),
                "api_calls": result["api_calls"],
                "line_ids": [Command.clear()] + [Command.create(self._line_values(f)) for f in result["findings"]],
            }
        )
        return self._action_reopen()

    def _line_values(self, finding):
        return {
            "picking_id": finding.picking_id,
            "kind": finding.kind,
            "odoo_value": finding.odoo_value or False,
            "shipstation_value": finding.shipstation_value or False,
            "fix": finding.fix or False,
        }

    def action_fix_all(self):
        """Apply the safe fix of every line that has one."""
        self.ensure_one()
        self.line_ids.filtered(lambda line: line.fix and line.state == "open")._shipstation_fix()
        return self._action_reopen()

    def action_open_lines(self):
        """Open the lines of one kind (``reconcile_kind`` in the context), or all of them."""
        self.ensure_one()
        kind = self.env.context.get("reconcile_kind")
        domain = [("wizard_id", "=", self.id)] + ([("kind", "=", kind)] if kind else [])
        names = dict(self.env["shipstation.reconcile.line"]._fields["kind"]._description_selection(self.env))
        return {
            "type": "ir.actions.act_window",
            "name": _("%(kind)s: %(account)s", kind=names.get(kind, _("Disagreements")), account=self.account_id.name),
            "res_model": "shipstation.reconcile.line",
            "view_mode": "tree",
            "views": [(self.env.ref("shipstation_connector.shipstation_reconcile_line_view_tree").id, "tree")],
            "domain": domain,
            "context": {"create": False},
            "target": "current",
        }

    def _action_reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Reconcile: %s", self.account_id.name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }
