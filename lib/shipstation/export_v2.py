"""Export over ShipStation API v2: the order the export builds, as a v2 shipment.

The export builds one order per delivery in v1's shape (``POST /orders/createorders``);
over v2 that order becomes a *shipment* (``POST /v2/shipments``; ShipStation creates it
``pending``):

* ``external_shipment_id`` is the order key, at most 50 characters (v2 cuts longer ones
  silently, which could make two deliveries one): a longer key is shortened to a stable
  hash of itself;
* ``shipment_number`` is the delivery's reference (v1's ``orderNumber``);
* addresses and items are renamed field by field (v2's shipment items carry no price).

Pure: no Odoo, no HTTP (the v2 client sends what this builds).
"""

import hashlib
from datetime import timezone

MAX_EXTERNAL_ID = 50
_RESIDENTIAL = {True: "yes", False: "no", None: "unknown"}


def external_id(order_key):
    """``order_key`` as a v2 ``external_shipment_id``: unchanged up to 50 characters,
    else its first 29 characters, a dash and 20 hex characters of its SHA-1 (stable)."""
    if len(order_key) <= MAX_EXTERNAL_ID:
        return order_key
    return "%s-%s" % (order_key[:29], hashlib.sha1(order_key.encode()).hexdigest()[:20])  # noqa: S324 - an id, not a secret


def address_v2(address):
    """A v1 address (``name``, ``street1``, ``city``...) in v2's shape."""
    address = address or {}
    return {
        "name": address.get("name") or "",
        "company_name": address.get("company") or None,
        "phone": address.get("phone") or "",
        "address_line1": address.get("street1") or "",
        "address_line2": address.get("street2") or None,
        "address_line3": address.get("street3") or None,
        "city_locality": address.get("city") or "",
        "state_province": address.get("state") or "",
        "postal_code": address.get("postalCode") or "",
        "country_code": address.get("country") or "",
        "address_residential_indicator": _RESIDENTIAL.get(address.get("residential"), "unknown"),
    }


def _weight(weight):
    if not weight:
        return None
    units = {"pounds": "pound", "ounces": "ounce", "grams": "gram"}.get(weight.get("units"), weight.get("units"))
    return {"value": weight.get("value"), "unit": units}


def shipment_from_order(order):
    """The v2 shipment for an order the export built (v1 shape, plus ``shipFrom`` when known).

    :param dict order: as ``shipstation.export._prepare_order`` builds it
    :return: dict for ``POST /v2/shipments``
    """
    shipment = {
        "external_shipment_id": external_id(order["orderKey"]),
        "shipment_number": order["orderNumber"],
        "ship_to": address_v2(order.get("shipTo")),
        "items": [
            {
                "sku": item.get("sku"),
                "name": item.get("name"),
                "quantity": item.get("quantity"),
                "external_order_item_id": item.get("lineItemKey"),
            }
            for item in order.get("items") or ()
        ],
    }
    if order.get("shipFrom"):
        shipment["ship_from"] = address_v2(order["shipFrom"])
    ship_by = order.get("shipByDate")
    if ship_by:
        # ISO-8601 UTC, as every v2 timestamp.
        shipment["ship_by_date"] = (
            ship_by.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            if hasattr(ship_by, "astimezone")
            else ship_by
        )
    weight = _weight(order.get("weight"))
    if weight:
        shipment["total_weight"] = weight
    store_id = (order.get("advancedOptions") or {}).get("storeId")
    if store_id:
        shipment["store_id"] = "se-%d" % store_id  # v2 writes every id with its prefix
    if order.get("serviceCode"):
        # v2 names the carrier by the id of a carrier account, not by v1's code: the service
        # code alone goes (it names the carrier too).
        shipment["service_code"] = order["serviceCode"]
    return shipment


def error_message(errors):
    """The words of a created shipment's ``errors`` (strings, as v2 documents them, or
    objects with a ``message``), joined."""
    words = [str(e.get("message") or e.get("error_code")) if isinstance(e, dict) else str(e) for e in errors or ()]
    return "; ".join(w for w in words if w) or None
