"""One size N on one API version: scenario, setup, the three measured syncs and the
naive comparison."""

import json
import os
import sys
import time
from datetime import datetime, timezone

from .common import API_KEY, API_KEY_V2, API_SECRET, PHASE_TITLES, PHASES, log
from .database import account_state, create_account, create_deliveries, ensure_base_data, export_deliveries
from .floor import apply_ratio, measure_floor
from .measuring import run_phase
from .naive import naive_sync, naive_sync_v2
from .sandbox_proc import SandboxProcess
from .scenario import make_changes, make_scenario


def naive_run(api, url, order_ids, lib):
    if lib not in sys.path:
        sys.path.insert(0, lib)
    if api == "v2":
        from shipstation.client_v2 import ShipStationV2Client  # noqa: PLC0415

        with ShipStationV2Client(API_KEY_V2, url) as client:
            return naive_sync_v2(client, order_ids)
    from shipstation.client import ShipStationClient  # noqa: PLC0415

    with ShipStationClient(API_KEY, API_SECRET, url) as client:
        return naive_sync(client, order_ids)


def bench_size(n, api, args, registry, path, workdir, run_id):
    """Size ``n`` measured with an account of ``api`` (``v1`` or ``v2``) on a sandbox of its own."""
    log("=== N = %d, API %s ===" % (n, api))
    out = {"n": n, "api": api, "setup": {}, "phases": {}}
    started = time.perf_counter()
    now = datetime.now(timezone.utc)
    specs = make_scenario(n, args.seed, now)
    lib = os.path.join(path.split(",")[-1], "shipstation_connector", "lib")
    sandbox = SandboxProcess(API_KEY, API_SECRET, API_KEY_V2, lib=lib)
    try:
        base = ensure_base_data(registry, needed_units=10 * n)
        account_id = create_account(registry, "Bench %s N=%d %s" % (api, n, run_id), sandbox.url, api)
        t0 = time.perf_counter()
        pickings = create_deliveries(registry, specs, base, n)
        out["setup"]["odoo_seconds"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        order_ids = []
        for start in range(0, n, 2000):
            chunk = [
                {"number": name, "items": spec["lines"], "create": spec["create"], "ops": spec["ops"]}
                for (_, name), spec in zip(pickings[start : start + 2000], specs[start : start + 2000])
            ]
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
        # v2 labels list no items: an order shipped in part is validated whole, no backorder.
        items_on_labels = api == "v1"
        expected = {
            "first": {
                "validated": mix["shipped"],
                "cancelled": mix["cancelled"],
                "backorders": mix["shipped_partly"] if items_on_labels else 0,
                "waiting": 0,
                "failed": 0,
            },
            "nothing_new": {"validated": 0, "cancelled": 0, "backorders": 0, "waiting": 0, "failed": 0, "updated": 0},
        }
        for phase in PHASES:
            if phase == "changed_5pct":
                changes, exp = make_changes(specs, args.seed)
                sandbox.apply([(order_ids[i], ops) for i, ops in changes])
                expected[phase] = {
                    "validated": exp["validated"],
                    "cancelled": exp["cancelled"],
                    "backorders": exp["backorders"] if items_on_labels else 0,
                    "failed": 0,
                }
                out["setup"]["changes"] = exp
                log("  changed in ShipStation: %s" % json.dumps(exp))
            state_before, targets = account_state(registry, account_id)
            floor = None
            if args.floor and phase != "nothing_new":
                floor = measure_floor(args, path, account_id, workdir, "%s-%s" % (api, phase))
            sandbox.reset_log()
            log("  %s %s: syncing %d in-transit deliveries..." % (api, PHASE_TITLES[phase], len(targets)))
            figures = run_phase(args, path, account_id, workdir, "%s-%s" % (api, phase), n, sandbox.reset_log)
            sandbox_log = sandbox.log()
            state_after, _ = account_state(registry, account_id)
            sandbox.reset_log()
            naive = naive_run(api, sandbox.url, targets, lib)
            naive_log = sandbox.log()
            by_endpoint = sandbox_log["by_endpoint"]
            figures.update(
                {
                    "targets": len(targets),
                    "api_calls_sandbox": sum(by_endpoint.values()),
                    "api_calls_by_endpoint": by_endpoint,
                    "api_status": sandbox_log["by_status"],
                    "naive": dict(naive, api_calls_sandbox=naive_log["total"]),
                    "state_before": state_before,
                    "state_after": state_after,
                    "expected": expected[phase],
                    "checks": check_expected(figures["report"], expected[phase]),
                }
            )
            if floor:
                figures["odoo_floor"] = floor
                figures["apply_vs_odoo_ratio"] = apply_ratio(figures)
                figures["checks"] += [
                    "Odoo's floor: %s %s, the connector %s" % (key, floor[key], figures["report"][key])
                    for key in ("validated", "cancelled", "backorders")
                    if floor[key] != figures["report"][key]
                ]
            out["phases"][phase] = figures
            r = figures["report"]
            log(
                "  %s %s: %d API calls (naive %d), %d SQL queries, %.1f s; validated %d, cancelled %d, "
                "waiting %d, failed %d, backorders %d%s"
                % (
                    api,
                    PHASE_TITLES[phase],
                    r["api_calls"],
                    naive["api_calls"],
                    figures["sql_queries"],
                    figures["wall_seconds"],
                    r["validated"],
                    r["cancelled"],
                    r["waiting"],
                    r["failed"],
                    r["backorders"],
                    "" if not figures["checks"] else "  CHECK: " + "; ".join(figures["checks"]),
                )
            )
            if floor:
                log(
                    "  %s %s: apply %.1f s against Odoo's own %.1f s: %sx"
                    % (
                        api,
                        PHASE_TITLES[phase],
                        figures["steps"]["apply"]["seconds"],
                        floor["seconds"],
                        figures["apply_vs_odoo_ratio"],
                    )
                )
            if r["error"]:
                raise RuntimeError("the %s %s sync failed: %s" % (api, phase, r["error"]))
            if figures["api_calls_sandbox"] != r["api_calls"]:
                log(
                    "  CHECK: the sandbox logged %d calls, the client counted %d"
                    % (figures["api_calls_sandbox"], r["api_calls"])
                )
    finally:
        sandbox.stop()
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def check_expected(report, expected):
    return [
        "%s %s, expected %s" % (key, report[key], value) for key, value in expected.items() if report.get(key) != value
    ]
