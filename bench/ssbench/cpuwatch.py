"""Where the CPU goes while a measured run runs: the Odoo processes, the PostgreSQL backends of
the run's database, the sandboxes, and the whole machine (what is left is other work).

A thread samples every ``interval`` seconds with psutil: the processes of each group (given
by pid, with their children, or, for PostgreSQL, every backend whose title names the
database), keeping the last CPU times seen of each process, so a process that ends between
two samples loses at most one interval. The machine's busy CPU and the load average come from
``/proc`` (``psutil.cpu_times``, ``os.getloadavg``).
"""

import os
import threading
import time


def _busy(times):
    idle = times.idle + getattr(times, "iowait", 0.0)
    return sum(times) - idle, idle


class CpuWatch(threading.Thread):
    """CPU seconds by group over one run.

    :param dict groups: ``{name: callable returning pids}``, the pids' children included
    :param str db: database whose PostgreSQL backends form the group ``postgres``
    """

    def __init__(self, groups, db=None, interval=0.5):
        super().__init__(daemon=True, name="bench-cpu-watch")
        import psutil  # noqa: PLC0415

        self._psutil = psutil
        self.groups, self.db, self.interval = dict(groups), db, interval
        self._seen = {}  # (group, pid, create_time) -> (user + system) CPU seconds
        self._first = {}  # same key -> CPU seconds when first seen (a process older than the run)
        self._procs = {}
        self._stop_event = threading.Event()
        self.loadavg_max = 0.0
        self.samples = 0

    def _members(self):
        psutil = self._psutil
        for group, pids in self.groups.items():
            for pid in list(pids()):
                try:
                    proc = self._procs.get(pid) or psutil.Process(pid)
                    self._procs[pid] = proc
                    yield group, proc
                    for child in proc.children(recursive=True):
                        yield group, child
                except psutil.Error:
                    continue
        if self.db:
            marker = " %s " % self.db
            for proc in psutil.process_iter(["name", "cmdline"]):
                cmdline = " ".join(proc.info["cmdline"] or ())
                if (proc.info["name"] or "").startswith("postgres") and marker in cmdline + " ":
                    yield "postgres", proc

    def sample(self):
        psutil = self._psutil
        for group, proc in self._members():
            try:
                times = proc.cpu_times()
                key = (group, proc.pid, proc.create_time())
            except psutil.Error:
                continue
            cpu = times.user + times.system
            self._first.setdefault(key, cpu if key[2] < self.started_epoch else 0.0)
            self._seen[key] = cpu
        self.loadavg_max = max(self.loadavg_max, os.getloadavg()[0])
        self.samples += 1

    def start(self):
        self.started_epoch = time.time()
        self.started = time.perf_counter()
        self.machine0 = _busy(self._psutil.cpu_times())
        self.load0 = os.getloadavg()
        self.sample()
        super().start()
        return self

    def run(self):
        while not self._stop_event.wait(self.interval):
            self.sample()

    def stop(self):
        """:return: the figures, as JSON-ready dict"""
        self._stop_event.set()
        self.join()
        self.sample()
        wall = time.perf_counter() - self.started
        busy1, idle1 = _busy(self._psutil.cpu_times())
        busy, idle = busy1 - self.machine0[0], idle1 - self.machine0[1]
        groups, processes = {}, {}
        for key, cpu in self._seen.items():
            group, pid, _created = key
            spent = cpu - self._first.get(key, 0.0)
            groups[group] = groups.get(group, 0.0) + spent
            processes.setdefault(group, []).append((pid, round(spent, 1)))
        cores = os.cpu_count() or 1
        measured = sum(groups.values())
        return {
            "wall_seconds": round(wall, 1),
            "cores": cores,
            "cpu_seconds": {name: round(value, 1) for name, value in sorted(groups.items())},
            "cpu_seconds_measured": round(measured, 1),
            # Busy CPU of the whole machine (every process, the kernel's own work included).
            "machine_busy_seconds": round(busy, 1),
            "machine_idle_seconds": round(idle, 1),
            "machine_busy_pct": round(100 * busy / (busy + idle), 1) if busy + idle else None,
            "other_cpu_seconds": round(max(0.0, busy - measured), 1),
            "cores_used": round(measured / wall, 2) if wall else None,
            "loadavg_1min_before_after_max": [
                round(self.load0[0], 2),
                round(os.getloadavg()[0], 2),
                round(self.loadavg_max, 2),
            ],
            "processes": {name: sorted(procs, key=lambda p: -p[1])[:8] for name, procs in sorted(processes.items())},
        }
