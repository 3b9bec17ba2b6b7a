"""Carrier tracking of ShipStation v2 labels: what a tracking answer means for a parcel, and
what the parcels of a delivery mean for the delivery.

Plain Python, no Odoo import. :func:`parcel_tracking` reads the answer of
``GET /v2/labels/{label_id}/track`` (or the ``data`` of a ``TRACK_EVENT_V2`` webhook call,
which has the same fields) into a :class:`ParcelTracking`; :func:`delivery_summary` folds
the tracking of a delivery's live parcels into one status.

Two sources disagree on ``status_code``, and both shapes are read:

* docs.shipstation.com (the "Tracking" page, the webhook payload schemas) shows ShipEngine's
  two-letter codes: ``UN`` unknown, ``AC`` accepted, ``IT`` in transit, ``DE`` delivered,
  ``EX`` exception, ``AT`` delivery attempt, ``NY`` not yet in system, ``SP`` delivered to a
  service point; the detail is in ``status_detail_code`` (``OUT_FOR_DELIVERY``...);
* the published OpenAPI (``shipstation/mcp-shipstation-api``, ``openapi.yaml``) types
  ``status_code`` with the same enum as ``status_detail_code`` (``DELIVERED``,
  ``IN_TRANSIT``, ``PARCEL_LOST``...).

A two-letter code is read as the docs say; a longer one as a detail code, as the OpenAPI
says. Which one ShipStation really sends is not settled by either source (UNCONFIRMED).
The label's own ``tracking_status`` (``unknown``, ``in_transit``, ``error``,
``delivered``; ``GET /v2/labels``) is read when no code is given.
"""

import re
from collections import namedtuple

from .records_v2 import parse_time

#: The parcel statuses (the Odoo selection ``delivery_status``).
IN_TRANSIT, DELIVERED, EXCEPTION, UNKNOWN = "in_transit", "delivered", "exception", "unknown"

#: ShipEngine's two-letter status codes (docs.shipstation.com).
STATUS_CODES = {
    "UN": UNKNOWN,
    "NY": UNKNOWN,  # not yet in the carrier's system: a label is printed, no scan yet
    "AC": IN_TRANSIT,
    "IT": IN_TRANSIT,
    "DE": DELIVERED,
    "SP": DELIVERED,  # delivered to a service point (collection location)
    "EX": EXCEPTION,
    "AT": EXCEPTION,  # a delivery attempt failed
}
#: The label's ``tracking_status`` (v2 OpenAPI, schema ``tracking_status``).
LABEL_TRACKING_STATUSES = {"unknown": UNKNOWN, "in_transit": IN_TRANSIT, "delivered": DELIVERED, "error": EXCEPTION}

#: Detail codes (OpenAPI enum ``tracking_status_detail_code``) that mean delivered.
DELIVERED_DETAILS = frozenset(
    {
        "DELIVERED",
        "DELIVERED_SPECIFIED_SAFE_PLACE",
        "DELIVERED_TO_ALTERNATIVE_DELIVERY_LOCATION",
        "DELIVERED_TO_NEIGHBOUR",
        "DELIVERED_TO_PO_BOX",
        "DELIVERED_TO_LOCKER_COLLECTION_POINT",
        "PARCEL_COLLECTED_FROM_PICKUP_POINT",
        "PROOF_OF_DELIVERY",
    }
)
#: Detail codes on the way back to the sender.
RETURN_DETAILS = frozenset(
    {
        "RETURN_TO_SENDER",
        "CUSTOMER_MOVED",
        "HAZARDOUS_PROHIBITED",
        "NOT_COLLECTED_FROM_PICKUP_POINT",
        "NOT_DELIVERED",
        "PARCEL_OUTSIDE_OF_SERVICE_CAPABILITY",
        "REFUSED_BY_CUSTOMER",
    }
)
#: Detail codes after which the parcel goes nowhere any more.
FINAL_EXCEPTION_DETAILS = frozenset(
    {"PARCEL_LOST", "PARCEL_DISPOSED", "NOT_DELIVERED_ADDRESSEE_DECEASED", "CANCELLED", "CANCELLED_BEFORE_DESPATCH"}
)
#: Other detail codes that need someone: failed attempts, damage, customs holds, address problems.
EXCEPTION_DETAILS = (
    RETURN_DETAILS
    | FINAL_EXCEPTION_DETAILS
    | frozenset(
        {
            "ATTEMPTED_DELIVERY",
            "ATTEMPTED_DELIVERY_2ND",
            "ATTEMPTED_DELIVERY_3RD",
            "COLLECTION_FAILED",
            "COD_AMOUNT_NOT_PAID",
            "CUSTOMER_CARDED",
            "CUSTOMER_IDENTIFICATION_FAILED",
            "INVALID_METHOD_OF_PAYMENT",
            "NO_ACCESS_TO_RECIPIENTS_ADDRESS",
            "DELIVERED_DAMAGED",
            "DELIVERED_IN_PART",
            "PARCEL_DAMAGED",
            "ADDRESS_QUERY",
            "HELD_BY_CARRIER",
            "HELD_BY_CARRIER_FOR_CLEARANCE_PRE_PROCESSING",
            "HELD_BY_CUSTOMS",
            "HELD_BY_EXPORT_CUSTOMS",
            "HELD_BY_IMPORT_CUSTOMS",
            "INCORRECT_DECLARATION",
            "ROUTING_ERROR",
        }
    )
)
#: Detail codes before the carrier has the parcel.
UNKNOWN_DETAILS = frozenset({"AWAITING_ELECTRONIC_ADVICE", "NOT_YET_RECEIVED_BY_CARRIER", "CARRIER_STATUS_NOT_MAPPED"})

_LABEL_IN_URL = re.compile(r"/v2/labels/(se-\d+)/track(?:$|[/?#])", re.IGNORECASE)

ParcelTracking = namedtuple(
    "ParcelTracking",
    "status status_code detail_code description last_event_at estimated_at delivered_at returned final",
)
ParcelTracking.__doc__ = """What a tracking answer says about one parcel.

:param str status: ``in_transit``, ``delivered``, ``exception`` or ``unknown``
:param str status_code: ShipStation's ``status_code`` as sent ("" when none)
:param str detail_code: ``status_detail_code`` ("" when none)
:param str description: the carrier's own words (``carrier_status_description``, else
    ``exception_description``, ``status_detail_description``, ``status_description``)
:param last_event_at: aware UTC datetime of the newest event, or None
:param estimated_at: aware UTC datetime of ``estimated_delivery_date``, or None
:param delivered_at: aware UTC datetime of the delivery, or None (only when delivered)
:param bool returned: on its way back to the sender (or back there)
:param bool final: nothing will change any more: delivered, back at the sender, lost...
"""


def _text(value):
    return value.strip() if isinstance(value, str) else ""


def _time(value):
    try:
        return parse_time(value) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


def _status_of(code, detail, label_status):
    """The parcel status of a status code, a detail code and the label's tracking_status."""
    if detail in DELIVERED_DETAILS:
        return DELIVERED
    if detail in EXCEPTION_DETAILS:
        return EXCEPTION
    if code in STATUS_CODES:
        return STATUS_CODES[code]
    if code in DELIVERED_DETAILS:  # the OpenAPI's shape: status_code holds a detail code
        return DELIVERED
    if code in EXCEPTION_DETAILS:
        return EXCEPTION
    if code in UNKNOWN_DETAILS or detail in UNKNOWN_DETAILS:
        return UNKNOWN
    if code or detail:
        return IN_TRANSIT  # any other carrier scan: moving (OUT_FOR_DELIVERY, HUB_SCAN_OUT...)
    return LABEL_TRACKING_STATUSES.get(label_status, UNKNOWN)


def parcel_tracking(answer, label_status=None, was_returned=False):
    """Read a tracking answer (``GET /v2/labels/{id}/track``, or a ``track`` webhook's ``data``).

    :param dict answer: the answer, as ShipStation sends it
    :param str label_status: the label's ``tracking_status``, read when the answer has no code
    :param bool was_returned: the parcel was seen on its way back before: a later "delivered"
        is its arrival at the sender, not at the customer (how carriers report the end of a
        return is UNCONFIRMED; this reading keeps a returned parcel from counting as delivered)
    :return: :class:`ParcelTracking`
    :raises ValueError: when ``answer`` is not a JSON object
    """
    if not isinstance(answer, dict):
        raise ValueError("A tracking answer is a JSON object.")
    code = _text(answer.get("status_code")).upper()
    detail = _text(answer.get("status_detail_code")).upper()
    status = _status_of(code, detail, label_status)
    returned = was_returned or detail in RETURN_DETAILS or code in RETURN_DETAILS
    events = [e for e in answer.get("events") or () if isinstance(e, dict)]
    times = [t for t in (_time(e.get("occurred_at")) for e in events) if t is not None]
    delivered_at = _time(answer.get("actual_delivery_date")) if status == DELIVERED else None
    final = status == DELIVERED or detail in FINAL_EXCEPTION_DETAILS or code in FINAL_EXCEPTION_DETAILS
    if returned and status == DELIVERED:
        status, delivered_at = EXCEPTION, None  # back at the sender
    if status == DELIVERED and delivered_at is None and times:
        delivered_at = max(times)
    description = next(
        (
            _text(answer.get(key))
            for key in (
                "carrier_status_description",
                "exception_description",
                "status_detail_description",
                "status_description",
            )
            if _text(answer.get(key))
        ),
        "",
    )
    return ParcelTracking(
        status=status,
        status_code=code,
        detail_code=detail,
        description=description[:500],
        last_event_at=max(times) if times else None,
        estimated_at=_time(answer.get("estimated_delivery_date")),
        delivered_at=delivered_at,
        returned=returned,
        final=final,
    )


def label_of_resource_url(url):
    """The ``label_id`` a track webhook's ``resource_url`` names (``…/v2/labels/se-1/track``), or None.

    The address is only parsed, never called.
    """
    match = _LABEL_IN_URL.search(url) if isinstance(url, str) else None
    return match.group(1).lower() if match else None


DeliverySummary = namedtuple("DeliverySummary", "status delivered_at returned")
DeliverySummary.__doc__ = """The tracking of a delivery: ``status`` (a parcel status, or None
before any tracking read), ``delivered_at`` (when the last parcel arrived, only when
delivered) and ``returned`` (a parcel is on its way back)."""


def delivery_summary(parcels):
    """Fold the tracking of a delivery's live parcels into one status.

    Delivered only when every live parcel is; an exception as soon as one parcel has one;
    in transit while any parcel is moving or delivered; unknown when the carrier knows
    none yet; None while no parcel was ever read.

    :param parcels: ``(status or None, delivered_at or None, returned)`` of each live parcel
    :return: :class:`DeliverySummary`
    """
    parcels = list(parcels)
    statuses = [status for status, _at, _returned in parcels]
    returned = any(r for _s, _at, r in parcels)
    if not parcels or not any(statuses):
        return DeliverySummary(None, None, returned)
    if EXCEPTION in statuses:
        return DeliverySummary(EXCEPTION, None, returned)
    if all(status == DELIVERED for status in statuses):
        dates = [at for _s, at, _r in parcels if at]
        return DeliverySummary(DELIVERED, max(dates) if dates else None, returned)
    if IN_TRANSIT in statuses or DELIVERED in statuses:
        return DeliverySummary(IN_TRANSIT, None, returned)
    return DeliverySummary(UNKNOWN, None, returned)
