#!/usr/bin/env python3
"""Scale benchmark of the ShipStation connector: series against queue_job, and the v1 rate limit.

    python3 bench/run_scale_bench.py [--accounts 4] [--per-account 2500] [--rate-n 10000]
                                     [--rate-limit 40] [--competitor 10] [--workers 2]
                                     [--rows scale,rate] [--db shipstation_bench_scale] [--keep-db]
                                     [--out bench/results/scale-latest.json]

Two rows, from one setup (a template database holding the addon, OCA queue_job and the
deliveries, copied with ``CREATE DATABASE ... TEMPLATE`` for each variant):

* ``scale``: ``--accounts`` v1 accounts of ``--per-account`` deliveries each, first synced in
  series (``_sync_accounts(accounts, scheduled=True)`` in one process, as the scheduled action
  runs without queue_job), then, on an identical copy, by queue_job: a prefork Odoo server
  (``--workers``, ``--load=web,queue_job``, channels ``--channels``) runs the job per account
  the scheduled action enqueues;
* ``rate``: one v1 account of ``--rate-n`` deliveries against a sandbox allowing
  ``--rate-limit`` calls a minute, the key shared with another app (``--competitor`` calls a
  minute): the export of the deliveries, then, once ShipStation shipped them, the first sync.

See bench/README.md. Databases are named ``shipstation_bench_scale*`` and dropped at the end
unless ``--keep-db``; Odoo listens on a port of 18300-18399. Not part of bin/test.
"""

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone

from ssbench.common import BENCH, log
from ssbench.database import addons_path, code_version
from ssbench.ratelimited import rate_row
from ssbench.scalechild import scale_child
from ssbench.scaledb import (
    SCALE_PREFIX,
    build_template_db_names,
    check_scale_db,
    clone,
    drop,
    fetch_queue_job,
    query,
    scale_addons_path,
)
from ssbench.scaleout import account_specs, build_template, scale_row
from ssbench.scalereport import new_scale_result, write_scale_result
from ssbench.scenario import make_scenario

ROWS = ("scale", "rate")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=4, help="accounts of the scale row")
    parser.add_argument("--per-account", type=int, default=2500, help="deliveries per account of the scale row")
    parser.add_argument(
        "--products",
        choices=("per-account", "shared"),
        default="per-account",
        help="per-account (default): each account ships products of its own, as a 3PL's clients; "
        "shared: every account ships the same 20 products from the same stock",
    )
    parser.add_argument("--rate-n", type=int, default=10000, help="deliveries of the rate-limited row")
    parser.add_argument("--rate-limit", type=int, default=40, help="v1 calls a minute the sandbox allows")
    parser.add_argument(
        "--competitor", type=int, default=10, help="calls a minute another app spends of the same key (0: none)"
    )
    parser.add_argument("--workers", type=int, default=2, help="Odoo HTTP workers of the queue_job server")
    parser.add_argument("--channels", default="root:2,root.shipstation:2", help="queue_job channels")
    parser.add_argument("--limit-time-real", type=int, default=120, help="limit_time_real of the server's workers")
    parser.add_argument("--limit-time-cpu", type=int, default=120, help="limit_time_cpu of the server's workers")
    parser.add_argument(
        "--job-budget",
        type=float,
        help="seconds a sync job applies before it enqueues the rest (system parameter "
        "shipstation_connector.job_time_budget); default: the addon's, 70%% of --limit-time-real",
    )
    parser.add_argument("--job-timeout", type=int, default=1800, help="seconds the jobs may take in all")
    parser.add_argument("--rows", default=",".join(ROWS), help="rows to measure: scale, rate")
    parser.add_argument("--db", default=SCALE_PREFIX, help="template database (must start with %s)" % SCALE_PREFIX)
    parser.add_argument("--keep-db", action="store_true", help="keep the databases at the end")
    parser.add_argument("--out", default=os.path.join(BENCH, "results", "scale-latest.json"), help="JSON result file")
    parser.add_argument("--seed", default="shipstation", help="seed of the scenarios")
    parser.add_argument(
        "--queue-job-dir", default=os.path.join(tempfile.gettempdir(), "qj"), help="pip --target folder of queue_job"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)  # settings file of a measured run
    return parser.parse_args()


def versions(db):
    import odoo  # noqa: PLC0415

    return {
        "python": platform.python_version(),
        "odoo": odoo.release.version,
        "postgresql": query(db, "SHOW server_version")[0][0],
    }


def main():  # noqa: C901 - the command's steps, in order
    args = parse_args()
    if args.child:
        with open(args.child, encoding="utf-8") as handle:
            scale_child(argparse.Namespace(**json.load(handle)))
        return
    check_scale_db(args.db)
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    if not rows or set(rows) - set(ROWS):
        sys.exit("--rows needs some of %s" % ", ".join(ROWS))
    if args.accounts < 1 or args.per_account < 20 or args.rate_n < 20:
        sys.exit("--accounts needs at least 1, --per-account and --rate-n at least 20")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    started = time.perf_counter()
    workdir = tempfile.mkdtemp(prefix="ss-scale-")
    names = build_template_db_names(args.db)
    try:
        queue_addons, queue_version = fetch_queue_job(args.queue_job_dir)
        code = code_version()  # the code the copy below holds
        snapshot = addons_path(workdir)
        path = scale_addons_path(snapshot, queue_addons)
        lib = os.path.join(snapshot.split(",")[-1], "shipstation_connector", "lib")
        now = datetime.now(timezone.utc)
        per_account = (
            account_specs(args.accounts, args.per_account, args.seed, now, args.products == "per-account")
            if "scale" in rows
            else []
        )
        all_specs = [spec for specs in per_account for spec in specs]
        if "rate" in rows and args.rate_n > len(all_specs):
            all_specs += make_scenario(args.rate_n - len(all_specs), "%s-rate" % args.seed, now)
        log("template %s: %d deliveries (queue_job %s)" % (args.db, len(all_specs), queue_version))
        pickings, setup_seconds = build_template(args.db, path, all_specs, workdir)
        result = new_scale_result(args, versions(args.db), code, queue_version)
        result["meta"]["setup_seconds"] = round(setup_seconds, 1)
        run_id = datetime.now().strftime("%Y%m%d-%H%M%S")
        if "rate" in rows:
            clone(args.db, names["rate"])  # before the scale row adds its accounts to the template
        if "scale" in rows:
            result["scale_out"] = scale_row(args.db, path, args, workdir, pickings, per_account, lib, run_id)
            write_scale_result(result, args.out, time.perf_counter() - started)
        if "rate" in rows:
            specs = all_specs[: args.rate_n]
            result["rate_limited"] = rate_row(names["rate"], path, args, workdir, pickings, specs, lib, run_id)
            write_scale_result(result, args.out, time.perf_counter() - started)
        print()
        print(result["table"])
        print()
        log("results written to %s (%.0f s in all)" % (args.out, time.perf_counter() - started))
    finally:
        if not args.keep_db:
            for db in names.values():
                drop(db)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
