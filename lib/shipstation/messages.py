"""What the sync tells a user, as codes with parameters.

The pure code never writes a sentence a user reads: it returns a :class:`Message`,
a code and its parameters, and the Odoo layer turns it into text in a language it
chooses (``texts.py`` of the addon, through Odoo's translations). Messages compare
by code and parameters, so "has this changed since the last sync?" never depends on
who ran the sync, nor in which language.
"""

import json
from dataclasses import dataclass

# Why a delivery waits or failed (stored on the delivery as its sync message)
NO_ORDER_NUMBERED = "no_order_numbered"  # number
NO_ORDER_NUMBERED_EITHER = "no_order_numbered_either"  # number, origin (the source document)
ORDER_MISSING = "order_missing"  # order_id, name
ORDER_UNREADABLE = "order_unreadable"  # order_id, error
RECORD_UNREADABLE = "record_unreadable"  # kind, record_id, field, value
BACKORDER_WAITING = "backorder_waiting"
LABELS_VOIDED = "labels_voided"
NOTHING_RESERVED = "nothing_reserved"
NOT_ALL_RESERVED = "not_all_reserved"  # missing: ((sku, reserved, needed), ...)
ITEMS_UNKNOWN = "items_unknown"
SHARED_ORDER = "shared_order"  # number, names: the other deliveries holding that order
NOT_IN_ORDER = "not_in_order"  # skus: the delivery's, unlisted; order_skus: the order's, unmatched
UNKNOWN_SKUS = "unknown_skus"  # skus: SKUs ShipStation shipped that the delivery does not hold
SYNC_FAILED = "sync_failed"  # error: Odoo's own message, as raised
VALIDATION_FAILED = "validation_failed"  # error: Odoo's refusal; tracking: what was kept
# Chatter lines of what a sync changed
PARCEL_ADDED = "parcel_added"  # tracking, carrier
PARCEL_ADDED_NO_CARRIER = "parcel_added_no_carrier"  # tracking
PARCEL_REMOVED = "parcel_removed"  # tracking
VALIDATED = "validated"
SALE_SHIPPED = "sale_shipped"  # name: the delivery
COST_NOT_CONVERTED = "cost_not_converted"  # cost, currency, company_currency
REAL_COST_ADDED = "real_cost_added"  # cost, currency: the sale's; name: the sale order
REAL_COST_NOT_CONVERTED = "real_cost_not_converted"  # name: the sale order; cost, currency, company_currency
REAL_COST_FAILED = "real_cost_failed"  # name: the sale order; error: Odoo's own message
BACKORDER_CREATED = "backorder_created"  # names
BACKORDER_NOT_IN_ORDER = "backorder_not_in_order"  # names
NOT_IN_ORDER_SPLIT = "not_in_order_split"
CANCELLED = "cancelled"
UPSTREAM_CANCELLED = "upstream_cancelled"  # names
# Account-level errors of a run
ACCOUNT_BUSY = "account_busy"
ACCOUNT_ERROR = "account_error"  # error: what ShipStation or the set-up said
ACCOUNT_UNEXPECTED = "account_unexpected"  # error: an unexpected exception, logged with its traceback
ACCOUNT_CONFLICT = "account_conflict"  # another transaction changed the same records (stock) meanwhile
# Export
EXPORT_NO_ADDRESS = "export_no_address"
EXPORT_NO_STREET = "export_no_street"  # partner
EXPORT_NO_COUNTRY = "export_no_country"  # partner
EXPORT_NO_SKU = "export_no_sku"  # products
EXPORT_ZERO_QUANTITY = "export_zero_quantity"
EXPORT_FRACTIONAL = "export_fractional"  # products
EXPORT_BATCH_REFUSED = "export_batch_refused"  # error
EXPORT_ORDER_REFUSED = "export_order_refused"  # error
EXPORT_NO_RESULT = "export_no_result"


@dataclass(frozen=True)
class Message:
    """A message code and its parameters (plain, JSON-able values).

    :param str code: one of this module's constants
    :param tuple params: ``((name, value), ...)``, sorted by name (see :func:`message`)
    """

    code: str
    params: tuple = ()

    def get(self, name, default=None):
        """Value of one parameter."""
        return dict(self.params).get(name, default)

    def to_json(self):
        """Compact text to store beside the rendered message, to compare later runs."""
        return json.dumps([self.code, dict(self.params)], sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text):
        """Inverse of :meth:`to_json`; None for an empty or unreadable value."""
        try:
            code, params = json.loads(text)
            return message(str(code), **params)
        except (TypeError, ValueError):
            return None


def _frozen(value):
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    return value


def message(code, **params):
    """A :class:`Message` (lists in the parameters become tuples, so it is hashable)."""
    return Message(code, tuple(sorted((name, _frozen(value)) for name, value in params.items())))
