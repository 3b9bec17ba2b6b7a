"""After the update: the first sync reads again what versions before 17.0.1.2.0 never recorded.

Once a delivery's ShipStation order shipped, the sync records the SKUs of its lines
(``shipstation_order_skus``, since 17.0.1.1.0) and the lines themselves
(``shipstation_order_lines``, since 17.0.1.2.0): runs that do not read the order again tell
from them which label items are the delivery's. A delivery an older version saw shipped but
could not validate yet (its stock was not reserved, say) has neither. When its order was merged
with another, the label lists the other order's items too, and nothing tells them apart: the
delivery waits for good, since its order does not change again and is never read again.

For the accounts that hold such deliveries, and only those, this clears *Synced Up To*: the
next sync reads everything changed since their oldest delivery in transit (list calls, as a
new account's first sync) and records what was missing.

An early layout of 17.0.1.4.0 kept the webhook calls on the account (``webhook_last_received``,
``webhook_pending``, ``webhook_last_sync``); they are rows of ``shipstation.webhook.call`` now.
Where those columns are still filled, they become rows, so the account's form still shows the
last call and sync, and a sync a call asked for still comes.
"""

import logging

from odoo.tools.parse_version import parse_version

_logger = logging.getLogger(__name__)

#: First version that records both the order's SKUs and its lines.
RECORDS_ORDER_LINES = "17.0.1.2.0"


def accounts_to_read_again(cr):
    """Ids of the accounts with a delivery in transit whose shipped order's lines were never recorded."""
    cr.execute(
        """
        SELECT DISTINCT p.shipstation_account_id
          FROM stock_picking p
          JOIN stock_picking_type t ON t.id = p.picking_type_id
         WHERE p.is_exported_to_shipstation
           AND p.shipstation_account_id IS NOT NULL
           AND t.code = 'outgoing'
           AND p.state NOT IN ('draft', 'done', 'cancel')
           AND p.shipstation_order_status = 'shipped'
           AND (p.shipstation_order_skus IS NULL OR p.shipstation_order_lines IS NULL)
        """
    )
    return sorted(row[0] for row in cr.fetchall())


def read_again(cr, version):
    """Clear *Synced Up To* of the accounts that need it when upgrading from ``version``;
    return their ids."""
    if not version or parse_version(version) >= parse_version(RECORDS_ORDER_LINES):
        return []
    account_ids = accounts_to_read_again(cr)
    if account_ids:
        cr.execute(
            "UPDATE shipstation_account SET sync_since = NULL WHERE id IN %s AND sync_since IS NOT NULL",
            [tuple(account_ids)],
        )
        _logger.info(
            "shipstation_connector: the next sync of accounts %s reads again the shipped orders of their "
            "deliveries in transit (lines never recorded before %s)",
            account_ids,
            RECORDS_ORDER_LINES,
        )
    return account_ids


def _columns(cr, table):
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", [table])
    return {row[0] for row in cr.fetchall()}


def carry_webhook_calls(cr):
    """Rows of ``shipstation_webhook_call`` from the account's columns of the early layout, for the
    accounts that have no row yet; return the ids of those accounts."""
    if not {"webhook_last_received", "webhook_pending", "webhook_last_sync"} <= _columns(cr, "shipstation_account"):
        return []
    cr.execute(
        """
        SELECT a.id, a.webhook_last_received, a.webhook_pending, a.webhook_last_sync
          FROM shipstation_account a
         WHERE (a.webhook_last_received IS NOT NULL OR a.webhook_pending OR a.webhook_last_sync IS NOT NULL)
           AND NOT EXISTS (SELECT 1 FROM shipstation_webhook_call c WHERE c.account_id = a.id)
        """
    )
    carried = []
    for account_id, received, pending, synced in cr.fetchall():
        rows = []
        if synced:
            rows.append((min(received or synced, synced), synced))
        if pending:
            rows.append((received or synced, None))
        elif received and (not synced or received > synced):
            rows.append((received, synced or received))
        for received_at, taken_at in rows:
            if received_at is None:  # pending without any date: asked for now
                cr.execute("SELECT now() AT TIME ZONE 'UTC'")
                received_at = cr.fetchone()[0]
            cr.execute(
                "INSERT INTO shipstation_webhook_call (account_id, received_at, taken_at) VALUES (%s, %s, %s)",
                [account_id, received_at, taken_at],
            )
        carried.append(account_id)
    return carried


def migrate(cr, version):
    read_again(cr, version)
    carry_webhook_calls(cr)
