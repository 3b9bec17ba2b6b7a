"""Setting an account up says what happens.

* Test Connection without leftovers: a new account whose test fails is archived, not left
  as a card; the first test that succeeds brings it back.
* The Automated Actions toggles say whether their scheduled action is active, how often it
  runs and when next.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

IMPORT_CRON = "shipstation_connector.ir_cron_auto_import_shipment_details"
EXPORT_CRON = "shipstation_connector.ir_cron_auto_export_delivery_orders"


class ShipStationAccount(models.Model):
    # One concern of the model a file (none over 400 lines); the registry merges the classes.
    _inherit = "shipstation.account"  # pylint: disable=consider-merging-classes-inherited

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

    def _shipstation_in_use(self):
        """Whether this account ever synced, exported or holds deliveries (then a failed test
        only says so: the account stays as it is)."""
        self.ensure_one()
        if self.last_sync_date:
            return True
        domain = [("shipstation_account_id", "=", self.id)]
        if self.env["stock.picking"].sudo().with_context(active_test=False).search_count(domain, limit=1):
            return True
        return bool(self.env["shipstation.sync.run"].sudo().search_count([("account_id", "=", self.id)], limit=1))

    def _shipstation_connection_failed(self, text, error):
        """A failed Test Connection: a new account is archived (its card goes) and told so;
        an account in use, or already archived, gets ``text`` as an error.

        :raises UserError: for an account in use or archived
        """
        self.ensure_one()
        if not self.active or self._shipstation_in_use():
            raise UserError(text) from error
        self.active = False
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Connection failed"),
                "message": _(
                    "%(error)s The account is archived until a test succeeds, so a failed attempt leaves no "
                    "card behind: correct it and press Test Connection again.",
                    error=text,
                ),
                "type": "danger",
                "sticky": True,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _shipstation_connection_works(self):
        """A test that succeeds brings back an account its failed tests archived."""
        self.ensure_one()
        if not self.active and not self._shipstation_in_use():
            self.active = True
