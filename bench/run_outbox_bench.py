#!/usr/bin/env python3
"""Updates after the export (the outbox) on real Odoo 17 and PostgreSQL, against the sandbox.

    python3 bench/run_outbox_bench.py [--n 1000] [--db shipstation_bench_outbox] [--keep-db]

1. Creates N reserved deliveries and exports them (scheduled-run style: committing).
2. Benchmark row: edits every delivery (a quantity), then one export run sends the N
   updates; prints its API calls against the goal (at most 10 + 1 call per 100 updates on v1).
3. Kill test: edits every delivery again, starts the export run in a child process with
   every ``createorders`` call slowed down, kills the child with SIGKILL while its third
   call is on its way, edits some deliveries once more (in-flight and not yet sent ones),
   and runs the export again. Then checks, from what the sandbox received: no update lost
   (every order holds Odoo's latest quantity, nothing is left pending), none out of order
   (each order's quantities only grow: 2, 3, then 4), each update sent at most twice and
   only those of the killed call twice. Exits non-zero when a check fails.

The quantity a delivery's order carries names the edit it comes from, so the sandbox's
record of each ``createorders`` call is enough to tell what arrived, how often, in what order.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))

from ssbench.common import API_KEY, API_SECRET, log, odoo_env  # noqa: E402
from ssbench.database import (  # noqa: E402
    addons_path,
    create_account,
    create_deliveries,
    ensure_base_data,
    open_registry,
    prepare_database,
)
from ssbench.scenario import sku  # noqa: E402

from shipstation.sandbox import SandboxServer  # noqa: E402

GOAL_FIXED, GOAL_PER = 10, 100


def export_run(registry, account_id):
    """One export run as the scheduled action makes it (each call's outcome committed)."""
    with registry.cursor() as cr:
        env = odoo_env(cr)
        account = env["shipstation.account"].browse(account_id)
        report = env["shipstation.export"]._export_accounts(account, commit=True)[0]
        cr.commit()
        return report


def edit(registry, picking_ids, qty):
    """Set every move of these deliveries to ``qty`` (an edit in Odoo, as a user makes it)."""
    with registry.cursor() as cr:
        env = odoo_env(cr)
        env["stock.picking"].browse(picking_ids).move_ids.write({"product_uom_qty": qty})
        cr.commit()


def pending(registry, account_id):
    with registry.cursor() as cr:
        cr.execute(
            "SELECT count(*) FROM stock_picking"
            " WHERE shipstation_account_id = %s AND shipstation_pending_update IS NOT NULL",
            [account_id],
        )
        return cr.fetchone()[0]


def odoo_quantities(registry, picking_ids):
    with registry.cursor() as cr:
        env = odoo_env(cr)
        pickings = env["stock.picking"].browse(picking_ids)
        return {p.shipstation_order_id: int(sum(p.move_ids.mapped("product_uom_qty"))) for p in pickings}


def record_upserts(sandbox):
    """Keep, per ``createorders`` call the sandbox processes, ``[(orderId, quantity)]``."""
    calls, original = [], sandbox.store.create_or_update_orders

    def recording(payloads):
        results = original(payloads)
        quantities = [sum(i["quantity"] for i in p.get("items") or []) for p in payloads]
        calls.append([(str(r["orderId"]), qty) for r, qty in zip(results, quantities)])
        return results

    sandbox.store.create_or_update_orders = recording
    return calls


def record_arrivals(sandbox):
    """Note each ``createorders`` call when it reaches the sandbox (before its delay)."""
    arrived, original = [], sandbox.faults.take

    def take(method, path, query):
        if method == "POST" and path == "/orders/createorders":
            arrived.append(time.monotonic())
        return original(method, path, query)

    sandbox.faults.take = take
    return arrived


def child(settings_path):
    """The export run that gets killed (``--child``)."""
    with open(settings_path, encoding="utf-8") as handle:
        settings = json.load(handle)
    registry = open_registry(settings["db"], settings["path"])
    export_run(registry, settings["account_id"])


def kill_test(args, registry, path, sandbox, account_id, ids, workdir):
    calls = record_upserts(sandbox)
    edit(registry, ids, 3)
    sandbox.faults.add(status=200, delay=1.5, count=None, path="/orders/createorders", method="POST")
    settings = os.path.join(workdir, "child.json")
    with open(settings, "w", encoding="utf-8") as handle:
        json.dump({"db": args.db, "path": path, "account_id": account_id}, handle)
    arrived = record_arrivals(sandbox)
    process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--child", settings])
    deadline = time.monotonic() + 600
    while len(arrived) < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    time.sleep(0.2)  # the third call is in the sandbox now, held by the delay
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_after = len(calls)
    sandbox.faults.clear()
    time.sleep(2.0)  # the killed call ends on the sandbox side (its answer goes nowhere)
    in_flight = [order_id for order_id, _qty in calls[killed_after]] if len(calls) > killed_after else []
    log("killed the export run after %d createorders calls; %d orders on their way" % (killed_after, len(in_flight)))
    by_order = order_ids(registry, ids)
    unsent = [oid for oid in by_order if not any(oid == o for call in calls for o, _q in call)]
    newer = in_flight[:5] + unsent[:5]
    edit(registry, [by_order[oid] for oid in newer], 4)
    report = export_run(registry, account_id)
    figures = (report.updates_sent, report.updates_pending, report.api_calls)
    log("re-run: %d updates sent, %d pending, %d API calls" % figures)
    return check(registry, account_id, ids, calls, in_flight, newer)


def order_ids(registry, ids):
    """``{ShipStation order id: delivery id}``."""
    with registry.cursor() as cr:
        cr.execute("SELECT shipstation_order_id, id FROM stock_picking WHERE id = ANY(%s)", [list(ids)])
        return dict(cr.fetchall())


def check(registry, account_id, ids, calls, in_flight, newer):
    wanted = odoo_quantities(registry, ids)
    received = {}
    for call in calls:
        for order_id, qty in call:
            received.setdefault(order_id, []).append(qty)
    problems = []
    lost = [oid for oid, qty in wanted.items() if not received.get(oid) or received[oid][-1] != qty]
    disorder = [oid for oid, seq in received.items() if seq != sorted(seq)]
    twice = {oid for oid, seq in received.items() if any(seq.count(q) > 1 for q in seq)}
    too_often = [oid for oid, seq in received.items() if any(seq.count(q) > 2 for q in seq)]
    if lost:
        problems.append("%d updates lost (e.g. order %s)" % (len(lost), lost[0]))
    if disorder:
        problems.append("%d orders got an older update after a newer one" % len(disorder))
    if too_often:
        problems.append("%d updates sent more than twice" % len(too_often))
    if twice - set(in_flight):
        problems.append("%d updates sent twice outside the killed call" % len(twice - set(in_flight)))
    left = pending(registry, account_id)
    if left:
        problems.append("%d updates still pending" % left)
    log(
        "kill test: %d orders, %d re-sent (the killed call), %d edited again after the kill, %d lost, "
        "%d out of order, %d pending" % (len(wanted), len(twice), len(newer), len(lost), len(disorder), left)
    )
    for problem in problems:
        log("FAIL: " + problem)
    log("kill test: " + ("FAIL" if problems else "PASS"))
    return not problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--db", default="shipstation_bench_outbox")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    workdir = tempfile.mkdtemp(prefix="ss-outbox-bench-")
    path = addons_path(workdir)
    prepare_database(args.db, path, args.keep_db)
    registry = open_registry(args.db, path)
    with SandboxServer(api_key=API_KEY, api_secret=API_SECRET, rate_limit=None) as sandbox:
        base = ensure_base_data(registry, args.n * 5)
        account_id = create_account(registry, "Outbox bench %d" % time.time(), sandbox.url)
        specs = [{"lines": [(sku(i % 20), 1)]} for i in range(args.n)]
        ids = [pid for pid, _name in create_deliveries(registry, specs, base, args.n)]
        report = export_run(registry, account_id)
        log("exported %d deliveries in %d calls" % (report.exported, report.api_calls))

        edit(registry, ids, 2)
        sandbox.reset_log()
        started = time.perf_counter()
        report = export_run(registry, account_id)
        seconds = time.perf_counter() - started
        calls, goal = sandbox.count(), GOAL_FIXED + -(-args.n // GOAL_PER)
        verdict = "PASS" if calls <= goal and report.updates_sent == args.n else "MISS"
        log(
            "bench row: %d edited deliveries (v1): %d updates sent in %d API calls (goal <= %d), %.1f s, "
            "%d pending: %s"
            % (args.n, report.updates_sent, calls, goal, seconds, pending(registry, account_id), verdict)
        )
        passed = kill_test(args, registry, path, sandbox, account_id, ids, workdir)
    return 0 if passed and verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
