"""The sandbox's API v2 dialect over real HTTP: auth, the same orders read through v1 and v2,
/v2/shipments filters, sorting and paging, 404 envelopes, the v2 rate limit, faults, the log.
Labels, voids, cancels and POST /v2/shipments are in ``test_v2_labels.py``."""

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sandbox_helpers import SHIP_TO, T0, V2_KEY, Api, V2Api, assert_v2_error, order

from shipstation.sandbox import FakeClock, SandboxServer
from shipstation.timeutil import PACIFIC, parse_ss_datetime


def utc(text):
    """A v2 timestamp, checked to be UTC with Z, as an aware datetime."""
    assert text.endswith("Z") and "T" in text, text
    return datetime.fromisoformat(text[:-1] + "+00:00")


def numbers(rows):
    return [r["shipment_number"] for r in rows]


# -- auth --------------------------------------------------------------------------------------


def test_v2_auth_takes_only_its_api_key(server):
    order(server.store, "A-1")
    assert V2Api(server).get("/v2/shipments").status_code == 200
    refused = [
        requests.get(server.url + "/v2/shipments", timeout=5),  # no credentials
        V2Api(server, key="wrong").get("/v2/shipments"),
        V2Api(server, key="key").get("/v2/shipments"),  # the v1 key
        requests.get(server.url + "/v2/shipments", auth=("key", "secret"), timeout=5),  # v1 Basic auth
        requests.get(server.url + "/v2/shipments", auth=(V2_KEY, ""), timeout=5),  # v2 key sent as Basic
    ]
    for response in refused:
        assert_v2_error(response, 401, "security", "unauthorized")
        assert "shipments" not in response.json()
    # v1 keeps its Basic auth: the v2 key is no good there.
    assert V2Api(server).get("/orders").status_code == 401
    assert requests.get(server.url + "/orders", auth=(V2_KEY, ""), timeout=5).json() == {
        "Message": "Authorization has been denied for this request."
    }
    assert Api(server).get("/orders").status_code == 200


# -- one order, two dialects ---------------------------------------------------------------------


def test_same_order_read_through_v1_and_v2(server, v2, clock):
    items = [
        {"sku": "SS-MUG", "name": "Mug", "quantity": 3, "lineItemKey": "line-1"},
        {"sku": "SS-CAP", "quantity": 2, "lineItemKey": "line-2"},
    ]
    ship_to = dict(SHIP_TO, company="Carter & Co", phone="555-0100", street2="Apt 2", residential=True)
    created = order(server.store, "SO-1", orderKey="key-1", items=items, shipTo=ship_to)
    clock.advance(minutes=5)
    server.store.hold_order(created["orderId"])
    v1 = Api(server).get("/orders/%d" % created["orderId"]).json()
    shipment = v2.get("/v2/shipments/se-%d" % created["orderId"]).json()
    assert shipment["shipment_id"] == "se-%d" % v1["orderId"]
    assert (shipment["external_shipment_id"], shipment["shipment_number"]) == ("key-1", "SO-1")
    assert shipment["shipment_status"] == "on_hold"
    assert shipment["created_at"] == "2024-06-03T17:00:00.000Z"
    assert utc(shipment["created_at"]) == parse_ss_datetime(v1["createDate"])
    assert utc(shipment["modified_at"]) == parse_ss_datetime(v1["modifyDate"]) == T0 + timedelta(minutes=5)
    assert shipment["items"] == [
        {"sku": "SS-MUG", "name": "Mug", "quantity": 3, "external_order_item_id": "line-1"},
        {"sku": "SS-CAP", "name": "SS-CAP", "quantity": 2, "external_order_item_id": "line-2"},
    ]
    # v2 leaves out the address fields it does not have (no null, no "").
    assert shipment["ship_to"] == {
        "name": "Emily Carter",
        "phone": "555-0100",
        "company_name": "Carter & Co",
        "address_line1": "1428 Elm Street",
        "address_line2": "Apt 2",
        "city_locality": "Springfield",
        "state_province": "IL",
        "postal_code": "62704",
        "country_code": "US",
        "address_residential_indicator": "yes",
    }
    assert (shipment["ship_date"], shipment["tags"], shipment["store_id"]) == (None, [], "se-31001")
    server.store.ship_order(created["orderId"], ship_date="2024-06-04")
    assert v2.get("/v2/shipments/se-%d" % created["orderId"]).json()["ship_date"] == "2024-06-04"


def test_v2_keeps_the_instant_v1_text_cannot_tell_apart(server, v2):
    # 2024-11-03 01:30 happens twice in Pacific time: once in PDT, once in PST.
    early = order(server.store, "PDT", createDate=datetime(2024, 11, 3, 8, 30, tzinfo=timezone.utc))
    late = order(server.store, "PST", createDate=datetime(2024, 11, 3, 9, 30, tzinfo=timezone.utc))
    assert early["createDate"] == late["createDate"] == "2024-11-03T01:30:00.0000000"
    rows = v2.rows("/v2/shipments", sort_dir="asc")
    assert [r["created_at"] for r in rows] == ["2024-11-03T08:30:00.000Z", "2024-11-03T09:30:00.000Z"]


@pytest.mark.parametrize(
    "v1_status, v2_status",
    [
        ("awaiting_payment", "pending"),
        ("awaiting_shipment", "pending"),
        ("pending_fulfillment", "pending"),
        ("on_hold", "on_hold"),
        ("shipped", "label_purchased"),
        ("cancelled", "cancelled"),
    ],
)
def test_status_mapping(server, v2, v1_status, v2_status):
    created = order(server.store, "ST-1", orderStatus=v1_status)
    assert v2.get("/v2/shipments/se-%d" % created["orderId"]).json()["shipment_status"] == v2_status
    assert numbers(v2.rows("/v2/shipments", shipment_status=v2_status)) == ["ST-1"]


# -- /v2/shipments filters, sorting, paging ------------------------------------------------------


def test_shipment_filters(server, v2, clock):
    store = server.store
    a = order(store, "SO-1", orderKey="k-a", orderStatus="awaiting_payment")
    clock.advance(hours=1)
    order(store, "SO-10", orderKey="k-b")
    clock.advance(hours=1)
    c = order(store, "XO-2", orderKey="k-c")
    store.ship_order(c["orderId"])
    clock.advance(hours=1)
    store.hold_order(a["orderId"])  # A modified at T0+3h
    assert numbers(v2.rows("/v2/shipments", shipment_status="pending")) == ["SO-10"]
    assert numbers(v2.rows("/v2/shipments", shipment_status="label_purchased")) == ["XO-2"]
    assert numbers(v2.rows("/v2/shipments", shipment_status="processing")) == []
    since = (T0 + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert numbers(v2.rows("/v2/shipments", created_at_start=since)) == ["XO-2", "SO-10"]
    with_offset = (T0 + timedelta(minutes=90)).astimezone(PACIFIC).isoformat()  # ...T11:30:00-07:00
    assert numbers(v2.rows("/v2/shipments", created_at_start=with_offset)) == ["XO-2"]
    exact = (T0 + timedelta(hours=1)).isoformat()
    assert numbers(v2.rows("/v2/shipments", created_at_start=exact, created_at_end=exact)) == ["SO-10"]
    later = (T0 + timedelta(hours=2, minutes=30)).isoformat().replace("+00:00", "Z")
    assert numbers(v2.rows("/v2/shipments", modified_at_start=later)) == ["SO-1"]
    assert numbers(v2.rows("/v2/shipments", modified_at_end=later)) == ["XO-2", "SO-10"]
    assert numbers(v2.rows("/v2/shipments", shipment_number="  sO-1 ")) == ["SO-10", "SO-1"]  # like v1's prefix
    assert numbers(v2.rows("/v2/shipments", external_shipment_id="k-b")) == ["SO-10"]
    assert numbers(v2.rows("/v2/shipments", external_shipment_id="K-B")) == []
    for bad in ({"shipment_status": "shipped"}, {"created_at_start": "yesterday"}, {"sort_by": "order_date"}):
        assert_v2_error(v2.get("/v2/shipments", **bad), 400, "validation", "invalid_field_value")


def test_shipment_sorting(server, v2, clock):
    store = server.store
    for number in ("first", "second", "third"):
        order(store, number)
        clock.advance(minutes=10)
    store.hold_order(store.list_orders(number_prefix="first")[1][0]["orderId"])
    assert numbers(v2.rows("/v2/shipments")) == ["third", "second", "first"]  # created_at desc
    assert numbers(v2.rows("/v2/shipments", sort_dir="asc")) == ["first", "second", "third"]
    assert numbers(v2.rows("/v2/shipments", sort_by="modified_at")) == ["first", "third", "second"]
    assert numbers(v2.rows("/v2/shipments", sort_by="modified_at", sort_dir="asc")) == ["second", "third", "first"]
    assert_v2_error(v2.get("/v2/shipments", sort_dir="DESC"), 400, "validation", "invalid_field_value")


def test_pagination_follows_links(server, v2, clock):
    for n in range(7):
        order(server.store, "P-%d" % n)
        clock.advance(60)
    order(server.store, "OTHER", orderStatus="cancelled")
    first = v2.get("/v2/shipments", shipment_status="pending", page_size=3).json()
    assert (first["total"], first["page"], first["pages"], len(first["shipments"])) == (7, 1, 3, 3)
    assert first["links"]["prev"] == {}
    seen, body, pages = [], first, 0
    while True:
        pages += 1
        seen += numbers(body["shipments"])
        href = body["links"]["next"].get("href")
        if not href:
            break
        query = parse_qs(urlsplit(href).query)
        assert query["shipment_status"] == ["pending"] and query["page_size"] == ["3"]
        body = v2.session.get(href, timeout=5).json()
    assert pages == 3 and seen == ["P-%d" % n for n in range(6, -1, -1)]  # no record twice, none lost
    assert (body["page"], body["links"]["next"]) == (3, {})
    assert parse_qs(urlsplit(body["links"]["prev"]["href"]).query)["page"] == ["2"]
    assert parse_qs(urlsplit(body["links"]["first"]["href"]).query)["page"] == ["1"]
    assert parse_qs(urlsplit(body["links"]["last"]["href"]).query)["page"] == ["3"]
    assert v2.get("/v2/shipments", page=9, page_size=3).json()["shipments"] == []
    assert len(v2.rows("/v2/shipments")) == 8  # default page_size 25
    assert len(v2.rows("/v2/shipments", page_size=500)) == 8
    empty = v2.get("/v2/shipments", shipment_number="nothing").json()
    # The published list_shipments_response_body says pages >= 1, also when nothing matches.
    assert (empty["total"], empty["pages"], empty["links"]["next"]) == (0, 1, {})
    for bad in ({"page_size": 501}, {"page_size": 0}, {"page": 0}, {"page": "two"}):
        assert_v2_error(v2.get("/v2/shipments", **bad), 400, "validation", "invalid_field_value")


# -- not found -------------------------------------------------------------------------------------


def test_not_found_envelopes(server, v2):
    a, b = order(server.store, "M-1"), order(server.store, "M-2")
    server.store.merge_orders(a["orderId"], [b["orderId"]])
    for path in (
        "/v2/shipments/se-999999",
        "/v2/shipments/%d" % a["orderId"],  # not an se- id
        "/v2/shipments/se-%d" % b["orderId"],  # merged away
        "/v2/shipments/external_shipment_id/no-such-key",
        "/v2/labels/se-1",
        "/v2/labels/label-1",
        "/v2/warehouses",  # not served by the sandbox
    ):
        assert_v2_error(v2.get(path), 404, "validation", "invalid_identifier")
    assert_v2_error(v2.put("/v2/labels/se-1/void"), 404, "validation", "invalid_identifier")
    assert v2.get("/v2/shipments/se-%d" % a["orderId"]).status_code == 200
    assert v2.session.delete(server.url + "/v2/shipments", timeout=5).status_code == 405


# -- rate limit, faults, request log ------------------------------------------------------------------


def test_v2_rate_limit_is_its_own_with_retry_after():
    clock = FakeClock(T0)
    with SandboxServer(clock=clock, rate_limit=1, rate_limit_v2=2) as server:
        v2 = V2Api(server)
        assert V2Api(server, key="wrong").get("/v2/shipments").status_code == 401  # spends nothing
        assert [v2.get("/v2/shipments").status_code for _ in range(2)] == [200, 200]
        clock.advance(20)
        limited = v2.get("/v2/labels")
        assert_v2_error(limited, 429, "system", "rate_limit_exceeded")
        assert limited.headers["Retry-After"] == "40"
        assert Api(server).get("/orders").status_code == 200  # v1 has its own budget...
        assert Api(server).get("/orders").status_code == 429
        assert v2.get("/v2/shipments").status_code == 429  # ...and does not refill v2's
        clock.advance(40)
        assert v2.get("/v2/shipments").status_code == 200
    with SandboxServer(clock=clock, rate_limit_v2=None) as server:
        assert {V2Api(server).get("/v2/labels").status_code for _ in range(5)} == {200}


def test_faults_on_v2_paths(server, v2):
    server.faults.add(status=503, path="/v2/labels")
    assert_v2_error(v2.get("/v2/labels"), 503, "system", "unspecified")
    assert v2.get("/v2/labels").status_code == 200  # count 1: spent
    server.faults.add(status=500, path="/v2/*", body={"custom": True})
    custom = v2.get("/v2/shipments")
    assert (custom.status_code, custom.json()) == (500, {"custom": True})
    server.faults.add(status=429, path="/v2/shipments")
    throttled = v2.get("/v2/shipments")
    assert_v2_error(throttled, 429, "system", "rate_limit_exceeded")
    assert int(throttled.headers["Retry-After"]) > 0
    server.faults.add(malformed=True, path="/v2/shipments")
    broken = v2.get("/v2/shipments")
    assert broken.status_code == 200
    with pytest.raises(ValueError):
        broken.json()
    server.faults.add(status=502, path="/orders")  # a v1 fault leaves v2 alone
    assert v2.get("/v2/shipments").status_code == 200
    server.faults.clear()
    server.faults.add(status=500)  # no path: every API path, v2 included
    assert_v2_error(v2.get("/v2/labels"), 500, "system", "unspecified")


def test_request_log_counts_v2_calls(server, v2):
    server.reset_log()
    v2.get("/v2/shipments", page_size=5)
    v2.get("/v2/shipments/se-1")
    V2Api(server, key="bad").get("/v2/labels")
    assert server.count("GET", "/v2/shipments") == 2
    assert server.count(path_prefix="/v2/") == 3
    assert [(r.path, r.status) for r in server.requests] == [
        ("/v2/shipments", 200),
        ("/v2/shipments/se-1", 404),
        ("/v2/labels", 401),
    ]
    assert server.requests[0].query == {"page_size": "5"}
