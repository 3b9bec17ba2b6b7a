"""Reading ShipStation API v1 records into the sync's values.

One record that cannot be understood (a cost that is no amount, a timestamp that
does not parse, an id that is no number) raises :class:`Unreadable`, naming the
record, its order when it has one, the field and the value; the reader sets that
record aside and goes on with the others. Nothing else is raised here.
"""

from .encoding import UNREADABLE, parse_amount
from .values import Parcel


class Unreadable(Exception):
    """A ShipStation record the sync cannot understand.

    :param str kind: ``order``, ``shipment`` or ``fulfillment``
    :param record_id: the record's id, as sent
    :param int order_id: the order it belongs to, when that much could be read
    :param str field: the field that could not be read
    :param value: its value, as sent
    """

    def __init__(self, kind, record_id, order_id, field, value):
        super().__init__("%s %s: %s %r" % (kind, record_id, field, value))
        self.kind, self.record_id, self.order_id, self.field, self.value = kind, record_id, order_id, field, value

    def describe(self):
        """``(kind, record id, field, value)`` as text, for the delivery's message."""
        return (self.kind, str(self.record_id), self.field, str(self.value)[:80])


def _int(value):
    """An id: an int, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _check(record, kind, id_key):
    """``(record id, order id)`` of a record, or :class:`Unreadable`."""
    if not isinstance(record, dict):
        raise Unreadable(kind, "?", None, "record", record)
    record_id = _int(record.get(id_key))
    order_id = _int(record.get("orderId"))
    if record_id is None:
        raise Unreadable(kind, record.get(id_key), order_id, id_key, record.get(id_key))
    if record.get(UNREADABLE):
        field, value = record[UNREADABLE][0]
        raise Unreadable(kind, record_id, order_id, field, value)
    return record_id, order_id


def read_order(order):
    """A ShipStation order as the sync reads it (ids as ints, options as a dict).

    :return: a new dict
    :raises Unreadable: when a field the sync uses cannot be read
    """
    order_id, _ = _check(order, "order", "orderId")
    advanced = order.get("advancedOptions")
    if advanced is not None and not isinstance(advanced, dict):
        raise Unreadable("order", order_id, order_id, "advancedOptions", advanced)
    advanced = dict(advanced or {})
    for name in ("parentId",):
        if advanced.get(name) is not None and _int(advanced[name]) is None:
            raise Unreadable("order", order_id, order_id, "advancedOptions." + name, advanced[name])
        advanced[name] = _int(advanced.get(name))
    merged = advanced.get("mergedIds") or []
    if not isinstance(merged, list) or any(_int(m) is None for m in merged):
        raise Unreadable("order", order_id, order_id, "advancedOptions.mergedIds", merged)
    advanced["mergedIds"] = [_int(m) for m in merged]
    status = order.get("orderStatus")
    if status is not None and not isinstance(status, str):
        raise Unreadable("order", order_id, order_id, "orderStatus", status)
    items = order.get("items")
    if items is not None and not isinstance(items, list):
        raise Unreadable("order", order_id, order_id, "items", items)
    return dict(order, orderId=order_id, advancedOptions=advanced, items=_order_items(items or (), order_id))


def _order_items(items, order_id):
    """The order's lines, their quantities as numbers (a label listing no items ships them)."""
    read = []
    for item in items:
        if not isinstance(item, dict):
            raise Unreadable("order", order_id, order_id, "items", item)
        try:
            quantity = parse_amount(item.get("quantity"))
        except (TypeError, ValueError):
            raise Unreadable("order", order_id, order_id, "items.quantity", item.get("quantity")) from None
        read.append(dict(item, quantity=quantity))
    return read


def _amount(record, field, kind, record_id, order_id):
    try:
        return parse_amount(record.get(field))
    except (TypeError, ValueError):
        raise Unreadable(kind, record_id, order_id, field, record.get(field)) from None


def _items(raw_items, record_id, order_id):
    if raw_items is None:
        return None
    if not isinstance(raw_items, list):
        raise Unreadable("shipment", record_id, order_id, "shipmentItems", raw_items)
    items = []
    for item in raw_items:
        if not isinstance(item, dict):
            raise Unreadable("shipment", record_id, order_id, "shipmentItems", item)
        if item.get("adjustment"):
            continue
        quantity = _amount(item, "quantity", "shipment", record_id, order_id)
        items.append((str(item.get("sku") or ""), quantity))
    return tuple(items) or None


def _text(value):
    return value if isinstance(value, str) else ("" if value is None else str(value))


def parcel_from_shipment(shipment):
    """:class:`~.values.Parcel` from a ShipStation shipment (as the client returns it).

    :raises Unreadable: when a field the sync uses cannot be read
    """
    shipment_id, order_id = _check(shipment, "shipment", "shipmentId")
    return Parcel(
        key=("shipment", shipment_id),
        order_id=order_id,
        tracking_number=_text(shipment.get("trackingNumber")).strip(),
        carrier_code=_text(shipment.get("carrierCode")),
        service_code=_text(shipment.get("serviceCode")),
        ship_date=shipment.get("shipDate"),
        create_date=shipment.get("createDate"),
        cost=_amount(shipment, "shipmentCost", "shipment", shipment_id, order_id),
        insurance_cost=_amount(shipment, "insuranceCost", "shipment", shipment_id, order_id),
        voided=bool(shipment.get("voided")),
        void_date=shipment.get("voidDate"),
        is_return=bool(shipment.get("isReturnLabel")),
        items=_items(shipment.get("shipmentItems"), shipment_id, order_id),
    )


def parcel_from_fulfillment(fulfillment):
    """:class:`~.values.Parcel` from a ShipStation fulfillment (an order marked as shipped).

    :raises Unreadable: when a field the sync uses cannot be read
    """
    fulfillment_id, order_id = _check(fulfillment, "fulfillment", "fulfillmentId")
    return Parcel(
        key=("fulfillment", fulfillment_id),
        order_id=order_id,
        tracking_number=_text(fulfillment.get("trackingNumber")).strip(),
        carrier_code=_text(fulfillment.get("carrierCode")),
        service_code=_text(fulfillment.get("fulfillmentServiceCode")),
        ship_date=fulfillment.get("shipDate"),
        create_date=fulfillment.get("createDate"),
        cost=_amount(fulfillment, "fulfillmentFee", "fulfillment", fulfillment_id, order_id),
        voided=bool(fulfillment.get("voided")),
        void_date=fulfillment.get("voidDate"),
    )
