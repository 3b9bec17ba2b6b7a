"""What the account's Automated Actions toggles will do: whether their scheduled action is
active, how often it runs and when next, said beside each toggle."""

from odoo import _, api, fields, models

IMPORT_CRON = "shipstation_connector.ir_cron_auto_import_shipment_details"
EXPORT_CRON = "shipstation_connector.ir_cron_auto_export_delivery_orders"


class ShipStationAccount(models.Model):
    _inherit = "shipstation.account"

    auto_import_schedule = fields.Char(string="Import Schedule", compute="_compute_schedules")
    auto_import_inactive = fields.Boolean(compute="_compute_schedules")
    auto_export_schedule = fields.Char(string="Export Schedule", compute="_compute_schedules")
    auto_export_inactive = fields.Boolean(compute="_compute_schedules")

    @api.depends("auto_import_shipment_details", "auto_export_delivery_orders")
    @api.depends_context("uid")
    def _compute_schedules(self):
        import_text, import_on = self._shipstation_schedule(IMPORT_CRON)
        export_text, export_on = self._shipstation_schedule(EXPORT_CRON)
        for account in self:
            account.auto_import_schedule = import_text
            account.auto_import_inactive = account.auto_import_shipment_details and not import_on
            account.auto_export_schedule = export_text
            account.auto_export_inactive = account.auto_export_delivery_orders and not export_on

    @api.model
    def _shipstation_schedule(self, xmlid):
        """``(text, active)`` of one scheduled action, read as superuser (users cannot read crons)."""
        cron = self.env.ref(xmlid, raise_if_not_found=False)
        cron = cron.sudo().with_context(active_test=False) if cron else cron
        if not cron:
            return _("Its scheduled action was deleted: nothing runs by itself."), False
        units = dict(cron._fields["interval_type"]._description_selection(self.env))
        every = _("every %(number)s %(unit)s", number=cron.interval_number, unit=units.get(cron.interval_type, ""))
        if not cron.active:
            return (
                _(
                    "Scheduled action inactive (%(every)s once active): nothing runs by itself until an "
                    "administrator activates it.",
                    every=every,
                ),
                False,
            )
        return (
            _(
                "Scheduled action active, %(every)s; next run %(next)s.",
                every=every,
                next=fields.Datetime.to_string(fields.Datetime.context_timestamp(self, cron.nextcall))[:16],
            ),
            True,
        )
