"""The calls ShipStation made to the accounts' webhook URLs, and the syncs that take them up.

A call only records itself and asks for a sync (:meth:`_shipstation_call_received`); the
scheduled action "ShipStation: Sync on Webhook Calls" then selects the accounts whose calls
are due, takes their calls, runs one sync per account and gives back the calls of a sync
that could not finish (:meth:`_cron_sync_webhook_calls`).
"""

import logging
from datetime import timedelta

from odoo import api, fields, models

from ..const import PARAM_WEBHOOK_MIN_INTERVAL
from ..lib.shipstation import messages as msg
from ..utils import get_param

_logger = logging.getLogger(__name__)

#: Calls older than this are deleted by the autovacuum (each account's newest one is kept).
KEEP_DAYS = 7
#: A sync asked for but not started this long after it was due lost its trigger: ask again.
OVERDUE = timedelta(minutes=5)
CRON_XMLID = "shipstation_connector.ir_cron_webhook_sync"


class ShipStationWebhookCall(models.Model):
    """One call ShipStation made to an account's webhook URL, and which sync took it up.

    A call only ever inserts its own row: it never writes the account, so a burst of calls
    cannot conflict with a sync writing the account at the same time.
    """

    _name = "shipstation.webhook.call"
    _description = "ShipStation Webhook Call"
    _order = "id desc"
    _log_access = False

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    account_id = fields.Many2one("shipstation.account", required=True, ondelete="cascade", index=True)
    received_at = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    event = fields.Char(readonly=True, help="The resource_type the call named (a hint only).")
    taken_at = fields.Datetime(
        readonly=True, index=True, help="Start of the webhook-triggered sync that took this call up."
    )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.autovacuum
    def _gc_old_calls(self):
        """Forget calls older than a week, but each account's newest (the form shows it)."""
        limit = fields.Datetime.now() - timedelta(days=KEEP_DAYS)
        self.env.cr.execute(
            """
            DELETE FROM shipstation_webhook_call c
             WHERE c.received_at < %s AND c.taken_at IS NOT NULL
               AND c.id <> (SELECT max(n.id) FROM shipstation_webhook_call n WHERE n.account_id = c.account_id)
            """,
            [limit],
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS: a call arrives
    # ------------------------------------------------------------

    @api.model
    def _shipstation_min_interval(self):
        """Seconds between two webhook-triggered syncs of one account (never negative)."""
        return max(0, get_param(self.env, PARAM_WEBHOOK_MIN_INTERVAL))

    @api.model
    def _shipstation_call_received(self, account, event=None):
        """Ask for a sync of ``account`` because ShipStation called: no ShipStation call here.

        The call is recorded as a row of its own; the account is never written, so calls
        never conflict with a sync writing it. Calls coalesce: the first one not yet taken
        up by a sync triggers the scheduled action, at once or when the last
        webhook-triggered sync of the account is ``shipstation_connector.webhook_min_interval``
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
        self.sudo().create({"account_id": account.id, "event": event, "received_at": now})
        if waiting_since and waiting_since + interval + OVERDUE > now:
            return "coalesced"
        last_taken = self._shipstation_last_taken(account)
        at = max(now, last_taken + interval) if last_taken else now
        self.env.ref(CRON_XMLID).sudo()._trigger(at)
        _logger.info("ShipStation webhook %s for account %s: sync asked for %s", event, account.sudo().name, at)
        return "scheduled"

    @api.model
    def _shipstation_last_taken(self, account):
        """Start of the account's last webhook-triggered sync, or None."""
        self.env.cr.execute("SELECT max(taken_at) FROM shipstation_webhook_call WHERE account_id = %s", [account.id])
        return self.env.cr.fetchone()[0]

    @api.model
    def _shipstation_summary(self, account_ids):
        """``{account id: (last received, any call pending, last taken)}`` (one query)."""
        if not account_ids:
            return {}
        self.env.cr.execute(
            """
            SELECT account_id, max(received_at), bool_or(taken_at IS NULL), max(taken_at)
              FROM shipstation_webhook_call WHERE account_id IN %s GROUP BY account_id
            """,
            [tuple(account_ids)],
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------
    # BUSINESS METHODS: the scheduled action
    # ------------------------------------------------------------

    @api.model
    def _cron_sync_webhook_calls(self):
        """Scheduled action: sync the accounts ShipStation called about, whatever their Auto Import
        toggle, once their last webhook-triggered sync is old enough.

        Select the accounts whose calls are due, take their calls (committed before the sync
        starts), run the syncs, give back the calls of a sync that could not finish. Calls
        that arrive meanwhile stay untaken and lead to one more sync afterwards; an account
        another sync holds, or with deliveries left for later, gives its calls back and asks
        again.

        With queue_job, each account's sync is a job (see ``shipstation.job``): the job, not
        this action, waits for a busy account and continues a run with deliveries left, so
        the calls it took stay taken; a call arriving while a job waits is served by it.
        """
        now = fields.Datetime.now()
        due = self._shipstation_due(now)
        accounts = self.env["shipstation.account"].search([("id", "in", list(due))])
        if not accounts:
            return
        self._shipstation_take(accounts, max(due.values()), now)
        jobs = self.env["shipstation.job"]
        if jobs._shipstation_queue_enabled():
            jobs._enqueue_sync(accounts, "webhook")
            return
        reports = self.env["shipstation.sync"]._sync_accounts(accounts, scheduled=True, trigger="webhook")
        self._shipstation_give_back(accounts, reports, now)

    @api.model
    def _shipstation_due(self, now):
        """``{account id: its newest call's id}`` of the accounts with calls not taken yet whose
        last webhook-triggered sync is old enough (one query)."""
        interval = timedelta(seconds=self._shipstation_min_interval())
        self.env.cr.execute(
            """
            SELECT c.account_id, max(c.id), (SELECT max(t.taken_at) FROM shipstation_webhook_call t
                                              WHERE t.account_id = c.account_id)
              FROM shipstation_webhook_call c
             WHERE c.taken_at IS NULL
          GROUP BY c.account_id
            """
        )
        return {
            account_id: last_id
            for account_id, last_id, taken in self.env.cr.fetchall()
            if not taken or taken + interval <= now
        }

    @api.model
    def _shipstation_take(self, accounts, last_id, now):
        """Mark the accounts' calls up to ``last_id`` taken by the sync starting ``now``, and commit
        that before the sync starts."""
        self.env.cr.execute(
            "UPDATE shipstation_webhook_call SET taken_at = %s"
            " WHERE taken_at IS NULL AND account_id IN %s AND id <= %s",
            [now, tuple(accounts.ids), last_id],
        )
        self.env["shipstation.run.service"]._commit()

    @api.model
    def _shipstation_give_back(self, accounts, reports, now):
        """After the syncs started ``now``: the calls of a busy account or of a run with deliveries
        left are given back and asked again; a call that arrived meanwhile asks for one more sync."""
        interval = timedelta(seconds=self._shipstation_min_interval())
        cron = self.env.ref(CRON_XMLID).sudo()
        cr = self.env.cr
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
