"""ShipStation API v2, the sandbox's second dialect, served under ``/v2/`` over the same store.

Each ``/v2/`` request goes through, in order: the ``API-Key`` header (401; Basic auth and
v1 keys are refused; a 401 spends no budget), the v2 rate limiter (its own budget, default
200 requests a minute; a 429 carries ``Retry-After``), the fault switches shared with v1,
then the route. Every error, a fault's included (unless the fault sets its own body),
answers v2's error envelope (see :mod:`.v2_params`).

Query parameter names are exact (``page_size``, not ``pageSize``) and unknown ones are
ignored. Time filters are ISO-8601 with ``Z`` or an offset (no offset is read as UTC), both
ends inclusive. Lists page with ``page`` (1-based) and ``page_size`` (default 25, at most
500) and carry ``links``. v1's answer quirks (:mod:`.quirks`: repeated records, forced
envelope fields) do not apply here; ``quirks.after_page`` callbacks do, with paths such
as ``/v2/shipments``.
"""

import json
import math
import re
import time
from urllib.parse import unquote, urlencode

from . import enforce, v2_records, v2_tracking
from .carrier_routes import V2_ROUTES as CARRIER_ROUTES
from .hook_routes import V2_ROUTES as WEBHOOK_ROUTES
from .records import InvalidRequest
from .v2_params import Params, V2Error, envelope, invalid, not_found

PREFIX = "/v2"
_SHIPMENT_SORTS = {"created_at": "createDate", "modified_at": "modifyDate"}
_LABEL_SORTS = {"created_at": "createDate", "modified_at": "modifiedAt"}


def is_v2(path):
    """Is this request path one of the v2 dialect's?"""
    lowered = path.lower()
    return lowered == PREFIX or lowered.startswith(PREFIX + "/")


def _listed(server, path, key, params, lister, kwargs):
    """One page of a list route, with ``total``, ``pages`` and ``links``."""
    page, size = params.paging()
    size = server.quirks.capped(size)
    total, rows = lister(page=page, page_size=size, **kwargs)
    # At least 1: the published list_shipments_response_body says pages >= 1, also for no shipment.
    pages = max(1, math.ceil(total / size))

    def link(number):
        query = dict(params.raw, page=str(number), page_size=str(size))
        return {"href": "%s%s?%s" % (server.url, path, urlencode(query))}

    links = {
        "first": link(1),
        "last": link(max(1, pages)),
        "prev": link(page - 1) if page > 1 else {},
        "next": link(page + 1) if page < pages else {},
    }
    server.quirks.page_served(path, page)
    return {key: rows, "total": total, "page": page, "pages": pages, "links": links}


def _path_id(raw, what):
    number = v2_records.parse_se_id(unquote(raw))
    if number is None:
        raise not_found("%s %s was not found." % (what, unquote(raw)))
    return number


# -- routes -----------------------------------------------------------------------------------


def list_shipments(server, params, _body):
    """``GET /v2/shipments``."""
    status = params.choice("shipment_status", v2_records.SHIPMENT_STATUSES)
    kwargs = dict(
        statuses=v2_records.STATUS_V1[status] if status else None,
        windows=params.windows((("created_at", "createDate"), ("modified_at", "modifyDate"))),
        shipment_number=params.text("shipment_number"),
        external_id=params.text("external_shipment_id"),
        **params.sorting(_SHIPMENT_SORTS),
    )
    return _listed(server, "/v2/shipments", "shipments", params, server.store.v2_list_shipments, kwargs)


def get_shipment(server, params, _body, raw_id):
    """``GET /v2/shipments/{shipment_id}``."""
    found = server.store.v2_get_shipment(_path_id(raw_id, "Shipment"))
    if found is None:
        raise not_found("Shipment %s was not found." % unquote(raw_id))
    return found


def get_shipment_by_external_id(server, params, _body, raw_id):
    """``GET /v2/shipments/external_shipment_id/{external_shipment_id}``."""
    found = server.store.v2_shipment_by_external_id(unquote(raw_id))
    if found is None:
        raise not_found("No shipment has external_shipment_id '%s'." % unquote(raw_id))
    return found


def cancel_shipment(server, params, _body, raw_id):
    """``PUT /v2/shipments/{shipment_id}/cancel``: 204; a shipment with a live label is refused."""
    order_id = _path_id(raw_id, "Shipment")
    if server.store.v2_get_shipment(order_id) is None:
        raise not_found("Shipment %s was not found." % unquote(raw_id))
    try:
        server.store.cancel_order(order_id)
    except KeyError:  # merged away meanwhile
        raise not_found("Shipment %s was not found." % unquote(raw_id)) from None
    except ValueError as exc:
        raise V2Error(400, str(exc), "business_rules", "unspecified") from None
    return None


def _failed(item, messages):
    """The answer for a shipment that was not created: ``errors`` are strings, as the published
    ``create_shipment_response`` declares them."""
    given = item if isinstance(item, dict) else {}
    key, number = given.get("external_shipment_id"), given.get("shipment_number")
    return {
        "external_shipment_id": v2_records.external_id(key) if isinstance(key, str) else None,
        "shipment_number": number if isinstance(number, str) else None,
        "errors": list(messages),
    }


def create_shipments(server, params, body):
    """``POST /v2/shipments``: one v1 order per item; an item that fails spares the others."""
    try:
        payload = json.loads(body) if body else None
    except ValueError as exc:
        raise invalid("The request body is not valid JSON: %s" % exc) from None
    items = payload.get("shipments") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items:
        raise invalid("The request body must be an object with a non-empty 'shipments' array.")
    results, valid = [None] * len(items), []
    for index, item in enumerate(items):
        deviations = enforce.item_deviations(server, "v2", "POST", "/v2/shipments", item)
        if deviations:
            results[index] = _failed(item, ["%s: %s" % (d.where, d.message) for d in deviations])
            continue
        try:
            valid.append((index, v2_records.shipment_fields(item)))
        except InvalidRequest as exc:
            results[index] = _failed(item, [str(exc)])
    created = server.store.v2_create_shipments([fields for _index, fields in valid])
    for (index, _fields), (shipment, _code, message) in zip(valid, created):
        results[index] = dict(shipment, errors=[]) if shipment else _failed(items[index], [message])
    return {"has_errors": any(r["errors"] for r in results), "shipments": results}


def list_labels(server, params, _body):
    """``GET /v2/labels``."""
    status = params.choice("label_status", v2_records.LABEL_STATUSES)
    kwargs = dict(
        order_id=params.se_id("shipment_id"),
        statuses=(status,) if status else None,
        windows=params.windows((("created_at", "createDate"),)),
        tracking_number=params.text("tracking_number"),
        # A batch id is an se- id (the sandbox's batches are uuids behind the prefix).
        batch_id=(params.text("batch_id") or "").removeprefix("se-") or None,
        **params.sorting(_LABEL_SORTS),
    )
    listed = _listed(server, "/v2/labels", "labels", params, server.store.v2_list_labels, kwargs)
    for label in listed["labels"]:
        v2_tracking.with_tracking_status(server, label)
    return listed


def get_label(server, params, _body, raw_id):
    """``GET /v2/labels/{label_id}``."""
    found = server.store.v2_get_label(_path_id(raw_id, "Label"))
    if found is None:
        raise not_found("Label %s was not found." % unquote(raw_id))
    return v2_tracking.with_tracking_status(server, found)


def void_label(server, params, _body, raw_id):
    """``PUT /v2/labels/{label_id}/void``: ``{approved, message}`` (not approved when already void)."""
    shipment_id = _path_id(raw_id, "Label")
    if server.store.v2_get_label(shipment_id) is None:
        raise not_found("Label %s was not found." % unquote(raw_id))
    try:
        server.store.void_shipment(shipment_id)
    except KeyError:
        raise not_found("Label %s was not found." % unquote(raw_id)) from None
    except ValueError as exc:
        return {"approved": False, "message": str(exc)}
    return {"approved": True, "message": "Request for refund submitted.  This label has been voided."}


ROUTES = [
    ("GET", r"/v2/shipments", list_shipments),
    ("POST", r"/v2/shipments", create_shipments),
    ("GET", r"/v2/shipments/external_shipment_id/([^/]+)", get_shipment_by_external_id),
    ("GET", r"/v2/shipments/([^/]+)", get_shipment),
    ("PUT", r"/v2/shipments/([^/]+)/cancel", cancel_shipment),
    ("GET", r"/v2/labels", list_labels),
    ("GET", r"/v2/labels/([^/]+)", get_label),
    *v2_tracking.V2_ROUTES,
    ("PUT", r"/v2/labels/([^/]+)/void", void_label),
    *WEBHOOK_ROUTES,
    *CARRIER_ROUTES,
]
ROUTES = [(method, re.compile(pattern + "$"), handler) for method, pattern, handler in ROUTES]


def dispatch(server, method, path, query, body):
    """Run the v2 route for a request. :return: ``(status, body)`` (body None: 204)"""
    allowed = False
    for route_method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if not match:
            continue
        if route_method != method:
            allowed = True
            continue
        result = handler(server, Params(query), body, *match.groups())
        return (204, None) if result is None else (200, result)
    if allowed:
        raise V2Error(405, "The method %s is not allowed for %s." % (method, path))
    raise not_found("No resource matches %s." % path)


def answer(server, method, path, query, raw_body, api_key):
    """Decide ``(status, body, headers)`` for one ``/v2/`` request (see the module docstring)."""
    limiter = server.limiter_v2
    if not server._authorized_v2(api_key):
        return 401, envelope(401), limiter.peek()
    allowed, headers = limiter.take()
    if not allowed:
        headers["Retry-After"] = headers["X-Rate-Limit-Reset"]
        return 429, envelope(429), headers
    fault = server.faults.take(method, path, query)
    if fault and fault["delay"]:
        time.sleep(fault["delay"])
    elif fault and not fault["malformed"]:
        if fault["status"] == 429:
            headers.update({"X-Rate-Limit-Remaining": "0", "Retry-After": headers["X-Rate-Limit-Reset"]})
        body = fault["body"] if fault["body"] is not None else envelope(fault["status"])
        return fault["status"], body, headers
    refusal = enforce.request_refusal(server, "v2", method, path, query, raw_body)
    if refusal is not None:
        return refusal[0], refusal[1], headers
    try:
        status, body = dispatch(server, method, path, query, raw_body)
    except V2Error as exc:
        status, body = exc.status, exc.body
    except Exception as exc:  # noqa: BLE001 - any bug answers a 500 envelope
        status, body = 500, envelope(500, "%s: %s" % (type(exc).__name__, exc), "system", "unspecified")
    if fault and fault["malformed"]:
        text = json.dumps(body)
        return 200, text[: max(1, len(text) // 2)], dict(headers, **{"Content-Type": "application/json"})
    if not fault:
        status, body = enforce.checked_answer(server, "v2", method, path, status, body)
    return status, body, headers
