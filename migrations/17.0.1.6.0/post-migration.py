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
new account's first sync) and records what was missing. Nothing else is written.
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


def migrate(cr, version):
    read_again(cr, version)
