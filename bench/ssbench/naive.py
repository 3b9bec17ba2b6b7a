"""A deliberately naive shipment sync, kept only for the benchmark's comparison.

Per in-transit delivery: one ``GET /orders/{id}`` for the status and one
``GET /shipments?orderId=`` for the labels, through the connector's own
:class:`ShipStationClient` (v1); on v2 the same through :class:`ShipStationV2Client`:
one ``GET /v2/shipments/se-{id}`` and one ``GET /v2/labels?shipment_id=se-{id}``. It
writes nothing to Odoo: only its API calls are measured, side by side with the
connector's bulk strategy, on the same sandbox data.
"""

import time


def _not_found(client):
    """The client's own NotFoundError, whichever way the client module was imported."""
    return __import__(type(client).__module__.rsplit(".", 1)[0] + ".errors", fromlist=["NotFoundError"]).NotFoundError


def naive_sync(client, order_ids):
    """Read every delivery's order and labels one by one.

    :param client: a ``ShipStationClient`` for the account
    :param order_ids: ShipStation orderIds of the in-transit deliveries (one per
        delivery: a delivery and its backorder each count)
    :return: dict with ``api_calls``, ``calls_by_endpoint``, ``seconds``, ``orders``,
        ``shipped`` (orders ShipStation says shipped), ``cancelled``, ``missing``
    """
    not_found = _not_found(client)
    started = time.perf_counter()
    before = client.call_count
    shipped = cancelled = missing = 0
    for order_id in order_ids:
        try:
            order = client.get_order(order_id)
        except not_found:
            missing += 1
            order = None
        list(client.iter_shipments(orderId=order_id, includeShipmentItems=True))
        status = (order or {}).get("orderStatus")
        shipped += status == "shipped"
        cancelled += status == "cancelled"
    return {
        "api_calls": client.call_count - before,
        "calls_by_endpoint": dict(client.calls_by_endpoint),
        "seconds": round(time.perf_counter() - started, 2),
        "orders": len(order_ids),
        "shipped": shipped,
        "cancelled": cancelled,
        "missing": missing,
    }


def naive_sync_v2(client, order_ids):
    """The same through API v2: every delivery's shipment, then its labels, one by one.

    :param client: a ``ShipStationV2Client`` for the account
    :param order_ids: the in-transit deliveries' ids as numbers (v2 shipment ``se-N``)
    :return: as :func:`naive_sync`; ``shipped`` counts shipments v2 says
        ``label_purchased`` that have a live label
    """
    not_found = _not_found(client)
    started = time.perf_counter()
    before = client.call_count
    shipped = cancelled = missing = 0
    for order_id in order_ids:
        shipment_id = "se-%d" % order_id
        try:
            shipment = client.get_shipment(shipment_id)
        except not_found:
            missing += 1
            shipment = None
        labels = list(client.iter_labels(shipment_id=shipment_id))
        status = (shipment or {}).get("shipment_status")
        live = any(
            not (label.get("voided") or label.get("status") == "voided" or label.get("is_return_label"))
            for label in labels
        )
        shipped += status == "label_purchased" and live
        cancelled += status == "cancelled"
    return {
        "api_calls": client.call_count - before,
        "calls_by_endpoint": dict(client.calls_by_endpoint),
        "seconds": round(time.perf_counter() - started, 2),
        "orders": len(order_ids),
        "shipped": shipped,
        "cancelled": cancelled,
        "missing": missing,
    }
