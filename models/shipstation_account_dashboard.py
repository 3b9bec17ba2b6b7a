"""The account's kanban card (the dashboard): its last run, its deliveries in transit, its
chart, and the actions its buttons open."""

import json
from datetime import datetime, timedelta

from odoo import _, fields, models
from odoo.tools.misc import format_date


def _as_date(value):
    return value.date() if isinstance(value, datetime) else value


class ShipStationAccount(models.Model):
    # One concern of the model a file (none over 400 lines); the registry merges the classes.
    _inherit = "shipstation.account"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    last_run_id = fields.Many2one("shipstation.sync.run", compute="_compute_last_run", string="Last Run")
    last_run_date = fields.Datetime(compute="_compute_last_run", string="Last Run On")
    last_run_state = fields.Selection(
        [("ok", "Done"), ("partial", "With failures"), ("failed", "Failed")],
        compute="_compute_last_run",
        string="Last Run Result",
    )
    last_run_error = fields.Text(compute="_compute_last_run")
    last_run_api_calls = fields.Integer(compute="_compute_last_run", string="Last Run API Calls")
    dashboard_graph_data = fields.Text(compute="_compute_dashboard_graph_data")
    in_transit_count = fields.Integer(compute="_compute_picking_counts")
    waiting_count = fields.Integer(compute="_compute_picking_counts")
    failed_count = fields.Integer(compute="_compute_picking_counts")
    run_ids = fields.One2many("shipstation.sync.run", "account_id", string="Runs", readonly=True)
    run_count = fields.Integer(compute="_compute_run_count")

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    def _compute_last_run(self):
        """The account's last shipment sync (its run history's newest import run)."""
        groups = self.env["shipstation.sync.run"]._read_group(
            [("account_id", "in", self.ids), ("operation", "=", "import")], ["account_id"], ["id:max"]
        )
        last = {account.id: run_id for account, run_id in groups}
        runs = self.env["shipstation.sync.run"].browse(list(last.values()))  # read together, not per card
        for account in self:
            run = runs.browse(last.get(account.id)).with_prefetch(runs._prefetch_ids)
            account.last_run_id = run
            account.last_run_date = run.date_start
            account.last_run_state = run.state
            account.last_run_error = run.error
            account.last_run_api_calls = run.api_calls

    def _compute_dashboard_graph_data(self):
        """Deliveries done per day over the last two weeks, for the kanban card's bar chart."""
        today = fields.Date.context_today(self)
        first = today - timedelta(days=13)
        groups = self.env["stock.picking"]._read_group(
            [
                ("shipstation_account_id", "in", self.ids),
                ("picking_type_code", "=", "outgoing"),
                ("state", "=", "done"),
                ("date_done", ">=", fields.Datetime.to_datetime(first)),
            ],
            ["shipstation_account_id", "date_done:day"],
            ["__count"],
        )
        done = {(account.id, _as_date(day)): count for account, day, count in groups}
        for account in self:
            days = [first + timedelta(days=offset) for offset in range(14)]
            values = [
                {
                    "label": format_date(self.env, day, date_format="d MMM"),
                    "value": done.get((account.id, day), 0),
                    "type": "future" if day == today else "past",
                }
                for day in days
            ]
            account.dashboard_graph_data = json.dumps(
                [{"values": values, "key": _("Deliveries done"), "title": _("Deliveries done per day")}]
            )

    def _compute_picking_counts(self):
        groups = self.env["stock.picking"]._read_group(
            [("shipstation_account_id", "in", self.ids), *self._in_transit_domain()],
            ["shipstation_account_id", "shipstation_sync_state"],
            ["__count"],
        )
        counts = {}
        for account, state, count in groups:
            counts.setdefault(account.id, {})[state] = count
        for account in self:
            by_state = counts.get(account.id, {})
            account.in_transit_count = sum(by_state.values())
            account.waiting_count = by_state.get("waiting", 0)
            account.failed_count = by_state.get("failed", 0)

    def _compute_run_count(self):
        groups = self.env["shipstation.sync.run"]._read_group(
            [("account_id", "in", self.ids)], ["account_id"], ["__count"]
        )
        counts = {account.id: count for account, count in groups}
        for account in self:
            account.run_count = counts.get(account.id, 0)

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_open_operations(self):
        """Open the Operations wizard for this account."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "shipstation_connector.shipstation_operation_wizard_action"
        )
        action["context"] = {"default_account_ids": self.ids}
        return action

    def action_open_import_cron(self):
        """Open the 'Auto Import Shipment Details' scheduled action."""
        return self._action_open_cron("shipstation_connector.ir_cron_auto_import_shipment_details")

    def action_open_export_cron(self):
        """Open the 'Auto Export Delivery Orders' scheduled action."""
        return self._action_open_cron("shipstation_connector.ir_cron_auto_export_delivery_orders")

    def _action_open_cron(self, xmlid):
        cron = self.env.ref(xmlid)
        return {
            "type": "ir.actions.act_window",
            "res_model": "ir.cron",
            "res_id": cron.id,
            "view_mode": "form",
            "target": "current",
        }

    def _action_open_pickings(self, domain, name):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.action_picking_tree_all")
        action.update(
            name=name,
            domain=[("shipstation_account_id", "=", self.id), *self._in_transit_domain(), *domain],
            context={"create": False},
        )
        return action

    def action_open_in_transit(self):
        return self._action_open_pickings([], _("In transit: %s", self.name))

    def action_open_waiting(self):
        return self._action_open_pickings([("shipstation_sync_state", "=", "waiting")], _("Waiting: %s", self.name))

    def action_open_failed(self):
        return self._action_open_pickings([("shipstation_sync_state", "=", "failed")], _("Failed: %s", self.name))

    def action_open_last_run(self):
        """Open the account's last shipment sync."""
        self.ensure_one()
        return self.last_run_id.action_open_run()

    def action_reconcile(self):
        """Compare this account's deliveries with ShipStation now and list where they disagree."""
        self.ensure_one()
        wizard = self.env["shipstation.reconcile.wizard"].create({"account_id": self.id})
        return wizard.action_reconcile()

    def action_open_runs(self):
        """Open the run history of this account."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("shipstation_connector.shipstation_sync_run_action")
        action.update(
            name=_("Runs: %s", self.name),
            domain=[("account_id", "=", self.id)],
            context={"default_account_id": self.id},
        )
        return action
