"""The API v2 client and reader against the sandbox's v2 dialect, over real HTTP."""

import logging
from datetime import timedelta

import pytest
from client_helpers import KEY, SECRET, utc

from shipstation import fetch, fetch_v2
from shipstation.client_v2 import ShipStationV2Client
from shipstation.errors import AuthenticationError, BadRequestError, NotFoundError, RateLimitError
from shipstation.sandbox import SandboxServer
from shipstation.tracking import parcel_tracking

V2_KEY = "v2-secret-key"


@pytest.fixture
def v2_server(clock):
    with SandboxServer(api_key=KEY, api_secret=SECRET, api_key_v2=V2_KEY, clock=clock, rate_limit_v2=None) as srv:
        yield srv


@pytest.fixture
def make_v2(v2_server, clock, sleeps):
    clients = []

    def sleep(seconds):
        sleeps.append(seconds)
        clock.sleep(seconds)

    def factory(key=V2_KEY, **options):
        options.setdefault("sleep", sleep)
        options.setdefault("monotonic", clock.monotonic)
        options.setdefault("backoff", 1.0)
        client = ShipStationV2Client(key, v2_server.url, **options)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


def _orders(server, count, **fields):
    return [
        server.store.add_order(orderNumber="WH/OUT/%d" % i, items=[{"sku": "MUG", "quantity": 1}], **fields)
        for i in range(count)
    ]


def test_pages_are_read_to_the_end_each_record_once(v2_server, make_v2):
    _orders(v2_server, 7)
    client = make_v2(page_size=3)
    shipments = list(client.iter_shipments())
    assert len({s["shipment_id"] for s in shipments}) == len(shipments) == 7
    assert client.call_count == 3


def test_changed_shipments_come_oldest_first_and_one_modified_while_read_is_not_lost(v2_server, make_v2, clock):
    orders = _orders(v2_server, 6)
    client = make_v2(page_size=2)
    moved = []

    def modify_first(*_args):
        if not moved:
            clock.advance(5)
            v2_server.store.set_status(orders[0]["orderId"], "on_hold")
            moved.append(True)

    v2_server.quirks.after_page("/v2/shipments", 1, modify_first)
    seen = [s["shipment_id"] for s in client.iter_changed_shipments(utc(2024, 6, 3, 15, 0, 0))]
    assert {"se-%d" % o["orderId"] for o in orders} <= set(seen)
    assert seen[-1] == "se-%d" % orders[0]["orderId"]  # read again, its new state last


def test_errors_of_the_v2_envelope_become_typed_errors_and_the_key_is_never_shown(make_v2, caplog):
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(AuthenticationError):
            make_v2(key=KEY).test_connection()  # a v1 key on v2
        with pytest.raises(NotFoundError):
            make_v2().get_shipment("se-999999")
        with pytest.raises(BadRequestError, match="page_size"):
            list(make_v2(page_size=5000).iter_shipments())
    client = make_v2()
    assert V2_KEY not in repr(client.session.__dict__) + repr(client) + caplog.text


def test_a_429_waits_what_retry_after_says(v2_server, make_v2, sleeps):
    v2_server.faults.add(status=429, count=1, path="/v2/shipments")
    assert make_v2().test_connection()
    assert sleeps and sleeps[0] >= 1
    v2_server.faults.add(status=429, count=5, path="/v2/shipments")
    with pytest.raises(RateLimitError):
        make_v2(max_retries=1).test_connection()


def test_a_first_sync_reads_everything_in_two_list_calls_and_nothing_new_costs_three(v2_server, make_v2, clock):
    orders = _orders(v2_server, 4)
    v2_server.store.ship_order(orders[0]["orderId"], parcels=[{"trackingNumber": "A"}, {"trackingNumber": "B"}])
    targets = [
        fetch.Target(order_id=o["orderId"], order_number=o["orderNumber"], create_date=clock() - timedelta(hours=1))
        for o in orders
    ]
    client = make_v2()
    facts = fetch_v2.fetch_changes_v2(client, targets, since=None, now=clock())
    assert set(facts.orders) == {o["orderId"] for o in orders}
    assert sorted(p.tracking_number for p in facts.parcels.values()) == ["A", "B"]
    assert client.call_count == 2
    later = make_v2()
    known = [fetch.Target(t.order_id, t.order_number, t.create_date, known=True) for t in targets]
    facts = fetch_v2.fetch_changes_v2(later, known, since=clock() + timedelta(hours=1), now=clock())
    assert not facts.orders and later.call_count == 3


def test_a_label_voided_long_after_it_was_created_is_seen_within_the_look_back(v2_server, make_v2, clock):
    (order,) = _orders(v2_server, 1)
    (label,) = v2_server.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "OLD"}])
    clock.advance(days=10)
    v2_server.store.void_shipment(label["shipmentId"])
    target = fetch.Target(order["orderId"], order["orderNumber"], clock() - timedelta(days=11), known=True)
    facts = fetch_v2.fetch_changes_v2(make_v2(), [target], since=clock() - timedelta(hours=1), now=clock())
    (parcel,) = facts.parcels.values()
    assert parcel.voided and parcel.tracking_number == "OLD"


def test_a_delivery_without_id_is_found_by_its_number_exactly_then_by_its_source_document(v2_server, make_v2, clock):
    v2_server.store.add_order(orderNumber="SO-10", items=[{"sku": "MUG", "quantity": 1}])
    shop = v2_server.store.add_order(orderNumber="SO-1", items=[{"sku": "MUG", "quantity": 1}])
    target = fetch.Target(order_id=None, order_number="WH/OUT/5", create_date=clock(), origin="so-1")
    client = make_v2()
    facts = fetch_v2.fetch_orders_v2(client, [target])
    assert set(facts.orders) == {shop["orderId"]}  # SO-10 starts with SO-1 but is not it
    assert client.call_count == 3  # by reference, by source document, its labels


def test_export_answers_as_v1_and_links_an_existing_shipment_instead_of_a_duplicate(v2_server, make_v2):
    order = {
        "orderKey": "odoo-" + "d" * 40 + "-123456789",  # longer than v2's 50 characters
        "orderNumber": "WH/OUT/9",
        "shipTo": {"name": "Ada", "street1": "1 Loop", "city": "Cupertino", "postalCode": "95014", "country": "US"},
        "items": [{"lineItemKey": "1", "sku": "MUG", "name": "Mug", "quantity": 1, "unitPrice": 10.0}],
    }
    client = make_v2()
    (first,) = client.create_orders([order])
    assert first["success"] and first["orderKey"] == order["orderKey"]
    (again,) = client.create_orders([order])
    assert again["success"] and again["orderId"] == first["orderId"]
    assert len(v2_server.store.list_orders(number_prefix="WH/OUT/9")[1]) == 1
    bad = dict(order, orderKey="odoo-other", orderNumber="")
    (refused,) = client.create_orders([bad])
    assert not refused["success"] and refused["errorMessage"]


def test_voided_labels_are_read_newest_change_first_until_one_voided_before_the_window(v2_server, make_v2, clock):
    (order,) = _orders(v2_server, 1)
    labels = v2_server.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "V%d" % i} for i in range(4)])
    for label in labels[:3]:
        v2_server.store.void_shipment(label["shipmentId"])  # long ago
    clock.advance(days=5)
    since = clock()
    clock.advance(60)
    v2_server.store.void_shipment(labels[3]["shipmentId"])
    client = make_v2(page_size=1)
    read = [
        label["tracking_number"] for label in client.iter_voided_labels(since, created_since=since - timedelta(days=30))
    ]
    assert read[0] == "V3" and len(read) == 2  # the new void, then one older: the rest are not asked for
    assert client.call_count == 2


def test_a_duplicate_answered_in_words_as_v2_documents_is_looked_up_and_linked(v2_server, make_v2):
    order = {
        "orderKey": "odoo-db-77",
        "orderNumber": "WH/OUT/77",
        "shipTo": {"name": "Ada", "street1": "1 Loop", "city": "Cupertino", "postalCode": "95014", "country": "US"},
        "items": [{"lineItemKey": "1", "sku": "MUG", "name": "Mug", "quantity": 1}],
    }
    (first,) = make_v2().create_orders([order])
    refusal = {"has_errors": True, "shipments": [{"external_shipment_id": "odoo-db-77", "errors": ["already exists"]}]}
    v2_server.faults.add(status=200, count=1, path="/v2/shipments", method="POST", body=refusal)
    (again,) = make_v2().create_orders([order])
    assert again["success"] and again["orderId"] == first["orderId"]
    v2_server.store.cancel_order(first["orderId"])
    (cancelled,) = make_v2().create_orders([order])
    assert not cancelled["success"] and "cancelled" in cancelled["errorMessage"]


def test_a_label_tracking_is_read_and_an_unknown_label_is_not_found(v2_server, make_v2, clock):
    placed = v2_server.store.add_order(orderNumber="TRACK-1", items=[{"sku": "SS-MUG", "quantity": 1}])
    [label] = v2_server.store.ship_order(placed["orderId"])
    clock.advance(hours=60)
    client = make_v2()
    tracking = parcel_tracking(client.get_label_tracking("se-%d" % label["shipmentId"]))
    assert (tracking.status, tracking.final) == ("delivered", True)
    assert tracking.delivered_at == clock() - timedelta(hours=4)
    with pytest.raises(NotFoundError):
        client.get_label_tracking("se-1")
