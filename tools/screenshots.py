#!/usr/bin/env python3
"""Screenshots of the connector in a running demo (``bin/demo``), with headless Chromium.

    bin/demo --reset --odoo-port 18069 --db shipstation_demo &
    python3 tools/screenshots.py --odoo http://127.0.0.1:18069 --db shipstation_demo \\
        --out static/description/screenshots

Logs in as admin, runs the Operations wizard's Import once over XML-RPC (as Process does;
a wizard already processed in the demo is shown instead), then takes: ``card.png`` (the
account's card on *Inventory ▸ ShipStation*), ``result.png`` (the wizard's result),
``run.png`` (that run in the run history), ``waiting.png`` (a delivery ShipStation shipped
that waits for its goods), ``reconcile.png`` (the account's reconciliation, which
writes nothing until a fix is asked for), ``shipping_cost.png`` and ``parcels.png`` (the
shipping cost analyses of *Inventory ▸ Reporting ▸ ShipStation*); on a demo started with
``--api v2`` it also runs *Track ShipStation Deliveries* and takes ``tracking.png`` (the
carrier status of DEMO-014, a delivery in exception, with its parcels). Chromium is driven
over its DevTools protocol (``websocket-client``, which Odoo's own test browser uses).
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import xmlrpc.client

import websocket

BROWSERS = ("chromium", "google-chrome", "chromium-browser", "google-chrome-stable")


class Browser:
    def __init__(self, width=1366, height=860, port=9333):
        executable = next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)
        if not executable:
            sys.exit("No Chromium found: apt-get install chromium")
        self.profile = tempfile.mkdtemp(prefix="ss-shots-")
        self.process = subprocess.Popen(
            [
                executable,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--remote-debugging-port=%d" % port,
                "--user-data-dir=" + self.profile,
                "--window-size=%d,%d" % (width, height),
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _i in range(50):
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/json" % port, timeout=1) as response:
                    pages = [p for p in json.loads(response.read()) if p["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        self.socket = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30)
        self.ids = 0
        self.command("Page.enable")
        self.command(
            "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False
        )

    def command(self, method, **params):
        self.ids += 1
        self.socket.send(json.dumps({"id": self.ids, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.ids:
                return message.get("result", {})

    def evaluate(self, expression):
        return self.command("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)

    def goto(self, url, settle=3.0):
        self.command("Page.navigate", url=url)
        time.sleep(settle)

    def wait_for(self, selector, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.evaluate("!!document.querySelector(%s)" % json.dumps(selector))
            if found.get("result", {}).get("value"):
                time.sleep(0.8)  # charts and fonts
                return True
            time.sleep(0.3)
        return False

    def shot(self, path):
        data = self.command("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data))
        print("wrote %s" % path, flush=True)

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def shot_tracking(browser, args, call):
    """``tracking.png``: a delivery in exception, its carrier status and its parcels' (API v2 demo)."""
    cron = call("ir.model.data", "check_object_reference", "shipstation_connector", "ir_cron_track_deliveries")[1]
    call("ir.cron", "method_direct_trigger", [cron])
    picking = call("stock.picking", "search", [("name", "=", "WH/OUT/DEMO-014")])[0]
    browser.goto(args.odoo + "/web#model=stock.picking&id=%d&view_type=form" % picking)
    browser.wait_for(".o_form_view div[name='shipstation_delivery_status']")
    browser.evaluate("document.querySelector(\"a[name='shipstation_parcels']\").click()")
    browser.wait_for("div[name='shipstation_shipment_ids'] .o_data_row")
    browser.shot(os.path.join(args.out, "tracking.png"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--odoo", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="shipstation_demo")
    parser.add_argument("--out", default="static/description/screenshots")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    uid = xmlrpc.client.ServerProxy(args.odoo + "/xmlrpc/2/common").authenticate(args.db, "admin", "admin", {})
    models = xmlrpc.client.ServerProxy(args.odoo + "/xmlrpc/2/object", allow_none=True)

    def call(model, method, *params):
        return models.execute_kw(args.db, uid, "admin", model, method, list(params))

    account = call("shipstation.account", "search", [("name", "=", "ShipStation Sandbox")])[0]
    # The first Process of the demo is the one worth showing: a later one finds nothing new.
    done = call("shipstation.operation.wizard", "search", [("state", "=", "done"), ("dry_run", "=", False)])
    if done:
        wizard = min(done)
    else:
        values = {"account_ids": [(6, 0, [account])], "operation": "import"}
        wizard = call("shipstation.operation.wizard", "create", values)
        call("shipstation.operation.wizard", "action_process", [wizard])
    run = call("shipstation.operation.wizard", "read", [wizard], ["run_ids"])[0]["run_ids"][0]

    browser = Browser()
    try:
        browser.goto(args.odoo + "/web/login?db=" + args.db, settle=2)
        login = {"jsonrpc": "2.0", "params": {"db": args.db, "login": "admin", "password": "admin"}}
        browser.evaluate(
            "fetch('/web/session/authenticate', {method: 'POST', headers: {'Content-Type': 'application/json'},"
            " body: %s}).then(r => r.status)" % json.dumps(json.dumps(login))
        )
        browser.goto(args.odoo + "/web#action=shipstation_connector.shipstation_account_action_dashboard")
        browser.wait_for(".o_kanban_record canvas")
        browser.shot(os.path.join(args.out, "card.png"))
        browser.goto(args.odoo + "/web#model=shipstation.operation.wizard&id=%d&view_type=form" % wizard)
        browser.wait_for("div[name='run_ids'] .o_kanban_record")
        browser.shot(os.path.join(args.out, "result.png"))
        browser.goto(args.odoo + "/web#model=shipstation.sync.run&id=%d&view_type=form" % run)
        browser.wait_for(".o_form_view .o_field_widget[name='line_ids']")
        browser.shot(os.path.join(args.out, "run.png"))
        waiting = call(
            "stock.picking",
            "search",
            [("shipstation_sync_state", "=", "waiting"), ("carrier_tracking_ref", "!=", False)],
            0,
            1,
            "name",
        )
        if waiting:
            browser.goto(args.odoo + "/web#model=stock.picking&id=%d&view_type=form" % waiting[0])
            browser.wait_for(".o_form_view .o_field_widget[name='shipstation_sync_message']")
            browser.shot(os.path.join(args.out, "waiting.png"))
        reconcile = call("shipstation.account", "action_reconcile", [account])
        browser.goto(args.odoo + "/web#model=shipstation.reconcile.wizard&id=%d&view_type=form" % reconcile["res_id"])
        browser.wait_for(".o_form_view .o_field_widget[name='line_ids']")
        browser.shot(os.path.join(args.out, "reconcile.png"))
        for action, name in (
            ("shipstation_delivery_cost_report_action", "shipping_cost.png"),
            ("shipstation_parcel_report_action", "parcels.png"),
        ):
            browser.goto(args.odoo + "/web#action=shipstation_connector." + action)
            browser.wait_for(".o_pivot table")
            browser.shot(os.path.join(args.out, name))
        if call("shipstation.account", "read", [account], ["api_version"])[0]["api_version"] == "v2":
            shot_tracking(browser, args, call)
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
