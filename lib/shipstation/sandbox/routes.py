"""Routes of the ShipStation sandbox: query parsing, envelopes, control routes.

Like ASP.NET Web API, paths and query parameter names are case-insensitive and unknown
parameters are ignored (``/orders?orderId=`` is not a filter: it lists everything).
Date filters are read as US Pacific time, ``YYYY-MM-DD HH:MM:SS`` or ISO with ``T``;
a value carrying an offset is honoured. Start and end are both inclusive.
"""

import json
import re
from datetime import timezone

from dateutil import parser as dateutil_parser

from ..timeutil import PACIFIC
from . import enforce
from .carrier_routes import V1_ROUTES as CARRIER_ROUTES
from .hook_routes import V1_ROUTES as WEBHOOK_ROUTES
from .records import InvalidRequest
from .v2_tracking import CONTROL_ROUTES as TRACKING_ROUTES

MAX_PAGE_SIZE = 500
MAX_BATCH = 100  # createorders accepts at most 100 orders
_ORDER_SORTS = {"orderdate": "orderDate", "modifydate": "modifyDate", "createdate": "createDate"}
_LABEL_SORTS = {"shipdate": "shipDate", "createdate": "createDate"}


class RouteError(Exception):
    """Stop handling with this status and body."""

    def __init__(self, status, body):
        super().__init__(status)
        self.status, self.body = status, body


def _invalid(field, message):
    return RouteError(400, {"Message": "The request is invalid.", "ModelState": {field: [message]}})


def _not_found(message):
    return RouteError(404, {"Message": message})


class Query:
    """Case-insensitive view of the query string with ASP.NET-like model binding."""

    def __init__(self, params):
        self._params = {k.lower(): v for k, v in params.items()}

    def text(self, name):
        """Raw value of a parameter, None when absent or empty."""
        value = self._params.get(name.lower())
        return value if value not in (None, "") else None

    def integer(self, name, default=None):
        """Integer parameter. :raises RouteError: 400 when not an integer"""
        raw = self.text(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise _invalid(name, "The value '%s' is not valid for %s." % (raw, name)) from None

    def boolean(self, name):
        """``true``/``false`` parameter (default false). :raises RouteError: 400 otherwise"""
        raw = self.text(name)
        if raw is None or raw.lower() not in ("true", "false"):
            # ASP.NET refuses 0/1 for booleans.
            if raw is not None:
                raise _invalid(name, "The value '%s' is not valid for %s." % (raw, name))
            return False
        return raw.lower() == "true"

    def _moment(self, name):
        raw = self.text(name)
        if raw is None:
            return None
        try:
            value = dateutil_parser.parse(raw)
        except (ValueError, OverflowError):
            raise _invalid(name, "The value '%s' is not valid for %s." % (raw, name)) from None
        # ShipStation reads filter values as Pacific wall time (fold=0 in the repeated hour).
        return value.replace(tzinfo=PACIFIC, fold=0) if value.tzinfo is None else value

    def instant(self, name):
        """Date filter read as Pacific wall time, as an aware UTC datetime."""
        value = self._moment(name)
        return value.astimezone(timezone.utc) if value else None

    def day(self, name):
        """Date filter reduced to its Pacific date (for ``shipDate``)."""
        value = self._moment(name)
        return value.astimezone(PACIFIC).date() if value else None

    def windows(self, fields, dates=()):
        """``(field, start, end)`` for every ``<field>Start``/``<field>End`` given."""
        out = []
        for field in fields:
            read = self.day if field in dates else self.instant
            start, end = read(field + "Start"), read(field + "End")
            if start or end:
                out.append((field, start, end))
        return out

    def paging(self):
        """``(page, pageSize)``. :raises RouteError: 400 when pageSize is not 1..500"""
        page = max(1, self.integer("page", 1))
        size = self.integer("pageSize", 100)
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise _invalid("pageSize", "pageSize must be between 1 and %d." % MAX_PAGE_SIZE)
        return page, size

    def sorting(self, choices):
        """``sort_by``/``descending`` keywords for the store from sortBy/sortDir."""
        sort_by = choices.get((self.text("sortBy") or "").lower())
        return {"sort_by": sort_by, "descending": (self.text("sortDir") or "").upper() == "DESC"}


def _listed(server, path, name, lister, kwargs, page, size):
    """One page of a list route, as ShipStation answers it (see :mod:`.quirks`)."""
    quirks = server.quirks
    size = quirks.capped(size)
    total, rows = lister(page=page, page_size=size, **kwargs)
    if quirks.repeat_last_record and page > 1 and rows:
        _total, previous = lister(page=page - 1, page_size=size, **kwargs)
        rows = previous[-1:] + rows
    envelope = {name: rows, "total": total, "page": page, "pages": -(-total // size)}
    envelope.update(quirks.envelope)
    quirks.page_served(path, page)
    return envelope


def _json(raw_body, field):
    if not raw_body:
        raise _invalid(field, "A non-empty request body is required.")
    try:
        return json.loads(raw_body)
    except ValueError as exc:
        raise _invalid(field, "Invalid JSON: %s" % exc) from None


def list_orders(server, q, _body):
    """``GET /orders``."""
    page, size = q.paging()
    kwargs = dict(
        number_prefix=q.text("orderNumber"),
        status=q.text("orderStatus"),
        customer_name=q.text("customerName"),
        store_id=q.integer("storeId"),
        windows=q.windows(("createDate", "modifyDate", "orderDate", "paymentDate")),
        **q.sorting(_ORDER_SORTS),
    )
    return _listed(server, "/orders", "orders", server.store.list_orders, kwargs, page, size)


def get_order(server, q, _body, order_id):
    """``GET /orders/{id}`` (404 when unknown or merged away)."""
    order = server.store.get_order(order_id)
    if order is None:
        raise _not_found("Order %s was not found." % order_id)
    return order


def list_shipments(server, q, _body):
    """``GET /shipments``."""
    page, size = q.paging()
    kwargs = dict(
        order_id=q.integer("orderId"),
        order_number=q.text("orderNumber"),
        tracking_number=q.text("trackingNumber"),
        carrier_code=q.text("carrierCode"),
        service_code=q.text("serviceCode"),
        recipient_name=q.text("recipientName"),
        store_id=q.integer("storeId"),
        batch_id=q.text("batchId"),
        windows=q.windows(("createDate", "shipDate", "voidDate"), dates=("shipDate",)),
        include_items=q.boolean("includeShipmentItems"),
        **q.sorting(_LABEL_SORTS),
    )
    return _listed(server, "/shipments", "shipments", server.store.list_shipments, kwargs, page, size)


def list_fulfillments(server, q, _body):
    """``GET /fulfillments``."""
    page, size = q.paging()
    kwargs = dict(
        fulfillment_id=q.integer("fulfillmentId"),
        order_id=q.integer("orderId"),
        order_number=q.text("orderNumber"),
        tracking_number=q.text("trackingNumber"),
        batch_id=q.text("batchId"),
        windows=q.windows(("createDate", "shipDate"), dates=("shipDate",)),
        **q.sorting(_LABEL_SORTS),
    )
    return _listed(server, "/fulfillments", "fulfillments", server.store.list_fulfillments, kwargs, page, size)


def create_order(server, q, body):
    """``POST /orders/createorder``: one order object, upserted on orderKey."""
    payload = _json(body, "apiOrder")
    if not isinstance(payload, dict):
        raise _invalid("apiOrder", "Cannot deserialize a JSON array into an order; send one JSON object.")
    return server.store.upsert_order(payload)


def create_orders(server, q, body):
    """``POST /orders/createorders``: array of at most 100 orders."""
    payload = _json(body, "apiOrders")
    if not isinstance(payload, list):
        raise _invalid("apiOrders", "Cannot deserialize a JSON object into a list; send a JSON array.")
    if len(payload) > MAX_BATCH:
        raise _invalid("apiOrders", "A maximum of %d orders may be sent at once." % MAX_BATCH)
    refused = {}
    for index, order in enumerate(payload):
        deviations = enforce.item_deviations(server, "v1", "POST", "/orders/createorders", order)
        if deviations:
            refused[index] = _refused_order(order, deviations)
    created = iter(server.store.create_or_update_orders([o for i, o in enumerate(payload) if i not in refused]))
    results = [refused[index] if index in refused else next(created) for index in range(len(payload))]
    return {"hasErrors": not all(r["success"] for r in results), "results": results}


def _refused_order(order, deviations):
    given = order if isinstance(order, dict) else {}
    return {
        "orderId": 0,  # as the store answers a refused order: a non-nullable int in ShipStation's model
        "orderNumber": given.get("orderNumber"),
        "orderKey": given.get("orderKey"),
        "success": False,
        "errorMessage": " ".join("%s: %s" % (d.where, d.message) for d in deviations),
    }


def mark_shipped(server, q, body):
    """``POST /orders/markasshipped``: a fulfillment, no label."""
    payload = _json(body, "request")
    if not isinstance(payload, dict):
        raise _invalid("request", "Send one JSON object.")
    for field in ("orderId", "carrierCode"):
        if not payload.get(field):
            raise _invalid("request." + field, "The %s field is required." % field)
    if server.store.get_order(payload["orderId"]) is None:
        raise _invalid("request.orderId", "Order %s was not found." % payload["orderId"])
    fulfillment = server.store.mark_as_shipped(
        payload["orderId"], payload["carrierCode"], payload.get("trackingNumber"), payload.get("shipDate")
    )
    return {"orderId": fulfillment["orderId"], "orderNumber": fulfillment["orderNumber"]}


def hold_until(server, q, body):
    """``POST /orders/holduntil``: an open order goes on hold until ``holdUntilDate``.

    ShipStation's answer to an order that is not open is not documented; the sandbox
    refuses it with a 400, as it refuses every change of a closed order.
    """
    payload = _json(body, "request")
    if not isinstance(payload, dict):
        raise _invalid("request", "Send one JSON object.")
    for field in ("orderId", "holdUntilDate"):
        if not payload.get(field):
            raise _invalid("request." + field, "The %s field is required." % field)
    server.store.hold_order(payload["orderId"], payload["holdUntilDate"])
    return {"success": True, "message": "Order held successfully."}


def restore_from_hold(server, q, body):
    """``POST /orders/restorefromhold``: a held order goes back to awaiting shipment."""
    payload = _json(body, "request")
    if not isinstance(payload, dict) or not payload.get("orderId"):
        raise _invalid("request.orderId", "The orderId field is required.")
    server.store.restore_from_hold(payload["orderId"])
    return {"success": True, "message": "Order restored successfully."}


def void_label(server, q, body):
    """``POST /shipments/voidlabel``: ``{approved, message}``."""
    payload = _json(body, "request")
    shipment_id = payload.get("shipmentId") if isinstance(payload, dict) else None
    try:
        server.store.void_shipment(shipment_id)
    except (KeyError, ValueError, TypeError) as exc:
        return {"approved": False, "message": str(exc.args[0] if exc.args else exc)}
    return {"approved": True, "message": "Label voided successfully"}


# -- control routes (demos drive a standalone sandbox with these) -------------------------

_ORDER_ACTIONS = {
    "ship": lambda s, oid, b: {"shipments": s.ship_order(oid, **b)},
    "return_label": lambda s, oid, b: s.add_return_label(oid, **b),
    "mark_as_shipped": lambda s, oid, b: s.mark_as_shipped(oid, **b),
    "cancel": lambda s, oid, b: s.cancel_order(oid),
    "hold": lambda s, oid, b: s.hold_order(oid, **b),
    "status": lambda s, oid, b: s.set_status(oid, b.get("status")),
    "split": lambda s, oid, b: {"orders": s.split_order(oid, b.get("item_groups") or [])},
}


def _control_body(body):
    payload = json.loads(body) if body else {}
    if not isinstance(payload, dict):
        raise _invalid("request", "Send one JSON object.")
    return payload


def control_order(server, q, body, order_id, action):
    """``POST /_sandbox/orders/{id}/{action}`` (ship, cancel, split...)."""
    if action not in _ORDER_ACTIONS:
        raise _not_found("Unknown sandbox action '%s'." % action)
    return _ORDER_ACTIONS[action](server.store, int(order_id), _control_body(body))


def control_void(server, q, body, kind, record_id):
    """``POST /_sandbox/{shipments|fulfillments}/{id}/void``."""
    void = server.store.void_shipment if kind == "shipments" else server.store.void_fulfillment
    return void(int(record_id))


def control_add_order(server, q, body):
    """``POST /_sandbox/orders``: body = add_order fields."""
    return server.store.add_order(**_control_body(body))


def control_merge(server, q, body):
    """``POST /_sandbox/orders/merge``: ``{survivor_id, absorbed_ids}``."""
    payload = _control_body(body)
    return server.store.merge_orders(payload.get("survivor_id"), payload.get("absorbed_ids") or [])


def control_faults(server, q, body):
    """``POST /_sandbox/faults``: body = ``Faults.add`` keywords."""
    server.faults.add(**_control_body(body))
    return {"faults": len(server.faults)}


def control_clear_faults(server, q, body):
    """``POST /_sandbox/faults/clear``."""
    server.faults.clear()
    return {"faults": 0}


def control_reset(server, q, body):
    """``POST /_sandbox/reset``: reload the remembered seed(s); forget webhook subscriptions."""
    server.store.reset()
    server.webhooks.clear()
    return server.store.counts()


ROUTES = [
    ("GET", r"/orders", list_orders),
    ("GET", r"/orders/(\d+)", get_order),
    ("POST", r"/orders/createorder", create_order),
    ("POST", r"/orders/createorders", create_orders),
    ("POST", r"/orders/markasshipped", mark_shipped),
    ("POST", r"/orders/holduntil", hold_until),
    ("POST", r"/orders/restorefromhold", restore_from_hold),
    ("GET", r"/shipments", list_shipments),
    ("POST", r"/shipments/voidlabel", void_label),
    ("GET", r"/fulfillments", list_fulfillments),
    ("POST", r"/_sandbox/orders", control_add_order),
    ("POST", r"/_sandbox/orders/merge", control_merge),
    # Control routes take an id as v1 or v2 writes it (``se-`` being v2's prefix of the same id).
    ("POST", r"/_sandbox/orders/(?:se-)?(\d+)/(\w+)", control_order),
    ("POST", r"/_sandbox/(shipments|fulfillments)/(?:se-)?(\d+)/void", control_void),
    ("POST", r"/_sandbox/faults", control_faults),
    ("POST", r"/_sandbox/faults/clear", control_clear_faults),
    ("POST", r"/_sandbox/reset", control_reset),
    ("GET", r"/_sandbox/seed", lambda server, q, body: server.store.dump_seed()),
    *WEBHOOK_ROUTES,
    *CARRIER_ROUTES,
    *TRACKING_ROUTES,
]
ROUTES = [(method, re.compile(pattern + "$", re.IGNORECASE), handler) for method, pattern, handler in ROUTES]


def dispatch(server, method, path, query, body):
    """Run the route for a request. :return: ``(status, body)`` (body None: 204); raises :class:`RouteError`"""
    allowed = False
    for route_method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if not match:
            continue
        if route_method != method:
            allowed = True
            continue
        try:
            result = handler(server, Query(query), body, *match.groups())
            return (204, None) if result is None else (200, result)
        except InvalidRequest as exc:
            raise _invalid(exc.field, str(exc)) from None
        except KeyError as exc:
            raise _not_found(str(exc.args[0]) if exc.args else "Not found.") from None
        except (ValueError, TypeError) as exc:
            # Only reachable from control routes and odd bodies: a refused operation.
            raise _invalid("request", str(exc)) from None
    if allowed:
        raise RouteError(405, {"Message": "The requested resource does not support http method '%s'." % method})
    raise _not_found("No HTTP resource was found that matches the request URI '%s'." % path)
