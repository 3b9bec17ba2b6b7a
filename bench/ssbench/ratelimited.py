"""Row 2 of the scale benchmark: one v1 account going live with N open deliveries against a
sandbox holding ShipStation's real v1 limit (40 calls a minute per API key), the key shared
with another app.

On a copy of the template (deliveries created, not exported):

1. the scheduled export without queue_job (``_export_accounts(account, commit=True)``) sends
   the N deliveries in ``createorders`` batches of 100;
2. ShipStation's side then happens (through the sandbox's pipe, which spends no budget): the
   scenario's orders are shipped (some in several parcels, some with a label voided first,
   some in part) or cancelled, at real time;
3. the first sync of the account (``_sync_accounts(account, scheduled=True)``) reads it all
   back.

Throughout, a competing consumer (another app on the same key, e.g. a marketplace
integration polling orders) spends ``--competitor`` calls a minute of the same budget, so the
connector's own count of the window's remaining calls goes stale and it meets real 429s,
which it waits out (``Retry-After`` / ``X-Rate-Limit-Reset``).
"""

import time

from .common import API_KEY, API_KEY_V2, API_SECRET, log
from .cpuwatch import CpuWatch
from .database import create_account
from .sandbox_proc import SandboxProcess
from .scalechild import run_child
from .scaledb import outcomes, query
from .scaleout import OUTCOMES, check_outcomes, close_registry, expected_of, registry_of


def _phase(db, path, account_id, sandbox, workdir, mode):
    sandbox.reset_log()
    pids, watch = [], {}

    def on_ready(pid):
        pids.append(pid)
        watch["cpu"] = CpuWatch({"odoo": lambda: pids, "sandbox": lambda: [sandbox.pid]}, db=db).start()

    window = sandbox.rate_window()
    figures = run_child(
        {"mode": mode, "db": db, "addons_path": path, "account_ids": [account_id]}, workdir, mode, on_ready
    )
    figures["cpu"] = watch["cpu"].stop()
    figures["window_at_start"] = window
    sandbox_log = sandbox.log()
    figures["sandbox_calls"] = {
        "total": sandbox_log["total"],
        "by_status": sandbox_log["by_status"],
        "by_endpoint": sandbox_log["by_endpoint"],
    }
    figures["http_429"] = sandbox_log["by_status"].get("429", 0)
    return figures


def rate_row(db, path, args, workdir, pickings, specs, lib, run_id):  # noqa: PLR0913
    """Row 2 on ``db`` (a copy of the template): export, ShipStation ships, first sync, all at the limit."""
    n = len(specs)
    out = {"n": n, "rate_limit": args.rate_limit, "rate_window": 60, "competitor_per_minute": args.competitor}
    used = pickings[:n]
    spare = [pid for pid, _name in pickings[n:]]
    if spare:
        # Deliveries beyond --rate-n stay out of the row: flagged exported, with no account.
        query(db, "UPDATE stock_picking SET is_exported_to_shipstation = TRUE WHERE id = ANY(%s)", [spare])
    sandbox = SandboxProcess(API_KEY, API_SECRET, API_KEY_V2, lib=lib, rate_limit=args.rate_limit, rate_window=60)
    try:
        registry = registry_of(db, path)
        account_id = create_account(registry, "Rate-limited %s" % run_id, sandbox.url, "v1")
        close_registry(db)
        if args.competitor:
            sandbox.compete(args.competitor)
        started = time.perf_counter()
        log(
            "rate limit %d/min, another app spending %d/min: exporting %d deliveries"
            % (args.rate_limit, args.competitor, n)
        )
        out["export"] = _phase(db, path, account_id, sandbox, workdir, "export")
        report = out["export"]["reports"][0]
        log(
            "  export: %d exported, %d failed, %d API calls, %d HTTP 429, %.0f s waited for the limit"
            % (
                report["exported"],
                report["failed"],
                report["api_calls"],
                out["export"]["http_429"],
                out["export"]["waits"]["seconds"],
            )
        )
        rows = dict(
            query(db, "SELECT id, shipstation_order_id FROM stock_picking WHERE id = ANY(%s)", [[p for p, _ in used]])
        )
        changes = []
        for (pid, _name), spec in zip(used, specs):
            if spec["ops"] and rows.get(pid):
                changes.append((int(rows[pid]), [(kind, None, arg) for kind, _at, arg in spec["ops"]]))
        t0 = time.perf_counter()
        for start in range(0, len(changes), 2000):
            sandbox.apply(changes[start : start + 2000])
        out["shipstation_side"] = {"orders_changed": len(changes), "seconds": round(time.perf_counter() - t0, 1)}
        log("  ShipStation shipped or cancelled %d orders; first sync..." % len(changes))
        out["first_sync"] = _phase(db, path, account_id, sandbox, workdir, "sync")
        out["seconds_export_to_synced"] = round(time.perf_counter() - started, 1)
        out["competitor"] = sandbox.compete(0) if args.competitor else None
    finally:
        sandbox.stop()
    expected = expected_of(specs)
    out["expected"] = expected
    out["outcomes"] = outcomes(db, [account_id])[account_id]
    out["problems"] = check_outcomes({account_id: out["outcomes"]}, [expected], [account_id])
    exported = out["export"]["reports"][0]["exported"]
    if exported != n:
        out["problems"].append("%d deliveries exported, expected %d" % (exported, n))
    r = out["first_sync"]["reports"][0]
    log(
        "  first sync: %s; %d API calls, %d HTTP 429, %.0f s waited, %.1f s"
        % (
            ", ".join("%s %s" % (k, r[k]) for k in OUTCOMES),
            r["api_calls"],
            out["first_sync"]["http_429"],
            out["first_sync"]["waits"]["seconds"],
            out["first_sync"]["wall_seconds"],
        )
    )
    return out
