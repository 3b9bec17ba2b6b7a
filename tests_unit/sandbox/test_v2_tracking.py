"""The sandbox's label tracking over real HTTP: moving with the clock, set on demand, signed webhooks."""

import json

from http_helpers import Receiver
from sandbox_helpers import assert_v2_error, order

from shipstation.tracking import parcel_tracking
from shipstation.webhooks import KeyCache, verify_v2


def _label(server):
    placed = order(server.store, "T-1")
    [shipment] = server.store.ship_order(placed["orderId"])
    return "se-%d" % shipment["shipmentId"]


def test_a_label_moves_along_its_timeline_as_time_passes(server, v2, clock):
    label_id = _label(server)
    first = v2.get("/v2/labels/%s/track" % label_id).json()
    assert (first["status_code"], first["status_detail_code"]) == ("NY", "AWAITING_ELECTRONIC_ADVICE")
    assert v2.get("/v2/labels/%s" % label_id).json()["tracking_status"] == "unknown"
    clock.advance(hours=13)
    moving = v2.get("/v2/labels/%s/track" % label_id).json()
    assert moving["status_code"] == "IT" and len(moving["events"]) == 3
    assert v2.rows("/v2/labels")[0]["tracking_status"] == "in_transit"
    clock.advance(hours=50)
    done = v2.get("/v2/labels/%s/track" % label_id).json()
    assert done["status_code"] == "DE" and done["actual_delivery_date"]
    assert parcel_tracking(done).status == "delivered"
    assert v2.get("/v2/labels/%s" % label_id).json()["tracking_status"] == "delivered"


def test_unknown_labels_are_404(server, v2):
    assert_v2_error(v2.get("/v2/labels/se-999/track"), 404, "validation", "invalid_identifier")


def test_a_state_set_on_demand_stays_and_fires_a_signed_track_webhook(server, api, v2, clock):
    label_id = _label(server)
    with Receiver() as rx:
        hook = v2.post("/v2/environment/webhooks", {"url": rx.url + "/hook", "event": "TRACK_EVENT_V2"})
        assert hook.status_code == 200, hook.text
        answer = api.post("/_sandbox/labels/%s/track" % label_id, {"state": "returned"})
        assert answer.status_code == 200, answer.text
        assert server.wait_webhooks()
        [received] = rx.received
    body = json.loads(received.body)
    assert body["resource_type"] == "TRACK_EVENT_V2"
    assert body["resource_url"] == "%s/v2/labels/%s/track" % (server.url, label_id)
    assert body["data"]["status_detail_code"] == "RETURN_TO_SENDER"
    verify_v2(received.headers, received.body, KeyCache(server.jwks_url))
    clock.advance(days=5)  # pinned: time no longer moves it
    again = v2.get("/v2/labels/%s/track" % label_id).json()
    assert again["status_code"] == "EX" and again["events"][0]["status_detail_code"] == "RETURN_TO_SENDER"
    assert v2.get("/v2/labels/%s" % label_id).json()["tracking_status"] == "error"
    explicit = api.post("/_sandbox/labels/%s/track" % label_id, {"status_code": "DE", "description": "Back home"})
    assert explicit.json()["carrier_status_description"] == "Back home"
    assert api.post("/_sandbox/labels/%s/track" % label_id, {"state": "teleported"}).status_code == 400
    assert api.post("/_sandbox/labels/se-999/track", {"state": "lost"}).status_code == 404
    server.store.reset()
    assert v2.get("/v2/labels/%s/track" % label_id).status_code == 404


def test_the_demo_seed_shows_every_state(clock):
    from shipstation.sandbox import DEMO_SEED_PATH, SandboxServer
    from shipstation.sandbox.v2_tracking import pin_demo_states

    server = SandboxServer(seed=DEMO_SEED_PATH, clock=clock)
    pin_demo_states(server.store)
    labels = [label["label_id"] for label in server.store.v2_list_labels(page_size=100)[1]]
    statuses = {parcel_tracking(server.store.v2_label_tracking(int(label[3:]))).status for label in labels}
    assert statuses == {"unknown", "in_transit", "delivered", "exception"}
