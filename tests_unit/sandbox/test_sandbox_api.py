"""The ShipStation sandbox's API over real HTTP on 127.0.0.1: auth and routing, /orders
filters and paging, /shipments and /fulfillments, split and merge, createorder(s)."""

from datetime import datetime, timedelta, timezone

import pytest
import requests
from sandbox_helpers import SHIP_TO, T0, Api, order, pacific, payload

# -- auth, routing ---------------------------------------------------------------------------


def test_auth_required_and_rate_headers_on_401(server):
    for auth in (None, ("key", "wrong"), ("other", "secret")):
        response = requests.get(server.url + "/orders", auth=auth, timeout=5)
        assert response.status_code == 401
        assert response.json() == {"Message": "Authorization has been denied for this request."}
        assert "X-Rate-Limit-Reset" in response.headers
    assert Api(server).get("/orders").status_code == 200


def test_unknown_route_and_wrong_method(api):
    assert api.get("/warehouses").status_code == 404  # not served by the sandbox
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
    # As on the live API, a page after the first may start with the previous page's last record.
    assert [o["orderNumber"] for o in last["orders"]] == ["P-5", "P-6"]
    assert api.get("/orders", pageSize=3, page=4).json()["orders"] == []
    server.quirks.repeat_last_record = False
    assert [o["orderNumber"] for o in api.get("/orders", pageSize=3, page=3).json()["orders"]] == ["P-6"]
    assert api.get("/orders", pageSize=3, page=4).json()["orders"] == []
    server.quirks.envelope["pages"] = 0
    assert api.get("/orders", pageSize=3).json()["pages"] == 0
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
