"""ShipStation client calls that succeed: paging, filters and time zones, shipments and
fulfillments, creating orders."""

from datetime import date, datetime, timedelta, timezone

import pytest
from client_helpers import ITEMS, add_orders, api_requests, new_order, utc

# -- pagination ------------------------------------------------------------------------


@pytest.mark.parametrize("count, calls", [(25, 3), (20, 2), (10, 1), (0, 1)])
def test_pagination_stops_exactly_at_the_last_page(server, make_client, count, calls):
    add_orders(server, count)
    client = make_client(page_size=10)
    orders = client.list_orders()
    assert [o["orderNumber"] for o in orders] == ["SO%03d" % n for n in range(1, count + 1)]
    assert client.call_count == calls
    assert client.calls_by_endpoint == {"GET /orders": calls}
    logged = api_requests(server, "/orders")
    assert len(logged) == calls == server.count("GET", "/orders")
    assert [r.query["page"] for r in logged] == [str(p) for p in range(1, calls + 1)]
    assert {r.query["pageSize"] for r in logged} == {"10"}


def test_iter_orders_is_lazy(server, make_client):
    add_orders(server, 25)
    client = make_client(page_size=10)
    first = next(iter(client.iter_orders()))
    assert first["orderNumber"] == "SO001"
    assert client.call_count == 1


def test_pagination_stops_at_a_page_that_brings_nothing_new(server, make_client):
    # A server that never stops answering full pages of the same record (it ignores "page").
    page = {"orders": [{"orderId": 1, "orderNumber": "A"}], "total": 9999, "page": 1, "pages": 3}
    server.faults.add(status=200, count=None, path="/orders", body=page)
    client = make_client(page_size=1)
    assert len(client.list_orders()) == 1
    assert client.call_count == server.count("GET", "/orders") == 2


def test_pagination_stops_on_total_and_on_empty_page(server, client):
    page = {"orders": [{"orderId": 1}], "total": 2, "page": 1, "pages": 50}
    server.faults.add(status=200, count=None, path="/orders", body=page)
    assert len(client.list_orders()) == 1  # the repeated record is read once
    assert client.call_count == 2
    server.faults.clear()
    server.faults.add(status=200, count=None, path="/orders", body=dict(page, orders=[]))
    assert client.list_orders() == []
    assert client.call_count == 3


def test_pagination_does_not_trust_pages_alone(server, make_client):
    # Real answers carry "pages": 0 with records and a total, or no page count at all.
    add_orders(server, 25)
    client = make_client(page_size=10)
    for quirk in ({"pages": 0}, {"pages": None}):
        server.quirks.envelope.update(quirk)
        assert len(client.list_orders()) == 25
    assert client.call_count == 6


def test_a_record_repeated_across_pages_is_read_once(server, make_client):
    add_orders(server, 25)
    server.quirks.repeat_last_record = True
    client = make_client(page_size=10)
    orders = client.list_orders()
    assert sorted(o["orderNumber"] for o in orders) == ["SO%03d" % n for n in range(1, 26)]
    assert client.call_count == 3


def test_page_parameters_belong_to_the_client(client):
    with pytest.raises(ValueError):
        client.list_orders(page=2)
    with pytest.raises(ValueError):
        client.list_shipments(pageSize=10)


# -- order filters and results ---------------------------------------------------------


def test_order_filters(server, client, clock):
    add_orders(server, 3, prefix="SO-1")
    server.store.add_order(orderNumber="SO-200", items=ITEMS, orderStatus="on_hold")
    clock.advance(hours=2)
    late = server.store.add_order(orderNumber="WEB-1", items=ITEMS)
    assert [o["orderNumber"] for o in client.list_orders(orderNumber="SO-1")] == [
        "SO-1001",
        "SO-1002",
        "SO-1003",
    ]
    assert [o["orderNumber"] for o in client.list_orders(orderStatus="on_hold")] == ["SO-200"]
    since = utc(2024, 6, 3, 17, 0)
    assert [o["orderId"] for o in client.list_orders(createDateStart=since)] == [late["orderId"]]
    assert len(client.list_orders(createDateEnd=since)) == 4
    server.store.cancel_order(late["orderId"] - 1)  # SO-200, modified now (18:00 UTC)
    changed = client.list_orders(modifyDateStart=since, modifyDateEnd=clock())
    assert [o["orderNumber"] for o in changed] == ["SO-200", "WEB-1"]
    assert client.list_orders(modifyDateStart=clock() + timedelta(seconds=1)) == []
    got = client.get_order(late["orderId"])
    assert got["orderNumber"] == "WEB-1"
    assert client.calls_by_endpoint["GET /orders/{id}"] == 1


def test_order_timestamps_are_aware_utc(server, client, clock):
    server.store.add_order(orderNumber="T1", items=ITEMS, shipByDate="2024-06-05T15:00:00.0000000")
    (order,) = client.list_orders()
    for name in ("createDate", "modifyDate", "orderDate", "paymentDate", "shipByDate"):
        assert order[name].tzinfo is not None and order[name].utcoffset() == timedelta(0)
    assert order["createDate"] == clock()
    assert order["shipByDate"] == utc(2024, 6, 5, 22, 0)  # 15:00 PDT
    assert order["holdUntilDate"] is None and order["shipDate"] is None
    # Nested timestamps keep ShipStation's text.
    assert order["items"][0]["createDate"] == "2024-06-03T09:00:00.0000000"


@pytest.mark.parametrize(
    "value, sent",
    [
        (utc(2024, 6, 3, 12, 0), "2024-06-03 05:00:00"),  # PDT, UTC-7
        (utc(2024, 1, 15, 12, 0), "2024-01-15 04:00:00"),  # PST, UTC-8
        (datetime(2024, 1, 15, 9, 0, tzinfo=timezone(timedelta(hours=1))), "2024-01-15 00:00:00"),
    ],
)
def test_filter_datetimes_are_sent_in_pacific_time(server, client, value, sent):
    client.list_orders(modifyDateStart=value, orderStatus=None)
    (logged,) = api_requests(server, "/orders")
    assert logged.query["modifyDateStart"] == sent
    assert "orderStatus" not in logged.query


def test_filter_values_dates_and_booleans(server, client):
    client.list_shipments(shipDateStart=date(2024, 6, 1), includeShipmentItems=True, sortBy="ShipDate")
    client.list_shipments(includeShipmentItems=False)
    first, second = api_requests(server, "/shipments")
    assert first.query["shipDateStart"] == "2024-06-01"
    assert first.query["includeShipmentItems"] == "true"
    assert first.query["sortBy"] == "ShipDate"
    assert second.query["includeShipmentItems"] == "false"


def test_spring_forward(server, client, clock):
    # 2024-03-10: Pacific clocks jump from 02:00 PST to 03:00 PDT (10:00 UTC).
    clock.set(utc(2024, 3, 10, 9, 30))
    before = server.store.add_order(orderNumber="BEFORE", items=ITEMS)
    clock.set(utc(2024, 3, 10, 10, 30))
    after = server.store.add_order(orderNumber="AFTER", items=ITEMS)
    assert before["createDate"].startswith("2024-03-10T01:30:00")
    assert after["createDate"].startswith("2024-03-10T03:30:00")
    orders = {o["orderNumber"]: o for o in client.list_orders()}
    assert orders["BEFORE"]["createDate"] == utc(2024, 3, 10, 9, 30)
    assert orders["AFTER"]["createDate"] == utc(2024, 3, 10, 10, 30)
    assert [o["orderNumber"] for o in client.list_orders(createDateStart=utc(2024, 3, 10, 10))] == ["AFTER"]
    assert [o["orderNumber"] for o in client.list_orders(createDateEnd=utc(2024, 3, 10, 9, 59, 59))] == ["BEFORE"]
    sent = [r.query for r in api_requests(server, "/orders")][1:]
    assert sent[0]["createDateStart"] == "2024-03-10 03:00:00"
    assert sent[1]["createDateEnd"] == "2024-03-10 01:59:59"


def test_fall_back_and_the_repeated_hour(server, client, clock):
    # 2024-11-03: 02:00 PDT becomes 01:00 PST (09:00 UTC); 01:00-01:59 happens twice.
    clock.set(utc(2024, 11, 3, 8, 30))
    server.store.add_order(orderNumber="FIRST", items=ITEMS)  # 01:30 PDT
    clock.set(utc(2024, 11, 3, 9, 30))
    server.store.add_order(orderNumber="SECOND", items=ITEMS)  # 01:30 PST
    clock.set(utc(2024, 11, 3, 10, 30))
    server.store.add_order(orderNumber="THIRD", items=ITEMS)  # 02:30 PST
    orders = {o["orderNumber"]: o for o in client.list_orders()}
    # Both 01:30 read back as the earlier instant: ShipStation's text cannot tell them apart.
    assert orders["FIRST"]["createDate"] == utc(2024, 11, 3, 8, 30)
    assert orders["SECOND"]["createDate"] == utc(2024, 11, 3, 8, 30)
    assert orders["THIRD"]["createDate"] == utc(2024, 11, 3, 10, 30)

    def numbers(start):
        return sorted(o["orderNumber"] for o in client.list_orders(createDateStart=start))

    # A start in the repeated hour, whichever of the two it is, is sent one wall-clock hour
    # earlier, so however ShipStation reads the ambiguous text no record is lost.
    assert numbers(utc(2024, 11, 3, 9, 15)) == ["FIRST", "SECOND", "THIRD"]
    assert numbers(utc(2024, 11, 3, 8, 45)) == ["FIRST", "SECOND", "THIRD"]
    assert numbers(utc(2024, 11, 3, 10, 0)) == ["THIRD"]  # 02:00 PST
    sent = [r.query["createDateStart"] for r in api_requests(server, "/orders")[1:]]
    assert sent == ["2024-11-03 00:15:00", "2024-11-03 00:45:00", "2024-11-03 02:00:00"]


# -- shipments and fulfillments --------------------------------------------------------


def test_shipment_filters(server, client, clock):
    first, second = add_orders(server, 2)
    clock.advance(hours=1)
    parcels = [
        {"trackingNumber": "1ZA", "shipmentCost": 7.5, "items": [{"sku": "MUG", "quantity": 2}]},
        {"trackingNumber": "1ZB", "shipmentCost": 5.0, "items": [{"sku": "CAP", "quantity": 1}]},
    ]
    server.store.ship_order(first["orderId"], parcels=parcels)
    clock.advance(hours=1)
    (late,) = server.store.ship_order(second["orderId"])
    clock.advance(hours=1)
    server.store.void_shipment(late["shipmentId"])

    by_id = client.list_shipments(orderId=first["orderId"], includeShipmentItems=True)
    assert [s["trackingNumber"] for s in by_id] == ["1ZA", "1ZB"]
    assert [(i["sku"], i["quantity"]) for i in by_id[0]["shipmentItems"]] == [("MUG", 2)]
    assert by_id[0]["shipDate"] == date(2024, 6, 3)
    assert by_id[0]["createDate"] == utc(2024, 6, 3, 17, 0)
    assert by_id[0]["voidDate"] is None
    by_number = client.list_shipments(orderNumber="SO002")
    assert [s["shipmentId"] for s in by_number] == [late["shipmentId"]]
    assert by_number[0]["shipmentItems"] is None
    created = client.list_shipments(createDateStart=utc(2024, 6, 3, 17, 30), createDateEnd=clock())
    assert [s["orderId"] for s in created] == [second["orderId"]]
    voided = client.list_shipments(voidDateStart=utc(2024, 6, 3, 18, 30), includeShipmentItems=True)
    assert [s["shipmentId"] for s in voided] == [late["shipmentId"]]
    assert voided[0]["voided"] is True
    assert voided[0]["voidDate"] == utc(2024, 6, 3, 19, 0)
    assert voided[0]["shipmentItems"][0]["sku"] == "MUG"
    assert api_requests(server, "/shipments")[-1].query["voidDateStart"] == "2024-06-03 11:30:00"


def test_mark_as_shipped_and_fulfillment_filters(server, client, clock):
    first, second = add_orders(server, 2)
    clock.advance(hours=1)
    answer = client.mark_as_shipped(first["orderId"], "usps", ship_date=date(2024, 6, 2), tracking_number="9400TRACK")
    assert answer == {"orderId": first["orderId"], "orderNumber": "SO001"}
    clock.advance(hours=1)
    client.mark_as_shipped(second["orderId"], "ups", ship_date=utc(2024, 6, 4, 3, 0))
    (by_id,) = client.list_fulfillments(orderId=first["orderId"])
    assert by_id["trackingNumber"] == "9400TRACK"
    assert by_id["shipDate"] == date(2024, 6, 2)
    assert by_id["createDate"] == utc(2024, 6, 3, 17, 0)
    (late,) = client.list_fulfillments(createDateStart=utc(2024, 6, 3, 17, 30))
    assert late["orderId"] == second["orderId"]
    assert late["shipDate"] == date(2024, 6, 3)  # 03:00 UTC on the 4th is the 3rd in Pacific
    assert client.get_order(first["orderId"])["orderStatus"] == "shipped"
    assert client.calls_by_endpoint["POST /orders/markasshipped"] == 2


# -- creating orders -------------------------------------------------------------------


def test_create_order_sends_pacific_times(server, client):
    created = client.create_order(new_order("NEW-1", shipByDate=utc(2024, 6, 5, 7, 0)))
    assert created["orderId"] and created["orderKey"]
    assert created["orderDate"] == utc(2024, 6, 3, 10, 0)
    assert created["shipByDate"] == utc(2024, 6, 5, 7, 0)
    stored = server.store.get_order(created["orderId"])
    assert stored["orderDate"].startswith("2024-06-03T03:00:00")  # 10:00 UTC in PDT


def test_create_orders_in_batches_of_100(server, client):
    orders = [new_order("B%03d" % n) for n in range(250)]
    del orders[7]["shipTo"]
    results = client.create_orders(orders)
    assert client.call_count == server.count("POST", "/orders/createorders") == 3
    assert len(results) == 250
    assert [r["orderNumber"] for r in results] == ["B%03d" % n for n in range(250)]
    failed = [r for r in results if not r["success"]]
    assert [r["orderNumber"] for r in failed] == ["B007"]
    assert "shipTo" in failed[0]["errorMessage"]
    assert server.store.counts()["orders"] == 249
    assert client.create_orders([]) == []
    assert client.call_count == 3
