"""The sandbox's API v2 dialect over real HTTP, writing side: /v2/labels (v1 shipments), voids
and return labels seen by both dialects, cancelling, and POST /v2/shipments."""

from datetime import timedelta

from sandbox_helpers import SHIP_TO, T0, Api, assert_v2_error, order

from shipstation.timeutil import parse_ss_datetime


def label_ids(rows):
    return [r["label_id"] for r in rows]


# -- labels --------------------------------------------------------------------------------------


def test_labels_carry_cost_objects_and_no_items(server, v2):
    created = order(server.store, "L-1")
    fedex, usps = server.store.ship_order(
        created["orderId"],
        parcels=[
            {"shipmentCost": 12.34, "insuranceCost": 1.5, "carrierCode": "fedex", "serviceCode": "fedex_ground"},
            {"shipmentCost": 3, "carrierCode": "usps", "items": [{"sku": "SS-CAP", "quantity": 1}]},
        ],
    )
    rows = v2.rows("/v2/labels", sort_dir="asc")
    assert label_ids(rows) == ["se-%d" % fedex["shipmentId"], "se-%d" % usps["shipmentId"]]
    label = v2.get("/v2/labels/se-%d" % fedex["shipmentId"]).json()
    assert label == rows[0]
    assert label["shipment_id"] == "se-%d" % created["orderId"]
    assert (label["status"], label["voided"], label["voided_at"], label["is_return_label"]) == (
        "completed",
        False,
        None,
        False,
    )
    assert label["shipment_cost"] == {"currency": "usd", "amount": 12.34}
    assert label["insurance_cost"] == {"currency": "usd", "amount": 1.5}
    assert rows[1]["shipment_cost"] == {"currency": "usd", "amount": 3.0}
    assert rows[1]["insurance_cost"] == {"currency": "usd", "amount": 0.0}
    assert (label["carrier_code"], label["service_code"]) == ("fedex", "fedex_ground")
    assert label["tracking_number"] == fedex["trackingNumber"]
    assert label["tracking_url"] == "https://www.fedex.com/fedextrack/?trknbr=%s" % fedex["trackingNumber"]
    assert (
        rows[1]["tracking_url"].startswith("https://tools.usps.com/")
        and usps["trackingNumber"] in rows[1]["tracking_url"]
    )
    assert [p["tracking_number"] for p in label["packages"]] == [fedex["trackingNumber"]]
    assert (label["created_at"], label["ship_date"]) == ("2024-06-03T17:00:00.000Z", "2024-06-03")
    assert not {"items", "shipmentItems", "shipment_items"} & set(label)


def test_marked_as_shipped_is_no_label(server, v2):
    created = order(server.store, "F-1")
    server.store.mark_as_shipped(created["orderId"], "ups", tracking_number="1ZFULFILLED")
    assert len(Api(server).rows("/fulfillments")) == 1
    assert v2.rows("/v2/labels") == []
    assert v2.rows("/v2/labels", tracking_number="1ZFULFILLED") == []
    assert v2.get("/v2/shipments/se-%d" % created["orderId"]).json()["shipment_status"] == "label_purchased"


def test_label_filters_and_sorting(server, v2, clock):
    a, b = order(server.store, "LF-1"), order(server.store, "LF-2")
    first = server.store.ship_order(a["orderId"])[0]
    clock.advance(hours=1)
    second = server.store.ship_order(b["orderId"], carrier_code="usps")[0]
    clock.advance(hours=1)
    server.store.void_shipment(first["shipmentId"])
    one, two = "se-%d" % first["shipmentId"], "se-%d" % second["shipmentId"]
    assert label_ids(v2.rows("/v2/labels")) == [two, one]  # created_at desc
    assert label_ids(v2.rows("/v2/labels", sort_dir="asc")) == [one, two]
    assert label_ids(v2.rows("/v2/labels", sort_by="modified_at")) == [one, two]  # the void moved it
    assert label_ids(v2.rows("/v2/labels", shipment_id="se-%d" % b["orderId"])) == [two]
    assert label_ids(v2.rows("/v2/labels", label_status="voided")) == [one]
    assert label_ids(v2.rows("/v2/labels", label_status="completed")) == [two]
    assert v2.rows("/v2/labels", label_status="error") == []
    assert label_ids(v2.rows("/v2/labels", tracking_number=second["trackingNumber"])) == [two]
    since = (T0 + timedelta(minutes=30)).isoformat()
    assert label_ids(v2.rows("/v2/labels", created_at_start=since)) == [two]
    assert label_ids(v2.rows("/v2/labels", created_at_end=since)) == [one]
    page = v2.get("/v2/labels", page_size=1).json()
    assert (page["total"], page["pages"], len(page["labels"])) == (2, 2, 1) and page["links"]["next"]["href"]
    for bad in (
        {"shipment_id": str(a["orderId"])},
        {"shipment_id": "se-x"},
        {"label_status": "void"},
        {"page_size": 501},
    ):
        assert_v2_error(v2.get("/v2/labels", **bad), 400, "validation", "invalid_field_value")


# -- voids and returns -----------------------------------------------------------------------------------


def test_void_through_v2_is_seen_by_v1(server, v2, clock):
    created = order(server.store, "V-1")
    label = server.store.ship_order(created["orderId"])[0]
    clock.advance(minutes=30)
    path = "/v2/labels/se-%d/void" % label["shipmentId"]
    voided = v2.put(path)
    assert voided.status_code == 200 and voided.json()["approved"] is True and voided.json()["message"]
    api = Api(server)
    [v1_label] = api.rows("/shipments", orderId=created["orderId"])
    assert v1_label["voided"] is True
    assert parse_ss_datetime(v1_label["voidDate"]) == T0 + timedelta(minutes=30)
    assert api.get("/orders/%d" % created["orderId"]).json()["orderStatus"] == "awaiting_shipment"
    again = v2.get("/v2/labels/se-%d" % label["shipmentId"]).json()
    assert (again["status"], again["voided"], again["voided_at"]) == ("voided", True, "2024-06-03T17:30:00.000Z")
    assert v2.get("/v2/shipments/se-%d" % created["orderId"]).json()["shipment_status"] == "pending"
    twice = v2.put(path)
    assert twice.status_code == 200 and twice.json()["approved"] is False


def test_return_labels(server, v2):
    created = order(server.store, "R-1")
    outbound = server.store.ship_order(created["orderId"])[0]
    back = server.store.add_return_label(created["orderId"], shipment_cost=6.5, carrier_code="usps")
    rows = {r["label_id"]: r for r in v2.rows("/v2/labels", shipment_id="se-%d" % created["orderId"])}
    assert rows["se-%d" % back["shipmentId"]]["is_return_label"] is True
    assert rows["se-%d" % back["shipmentId"]]["shipment_cost"] == {"currency": "usd", "amount": 6.5}
    assert rows["se-%d" % outbound["shipmentId"]]["is_return_label"] is False
    # Voiding the outbound label leaves only a return label: the order is no longer shipped.
    assert v2.put("/v2/labels/se-%d/void" % outbound["shipmentId"]).json()["approved"] is True
    assert v2.get("/v2/shipments/se-%d" % created["orderId"]).json()["shipment_status"] == "pending"


# -- cancel -----------------------------------------------------------------------------------------------


def test_cancel_through_v2(server, v2):
    open_order, shipped = order(server.store, "C-1"), order(server.store, "C-2")
    server.store.ship_order(shipped["orderId"])
    done = v2.put("/v2/shipments/se-%d/cancel" % open_order["orderId"])
    assert (done.status_code, done.content) == (204, b"")
    assert Api(server).get("/orders/%d" % open_order["orderId"]).json()["orderStatus"] == "cancelled"
    assert v2.get("/v2/shipments/se-%d" % open_order["orderId"]).json()["shipment_status"] == "cancelled"
    assert_v2_error(v2.put("/v2/shipments/se-%d/cancel" % shipped["orderId"]), 400, "business_rules", "unspecified")
    assert server.store.get_order(shipped["orderId"])["orderStatus"] == "shipped"
    assert_v2_error(v2.put("/v2/shipments/se-999999/cancel"), 404, "validation", "invalid_identifier")


# -- POST /v2/shipments -----------------------------------------------------------------------------------

V2_SHIP_TO = {
    "name": "Daniel Kim",
    "address_line1": "12 Oak Avenue",
    "city_locality": "Portland",
    "state_province": "OR",
    "postal_code": "97201",
    "country_code": "US",
    "address_residential_indicator": "no",
}


def new_shipment(external_id, number, **extra):
    body = {
        "external_shipment_id": external_id,
        "shipment_number": number,
        "ship_to": V2_SHIP_TO,
        "items": [{"sku": "SS-MUG", "name": "Mug", "quantity": 2, "external_order_item_id": "line-7"}],
        "shipment_status": "pending",
    }
    body.update(extra)
    return body


def test_create_shipments_partial_success(server, v2):
    existing = order(server.store, "OLD-1", orderKey="EXISTING-1", shipTo=SHIP_TO)
    long_id = "EXT-" + "x" * 46 + "-tail-one"  # 59 characters
    twin = long_id[:50] + "-tail-two"  # another id, the same first 50 characters
    before = server.store.counts()["orders"]
    response = v2.post(
        "/v2/shipments",
        {
            "shipments": [
                new_shipment("NEW-1", "WH/OUT/0001"),
                new_shipment("EXISTING-1", "WH/OUT/0002"),
                new_shipment(long_id, "WH/OUT/0003"),
                new_shipment(twin, "WH/OUT/0004"),
                new_shipment("NEW-5", None),
                new_shipment("NEW-6", "WH/OUT/0006", ship_to=None),
            ]
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["has_errors"] is True
    ok, duplicate, truncated, duplicate_twin, no_number, no_ship_to = body["shipments"]
    assert ok["errors"] == [] and truncated["errors"] == [] and no_number["errors"] == []
    assert truncated["external_shipment_id"] == long_id[:50]
    # Without a shipment_number, ShipStation numbers the shipment itself (docs: shipment numbers).
    assert no_number["shipment_number"] == no_number["shipment_id"][3:]
    for failed, words in (
        (duplicate, "already exists"),
        (duplicate_twin, "already exists"),
        (no_ship_to, "ship_to"),
    ):
        # The published create_shipment_response lists each shipment's errors as strings.
        [error] = failed["errors"]
        assert isinstance(error, str) and words in error and "shipment_id" not in failed
    assert server.store.counts()["orders"] == before + 3
    # v1 sees the new orders.
    v1 = Api(server).get("/orders/%s" % ok["shipment_id"][3:]).json()
    assert (v1["orderKey"], v1["orderNumber"], v1["orderStatus"]) == ("NEW-1", "WH/OUT/0001", "awaiting_shipment")
    assert (v1["shipTo"]["street1"], v1["shipTo"]["city"], v1["shipTo"]["residential"]) == (
        "12 Oak Avenue",
        "Portland",
        False,
    )
    assert [(i["sku"], i["quantity"], i["lineItemKey"]) for i in v1["items"]] == [("SS-MUG", 2, "line-7")]
    assert ok["items"] == [{"sku": "SS-MUG", "name": "Mug", "quantity": 2, "external_order_item_id": "line-7"}]
    assert (ok["shipment_status"], ok["shipment_number"]) == ("pending", "WH/OUT/0001")
    assert server.store.get_order(int(truncated["shipment_id"][3:]))["orderKey"] == long_id[:50]
    # The existing order is untouched; lookups by external id find the stored (truncated) value.
    assert server.store.get_order(existing["orderId"])["orderNumber"] == "OLD-1"
    found = v2.get("/v2/shipments/external_shipment_id/%s" % long_id[:50]).json()
    assert found["shipment_id"] == truncated["shipment_id"]
    assert_v2_error(v2.get("/v2/shipments/external_shipment_id/%s" % long_id), 404, "validation", "invalid_identifier")


def test_create_shipments_all_good_and_bad_bodies(server, v2):
    body = v2.post("/v2/shipments", {"shipments": [new_shipment("A-1", "N-1"), new_shipment("A-2", "N-2")]}).json()
    assert body["has_errors"] is False and [s["errors"] for s in body["shipments"]] == [[], []]
    assert [s["shipment_number"] for s in v2.rows("/v2/shipments", sort_dir="asc")] == ["N-1", "N-2"]
    for bad in ({}, {"shipments": []}, [new_shipment("A-3", "N-3")]):
        assert_v2_error(v2.post("/v2/shipments", bad), 400, "validation", "invalid_field_value")
    status = v2.post("/v2/shipments", {"shipments": [new_shipment("A-4", "N-4", shipment_status="cancelled")]})
    assert "pending" in status.json()["shipments"][0]["errors"][0]
    assert server.store.counts()["orders"] == 2


def test_long_v1_order_key_shows_truncated_and_blocks_its_twin(server, v2):
    key = "shop-order-" + "7" * 50  # 61 characters, as v1's createorder accepts
    created = order(server.store, "LONG-1", orderKey=key)
    shown = v2.get("/v2/shipments/se-%d" % created["orderId"]).json()
    assert shown["external_shipment_id"] == key[:50]
    assert v2.get("/v2/shipments/external_shipment_id/%s" % key[:50]).json()["shipment_id"] == shown["shipment_id"]
    assert [s["shipment_id"] for s in v2.rows("/v2/shipments", external_shipment_id=key[:50])] == [shown["shipment_id"]]
    again = v2.post("/v2/shipments", {"shipments": [new_shipment(key[:50] + "-other", "LONG-2")]}).json()
    assert "already exists" in again["shipments"][0]["errors"][0]
    assert server.store.counts()["orders"] == 1
