"""The calls of the outbox against the sandbox, as ShipStation answers them: holds have a
date, only open orders are held or updated, markasshipped makes a fulfillment, and v2
refuses to cancel a shipment with a live label."""

from datetime import date

import pytest
from client_helpers import KEY, SECRET, new_order
from test_client_v2 import V2_KEY, make_v2, v2_server  # noqa: F401 - fixtures

from shipstation.errors import BadRequestError
from shipstation.outbox_calls import live_labels


def _order(server, number="SO1", **fields):
    return server.store.add_order(**new_order(number, **fields))


def test_hold_until_a_date_then_restore(server, client):
    order = _order(server)
    answer = client.hold_until(order["orderId"], date(2030, 1, 15))
    assert answer["success"] is True
    held = server.store.get_order(order["orderId"])
    assert held["orderStatus"] == "on_hold"
    assert held["holdUntilDate"].startswith("2030-01-15")
    client.restore_from_hold(order["orderId"])
    restored = server.store.get_order(order["orderId"])
    assert restored["orderStatus"] == "awaiting_shipment"
    assert restored["holdUntilDate"] is None
    assert server.count("POST", "/orders/holduntil") == server.count("POST", "/orders/restorefromhold") == 1


def test_hold_needs_a_date_and_an_open_order(server, client):
    order = _order(server)
    with pytest.raises(BadRequestError):
        client._request("POST", "/orders/holduntil", body={"orderId": order["orderId"]})  # noqa: SLF001
    server.store.ship_order(order["orderId"])
    with pytest.raises(BadRequestError, match="cannot be held"):
        client.hold_until(order["orderId"], date(2030, 1, 15))
    with pytest.raises(BadRequestError):
        client.restore_from_hold(order["orderId"])


def test_only_open_orders_are_updated(server, client):
    order = _order(server, orderKey="key-1")
    update = dict(new_order("SO1"), orderKey="key-1", orderId=order["orderId"], orderStatus="cancelled")
    (result,) = client.create_orders([update])
    assert result["success"] and server.store.get_order(order["orderId"])["orderStatus"] == "cancelled"
    (refused,) = client.create_orders([dict(update, orderStatus="awaiting_shipment")])
    assert not refused["success"]
    assert "cannot be updated" in refused["errorMessage"]


def test_a_reposted_order_keeps_its_hold(server, client):
    order = _order(server, orderKey="key-2")
    client.hold_until(order["orderId"], date(2030, 1, 15))
    update = dict(new_order("SO1"), orderKey="key-2", orderStatus="on_hold", holdUntilDate="2030-01-15")
    (result,) = client.create_orders([update])
    assert result["success"]
    assert server.store.get_order(order["orderId"])["orderStatus"] == "on_hold"


def test_mark_as_shipped_makes_a_fulfillment(server, client):
    order = _order(server)
    client.mark_as_shipped(order["orderId"], "other", tracking_number="ODOO-1")
    assert server.store.get_order(order["orderId"])["orderStatus"] == "shipped"
    (fulfillment,) = client.list_fulfillments(orderId=order["orderId"])
    assert fulfillment["trackingNumber"] == "ODOO-1"
    assert client.list_shipments(orderId=order["orderId"]) == []


def test_v2_cancel_refuses_a_live_label(v2_server, make_v2):  # noqa: F811
    client = make_v2()
    open_order = v2_server.store.add_order(**new_order("SO1"))
    client.cancel_shipment("se-%d" % open_order["orderId"])
    assert v2_server.store.get_order(open_order["orderId"])["orderStatus"] == "cancelled"
    shipped = v2_server.store.add_order(**new_order("SO2"))
    v2_server.store.ship_order(shipped["orderId"])
    with pytest.raises(BadRequestError, match="shipped"):
        client.cancel_shipment("se-%d" % shipped["orderId"])
    (label,) = list(client.iter_labels(shipment_id="se-%d" % shipped["orderId"]))
    assert label["tracking_number"] and not label["voided"]


def test_live_labels_leave_voided_ones_out_on_both_versions(v2_server, make_v2):  # noqa: F811
    order = v2_server.store.add_order(**new_order("SO3"))
    kept, voided = v2_server.store.ship_order(
        order["orderId"], parcels=[{"trackingNumber": "KEEP", "shipmentCost": 4.5}, {"trackingNumber": "GONE"}]
    )
    v2_server.store.void_shipment(voided["shipmentId"])
    assert live_labels(make_v2(), "se-%d" % order["orderId"]) == [("KEEP", 4.5)]
    from shipstation.client import ShipStationClient  # noqa: PLC0415

    with ShipStationClient(KEY, SECRET, v2_server.url, sleep=lambda s: None) as v1:
        assert live_labels(v1, str(order["orderId"])) == [("KEEP", 4.5)]
