"""A deliberately naive shipment sync, kept only for the benchmark's comparison.

Per in-transit delivery: one ``GET /orders/{id}`` for the status and one
``GET /shipments?orderId=`` for the labels, through the connector's own
:class:`ShipStationClient`. It writes nothing to Odoo: only its API calls are
measured, side by side with the connector's bulk strategy, on the same sandbox data.
"""

import time


def naive_sync(client, order_ids):
    """Read every delivery's order and labels one by one.

    :param client: a ``ShipStationClient`` for the account
    :param order_ids: ShipStation orderIds of the in-transit deliveries (one per
        delivery: a delivery and its backorder each count)
    :return: dict with ``api_calls``, ``calls_by_endpoint``, ``seconds``, ``orders``,
        ``shipped`` (orders ShipStation says shipped), ``cancelled``, ``missing``
    """
    # The client's own error class, whichever way the client module was imported.
    not_found = __import__(
        type(client).__module__.rsplit(".", 1)[0] + ".errors", fromlist=["NotFoundError"]
    ).NotFoundError
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
