#!/usr/bin/env python3
"""Benchmark of the ShipStation shipment sync on real Odoo 17, PostgreSQL and the sandbox.

    python3 bench/run_sync_bench.py [--sizes 100,1000,10000] [--apis v1,v2] [--db NAME] [--keep-db]
                                    [--out bench/results/latest.json]
                                    [--tracemalloc probe|all|off] [--scheduled] [--profile] [--no-floor]

For each size N and each ShipStation API version (``--apis``, default both: an account
of that version, on a sandbox of its own) it creates N exported, reserved deliveries and
their ShipStation orders (30% shipped, a third of those in several parcels, some with a
voided label, some partly shipped; 5% cancelled; the rest awaiting shipment), then
measures three syncs:

* ``first``: the first sync of the account (every delivery unknown);
* ``nothing_new``: a re-sync right after, with nothing changed in ShipStation;
* ``changed_5pct``: a re-sync after 5% of the orders changed (shipped, labels voided,
  cancelled).

Each measured sync runs in a fresh Odoo process of its own (like a cron worker): its
peak memory is the sync's, not the setup's. The sandbox runs in another process, with
``rate_limit=None`` (v2: ``rate_limit_v2=None``): calls are counted, never waited for.
The same scenario is then read by the naive strategy of :mod:`naive` (two calls per
delivery, through the same API version) so the API-call ratio is measured side by side.

The parts live in the package :mod:`ssbench` (next to this file); this command only
reads its arguments and runs the sizes. This script never touches a database whose name does not start with
``shipstation_bench``; that database is dropped and recreated at start unless
``--keep-db`` is given. It is not part of the test run (bin/test).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime

from ssbench.common import APIS, BENCH, DB_PREFIX, check_db_name, log, odoo_env
from ssbench.database import addons_path, code_version, open_registry, prepare_database, versions
from ssbench.floor import floor_child
from ssbench.measuring import phase_child
from ssbench.report import new_result, size_key, write_result
from ssbench.sizes import bench_size
from ssbench.timers import resolve


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated numbers of deliveries")
    parser.add_argument(
        "--apis", default=",".join(APIS), help="comma-separated ShipStation API versions to measure (v1, v2)"
    )
    parser.add_argument("--db", default=DB_PREFIX, help="database name (must start with %s)" % DB_PREFIX)
    parser.add_argument("--keep-db", action="store_true", help="reuse the database instead of recreating it")
    parser.add_argument("--out", default=os.path.join(BENCH, "results", "latest.json"), help="JSON result file")
    parser.add_argument("--seed", default="shipstation", help="seed of the scenario")
    parser.add_argument(
        "--tracemalloc",
        choices=("probe", "all", "off"),
        default="probe",
        help="probe (default): trace a rolled-back run of the sync up to its plan, then measure "
        "the real sync untraced; all: trace the measured sync itself (about 4x slower); off",
    )
    parser.add_argument(
        "--no-tracemalloc", dest="tracemalloc", action="store_const", const="off", help="same as --tracemalloc off"
    )
    parser.add_argument(
        "--scheduled", action="store_true", help="sync as the scheduled action does (commits every few deliveries)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile each measured sync with cProfile (slower; text next to --out)"
    )
    parser.add_argument(
        "--no-floor",
        dest="floor",
        action="store_false",
        help="do not measure Odoo's own validation and cancellation of the same deliveries (the floor)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)  # settings file of a measured sync (run_phase)
    return parser.parse_args()


def main():
    args = parse_args()
    check_db_name(args.db)
    if args.child:
        with open(args.child, encoding="utf-8") as handle:
            settings = argparse.Namespace(**json.load(handle))
        (floor_child if settings.mode == "floor" else phase_child)(settings)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or min(sizes) < 20:
        sys.exit("--sizes needs numbers of at least 20")
    apis = [a.strip().lower() for a in args.apis.split(",") if a.strip()]
    if not apis or set(apis) - set(APIS) or len(set(apis)) < len(apis):
        sys.exit("--apis needs some of %s, each once" % ", ".join(APIS))
    apis = [a for a in APIS if a in apis]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    started = time.perf_counter()
    workdir = tempfile.mkdtemp(prefix="ss-bench-")
    try:
        code = code_version()  # the code the copy below holds
        path = addons_path(workdir)
        install_seconds = prepare_database(args.db, path, args.keep_db)
        registry = open_registry(args.db, path)
        with registry.cursor() as cr:
            resolve(odoo_env(cr))  # every timed method exists, before hours of setup and syncs
        run_id = datetime.now().strftime("%Y%m%d-%H%M%S")
        result = new_result(args, sizes, apis, install_seconds, versions(registry), code)
        runs = [(n, api) for n in sizes for api in apis]
        for n, api in runs:
            result["sizes"][size_key(api, n)] = bench_size(n, api, args, registry, path, workdir, run_id)
            write_result(result, args.out, (n, api) == runs[-1], time.perf_counter() - started)
        print()
        print(result["table"])
        print()
        log("results written to %s (%.0f s in all)" % (args.out, time.perf_counter() - started))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
