"""What the outbox reads from ShipStation besides its own calls (plain Python, no Odoo)."""

from .values import int_or_none


def live_labels(client, order_id):
    """``[(tracking number, cost)]`` of the order's labels that are not voided (returns aside).

    :param client: a v1 or v2 client (``api_version`` says which)
    :param order_id: the order id as the delivery holds it (v2: ``se-123``)
    :raises ShipStationError: when ShipStation cannot answer
    """
    if client.api_version == "v2":
        return [
            (label.get("tracking_number") or "?", (label.get("shipment_cost") or {}).get("amount"))
            for label in client.iter_labels(shipment_id=order_id)
            # v2 says a label is voided either way (as records_v2.parcel_from_label reads it).
            if not label.get("voided") and label.get("status") != "voided" and not label.get("is_return_label")
        ]
    return [
        (shipment.get("trackingNumber") or "?", shipment.get("shipmentCost"))
        for shipment in client.list_shipments(orderId=int_or_none(order_id))
        if not shipment.get("voided") and not shipment.get("isReturnLabel")
    ]
