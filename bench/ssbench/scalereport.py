"""The scale benchmark's printed tables and JSON result."""

import json
import os
import platform
from datetime import datetime, timezone


def new_scale_result(args, versions, code, queue_job_version):
    return {
        "meta": {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "cpu_count": os.cpu_count(),
            **versions,
            "queue_job": queue_job_version,
            "platform": platform.platform(),
            "database": args.db,
            "code": code,
            "seed": args.seed,
            "accounts": args.accounts,
            "per_account": args.per_account,
            "products": args.products,
            "rate_n": args.rate_n,
            "rate_limit": args.rate_limit,
            "competitor_per_minute": args.competitor,
            "workers": args.workers,
            "channels": args.channels,
            "limit_time_real": args.limit_time_real,
            "limit_time_cpu": args.limit_time_cpu,
            "job_budget": args.job_budget,
            "notes": "scale_out: the same accounts and deliveries on two identical copies of one database "
            "(CREATE DATABASE ... TEMPLATE), synced in series in one process (_sync_accounts(scheduled=True)) "
            "and by queue_job (the scheduled action enqueues a job per account; a prefork server with "
            "--workers and --load=web,queue_job runs them); wall time from the enqueue's commit until every "
            "job is done. CPU seconds by group are sampled with psutil (postgres: the backends of the "
            "variant's database). rate_limited: export of the deliveries through the connector, then "
            "ShipStation ships them, then the first sync, at the sandbox's v1 limit with another app "
            "spending part of the budget.",
        },
    }


def _fmt(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, float):
        return "{:,.{d}f}".format(value, d=digits)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *(line(r) for r in rows)])


def _sum_runs(outcomes, key):
    return sum((o["runs"].get(key) or 0) for o in outcomes.values())


def _cpu_cells(cpu):
    seconds = cpu["cpu_seconds"]
    return [
        _fmt(seconds.get("odoo")),
        _fmt(seconds.get("postgres")),
        _fmt(seconds.get("sandbox")),
        _fmt(cpu["other_cpu_seconds"]),
        _fmt(cpu["cores_used"], 2),
        "%s%%" % _fmt(cpu["machine_busy_pct"]),
        "/".join(_fmt(v, 2) for v in cpu["loadavg_1min_before_after_max"]),
    ]


def scale_table(row):
    """Row 1: series against queue_job, then the jobs."""
    headers = ["variant", "wall s", "speed-up", "API calls", "validated", "cancelled", "backorders"]
    headers += ["Odoo CPU s", "PG CPU s", "sandbox CPU s", "other CPU s", "cores used", "machine busy"]
    headers += ["load 1m before/after/max"]
    rows = []
    for name, title in (
        ("series", "series (1 process)"),
        ("queue_job", "queue_job (%d workers)" % row["queue_job"]["server"]["workers"]),
    ):
        variant = row[name]
        calls = sum(c["total"] for c in variant["sandbox_calls"])
        outcomes = variant["outcomes"]
        rows.append(
            [
                title,
                _fmt(float(variant["wall_seconds"])),
                "1.00x" if name == "series" else "%.2fx" % row["speedup"],
                _fmt(calls),
                _fmt(_sum_runs(outcomes, "validated")),
                _fmt(_sum_runs(outcomes, "cancelled")),
                _fmt(_sum_runs(outcomes, "backorders")),
                *_cpu_cells(variant["cpu"]),
            ]
        )
    text = [
        "%d accounts x %s deliveries (v1), series vs queue_job" % (row["accounts"], _fmt(row["per_account"])),
        _table(headers, rows),
    ]
    series = row["series"]
    text.append(
        "series, per account (one after another): "
        + ", ".join("%s %.1f s" % (s["account"], s["seconds"]) for s in series["spans"])
    )
    job_rows = []
    for job in row["queue_job"]["jobs"]:
        job_rows.append(
            [
                job["account_id"],
                job["state"],
                _fmt(job.get("started_offset")),
                _fmt(job["exec_seconds"], 1) if job["exec_seconds"] is not None else "-",
                _fmt(job.get("done_offset")),
                job["worker_pid"] or "-",
                job["retry"],
                (job["result"] or "").replace("\n", " ")[:70],
            ]
        )
    text.append("queue_job jobs (seconds from the enqueue's commit):")
    text.append(_table(["account", "state", "start s", "duration s", "done s", "worker", "tries", "result"], job_rows))
    ov = row["queue_job"]["overlap"]
    text.append(
        "jobs: %d; span %.1f s, two or more running %.1f s, mean jobs running %.2f"
        % (len(job_rows), ov["span"], ov["two_or_more"], ov["mean_parallel"])
    )
    for name in ("series", "queue_job"):
        problems = row[name]["problems"]
        text.append(
            "%s outcomes: %s"
            % (name, "as expected for every account" if not problems else "CHECK: " + "; ".join(problems))
        )
    text.append("series and queue_job outcomes equal: %s" % ("yes" if row["same_outcomes"] else "NO"))
    return "\n".join(text)


def rate_table(row):
    """Row 2: export and first sync at the rate limit."""
    headers = ["phase", "wall s", "API calls", "HTTP 429", "waits", "waited s", "exported", "validated", "cancelled"]
    headers += ["backorders", "Odoo CPU s"]
    rows = []
    for name, title in (("export", "export (createorders)"), ("first_sync", "first sync")):
        phase = row[name]
        report = phase["reports"][0]
        rows.append(
            [
                title,
                _fmt(float(phase["wall_seconds"])),
                _fmt(report["api_calls"]),
                _fmt(phase["http_429"]),
                _fmt(phase["waits"]["count"]),
                _fmt(float(phase["waits"]["seconds"])),
                _fmt(report.get("exported")),
                _fmt(report.get("validated")),
                _fmt(report.get("cancelled")),
                _fmt(report.get("backorders")),
                _fmt(phase["cpu"]["cpu_seconds"].get("odoo")),
            ]
        )
    competitor = row.get("competitor") or {}
    text = [
        "%s deliveries (v1) at %d calls a minute, another app spending %d a minute (spent %s, refused %s)"
        % (
            _fmt(row["n"]),
            row["rate_limit"],
            row["competitor_per_minute"],
            competitor.get("spent", "-"),
            competitor.get("refused", "-"),
        ),
        _table(headers, rows),
        "export to synced: %.1f s; outcomes: %s"
        % (
            row["seconds_export_to_synced"],
            "as expected" if not row["problems"] else "CHECK: " + "; ".join(row["problems"]),
        ),
    ]
    return "\n".join(text)


def write_scale_result(result, path, total_seconds):
    result["meta"]["total_seconds"] = round(total_seconds, 1)
    parts = []
    if result.get("scale_out"):
        parts.append(scale_table(result["scale_out"]))
    if result.get("rate_limited"):
        parts.append(rate_table(result["rate_limited"]))
    result["table"] = "\n\n".join(parts)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1, default=str)
