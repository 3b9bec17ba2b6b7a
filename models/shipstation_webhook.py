"""ShipStation webhooks: the subscriptions an account holds, and what a call to the route does.

A webhook is a hint, never an instruction: whatever its body says, the connector neither
reads its ``resource_url`` nor acts on its content. A valid call only asks for a sync of
its account, through a trigger of the scheduled action "ShipStation: Sync on Webhook Calls",
and many calls close together ask for one sync (see :meth:`_shipstation_call_received`).
"""

import ipaddress
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib.shipstation import messages as msg
from ..lib.shipstation.errors import ShipStationError
from ..lib.shipstation.webhooks import V1_EVENTS, V2_EVENTS, V2_TRACK_EVENTS

_logger = logging.getLogger(__name__)

#: Path of the route ShipStation calls; the account's token follows it.
WEBHOOK_PATH = "/shipstation/webhook/"
#: System parameter: at most one webhook-triggered sync per account in this many seconds.
MIN_INTERVAL_PARAM = "shipstation_connector.webhook_min_interval"
DEFAULT_MIN_INTERVAL = 60
#: A sync asked for but not started this long after it was due lost its trigger: ask again.
OVERDUE = timedelta(minutes=5)
CRON_XMLID = "shipstation_connector.ir_cron_webhook_sync"


class ShipStationWebhook(models.Model):
    """A webhook subscribed in ShipStation for an account: ShipStation calls its URL on its event."""

    _name = "shipstation.webhook"
    _description = "ShipStation Webhook"
    _order = "account_id, event, id"
    _rec_name = "event"

    account_id = fields.Many2one("shipstation.account", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    event = fields.Char(required=True, help="ShipStation's event name, e.g. SHIP_NOTIFY or LABEL_CREATED_V2.")
    remote_id = fields.Char(string="ShipStation Webhook Id", required=True)
    url_shown = fields.Char(
        string="Calls",
        help="The address ShipStation calls, its secret token hidden.",
    )

    # ------------------------------------------------------------------
    # Subscribing
    # ------------------------------------------------------------------

    @api.model
    def _shipstation_events(self, account):
        return V2_EVENTS + V2_TRACK_EVENTS if account.api_version == "v2" else V1_EVENTS

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
                {"account_id": account.id, "event": hook.event, "remote_id": hook.id, "url_shown": _masked(url)}
                for hook in hooks
                if hook.id not in known
            ]
        )
        account.message_post(
            body=_(
                "ShipStation webhooks subscribed (%(events)s): ShipStation calls %(url)s.",
                events=", ".join(events),
                url=_masked(url),
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

    # ------------------------------------------------------------------
    # A call arrived
    # ------------------------------------------------------------------

    @api.model
    def _shipstation_min_interval(self):
        value = self.env["ir.config_parameter"].sudo().get_param(MIN_INTERVAL_PARAM)
        try:
            return max(0, int(value)) if value else DEFAULT_MIN_INTERVAL
        except ValueError:
            return DEFAULT_MIN_INTERVAL

    @api.model
    def _shipstation_call_received(self, account, event=None):
        """Ask for a sync of ``account`` because ShipStation called: no ShipStation call here.

        The call is recorded as a row of its own (``shipstation.webhook.call``); the account
        is never written, so calls never conflict with a sync writing it. Calls coalesce:
        the first one not yet taken up by a sync triggers the scheduled action, at once or
        when the last webhook-triggered sync of the account is :data:`MIN_INTERVAL_PARAM`
        seconds old; the calls that follow find it coming and only add their row.

        :return: ``"scheduled"`` when this call asked for a sync, ``"coalesced"`` when one
            was already coming
        """
        now = fields.Datetime.now()
        interval = timedelta(seconds=self._shipstation_min_interval())
        self.env.cr.execute(
            "SELECT min(received_at) FROM shipstation_webhook_call WHERE account_id = %s AND taken_at IS NULL",
            [account.id],
        )
        waiting_since = self.env.cr.fetchone()[0]
        self.env["shipstation.webhook.call"].sudo().create(
            {"account_id": account.id, "event": event, "received_at": now}
        )
        if waiting_since and waiting_since + interval + OVERDUE > now:
            return "coalesced"
        at = (
            max(now, self._shipstation_last_taken(account) + interval) if self._shipstation_last_taken(account) else now
        )
        self.env.ref(CRON_XMLID).sudo()._trigger(at)
        _logger.info("ShipStation webhook %s for account %s: sync asked for %s", event, account.sudo().name, at)
        return "scheduled"

    @api.model
    def _shipstation_last_taken(self, account):
        """Start of the account's last webhook-triggered sync, or None."""
        self.env.cr.execute("SELECT max(taken_at) FROM shipstation_webhook_call WHERE account_id = %s", [account.id])
        return self.env.cr.fetchone()[0]

    @api.model
    def _cron_sync_webhook_calls(self):
        """Scheduled action: sync the accounts ShipStation called about, whatever their Auto Import
        toggle, once their last webhook-triggered sync is old enough.

        The calls are marked taken (and committed) before the sync starts. Calls that arrive
        meanwhile stay untaken and lead to one more sync afterwards; an account another sync
        holds, or with deliveries left for later, gives its calls back and asks again.

        With queue_job, each account's sync is a job (see ``shipstation.job``): the job, not
        this action, waits for a busy account and continues a run with deliveries left, so
        the calls it took stay taken; a call arriving while a job waits is served by it.
        """
        cr = self.env.cr
        now = fields.Datetime.now()
        interval = timedelta(seconds=self._shipstation_min_interval())
        cr.execute(
            """
            SELECT c.account_id, max(c.id), (SELECT max(t.taken_at) FROM shipstation_webhook_call t
                                              WHERE t.account_id = c.account_id)
              FROM shipstation_webhook_call c
             WHERE c.taken_at IS NULL
          GROUP BY c.account_id
            """
        )
        due = {
            account_id: last_id for account_id, last_id, taken in cr.fetchall() if not taken or taken + interval <= now
        }
        accounts = self.env["shipstation.account"].search([("id", "in", list(due))])
        if not accounts:
            return
        cr.execute(
            "UPDATE shipstation_webhook_call SET taken_at = %s"
            " WHERE taken_at IS NULL AND account_id IN %s AND id <= %s",
            [now, tuple(accounts.ids), max(due.values())],
        )
        sync = self.env["shipstation.sync"]
        if sync._can_commit():
            self.env.cr.commit()  # pylint: disable=invalid-commit
        jobs = self.env["shipstation.job"]
        if jobs._shipstation_queue_enabled():
            jobs._enqueue_sync(accounts, "webhook")
            return
        reports = sync._sync_accounts(accounts, scheduled=True, trigger="webhook")
        cron = self.env.ref(CRON_XMLID).sudo()
        for account, report in zip(accounts, reports):
            busy = report.error and report.error.code == msg.ACCOUNT_BUSY
            if busy or report.left:
                cr.execute(
                    "UPDATE shipstation_webhook_call SET taken_at = NULL WHERE account_id = %s AND taken_at = %s",
                    [account.id, now],
                )
                cron._trigger(fields.Datetime.now() + (interval if busy else timedelta(0)))
                continue
            cr.execute(
                "SELECT 1 FROM shipstation_webhook_call WHERE account_id = %s AND taken_at IS NULL LIMIT 1",
                [account.id],
            )
            if cr.fetchone():  # called while it ran: one more sync, when the interval allows
                cron._trigger(max(fields.Datetime.now(), now + interval))


def _masked(url):
    """The webhook URL with its token hidden (for the chatter and the subscription list)."""
    head, _sep, token = url.rpartition("/")
    return "%s/%s…" % (head, token[:4]) if token else url


def webhook_url_problem(url):
    """Why ShipStation may not be able to call ``url`` safely, in words; None when fine."""
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if not host or host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return "local"
    if address is not None and (address.is_private or address.is_loopback or address.is_link_local):
        return "local"
    if parts.scheme != "https":
        return "http"
    return None


def check_manager(env):
    """Subscribing or reading the token is for ShipStation managers."""
    if not env.user.has_group("shipstation_connector.group_shipstation_manager") and not env.su:
        raise AccessError(_("Only ShipStation managers manage the account's webhooks."))
