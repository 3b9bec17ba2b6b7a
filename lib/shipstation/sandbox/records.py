"""Record shapes, time conversion and the fake clock of the ShipStation sandbox.

Internally a record is a dict in ShipStation's response shape whose timestamps are aware
UTC datetimes and whose ``shipDate`` is a ``date``; :func:`ingest` builds that from wire or
seed data and :func:`render` turns it back into what the API sends.
"""

import re
import threading
from datetime import date, datetime, timedelta, timezone

from ..timeutil import PACIFIC, parse_ss_datetime, to_ss_timestamp

STATUSES = ("awaiting_payment", "awaiting_shipment", "pending_fulfillment", "shipped", "on_hold", "cancelled")
# Statuses createorder may still update (shipped and cancelled orders are frozen).
OPEN_STATUSES = ("awaiting_payment", "awaiting_shipment", "pending_fulfillment", "on_hold")
TIMESTAMP_FIELDS = frozenset(
    "orderDate createDate modifyDate paymentDate shipByDate holdUntilDate voidDate deliveryDate".split()
)
DATE_FIELDS = frozenset(["shipDate"])
USER_ID = "3f0f1c2d-7e4f-4a5b-9c6d-5e8f9a0b1c2d"  # ShipStation user ids are GUIDs
DEFAULT_STORE_ID = 31001
DEFAULT_WAREHOUSE_ID = 41001
_RELATIVE = re.compile(r"^now((?:\s*[+-]\s*\d+(?:\.\d+)?\s*[smhdw])*)$", re.IGNORECASE)
_TERM = re.compile(r"([+-])\s*(\d+(?:\.\d+)?)\s*([smhdw])", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class InvalidRequest(ValueError):
    """Input ShipStation would refuse with a 400; ``field`` is the ModelState key."""

    def __init__(self, message, field="apiOrder"):
        super().__init__(message)
        self.field = field


def utcnow():
    """Real current time as an aware UTC datetime (the default clock)."""
    return datetime.now(timezone.utc)


class FakeClock:
    """Manually driven clock: call it for "now", advance it instead of waiting.

    Usable wherever the sandbox or a client takes a clock, and as a ``time.sleep``
    replacement (``clock.sleep(5)`` advances five seconds at once).

    :param start: aware datetime, ISO string, or None for the real now (whole seconds)
    """

    def __init__(self, start=None):
        if start is None:
            start = utcnow().replace(microsecond=0)
        elif isinstance(start, str):
            start = datetime.fromisoformat(start)
        if start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        self._now = start.astimezone(timezone.utc)
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            return self._now

    def __repr__(self):
        return "FakeClock(%s)" % self().isoformat()

    def advance(self, seconds=0.0, **delta):
        """Move the clock forward; ``delta`` takes :class:`~datetime.timedelta` keywords.

        :return: the new now
        """
        with self._lock:
            self._now += timedelta(seconds=seconds, **delta)
            return self._now

    def sleep(self, seconds):
        """``time.sleep`` stand-in: advance instead of blocking."""
        self.advance(seconds)

    def set(self, when):
        """Jump to an aware datetime (naive is taken as UTC)."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        with self._lock:
            self._now = when.astimezone(timezone.utc)

    def monotonic(self):
        """Seconds as a float, a ``time.monotonic`` stand-in driven by the same clock."""
        return self().timestamp()


def parse_time(value, now):
    """Read a timestamp given as datetime, ShipStation text or ``now-3d``.

    :param now: aware datetime that relative values count from
    :return: aware UTC datetime, or None for an empty value
    :raises InvalidRequest: when the text is not a timestamp
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=PACIFIC).astimezone(timezone.utc)
    text = str(value).strip()
    match = _RELATIVE.match(text)
    if match:
        seconds = sum(
            (1 if sign == "+" else -1) * float(amount) * _UNIT_SECONDS[unit.lower()]
            for sign, amount, unit in _TERM.findall(match.group(1))
        )
        return now + timedelta(seconds=seconds)
    try:
        return parse_ss_datetime(text)
    except (ValueError, OverflowError):
        raise InvalidRequest("The value '%s' is not a valid date." % text, "date") from None


def parse_date(value, now):
    """Read a ``shipDate`` (date, datetime, ``YYYY-MM-DD``, ``now-2d``) as a Pacific date.

    :raises InvalidRequest: when the value is not a date
    """
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and not _RELATIVE.match(value.strip()):
        try:
            # A full timestamp in a date field keeps its date part, like ShipStation.
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise InvalidRequest("The value '%s' is not a valid date." % value, "shipDate") from None
    return parse_time(value, now).astimezone(PACIFIC).date()


def ingest(obj, now):
    """Deep-copy JSON-like input, turning its timestamp and date fields into objects."""
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if key in TIMESTAMP_FIELDS and not isinstance(value, (dict, list)):
                out[key] = parse_time(value, now)
            elif key in DATE_FIELDS and not isinstance(value, (dict, list)):
                out[key] = parse_date(value, now)
            else:
                out[key] = ingest(value, now)
        return out
    if isinstance(obj, list):
        return [ingest(value, now) for value in obj]
    return obj


def render(obj):
    """Deep-copy a record into ShipStation's wire form (Pacific text, plain dates)."""
    if isinstance(obj, dict):
        return {key: render(value) for key, value in obj.items()}
    if isinstance(obj, list):
        return [render(value) for value in obj]
    if isinstance(obj, datetime):
        return to_ss_timestamp(obj)
    if isinstance(obj, date):
        return obj.isoformat()
    return obj


def tracking_number(carrier, serial):
    """A made-up tracking number shaped like the carrier's real ones.

    :param str carrier: carrier code (``ups``, ``usps``, ``fedex``...)
    :param int serial: unique serial, at most 10 digits
    """
    carrier = (carrier or "").lower()
    if carrier.startswith(("usps", "stamps")):
        return "9400111899%012d" % serial
    if carrier.startswith("fedex"):
        return "77%010d" % serial
    return "1Z999AA1%010d" % serial


def address(value=None):
    """Address with every ShipStation key; ``value`` overrides."""
    out = {
        "name": None,
        "company": None,
        "street1": None,
        "street2": None,
        "street3": None,
        "city": None,
        "state": None,
        "postalCode": None,
        "country": "US",
        "phone": None,
        "residential": None,
        "addressVerified": None,
    }
    out.update(value or {})
    return out


def item_defaults(now):
    """Order or shipment item with ShipStation's keys."""
    return {
        "orderItemId": None,
        "lineItemKey": None,
        "sku": None,
        "name": None,
        "imageUrl": None,
        "weight": None,
        "quantity": 1,
        "unitPrice": 0.0,
        "taxAmount": None,
        "shippingAmount": None,
        "warehouseLocation": None,
        "options": [],
        "productId": None,
        "fulfillmentSku": None,
        "adjustment": False,
        "upc": None,
        "createDate": now,
        "modifyDate": now,
    }


def advanced_defaults():
    """``advancedOptions`` of a new order."""
    return {
        "warehouseId": DEFAULT_WAREHOUSE_ID,
        "nonMachinable": False,
        "saturdayDelivery": False,
        "containsAlcohol": False,
        "mergedOrSplit": False,
        "mergedIds": [],
        "parentId": None,
        "storeId": DEFAULT_STORE_ID,
        "customField1": None,
        "customField2": None,
        "customField3": None,
        "source": None,
        "billToParty": None,
        "billToAccount": None,
        "billToPostalCode": None,
        "billToCountryCode": None,
        "billToMyOtherAccount": None,
    }


def order_defaults():
    """Every top-level order key; dates and totals are filled in by the store."""
    return {
        "orderId": None,
        "orderNumber": None,
        "orderKey": None,
        "orderDate": None,
        "createDate": None,
        "modifyDate": None,
        "paymentDate": None,
        "shipByDate": None,
        "orderStatus": None,
        "customerId": None,
        "customerUsername": None,
        "customerEmail": None,
        "billTo": None,
        "shipTo": None,
        "items": [],
        "orderTotal": None,
        "amountPaid": None,
        "taxAmount": 0.0,
        "shippingAmount": 0.0,
        "customerNotes": None,
        "internalNotes": None,
        "gift": False,
        "giftMessage": None,
        "paymentMethod": None,
        "requestedShippingService": None,
        "carrierCode": None,
        "serviceCode": None,
        "packageCode": None,
        "confirmation": "none",
        "shipDate": None,
        "holdUntilDate": None,
        "weight": None,
        "dimensions": None,
        "insuranceOptions": {"provider": None, "insureShipment": False, "insuredValue": 0.0},
        "internationalOptions": {"contents": None, "customsItems": None, "nonDelivery": None},
        "advancedOptions": None,
        "tagIds": None,
        "userId": None,
        "externallyFulfilled": False,
        "externallyFulfilledBy": None,
        "externallyFulfilledById": None,
        "externallyFulfilledByName": None,
        "labelMessages": None,
    }


def shipment_defaults():
    """Every shipment key (label created in ShipStation)."""
    return {
        "shipmentId": None,
        "orderId": None,
        "orderKey": None,
        "userId": USER_ID,
        "customerEmail": None,
        "orderNumber": None,
        "createDate": None,
        "shipDate": None,
        "shipmentCost": 0.0,
        "insuranceCost": 0.0,
        "trackingNumber": None,
        "isReturnLabel": False,
        "batchNumber": None,
        "carrierCode": None,
        "serviceCode": None,
        "packageCode": "package",
        "confirmation": "none",
        "warehouseId": DEFAULT_WAREHOUSE_ID,
        "voided": False,
        "voidDate": None,
        "marketplaceNotified": False,
        "notifyErrorMessage": None,
        "shipTo": address(),
        "weight": None,
        "dimensions": None,
        "insuranceOptions": {"provider": None, "insureShipment": False, "insuredValue": 0.0},
        "advancedOptions": {
            "billToParty": None,
            "billToAccount": None,
            "billToPostalCode": None,
            "billToCountryCode": None,
            "storeId": DEFAULT_STORE_ID,
        },
        "shipmentItems": [],
        "labelData": None,
        "formData": None,
    }


def fulfillment_defaults():
    """Every fulfillment key (order marked as shipped, or fill provider)."""
    return {
        "fulfillmentId": None,
        "orderId": None,
        "orderNumber": None,
        "userId": USER_ID,
        "customerEmail": None,
        "trackingNumber": None,
        "createDate": None,
        "shipDate": None,
        "voidDate": None,
        "deliveryDate": None,
        "carrierCode": None,
        "sellerFillProviderId": None,
        "sellerFillProviderName": None,
        "fulfillmentServiceCode": None,
        "fulfillmentProviderCode": None,
        "fulfillmentFee": 0.0,
        "voidRequested": False,
        "voided": False,
        "marketplaceNotified": False,
        "notifyErrorMessage": None,
        "shipTo": address(),
    }
