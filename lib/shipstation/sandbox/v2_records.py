"""The sandbox's records in ShipStation API v2's shape, and v2 input read back into v1 fields.

v2 renames v1's records: a v1 *order* is a v2 **shipment** and a v1 *shipment* (a label) is
a v2 **label**. Ids map one to one: orderId N is ``shipment_id`` ``"se-N"``, shipmentId M is
``label_id`` ``"se-M"``; the orderKey is the ``external_shipment_id`` (at most 50 characters:
longer keys show truncated). Timestamps are ISO-8601 UTC with milliseconds and ``Z``
(``2024-06-03T17:00:00.000Z``), ship dates ``YYYY-MM-DD``, costs ``monetary_value`` objects
in ``usd``. No Pacific time anywhere.

The render functions read the store's *internal* records (aware UTC datetimes), never the
rendered v1 copies, so no instant is lost in Pacific time's repeated autumn hour. Values a
test wrote raw (:meth:`~.mutations.StoreMutations.set_raw`) pass through unchanged when they
cannot be converted, as a real answer would carry them.
"""

import re
from datetime import date, datetime, timezone

from .records import InvalidRequest

EXTERNAL_ID_MAX = 50
CURRENCY = "usd"
SHIPMENT_STATUSES = ("pending", "processing", "label_purchased", "cancelled", "on_hold")
LABEL_STATUSES = ("processing", "completed", "error", "voided")
_STATUS_V2 = {
    "awaiting_payment": "pending",
    "awaiting_shipment": "pending",
    "pending_fulfillment": "pending",
    "on_hold": "on_hold",
    "shipped": "label_purchased",
    "cancelled": "cancelled",
}
# v1 statuses behind each v2 shipment_status filter value (``processing`` has none).
STATUS_V1 = {status: tuple(v1 for v1, v2 in _STATUS_V2.items() if v2 == status) for status in SHIPMENT_STATUSES}
#: The orderNumber of a shipment created without a shipment_number, until the store numbers it.
GENERATED_NUMBER = "(generated)"
_SE_ID = re.compile(r"^se-(\d+)$")
_WEIGHT_UNITS = {"ounces": "ounce", "pounds": "pound", "grams": "gram", "kilograms": "kilogram"}
_TRACKING_URLS = (
    (("usps", "stamps"), "https://tools.usps.com/go/TrackConfirmAction?tLabels=%s"),
    (("fedex",), "https://www.fedex.com/fedextrack/?trknbr=%s"),
    (("ups",), "https://www.ups.com/track?loc=en_US&tracknum=%s"),
    (("dhl",), "https://www.dhl.com/us-en/home/tracking.html?tracking-id=%s"),
)


# -- ids, times, amounts ------------------------------------------------------------------


def se_id(number):
    """``"se-<number>"``, or None for None."""
    return None if number is None else "se-%s" % number


def parse_se_id(value):
    """The number of an ``se-<digits>`` id, or None when ``value`` is not one."""
    match = _SE_ID.match(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def external_id(order_key):
    """The ``external_shipment_id`` showing an orderKey (truncated to 50 characters)."""
    return order_key[:EXTERNAL_ID_MAX] if isinstance(order_key, str) else order_key


def iso(value):
    """An aware datetime as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC); None stays None."""
    if not isinstance(value, datetime):
        return value
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (value.microsecond // 1000)


def day(value):
    """A ship date as ``YYYY-MM-DD``; None stays None."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, date) else value


def money(amount):
    """``{"currency": "usd", "amount": float}`` (a missing amount is 0)."""
    if amount is None:
        amount = 0.0
    elif isinstance(amount, (int, float)) and not isinstance(amount, bool):
        amount = float(amount)
    return {"currency": CURRENCY, "amount": amount}


def weight(value):
    """v1 ``{"value", "units": "ounces"}`` as v2 ``{"value", "unit": "ounce"}`` (or None)."""
    if not isinstance(value, dict):
        return None
    units = value.get("units")
    return {"value": value.get("value"), "unit": _WEIGHT_UNITS.get(units, units)}


def tracking_url(carrier_code, number):
    """A carrier tracking page for the number, or None (no number, unknown carrier)."""
    carrier = (carrier_code or "").lower()
    if not number:
        return None
    for prefixes, pattern in _TRACKING_URLS:
        if carrier.startswith(prefixes):
            return pattern % number
    return None


# -- addresses ------------------------------------------------------------------------------


#: Where the sandbox's shipments leave from (v2 requires a ship_from and a return_to on every
#: shipment; v1 orders name none, ShipStation fills in the warehouse's).
WAREHOUSE_ADDRESS = {
    "name": "Sandbox Warehouse",
    "phone": "+1 512 555 0199",
    "company_name": "ShipStation Sandbox",
    "address_line1": "4301 Bull Creek Road",
    "city_locality": "Austin",
    "state_province": "TX",
    "postal_code": "78731",
    "country_code": "US",
    "address_residential_indicator": "no",
}
#: The weight of a shipment or package whose order has none (v2 requires one on both).
NO_WEIGHT = {"value": 0.0, "unit": "ounce"}


def _present(values):
    """``values`` without its empty fields: v2 leaves out what it does not have (its address
    fields are at least one character long, and most are not nullable)."""
    return {name: value for name, value in values.items() if value is not None and value != ""}


def address_v2(value):
    """A v1 address (``street1``, ``city``...) in v2's shape (``address_line1``, ``city_locality``...)."""
    value = value or {}
    shaped = _present(
        {
            "name": value.get("name"),
            "phone": value.get("phone"),
            "company_name": value.get("company"),
            "address_line1": value.get("street1"),
            "address_line2": value.get("street2"),
            "address_line3": value.get("street3"),
            "city_locality": value.get("city"),
            "state_province": value.get("state"),
            "postal_code": value.get("postalCode"),
            "country_code": value.get("country"),
        }
    )
    shaped["address_residential_indicator"] = {True: "yes", False: "no"}.get(value.get("residential"), "unknown")
    return shaped


def address_v1(value):
    """A v2 address read back into v1 keys (unknown keys are dropped)."""
    return {
        "name": value.get("name"),
        "phone": value.get("phone"),
        "company": value.get("company_name"),
        "street1": value.get("address_line1"),
        "street2": value.get("address_line2"),
        "street3": value.get("address_line3"),
        "city": value.get("city_locality"),
        "state": value.get("state_province"),
        "postalCode": value.get("postal_code"),
        "country": value.get("country_code") or "US",
        "residential": {"yes": True, "no": False}.get(value.get("address_residential_indicator")),
    }


# -- records --------------------------------------------------------------------------------


def _item_v2(item):
    return _present(
        {
            "sku": item.get("sku"),
            "name": item.get("name"),
            "quantity": item.get("quantity"),
            "external_order_item_id": None if item.get("lineItemKey") is None else str(item["lineItemKey"]),
        }
    )


def shipment(order):
    """One internal v1 order as a v2 ``shipment``, with every field the published shipment requires.

    Split and merged orders render plainly, each as its own shipment: v2 documents no
    parent or merged-ids fields (split siblings share their external_shipment_id).
    A v1 order shipped without a label (marked as shipped) is ``label_purchased`` too.
    The order's weight is its one package's, and the shipment's ``total_weight``.
    """
    advanced = order.get("advancedOptions") or {}
    total = weight(order.get("weight")) or dict(NO_WEIGHT)
    rendered = {
        "shipment_id": se_id(order["orderId"]),
        "external_shipment_id": external_id(order.get("orderKey")),
        "shipment_number": order.get("orderNumber"),
        "shipment_status": _STATUS_V2.get(order.get("orderStatus"), order.get("orderStatus")),
        "created_at": iso(order.get("createDate")),
        "modified_at": iso(order.get("modifyDate")),
        "ship_date": day(order.get("shipDate")),
        "service_code": order.get("serviceCode"),
        "warehouse_id": se_id(advanced.get("warehouseId")),
        "items": [_item_v2(item) for item in order.get("items") or []],
        "ship_to": address_v2(order.get("shipTo")),
        "ship_from": dict(WAREHOUSE_ADDRESS),
        "return_to": dict(WAREHOUSE_ADDRESS),
        "confirmation": order.get("confirmation") or "none",
        "advanced_options": {},
        "insurance_provider": "none",
        "tags": [],
        "packages": [{"weight": dict(total)}],
        "total_weight": total,
    }
    if advanced.get("storeId") is not None:
        rendered["store_id"] = se_id(advanced["storeId"])
    return rendered


def label(record):
    """One internal v1 shipment (a label) as a v2 ``label``; v2 labels list no items."""
    number = record.get("trackingNumber")
    voided = bool(record.get("voided"))
    package = _present({"tracking_number": number, "package_code": record.get("packageCode")})
    package["weight"] = weight(record.get("weight")) or dict(NO_WEIGHT)
    return _present(
        {
            "label_id": se_id(record["shipmentId"]),
            "status": "voided" if voided else "completed",
            "shipment_id": se_id(record.get("orderId")),
            "external_shipment_id": external_id(record.get("orderKey")),
            "ship_date": day(record.get("shipDate")),
            "created_at": iso(record.get("createDate")),
            "shipment_cost": money(record.get("shipmentCost")),
            "insurance_cost": money(record.get("insuranceCost")),
            "tracking_number": number,
            "tracking_url": tracking_url(record.get("carrierCode"), number),
            "is_return_label": bool(record.get("isReturnLabel")),
            "carrier_code": record.get("carrierCode"),
            "service_code": record.get("serviceCode"),
            "package_code": record.get("packageCode"),
            "confirmation": record.get("confirmation") or "none",
            "voided": voided,
            "packages": [package],
        }
    ) | {"voided_at": iso(record.get("voidDate")) if voided else None}


# -- POST /v2/shipments input ----------------------------------------------------------------


def _se_number(value, field):
    if value is None:
        return None
    number = parse_se_id(value) if not str(value).isdigit() else int(value)
    if number is None:
        raise InvalidRequest("%s must be an se-<digits> id, not '%s'." % (field, value), field)
    return number


def _item_v1(item):
    if not isinstance(item, dict):
        raise InvalidRequest("Each item must be a JSON object.", "items")
    quantity = item.get("quantity", 1)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise InvalidRequest("items.quantity must be a whole number of at least 0.", "items.quantity")
    return {
        "sku": item.get("sku"),
        "name": item.get("name"),
        "quantity": quantity,
        "lineItemKey": item.get("external_order_item_id"),
    }


_V1_UNITS = {"ounce": ("ounces", 1.0), "pound": ("pounds", 1.0), "gram": ("grams", 1.0), "kilogram": ("grams", 1000.0)}


def _packages_weight(packages):
    """The v1 weight of a new shipment's packages (their weights summed), or None without any."""
    weights = [p.get("weight") for p in packages or () if isinstance(p, dict) and isinstance(p.get("weight"), dict)]
    if not weights:
        return None
    units = {_V1_UNITS.get(w.get("unit"), ("ounces", 1.0))[0] for w in weights}
    if len(units) > 1:  # mixed units: in ounces
        to_ounces = {"ounce": 1.0, "pound": 16.0, "gram": 0.035274, "kilogram": 35.274}
        return {"value": sum(w["value"] * to_ounces.get(w.get("unit"), 1.0) for w in weights), "units": "ounces"}
    unit, factor = _V1_UNITS.get(weights[0].get("unit"), ("ounces", 1.0))
    return {"value": sum(w["value"] * factor for w in weights), "units": unit}


def shipment_fields(item):
    """v1 order fields (for the store's ``_build_order``) from one ``create_shipment_request``.

    The ``external_shipment_id`` is truncated to 50 characters; ``ship_from`` has no v1
    counterpart and is not kept.

    :raises InvalidRequest: not an object, no ``ship_to``, a status other than ``pending``, a
        malformed item or store/warehouse id. A shipment without a ``shipment_number`` gets
        one (the docs: generated when not given): :data:`GENERATED_NUMBER`, replaced by the
        store with the new shipment's id.
    """
    if not isinstance(item, dict):
        raise InvalidRequest("A shipment must be a JSON object.", "shipments")
    number = item.get("shipment_number") or GENERATED_NUMBER
    # The published create_shipment_request requires nothing; a shipment's answer must carry a
    # ship_to (required there), so the sandbox asks for one (UNCONFIRMED: what ShipStation does
    # with a shipment created without an address is not documented).
    ship_to = item.get("ship_to")
    if not isinstance(ship_to, dict) or not ship_to:
        raise InvalidRequest("The ship_to field is required.", "ship_to")
    if item.get("shipment_status") not in (None, "pending"):
        raise InvalidRequest(
            "A new shipment can only be pending, not '%s'." % item["shipment_status"], "shipment_status"
        )
    key = item.get("external_shipment_id")
    if key is not None and not isinstance(key, str):
        raise InvalidRequest("external_shipment_id must be a string.", "external_shipment_id")
    items = item.get("items") or []
    if not isinstance(items, list):
        raise InvalidRequest("items must be an array.", "items")
    advanced = {}
    for field, v1_field in (("store_id", "storeId"), ("warehouse_id", "warehouseId")):
        number_id = _se_number(item.get(field), field)
        if number_id is not None:
            advanced[v1_field] = number_id
    fields = {
        "weight": _packages_weight(item.get("packages")),
        "orderNumber": str(number),
        "orderKey": external_id(key) or None,
        "orderStatus": "awaiting_shipment",
        "shipTo": address_v1(ship_to),
        "billTo": {"name": ship_to.get("name")},
        "items": [_item_v1(line) for line in items],
        "advancedOptions": advanced,
    }
    if isinstance(item.get("service_code"), str):
        fields["serviceCode"] = item["service_code"]
    paid = item.get("amount_paid")
    if isinstance(paid, dict) and isinstance(paid.get("amount"), (int, float)):
        fields["amountPaid"] = float(paid["amount"])
    return fields
