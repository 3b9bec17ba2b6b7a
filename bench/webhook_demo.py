#!/usr/bin/env python3
"""Measure webhooks on a running demo (``bin/demo``): label to delivery done, and a burst.

    bin/demo --reset [--api v2] --port 18765 --odoo-port 18069 --db shipstation_demo_hooks &
    python3 bench/webhook_demo.py --sandbox http://127.0.0.1:18765 --odoo http://127.0.0.1:18069 \\
        --db shipstation_demo_hooks [--labels 10] [--burst 500] [--concurrent 500]

1. **Latency**: ``--labels`` new sale orders (one unit of a product in stock each) are
   confirmed and their deliveries exported to the sandbox; then, one at a time, an order is
   shipped in the sandbox (the
   control route creates its label, and the sandbox calls the subscribed URL, as
   ShipStation does); the seconds until Odoo reports the delivery done are measured, over
   XML-RPC every 0.1 s. Before each label the script waits until the account's
   webhook-triggered syncs allow one at once (``shipstation_connector.webhook_min_interval``
   after the previous one), so each figure is the path label → call → trigger → sync →
   validation, not the coalescing wait. Median, minimum and maximum are printed.
2. **Burst**: the sandbox sends ``--burst`` calls (its one delivery thread, as fast as Odoo
   answers); then ``--concurrent`` calls are sent by this script from 20 threads at once
   (v1 accounts only: v2 calls must be signed with the sandbox's key). For each, the answers
   by status, then, once the follow-up sync is over, the webhook-triggered sync runs and
   their ShipStation API calls (from the run history when it exists, else from the
   account's last webhook sync).
"""

import argparse
import base64
import json
import statistics
import sys
import time
import urllib.request
import xmlrpc.client
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

KEY, SECRET = "demo-key", "demo-secret"
ACCOUNT = "ShipStation Sandbox"


class Demo:
    def __init__(self, args):
        self.args = args
        common = xmlrpc.client.ServerProxy(args.odoo + "/xmlrpc/2/common")
        self.uid = common.authenticate(args.db, "admin", "admin", {})
        self.models = xmlrpc.client.ServerProxy(args.odoo + "/xmlrpc/2/object", allow_none=True)
        self.account = self.call("shipstation.account", "search_read", [("name", "=", ACCOUNT)], ["api_version"])[0]

    def call(self, model, method, *params, **kwargs):
        return self.models.execute_kw(self.args.db, self.uid, "admin", model, method, list(params), kwargs)

    def sandbox(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.args.sandbox + path, data=data, method=method)
        request.add_header("Authorization", "Basic " + base64.b64encode(("%s:%s" % (KEY, SECRET)).encode()).decode())
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def account_values(self, *fields):
        return self.call("shipstation.account", "read", [self.account["id"]], list(fields))[0]

    def min_interval(self):
        value = self.call("ir.config_parameter", "get_param", "shipstation_connector.webhook_min_interval")
        return int(value) if value else 60

    def wait_for_a_free_sync(self):
        """Sleep until a webhook call would start a sync at once."""
        while True:
            values = self.account_values("webhook_last_sync", "webhook_pending")
            last = values["webhook_last_sync"]
            if not values["webhook_pending"]:
                if not last:
                    return
                started = time.mktime(time.strptime(last, "%Y-%m-%d %H:%M:%S")) - time.timezone
                wait = started + self.min_interval() + 1 - time.time()
                if wait <= 0:
                    return
                time.sleep(min(wait, 5))
            else:
                time.sleep(0.5)

    def new_deliveries(self, count):
        """``count`` new sale orders of one unit of a product in stock, confirmed, their
        deliveries exported: ``[(picking, order id)]``."""
        product = self.call(
            "product.product",
            "search_read",
            [("qty_available", ">=", 100), ("default_code", "!=", False)],
            ["id"],
            limit=1,
        )[0]
        partner = self.call("res.users", "search_read", [("login", "=", "customer")], ["partner_id"])[0]["partner_id"][
            0
        ]
        pickings = []
        for _i in range(count):
            sale = self.call(
                "sale.order",
                "create",
                {"partner_id": partner, "order_line": [(0, 0, {"product_id": product["id"], "product_uom_qty": 1})]},
            )
            self.call("sale.order", "action_confirm", [sale])
            pickings += self.call("sale.order", "read", [sale], ["picking_ids"])[0]["picking_ids"]
        self.call("stock.picking", "action_assign", pickings)
        self.call("stock.picking", "action_export_to_shipstation", pickings)
        print("  %d new deliveries exported to ShipStation" % len(pickings), flush=True)
        exported = self.call("stock.picking", "read", pickings, ["name", "shipstation_order_id"])
        return [(p, int(str(p["shipstation_order_id"]).replace("se-", ""))) for p in exported]

    def latency(self, count):
        figures = []
        for picking, order_id in self.new_deliveries(count):
            self.wait_for_a_free_sync()
            started = time.time()
            self.sandbox("POST", "/_sandbox/orders/%d/ship" % order_id, {})
            while time.time() - started < 180:
                state = self.call("stock.picking", "read", [picking["id"]], ["state"])[0]["state"]
                if state == "done":
                    break
                time.sleep(0.1)
            seconds = time.time() - started
            if state == "done":
                figures.append(seconds)
            print("  %s: label created -> done in %.2f s (%s)" % (picking["name"], seconds, state), flush=True)
        if figures:
            print(
                "LATENCY over %d labels: median %.2f s, min %.2f s, max %.2f s"
                % (len(figures), statistics.median(figures), min(figures), max(figures)),
                flush=True,
            )
        return figures

    def runs_since(self, moment):
        if not self.call("ir.model", "search_count", [("model", "=", "shipstation.sync.run")]):
            return None
        return self.call(
            "shipstation.sync.run",
            "search_read",
            [("account_id", "=", self.account["id"]), ("trigger", "=", "webhook"), ("date_start", ">=", moment)],
            ["date_start", "api_calls", "checked"],
        )

    def settle(self, moment):
        """Wait until no webhook sync is pending any more, then report the runs since ``moment``."""
        time.sleep(2)
        while self.account_values("webhook_pending")["webhook_pending"]:
            time.sleep(1)
        time.sleep(3)  # the last sync's own commit
        runs = self.runs_since(moment)
        if runs is None:
            print("  (no run history in this database: syncs not counted)")
            return
        print(
            "  %d webhook-triggered syncs, %d ShipStation API calls in all"
            % (len(runs), sum(r["api_calls"] for r in runs)),
            flush=True,
        )

    def burst(self, count):
        self.wait_for_a_free_sync()
        moment = self.server_now()
        event = "LABEL_CREATED_V2" if self.account["api_version"] == "v2" else "SHIP_NOTIFY"
        started = time.time()
        self.sandbox("POST", "/_sandbox/webhooks/fire", {"event": event, "count": count})
        while self.sandbox("GET", "/_sandbox/webhooks")["pending"]:
            time.sleep(0.2)
        seconds = time.time() - started
        deliveries = self.sandbox("GET", "/_sandbox/webhooks")["deliveries"][-count:]
        statuses = Counter(str(d.get("status_or_error")) for d in deliveries)
        print("BURST from the sandbox: %d calls in %.1f s, answers %s" % (count, seconds, dict(statuses)), flush=True)
        self.settle(moment)

    def concurrent(self, count):
        if self.account["api_version"] == "v2":
            print("CONCURRENT burst skipped: a v2 account's calls must be signed by the sandbox")
            return
        self.wait_for_a_free_sync()
        moment = self.server_now()
        url = self.call("shipstation.account", "read", [self.account["id"]], ["webhook_url"])[0]["webhook_url"]
        body = json.dumps({"resource_url": self.args.sandbox + "/shipments?batchId=x", "resource_type": "SHIP_NOTIFY"})

        def post(_i):
            request = urllib.request.Request(url, data=body.encode(), method="POST")
            request.add_header("Content-Type", "application/json")
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        started = time.time()
        with ThreadPoolExecutor(20) as pool:
            statuses = Counter(pool.map(post, range(count)))
        print(
            "BURST of %d concurrent calls (20 at a time) in %.1f s, answers %s"
            % (count, time.time() - started, dict(statuses)),
            flush=True,
        )
        self.settle(moment)

    def server_now(self):
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", default="http://127.0.0.1:8765")
    parser.add_argument("--odoo", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="shipstation_demo")
    parser.add_argument("--labels", type=int, default=10)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--concurrent", type=int, default=500)
    args = parser.parse_args()
    demo = Demo(args)
    print("Account %s (API %s)" % (ACCOUNT, demo.account["api_version"]), flush=True)
    figures = demo.latency(args.labels) if args.labels else []
    if args.burst:
        demo.burst(args.burst)
    if args.concurrent:
        demo.concurrent(args.concurrent)
    return 0 if figures or not args.labels else 1


if __name__ == "__main__":
    sys.exit(main())
