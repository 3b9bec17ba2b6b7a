"""Reading ShipStation API v2 records into the values the planner already takes.

One planner serves both versions: a v2 **shipment** is read as the order dict the v1
reader gives (``orderId``, ``orderNumber``, ``orderStatus``, ``items``), a v2
**label** as a :class:`~.values.Parcel`. v2 ids are ``se-<number>`` and are the v1 ids
of the same records (v1 orderId 123 is v2 ``se-123``), so the planner keeps its
numbers and an account moved from v1 to v2 keeps its parcels. A record that cannot be
understood raises :class:`~.records.Unreadable`, as in v1.
"""

from datetime import date, datetime, timezone

from dateutil import parser as dateparser

from .encoding import parse_amount
from .records import Unreadable
from .values import CANCELLED, Parcel

#: v2 shipment status → the status the planner reads. ``label_purchased`` counts as
#: shipped once a live label is known (:func:`settle_statuses`).
LABEL_PURCHASED = "label_purchased"
STATUS_FROM_V2 = {"pending": "awaiting_shipment", "on_hold": "on_hold", "processing": "awaiting_shipment"}


def v2_number(value):
    """The number of a v2 id (``se-123`` → 123), or None when it is not one."""
    if not isinstance(value, str):
        return None
    head, _, tail = value.strip().partition("-")
    return int(tail) if head == "se" and tail.isdigit() else None


def v2_id(number):
    """A v2 id from its number (123 → ``se-123``)."""
    return "se-%d" % number


def parse_time(value):
    """An ISO-8601 timestamp of v2 as an aware UTC datetime (None for no value).

    :raises ValueError: when the text is no timestamp
    """
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(value)
    parsed = dateparser.isoparse(value)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _time(record, field, kind, record_id, order_id):
    try:
        return parse_time(record.get(field))
    except (TypeError, ValueError, OverflowError):
        raise Unreadable(kind, record_id, order_id, field, record.get(field)) from None


def _day(record, field, kind, record_id, order_id):
    value = _time(record, field, kind, record_id, order_id) if record.get(field) else None
    return value.date() if isinstance(value, datetime) else value if isinstance(value, date) else None


def _money(record, field, kind, record_id, order_id, currency=None):
    """The amount of a v2 money object ``{currency, amount}`` (0.0 when absent).

    :param str currency: the account's currency code: an amount in another one is not
        read as if it were in the account's (the record is set aside, naming it)
    """
    value = record.get(field)
    if value is None:
        return 0.0
    try:
        amount = parse_amount(value.get("amount") if isinstance(value, dict) else value)
    except (TypeError, ValueError):
        raise Unreadable(kind, record_id, order_id, field, value) from None
    code = value.get("currency") if isinstance(value, dict) else None
    if amount and currency and code and str(code).strip().upper() != currency.upper():
        raise Unreadable(kind, record_id, order_id, field + ".currency", code)
    return amount


def read_shipment(shipment):
    """A v2 shipment as the order dict the planner reads (see :func:`.records.read_order`).

    :raises Unreadable: when a field the sync uses cannot be read
    """
    if not isinstance(shipment, dict):
        raise Unreadable("shipment", "?", None, "record", shipment)
    raw_id = shipment.get("shipment_id")
    order_id = v2_number(raw_id)
    if order_id is None:
        raise Unreadable("shipment", raw_id, None, "shipment_id", raw_id)
    status = shipment.get("shipment_status")
    if status is not None and not isinstance(status, str):
        raise Unreadable("shipment", raw_id, order_id, "shipment_status", status)
    items = shipment.get("items") or []
    if not isinstance(items, list):
        raise Unreadable("shipment", raw_id, order_id, "items", items)
    lines = []
    for item in items:
        if not isinstance(item, dict):
            raise Unreadable("shipment", raw_id, order_id, "items", item)
        try:
            quantity = parse_amount(item.get("quantity"))
        except (TypeError, ValueError):
            raise Unreadable("shipment", raw_id, order_id, "items.quantity", item.get("quantity")) from None
        lines.append({"sku": item.get("sku"), "name": item.get("name"), "quantity": quantity})
    return {
        "orderId": order_id,
        "orderNumber": shipment.get("shipment_number") or "",
        "orderKey": shipment.get("external_shipment_id"),
        "orderStatus": CANCELLED if status == CANCELLED else STATUS_FROM_V2.get(status, status or ""),
        "v2Status": status or "",
        "modifyDate": _time(shipment, "modified_at", "shipment", raw_id, order_id),
        "createDate": _time(shipment, "created_at", "shipment", raw_id, order_id),
        "items": lines,
        "advancedOptions": {"parentId": None, "mergedIds": [], "mergedOrSplit": False},
    }


def parcel_from_label(label, currency=None):
    """:class:`~.values.Parcel` from a v2 label. v2 labels list no items: the planner then
    ships the lines of the label's shipment.

    :param str currency: the account's currency code (costs in another are set aside)

    :raises Unreadable: when a field the sync uses cannot be read
    """
    if not isinstance(label, dict):
        raise Unreadable("label", "?", None, "record", label)
    raw_id, order_id = label.get("label_id"), v2_number(label.get("shipment_id"))
    label_id = v2_number(raw_id)
    if label_id is None:
        raise Unreadable("label", raw_id, order_id, "label_id", raw_id)
    if order_id is None:
        raise Unreadable("label", raw_id, None, "shipment_id", label.get("shipment_id"))
    voided = bool(label.get("voided")) or label.get("status") == "voided"
    tracking = label.get("tracking_number")
    return Parcel(
        key=("shipment", label_id),
        order_id=order_id,
        tracking_number=(tracking if isinstance(tracking, str) else "").strip(),
        carrier_code=str(label.get("carrier_code") or ""),
        service_code=str(label.get("service_code") or ""),
        ship_date=_day(label, "ship_date", "label", raw_id, order_id),
        create_date=_time(label, "created_at", "label", raw_id, order_id),
        cost=_money(label, "shipment_cost", "label", raw_id, order_id, currency),
        insurance_cost=_money(label, "insurance_cost", "label", raw_id, order_id, currency),
        voided=voided,
        void_date=_time(label, "voided_at", "label", raw_id, order_id),
        is_return=bool(label.get("is_return_label")),
        items=None,
        tracking_url=url if isinstance(url := label.get("tracking_url"), str) and url.startswith("https://") else "",
    )


def settle_statuses(facts):
    """Say *shipped* for the shipments v2 calls ``label_purchased`` that have a live
    outbound label: read in this run, or recorded on a delivery by an earlier one (call it
    once the consumption is known). The others keep v2's own word, and the planner only
    refreshes them.
    """
    live = {p.order_id for p in facts.parcels.values() if not p.voided and not p.is_return}
    for key, holders in facts.consumed_by.items():
        fetched = facts.parcels.get(key)
        if not (fetched.voided if fetched is not None else facts.recorded_voided.get(key)):
            live.update(facts.family.get(holder) for holder in holders)
    for order_id, order in facts.orders.items():
        if order.get("v2Status") == LABEL_PURCHASED:
            order["orderStatus"] = "shipped" if order_id in live else LABEL_PURCHASED
