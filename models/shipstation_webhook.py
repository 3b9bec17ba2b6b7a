"""ShipStation webhooks: the subscriptions an account holds, and what a call to the route does.

A webhook is a hint, never an instruction: whatever its body says, the connector neither
reads its ``resource_url`` nor acts on its content. A valid call only asks for a sync of
its account, through a trigger of the scheduled action "ShipStation: Sync on Webhook Calls",
and many calls close together ask for one sync (see ``shipstation.webhook.call``).
"""

import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.shipstation.errors import ShipStationError
from ..lib.shipstation.webhooks import V1_EVENTS, V2_EVENTS
from ..utils import masked

_logger = logging.getLogger(__name__)


class ShipStationWebhook(models.Model):
    """A webhook subscribed in ShipStation for an account: ShipStation calls its URL on its event."""

    _name = "shipstation.webhook"
    _description = "ShipStation Webhook"
    _order = "account_id, event, id"
    _rec_name = "event"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    account_id = fields.Many2one("shipstation.account", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    event = fields.Char(required=True, help="ShipStation's event name, e.g. SHIP_NOTIFY or LABEL_CREATED_V2.")
    remote_id = fields.Char(string="ShipStation Webhook Id", required=True)
    url_shown = fields.Char(
        string="Calls",
        help="The address ShipStation calls, its secret token hidden.",
    )

    # ------------------------------------------------------------
    # SUBSCRIBING
    # ------------------------------------------------------------

    @api.model
    def _shipstation_events(self, account):
        return V2_EVENTS if account.api_version == "v2" else V1_EVENTS

    @api.model
    def _shipstation_subscribe(self, account):
        """Subscribe the account's webhook URL to the events the sync needs.

        Hooks ShipStation already holds for this URL and event are kept, not doubled, so
        subscribing twice is harmless.

        :raises UserError: when ShipStation refuses
        """
        url = account._shipstation_webhook_url()
        events = self._shipstation_events(account)
        try:
            with account._get_shipstation_client(max_retries=1) as client:
                existing = {(hook.url, hook.event): hook for hook in client.list_webhooks()}
                hooks = [
                    existing.get((url, event)) or client.subscribe_webhook(url, event, name="Odoo %s" % account.name)
                    for event in events
                ]
        except ShipStationError as error:
            raise UserError(
                _("ShipStation refused the webhooks of %(name)s: %(error)s", name=account.name, error=error.message)
            ) from error
        known = {hook.remote_id for hook in account.webhook_ids}
        self.create(
            [
                {"account_id": account.id, "event": hook.event, "remote_id": hook.id, "url_shown": masked(url)}
                for hook in hooks
                if hook.id not in known
            ]
        )
        account.message_post(
            body=_(
                "ShipStation webhooks subscribed (%(events)s): ShipStation calls %(url)s.",
                events=", ".join(events),
                url=masked(url),
            )
        )

    @api.model
    def _shipstation_unsubscribe(self, account):
        """Remove from ShipStation the account's hooks: those recorded here, and any other hook
        calling this account's URL (subscribed by hand in ShipStation, say).

        :raises UserError: when ShipStation refuses
        """
        url = account._shipstation_webhook_url()
        try:
            with account._get_shipstation_client(max_retries=1) as client:
                ours = {hook.id for hook in client.list_webhooks() if hook.url == url}
                for remote_id in ours | set(account.webhook_ids.mapped("remote_id")):
                    client.unsubscribe_webhook(remote_id)
        except ShipStationError as error:
            raise UserError(
                _(
                    "ShipStation refused to remove the webhooks of %(name)s: %(error)s",
                    name=account.name,
                    error=error.message,
                )
            ) from error
        account.webhook_ids.unlink()
        account.message_post(body=_("ShipStation webhooks removed: ShipStation no longer calls Odoo."))

    # ------------------------------------------------------------
    # A CALL ARRIVED
    # ------------------------------------------------------------

    @api.model
    def _shipstation_call_received(self, account, event=None):
        """Ask for a sync of ``account`` because ShipStation called (see
        ``shipstation.webhook.call._shipstation_call_received``)."""
        return self.env["shipstation.webhook.call"]._shipstation_call_received(account, event)

    @api.model
    def _cron_sync_webhook_calls(self):
        """The scheduled action of databases installed before it moved to the calls' model, until
        the 17.0.1.6.0 migration (``post-crons``) points it there (Odoo runs scheduled actions
        with the new code before the module is updated): see ``shipstation.webhook.call``."""
        return self.env["shipstation.webhook.call"]._cron_sync_webhook_calls()
