"""The account's webhooks: its secret URL, its subscriptions in ShipStation, and the calls
ShipStation made to it."""

import hmac

from odoo import api, fields, models

from ..const import GROUP_MANAGER, WEBHOOK_PATH
from ..utils import check_manager, webhook_url_problem
from .shipstation_account import new_webhook_token


class ShipStationAccount(models.Model):
    # One concern of the model a file (none over 400 lines); the registry merges the classes.
    _inherit = "shipstation.account"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    webhook_token = fields.Char(
        groups=GROUP_MANAGER,
        copy=False,
        readonly=True,
        help="Secret part of the webhook URL: whoever knows it can ask for a sync of this account.",
    )
    webhook_url = fields.Char(
        string="Webhook URL",
        compute="_compute_webhook_url",
        groups=GROUP_MANAGER,
        help="The address ShipStation calls when labels are created (from the system parameter web.base.url).",
    )
    webhook_url_warning = fields.Selection(
        [("local", "not reachable from the internet"), ("http", "not HTTPS")],
        compute="_compute_webhook_url",
        groups=GROUP_MANAGER,
    )
    webhook_ids = fields.One2many("shipstation.webhook", "account_id", string="Webhooks")
    webhook_last_received = fields.Datetime(
        string="Last Webhook Call",
        compute="_compute_webhook_calls",
        help="When ShipStation last called this account's webhook URL.",
    )
    webhook_pending = fields.Boolean(
        string="Sync Asked by Webhook",
        compute="_compute_webhook_calls",
        help="ShipStation called: a sync of this account is coming.",
    )
    webhook_last_sync = fields.Datetime(
        string="Last Webhook Sync",
        compute="_compute_webhook_calls",
        help="Start of the last sync a webhook call asked for.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("webhook_token")
    def _compute_webhook_url(self):
        for account in self:
            account.webhook_url = account._shipstation_webhook_url() if account.webhook_token else False
            account.webhook_url_warning = webhook_url_problem(account.webhook_url) if account.webhook_url else False

    def _compute_webhook_calls(self):
        ids = [i for i in self.ids if isinstance(i, int)]
        calls = self.env["shipstation.webhook.call"]._shipstation_summary(ids)
        for account in self:
            received, pending, taken = calls.get(account.id, (False, False, False))
            account.webhook_last_received, account.webhook_pending, account.webhook_last_sync = received, pending, taken

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_subscribe_webhooks(self):
        """Subscribe in ShipStation the events the sync needs, calling this account's URL."""
        check_manager(self.env)
        for account in self:
            self.env["shipstation.webhook"]._shipstation_subscribe(account)
        return True

    def action_unsubscribe_webhooks(self):
        """Remove this account's webhooks from ShipStation."""
        check_manager(self.env)
        for account in self:
            self.env["shipstation.webhook"]._shipstation_unsubscribe(account)
        return True

    def action_new_webhook_url(self):
        """Give the account a new secret URL (when the old one leaked); subscribed webhooks move to it."""
        check_manager(self.env)
        for account in self:
            subscribed = bool(account.webhook_ids)
            if subscribed:
                self.env["shipstation.webhook"]._shipstation_unsubscribe(account)
            account.sudo().webhook_token = new_webhook_token()
            if subscribed:
                self.env["shipstation.webhook"]._shipstation_subscribe(account)
        return True

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _shipstation_webhook_url(self):
        self.ensure_one()
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        return base.rstrip("/") + WEBHOOK_PATH + (self.sudo().webhook_token or "")

    @api.model
    def _shipstation_webhook_account(self, token):
        """The active account whose webhook token is ``token`` (compared in constant time), or an
        empty recordset."""
        token = (token or "").encode("utf-8", "replace")
        found = self.browse()
        for row in self.sudo().search_read([("webhook_token", "!=", False)], ["webhook_token"]):
            # Every token is compared, whatever matched before: the time taken says nothing.
            if hmac.compare_digest(token, row["webhook_token"].encode("utf-8")):
                found = self.browse(row["id"])
        return found.sudo()
