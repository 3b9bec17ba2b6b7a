"""The sandbox's webhooks over real HTTP on 127.0.0.1: subscriptions in each dialect's shapes,
deliveries to receivers when labels are created or orders marked as shipped, v2's signatures,
bursts, and receivers that fail."""

import json
import socket
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from http_helpers import Receiver
from sandbox_helpers import Api, V2Api, assert_v2_error, order

from shipstation.sandbox import SandboxServer
from shipstation.webhooks import KEY_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, KeyCache, verify_v2


def _subscribe_v1(api, url, event="SHIP_NOTIFY", **extra):
    response = api.post("/webhooks/subscribe", dict({"target_url": url, "event": event}, **extra))
    assert response.status_code == 200, response.text
    return response.json()["id"]


def _subscribe_v2(v2, url, event="LABEL_CREATED_V2", **extra):
    response = v2.post("/v2/environment/webhooks", dict({"url": url, "event": event}, **extra))
    assert response.status_code == 200, response.text
    return response.json()


def _body(received):
    return json.loads(received.body)


def _closed_port_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return "http://127.0.0.1:%d/hook" % port


# -- subscriptions ---------------------------------------------------------------------------------------


def test_v1_subscriptions_in_v1_shapes(server, api):
    first = _subscribe_v1(api, "https://odoo.example/shipstation/webhook/t1", friendly_name="Odoo", store_id=7)
    second = _subscribe_v1(api, "https://odoo.example/shipstation/webhook/t1")  # v1 takes repeats
    [hook, _again] = api.get("/webhooks").json()["webhooks"]
    assert isinstance(first, int) and second == first + 1
    assert hook["WebHookID"] == first and hook["HookType"] == "SHIP_NOTIFY" and hook["Name"] == "Odoo"
    assert hook["Url"] == "https://odoo.example/shipstation/webhook/t1" and hook["StoreID"] == 7
    assert hook["MessageFormat"] == "Json" and hook["Active"] is True and hook["IsLabelAPIHook"] is False
    bad = api.post("/webhooks/subscribe", {"target_url": "https://x.example", "event": "LABEL_CREATED_V2"})
    assert bad.status_code == 400 and "request.event" in bad.json()["ModelState"]
    assert api.post("/webhooks/subscribe", {"event": "SHIP_NOTIFY"}).status_code == 400
    deleted = api.session.delete(server.url + "/webhooks/%d" % first, timeout=5)
    assert deleted.status_code == 204 and deleted.content == b""
    gone = api.session.delete(server.url + "/webhooks/%d" % first, timeout=5)
    assert gone.status_code == 404 and "not found" in gone.json()["Message"]
    assert [h["WebHookID"] for h in api.get("/webhooks").json()["webhooks"]] == [second]
    assert Api(server, auth=("key", "wrong")).get("/webhooks").status_code == 401


def test_v2_subscriptions_in_v2_shapes(server, v2):
    created = _subscribe_v2(v2, "https://odoo.example/shipstation/webhook/t2")
    assert set(created) == {"webhook_id", "url", "event", "headers"} and created["webhook_id"].startswith("se-")
    assert v2.get("/v2/environment/webhooks").json() == [created]  # a bare array
    again = v2.post("/v2/environment/webhooks", {"url": created["url"], "event": "LABEL_CREATED_V2"})
    assert_v2_error(again, 409, "business_rules", "unspecified")
    assert_v2_error(v2.post("/v2/environment/webhooks", {"url": created["url"], "event": "SHIP_NOTIFY"}), 400, *_BAD)
    assert_v2_error(v2.post("/v2/environment/webhooks", {"url": "ftp://x", "event": "LABEL_CREATED_V2"}), 400, *_BAD)
    assert_v2_error(V2Api(server, key=None).get("/v2/environment/webhooks"), 401, "security", "unauthorized")
    path = server.url + "/v2/environment/webhooks/" + created["webhook_id"]
    assert v2.session.delete(path, timeout=5).status_code == 204
    assert_v2_error(v2.session.delete(path, timeout=5), 404, "validation", "invalid_identifier")
    assert v2.get("/v2/environment/webhooks").json() == []


_BAD = ("validation", "invalid_field_value")


def test_the_keys_need_no_auth_and_reset_forgets_the_subscriptions(server, api, v2):
    jwks = requests.get(server.jwks_url, timeout=5)
    assert jwks.status_code == 200 and jwks.json()["keys"][0]["kty"] == "RSA"
    _subscribe_v1(api, "https://x.example/a")
    _subscribe_v2(v2, "https://x.example/b")
    listed = api.get("/_sandbox/webhooks").json()
    assert [h["Url"] for h in listed["v1"]] == ["https://x.example/a"]
    assert [h["url"] for h in listed["v2"]] == ["https://x.example/b"]
    assert listed["jwks_url"] == server.jwks_url and listed["deliveries"] == [] and listed["pending"] == 0
    assert Api(server, auth=("key", "wrong")).get("/_sandbox/webhooks").status_code == 401
    api.post("/_sandbox/reset")
    assert server.webhooks.hooks("v1") == server.webhooks.hooks("v2") == []


# -- deliveries ---------------------------------------------------------------------------------------------


def test_a_label_sends_a_signed_label_created_v2_and_a_ship_notify(server, api, v2):
    shipped = order(server.store, "WH/OUT/1")
    with Receiver() as rx1, Receiver() as rx2, Receiver() as rx_other:
        _subscribe_v1(api, rx1.url + "/shipstation/webhook/t1")
        _subscribe_v2(v2, rx2.url + "/shipstation/webhook/t2")
        _subscribe_v1(api, rx_other.url + "/f", event="FULFILLMENT_SHIPPED")
        _subscribe_v2(v2, rx_other.url + "/f2", event="FULFILLMENT_SHIPPED_V2")
        answer = api.post("/_sandbox/orders/%d/ship" % shipped["orderId"], {"parcels": [{}, {}]})
        assert answer.status_code == 200
        assert server.wait_webhooks()
        [notify], [created] = rx1.received, rx2.received
        assert rx_other.received == []
    for received in (notify, created):
        assert received.method == "POST" and received.headers["Content-Type"] == "application/json"
        assert not {"authorization", "api-key", "cookie"} & {name.lower() for name in received.headers}
    assert notify.path == "/shipstation/webhook/t1" and created.path == "/shipstation/webhook/t2"
    assert _body(notify)["resource_type"] == "SHIP_NOTIFY"
    assert SIGNATURE_HEADER not in {name.lower() for name in notify.headers}  # v1 is not signed

    body = _body(created)
    assert body["resource_type"] == "LABEL_CREATED_V2"
    verify_v2(created.headers, created.body, KeyCache(server.jwks_url))
    lowered = {name.lower(): value for name, value in created.headers.items()}
    assert lowered[KEY_ID_HEADER] == server.webhooks.kid and lowered[TIMESTAMP_HEADER].endswith("Z")

    # Each resource_url names the batch: the two labels of this call, nothing else.
    order(server.store, "WH/OUT/2")
    server.store.ship_order(server.store.list_orders(number_prefix="WH/OUT/2")[1][0]["orderId"])
    labels = v2.session.get(body["resource_url"], timeout=5).json()["labels"]
    assert body["resource_url"].startswith(server.url + "/v2/labels?batch_id=")
    assert {label["shipment_id"] for label in labels} == {"se-%d" % shipped["orderId"]} and len(labels) == 2
    url = _body(notify)["resource_url"]
    assert url.startswith(server.url + "/shipments?batchId=") and url.endswith("&includeShipmentItems=False")
    shipments = api.session.get(url, timeout=5).json()["shipments"]
    assert [s["orderId"] for s in shipments] == [shipped["orderId"]] * 2


def test_mark_as_shipped_sends_fulfillment_shipped_in_both_dialects(server, api, v2):
    marked = order(server.store, "WH/OUT/3")
    with Receiver() as rx:
        _subscribe_v1(api, rx.url + "/v1", event="FULFILLMENT_SHIPPED")
        _subscribe_v2(v2, rx.url + "/v2", event="FULFILLMENT_SHIPPED_V2")
        _subscribe_v1(api, rx.url + "/labels")  # SHIP_NOTIFY: not for a fulfillment
        body = {"orderId": marked["orderId"], "carrierCode": "usps", "trackingNumber": "9400"}
        assert api.post("/orders/markasshipped", body).status_code == 200
        assert server.wait_webhooks()
        received = {r.path: _body(r) for r in rx.received}
    assert set(received) == {"/v1", "/v2"}
    assert received["/v2"]["resource_type"] == "FULFILLMENT_SHIPPED_V2"
    assert received["/v2"]["resource_url"].startswith(server.url + "/v2/fulfillments?batch_id=")
    fulfillments = api.session.get(received["/v1"]["resource_url"], timeout=5).json()["fulfillments"]
    assert [f["trackingNumber"] for f in fulfillments] == ["9400"]


def test_a_return_label_fires_nothing(server, api, v2):
    shipped = order(server.store, "WH/OUT/4")
    with Receiver() as rx:
        _subscribe_v1(api, rx.url + "/v1")
        _subscribe_v2(v2, rx.url + "/v2")
        assert api.post("/_sandbox/orders/%d/return_label" % shipped["orderId"], {}).status_code == 200
        assert server.wait_webhooks()
        assert rx.received == [] and server.webhook_deliveries == []


def test_fire_delivers_a_burst_of_50_each_with_its_own_batch(server, api, v2):
    with Receiver() as rx:
        _subscribe_v2(v2, rx.url + "/hook")
        answer = api.post("/_sandbox/webhooks/fire", {"event": "LABEL_CREATED_V2", "count": 50})
        assert answer.status_code == 200 and answer.json() == {"queued": 50}
        assert server.wait_webhooks(timeout=20)
        received = rx.wait_for(50)
    assert len(received) == 50 and len({_body(r)["resource_url"] for r in received}) == 50
    cache = KeyCache(server.jwks_url)
    for request in received:
        verify_v2(request.headers, request.body, cache)
    assert cache.fetch_count == 1
    deliveries = server.webhook_deliveries
    assert len(deliveries) == 50 and {d.status_or_error for d in deliveries} == {200}
    assert all(d.event == "LABEL_CREATED_V2" and d.seconds >= 0 for d in deliveries)
    assert len(api.get("/_sandbox/webhooks").json()["deliveries"]) == 50


def test_fire_to_a_given_url_with_a_foreign_resource_url(server, api):
    with Receiver() as rx:
        foreign = "https://attacker.example/shipments?batchId=1"
        body = {"event": "SHIP_NOTIFY", "url": rx.url + "/direct", "resource_url": foreign, "count": 2}
        assert api.post("/_sandbox/webhooks/fire", body).json() == {"queued": 2}  # no subscription needed
        assert server.wait_webhooks()
        assert [(r.path, _body(r)) for r in rx.received] == [
            ("/direct", {"resource_url": foreign, "resource_type": "SHIP_NOTIFY"})
        ] * 2
    assert api.post("/_sandbox/webhooks/fire", {"event": "NOT_AN_EVENT"}).status_code == 400
    assert api.post("/_sandbox/webhooks/fire", {"event": "SHIP_NOTIFY", "count": 0}).status_code == 400


def test_custom_v2_headers_come_back_on_each_delivery(server, v2):
    with Receiver() as rx:
        _subscribe_v2(v2, rx.url + "/h", headers=[{"key": "X-Odoo-Token", "value": "t0k3n"}])
        server.webhooks.fire("LABEL_CREATED_V2")
        assert server.wait_webhooks()
        [received] = rx.received
    assert received.headers["X-Odoo-Token"] == "t0k3n"


def test_a_receiver_that_hangs_or_is_gone_never_blocks_the_sandbox(clock):
    with SandboxServer(clock=clock, webhook_timeout=0.5) as server, Receiver(delay=2) as slow, Receiver() as good:
        api, v2 = Api(server), V2Api(server)
        _subscribe_v1(api, slow.url + "/slow")
        _subscribe_v1(api, _closed_port_url())
        _subscribe_v2(v2, good.url + "/good")
        shipped = order(server.store, "WH/OUT/5")
        started = time.monotonic()
        answer = api.post("/_sandbox/orders/%d/ship" % shipped["orderId"], {})
        assert answer.status_code == 200 and time.monotonic() - started < 0.4
        assert api.get("/orders").status_code == 200
        assert server.wait_webhooks(timeout=5)
        outcomes = {urlsplit(d.url).path: d.status_or_error for d in server.webhook_deliveries}
        assert outcomes == {"/slow": "ReadTimeout", "/hook": "ConnectionError", "/good": 200}
        assert len(good.received) == 1


def test_stop_drops_queued_deliveries_at_once(clock):
    with Receiver(delay=0.4) as slow:
        server = SandboxServer(clock=clock, webhook_timeout=1).start()
        server.webhooks.subscribe("v1", slow.url, "SHIP_NOTIFY")
        server.webhooks.fire("SHIP_NOTIFY", count=20)
        time.sleep(0.1)  # the first delivery is under way
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 1
        assert len(slow.received) <= 2 and server.webhooks.pending == 0


@pytest.mark.parametrize("event", ["SHIP_NOTIFY", "LABEL_CREATED_V2"])
def test_add_many_with_labels_is_one_batch(server, event):
    with Receiver() as rx:
        server.webhooks.subscribe("v1" if event == "SHIP_NOTIFY" else "v2", rx.url, event)
        server.store.add_many([{"orderNumber": "B%d" % i} for i in range(5)], ship=True)
        assert server.wait_webhooks()
        [received] = rx.received
    query = parse_qs(urlsplit(_body(received)["resource_url"]).query)
    assert query.get("batchId") or query.get("batch_id")
