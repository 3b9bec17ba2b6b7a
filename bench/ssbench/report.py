"""Goals, the printed table and the JSON result."""

import json
import os
import platform
from datetime import datetime, timezone

from .common import APIS, PHASE_TITLES, PHASES

# Goals of the issue: API calls, SQL, time, memory.
#: The first sync of 10,000 and the re-sync after 5% changed, in calls: v1's goals are 1.5
#: minutes and 15 seconds of its 40 calls a minute; v2 allows 200 a minute and is read in
#: pages of 100 (it documents a default of 25 and no maximum), so its goals are the same
#: time at its own limit.
GOAL_FIRST_CALLS_10K = {"v1": 60, "v2": 300}
#: A re-sync with nothing new: v1 reads orders, shipments and fulfillments changed (and
#: a page more at most); v2 reads shipments modified, labels created and the voided
#: labels of its look-back.
GOAL_NOTHING_NEW_CALLS = {"v1": 5, "v2": 3}
GOAL_CHANGED_CALLS = {"v1": 10, "v2": 50}
GOAL_FIRST_SECONDS_10K = 600
GOAL_NOTHING_NEW_SECONDS = 15
GOAL_MEMORY_MIB = 2048  # Odoo's default limit_memory_soft
#: The connector's apply against Odoo's own validation and cancellation of the same deliveries.
GOAL_APPLY_RATIO = 1.3
GOAL_APPLY_RATIO_SIZES = (1000, 10000)
#: Phases that validate and cancel, where the floor is measured.
FLOOR_PHASES = ("first", "changed_5pct")
RATE_PER_MINUTE = 40  # ShipStation's documented rate limit, for the "time at the limit" column
STEP_ORDER = ("gather.targets", "gather.snapshots", "fetch", "gather.consumption", "plan", "apply")
GATHER_STEPS = ("gather.targets", "gather.snapshots", "gather.consumption", "plan")
#: The version of a result entry that names none (files written before v2 was measured).
DEFAULT_API = "v1"


def size_key(api, n):
    """Key of one (API version, N) entry in the result's ``sizes``, e.g. ``v2-1000``."""
    return "%s-%d" % (api, n)


def entries(sizes):
    """``[(api, n, entry)]`` of a result's ``sizes``, by N, then v1 before v2.

    Older results are keyed by N alone and their entries name no version: they are v1's.
    """
    found = []
    for key, entry in sizes.items():
        api = entry.get("api") or DEFAULT_API
        n = int(entry["n"]) if entry.get("n") is not None else int(str(key).rsplit("-", 1)[-1])
        found.append((api, n, entry))
    order = {api: index for index, api in enumerate(APIS)}
    return sorted(found, key=lambda e: (e[1], order.get(e[0], len(order)), e[0]))


def gather_queries(phase):
    """SQL queries of the gathering steps and the planner (which should run none)."""
    steps = phase["steps"]
    return sum(steps.get(k, {}).get("queries", 0) for k in GATHER_STEPS)


def _ratio_goals(add, api, figure):
    for n in GOAL_APPLY_RATIO_SIZES:
        for phase in FLOOR_PHASES:
            add(
                api,
                "apply within %.1fx of Odoo's own validation and cancellation (%s)"
                % (GOAL_APPLY_RATIO, PHASE_TITLES[phase]),
                n,
                figure(n, phase, "apply_vs_odoo_ratio") if figure(n, phase, "odoo_floor") else None,
                lambda v: v <= GOAL_APPLY_RATIO,
            )


def evaluate_goals(sizes):
    """PASS / MISS / NOT RUN for each goal of the issue, for each API version measured."""
    goals = []
    measured = entries(sizes)
    by_api = {}
    for api, n, entry in measured:
        by_api.setdefault(api, {})[n] = entry

    def add(api, text, n, value, ok):
        status = "NOT RUN" if value is None else ("PASS" if ok(value) else "MISS")
        goals.append({"api": api, "goal": text, "n": n, "value": value, "status": status})

    for api, runs in by_api.items():
        ns = sorted(runs)

        def figure(n, phase, *keys, runs=runs):
            value = runs.get(n, {}).get("phases", {}).get(phase)
            for key in keys:
                value = value[key] if value is not None else None
            return value

        first_most = GOAL_FIRST_CALLS_10K.get(api, GOAL_FIRST_CALLS_10K[DEFAULT_API])
        changed_most = GOAL_CHANGED_CALLS.get(api, GOAL_CHANGED_CALLS[DEFAULT_API])
        add(
            api,
            "API calls, first sync of 10,000 deliveries <= %d" % first_most,
            10000,
            figure(10000, "first", "report", "api_calls"),
            lambda v, first_most=first_most: v <= first_most,
        )
        most = GOAL_NOTHING_NEW_CALLS.get(api, GOAL_NOTHING_NEW_CALLS[DEFAULT_API])
        for n in ns:
            add(
                api,
                "API calls, re-sync with nothing new <= %d" % most,
                n,
                figure(n, "nothing_new", "report", "api_calls"),
                lambda v, most=most: v <= most,
            )
        for n in ns:
            add(
                api,
                "API calls, re-sync after 5%% changed <= %d" % changed_most,
                n,
                figure(n, "changed_5pct", "report", "api_calls"),
                lambda v, changed_most=changed_most: v <= changed_most,
            )
        for phase in PHASES:
            per_n = {n: gather_queries(runs[n]["phases"][phase]) for n in ns}
            add(
                api,
                "SQL queries of gathering + planning do not grow with N (%s)" % PHASE_TITLES[phase],
                None,
                per_n if len(ns) > 1 else None,
                lambda v: len(set(v.values())) == 1,
            )
        add(
            api,
            "first sync of 10,000 deliveries < %d s" % GOAL_FIRST_SECONDS_10K,
            10000,
            figure(10000, "first", "wall_seconds"),
            lambda v: v < GOAL_FIRST_SECONDS_10K,
        )
        for n in ns:
            add(
                api,
                "re-sync with nothing new < %d s" % GOAL_NOTHING_NEW_SECONDS,
                n,
                figure(n, "nothing_new", "wall_seconds"),
                lambda v: v < GOAL_NOTHING_NEW_SECONDS,
            )
        _ratio_goals(add, api, figure)
        for n in ns:
            peak = max(max(p["vms_peak_mib"], p["ru_maxrss_mib"]) for p in runs[n]["phases"].values())
            add(
                api,
                "sync process memory, peak VMS and RSS (MiB) < limit_memory_soft %d MiB" % GOAL_MEMORY_MIB,
                n,
                peak,
                lambda v: v < GOAL_MEMORY_MIB,
            )
    return goals


def fmt(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, float):
        return ("%%.%df" % digits) % value
    return str(value)


def _main_table(result):
    head = (
        "N",
        "API",
        "phase",
        "targets",
        "API calls",
        "naive calls",
        "ratio",
        "@40/min",
        "naive @40/min",
        "SQL",
        "SQL s",
        "wall s",
        "CPU s",
        "tracemalloc MiB",
        "maxrss MiB",
        "VMS MiB",
        "valid.",
        "canc.",
        "wait.",
        "fail.",
        "backord.",
    )
    rows = []
    for api, n, size in entries(result["sizes"]):
        for phase in PHASES:
            p = size["phases"][phase]
            r = p["report"]
            calls, naive = r["api_calls"], p["naive"]["api_calls"]
            rows.append(
                (
                    str(n),
                    api,
                    PHASE_TITLES[phase],
                    str(p["targets"]),
                    str(calls),
                    str(naive),
                    "%.0fx" % (naive / calls) if calls else "-",
                    fmt(calls / RATE_PER_MINUTE),
                    fmt(naive / RATE_PER_MINUTE),
                    str(p["sql_queries"]),
                    fmt(p["sql_seconds"]),
                    fmt(p["wall_seconds"]),
                    fmt(p["cpu_seconds"]),
                    fmt(p["tracemalloc_peak_mib"]),
                    fmt(p["ru_maxrss_mib"], 0),
                    fmt(p["vms_peak_mib"], 0),
                    str(r["validated"]),
                    str(r["cancelled"]),
                    str(r["waiting"]),
                    str(r["failed"]),
                    str(r["backorders"]),
                )
            )
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(head)]
    line = "  ".join("%%%ds" % w for w in widths)
    return [line % head] + [line % row for row in rows]


def _steps_lines(result):
    lines = ["Where the time and the queries go (seconds / SQL queries, inclusive):"]
    for api, n, size in entries(result["sizes"]):
        for phase in PHASES:
            steps = size["phases"][phase]["steps"]
            lines.append(
                "  N=%s %s %s: " % (n, api, PHASE_TITLES[phase])
                + "; ".join(
                    "%s %s s/%s q" % (s, fmt(steps[s]["seconds"], 2), steps[s]["queries"])
                    for s in STEP_ORDER
                    if s in steps
                )
            )
            per = [
                "%s %d x %.1f ms/%.1f q"
                % (name, st["calls"], 1000 * st["seconds"] / st["calls"], st["queries"] / st["calls"])
                for name, st in sorted(steps.items())
                if name.startswith(("apply.", "odoo.")) and st["calls"]
            ]
            if per:
                lines.append("      per call: " + "; ".join(per))
    return lines


def _endpoint_lines(result):
    lines = ["API calls per endpoint (sandbox request log; naive strategy in brackets):"]
    for api, n, size in entries(result["sizes"]):
        for phase in PHASES:
            p = size["phases"][phase]
            eps = ", ".join("%s %d" % kv for kv in sorted(p["api_calls_by_endpoint"].items()))
            naive_eps = ", ".join("%s %d" % kv for kv in sorted(p["naive"]["calls_by_endpoint"].items()))
            lines.append("  N=%s %s %-21s %s  [%s]" % (n, api, PHASE_TITLES[phase] + ":", eps or "none", naive_eps))
    return lines


def ratios(sizes):
    """``{size key: {phase: apply / Odoo's floor}}`` of the phases whose floor was measured."""
    found = {}
    for api, n, size in entries(sizes):
        for phase in FLOOR_PHASES:
            ratio = size["phases"].get(phase, {}).get("apply_vs_odoo_ratio")
            if ratio is not None:
                found.setdefault(size_key(api, n), {})[phase] = ratio
    return found


def _floor_lines(result):
    lines = [
        "The connector's apply against Odoo's own validation and cancellation of the same deliveries "
        "(copy of the database; plain quantities, button_validate() and action_cancel() on the recordsets):"
    ]
    for api, n, size in entries(result["sizes"]):
        for phase in FLOOR_PHASES:
            p = size["phases"].get(phase, {})
            floor = p.get("odoo_floor")
            if not floor:
                continue
            apply = p["steps"]["apply"]
            done = max(floor["validated"], 1)
            lines.append(
                "  N=%s %s %-21s apply %s s, %s q (%.1f q per validated delivery); Odoo %s s, %s q "
                "(%.1f q per validated delivery); %d validated, %d cancelled; ratio %sx"
                % (
                    n,
                    api,
                    PHASE_TITLES[phase] + ":",
                    fmt(apply["seconds"], 2),
                    apply["queries"],
                    apply["queries"] / max(p["report"]["validated"], 1),
                    fmt(floor["seconds"], 2),
                    floor["sql_queries"],
                    floor["sql_queries"] / done,
                    floor["validated"],
                    floor["cancelled"],
                    fmt(p.get("apply_vs_odoo_ratio"), 2),
                )
            )
    return lines if len(lines) > 1 else []


def table_text(result):
    """The whole printed report, as text (also kept in the JSON)."""
    meta = result["meta"]
    tracing = {
        "probe": "peak of a traced, rolled-back run up to the plan (the measured run is untraced)",
        "all": "peak of the measured run, traced (slower)",
        "off": "off",
    }[meta["tracemalloc"]]
    lines = [
        "ShipStation sync benchmark, %s; %s cores; Python %s, Odoo %s, PostgreSQL %s; code %s%s"
        % (
            meta["date"],
            meta["cpu_count"],
            meta["python"],
            meta["odoo"],
            meta["postgresql"],
            (meta["code"]["commit"] or "?")[:10],
            " + local changes" if meta["code"]["modified"] else "",
        ),
        "API versions: %s (each its own account and sandbox on the same scenario). Sandbox rate_limit=None and "
        "rate_limit_v2=None (calls are counted, not waited for); '@40/min' = minutes the calls would take at "
        "ShipStation's 40 calls a minute." % ", ".join(meta.get("apis") or [DEFAULT_API]),
        "Each sync runs in its own fresh Odoo process; maxrss/VMS are that process's peaks (registry included); "
        "tracemalloc: %s." % tracing,
        "",
        *_main_table(result),
        "",
        *_steps_lines(result),
        "",
        *_endpoint_lines(result),
    ]
    floor = _floor_lines(result)
    if floor:
        lines += ["", *floor]
    checks = [
        (n, api, phase, c)
        for api, n, size in entries(result["sizes"])
        for phase in PHASES
        for c in size["phases"][phase]["checks"]
    ]
    if checks:
        lines += ["", "Outcomes that differ from the scenario's expectation:"]
        lines += ["  N=%s %s %s: %s" % (n, api, PHASE_TITLES[phase], c) for n, api, phase, c in checks]
    lines += ["", "Goals:"]
    for goal in result["goals"]:
        where = " (N=%s)" % goal["n"] if goal["n"] else ""
        api = goal.get("api") or DEFAULT_API
        lines.append("  %-7s %s %s%s: %s" % (goal["status"], api, goal["goal"], where, goal["value"]))
    return "\n".join(lines)


def new_result(args, sizes, apis, install_seconds, versions, code):
    """The JSON result before the first size: its ``meta`` and no sizes yet."""
    return {
        "meta": {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "cpu_count": os.cpu_count(),
            **versions,
            "platform": platform.platform(),
            "database": args.db,
            "install_seconds": round(install_seconds, 1),
            "sandbox_rate_limit": None,
            "sandbox_rate_limit_v2": None,
            "apis": apis,
            "tracemalloc": args.tracemalloc,
            "scheduled": args.scheduled,
            "profiled": args.profile,
            "code": code,
            "seed": args.seed,
            "sizes": sizes,
            "notes": "One entry of 'sizes' per API version and N ('v2-1000'), each with its own account and "
            "sandbox. Each sync runs in a fresh Odoo process (registry loaded, then measured) on a copy of "
            "the working tree; the sandbox runs in another process without rate limit. maxrss is "
            "that process's peak, registry load included. tracemalloc 'probe': peak of a traced, "
            "rolled-back run up to the plan; the measured sync runs untraced.",
        },
        "sizes": {},
    }


def write_result(result, path, complete, total_seconds):
    """Goals and table of what was measured so far, written to ``path`` (after each size,
    so a run stopped later keeps what it measured)."""
    result["complete"] = complete
    result["goals"] = evaluate_goals(result["sizes"])
    result["apply_vs_odoo_ratio"] = ratios(result["sizes"])
    result["meta"]["total_seconds"] = round(total_seconds, 1)
    result["table"] = table_text(result)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1, sort_keys=False, default=str)
