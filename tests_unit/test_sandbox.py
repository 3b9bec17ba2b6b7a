"""ShipStation sandbox over real HTTP on 127.0.0.1: filters, paging, semantics, limits, faults."""

import json
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone

import pytest
import requests

from shipstation.sandbox import DEMO_SEED_PATH, FakeClock, SandboxServer, SandboxStore
from shipstation.timeutil import PACIFIC, to_ss_datetime

LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib")
T0 = datetime(2024, 6, 3, 17, 0, tzinfo=timezone.utc)  # 10:00 PDT
SHIP_TO = {
    "name": "Emily Carter",
    "street1": "1428 Elm Street",
    "city": "Springfield",
    "state": "IL",
    "postalCode": "62704",
    "country": "US",
}
ITEMS = [{"sku": "SS-MUG", "quantity": 3, "unitPrice": 14.0}, {"sku": "SS-CAP", "quantity": 2, "unitPrice": 18.5}]


class Api:
    """Tiny authenticated client: ``api.get("/orders", orderNumber="X")`` returns the response."""

    def __init__(self, server, auth=("key", "secret")):
        self.server, self.session = server, requests.Session()
        self.session.auth = auth

    def get(self, path, **params):
        return self.session.get(self.server.url + path, params=params, timeout=5)

    def post(self, path, body=None, **kwargs):
        return self.session.post(self.server.url + path, json=body, timeout=kwargs.pop("timeout", 5), **kwargs)

    def rows(self, path, **params):
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()[path.strip("/")]


@pytest.fixture
def clock():
    return FakeClock(T0)


@pytest.fixture
def server(clock):
    with SandboxServer(clock=clock) as srv:
        yield srv


@pytest.fixture
def api(server):
    return Api(server)


def order(store, number, **fields):
    fields.setdefault("shipTo", SHIP_TO)
    fields.setdefault("billTo", {"name": "Emily Carter"})
    fields.setdefault("items", [dict(i) for i in ITEMS])
    return store.add_order(orderNumber=number, **fields)


def pacific(dt):
    return to_ss_datetime(dt)


# -- auth, routing ---------------------------------------------------------------------------


def test_auth_required_and_rate_headers_on_401(server):
    for auth in (None, ("key", "wrong"), ("other", "secret")):
        response = requests.get(server.url + "/orders", auth=auth, timeout=5)
        assert response.status_code == 401
        assert response.json() == {"Message": "Authorization has been denied for this request."}
        assert "X-Rate-Limit-Reset" in response.headers
    assert Api(server).get("/orders").status_code == 200


def test_unknown_route_and_wrong_method(api):
    assert api.get("/carriers").status_code == 404
    assert "Message" in api.get("/orders/abc").json()
    assert api.post("/orders", {}).status_code == 405


# -- /orders filters ---------------------------------------------------------------------------


def test_order_number_is_a_prefix_match_and_order_id_is_ignored(server, api):
    for number in ("SO-1", "SO-10", "SO-100", "SO-2", "so-1x"):
        order(server.store, number)
    numbers = [o["orderNumber"] for o in api.rows("/orders", orderNumber="SO-1")]
    assert numbers == ["SO-1", "SO-10", "SO-100", "so-1x"]
    assert len(api.rows("/orders", orderId="100001")) == 5  # not a filter, like ShipStation


def test_status_customer_and_store_filters(server, api):
    a = order(server.store, "A")
    order(
        server.store,
        "B",
        orderStatus="on_hold",
        billTo={"name": "Daniel Kim"},
        shipTo=dict(SHIP_TO, name="Daniel Kim"),
        advancedOptions={"storeId": 77},
    )
    server.store.cancel_order(a["orderId"])
    assert [o["orderNumber"] for o in api.rows("/orders", orderStatus="cancelled")] == ["A"]
    assert [o["orderNumber"] for o in api.rows("/orders", customerName="daniel")] == ["B"]
    assert [o["orderNumber"] for o in api.rows("/orders", storeId=77)] == ["B"]


def test_modify_and_create_date_windows(server, api, clock):
    a = order(server.store, "A")
    clock.advance(hours=1)
    order(server.store, "B")
    clock.advance(hours=1)
    server.store.hold_order(a["orderId"])  # touches A's modifyDate at T0+2h
    since = pacific(T0 + timedelta(minutes=90))
    assert [o["orderNumber"] for o in api.rows("/orders", modifyDateStart=since)] == ["A"]
    assert [o["orderNumber"] for o in api.rows("/orders", createDateStart=since)] == []
    window = {"createDateStart": pacific(T0 + timedelta(hours=1)), "createDateEnd": pacific(T0 + timedelta(hours=1))}
    assert [o["orderNumber"] for o in api.rows("/orders", **window)] == ["B"]  # both ends inclusive
    assert api.get("/orders", createDateStart="yesterday-ish").status_code == 400


def test_date_filters_are_pacific_across_dst(server, api):
    # 2024-03-10 02:00 PST jumps to 03:00 PDT (10:00 UTC).
    before = order(server.store, "PST", createDate=datetime(2024, 3, 10, 9, 30, tzinfo=timezone.utc))
    after = order(server.store, "PDT", createDate=datetime(2024, 3, 10, 10, 30, tzinfo=timezone.utc))
    assert before["createDate"] == "2024-03-10T01:30:00.0000000"
    assert after["createDate"] == "2024-03-10T03:30:00.0000000"
    rows = api.rows("/orders", createDateStart="2024-03-10 03:00:00")
    assert [o["orderNumber"] for o in rows] == ["PDT"]
    rows = api.rows("/orders", createDateStart="2024-03-10T01:00:00", createDateEnd="2024-03-10 01:59:59")
    assert [o["orderNumber"] for o in rows] == ["PST"]


def test_pagination_envelope(server, api):
    for n in range(7):
        order(server.store, "P-%d" % n)
    body = api.get("/orders", pageSize=3).json()
    assert (body["total"], body["page"], body["pages"], len(body["orders"])) == (7, 1, 3, 3)
    last = api.get("/orders", pageSize=3, page=3).json()
    assert [o["orderNumber"] for o in last["orders"]] == ["P-6"]
    assert api.get("/orders", pageSize=3, page=4).json()["orders"] == []
    assert api.get("/orders", orderNumber="none").json() == {"orders": [], "total": 0, "page": 1, "pages": 0}
    too_big = api.get("/orders", pageSize=501)
    assert too_big.status_code == 400 and "pageSize" in too_big.json()["ModelState"]


def test_sorting(server, api, clock):
    for number, age in (("old", 3), ("new", 1), ("mid", 2)):
        order(server.store, number, orderDate=T0 - timedelta(days=age))
        clock.advance(60)
    assert [o["orderNumber"] for o in api.rows("/orders")] == ["old", "new", "mid"]  # orderId
    assert [o["orderNumber"] for o in api.rows("/orders", sortBy="OrderDate")] == ["old", "mid", "new"]
    desc = api.rows("/orders", sortBy="OrderDate", sortDir="DESC")
    assert [o["orderNumber"] for o in desc] == ["new", "mid", "old"]
    assert [o["orderNumber"] for o in api.rows("/orders", sortBy="CreateDate", sortDir="DESC")] == ["mid", "new", "old"]


def test_get_one_order_and_404(server, api):
    created = order(server.store, "ONE")
    body = api.get("/orders/%d" % created["orderId"]).json()
    assert body["orderNumber"] == "ONE" and body["items"][0]["sku"] == "SS-MUG"
    assert body["orderKey"] and body["advancedOptions"]["mergedOrSplit"] is False
    missing = api.get("/orders/999")
    assert missing.status_code == 404 and "Message" in missing.json()


# -- /shipments --------------------------------------------------------------------------------


def test_shipment_filters_and_items(server, api, clock):
    store = server.store
    a, b = order(store, "S-1"), order(store, "S-10")
    first = store.ship_order(a["orderId"], ship_date="2024-06-02")[0]
    clock.advance(hours=2)
    second = store.ship_order(b["orderId"], carrier_code="usps", service_code="usps_priority_mail")[0]
    assert first["trackingNumber"].startswith("1Z999AA1") and len(first["trackingNumber"]) == 18
    assert [s["shipmentId"] for s in api.rows("/shipments", orderId=a["orderId"])] == [first["shipmentId"]]
    assert [s["orderNumber"] for s in api.rows("/shipments", orderNumber="S-1")] == ["S-1"]  # exact, not prefix
    assert [s["orderNumber"] for s in api.rows("/shipments", trackingNumber=second["trackingNumber"])] == ["S-10"]
    assert [s["orderNumber"] for s in api.rows("/shipments", carrierCode="usps")] == ["S-10"]
    since = pacific(T0 + timedelta(hours=1))
    assert [s["orderNumber"] for s in api.rows("/shipments", createDateStart=since)] == ["S-10"]
    assert [s["orderNumber"] for s in api.rows("/shipments", shipDateStart="2024-06-02", shipDateEnd="2024-06-02")] == [
        "S-1"
    ]
    assert first["shipDate"] == "2024-06-02" and second["shipDate"] == "2024-06-03"
    assert all(s["shipmentItems"] is None for s in api.rows("/shipments"))
    items = api.rows("/shipments", orderId=a["orderId"], includeShipmentItems="true")[0]["shipmentItems"]
    assert [(i["sku"], i["quantity"]) for i in items] == [("SS-MUG", 3), ("SS-CAP", 2)]
    assert items[0]["orderItemId"] == a["items"][0]["orderItemId"]
    assert api.get("/shipments", includeShipmentItems="1").status_code == 400
    by_ship_date = api.rows("/shipments", sortBy="ShipDate", sortDir="DESC")
    assert [s["orderNumber"] for s in by_ship_date] == ["S-10", "S-1"]


def test_void_semantics(server, api, clock):
    store = server.store
    o = order(store, "V")
    one, two = store.ship_order(
        o["orderId"],
        parcels=[{"items": [{"sku": "SS-MUG", "quantity": 3}]}, {"items": [{"sku": "SS-CAP", "quantity": 2}]}],
    )
    clock.advance(hours=1)
    voided = store.void_shipment(one["shipmentId"])
    assert voided["voided"] is True and voided["voidDate"] == "2024-06-03T11:00:00.0000000"
    assert api.get("/orders/%d" % o["orderId"]).json()["orderStatus"] == "shipped"  # parcel two still live
    store.void_shipment(two["shipmentId"])
    back = api.get("/orders/%d" % o["orderId"]).json()
    assert back["orderStatus"] == "awaiting_shipment" and back["shipDate"] is None
    rows = api.rows("/shipments", voidDateStart=pacific(T0 + timedelta(minutes=30)))
    assert sorted(s["shipmentId"] for s in rows) == [one["shipmentId"], two["shipmentId"]]
    assert api.rows("/shipments", voidDateEnd=pacific(T0)) == []
    with pytest.raises(ValueError):
        store.void_shipment(one["shipmentId"])
    assert api.post("/shipments/voidlabel", {"shipmentId": one["shipmentId"]}).json()["approved"] is False


def test_return_label(server, api):
    store = server.store
    o = order(store, "R")
    outbound = store.ship_order(o["orderId"])[0]
    ret = store.add_return_label(o["orderId"], items=[{"sku": "SS-MUG", "quantity": 1}])
    assert ret["isReturnLabel"] is True and ret["shipmentItems"][0]["quantity"] == 1
    assert store.get_order(o["orderId"])["orderStatus"] == "shipped"
    store.void_shipment(outbound["shipmentId"])  # a return label does not keep the order shipped
    assert store.get_order(o["orderId"])["orderStatus"] == "awaiting_shipment"
    assert len(api.rows("/shipments", orderId=o["orderId"])) == 2


def test_mark_as_shipped_creates_fulfillment(server, api, clock):
    store = server.store
    o = order(store, "F-1")
    response = api.post(
        "/orders/markasshipped",
        {
            "orderId": o["orderId"],
            "carrierCode": "usps",
            "trackingNumber": "9400100000000000000001",
            "shipDate": "2024-06-01",
        },
    )
    assert response.json() == {"orderId": o["orderId"], "orderNumber": "F-1"}
    assert api.get("/orders/%d" % o["orderId"]).json()["orderStatus"] == "shipped"
    assert api.rows("/shipments", orderId=o["orderId"]) == []
    [ful] = api.rows("/fulfillments", orderNumber="F-1")
    assert ful["trackingNumber"] == "9400100000000000000001" and ful["shipDate"] == "2024-06-01"
    assert api.rows("/fulfillments", fulfillmentId=ful["fulfillmentId"])[0]["orderId"] == o["orderId"]
    assert len(api.rows("/fulfillments", createDateStart=pacific(T0))) == 1
    assert api.rows("/fulfillments", shipDateStart="2024-06-02") == []
    clock.advance(60)
    store.void_fulfillment(ful["fulfillmentId"])
    assert api.rows("/fulfillments", orderId=o["orderId"])[0]["voided"] is True
    assert store.get_order(o["orderId"])["orderStatus"] == "awaiting_shipment"
    assert api.post("/orders/markasshipped", {"orderId": 1, "carrierCode": "ups"}).status_code == 400
    assert api.post("/orders/markasshipped", {"orderId": o["orderId"]}).status_code == 400


# -- split and merge -----------------------------------------------------------------------------


def test_split_children_share_number_and_key(server, api):
    store = server.store
    parent = order(store, "SPLIT")
    children = store.split_order(parent["orderId"], [[{"sku": "SS-CAP"}], [{"sku": "SS-MUG", "quantity": 1}]])
    rows = api.rows("/orders", orderNumber="SPLIT")
    assert [r["orderId"] for r in rows] == [parent["orderId"]] + [c["orderId"] for c in children]
    assert all(r["orderKey"] == parent["orderKey"] and r["advancedOptions"]["mergedOrSplit"] for r in rows)
    assert [c["advancedOptions"]["parentId"] for c in children] == [parent["orderId"]] * 2
    assert [(i["sku"], i["quantity"]) for i in rows[0]["items"]] == [("SS-MUG", 2)]
    assert [(i["sku"], i["quantity"]) for i in children[0]["items"]] == [("SS-CAP", 2)]
    with pytest.raises(ValueError):
        store.split_order(parent["orderId"], [[{"sku": "SS-MUG", "quantity": 2}], [{"sku": "SS-MUG"}]])
    assert store.get_order(parent["orderId"])["items"][0]["quantity"] == 2  # refused split changed nothing


def test_merge_hides_absorbed_orders(server, api):
    store = server.store
    survivor, gone1, gone2 = order(store, "M-1"), order(store, "M-2"), order(store, "M-3")
    merged = store.merge_orders(survivor["orderId"], [gone1["orderId"], gone2["orderId"]])
    assert merged["advancedOptions"]["mergedIds"] == [gone1["orderId"], gone2["orderId"]]
    assert len(api.get("/orders/%d" % survivor["orderId"]).json()["items"]) == 6
    assert api.get("/orders/%d" % gone1["orderId"]).status_code == 404
    assert [o["orderNumber"] for o in api.rows("/orders", orderNumber="M-")] == ["M-1"]
    assert api.get("/orders").json()["total"] == 1


# -- createorder(s) --------------------------------------------------------------------------------


def payload(number, key=None, **extra):
    body = {
        "orderNumber": number,
        "orderDate": "2024-06-01 08:00:00",
        "orderStatus": "awaiting_shipment",
        "billTo": {"name": "Emily Carter"},
        "shipTo": SHIP_TO,
        "items": [dict(i) for i in ITEMS],
    }
    if key:
        body["orderKey"] = key
    body.update(extra)
    return body


def test_createorders_upsert_by_order_key(server, api):
    batch = [payload("C-1", "key-1"), payload("C-2", "key-2")]
    first = api.post("/orders/createorders", batch).json()
    assert first["hasErrors"] is False and all(r["success"] for r in first["results"])
    again = api.post(
        "/orders/createorders", [payload("C-1", "key-1", customerEmail="e@example.com"), payload("C-2", "key-2")]
    ).json()
    assert [r["orderId"] for r in again["results"]] == [r["orderId"] for r in first["results"]]
    assert api.get("/orders").json()["total"] == 2  # no duplicates
    updated = api.get("/orders/%d" % first["results"][0]["orderId"]).json()
    assert updated["customerEmail"] == "e@example.com" and updated["orderDate"] == "2024-06-01T08:00:00.0000000"
    assert updated["items"][0]["orderItemId"] == server.store.get_order(updated["orderId"])["items"][0]["orderItemId"]
    keyless = api.post("/orders/createorders", [payload("C-3"), payload("C-3")]).json()["results"]
    assert keyless[0]["orderId"] != keyless[1]["orderId"] and keyless[0]["orderKey"]


def test_createorders_partial_failure_and_limits(server, api):
    bad = payload("C-BAD", "key-bad")
    del bad["shipTo"]
    result = api.post("/orders/createorders", [payload("C-OK", "key-ok"), bad]).json()
    assert result["hasErrors"] is True
    ok, failed = result["results"]
    assert ok["success"] and not failed["success"] and "shipTo" in failed["errorMessage"]
    assert [o["orderNumber"] for o in api.rows("/orders")] == ["C-OK"]
    too_many = api.post("/orders/createorders", [payload("X-%d" % n) for n in range(101)])
    assert too_many.status_code == 400 and too_many.json()["Message"] == "The request is invalid."
    assert api.post("/orders/createorders", payload("OBJ")).status_code == 400  # object, not array
    assert api.post("/orders/createorder", [payload("ARR")]).status_code == 400


def test_shipped_order_cannot_be_updated(server, api):
    created = api.post("/orders/createorder", payload("C-S", "key-s")).json()
    assert created["orderId"] and created["orderKey"] == "key-s" and created["orderStatus"] == "awaiting_shipment"
    server.store.ship_order(created["orderId"])
    refused = api.post("/orders/createorders", [payload("C-S", "key-s")]).json()["results"][0]
    assert refused["success"] is False and "order cannot be updated" in refused["errorMessage"]
    single = api.post("/orders/createorder", payload("C-S", "key-s"))
    assert single.status_code == 400 and single.json()["ModelState"]
    missing = api.post("/orders/createorder", {"orderNumber": "NO-DATE", "shipTo": SHIP_TO})
    assert missing.status_code == 400 and "apiOrder.orderDate" in missing.json()["ModelState"]


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


# -- seeds, store, CLI -----------------------------------------------------------------------------------


def test_seed_relative_times_ids_and_roundtrip(clock):
    seed = {
        "orders": [
            {
                "orderId": 100005,
                "orderNumber": "OLD",
                "createDate": "now-3d",
                "modifyDate": "now-2h",
                "orderDate": "2024-05-01T09:15:00.1234567",
                "shipDate": "now-1d",
                "orderStatus": "shipped",
            }
        ],
        "_cases": {"OLD": "ignored"},
    }
    store = SandboxStore.from_seed(seed, clock=clock)
    old = store.get_order(100005)
    assert old["createDate"] == "2024-05-31T10:00:00.0000000" and old["modifyDate"] == "2024-06-03T08:00:00.0000000"
    assert old["orderDate"] == "2024-05-01T09:15:00.1234560" and old["shipDate"] == "2024-06-02"
    assert store.add_order(orderNumber="NEW")["orderId"] == 100006
    dumped = store.dump_seed()
    assert SandboxStore.from_seed(json.loads(json.dumps(dumped)), clock=clock).dump_seed() == dumped
    clock.advance(days=1)
    store.reset()  # relative seed timestamps move with the clock
    assert store.get_order(100005)["createDate"] == "2024-06-01T10:00:00.0000000"
    assert store.get_order(100006) is None


def test_add_many_is_fast_and_indexed():
    store = SandboxStore()
    started = time.monotonic()
    ids = store.add_many(
        ({"orderNumber": "B-%05d" % n, "items": [{"sku": "SS-MUG", "quantity": 1}]} for n in range(3000)), ship=True
    )
    assert len(ids) == 3000 and store.counts()["shipments"] == 3000
    assert store.list_shipments(order_number="B-02999")[0] == 1
    assert store.list_orders(number_prefix="B-029")[0] == 100
    assert time.monotonic() - started < 2


def test_demo_seed_has_every_case():
    with open(DEMO_SEED_PATH, encoding="utf-8") as handle:
        seed = json.load(handle)
    store = SandboxStore.from_seed(DEMO_SEED_PATH)
    cases = seed["_cases"]
    assert 30 <= len(seed["orders"]) <= 40 and all(n in {o["orderNumber"] for o in seed["orders"]} for n in cases)
    skus = {i["sku"] for o in seed["orders"] for i in o["items"]}
    assert skus == {"SS-MUG", "SS-TEE-M", "SS-CAP", "SS-BOTTLE", "SS-SOCKS", "SS-POSTER"}
    assert all(1 <= i["quantity"] <= 4 for o in seed["orders"] for i in o["items"])
    text = " ".join(cases.values())
    for status in ("awaiting_shipment", "awaiting_payment", "on_hold", "pending_fulfillment", "cancelled"):
        assert status in text
    _total, orders = store.list_orders(page_size=500)
    by_number = {}
    for o in orders:
        by_number.setdefault(o["orderNumber"], []).append(o)
    labels = {}
    for s in store.list_shipments(page_size=500, include_items=True)[1]:
        labels.setdefault(s["orderId"], []).append(s)

    def live(o):
        return [s for s in labels.get(o["orderId"], []) if not s["voided"] and not s["isReturnLabel"]]

    demo = {n: os[0] for n, os in by_number.items() if n.startswith("WH/OUT/DEMO-") and len(os) == 1}
    assert any(len(live(o)) == 1 for o in demo.values())
    assert any(len(live(o)) >= 2 for o in demo.values())
    assert any(len(live(o)) == 1 and any(s["voided"] for s in labels[o["orderId"]]) for o in demo.values())
    assert any(o["orderStatus"] == "awaiting_shipment" and labels.get(o["orderId"]) for o in demo.values())
    assert any(any(s["isReturnLabel"] for s in labels.get(o["orderId"], [])) for o in demo.values())
    assert any(live(o) and live(o)[0]["shipmentItems"] == [] for o in demo.values())
    assert any(
        live(o)
        and sum(i["quantity"] for s in live(o) for i in s["shipmentItems"]) < sum(i["quantity"] for i in o["items"])
        and all(s["shipmentItems"] for s in live(o))
        for o in demo.values()
    )
    fulfillments = store.list_fulfillments(page_size=500)[1]
    assert {f["voided"] for f in fulfillments} == {True, False}
    split = [os for os in by_number.values() if len(os) == 3]
    assert split and all(c["advancedOptions"]["parentId"] == split[0][0]["orderId"] for c in split[0][1:])
    survivor = next(o for o in orders if o["advancedOptions"]["mergedIds"])
    assert survivor["orderStatus"] == "shipped" and len(survivor["advancedOptions"]["mergedIds"]) == 2
    assert all(store.get_order(i) is None for i in survivor["advancedOptions"]["mergedIds"])
    assert 3 <= sum(1 for n in by_number if not n.startswith("WH/OUT/DEMO-")) <= 5
    newest = max(datetime.fromisoformat(o["modifyDate"][:19]) for o in orders)
    assert abs(newest.replace(tzinfo=PACIFIC) - datetime.now(timezone.utc)) < timedelta(days=1)


def test_cli_starts_serves_and_stops():
    env = dict(os.environ, PYTHONPATH=LIB)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shipstation.sandbox",
            "--port",
            "0",
            "--key",
            "k",
            "--secret",
            "s",
            "--rate-limit",
            "40",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("ShipStation sandbox listening on http://127.0.0.1:") and "key=k" in line
        url = line.split(" on ")[1].split()[0]
        response = requests.get(url + "/orders", params={"orderNumber": "WH/OUT/DEMO-001"}, auth=("k", "s"), timeout=5)
        assert response.status_code == 200 and response.headers["X-Rate-Limit-Limit"] == "40"
        assert response.json()["orders"][0]["orderNumber"] == "WH/OUT/DEMO-001"
    finally:
        process.terminate()
    assert process.wait(timeout=5) == 0


def test_fake_clock():
    clock = FakeClock(T0)
    assert clock() == T0
    clock.sleep(1.5)
    assert clock.advance(minutes=1) == T0 + timedelta(seconds=61.5)
    assert clock.monotonic() == (T0 + timedelta(seconds=61.5)).timestamp()
    assert date.fromisoformat("2024-06-03") == clock().astimezone(PACIFIC).date()
