"""The measured runs of the scale benchmark that run in a fresh Odoo process of their own
(the command run again with ``--child <settings file>``), and the helper that starts them.

Modes:

* ``series``: ``shipstation.sync._sync_accounts(accounts, scheduled=True)``, the scheduled
  run without queue_job (one account after another, committing as it goes);
* ``enqueue``: the scheduled action itself (``shipstation.sync._cron_import_shipment_details``), which with
  queue_job installed enqueues one job per account and returns;
* ``export``: the scheduled export without queue_job (``_export_accounts(accounts, commit=True)``);
* ``sync``: like ``series``, for the rate-limited row.

The registry is loaded before the clock starts, like a worker that has served before.
The client's waits (rate limit, back-off) are counted by wrapping ``Transport._wait``.
"""

import json
import os
import resource
import subprocess
import sys
import time

from .common import log, odoo_env
from .database import open_registry

#: The command; children run it again with ``--child``.
SCALE_SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "run_scale_bench.py")


def _count_waits():
    """Wrap the client's ``Transport._wait`` in this process: :return: the list it appends to."""
    from odoo.addons.shipstation_connector.lib.shipstation import transport  # noqa: PLC0415

    waits, original = [], transport.Transport._wait

    def _wait(self, seconds, reason):
        if seconds > 0:
            waits.append((reason, round(seconds, 2)))
        return original(self, seconds, reason)

    transport.Transport._wait = _wait
    return waits


def _report(report):
    keys = ("checked", "updated", "validated", "backorders", "cancelled", "waiting", "failed", "left", "exported")
    out = {k: getattr(report, k) for k in keys if hasattr(report, k)}
    out.update(
        account=report.account,
        api_calls=report.api_calls,
        seconds=round(report.seconds, 2),
        error=report.error.to_json() if report.error else "",
        failures=[(name, message.to_json()) for name, message in report.failures[:10]],
    )
    return out


def _summarise_waits(waits):
    by_reason = {}
    for reason, seconds in waits:
        entry = by_reason.setdefault(reason, {"count": 0, "seconds": 0.0})
        entry["count"] += 1
        entry["seconds"] = round(entry["seconds"] + seconds, 2)
    return {"count": len(waits), "seconds": round(sum(s for _r, s in waits), 2), "by_reason": by_reason}


def scale_child(args):
    """Run one measured run in this process and write its figures as JSON to ``args.child_out``."""
    import odoo.sql_db as sql_db  # noqa: PLC0415

    registry = open_registry(args.db, args.addons_path)
    waits = _count_waits()
    with registry.cursor() as cr:
        env = odoo_env(cr)
        accounts = env["shipstation.account"].browse(args.account_ids)
        accounts.read(["name", "api_url", "sync_since"])
        env["stock.picking"].search_count([("shipstation_account_id", "in", accounts.ids)])
    with open(args.child_out + ".ready", "w", encoding="utf-8") as handle:
        handle.write(str(os.getpid()))
    q0, cpu0 = sql_db.sql_counter, time.process_time()
    started_epoch, wall0 = time.time(), time.perf_counter()
    with registry.cursor() as cr:
        env = odoo_env(cr)
        accounts = env["shipstation.account"].browse(args.account_ids)
        if args.mode in ("series", "sync"):
            reports = [_report(r) for r in env["shipstation.sync"]._sync_accounts(accounts, scheduled=True)]
        elif args.mode == "export":
            reports = [_report(r) for r in env["shipstation.export"]._export_accounts(accounts, commit=True)]
        elif args.mode == "enqueue":
            env["shipstation.sync"]._cron_import_shipment_details()
            reports = []
        else:
            raise ValueError("unknown mode %r" % args.mode)
        cr.commit()
    result = {
        "mode": args.mode,
        "started_epoch": started_epoch,
        "ended_epoch": time.time(),
        "wall_seconds": round(time.perf_counter() - wall0, 3),
        "cpu_seconds": round(time.process_time() - cpu0, 3),
        "sql_queries": sql_db.sql_counter - q0,
        "ru_maxrss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "reports": reports,
        "waits": _summarise_waits(waits),
    }
    with open(args.child_out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


def run_child(settings, workdir, label, on_ready=None):
    """Run the command as a child on ``settings``; :return: the JSON it wrote.

    The settings go through a file, so the child's command line names neither Odoo nor the
    database. ``on_ready(pid)`` is called once the child has loaded its registry, right
    before it starts the measured run (to watch the CPU of the run only).
    """
    config = os.path.join(workdir, "child-%s.json" % label)
    settings = dict(settings, child_out=os.path.join(workdir, "out-%s.json" % label))
    with open(config, "w", encoding="utf-8") as handle:
        json.dump(settings, handle)
    ready = settings["child_out"] + ".ready"
    proc = subprocess.Popen([sys.executable, SCALE_SCRIPT, "--child", config])
    if on_ready:
        while proc.poll() is None and not os.path.exists(ready):
            time.sleep(0.05)
        on_ready(proc.pid)
    code = proc.wait()
    if code or not os.path.exists(settings["child_out"]):
        raise RuntimeError("the %s process failed (exit code %s)" % (label, code))
    with open(settings["child_out"], encoding="utf-8") as handle:
        figures = json.load(handle)
    log("  %s: %.1f s wall, %.1f s CPU" % (label, figures["wall_seconds"], figures["cpu_seconds"]))
    return figures
