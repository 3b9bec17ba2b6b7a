"""The contract test: every public client call, both API versions, against the sandbox in
strict mode, where a request or an answer that departs from ShipStation's published contract
(``lib/shipstation/sandbox/contract``) fails the call and is recorded.

Each test ends with :func:`assert_conforms`: no departure seen, and every endpoint of the
contract called (a new endpoint needs a call here).
"""

from datetime import date, datetime, timedelta, timezone

import pytest
import requests

from shipstation.carriers import listed_carriers
from shipstation.client import ShipStationClient
from shipstation.client_v2 import ShipStationV2Client
from shipstation.fetch import Target, fetch_changes, fetch_orders
from shipstation.fetch_v2 import fetch_changes_v2, fetch_orders_v2
from shipstation.sandbox import FakeClock, SandboxServer
from shipstation.sandbox.contract import contract

UTC = timezone.utc
NOW = datetime(2024, 6, 3, 16, 0, tzinfo=UTC)
V2_KEY = "v2-contract-key"


def address(**fields):
    """An address as the export builds it (``shipstation.export._address``)."""
    base = {
        "name": "Ada Lovelace",
        "company": None,
        "street1": "1 Main St",
        "street2": None,
        "city": "Austin",
        "state": "TX",
        "postalCode": "78701",
        "country": "US",
        "phone": "+1 512 555 0100",
        "residential": True,
    }
    base.update(fields)
    return base


def export_order(number, key, **fields):
    """An order exactly as the export builds it (``shipstation.export._prepare_order``)."""
    order = {
        "orderNumber": number,
        "orderKey": key,
        "orderDate": NOW - timedelta(days=1),
        "paymentDate": NOW - timedelta(days=1),
        "shipByDate": NOW + timedelta(days=2),
        "orderStatus": "awaiting_shipment",
        "customerUsername": "ada@example.com",
        "customerEmail": "ada@example.com",
        "billTo": address(),
        "shipTo": address(),
        "items": [
            {
                "lineItemKey": "41",
                "sku": "MUG",
                "name": "Mug",
                "quantity": 2,
                "weight": {"value": 350.0, "units": "grams"},
                "unitPrice": 9.5,
            },
            {
                "lineItemKey": "42",
                "sku": "KIT-PART",
                "name": "Kit part",
                "quantity": 1,
                "weight": None,
                "unitPrice": 3.33,
                "options": [{"name": "Kit", "value": "Gift kit"}],
            },
        ],
        "weight": {"value": 700.0, "units": "grams"},
        "internalNotes": None,
        "advancedOptions": {"storeId": 5, "customField1": "S00042", "source": "odoo"},
        "carrierCode": "ups",
        "serviceCode": "ups_ground",
    }
    order.update(fields)
    return order


@pytest.fixture
def server():
    clock = FakeClock(NOW)
    with SandboxServer(api_key="key", api_secret="secret", api_key_v2=V2_KEY, clock=clock, strict=True) as srv:
        yield srv


def seed(server):
    """Orders in every state a sync reads: shipped with labels (one voided), marked shipped, open."""
    store = server.store
    ship_to = {"name": "Ada", "street1": "1 Main St", "city": "Austin", "state": "TX", "postalCode": "78701"}
    ship_to.update(country="US", phone="555-0100")
    shipped = store.add_order(orderNumber="WH/OUT/1", orderKey="k-1", shipTo=ship_to, items=[{"sku": "MUG"}])
    store.ship_order(shipped["orderId"], parcels=[{}, {}])
    label = store.list_shipments(order_id=shipped["orderId"])[1][0]
    store.void_shipment(label["shipmentId"])
    marked = store.add_order(orderNumber="WH/OUT/2", orderKey="k-2", shipTo=ship_to, items=[{"sku": "CAP"}])
    store.mark_as_shipped(marked["orderId"], "usps", "9400100000000000000001")
    store.add_order(orderNumber="WH/OUT/3", orderKey="k-3", shipTo=ship_to, items=[{"sku": "CAP"}])
    return shipped, marked


def assert_conforms(server, version):
    assert server.deviations == [], server.deviations
    called = {(r.method, r.path) for r in server.requests if r.status < 500}
    the_contract = contract(version)
    missing = [
        e.key
        for e in the_contract.endpoints
        if not any(method == e.method and e.pattern.match(path) for method, path in called)
    ]
    assert missing == [], "endpoints of the %s contract no call reached: %s" % (version, missing)


def test_every_v1_call_conforms(server):
    shipped, marked = seed(server)
    client = ShipStationClient("key", "secret", server.url, page_size=2)
    assert client.test_connection()
    assert len(client.list_orders()) == 3
    assert [o["orderNumber"] for o in client.iter_changed_orders(NOW - timedelta(days=1))]
    assert client.get_order(shipped["orderId"])["orderKey"] == "k-1"
    assert len(client.list_shipments(orderId=shipped["orderId"], includeShipmentItems=True)) == 2
    assert client.list_shipments(voidDateStart=NOW - timedelta(days=1), includeShipmentItems=True)
    assert client.list_fulfillments(orderId=marked["orderId"])
    created = client.create_order(export_order("WH/OUT/9", "odoo-9"))
    results = client.create_orders([export_order("WH/OUT/10", "odoo-10"), export_order("WH/OUT/11", "odoo-11")])
    assert all(r["success"] for r in results), results
    client.mark_as_shipped(created["orderId"], "ups", ship_date=date(2024, 6, 3), tracking_number="1Z999")
    held = results[0]["orderId"]
    assert client.hold_until(held, date(2024, 6, 10))["success"]
    assert client.restore_from_hold(held)["success"]
    assert "ups" in listed_carriers(client)
    hook = client.subscribe_webhook("https://odoo.example.com/shipstation/webhook/t", "SHIP_NOTIFY", "Odoo")
    assert [h.id for h in client.list_webhooks()] == [hook.id]
    client.unsubscribe_webhook(hook.id)
    # The sync's readers, over the same calls.
    targets = [Target(shipped["orderId"], "WH/OUT/1", NOW - timedelta(days=2)), Target(None, "WH/OUT/3", NOW)]
    assert fetch_changes(client, targets, NOW - timedelta(hours=1)).orders
    assert fetch_orders(client, targets).orders
    # Served by the sandbox, called by tools and other callers: a label voided through v1.
    other = server.store.list_shipments(order_id=shipped["orderId"])[1][-1]
    answer = requests.post(
        server.url + "/shipments/voidlabel", json={"shipmentId": other["shipmentId"]}, auth=("key", "secret"), timeout=5
    )
    assert answer.status_code == 200 and answer.json()["approved"]
    assert_conforms(server, "v1")


def test_every_v2_call_conforms(server):
    shipped, marked = seed(server)
    client = ShipStationV2Client(V2_KEY, server.url, page_size=2)
    assert client.test_connection()
    assert len(list(client.iter_shipments(sort_by="modified_at", sort_dir="asc"))) == 3
    assert list(client.iter_changed_shipments(NOW - timedelta(days=1)))
    shipment = client.get_shipment("se-%d" % shipped["orderId"])
    assert client.get_shipment_by_external_id("k-1")["shipment_id"] == shipment["shipment_id"]
    assert len(list(client.iter_labels(shipment_id=shipment["shipment_id"]))) == 2
    assert list(client.iter_voided_labels(NOW - timedelta(hours=1), NOW - timedelta(days=30)))
    # The export: a customer with every field, and one without a phone, a state or a company.
    bare = address(phone=None, state=None, company=None, street2=None)
    orders = [
        export_order("WH/OUT/20", "odoo-20", shipFrom=address(name="Main warehouse", residential=False)),
        export_order("WH/OUT/21", "odoo-21", shipTo=bare, shipFrom=address(phone=None)),
    ]
    results = client.create_orders(orders)
    assert all(r["success"] for r in results), results
    stored = server.store.get_order(results[0]["orderId"])
    assert stored["shipTo"]["phone"] == "+1 512 555 0100"
    # The weight reaches ShipStation as the package's (v2 computes total_weight from it).
    assert (stored["weight"]["value"], stored["weight"]["units"]) == (700.0, "grams")
    shown = client.get_shipment("se-%d" % results[0]["orderId"])
    assert shown["total_weight"] == {"value": 700.0, "unit": "gram"}
    hook = client.subscribe_webhook("https://odoo.example.com/shipstation/webhook/t", "LABEL_CREATED_V2")
    track_hook = client.subscribe_webhook("https://odoo.example.com/shipstation/webhook/t", "TRACK_EVENT_V2")
    assert {h.id for h in client.list_webhooks()} == {hook.id, track_hook.id}
    client.unsubscribe_webhook(hook.id)
    client.unsubscribe_webhook(track_hook.id)
    assert "ups" in listed_carriers(client)
    # The carrier's tracking of a label, before and after the carrier's news.
    live = [label for label in client.iter_labels(shipment_id=shipment["shipment_id"]) if label["status"] != "voided"]
    assert client.get_label_tracking(live[0]["label_id"])["events"] is not None
    moved = requests.post(
        server.url + "/_sandbox/labels/%s/track" % live[0]["label_id"],
        json={"state": "delivered"},
        auth=("key", "secret"),
        timeout=5,
    )
    assert moved.ok, moved.text
    assert client.get_label_tracking(live[0]["label_id"])["status_code"] == "DE"
    targets = [Target(shipped["orderId"], "WH/OUT/1", NOW - timedelta(days=2)), Target(None, "WH/OUT/3", NOW)]
    assert fetch_changes_v2(client, targets, NOW - timedelta(hours=1), now=NOW).orders
    assert fetch_orders_v2(client, targets).orders
    # Served by the sandbox: cancelling a shipment, voiding a label.
    headers = {"API-Key": V2_KEY}
    open_one = server.store.list_orders(number_prefix="WH/OUT/3")[1][0]
    cancel = requests.put(server.url + "/v2/shipments/se-%d/cancel" % open_one["orderId"], headers=headers, timeout=5)
    assert cancel.status_code == 204
    label = server.store.list_shipments(order_id=shipped["orderId"])[1][-1]
    void = requests.put(server.url + "/v2/labels/se-%d/void" % label["shipmentId"], headers=headers, timeout=5)
    assert void.status_code == 200 and void.json()["approved"]
    assert requests.get(server.url + "/v2/labels/se-%d" % label["shipmentId"], headers=headers, timeout=5).ok
    assert_conforms(server, "v2")


def test_the_sandbox_refuses_the_old_v2_export_body_and_accepts_the_new(server):
    """The body the v2 export used to send: weight in the read-only total_weight, empty phone and
    state, a ship-by date v2 has no create field for. Each shipment is refused on its own."""
    old = {
        "external_shipment_id": "odoo-30",
        "shipment_number": "WH/OUT/30",
        "ship_to": {
            "name": "Ada",
            "company_name": None,
            "phone": "",
            "address_line1": "1 Main St",
            "address_line2": None,
            "address_line3": None,
            "city_locality": "Austin",
            "state_province": "",
            "postal_code": "78701",
            "country_code": "US",
            "address_residential_indicator": "yes",
        },
        "items": [{"sku": "MUG", "name": "Mug", "quantity": 1, "external_order_item_id": "41"}],
        "ship_by_date": "2024-06-05T00:00:00.000Z",
        "total_weight": {"value": 700.0, "unit": "gram"},
        "service_code": "ups_ground",
    }
    from shipstation.export_v2 import shipment_from_order  # noqa: PLC0415 - the export's own body

    new = shipment_from_order(export_order("WH/OUT/31", "odoo-31", shipTo=address(phone=None, state=None)))
    answer = requests.post(
        server.url + "/v2/shipments", json={"shipments": [old, new]}, headers={"API-Key": V2_KEY}, timeout=5
    )
    assert answer.status_code == 200, answer.text
    refused, created = answer.json()["shipments"]
    words = " ".join(refused["errors"])
    for field in ("total_weight", "ship_by_date", "service_code", "ship_to.phone", "ship_to.state_province"):
        assert field in words, words
    assert "shipment_id" not in refused
    assert created["errors"] == [] and created["shipment_id"]
    assert "total_weight" not in new and new["packages"] == [{"weight": {"value": 700.0, "unit": "gram"}}]
    assert server.deviations == []


def test_strict_mode_fails_an_answer_that_departs_from_the_contract(server):
    """The check of answers can fail: a v1 shipment item without productId, as the sandbox once
    served them, is a 500 naming the field, and recorded."""
    shipped, _marked = seed(server)
    label = server.store.list_shipments(order_id=shipped["orderId"])[1][0]
    server.store.set_raw("shipment", label["shipmentId"], shipmentItems=[{"sku": "MUG", "quantity": 1}])
    client = ShipStationClient("key", "secret", server.url, max_retries=0)
    with pytest.raises(Exception) as raised:
        client.list_shipments(orderId=shipped["orderId"], includeShipmentItems=True)
    assert "departs from the v1 contract" in str(raised.value)
    [(version, method, path, deviations)] = server.deviations
    assert (version, method, path) == ("v1", "GET", "/shipments")
    assert "answer.shipments.0.shipmentItems.0.productId" in {d.where for d in deviations}


def test_every_answer_over_the_demo_seed_conforms_on_both_versions():
    """The demo seed (31 orders in every state) read through every list and record, v1 and v2,
    in strict mode: any answer departing from the contract would be a 500."""
    from shipstation.sandbox import DEMO_SEED_PATH  # noqa: PLC0415 - beside the fixtures above

    with SandboxServer(api_key="key", api_secret="secret", api_key_v2=V2_KEY, seed=DEMO_SEED_PATH, strict=True) as srv:
        v1 = ShipStationClient("key", "secret", srv.url, page_size=7, max_retries=0)
        orders = v1.list_orders()
        assert len(orders) >= 31
        assert v1.list_shipments(includeShipmentItems=True) and v1.list_fulfillments()
        for order in orders[:5]:
            v1.get_order(order["orderId"])
        v2 = ShipStationV2Client(V2_KEY, srv.url, page_size=7, max_retries=0)
        shipments = list(v2.iter_shipments())
        assert len(shipments) == len(orders)
        assert list(v2.iter_labels())
        for shipment in shipments[:5]:
            v2.get_shipment(shipment["shipment_id"])
        assert srv.deviations == []


def test_v1_converts_a_value_of_another_type_but_strict_mode_refuses_it():
    """ASP.NET reads ``"company": false`` as the text "False" rather than refuse it (a label
    printed for the company "False"): the sandbox takes it, strict mode refuses it."""
    order = {
        "orderNumber": "WH/OUT/40",
        "orderDate": "2024-06-01 08:00:00",
        "orderStatus": "awaiting_shipment",
        "billTo": {"name": "Ada", "company": False},
        "shipTo": {"name": "Ada", "company": False, "street1": "1 Main St", "city": "Austin", "country": "US"},
    }
    for strict, status in ((False, 200), (True, 400)):
        with SandboxServer(api_key="key", api_secret="secret", strict=strict) as srv:
            batch = requests.post(srv.url + "/orders/createorders", json=[order], auth=("key", "secret"), timeout=5)
            assert batch.json()["results"][0]["success"] is not strict, batch.text
            answer = requests.post(srv.url + "/orders/createorder", json=order, auth=("key", "secret"), timeout=5)
            assert answer.status_code == status, answer.text
    assert "apiOrder.shipTo.company" in answer.json()["ModelState"]
    del order["shipTo"]
    with SandboxServer(api_key="key", api_secret="secret") as srv:
        answer = requests.post(srv.url + "/orders/createorder", json=order, auth=("key", "secret"), timeout=5)
    assert answer.status_code == 400 and "apiOrder.shipTo" in answer.json()["ModelState"]
