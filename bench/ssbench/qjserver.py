"""A real Odoo server for the queue_job variant: prefork (``--workers``), ``--load=web,queue_job``
(its job runner in a worker process of its own), one database only, no cron workers, and a
``[queue_job]`` section naming the channels.

The job runner takes the jobs of ``root.shipstation`` and has the HTTP workers run them
(``/queue_job/runjob``), as in production.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from .common import PG, log
from .scaledb import check_scale_db, query

PORTS = range(18300, 18400)


def free_bench_port():
    """A free port of the benchmark's range (18300-18399)."""
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in %d-%d" % (PORTS[0], PORTS[-1]))


def write_config(path, db, addons_path, port, workers, channels, limits, logfile):  # noqa: PLR0913
    lines = [
        "[options]",
        "db_host = %s" % PG["host"],
        "db_port = %s" % PG["port"],
        "db_user = %s" % PG["user"],
        "db_name = %s" % db,
        "dbfilter = ^%s$" % db,
        "list_db = False",
        "addons_path = %s" % addons_path,
        "http_interface = 127.0.0.1",
        "http_port = %d" % port,
        # The gevent (websocket) process needs a port of its own.
        "gevent_port = %d" % free_bench_port_after(port),
        "workers = %d" % workers,
        "max_cron_threads = 0",
        "server_wide_modules = web,queue_job",
        "limit_time_real = %d" % limits[0],
        "limit_time_cpu = %d" % limits[1],
        "without_demo = all",
        "log_level = info",
        "logfile = %s" % logfile,
        "",
        "[queue_job]",
        "channels = %s" % channels,
        "",
    ]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


def free_bench_port_after(port):
    for candidate in range(port + 1, PORTS[-1] + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return candidate
    raise RuntimeError("no free port after %d" % port)


class OdooServer:
    """``python -m odoo -c <config>`` with queue_job's runner; ``stop()`` ends it and its workers."""

    def __init__(self, db, addons_path, workdir, workers=2, channels="root:2,root.shipstation:2", limits=(120, 120)):  # noqa: PLR0913
        """``limits``: ``(limit_time_real, limit_time_cpu)`` of the HTTP workers the jobs run in."""
        check_scale_db(db)
        self.db, self.workers, self.channels = db, workers, channels
        self.port = free_bench_port()
        self.logfile = os.path.join(workdir, "odoo-server-%s.log" % db)
        self.config = os.path.join(workdir, "odoo-server-%s.conf" % db)
        write_config(self.config, db, addons_path, self.port, workers, channels, limits, self.logfile)
        self.proc = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self, timeout=180):
        log(
            "starting Odoo on port %d: --workers %d --load=web,queue_job, channels %s (log: %s)"
            % (self.port, self.workers, self.channels, self.logfile)
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "odoo", "-c", self.config, "--workers", str(self.workers), "--load=web,queue_job"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("Odoo exited with %s (see %s)" % (self.proc.returncode, self.logfile))
            if self._http_up() and self._runner_ready():
                return self
            time.sleep(0.5)
        raise RuntimeError("Odoo did not get ready in %d s (see %s)" % (timeout, self.logfile))

    def _http_up(self):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/web/health" % self.port, timeout=5) as answer:
                return answer.status == 200
        except OSError:
            return False

    def _runner_ready(self):
        try:
            with open(self.logfile, encoding="utf-8", errors="replace") as handle:
                return "queue job runner ready for db %s" % self.db in handle.read()
        except OSError:
            return False

    def warm_up(self):
        """One request per HTTP worker, so each has served before the jobs come."""
        for _ in range(self.workers * 2):
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/web/login" % self.port, timeout=30).read()
            except OSError:
                pass

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # Odoo's graceful stop: workers and job runner end with it
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def jobs(db, channel="root.shipstation"):
    """The jobs of ``channel``: ``[{uuid, state, account, started, seconds, worker_pid, retry, result, ...}]``."""
    rows = query(
        db,
        "SELECT uuid, state, args, extract(epoch from date_created), extract(epoch from date_enqueued),"
        " extract(epoch from date_started), extract(epoch from date_done), exec_time, worker_pid, retry,"
        " result, exc_info IS NOT NULL, identity_key"
        " FROM queue_job WHERE channel = %s ORDER BY id",
        [channel],
    )
    out = []
    for uuid, state, raw_args, created, enqueued, started, done, exec_time, pid, retry, result, failed, key in rows:
        out.append(
            {
                "uuid": uuid,
                "state": state,
                "account_id": _first_arg(raw_args),
                "identity_key": key,
                "created": created and float(created),
                "enqueued": enqueued and float(enqueued),
                "started": started and float(started),
                "done": done and float(done),
                "exec_seconds": exec_time and round(float(exec_time), 2),
                "worker_pid": pid,
                "retry": retry,
                "result": result,
                "exc_info": failed,
            }
        )
    return out


def _first_arg(raw):
    """The account id of a job (its first argument; queue_job stores the arguments as JSON)."""
    try:
        args = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None
    return args[0] if isinstance(args, list) and args else None


def wait_jobs(db, since_count, expected_min, timeout, poll=0.25):
    """Wait until at least ``expected_min`` jobs exist and none is left to run.

    :return: (seconds waited, whether every job ended done)
    """
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        rows = query(db, "SELECT state, count(*) FROM queue_job WHERE channel = 'root.shipstation' GROUP BY 1")
        states = dict(rows)
        total = sum(states.values())
        open_ = sum(v for k, v in states.items() if k not in ("done", "failed", "cancelled"))
        if total - since_count >= expected_min and not open_:
            return time.perf_counter() - started, states
        time.sleep(poll)
    raise RuntimeError("the jobs did not end within %d s" % timeout)
