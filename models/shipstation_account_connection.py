"""Test Connection without leftovers: a new account whose test fails is archived, not left as
a card; the first test that succeeds brings it back."""

from odoo import _, models
from odoo.exceptions import UserError


class ShipStationAccount(models.Model):
    _inherit = "shipstation.account"

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
