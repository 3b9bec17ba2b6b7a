#!/usr/bin/env python3
"""Benchmark of the ShipStation shipment sync on real Odoo 17, PostgreSQL and the sandbox.

    python3 bench/run_sync_bench.py [--sizes 100,1000,10000] [--db NAME] [--keep-db]
                                    [--out bench/results/latest.json]
                                    [--tracemalloc probe|all|off] [--scheduled] [--profile]

For each size N it creates N exported, reserved deliveries and their ShipStation orders
(30% shipped, a third of those in several parcels, some with a voided label, some
partly shipped; 5% cancelled; the rest awaiting shipment), then measures three syncs:

* ``first``: the first sync of the account (every delivery unknown);
* ``nothing_new``: a re-sync right after, with nothing changed in ShipStation;
* ``changed_5pct``: a re-sync after 5% of the orders changed (shipped, labels voided,
  cancelled).

Each measured sync runs in a fresh Odoo process of its own (like a cron worker): its
peak memory is the sync's, not the setup's. The sandbox runs in another process, with
``rate_limit=None``: calls are counted, never waited for. The same scenario is then
read by the naive strategy of :mod:`naive` (two calls per delivery) so the API-call
ratio is measured side by side.

This script never touches a database whose name does not start with
``shipstation_bench``; that database is dropped and recreated at start unless
``--keep-db`` is given. It is not part of the test run (bin/test).
"""

import argparse
import functools
import gc
import getpass
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import datetime, timedelta, timezone

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
LIB = os.path.join(ROOT, "lib")
DB_PREFIX = "shipstation_bench"
API_KEY, API_SECRET = "bench-key", "bench-secret"
PRODUCT_COUNT = 20
STOCK_PER_PRODUCT = 1_000_000
BATCH = 250
PG = {
    "host": os.environ.get("PGHOST", "127.0.0.1"),
    "port": os.environ.get("PGPORT", "5432"),
    "user": os.environ.get("PGUSER", getpass.getuser()),
}
PHASES = ("first", "nothing_new", "changed_5pct")
PHASE_TITLES = {"first": "first sync", "nothing_new": "re-sync, nothing new", "changed_5pct": "re-sync, 5% changed"}
# Goals of the issue: API calls, SQL, time, memory.
GOAL_FIRST_CALLS_10K = 60
GOAL_NOTHING_NEW_CALLS = 5
GOAL_CHANGED_CALLS = 10
GOAL_FIRST_SECONDS_10K = 600
GOAL_NOTHING_NEW_SECONDS = 15
GOAL_MEMORY_MIB = 2048  # Odoo's default limit_memory_soft
RATE_PER_MINUTE = 40  # ShipStation's documented rate limit, for the "time at the limit" column
MIB = 1024 * 1024


def log(message):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), message), flush=True)


# ----------------------------------------------------------------------------------
# Odoo plumbing (shared by the main process and the phase child)
# ----------------------------------------------------------------------------------


def core_addons_dir():
    import odoo  # noqa: PLC0415

    return os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "addons")


SNAPSHOT_IGNORE = shutil.ignore_patterns(".git", "bench", "__pycache__", "*.pyc", ".venv", ".pytest_cache",
                                         ".ruff_cache", ".benchmarks")


def addons_path(tmpdir):
    """Addons path holding a copy of the working tree named ``shipstation_connector``.

    A copy, not a link: others may edit the repository while a long run goes on, and
    every phase of one run must load the same code.
    """
    target = os.path.join(tmpdir, "shipstation_connector")
    if not os.path.isdir(target):
        shutil.copytree(ROOT, target, ignore=SNAPSHOT_IGNORE, symlinks=True)
    return ",".join([core_addons_dir(), tmpdir])


def code_version():
    """Git commit of the repository and the files changed since (read-only git)."""
    def git(*args):
        result = subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else None

    status = git("status", "--porcelain", "--untracked-files=no") or ""
    return {"commit": git("rev-parse", "HEAD"), "modified": [line[3:] for line in status.splitlines()]}


def odoo_args(db, path):
    return ["-d", db, "--db_host", PG["host"], "--db_port", PG["port"], "--db_user", PG["user"],
            "--addons-path", path, "--without-demo", "all", "--log-level", "warn"]


def open_registry(db, path):
    import odoo  # noqa: PLC0415

    odoo.tools.config.parse_config(odoo_args(db, path))
    return odoo.modules.registry.Registry(db)


def check_db_name(db):
    if not db.startswith(DB_PREFIX):
        sys.exit("refusing to use database %r: the benchmark only uses databases named %s*" % (db, DB_PREFIX))


def pg_cmd(name, *args):
    return [name, "-h", PG["host"], "-p", PG["port"], "-U", PG["user"], *args]


def db_exists(db):
    out = subprocess.run(pg_cmd("psql", "-At", "-d", "postgres", "-c",
                                "SELECT 1 FROM pg_database WHERE datname = '%s'" % db.replace("'", "")),
                         capture_output=True, text=True, check=True).stdout
    return out.strip() == "1"


def module_installed(db):
    out = subprocess.run(pg_cmd("psql", "-At", "-d", db, "-c",
                                "SELECT state FROM ir_module_module WHERE name = 'shipstation_connector'"),
                         capture_output=True, text=True).stdout
    return out.strip() == "installed"


def odoo_init(db, path, flag, what):
    """Run ``odoo -i`` or ``-u shipstation_connector`` once, outside this process."""
    logfile = os.path.join(tempfile.gettempdir(), "%s-%s.log" % (db, what))
    log("%s shipstation_connector in %s (log: %s)" % (what, db, logfile))
    cmd = [sys.executable, "-m", "odoo", *odoo_args(db, path), flag, "shipstation_connector",
           "--stop-after-init", "--http-port", str(free_port()), "--logfile", logfile]
    result = subprocess.run(cmd)
    if result.returncode or not module_installed(db):
        with open(logfile, encoding="utf-8", errors="replace") as handle:
            print("".join(handle.readlines()[-40:]), file=sys.stderr)
        sys.exit("%s of the addon failed (exit code %s)" % (what, result.returncode))


def prepare_database(db, path, keep):
    """Drop and recreate ``db`` and install the addon (or, kept, update it to this code).

    :return: seconds spent
    """
    check_db_name(db)
    started = time.perf_counter()
    if keep and db_exists(db) and module_installed(db):
        log("reusing database %s (--keep-db)" % db)
        odoo_init(db, path, "-u", "updating")
        return time.perf_counter() - started
    if db_exists(db) and not keep:
        log("dropping database %s" % db)
        subprocess.run(pg_cmd("dropdb", "--if-exists", db), check=True)
    if not db_exists(db):
        subprocess.run(pg_cmd("createdb", "-E", "UTF8", "-T", "template0", db), check=True)
    odoo_init(db, path, "-i", "installing")
    return time.perf_counter() - started


def free_port():
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ----------------------------------------------------------------------------------
# The scenario (pure Python, deterministic for a size and a seed)
# ----------------------------------------------------------------------------------


def sku(index):
    return "BENCH-%02d" % index


def _split_units(lines, parts, rng):
    """Spread the units of ``lines`` over ``parts`` parcels: [[(sku, qty)], ...]."""
    units = [s for s, qty in lines for _ in range(qty)]
    parts = max(1, min(parts, len(units)))
    buckets = [{} for _ in range(parts)]
    for i, unit in enumerate(units):
        bucket = buckets[i % parts]
        bucket[unit] = bucket.get(unit, 0) + 1
    rng.shuffle(buckets)
    return [sorted(b.items()) for b in buckets]


def make_scenario(n, seed, now):
    """One spec per delivery: lines, category, and the ShipStation history to build.

    Timestamps: orders created between 9 days and 2 hours ago, labels and
    cancellations between their order and 30 minutes ago, so the first sync is the
    first to see them and a re-sync (which looks back 15 minutes) sees none of them.
    """
    rng = random.Random("%s-%s" % (seed, n))
    order = list(range(n))
    rng.shuffle(order)
    n_shipped, n_cancelled = round(0.30 * n), round(0.05 * n)
    shipped = order[:n_shipped]
    shipped_set = set(shipped)
    cancelled = set(order[n_shipped:n_shipped + n_cancelled])
    multi = set(shipped[: n_shipped // 3])
    voided = set(shipped[::10])
    partial = set(shipped[5::10])
    specs = []
    for i in range(n):
        products = rng.sample(range(PRODUCT_COUNT), rng.choice((1, 1, 2, 2, 3)))
        lines = [(sku(p), rng.randint(1, 3)) for p in products]
        if (i in multi or i in partial) and sum(q for _, q in lines) < 2:
            lines = [(lines[0][0], 2)]
        create = now - timedelta(seconds=rng.uniform(2 * 3600, 9 * 86400))
        span = (now - timedelta(minutes=30)) - create
        spec = {"lines": lines, "create": create, "category": "awaiting", "ops": [], "multi": False,
                "partial": False, "voided": False}
        if i in cancelled:
            spec["category"] = "cancelled"
            spec["ops"] = [("cancel", create + span * rng.uniform(0.3, 0.9), None)]
        elif i in shipped_set:
            spec["category"] = "shipped"
            ship_lines = lines
            if i in partial:
                spec["partial"] = True
                ship_lines = lines[:-1] if len(lines) > 1 else [(lines[0][0], lines[0][1] - 1)]
            parcels = [ship_lines]
            if i in multi:
                parcels = _split_units(ship_lines, rng.choice((2, 3)), rng)
                spec["multi"] = len(parcels) > 1
            ops = []
            if i in voided:
                # A label printed by mistake, voided, then the right one(s).
                spec["voided"] = True
                ops += [("ship", create + span * 0.3, [lines]), ("void", create + span * 0.4, None)]
            ops.append(("ship", create + span * rng.uniform(0.5, 0.9), parcels))
            spec["ops"] = ops
        specs.append(spec)
    return specs


def make_changes(specs, seed):
    """The 5% that change between the second and the third sync (at real time).

    3.5% of the deliveries: awaiting orders shipped (a third in several parcels, one
    in ten partly); 1%: awaiting orders cancelled; 0.5%: labels voided, half on orders
    shipped just now (a mistaken label voided, then the right parcels),
    half on orders shipped before the first sync (their deliveries are done).
    :return: (changes [(index, ops)], expected {validated, cancelled, backorders})
    """
    n = len(specs)
    rng = random.Random("%s-%s-changes" % (seed, n))
    awaiting = [i for i, s in enumerate(specs) if s["category"] == "awaiting"]
    rng.shuffle(awaiting)
    n_ship, n_cancel, n_void = (max(1, round(p * n)) for p in (0.035, 0.01, 0.005))
    to_ship, to_cancel = awaiting[:n_ship], awaiting[n_ship:n_ship + n_cancel]
    splittable = [i for i in to_ship if sum(q for _, q in specs[i]["lines"]) >= 2]
    multi = set(splittable[: len(to_ship) // 3])
    partial = {i for i in to_ship[1::10] if sum(q for _, q in specs[i]["lines"]) >= 2 and i not in multi}
    void_new = sorted(multi)[: n_void - n_void // 2]
    old_multi = [i for i, s in enumerate(specs) if s["multi"] and not s["partial"]]
    void_old = rng.sample(old_multi, min(len(old_multi), n_void // 2))
    changes = []
    for i in to_ship:
        lines = specs[i]["lines"]
        if i in partial:
            lines = lines[:-1] if len(lines) > 1 else [(lines[0][0], lines[0][1] - 1)]
        parcels = _split_units(lines, 2, rng) if i in multi else [lines]
        ops = [("ship", None, parcels)]
        if i in void_new:
            # A label printed by mistake and voided, then the right ones, before any sync.
            ops = [("ship", None, [specs[i]["lines"]]), ("void", None, None), *ops]
        changes.append((i, ops))
    changes += [(i, [("cancel", None, None)]) for i in to_cancel]
    changes += [(i, [("void", None, None)]) for i in void_old]
    expected = {"validated": len(to_ship), "cancelled": len(to_cancel), "backorders": len(partial),
                "orders_changed": len({i for i, _ in changes}), "labels_voided": len(void_new) + len(void_old)}
    return changes, expected


# ----------------------------------------------------------------------------------
# Setup in Odoo (main process)
# ----------------------------------------------------------------------------------


def odoo_env(cr):
    import odoo  # noqa: PLC0415

    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


SETUP_CONTEXT = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True,
                 "mail_notrack": True}


def ensure_base_data(registry, needed_units):
    """Products BENCH-00..19 with plenty of stock, and a customer; :return: ids."""
    with registry.cursor() as cr:
        env = odoo_env(cr)(context=SETUP_CONTEXT)
        warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
        stock = warehouse.lot_stock_id
        Product = env["product.product"]
        products = {}
        for index in range(PRODUCT_COUNT):
            code = sku(index)
            product = Product.search([("default_code", "=", code)], limit=1)
            if not product:
                product = Product.create({"name": "Bench product %02d" % index, "default_code": code,
                                          "type": "product", "list_price": 10.0, "weight": 0.5})
            free = product.with_context(location=stock.id).free_qty
            if free < needed_units:
                env["stock.quant"]._update_available_quantity(product, stock, STOCK_PER_PRODUCT)
            products[code] = (product.id, product.uom_id.id)
        partner = env["res.partner"].search([("name", "=", "Bench Customer")], limit=1) or env["res.partner"].create(
            {"name": "Bench Customer", "street": "1 Bench Street", "city": "Austin", "zip": "73301",
             "country_id": env.ref("base.us").id, "email": "bench@example.com"})
        customers = env.ref("stock.stock_location_customers")
        cr.commit()
        return {"products": products, "partner": partner.id, "type": warehouse.out_type_id.id,
                "src": stock.id, "dest": customers.id, "company": env.company.id}


def create_account(registry, name, url):
    with registry.cursor() as cr:
        env = odoo_env(cr)
        account = env["shipstation.account"].create(
            {"name": name, "api_key": API_KEY, "api_secret": API_SECRET, "api_url": url})
        cr.commit()
        return account.id


def create_deliveries(registry, specs, base, n):
    """Create, confirm and reserve the deliveries in batches. :return: [(id, name)]"""
    from odoo import Command  # noqa: PLC0415

    result, started = [], time.perf_counter()
    for start in range(0, len(specs), BATCH):
        chunk = specs[start:start + BATCH]
        with registry.cursor() as cr:
            env = odoo_env(cr)(context=SETUP_CONTEXT)
            vals_list = []
            for spec in chunk:
                moves = []
                for code, qty in spec["lines"]:
                    product_id, uom_id = base["products"][code]
                    moves.append(Command.create({
                        "name": code, "product_id": product_id, "product_uom_qty": qty, "product_uom": uom_id,
                        "location_id": base["src"], "location_dest_id": base["dest"], "company_id": base["company"],
                    }))
                vals_list.append({"picking_type_id": base["type"], "partner_id": base["partner"],
                                  "location_id": base["src"], "location_dest_id": base["dest"],
                                  "company_id": base["company"], "origin": "bench", "move_ids": moves})
            pickings = env["stock.picking"].create(vals_list)
            pickings.action_confirm()
            pickings.action_assign()
            not_ready = pickings.filtered(lambda p: p.state != "assigned")
            if not_ready:
                raise RuntimeError("%d deliveries not reserved (e.g. %s is %s): not enough stock?"
                                   % (len(not_ready), not_ready[0].name, not_ready[0].state))
            result += [(p.id, p.name) for p in pickings]
            cr.commit()
        done = len(result)
        if done % 1000 < BATCH or done == len(specs):
            rate = done / (time.perf_counter() - started)
            log("  N=%d: %d/%d deliveries created and reserved (%.0f/s)" % (n, done, len(specs), rate))
    return result


def export_deliveries(registry, account_id, pickings, order_ids):
    """Flag the deliveries exported, link their orders, and date them 10 days back."""
    with registry.cursor() as cr:
        cr.execute(
            """UPDATE stock_picking p
                  SET is_exported_to_shipstation = TRUE, shipstation_account_id = %s,
                      shipstation_order_id = v.oid,
                      create_date = (now() AT TIME ZONE 'UTC') - INTERVAL '10 days'
                 FROM unnest(%s::int[], %s::varchar[]) AS v(pid, oid)
                WHERE p.id = v.pid""",
            [account_id, [pid for pid, _ in pickings], [str(oid) for oid in order_ids]],
        )
        if cr.rowcount != len(pickings):
            raise RuntimeError("exported %d deliveries instead of %d" % (cr.rowcount, len(pickings)))
        cr.commit()


def account_state(registry, account_id):
    """Deliveries of the account by state, and the in-transit ones' order ids."""
    with registry.cursor() as cr:
        env = odoo_env(cr)
        account = env["shipstation.account"].browse(account_id)
        cr.execute("SELECT state, count(*) FROM stock_picking WHERE shipstation_account_id = %s GROUP BY state",
                   [account_id])
        states = dict(cr.fetchall())
        cr.execute("SELECT shipstation_sync_state, count(*) FROM stock_picking WHERE shipstation_account_id = %s "
                   "AND state NOT IN ('draft', 'done', 'cancel') GROUP BY 1", [account_id])
        sync_states = {str(k): v for k, v in cr.fetchall()}
        in_transit = env["stock.picking"].search([("shipstation_account_id", "=", account_id),
                                                  *account._in_transit_domain()], order="id")
        order_ids = [int(x) for x in in_transit.mapped("shipstation_order_id") if x and x.isdigit()]
        cr.execute("SELECT count(*) FROM stock_picking WHERE shipstation_account_id = %s AND backorder_id IS NOT NULL",
                   [account_id])
        backorders = cr.fetchone()[0]
        return {"states": states, "sync_states": sync_states, "in_transit": len(in_transit),
                "backorders": backorders}, order_ids


# ----------------------------------------------------------------------------------
# The measured sync: one fresh Odoo process per phase
# ----------------------------------------------------------------------------------


class MemorySampler(threading.Thread):
    """Peak RSS and VMS of this process, sampled every 50 ms (Odoo's memory limits
    compare the VMS with limit_memory_soft on Linux)."""

    def __init__(self):
        super().__init__(daemon=True, name="bench-memory-sampler")
        import psutil  # noqa: PLC0415

        self._process = psutil.Process()
        self.rss = self.vms = 0
        self._stop_event = threading.Event()

    def sample(self):
        info = self._process.memory_info()
        self.rss, self.vms = max(self.rss, info.rss), max(self.vms, info.vms)
        return info

    def reset(self):
        info = self._process.memory_info()
        self.rss, self.vms = info.rss, info.vms
        return info

    def run(self):
        while not self._stop_event.wait(0.05):
            self.sample()

    def stop(self):
        self._stop_event.set()
        self.join()
        self.sample()


class ProbeStop(Exception):
    """Raised where the memory probe stops: just before the decisions are applied."""


class PhaseTimers:
    """Seconds and SQL queries spent in the sync's steps, by wrapping its methods in
    this process only (measurement, not behaviour).

    With ``probe`` set, the sync stops where it would start applying (the memory
    probe), and the API calls its fetch made are kept in ``probe_calls``.
    """

    def __init__(self):
        self.stats = {}
        self.probe = False
        self.probe_peak = None
        self.probe_calls = {}

    def timed(self, name, func, *args, **kwargs):
        """Call ``func`` and add its seconds and SQL queries to ``name``."""
        import odoo.sql_db as sql_db  # noqa: PLC0415

        thread = threading.current_thread()
        q0, s0, t0 = sql_db.sql_counter, getattr(thread, "query_time", 0.0), time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            stat = self.stats.setdefault(name, {"calls": 0, "seconds": 0.0, "queries": 0, "sql_seconds": 0.0})
            stat["calls"] += 1
            stat["seconds"] += time.perf_counter() - t0
            stat["queries"] += sql_db.sql_counter - q0
            stat["sql_seconds"] += getattr(thread, "query_time", 0.0) - s0

    def wrap(self, name, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return self.timed(name, func, *args, **kwargs)

        return wrapper

    def _fetch_wrapper(self, func):
        @functools.wraps(func)
        def wrapper(client, *args, **kwargs):
            try:
                return func(client, *args, **kwargs)
            finally:
                if self.probe:
                    self.probe_calls = dict(client.calls_by_endpoint)

        return self.wrap("fetch", wrapper)

    def _apply_wrapper(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if self.probe:
                self.probe_peak = tracemalloc.get_traced_memory()[1]
                raise ProbeStop()
            return func(*args, **kwargs)

        return self.wrap("apply", wrapper)

    def install(self, env):
        from odoo.addons.shipstation_connector.lib.shipstation import fetch, planner  # noqa: PLC0415

        sync_cls = type(env["shipstation.sync"])
        for method, name in (("_sync_account", "total"), ("_targets", "gather.targets"),
                             ("_snapshots", "gather.snapshots"), ("_add_consumption", "gather.consumption"),
                             ("_validate", "odoo.validate"),
                             ("_write_parcels", "odoo.write_parcels")):
            if hasattr(sync_cls, method):
                setattr(sync_cls, method, self.wrap(name, getattr(sync_cls, method)))
        # Grouped writes of sync-field-only decisions, and chunks of validations/cancellations.
        for method, name in (("_apply_quick", "apply.quick"), ("_apply_chunk", "apply.chunk"),
                             ("_cancel", "odoo.cancel"), ("_prepare_validation", "odoo.prepare_validation"),
                             ("_write_decision", "apply.write_decision")):
            if hasattr(sync_cls, method):
                setattr(sync_cls, method, self.wrap(name, getattr(sync_cls, method)))
        sync_cls._apply_all = self._apply_wrapper(sync_cls._apply_all)
        picking_cls = type(env["stock.picking"])
        picking_cls.action_cancel = self.wrap("odoo.action_cancel", picking_cls.action_cancel)
        for method, name in (("_shipstation_chained_pickings", "odoo.chained_pickings"),
                             ("_message_log_batch", "odoo.message_log_batch")):
            if hasattr(picking_cls, method):
                setattr(picking_cls, method, self.wrap(name, getattr(picking_cls, method)))
        fetch.fetch_changes = self._fetch_wrapper(fetch.fetch_changes)
        fetch.fetch_orders = self._fetch_wrapper(fetch.fetch_orders)
        planner.plan = self.wrap("plan", planner.plan)


def _sync(registry, args):
    with registry.cursor() as cr:
        env = odoo_env(cr)
        account = env["shipstation.account"].browse(args.account_id)
        options = {"scheduled": True} if args.scheduled else {}
        reports = env["shipstation.sync"]._sync_accounts(account, **options)
        cr.commit()
    return reports


def memory_probe(registry, args, timers):
    """The sync up to its plan, traced by tracemalloc, then rolled back.

    Tracing the whole sync would slow it about fourfold; the measured sync that
    follows runs untraced, and its RSS/VMS peaks cover the apply step.
    """
    gc.collect()
    timers.probe = True
    tracemalloc.start()
    try:
        with registry.cursor() as cr:
            env = odoo_env(cr)
            account = env["shipstation.account"].browse(args.account_id)
            try:
                env["shipstation.sync"]._sync_accounts(account)
            except ProbeStop:
                pass
            cr.rollback()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        timers.probe = False
    timers.stats.clear()
    gc.collect()
    return {"peak_mib": round((timers.probe_peak or peak) / MIB, 1), "api_calls": timers.probe_calls}


def phase_child(args):
    """Run one account's sync in this fresh process and write its figures as JSON."""
    import odoo.sql_db as sql_db  # noqa: PLC0415

    check_db_name(args.db)
    sampler = MemorySampler()
    sampler.start()
    registry = open_registry(args.db, args.addons_path)
    timers = PhaseTimers()
    with registry.cursor() as cr:
        env = odoo_env(cr)
        timers.install(env)
        # Warm up like a worker that has served before: access rules, the account.
        account = env["shipstation.account"].browse(args.account_id)
        account.read(["name", "api_url", "sync_since"])
        env["stock.picking"].search_count([("shipstation_account_id", "=", account.id)])
    if getattr(args, "mode", "measure") == "probe":
        started = time.perf_counter()
        probe = memory_probe(registry, args, timers)
        probe["seconds"] = round(time.perf_counter() - started, 1)
        with open(args.child_out, "w", encoding="utf-8") as handle:
            json.dump(probe, handle)
        return
    gc.collect()
    before = sampler.reset()
    thread = threading.current_thread()
    thread.query_count, thread.query_time = 0, 0.0
    if args.tracemalloc == "all":
        tracemalloc.start()
    profiler = None
    if args.profile_out:
        import cProfile  # noqa: PLC0415

        profiler = cProfile.Profile()
        profiler.enable()
    q0, wall0, cpu0 = sql_db.sql_counter, time.perf_counter(), time.process_time()
    reports = _sync(registry, args)
    wall, cpu, queries = time.perf_counter() - wall0, time.process_time() - cpu0, sql_db.sql_counter - q0
    if profiler:
        profiler.disable()
        import io  # noqa: PLC0415
        import pstats  # noqa: PLC0415

        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        with open(args.profile_out, "w", encoding="utf-8") as handle:
            handle.write(text.getvalue())
        profiler.dump_stats(os.path.splitext(args.profile_out)[0] + ".prof")
    traced_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc == "all" else None
    tracemalloc.stop()
    sampler.stop()
    report = reports[0]
    counters = ("checked", "updated", "validated", "backorders", "cancelled", "waiting", "failed", "left",
                "api_calls", "seconds", "error")
    result = {
        "report": {k: getattr(report, k, None) for k in counters},
        "failures": report.failures[:20],
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "sql_queries": queries,
        "sql_seconds": round(thread.query_time, 3),
        "tracemalloc": args.tracemalloc,
        "tracemalloc_peak_mib": round(traced_peak / MIB, 1) if traced_peak is not None else None,
        "ru_maxrss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_mib": round(before.rss / MIB, 1),
        "rss_peak_mib": round(sampler.rss / MIB, 1),
        "vms_peak_mib": round(sampler.vms / MIB, 1),
        "steps": {name: {k: round(v, 3) if isinstance(v, float) else v for k, v in stat.items()}
                  for name, stat in sorted(timers.stats.items())},
    }
    with open(args.child_out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


def _run_child(args, settings, workdir, label):
    """Run this script as a child on ``settings``; :return: the JSON it wrote.

    The settings go through a file, so the child's command line names neither Odoo
    nor the database (a ``pkill -f odoo`` elsewhere must not stop it). A child killed
    by a signal is run once more: the sync runs in one transaction (unless
    ``--scheduled``), so a killed one left nothing behind.
    """
    config = os.path.join(workdir, "child-%s.json" % label)
    settings = dict(settings, child_out=os.path.join(workdir, "out-%s.json" % label))
    with open(config, "w", encoding="utf-8") as handle:
        json.dump(settings, handle)
    for attempt in (1, 2):
        started = time.perf_counter()
        result = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", config])
        if result.returncode == 0 and os.path.exists(settings["child_out"]):
            break
        if result.returncode < 0 and attempt == 1 and not args.scheduled:
            log("  CHECK: the %s process was killed by signal %d after %.0f s; running it again"
                % (label, -result.returncode, time.perf_counter() - started))
            continue
        raise RuntimeError("the %s process failed (exit code %s)" % (label, result.returncode))
    with open(settings["child_out"], encoding="utf-8") as handle:
        figures = json.load(handle)
    figures["attempts"] = attempt
    return figures


def run_phase(args, path, account_id, workdir, name, n, reset_log):
    """The memory probe (if asked) and the measured sync, each in a fresh process.

    :param reset_log: called between the two, so the sandbox log holds the sync's calls only
    :return: the sync's figures
    """
    settings = {"db": args.db, "addons_path": path, "account_id": account_id, "tracemalloc": args.tracemalloc,
                "scheduled": args.scheduled, "profile_out": None, "mode": "measure"}
    probe = None
    if args.tracemalloc == "probe":
        probe = _run_child(args, dict(settings, mode="probe"), workdir, "probe-%s-%d" % (name, account_id))
        reset_log()
    if args.profile:
        settings["profile_out"] = "%s.profile-%d-%s.txt" % (os.path.splitext(os.path.abspath(args.out))[0], n, name)
    load = os.getloadavg()
    figures = _run_child(args, settings, workdir, "%s-%d" % (name, account_id))
    # Other work on this machine skews the timings: keep the load around the sync.
    figures["loadavg_1min_before_after"] = [round(load[0], 2), round(os.getloadavg()[0], 2)]
    if probe:
        figures["tracemalloc_peak_mib"] = probe["peak_mib"]
        figures["probe"] = probe
    return figures


# ----------------------------------------------------------------------------------
# One size
# ----------------------------------------------------------------------------------


def naive_run(url, order_ids, lib):
    if lib not in sys.path:
        sys.path.insert(0, lib)
    from naive import naive_sync  # noqa: PLC0415

    from shipstation.client import ShipStationClient  # noqa: PLC0415

    with ShipStationClient(API_KEY, API_SECRET, url) as client:
        return naive_sync(client, order_ids)


def bench_size(n, args, registry, path, workdir, run_id):
    from sandbox_proc import SandboxProcess  # noqa: PLC0415

    log("=== N = %d ===" % n)
    out = {"n": n, "setup": {}, "phases": {}}
    started = time.perf_counter()
    now = datetime.now(timezone.utc)
    specs = make_scenario(n, args.seed, now)
    lib = os.path.join(path.split(",")[-1], "shipstation_connector", "lib")
    sandbox = SandboxProcess(API_KEY, API_SECRET, lib=lib)
    try:
        base = ensure_base_data(registry, needed_units=10 * n)
        account_id = create_account(registry, "Bench N=%d %s" % (n, run_id), sandbox.url)
        t0 = time.perf_counter()
        pickings = create_deliveries(registry, specs, base, n)
        out["setup"]["odoo_seconds"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        order_ids = []
        for start in range(0, n, 2000):
            chunk = [{"number": name, "items": spec["lines"], "create": spec["create"], "ops": spec["ops"]}
                     for (_, name), spec in zip(pickings[start:start + 2000], specs[start:start + 2000])]
            order_ids += sandbox.build(chunk)
        export_deliveries(registry, account_id, pickings, order_ids)
        out["setup"]["sandbox_seconds"] = round(time.perf_counter() - t0, 1)
        mix = {
            "deliveries": n,
            "shipped": sum(s["category"] == "shipped" for s in specs),
            "shipped_multi_parcel": sum(s["multi"] for s in specs),
            "shipped_with_voided_label": sum(s["voided"] for s in specs),
            "shipped_partly": sum(s["partial"] for s in specs),
            "cancelled": sum(s["category"] == "cancelled" for s in specs),
            "awaiting": sum(s["category"] == "awaiting" for s in specs),
            "sandbox": sandbox.counts(),
        }
        out["setup"]["mix"] = mix
        out["setup"]["seconds"] = round(time.perf_counter() - started, 1)
        log("  setup done in %.0f s: %s" % (out["setup"]["seconds"], json.dumps(mix)))
        expected = {
            "first": {"validated": mix["shipped"], "cancelled": mix["cancelled"], "backorders": mix["shipped_partly"],
                      "waiting": 0, "failed": 0},
            "nothing_new": {"validated": 0, "cancelled": 0, "backorders": 0, "waiting": 0, "failed": 0, "updated": 0},
        }
        for phase in PHASES:
            if phase == "changed_5pct":
                changes, exp = make_changes(specs, args.seed)
                sandbox.apply([(order_ids[i], ops) for i, ops in changes])
                expected[phase] = {"validated": exp["validated"], "cancelled": exp["cancelled"],
                                   "backorders": exp["backorders"], "failed": 0}
                out["setup"]["changes"] = exp
                log("  changed in ShipStation: %s" % json.dumps(exp))
            state_before, targets = account_state(registry, account_id)
            sandbox.reset_log()
            log("  %s: syncing %d in-transit deliveries..." % (PHASE_TITLES[phase], len(targets)))
            figures = run_phase(args, path, account_id, workdir, phase, n, sandbox.reset_log)
            sandbox_log = sandbox.log()
            state_after, _ = account_state(registry, account_id)
            sandbox.reset_log()
            naive = naive_run(sandbox.url, targets, lib)
            naive_log = sandbox.log()
            by_endpoint = sandbox_log["by_endpoint"]
            figures.update({
                "targets": len(targets),
                "api_calls_sandbox": sum(by_endpoint.values()),
                "api_calls_by_endpoint": by_endpoint,
                "api_status": sandbox_log["by_status"],
                "naive": dict(naive, api_calls_sandbox=naive_log["total"]),
                "state_before": state_before,
                "state_after": state_after,
                "expected": expected[phase],
                "checks": check_expected(figures["report"], expected[phase]),
            })
            out["phases"][phase] = figures
            r = figures["report"]
            log("  %s: %d API calls (naive %d), %d SQL queries, %.1f s; validated %d, cancelled %d, waiting %d, "
                "failed %d%s" % (PHASE_TITLES[phase], r["api_calls"], naive["api_calls"], figures["sql_queries"],
                                 figures["wall_seconds"], r["validated"], r["cancelled"], r["waiting"], r["failed"],
                                 "" if not figures["checks"] else "  CHECK: " + "; ".join(figures["checks"])))
            if r["error"]:
                raise RuntimeError("the %s sync failed: %s" % (phase, r["error"]))
            if figures["api_calls_sandbox"] != r["api_calls"]:
                log("  CHECK: the sandbox logged %d calls, the client counted %d"
                    % (figures["api_calls_sandbox"], r["api_calls"]))
    finally:
        sandbox.stop()
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def check_expected(report, expected):
    return ["%s %s, expected %s" % (key, report[key], value)
            for key, value in expected.items() if report.get(key) != value]


# ----------------------------------------------------------------------------------
# Goals, table, JSON
# ----------------------------------------------------------------------------------


STEP_ORDER = ("gather.targets", "gather.snapshots", "fetch", "gather.consumption", "plan", "apply")
GATHER_STEPS = ("gather.targets", "gather.snapshots", "gather.consumption", "plan")


def gather_queries(phase):
    """SQL queries of the gathering steps and the planner (which should run none)."""
    steps = phase["steps"]
    return sum(steps.get(k, {}).get("queries", 0) for k in GATHER_STEPS)


def evaluate_goals(sizes):
    """PASS / MISS / NOT RUN for each goal of the issue."""
    goals = []
    ns = sorted(int(n) for n in sizes)

    def add(text, n, value, ok):
        status = "NOT RUN" if value is None else ("PASS" if ok(value) else "MISS")
        goals.append({"goal": text, "n": n, "value": value, "status": status})

    def figure(n, phase, *keys):
        value = sizes.get(n, {}).get("phases", {}).get(phase)
        for key in keys:
            value = value[key] if value is not None else None
        return value

    add("API calls, first sync of 10,000 deliveries <= %d" % GOAL_FIRST_CALLS_10K, 10000,
        figure(10000, "first", "report", "api_calls"), lambda v: v <= GOAL_FIRST_CALLS_10K)
    for n in ns:
        add("API calls, re-sync with nothing new <= %d" % GOAL_NOTHING_NEW_CALLS, n,
            figure(n, "nothing_new", "report", "api_calls"), lambda v: v <= GOAL_NOTHING_NEW_CALLS)
    for n in ns:
        add("API calls, re-sync after 5%% changed <= %d" % GOAL_CHANGED_CALLS, n,
            figure(n, "changed_5pct", "report", "api_calls"), lambda v: v <= GOAL_CHANGED_CALLS)
    for phase in PHASES:
        per_n = {n: gather_queries(sizes[n]["phases"][phase]) for n in ns}
        add("SQL queries of gathering + planning do not grow with N (%s)" % PHASE_TITLES[phase], None,
            per_n if len(ns) > 1 else None, lambda v: len(set(v.values())) == 1)
    add("first sync of 10,000 deliveries < %d s" % GOAL_FIRST_SECONDS_10K, 10000,
        figure(10000, "first", "wall_seconds"), lambda v: v < GOAL_FIRST_SECONDS_10K)
    for n in ns:
        add("re-sync with nothing new < %d s" % GOAL_NOTHING_NEW_SECONDS, n,
            figure(n, "nothing_new", "wall_seconds"), lambda v: v < GOAL_NOTHING_NEW_SECONDS)
    for n in ns:
        peak = max(max(p["vms_peak_mib"], p["ru_maxrss_mib"]) for p in sizes[n]["phases"].values())
        add("sync process memory, peak VMS and RSS (MiB) < limit_memory_soft %d MiB" % GOAL_MEMORY_MIB, n,
            peak, lambda v: v < GOAL_MEMORY_MIB)
    return goals


def fmt(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, float):
        return ("%%.%df" % digits) % value
    return str(value)


def _sizes(result):
    return sorted(result["sizes"].items(), key=lambda kv: int(kv[0]))


def _main_table(result):
    head = ("N", "phase", "targets", "API", "naive API", "ratio", "@40/min", "naive @40/min", "SQL", "SQL s",
            "wall s", "CPU s", "tracemalloc MiB", "maxrss MiB", "VMS MiB", "valid.", "canc.", "wait.", "fail.",
            "backord.")
    rows = []
    for n, size in _sizes(result):
        for phase in PHASES:
            p = size["phases"][phase]
            r = p["report"]
            calls, naive = r["api_calls"], p["naive"]["api_calls"]
            rows.append((str(n), PHASE_TITLES[phase], str(p["targets"]), str(calls), str(naive),
                         "%.0fx" % (naive / calls) if calls else "-", fmt(calls / RATE_PER_MINUTE),
                         fmt(naive / RATE_PER_MINUTE), str(p["sql_queries"]), fmt(p["sql_seconds"]),
                         fmt(p["wall_seconds"]), fmt(p["cpu_seconds"]), fmt(p["tracemalloc_peak_mib"]),
                         fmt(p["ru_maxrss_mib"], 0), fmt(p["vms_peak_mib"], 0), str(r["validated"]),
                         str(r["cancelled"]), str(r["waiting"]), str(r["failed"]), str(r["backorders"])))
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    line = "  ".join("%%%ds" % w for w in widths)
    return [line % head] + [line % row for row in rows]


def _steps_lines(result):
    lines = ["Where the time and the queries go (seconds / SQL queries, inclusive):"]
    for n, size in _sizes(result):
        for phase in PHASES:
            steps = size["phases"][phase]["steps"]
            lines.append("  N=%s %s: " % (n, PHASE_TITLES[phase]) + "; ".join(
                "%s %s s/%s q" % (s, fmt(steps[s]["seconds"], 2), steps[s]["queries"])
                for s in STEP_ORDER if s in steps))
            per = ["%s %d x %.1f ms/%.1f q" % (name, st["calls"], 1000 * st["seconds"] / st["calls"],
                                                 st["queries"] / st["calls"])
                   for name, st in sorted(steps.items()) if name.startswith(("apply.", "odoo.")) and st["calls"]]
            if per:
                lines.append("      per call: " + "; ".join(per))
    return lines


def _endpoint_lines(result):
    lines = ["API calls per endpoint (sandbox request log; naive strategy in brackets):"]
    for n, size in _sizes(result):
        for phase in PHASES:
            p = size["phases"][phase]
            eps = ", ".join("%s %d" % kv for kv in sorted(p["api_calls_by_endpoint"].items()))
            naive_eps = ", ".join("%s %d" % kv for kv in sorted(p["naive"]["calls_by_endpoint"].items()))
            lines.append("  N=%s %-21s %s  [%s]" % (n, PHASE_TITLES[phase] + ":", eps or "none", naive_eps))
    return lines


def table_text(result):
    """The whole printed report, as text (also kept in the JSON)."""
    meta = result["meta"]
    tracing = {"probe": "peak of a traced, rolled-back run up to the plan (the measured run is untraced)",
               "all": "peak of the measured run, traced (slower)", "off": "off"}[meta["tracemalloc"]]
    lines = [
        "ShipStation sync benchmark, %s; %s cores; Python %s, Odoo %s, PostgreSQL %s; code %s%s" % (
            meta["date"], meta["cpu_count"], meta["python"], meta["odoo"], meta["postgresql"],
            (meta["code"]["commit"] or "?")[:10], " + local changes" if meta["code"]["modified"] else ""),
        "Sandbox rate_limit=None (calls are counted, not waited for); '@40/min' = minutes the calls would take "
        "at ShipStation's 40 calls a minute.",
        "Each sync runs in its own fresh Odoo process; maxrss/VMS are that process's peaks (registry included); "
        "tracemalloc: %s." % tracing,
        "",
        *_main_table(result),
        "",
        *_steps_lines(result),
        "",
        *_endpoint_lines(result),
    ]
    checks = [(n, phase, c) for n, size in _sizes(result) for phase in PHASES
              for c in size["phases"][phase]["checks"]]
    if checks:
        lines += ["", "Outcomes that differ from the scenario's expectation:"]
        lines += ["  N=%s %s: %s" % (n, PHASE_TITLES[phase], c) for n, phase, c in checks]
    lines += ["", "Goals:"]
    for goal in result["goals"]:
        where = " (N=%s)" % goal["n"] if goal["n"] else ""
        lines.append("  %-7s %s%s: %s" % (goal["status"], goal["goal"], where, goal["value"]))
    return "\n".join(lines)


def versions(registry):
    import odoo  # noqa: PLC0415

    with registry.cursor() as cr:
        cr.execute("SHOW server_version")
        pg = cr.fetchone()[0]
    return {"python": platform.python_version(), "odoo": odoo.release.version, "postgresql": pg}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated numbers of deliveries")
    parser.add_argument("--db", default=DB_PREFIX, help="database name (must start with %s)" % DB_PREFIX)
    parser.add_argument("--keep-db", action="store_true", help="reuse the database instead of recreating it")
    parser.add_argument("--out", default=os.path.join(BENCH, "results", "latest.json"), help="JSON result file")
    parser.add_argument("--seed", default="shipstation", help="seed of the scenario")
    parser.add_argument("--tracemalloc", choices=("probe", "all", "off"), default="probe",
                        help="probe (default): trace a rolled-back run of the sync up to its plan, then measure "
                        "the real sync untraced; all: trace the measured sync itself (about 4x slower); off")
    parser.add_argument("--no-tracemalloc", dest="tracemalloc", action="store_const", const="off",
                        help="same as --tracemalloc off")
    parser.add_argument("--scheduled", action="store_true",
                        help="sync as the scheduled action does (commits every few deliveries)")
    parser.add_argument("--profile", action="store_true",
                        help="profile each measured sync with cProfile (slower; text next to --out)")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # settings file of a measured sync (run_phase)
    args = parser.parse_args()
    check_db_name(args.db)
    if args.child:
        with open(args.child, encoding="utf-8") as handle:
            phase_child(argparse.Namespace(**json.load(handle)))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or min(sizes) < 20:
        sys.exit("--sizes needs numbers of at least 20")
    sys.path.insert(0, BENCH)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    started = time.perf_counter()
    workdir = tempfile.mkdtemp(prefix="ss-bench-")
    try:
        path = addons_path(workdir)
        install_seconds = prepare_database(args.db, path, args.keep_db)
        registry = open_registry(args.db, path)
        run_id = datetime.now().strftime("%Y%m%d-%H%M%S")
        result = {
            "meta": {
                "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "cpu_count": os.cpu_count(),
                **versions(registry),
                "platform": platform.platform(),
                "database": args.db,
                "install_seconds": round(install_seconds, 1),
                "sandbox_rate_limit": None,
                "tracemalloc": args.tracemalloc,
                "scheduled": args.scheduled,
                "profiled": args.profile,
                "code": code_version(),
                "seed": args.seed,
                "sizes": sizes,
                "notes": "Each sync runs in a fresh Odoo process (registry loaded, then measured) on a copy of "
                         "the working tree; the sandbox runs in another process without rate limit. maxrss is "
                         "that process's peak, registry load included. tracemalloc 'probe': peak of a traced, "
                         "rolled-back run up to the plan; the measured sync runs untraced.",
            },
            "sizes": {},
        }
        for n in sizes:
            result["sizes"][n] = bench_size(n, args, registry, path, workdir, run_id)
            # Written after each size, so a run stopped later keeps what it measured.
            result["complete"] = n == sizes[-1]
            result["goals"] = evaluate_goals(result["sizes"])
            result["meta"]["total_seconds"] = round(time.perf_counter() - started, 1)
            result["table"] = table_text(result)
            os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
            with open(args.out, "w", encoding="utf-8") as handle:
                json.dump(result, handle, indent=1, sort_keys=False, default=str)
        print()
        print(result["table"])
        print()
        log("results written to %s (%.0f s in all)" % (args.out, time.perf_counter() - started))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
