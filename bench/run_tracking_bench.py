#!/usr/bin/env python3
"""Carrier tracking of 5,000 live parcels: calls per run and runs to reach every parcel.

    python3 bench/run_tracking_bench.py [--parcels 5000] [--budget 150] [--db shipstation_bench_tracking]
                                        [--keep-db] [--out bench/results/tracking-latest.json]

Installs the addon in a fresh database (as ``run_sync_bench.py`` does), makes one v2 account
on an in-process sandbox whose clock is driven by the bench, 5,000 labels printed over the
last two days (5 parcels per delivery) and their parcels in Odoo, then runs the scheduled
action's work for the account (``shipstation.tracking._shipstation_track_account``, with its
commits) once per simulated hour, the sandbox's labels moving along their timeline
(delivered 56 hours after the label) meanwhile. It prints, per run, the tracking calls made
(never more than the budget), the parcels read at least once, the parcels still live, and
the run's wall time; then how many runs it took until every parcel had been read once.
"""

import argparse
import json
import math
import os
import sys
import tempfile
import time
from datetime import timedelta

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
sys.path.insert(0, os.path.join(ROOT, "lib"))

from ssbench.common import API_KEY, API_KEY_V2, API_SECRET, log, odoo_env  # noqa: E402
from ssbench.database import addons_path, code_version, create_account, open_registry, prepare_database  # noqa: E402

from shipstation.sandbox import FakeClock, SandboxServer  # noqa: E402

PARCELS_PER_DELIVERY = 5


def build(registry, server, clock, parcels):
    """Deliveries and parcels in Odoo, their labels in the sandbox (created over the last 48 hours)."""
    deliveries = math.ceil(parcels / PARCELS_PER_DELIVERY)
    account_id = create_account(registry, "Tracking bench", server.url, api="v2")
    start = clock()
    labels = []
    for index in range(deliveries):
        clock.set(start - timedelta(hours=48) + timedelta(hours=48 * index / deliveries))
        order = server.store.add_order(orderNumber="TRACK/%05d" % index, items=[{"sku": "MUG", "quantity": 1}])
        count = min(PARCELS_PER_DELIVERY, parcels - index * PARCELS_PER_DELIVERY)
        shipped = server.store.ship_order(order["orderId"], parcels=[{} for _i in range(count)])
        labels.append((order["orderId"], [(s["shipmentId"], clock()) for s in shipped]))
    clock.set(start)
    with registry.cursor() as cr:
        env = odoo_env(cr)
        warehouse = env["stock.warehouse"].search([], limit=1)
        partner = env["res.partner"].create({"name": "Bench customer"})
        pickings = env["stock.picking"].create(
            [
                {
                    "picking_type_id": warehouse.out_type_id.id,
                    "location_id": warehouse.lot_stock_id.id,
                    "location_dest_id": env.ref("stock.stock_location_customers").id,
                    "partner_id": partner.id,
                    "is_exported_to_shipstation": True,
                    "shipstation_account_id": account_id,
                    "shipstation_order_id": "se-%d" % order_id,
                }
                for order_id, _labels in labels
            ]
        )
        env["shipstation.shipment"].create(
            [
                {
                    "picking_id": picking.id,
                    "account_id": account_id,
                    "kind": "shipment",
                    "shipstation_id": label_id,
                    "order_id": "se-%d" % order_id,
                    "tracking_number": "BENCH%d" % label_id,
                    "shipstation_create_date": created.replace(tzinfo=None),
                }
                for picking, (order_id, parcels_of) in zip(pickings, labels)
                for label_id, created in parcels_of
            ]
        )
        cr.commit()
    return account_id


def counts(registry, account_id):
    with registry.cursor() as cr:
        cr.execute(
            """SELECT count(*) FILTER (WHERE tracking_checked_at IS NOT NULL),
                      count(*) FILTER (WHERE NOT coalesce(tracking_final, false)),
                      count(*) FILTER (WHERE delivery_status = 'delivered')
                 FROM shipstation_shipment WHERE account_id = %s""",
            [account_id],
        )
        return cr.fetchone()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=5000)
    parser.add_argument("--budget", type=int, default=150)
    parser.add_argument("--db", default="shipstation_bench_tracking")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--out", default=os.path.join(BENCH, "results", "tracking-latest.json"))
    args = parser.parse_args()
    tmpdir = tempfile.mkdtemp(prefix="ss-tracking-bench-")
    path = addons_path(tmpdir)
    version = code_version()
    prepare_database(args.db, path, args.keep_db)
    registry = open_registry(args.db, path)
    clock = FakeClock()
    server = SandboxServer(
        api_key=API_KEY, api_secret=API_SECRET, api_key_v2=API_KEY_V2, clock=clock, rate_limit_v2=None
    ).start()
    try:
        log("building %d parcels" % args.parcels)
        account_id = build(registry, server, clock, args.parcels)
        with registry.cursor() as cr:
            odoo_env(cr)["ir.config_parameter"].set_param(
                "shipstation_connector.tracking_calls_per_run", str(args.budget)
            )
            cr.commit()
        runs, reached_at = [], None
        print("run  calls  read-once  live  delivered  wall s")
        while True:
            server.reset_log()
            started = time.perf_counter()
            with registry.cursor() as cr:
                env = odoo_env(cr)
                env["shipstation.tracking"]._shipstation_track_account(env["shipstation.account"].browse(account_id))
                cr.commit()
            wall = time.perf_counter() - started
            calls = server.count(path_prefix="/v2/labels")
            read, live, delivered = counts(registry, account_id)
            runs.append({"calls": calls, "read_once": read, "live": live, "delivered": delivered, "wall_s": wall})
            print("%3d  %5d  %9d  %4d  %9d  %6.1f" % (len(runs), calls, read, live, delivered, wall), flush=True)
            if reached_at is None and read == args.parcels:
                reached_at = len(runs)
            if (reached_at is not None and len(runs) >= reached_at + 2) or not live or len(runs) > 200:
                break
            clock.advance(hours=1)  # the scheduled action runs hourly
    finally:
        server.stop()
    result = {
        "parcels": args.parcels,
        "budget": args.budget,
        "max_calls_per_run": max(r["calls"] for r in runs),
        "runs_to_read_every_parcel": reached_at,
        "expected_runs": math.ceil(args.parcels / args.budget),
        "runs": runs,
        "code": version,
    }
    print(
        "TRACKING: %d parcels, budget %d: at most %d calls a run; every parcel read within %s runs (ceil(%d/%d) = %d)"
        % (
            args.parcels,
            args.budget,
            result["max_calls_per_run"],
            reached_at,
            args.parcels,
            args.budget,
            result["expected_runs"],
        )
    )
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1)
    return 0 if result["max_calls_per_run"] <= args.budget and reached_at else 1


if __name__ == "__main__":
    sys.exit(main())
