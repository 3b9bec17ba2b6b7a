"""The measured syncs: each in a fresh Odoo process (a child run of the command), with
its memory sampled, an optional memory probe before it, and the timers of :mod:`.timers`."""

import gc
import json
import os
import resource
import subprocess
import sys
import threading
import time
import tracemalloc

from .common import MIB, SCRIPT, check_db_name, log, odoo_env
from .database import open_registry
from .timers import PhaseTimers, ProbeStop


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
    counters = (
        "checked",
        "updated",
        "validated",
        "backorders",
        "cancelled",
        "waiting",
        "failed",
        "left",
        "api_calls",
        "seconds",
    )
    result = {
        "report": dict(
            {k: getattr(report, k, None) for k in counters},
            error=report.error.to_json() if report.error else "",
        ),
        "failures": [(name, message.to_json()) for name, message in report.failures[:20]],
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
        "steps": {
            name: {k: round(v, 3) if isinstance(v, float) else v for k, v in stat.items()}
            for name, stat in sorted(timers.stats.items())
        },
    }
    with open(args.child_out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


def run_child(args, settings, workdir, label):
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
        result = subprocess.run([sys.executable, SCRIPT, "--child", config])
        if result.returncode == 0 and os.path.exists(settings["child_out"]):
            break
        if result.returncode < 0 and attempt == 1 and not args.scheduled:
            log(
                "  CHECK: the %s process was killed by signal %d after %.0f s; running it again"
                % (label, -result.returncode, time.perf_counter() - started)
            )
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
    settings = {
        "db": args.db,
        "addons_path": path,
        "account_id": account_id,
        "tracemalloc": args.tracemalloc,
        "scheduled": args.scheduled,
        "profile_out": None,
        "mode": "measure",
    }
    probe = None
    if args.tracemalloc == "probe":
        probe = run_child(args, dict(settings, mode="probe"), workdir, "probe-%s-%d" % (name, account_id))
        reset_log()
    if args.profile:
        settings["profile_out"] = "%s.profile-%d-%s.txt" % (os.path.splitext(os.path.abspath(args.out))[0], n, name)
    load = os.getloadavg()
    figures = run_child(args, settings, workdir, "%s-%d" % (name, account_id))
    # Other work on this machine skews the timings: keep the load around the sync.
    figures["loadavg_1min_before_after"] = [round(load[0], 2), round(os.getloadavg()[0], 2)]
    if probe:
        figures["tracemalloc_peak_mib"] = probe["peak_mib"]
        figures["probe"] = probe
    return figures
