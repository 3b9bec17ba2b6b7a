"""A server or proxy that serves fewer records a page than asked for loses nothing: a short
page is the end only when ShipStation's ``total`` agrees (or the page is empty)."""

from datetime import timedelta

from client_helpers import add_orders, utc

from shipstation.client_v2 import ShipStationV2Client
from shipstation.fetch import Target, fetch_changes
from shipstation.fetch_v2 import fetch_changes_v2

V2_KEY = "v2-key"


def test_v1_order_reader_reads_past_a_capped_page(server, make_client, clock):
    orders = add_orders(server, 7)
    clock.advance(60)
    server.quirks.page_cap = 3  # the client asks for 500
    client = make_client()
    read = {o["orderId"] for o in client.iter_changed_orders(utc(2024, 6, 3, 15, 0, 0))}
    assert read == {o["orderId"] for o in orders}
    assert {o["orderId"] for o in client.iter_orders()} == read
    # The sync's reader too: every changed order reaches the plan.
    targets = [Target(o["orderId"], o["orderNumber"], utc(2024, 6, 3, 15, 0)) for o in orders]
    facts = fetch_changes(client, targets, utc(2024, 6, 3, 15, 30))
    assert set(facts.orders) == read


def test_v1_lists_without_a_total_read_to_an_empty_page(server, make_client):
    add_orders(server, 5)
    server.quirks.page_cap = 2
    server.quirks.envelope["total"] = None
    assert len(make_client().list_orders()) == 5


def test_v2_readers_read_past_a_capped_page(server, clock):
    orders = add_orders(server, 7)
    server.quirks.page_cap = 3  # the client asks for 100
    with ShipStationV2Client(V2_KEY, server.url, sleep=clock.sleep, monotonic=clock.monotonic) as client:
        assert len(list(client.iter_shipments())) == 7
        changed = {s["shipment_id"] for s in client.iter_changed_shipments(utc(2024, 6, 3, 15, 0, 0))}
        assert changed == {"se-%d" % o["orderId"] for o in orders}
        targets = [Target(o["orderId"], o["orderNumber"], utc(2024, 6, 3, 15, 0)) for o in orders]
        facts = fetch_changes_v2(client, targets, utc(2024, 6, 3, 15, 30), now=clock() + timedelta(0))
        assert set(facts.orders) == {o["orderId"] for o in orders}
