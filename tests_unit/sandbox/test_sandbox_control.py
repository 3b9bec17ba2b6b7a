"""The ShipStation sandbox over real HTTP on 127.0.0.1: rate limit, faults, control routes."""

import time

import pytest
import requests
from sandbox_helpers import Api, order, payload

from shipstation.sandbox import SandboxServer

# -- rate limit ------------------------------------------------------------------------------------


def test_rate_limit_headers_429_and_reset(clock):
    with SandboxServer(rate_limit=3, rate_window=60, clock=clock) as server:
        api = Api(server)
        remaining = []
        for _ in range(3):
            response = api.get("/orders")
            assert response.status_code == 200 and response.headers["X-Rate-Limit-Limit"] == "3"
            remaining.append(response.headers["X-Rate-Limit-Remaining"])
        assert remaining == ["2", "1", "0"] and response.headers["X-Rate-Limit-Reset"] == "60"
        clock.advance(20)
        blocked = api.get("/orders")
        assert blocked.status_code == 429 and blocked.json() == {"Message": "Too Many Requests"}
        assert blocked.headers["X-Rate-Limit-Remaining"] == "0" and blocked.headers["X-Rate-Limit-Reset"] == "40"
        clock.sleep(40)
        fresh = api.get("/orders")
        assert fresh.status_code == 200 and fresh.headers["X-Rate-Limit-Remaining"] == "2"
        assert api.post("/_sandbox/faults/clear").headers["X-Rate-Limit-Remaining"] == "2"  # control is free
        assert server.count(path_prefix="/orders") == 5


def test_unlimited_still_sends_headers(api):
    headers = api.get("/orders").headers
    assert int(headers["X-Rate-Limit-Limit"]) >= 1000000 and headers["X-Rate-Limit-Reset"] == "60"
    assert int(headers["X-Rate-Limit-Remaining"]) == int(headers["X-Rate-Limit-Limit"]) - 1


# -- faults ------------------------------------------------------------------------------------------


def test_fault_status_count_and_log(server, api):
    server.faults.add(status=500, count=1)
    failed = api.get("/orders")
    assert failed.status_code == 500 and failed.json()["Message"] == "An error has occurred."
    assert failed.json()["ExceptionType"] == "System.Exception"
    assert api.get("/orders").status_code == 200
    assert [r.status for r in server.requests] == [500, 200]
    server.reset_log()
    assert server.requests == []


def test_fault_path_prefix_query_and_until_cleared(server, api):
    server.faults.add(status=503, count=None, path="/shipments*", query={"orderId": "100005"})
    assert api.get("/shipments", orderId=100004).status_code == 200
    for _ in range(2):
        unavailable = api.get("/shipments", orderId=100005, page=1)
        assert unavailable.status_code == 503 and "Service Unavailable" in unavailable.text
    assert api.get("/orders", orderId=100005).status_code == 200
    server.faults.clear()
    assert api.get("/shipments", orderId=100005).status_code == 200
    server.faults.add(status=404, path="/orders/100001", body={"Message": "custom"})
    assert api.get("/orders/100001").json() == {"Message": "custom"}


def test_fault_malformed_and_delay(server, api):
    order(server.store, "SLOW")
    server.faults.add(malformed=True, path="/orders")
    broken = api.get("/orders")
    assert broken.status_code == 200
    with pytest.raises(ValueError):
        broken.json()
    server.faults.add(delay=0.3, path="/orders")
    with pytest.raises(requests.exceptions.Timeout):
        api.session.get(server.url + "/orders", timeout=0.1)
    started = time.monotonic()
    assert api.get("/orders").json()["total"] == 1  # the delay fault fired once
    assert time.monotonic() - started < 0.3


def test_faulted_requests_count_against_rate_limit(clock):
    with SandboxServer(rate_limit=2, clock=clock) as server:
        server.faults.add(status=500)
        api = Api(server)
        assert api.get("/orders").status_code == 500
        assert api.get("/orders").headers["X-Rate-Limit-Remaining"] == "0"
        assert api.get("/orders").status_code == 429


# -- control routes ------------------------------------------------------------------------------------


def test_control_routes(server, api):
    server.store.load_seed({"orders": [payload("CTL-1"), payload("CTL-2")]})
    first, second = (o["orderId"] for o in api.rows("/orders"))
    shipped = api.post("/_sandbox/orders/%d/ship" % first, {"parcels": [{"trackingNumber": "1ZCTL"}]}).json()
    assert shipped["shipments"][0]["trackingNumber"] == "1ZCTL"
    void = api.post("/_sandbox/shipments/%d/void" % shipped["shipments"][0]["shipmentId"]).json()
    assert void["voided"] is True
    assert api.post("/_sandbox/orders/%d/cancel" % second).json()["orderStatus"] == "cancelled"
    assert api.post("/_sandbox/orders/999/cancel").status_code == 404
    assert api.post("/_sandbox/faults", {"status": 502, "path": "/orders"}).json() == {"faults": 1}
    assert api.get("/orders").status_code == 502
    api.post("/_sandbox/orders", {"orderNumber": "CTL-3"})
    assert api.get("/orders").json()["total"] == 3
    assert api.post("/_sandbox/reset").json()["orders"] == 2
    statuses = [o["orderStatus"] for o in api.get("/_sandbox/seed").json()["orders"]]
    assert statuses == ["awaiting_shipment", "awaiting_shipment"]


def test_control_routes_take_v2_ids(server, api):
    """A v2 delivery shows its order as ``se-N``: the control routes take it as written."""
    server.store.load_seed({"orders": [payload("CTL-V2")]})
    (order_id,) = (o["orderId"] for o in api.rows("/orders"))
    shipped = api.post("/_sandbox/orders/se-%d/ship" % order_id, {"parcels": [{"trackingNumber": "1ZSE"}]}).json()
    assert shipped["shipments"][0]["trackingNumber"] == "1ZSE"
    void = api.post("/_sandbox/shipments/se-%d/void" % shipped["shipments"][0]["shipmentId"]).json()
    assert void["voided"] is True
