"""What the sync asks ShipStation, against the sandbox over real HTTP."""

from datetime import datetime, timedelta, timezone

import pytest

from shipstation import fetch
from shipstation.client import ShipStationClient
from shipstation.sandbox import FakeClock, SandboxServer

NOW = datetime.now(timezone.utc)


@pytest.fixture()
def server():
    with SandboxServer() as srv:
        yield srv


@pytest.fixture()
def client(server):
    with ShipStationClient("key", "secret", server.url, backoff=0.001) as cli:
        yield cli


def target(order, **kw):
    return fetch.Target(
        order_id=order["orderId"], order_number=order["orderNumber"], create_date=NOW - timedelta(days=1), **kw
    )


def test_first_sync_reads_everything_since_the_oldest_delivery_in_three_calls(server, client):
    orders = [
        server.store.add_order(orderNumber="WH/OUT/%d" % i, items=[{"sku": "MUG", "quantity": 1}]) for i in range(5)
    ]
    server.store.ship_order(orders[0]["orderId"])
    server.store.mark_as_shipped(orders[1]["orderId"], "usps", tracking_number="F1")
    facts = fetch.fetch_changes(client, [target(o) for o in orders], since=None)
    assert set(facts.orders) == {o["orderId"] for o in orders}
    assert {key[0] for key in facts.parcels} == {"shipment", "fulfillment"}
    assert client.call_count == 3


def test_known_deliveries_without_a_previous_sync_are_still_read(server, client):
    order = server.store.add_order(orderNumber="WH/OUT/1", items=[{"sku": "MUG", "quantity": 1}])
    facts = fetch.fetch_changes(client, [target(order, known=True)], since=None)
    assert order["orderId"] in facts.orders


def test_nothing_new_costs_four_calls_whatever_the_number_of_deliveries(server, client):
    orders = [
        server.store.add_order(orderNumber="WH/OUT/%d" % i, items=[{"sku": "MUG", "quantity": 1}]) for i in range(30)
    ]
    later = NOW + timedelta(hours=2)
    facts = fetch.fetch_changes(client, [target(o, known=True) for o in orders], since=later)
    assert not facts.orders and not facts.parcels
    assert client.call_count == 4  # orders, shipments created, shipments voided, fulfillments


def test_missing_order_and_failing_order_are_per_delivery(server, client):
    ok = server.store.add_order(orderNumber="WH/OUT/1", items=[{"sku": "MUG", "quantity": 1}])
    server.faults.add(status=500, count=None, path="/orders/777002")
    targets = [target(ok), fetch.Target(777001, "WH/OUT/2", NOW), fetch.Target(777002, "WH/OUT/3", NOW)]
    facts = fetch.fetch_changes(client, targets, since=None)
    assert ok["orderId"] in facts.orders
    assert facts.missing == {777001}
    assert set(facts.errors) == {777002}


def test_failed_deliveries_are_read_again_by_id_in_a_later_run(server, client):
    order = server.store.add_order(orderNumber="WH/OUT/1", items=[{"sku": "MUG", "quantity": 1}])
    later = NOW + timedelta(hours=2)
    facts = fetch.fetch_changes(client, [target(order, known=True, failed=True)], since=later)
    assert order["orderId"] in facts.orders
    assert server.count("GET", "/orders/%d" % order["orderId"]) == 1


def test_split_parts_are_read_with_their_changed_parent():
    clock = FakeClock(NOW - timedelta(hours=3))
    with SandboxServer(clock=clock) as server, ShipStationClient("key", "secret", server.url) as client:
        parent = server.store.add_order(
            orderNumber="WH/OUT/9", items=[{"sku": "MUG", "quantity": 2}, {"sku": "CAP", "quantity": 1}]
        )
        (child,) = server.store.split_order(parent["orderId"], [[{"sku": "CAP"}]])
        server.store.ship_order(child["orderId"])
        clock.advance(hours=2)
        server.store.hold_order(parent["orderId"])  # only the parent changes after the last sync
        facts = fetch.fetch_changes(client, [target(parent, known=True)], since=NOW - timedelta(minutes=90))
        assert child["orderId"] in facts.orders
        assert not facts.parcels, "the part's label is older than the window: already recorded"


# -- data that moves while it is read, and records that cannot be read --------------------------


def _moving_window():
    """30 orders modified a few seconds apart inside the window, one modified long before it."""
    clock = FakeClock(NOW - timedelta(days=2))
    server = SandboxServer(clock=clock).start()
    old = server.store.add_order(orderNumber="WH/OUT/OLD", items=[{"sku": "MUG", "quantity": 1}])
    clock.advance(hours=30)
    since = clock() - timedelta(minutes=5)
    orders = []
    for i in range(30):
        clock.advance(3)
        orders.append(server.store.add_order(orderNumber="WH/OUT/%d" % i, items=[{"sku": "MUG", "quantity": 1}]))
    return clock, server, old, orders, since


def test_orders_changing_between_two_page_reads_are_never_lost():
    clock, server, old, orders, since = _moving_window()

    def busy_warehouse():
        # While the client reads: an order it read is held, one it has not read yet is held,
        # and an order from before the window changes and so enters it.
        clock.advance(3)
        for order in (orders[2], orders[25], old):
            server.store.hold_order(order["orderId"])

    server.quirks.after_page("/orders", 1, busy_warehouse)
    try:
        with ShipStationClient("key", "secret", server.url, page_size=10) as client:
            facts = fetch.fetch_changes(client, [target(o) for o in orders], since=since)
        assert {o["orderId"] for o in orders} <= set(facts.orders)
        assert facts.orders[orders[25]["orderId"]]["orderStatus"] == "on_hold", "the latest version wins"
        assert old["orderId"] in facts.orders
    finally:
        server.stop()


def test_a_failed_delivery_whose_order_changed_reads_its_labels_again(server, client):
    # The delivery failed on a label; its order changes later, its labels do not.
    order = server.store.add_order(orderNumber="WH/OUT/1", items=[{"sku": "MUG", "quantity": 1}])
    server.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "OLD1"}])
    later = NOW + timedelta(hours=2)
    server.store.set_raw("order", order["orderId"], modifyDate=later)
    facts = fetch.fetch_changes(client, [target(order, known=True, failed=True)], since=later - timedelta(minutes=1))
    assert order["orderId"] in facts.orders
    assert {p.tracking_number for p in facts.parcels.values()} == {"OLD1"}


def test_an_unreadable_record_is_set_aside_against_its_order_and_the_rest_is_read(server, client):
    good = server.store.add_order(orderNumber="WH/OUT/1", items=[{"sku": "MUG", "quantity": 1}])
    bad = server.store.add_order(orderNumber="WH/OUT/2", items=[{"sku": "MUG", "quantity": 1}])
    server.store.ship_order(good["orderId"], parcels=[{"trackingNumber": "OK1", "shipmentCost": 4.0}])
    (label,) = server.store.ship_order(bad["orderId"], parcels=[{"trackingNumber": "BAD1"}])
    server.store.set_raw("shipment", label["shipmentId"], shipmentCost="four dollars")
    server.store.ship_order(bad["orderId"], parcels=[{"trackingNumber": "FMT1", "shipmentCost": "1,234.50"}])
    facts = fetch.fetch_changes(client, [target(good), target(bad)], since=None)
    assert {p.tracking_number for p in facts.parcels.values()} == {"OK1", "FMT1"}
    assert [p.cost for p in facts.parcels.values() if p.tracking_number == "FMT1"] == [1234.5]
    assert facts.unreadable == {bad["orderId"]: ("shipment", str(label["shipmentId"]), "shipmentCost", "four dollars")}
    assert set(facts.orders) == {good["orderId"], bad["orderId"]}


def test_failed_deliveries_take_turns_and_dead_orders_stop_costing_calls(server, client):
    later = NOW + timedelta(hours=2)
    alive = server.store.add_order(orderNumber="WH/OUT/ALIVE", items=[{"sku": "MUG", "quantity": 1}])
    dead = [fetch.Target(900000 + i, "WH/OUT/D%d" % i, NOW, known=True, failed=True,
                         last_attempt=NOW - timedelta(minutes=i)) for i in range(fetch.RETRY_FAILED)]  # fmt: skip
    # Its cause was fixed long ago, but the dead ones have lower ids: it is read first all the same.
    fixed = target(alive, known=True, failed=True, last_attempt=NOW - timedelta(days=3))
    gone = fetch.Target(990000, "WH/OUT/GONE", NOW, known=True, failed=True, missing_count=fetch.GIVE_UP_MISSING)
    facts = fetch.fetch_changes(client, [*dead, fixed, gone], since=later)
    assert alive["orderId"] in facts.orders
    assert facts.retried == {t.order_id for t in [fixed, *dead[1:]]}, "the most recently tried dead one waits"
    assert server.count("GET", "/orders/990000") == 0 and facts.given_up == 1
    assert 990000 not in facts.missing


def test_a_delivery_without_order_id_is_found_by_its_source_document_one_list_call_a_name(server, client):
    shop = server.store.add_order(orderNumber="SO042", items=[{"sku": "MUG", "quantity": 1}])
    server.store.add_order(orderNumber="WH/OUT/7", items=[{"sku": "MUG", "quantity": 1}])
    lost = fetch.Target(order_id=None, order_number="WH/OUT/5", create_date=NOW, origin=" so042 ")
    facts = fetch.fetch_orders(client, [lost])
    assert set(facts.orders) == {shop["orderId"]}
    assert client.call_count == 4  # by reference, by source document, then its labels and fulfillments
    own = fetch.Target(order_id=None, order_number="WH/OUT/7", create_date=NOW, origin="SO042")
    before = client.call_count
    facts = fetch.fetch_orders(client, [own])
    assert [o["orderNumber"] for o in facts.orders.values()] == ["WH/OUT/7"]
    assert client.call_count - before == 3  # its own reference found it: the source document is not asked


def test_a_failed_delivery_whose_odoo_side_changed_is_read_again_first(server, client):
    later = NOW + timedelta(hours=2)
    alive = server.store.add_order(orderNumber="WH/OUT/ALIVE", items=[{"sku": "MUG", "quantity": 1}])
    dead = [fetch.Target(900000 + i, "WH/OUT/D%d" % i, NOW, known=True, failed=True) for i in range(fetch.RETRY_FAILED)]
    # Tried more recently than all of them, but its moves changed since it failed: it goes first.
    changed = target(alive, known=True, failed=True, last_attempt=NOW, changed=True)
    facts = fetch.fetch_changes(client, [*dead, changed], since=later)
    assert alive["orderId"] in facts.retried and alive["orderId"] in facts.orders
    assert len(facts.retried) == fetch.RETRY_FAILED
