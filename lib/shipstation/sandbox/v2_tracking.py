"""Carrier tracking of the sandbox's labels, in API v2's shapes.

Routes::

    GET  /v2/labels/{label_id}/track          -> the label's tracking (API-Key; 404 for an unknown label)
    POST /_sandbox/labels/{label_id}/track    {"state": "delivered"} or explicit fields -> the new tracking;
                                              fires TRACK_EVENT_V2 to its subscribers (v1 Basic auth,
                                              like every control route)

Every label moves along :data:`TIMELINE` as the store's clock passes its creation (not yet
in the carrier's system, accepted, in transit, out for delivery, delivered after 56
hours), so a demo or a benchmark sees parcels progress by themselves. A state set on
demand (:data:`PRESETS`, or ``status_code`` / ``status_detail_code`` / ``description``)
adds an event and freezes the label there: it follows only what is set on demand from
then on. Only states set on demand fire a ``TRACK_EVENT_V2`` webhook (its body carries the
tracking as ``data``, signed as every v2 delivery is); the timeline is seen by reading.

The answer follows docs.shipstation.com (two-letter ``status_code``: ``NY``, ``AC``,
``IT``, ``DE``, ``EX``, ``AT``...), where the published OpenAPI types ``status_code`` as a
detail code: see :mod:`shipstation.tracking`. The label's ``tracking_status``
(``unknown``, ``in_transit``, ``delivered``, ``error``) is added to ``GET /v2/labels``
answers by :func:`with_tracking_status`.
"""

import json
from datetime import timedelta
from urllib.parse import unquote

from . import v2_records
from .records import parse_time
from .v2_params import not_found

EVENT = "TRACK_EVENT_V2"

#: (hours after the label, status_code, status_detail_code, status_description, carrier's words)
TIMELINE = (
    (0, "NY", "AWAITING_ELECTRONIC_ADVICE", "Not Yet In System", "Label created, the carrier has no package yet."),
    (2, "AC", "RECEIVED_BY_CARRIER", "Accepted", "Origin scan: package received by the carrier."),
    (12, "IT", "IN_TRANSIT", "In Transit", "Departed from facility."),
    (48, "IT", "OUT_FOR_DELIVERY", "In Transit", "Out for delivery."),
    (56, "DE", "DELIVERED", "Delivered", "Delivered, front door."),
)
DELIVERY_HOURS = TIMELINE[-1][0]
#: States a control call may name: (status_code, status_detail_code, status_description, carrier's words).
PRESETS = {
    "not_yet_in_system": TIMELINE[0][1:],
    "accepted": TIMELINE[1][1:],
    "in_transit": TIMELINE[2][1:],
    "out_for_delivery": TIMELINE[3][1:],
    "delivered": TIMELINE[4][1:],
    "attempted": ("AT", "ATTEMPTED_DELIVERY", "Delivery Attempt", "Delivery attempted, no one available. Notice left."),
    "customs": ("EX", "HELD_BY_CUSTOMS", "Exception", "Held by customs: documents required from the importer."),
    "damaged": ("EX", "PARCEL_DAMAGED", "Exception", "Package damaged in transit, being returned."),
    "returned": ("EX", "RETURN_TO_SENDER", "Exception", "Returned to sender: address not found."),
    "lost": ("EX", "PARCEL_LOST", "Exception", "Package lost by the carrier."),
    "unknown": ("UN", None, "Unknown", "No information from the carrier."),
}
#: Labels of the demo seed set to a state at the demo's start (the others follow the timeline:
#: a label of 45 minutes is not yet in the carrier's system, of two days out for delivery, of
#: three days delivered): a parcel of DEMO-014 failed a delivery, DEMO-017 goes back to the sender.
DEMO_STATES = {500007: "attempted", 500012: "returned"}
LABEL_TRACKING_STATUS = {"NY": "unknown", "UN": "unknown", "AC": "in_transit", "IT": "in_transit"}
LABEL_TRACKING_STATUS.update({"DE": "delivered", "SP": "delivered", "EX": "error", "AT": "error"})


class StoreTracking:
    """Mixin of :class:`~.store.SandboxStore`: the tracking of its labels (``self._tracking``
    holds the events set on demand, per shipmentId, and is emptied with the store)."""

    def _tracking_events(self, record, now):
        pinned = self._tracking.get(record["shipmentId"])
        if pinned is not None:
            return list(pinned)
        created = record["createDate"]
        return [
            _event(created + timedelta(hours=hours), *state)
            for hours, *state in TIMELINE
            if created + timedelta(hours=hours) <= now
        ] or [_event(created, *TIMELINE[0][1:])]

    def v2_label_tracking(self, shipment_id):
        """The tracking answer of a label (``GET /v2/labels/{id}/track``), or None when no such label."""
        with self._lock:
            record = self._shipments.get(shipment_id)
            if record is None:
                return None
            return _answer(record, self._tracking_events(record, self.clock()))

    def set_tracking(self, shipment_id, state=None, occurred_at=None, **fields):
        """Move a label to a state now (or at ``occurred_at``) and keep it there.

        :param str state: a key of :data:`PRESETS`; else ``fields`` give ``status_code``,
            ``status_detail_code``, ``status_description``, ``description`` (the carrier's words)
        :return: the new tracking answer
        :raises KeyError: no such label; ``ValueError``: an unknown state or no status_code
        """
        if state is not None:
            if state not in PRESETS:
                raise ValueError("state must be one of: %s." % ", ".join(sorted(PRESETS)))
            code, detail, summary, words = PRESETS[state]
        else:
            code = fields.get("status_code")
            detail, summary = fields.get("status_detail_code"), fields.get("status_description") or ""
            words = fields.get("description") or ""
            if not isinstance(code, str) or not code:
                raise ValueError("Give a state or a status_code.")
        with self._lock:
            record = self._shipments.get(shipment_id)
            if record is None:
                raise KeyError("Label %s was not found." % v2_records.se_id(shipment_id))
            now = parse_time(occurred_at, self.clock()) if occurred_at else self.clock()
            events = self._tracking_events(record, now)
            events.append(_event(now, code, detail, summary, words))
            self._tracking[shipment_id] = events
            return _answer(record, events)

    def label_tracking_status(self, shipment_id):
        """The label's ``tracking_status`` now (lock taken)."""
        with self._lock:
            record = self._shipments.get(shipment_id)
            if record is None:
                return None
            return LABEL_TRACKING_STATUS.get(self._tracking_events(record, self.clock())[-1]["status_code"], "unknown")


def pin_demo_states(store):
    """Set the demo seed's labels of :data:`DEMO_STATES` to their state (those the store holds)."""
    for label, state in DEMO_STATES.items():
        try:
            store.set_tracking(label, state=state)
        except KeyError:
            continue


def _event(at, code, detail, summary, words):
    return {
        "occurred_at": at,
        "status_code": code,
        "status_detail_code": detail,
        "status_description": summary,
        "carrier_status_description": words,
    }


def _answer(record, events):
    """The v2 tracking answer of a label whose events are ``events`` (oldest first).

    Optional fields without a value are left out (the OpenAPI types them as non-null), and the
    events are placed at the parcel's destination (``shipTo``), the only place the sandbox knows.
    """
    last = events[-1]
    created = record["createDate"]
    delivered = last["status_code"] in ("DE", "SP")
    number = record.get("trackingNumber")
    answer = {
        "tracking_number": number,
        "tracking_url": v2_records.tracking_url(record.get("carrierCode"), number),
        "status_code": last["status_code"],
        "status_detail_code": last["status_detail_code"],
        "status_description": last["status_description"],
        "carrier_code": record.get("carrierCode"),
        "carrier_status_code": last["status_code"][:1],
        "carrier_status_description": last["carrier_status_description"],
        "ship_date": v2_records.iso(created),
        "estimated_delivery_date": v2_records.iso(created + timedelta(hours=DELIVERY_HOURS)),
        "actual_delivery_date": v2_records.iso(last["occurred_at"]) if delivered else None,
        "exception_description": last["carrier_status_description"] if last["status_code"] in ("EX", "AT") else None,
        "events": [_event_answer(record, event) for event in reversed(events)],  # newest first, as ShipStation
    }
    return {key: value for key, value in answer.items() if value is not None}


def _event_answer(record, event):
    place = record.get("shipTo") or {}
    answer = {
        "occurred_at": v2_records.iso(event["occurred_at"]),
        "description": event["carrier_status_description"],
        "city_locality": place.get("city") or "",
        "state_province": place.get("state") or "",
        "postal_code": place.get("postalCode") or "",
        "country_code": place.get("country") or None,
        "company_name": "",
        "carrier_detail_code": event["status_code"],
        "status_code": event["status_code"],
        "status_detail_code": event["status_detail_code"],
        "status_description": event["status_description"],
        "carrier_status_code": event["status_code"][:1],
        "carrier_status_description": event["carrier_status_description"],
    }
    return {key: value for key, value in answer.items() if value is not None}


def with_tracking_status(server, label):
    """A v2 label with its ``tracking_status`` (in place; returns it)."""
    number = v2_records.parse_se_id(label.get("label_id"))
    label["tracking_status"] = server.store.label_tracking_status(number) if number is not None else "unknown"
    return label


def _label_number(raw_id):
    number = v2_records.parse_se_id(unquote(raw_id))
    if number is None and unquote(raw_id).isdigit():
        number = int(unquote(raw_id))
    return number


# -- routes -------------------------------------------------------------------------------------


def get_label_tracking(server, params, _body, raw_id):
    """``GET /v2/labels/{label_id}/track``."""
    number = _label_number(raw_id)
    found = server.store.v2_label_tracking(number) if number is not None else None
    if found is None:
        raise not_found("Label %s was not found." % unquote(raw_id))
    return found


def control_set_tracking(server, q, body, raw_id):
    """``POST /_sandbox/labels/{label_id}/track``: set the label's state and fire TRACK_EVENT_V2."""
    try:
        payload = json.loads(body) if body else {}
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise ValueError("Send one JSON object.")
    number = _label_number(raw_id)
    if number is None:
        raise KeyError("Label %s was not found." % unquote(raw_id))
    allowed = ("state", "occurred_at", "status_code", "status_detail_code", "status_description", "description")
    answer = server.store.set_tracking(number, **{k: v for k, v in payload.items() if k in allowed})
    resource_url = "%s/v2/labels/%s/track" % (server.url, v2_records.se_id(number))
    server.webhooks.fire(EVENT, resource_url=resource_url, body_data=answer)
    return answer


V2_ROUTES = [("GET", r"/v2/labels/([^/]+)/track", get_label_tracking)]
CONTROL_ROUTES = [("POST", r"/_sandbox/labels/([^/]+)/track", control_set_tracking)]
