from datetime import timedelta

from odoo import api, fields, models

#: Calls older than this are deleted by the autovacuum (each account's newest one is kept).
KEEP_DAYS = 7


class ShipStationWebhookCall(models.Model):
    """One call ShipStation made to an account's webhook URL, and which sync took it up.

    A call only ever inserts its own row: it never writes the account, so a burst of calls
    cannot conflict with a sync writing the account at the same time.
    """

    _name = "shipstation.webhook.call"
    _description = "ShipStation Webhook Call"
    _order = "id desc"
    _log_access = False

    account_id = fields.Many2one("shipstation.account", required=True, ondelete="cascade", index=True)
    received_at = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    event = fields.Char(readonly=True, help="The resource_type the call named (a hint only).")
    taken_at = fields.Datetime(
        readonly=True, index=True, help="Start of the webhook-triggered sync that took this call up."
    )

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
