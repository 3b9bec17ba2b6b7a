"""Row 1 of the scale benchmark: several v1 accounts synced in series (the scheduled run without
queue_job) against queue_job with job runners in a real prefork Odoo server, each variant on an
identical copy of one database.

The setup is made once: the template database gets the addon, queue_job, the deliveries of
every account (one scenario of :func:`~.scenario.make_scenario` per account) and a sandbox per
account (in its own process, as each ShipStation account is its own store and key); then it
is copied once per variant. The syncs only read ShipStation, so both variants read the same
sandboxes.
"""

import time
from datetime import datetime, timezone

from .common import API_KEY, API_KEY_V2, API_SECRET, log, odoo_env
from .cpuwatch import CpuWatch
from .database import (
    SETUP_CONTEXT,
    STOCK_PER_PRODUCT,
    create_account,
    create_deliveries,
    ensure_base_data,
    export_deliveries,
    open_registry,
)
from .qjserver import OdooServer, jobs, wait_jobs
from .sandbox_proc import SandboxProcess
from .scalechild import run_child
from .scaledb import build_template_db_names, clone, install, outcomes, query
from .scenario import make_scenario

#: System parameter of the sync jobs' time budget (``shipstation.job``), in seconds.
BUDGET_PARAM = "shipstation_connector.job_time_budget"
#: Outcome counts compared with the scenario's expectation, and between the variants.
OUTCOMES = ("validated", "cancelled", "backorders")


def account_specs(accounts, per_account, seed, now, own_products=True):
    """One scenario per account (seeded by the account's rank): ``[[spec, ...], ...]``.

    ``own_products``: each account sells products of its own (``BENCH-A2-07``), as the clients
    of a 3PL do; else every account ships the same 20 products from the same stock.
    """
    scenarios = [make_scenario(per_account, "%s-account%d" % (seed, k), now) for k in range(accounts)]
    if own_products:
        scenarios = [[_own_skus(spec, "A%d" % (k + 1)) for spec in specs] for k, specs in enumerate(scenarios)]
    return scenarios


def _own_skus(spec, tag):
    """``spec`` with its SKUs (lines and shipped parcels) renamed ``BENCH-<tag>-NN``."""

    def rename(code):
        return code.replace("BENCH-", "BENCH-%s-" % tag, 1)

    def rename_op(op):
        kind, at, arg = op
        if kind == "ship":
            arg = [[(rename(code), qty) for code, qty in parcel] for parcel in arg]
        return (kind, at, arg)

    return dict(
        spec, lines=[(rename(code), qty) for code, qty in spec["lines"]], ops=[rename_op(op) for op in spec["ops"]]
    )


def ensure_products(registry, base, specs, units=STOCK_PER_PRODUCT):
    """Products (with stock) for every SKU of ``specs`` that :func:`ensure_base_data` did not make;
    adds them to ``base["products"]``."""
    codes = sorted({code for spec in specs for code, _qty in spec["lines"]} - set(base["products"]))
    if not codes:
        return
    with registry.cursor() as cr:
        env = odoo_env(cr)(context=SETUP_CONTEXT)
        stock = env["stock.location"].browse(base["src"])
        for code in codes:
            product = env["product.product"].create(
                {
                    "name": "Bench product %s" % code,
                    "default_code": code,
                    "type": "product",
                    "list_price": 10.0,
                    "weight": 0.5,
                }
            )
            env["stock.quant"]._update_available_quantity(product, stock, units)
            base["products"][code] = (product.id, product.uom_id.id)
        cr.commit()


def expected_of(specs, items_on_labels=True):
    """What a first sync of ``specs`` must do (as ``sizes.py`` expects it): every shipped order
    validated, every cancelled one cancelled, a backorder per order shipped in part (v1)."""
    return {
        "validated": sum(s["category"] == "shipped" for s in specs),
        "cancelled": sum(s["category"] == "cancelled" for s in specs),
        "backorders": sum(s["partial"] for s in specs) if items_on_labels else 0,
    }


_CONFIGURED = []


def registry_of(db, path):
    """The Odoo registry of ``db`` in this process (Odoo's configuration is parsed once only: a
    second ``parse_config`` in one process fails)."""
    import odoo  # noqa: PLC0415

    if not _CONFIGURED:
        _CONFIGURED.append(path)
        return open_registry(db, path)
    return odoo.modules.registry.Registry(db)


def close_registry(db):
    """Close every connection this process holds to ``db`` (before it is copied)."""
    import odoo  # noqa: PLC0415

    odoo.modules.registry.Registry.delete(db)
    odoo.sql_db.close_db(db)


def build_template(db, path, all_specs, workdir):
    """The template: addon and queue_job installed, every delivery created, confirmed and reserved,
    dated 10 days back, not exported, no account. :return: ``(pickings [(id, name)], seconds)``"""
    started = time.perf_counter()
    install(db, path, ["shipstation_connector", "queue_job"])
    registry = registry_of(db, path)
    base = ensure_base_data(registry, needed_units=10 * len(all_specs))
    ensure_products(registry, base, all_specs)
    pickings = create_deliveries(registry, all_specs, base, len(all_specs))
    query(
        db,
        "UPDATE stock_picking SET create_date = (now() AT TIME ZONE 'UTC') - INTERVAL '10 days' WHERE id = ANY(%s)",
        [[pid for pid, _name in pickings]],
    )
    close_registry(db)
    return pickings, time.perf_counter() - started


def setup_accounts(db, path, per_account_specs, pickings, lib, run_id):
    """A sandbox and a v1 account per scenario on ``db``, their orders built, the deliveries flagged
    exported (the scheduled import on for each account). :return: ``(sandboxes, account ids, seconds)``"""
    started = time.perf_counter()
    registry = registry_of(db, path)
    sandboxes, account_ids, offset = [], [], 0
    for k, specs in enumerate(per_account_specs):
        sandbox = SandboxProcess(API_KEY, API_SECRET, API_KEY_V2, lib=lib)
        sandboxes.append(sandbox)
        account_id = create_account(registry, "Scale %d %s" % (k + 1, run_id), sandbox.url, "v1")
        mine = pickings[offset : offset + len(specs)]
        offset += len(specs)
        order_ids = []
        for start in range(0, len(specs), 2000):
            chunk = [
                {"number": name, "items": spec["lines"], "create": spec["create"], "ops": spec["ops"]}
                for (_pid, name), spec in zip(mine[start : start + 2000], specs[start : start + 2000])
            ]
            order_ids += sandbox.build(chunk)
        export_deliveries(registry, account_id, mine, order_ids)
        account_ids.append(account_id)
    query(db, "UPDATE shipstation_account SET auto_import_shipment_details = TRUE WHERE id = ANY(%s)", [account_ids])
    close_registry(db)
    return sandboxes, account_ids, time.perf_counter() - started


def _sandbox_calls(sandboxes):
    logs = [s.log() for s in sandboxes]
    for sandbox in sandboxes:
        sandbox.reset_log()
    return [
        {"total": log_["total"], "by_status": log_["by_status"], "by_endpoint": log_["by_endpoint"]} for log_ in logs
    ]


def check_outcomes(found, expected, account_ids):
    """Differences between each account's outcome and its expectation (an empty list: nothing lost).

    Checked on the deliveries themselves (done, cancelled, backorders made) and on the sums of the
    account's import runs.
    """
    problems = []
    for aid, exp in zip(account_ids, expected):
        got = found[aid]
        db_counts = {
            "validated": got["states"].get("done", 0),
            "cancelled": got["states"].get("cancel", 0),
            "backorders": got["backorders"],
        }
        for key in OUTCOMES:
            if db_counts[key] != exp[key]:
                problems.append("account %s: %d deliveries %s, expected %d" % (aid, db_counts[key], key, exp[key]))
            if (got["runs"].get(key) or 0) != exp[key]:
                problems.append(
                    "account %s: its runs say %s %s, expected %d" % (aid, got["runs"].get(key), key, exp[key])
                )
        if got["runs"].get("failed") or got["runs"].get("with_error"):
            problems.append(
                "account %s: %s failed, %s runs with an error"
                % (aid, got["runs"].get("failed"), got["runs"].get("with_error"))
            )
    return problems


def run_series(db, path, account_ids, sandboxes, workdir):
    """The scheduled run without queue_job: one process, the accounts one after another."""
    log("series: _sync_accounts(%d accounts, scheduled=True) in one process" % len(account_ids))
    _sandbox_calls(sandboxes)
    child_pids, watch = [], {}

    def on_ready(pid):
        child_pids.append(pid)
        watch["cpu"] = CpuWatch(
            {"odoo": lambda: child_pids, "sandbox": lambda: [s.pid for s in sandboxes]}, db=db
        ).start()

    figures = run_child(
        {"mode": "series", "db": db, "addons_path": path, "account_ids": account_ids}, workdir, "series", on_ready
    )
    figures["cpu"] = watch["cpu"].stop()
    figures["sandbox_calls"] = _sandbox_calls(sandboxes)
    # The accounts ran one after another: each one's span in the run.
    offset, spans = 0.0, []
    for report in figures["reports"]:
        spans.append({"account": report["account"], "start": round(offset, 1), "seconds": report["seconds"]})
        offset += report["seconds"]
    figures["spans"] = spans
    return figures


def overlap(intervals):
    """How much the intervals ``[(start, end)]`` ran side by side.

    :return: ``{span, busy, two_or_more, mean_parallel}``: seconds from the first start to the
        last end, seconds with at least one running, seconds with two or more, and the summed
        durations over the span
    """
    if not intervals:
        return {"span": 0, "busy": 0, "two_or_more": 0, "mean_parallel": 0}
    events = sorted([(s, 1) for s, _e in intervals] + [(e, -1) for _s, e in intervals])
    running, last, busy, two = 0, events[0][0], 0.0, 0.0
    for at, delta in events:
        if running >= 1:
            busy += at - last
        if running >= 2:
            two += at - last
        running += delta
        last = at
    span = max(e for _s, e in intervals) - min(s for s, _e in intervals)
    total = sum(e - s for s, e in intervals)
    return {
        "span": round(span, 1),
        "busy": round(busy, 1),
        "two_or_more": round(two, 1),
        "mean_parallel": round(total / span, 2) if span else 0,
    }


def run_queue_job(db, path, account_ids, sandboxes, workdir, args):
    """queue_job: the scheduled action enqueues one job per account; a prefork server runs them."""
    server = OdooServer(
        db,
        path,
        workdir,
        workers=args.workers,
        channels=args.channels,
        limits=(args.limit_time_real, args.limit_time_cpu),
    )
    if args.job_budget:
        query(
            db,
            "INSERT INTO ir_config_parameter (key, value, create_date, write_date)" " VALUES (%s, %s, now(), now())",
            [BUDGET_PARAM, str(args.job_budget)],
        )
    before = len(jobs(db))
    server.start()
    try:
        server.warm_up()
        _sandbox_calls(sandboxes)
        pids, watch = [server.pid], {}

        def on_ready(pid):
            pids.append(pid)
            watch["cpu"] = CpuWatch(
                {"odoo": lambda: pids, "sandbox": lambda: [s.pid for s in sandboxes]}, db=db
            ).start()

        log("queue_job: the scheduled action enqueues a job per account; %d workers run them" % args.workers)
        enqueue = run_child(
            {"mode": "enqueue", "db": db, "addons_path": path, "account_ids": account_ids}, workdir, "enqueue", on_ready
        )
        t0 = enqueue["ended_epoch"]
        waited, states = wait_jobs(db, before, len(account_ids), timeout=args.job_timeout)
        wall = time.time() - t0
        cpu = watch["cpu"].stop()
    finally:
        server.stop()
    job_rows = [j for j in jobs(db)[before:]]
    for job in job_rows:
        for key in ("created", "enqueued", "started", "done"):
            if job[key] is not None:
                job[key + "_offset"] = round(job[key] - t0, 1)
    intervals = [
        (j["started"], j["started"] + j["exec_seconds"]) for j in job_rows if j["started"] and j["exec_seconds"]
    ]
    log_text = open(server.logfile, encoding="utf-8", errors="replace").read()
    return {
        "wall_seconds": round(wall, 2),
        "enqueue": enqueue,
        "jobs": job_rows,
        "job_states": states,
        "overlap": overlap(intervals),
        "cpu": cpu,
        "sandbox_calls": _sandbox_calls(sandboxes),
        "server": {
            "workers": args.workers,
            "channels": args.channels,
            "limit_time_real": args.limit_time_real,
            "limit_time_cpu": args.limit_time_cpu,
            "job_time_budget": args.job_budget or round(0.7 * args.limit_time_real),
            "log": server.logfile,
            "worker_limits_hit": log_text.count("time limit") + log_text.count("virtual real time limit"),
            "errors_logged": log_text.count(" ERROR "),
        },
    }


def scale_row(template, path, args, workdir, pickings, per_account_specs, lib, run_id):  # noqa: PLR0913
    """Row 1 from the template: accounts and sandboxes, two copies, series then queue_job."""
    now = datetime.now(timezone.utc)
    sandboxes, account_ids, setup_seconds = setup_accounts(template, path, per_account_specs, pickings, lib, run_id)
    out = {
        "accounts": len(account_ids),
        "per_account": len(per_account_specs[0]),
        "setup_seconds": round(setup_seconds, 1),
    }
    try:
        names = build_template_db_names(template)
        series_db, qj_db = names["series"], names["qj"]
        clone(template, series_db)
        clone(template, qj_db)
        expected = [expected_of(specs) for specs in per_account_specs]
        out["expected"] = expected
        out["series"] = run_series(series_db, path, account_ids, sandboxes, workdir)
        out["series"]["outcomes"] = outcomes(series_db, account_ids)
        out["series"]["problems"] = check_outcomes(out["series"]["outcomes"], expected, account_ids)
        out["queue_job"] = run_queue_job(qj_db, path, account_ids, sandboxes, workdir, args)
        out["queue_job"]["outcomes"] = outcomes(qj_db, account_ids)
        out["queue_job"]["problems"] = check_outcomes(out["queue_job"]["outcomes"], expected, account_ids)
        same = all(
            {k: v for k, v in out["series"]["outcomes"][aid].items() if k != "runs"}
            == {k: v for k, v in out["queue_job"]["outcomes"][aid].items() if k != "runs"}
            for aid in account_ids
        )
        out["same_outcomes"] = same
        out["speedup"] = round(out["series"]["wall_seconds"] / out["queue_job"]["wall_seconds"], 2)
        out["databases"] = [series_db, qj_db]
        out["started"] = now.isoformat()
    finally:
        for sandbox in sandboxes:
            sandbox.stop()
    return out
