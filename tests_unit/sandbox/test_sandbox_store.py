"""The ShipStation sandbox's store, seeds and command line, and the fake clock."""

import json
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone

import requests
from sandbox_helpers import LIB, T0

from shipstation.sandbox import DEMO_SEED_PATH, FakeClock, SandboxStore
from shipstation.timeutil import PACIFIC

# -- seeds, store, CLI -----------------------------------------------------------------------------------


def test_seed_relative_times_ids_and_roundtrip(clock):
    seed = {
        "orders": [
            {
                "orderId": 100005,
                "orderNumber": "OLD",
                "createDate": "now-3d",
                "modifyDate": "now-2h",
                "orderDate": "2024-05-01T09:15:00.1234567",
                "shipDate": "now-1d",
                "orderStatus": "shipped",
            }
        ],
        "_cases": {"OLD": "ignored"},
    }
    store = SandboxStore.from_seed(seed, clock=clock)
    old = store.get_order(100005)
    assert old["createDate"] == "2024-05-31T10:00:00.0000000" and old["modifyDate"] == "2024-06-03T08:00:00.0000000"
    assert old["orderDate"] == "2024-05-01T09:15:00.1234560" and old["shipDate"] == "2024-06-02"
    assert store.add_order(orderNumber="NEW")["orderId"] == 100006
    dumped = store.dump_seed()
    assert SandboxStore.from_seed(json.loads(json.dumps(dumped)), clock=clock).dump_seed() == dumped
    clock.advance(days=1)
    store.reset()  # relative seed timestamps move with the clock
    assert store.get_order(100005)["createDate"] == "2024-06-01T10:00:00.0000000"
    assert store.get_order(100006) is None


def test_add_many_is_fast_and_indexed():
    store = SandboxStore()
    started = time.monotonic()
    ids = store.add_many(
        ({"orderNumber": "B-%05d" % n, "items": [{"sku": "SS-MUG", "quantity": 1}]} for n in range(3000)), ship=True
    )
    assert len(ids) == 3000 and store.counts()["shipments"] == 3000
    assert store.list_shipments(order_number="B-02999")[0] == 1
    assert store.list_orders(number_prefix="B-029")[0] == 100
    assert time.monotonic() - started < 2


def test_demo_seed_has_every_case():
    with open(DEMO_SEED_PATH, encoding="utf-8") as handle:
        seed = json.load(handle)
    store = SandboxStore.from_seed(DEMO_SEED_PATH)
    cases = seed["_cases"]
    assert 30 <= len(seed["orders"]) <= 40 and all(n in {o["orderNumber"] for o in seed["orders"]} for n in cases)
    skus = {i["sku"] for o in seed["orders"] for i in o["items"]}
    assert skus == {"SS-MUG", "SS-TEE-M", "SS-CAP", "SS-BOTTLE", "SS-SOCKS", "SS-POSTER"}
    assert all(1 <= i["quantity"] <= 4 for o in seed["orders"] for i in o["items"])
    text = " ".join(cases.values())
    for status in ("awaiting_shipment", "awaiting_payment", "on_hold", "pending_fulfillment", "cancelled"):
        assert status in text
    _total, orders = store.list_orders(page_size=500)
    by_number = {}
    for o in orders:
        by_number.setdefault(o["orderNumber"], []).append(o)
    labels = {}
    for s in store.list_shipments(page_size=500, include_items=True)[1]:
        labels.setdefault(s["orderId"], []).append(s)

    def live(o):
        return [s for s in labels.get(o["orderId"], []) if not s["voided"] and not s["isReturnLabel"]]

    demo = {n: os[0] for n, os in by_number.items() if n.startswith("WH/OUT/DEMO-") and len(os) == 1}
    assert any(len(live(o)) == 1 for o in demo.values())
    assert any(len(live(o)) >= 2 for o in demo.values())
    assert any(len(live(o)) == 1 and any(s["voided"] for s in labels[o["orderId"]]) for o in demo.values())
    assert any(o["orderStatus"] == "awaiting_shipment" and labels.get(o["orderId"]) for o in demo.values())
    assert any(any(s["isReturnLabel"] for s in labels.get(o["orderId"], [])) for o in demo.values())
    assert any(live(o) and live(o)[0]["shipmentItems"] == [] for o in demo.values())
    assert any(
        live(o)
        and sum(i["quantity"] for s in live(o) for i in s["shipmentItems"]) < sum(i["quantity"] for i in o["items"])
        and all(s["shipmentItems"] for s in live(o))
        for o in demo.values()
    )
    fulfillments = store.list_fulfillments(page_size=500)[1]
    assert {f["voided"] for f in fulfillments} == {True, False}
    split = [os for os in by_number.values() if len(os) == 3]
    assert split and all(c["advancedOptions"]["parentId"] == split[0][0]["orderId"] for c in split[0][1:])
    survivor = next(o for o in orders if o["advancedOptions"]["mergedIds"])
    assert survivor["orderStatus"] == "shipped" and len(survivor["advancedOptions"]["mergedIds"]) == 2
    assert all(store.get_order(i) is None for i in survivor["advancedOptions"]["mergedIds"])
    assert 3 <= sum(1 for n in by_number if not n.startswith("WH/OUT/DEMO-")) <= 5
    newest = max(datetime.fromisoformat(o["modifyDate"][:19]) for o in orders)
    assert abs(newest.replace(tzinfo=PACIFIC) - datetime.now(timezone.utc)) < timedelta(days=1)


def test_cli_starts_serves_and_stops():
    env = dict(os.environ, PYTHONPATH=LIB)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shipstation.sandbox",
            "--port",
            "0",
            "--key",
            "k",
            "--secret",
            "s",
            "--rate-limit",
            "40",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("ShipStation sandbox listening on http://127.0.0.1:") and "key=k" in line
        url = line.split(" on ")[1].split()[0]
        response = requests.get(url + "/orders", params={"orderNumber": "WH/OUT/DEMO-001"}, auth=("k", "s"), timeout=5)
        assert response.status_code == 200 and response.headers["X-Rate-Limit-Limit"] == "40"
        assert response.json()["orders"][0]["orderNumber"] == "WH/OUT/DEMO-001"
    finally:
        process.terminate()
    assert process.wait(timeout=5) == 0


def test_fake_clock():
    clock = FakeClock(T0)
    assert clock() == T0
    clock.sleep(1.5)
    assert clock.advance(minutes=1) == T0 + timedelta(seconds=61.5)
    assert clock.monotonic() == (T0 + timedelta(seconds=61.5)).timestamp()
    assert date.fromisoformat("2024-06-03") == clock().astimezone(PACIFIC).date()
