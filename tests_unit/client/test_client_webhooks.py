"""Webhook subscriptions through both API clients, against the sandbox over real HTTP."""

import pytest
from client_helpers import KEY, SECRET

from shipstation.client_v2 import ShipStationV2Client
from shipstation.errors import MalformedResponseError, ServerError, ShipStationError
from shipstation.sandbox import SandboxServer
from shipstation.webhooks import Webhook

V2_KEY = "v2-hooks-key"
ODOO = "https://odoo.example/shipstation/webhook/9f8e7d"


@pytest.fixture
def v2_server(clock):
    with SandboxServer(api_key=KEY, api_secret=SECRET, api_key_v2=V2_KEY, clock=clock) as srv:
        yield srv


@pytest.fixture
def v2_client(v2_server, clock):
    with ShipStationV2Client(V2_KEY, v2_server.url, sleep=clock.sleep, monotonic=clock.monotonic, backoff=1.0) as cli:
        yield cli


# -- API v1 --------------------------------------------------------------------------------------


def test_v1_subscribe_list_unsubscribe(server, client):
    hook = client.subscribe_webhook(ODOO, "SHIP_NOTIFY", name="Odoo")
    other = client.subscribe_webhook(ODOO, "FULFILLMENT_SHIPPED")
    assert isinstance(hook, Webhook) and isinstance(hook.id, str) and hook.id.isdigit()
    assert hook == Webhook(hook.id, "SHIP_NOTIFY", ODOO, "Odoo")
    assert client.list_webhooks() == [hook, other]
    [stored] = [h for h in server.webhooks.hooks("v1") if h["id"] == hook.id]
    assert stored["store_id"] is None and stored["name"] == "Odoo"
    assert client.unsubscribe_webhook(hook.id) is None
    assert client.unsubscribe_webhook(hook.id) is None  # a 404: already gone
    assert client.list_webhooks() == [other]
    assert client.calls_by_endpoint == {
        "POST /webhooks/subscribe": 2,
        "GET /webhooks": 2,
        "DELETE /webhooks/{id}": 2,
    }
    assert client.call_count == 6


def test_v1_subscribe_reads_webhookid_too(server, client):
    server.faults.add(status=200, path="/webhooks/subscribe", body={"WebHookID": 4711})
    assert client.subscribe_webhook(ODOO, "SHIP_NOTIFY").id == "4711"
    server.faults.add(status=200, path="/webhooks/subscribe", body={"ok": True})
    with pytest.raises(MalformedResponseError):
        client.subscribe_webhook(ODOO, "SHIP_NOTIFY")


def test_v1_unsubscribe_takes_an_empty_200_and_raises_a_server_error(server, client):
    hook = client.subscribe_webhook(ODOO, "SHIP_NOTIFY")
    server.faults.add(status=200, path="/webhooks/%s" % hook.id, body="")
    assert client.unsubscribe_webhook(hook.id) is None
    server.faults.add(status=500, count=None, path="/webhooks/*", method="DELETE")
    with pytest.raises(ServerError):
        client.unsubscribe_webhook(hook.id)


def test_v1_list_without_its_list_is_malformed(server, client):
    server.faults.add(status=200, path="/webhooks", body={"hooks": []})
    with pytest.raises(MalformedResponseError):
        client.list_webhooks()


# -- API v2 --------------------------------------------------------------------------------------


def test_v2_subscribe_list_unsubscribe(v2_server, v2_client):
    hook = v2_client.subscribe_webhook(ODOO, "LABEL_CREATED_V2", name="Odoo")
    assert hook == Webhook(hook.id, "LABEL_CREATED_V2", ODOO, None) and hook.id.startswith("se-")
    assert v2_client.list_webhooks() == [hook]
    assert v2_client.unsubscribe_webhook(hook.id) is None
    assert v2_client.unsubscribe_webhook(hook.id) is None  # a 404: already gone
    assert v2_client.list_webhooks() == []
    assert v2_client.calls_by_endpoint == {
        "POST /v2/environment/webhooks": 1,
        "GET /v2/environment/webhooks": 2,
        "DELETE /v2/environment/webhooks/{id}": 2,
    }


def test_v2_a_conflict_adopts_the_existing_subscription(v2_server, v2_client):
    first = v2_client.subscribe_webhook(ODOO, "LABEL_CREATED_V2")
    v2_client.subscribe_webhook(ODOO + "-other", "LABEL_CREATED_V2")
    calls = v2_client.call_count
    assert v2_client.subscribe_webhook(ODOO, "LABEL_CREATED_V2") == first
    assert v2_client.call_count == calls + 2  # the 409, then the list
    assert len(v2_server.webhooks.hooks("v2")) == 2


def test_v2_a_conflict_without_a_matching_subscription_is_raised(v2_server, v2_client):
    v2_server.faults.add(status=409, path="/v2/environment/webhooks", method="POST")
    with pytest.raises(ShipStationError) as caught:
        v2_client.subscribe_webhook(ODOO, "FULFILLMENT_SHIPPED_V2")
    assert caught.value.status == 409


def test_v2_malformed_answers(v2_server, v2_client):
    v2_server.faults.add(status=200, path="/v2/environment/webhooks", method="GET", body={"webhooks": []})
    with pytest.raises(MalformedResponseError):
        v2_client.list_webhooks()
    v2_server.faults.add(status=200, path="/v2/environment/webhooks", method="POST", body={"url": ODOO})
    with pytest.raises(MalformedResponseError):
        v2_client.subscribe_webhook(ODOO, "LABEL_CREATED_V2")


def test_v2_entries_that_are_not_subscriptions_are_skipped(v2_server, v2_client):
    body = ["junk", {"url": ODOO}, {"webhook_id": 17, "url": ODOO, "event": "LABEL_CREATED_V2", "headers": []}]
    v2_server.faults.add(status=200, path="/v2/environment/webhooks", method="GET", body=body)
    assert v2_client.list_webhooks() == [Webhook("17", "LABEL_CREATED_V2", ODOO, None)]
