from odoo import api, fields, models


class ShipStationSyncRun(models.Model):
    """What an export run did with the pending updates (the outbox)."""

    _inherit = "shipstation.sync.run"

    updates_sent = fields.Integer(readonly=True, help="Pending updates ShipStation received.")
    updates_failed = fields.Integer(readonly=True, help="Updates ShipStation refused or could not take.")
    updates_pending = fields.Integer(readonly=True, help="Updates left for the next run (ShipStation unreachable).")
    late_labels = fields.Integer(
        readonly=True, help="Deliveries cancelled in Odoo that ShipStation shipped all the same."
    )

    @api.model
    def _shipstation_create_from_report(self, account, report, trigger, date_start, operation):
        run = super()._shipstation_create_from_report(account, report, trigger, date_start, operation)
        names = ("updates_sent", "updates_failed", "updates_pending", "late_labels")
        values = {name: getattr(report, name) for name in names if getattr(report, name, 0)}
        if values:
            run.write(values)
        return run
