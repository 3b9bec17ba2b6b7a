"""Where the time goes: the sync's methods timed, in one table, and the wrappers.

Each row of :data:`TIMED` is ``(target, method, label)``: ``target`` is an Odoo model
name (its registry class is wrapped, in the measuring process only) or a module of the
addon by its dotted path under the addon (``lib.shipstation.fetch``: its function is
replaced, and the sync calls it through the module). Several rows may share a label:
their calls and costs add up. When the sync's code moves a method, this table is the
one place to change; a row whose target has no such method stops the benchmark before
anything is measured (:func:`resolve`).
"""

import functools
import importlib
import threading
import time
import tracemalloc

ADDON_MODULE = "odoo.addons.shipstation_connector"

#: (Odoo model name, or module path under the addon; method; label in the report)
TIMED = (
    ("shipstation.sync", "_sync_account", "total"),
    ("shipstation.sync", "_targets", "gather.targets"),
    ("stock.picking", "_shipstation_snapshots", "gather.snapshots"),
    ("shipstation.shipment", "_shipstation_add_consumption", "gather.consumption"),
    ("lib.shipstation.fetch", "fetch_changes", "fetch"),
    ("lib.shipstation.fetch", "fetch_orders", "fetch"),
    ("lib.shipstation.fetch_v2", "fetch_changes_v2", "fetch"),
    ("lib.shipstation.fetch_v2", "fetch_orders_v2", "fetch"),
    ("lib.shipstation.planner", "plan", "plan"),
    ("shipstation.sync", "_apply_all", "apply"),
    ("shipstation.sync", "_apply_quick", "apply.quick"),
    ("shipstation.sync", "_apply_chunk", "apply.chunk"),
    ("stock.picking", "_shipstation_write_decision", "apply.write_decision"),
    ("stock.picking", "_shipstation_validate", "odoo.validate"),
    ("stock.picking", "_shipstation_cancel", "odoo.cancel"),
    ("stock.picking", "_shipstation_prepare_validation", "odoo.prepare_validation"),
    ("shipstation.shipment", "_shipstation_update_parcels", "odoo.write_parcels"),
    ("stock.picking", "action_cancel", "odoo.action_cancel"),
    ("stock.picking", "_shipstation_chained_pickings", "odoo.chained_pickings"),
    ("stock.picking", "_message_log_batch", "odoo.message_log_batch"),
    ("shipstation.sync.run", "_shipstation_record", "history"),
)
#: The memory probe stops when the step of this label starts (nothing applied yet)...
PROBE_STOP_LABEL = "apply"
#: ... and keeps the API calls counted by the client of this label's functions
#: (``func(client, ...)``).
PROBE_CALLS_LABEL = "fetch"


class TimedMethodMissing(LookupError):
    """A row of :data:`TIMED` names a model, module or method the code does not have."""


class ProbeStop(BaseException):
    """Raised where the memory probe stops: just before the decisions are applied.

    A BaseException, like KeyboardInterrupt: the sync's guard of each account catches
    every Exception, and the probe must get through it."""


def resolve(env, table=TIMED):
    """The object holding each row's method: ``[(holder, method, label)]``.

    :raise TimedMethodMissing: naming the target and the method, for the first row the
        code cannot serve (a timer must never be skipped silently)
    """
    labels = {label for _, _, label in table}
    for needed in (PROBE_STOP_LABEL, PROBE_CALLS_LABEL):
        if needed not in labels:
            raise TimedMethodMissing(
                "bench timers: no row of TIMED has the label %r, which the memory probe needs" % needed
            )
    resolved, seen = [], set()
    for target, method, label in table:
        if (target, method) in seen:
            raise TimedMethodMissing("bench timers: %s.%s is listed twice in TIMED" % (target, method))
        seen.add((target, method))
        if target in env.registry:
            holder, kind = type(env[target]), "model"
        else:
            try:
                holder, kind = importlib.import_module("%s.%s" % (ADDON_MODULE, target)), "module"
            except ImportError as error:
                raise TimedMethodMissing(
                    "bench timers: %r (TIMED row for %s, label %r) is neither an Odoo model "
                    "nor a module of the addon (%s)" % (target, method, label, error)
                ) from None
        if not callable(getattr(holder, method, None)):
            raise TimedMethodMissing(
                "bench timers: %s %r has no method %r (TIMED row labelled %r): update the "
                "table in bench/ssbench/timers.py" % (kind, target, method, label)
            )
        resolved.append((holder, method, label))
    return resolved


class PhaseTimers:
    """Seconds and SQL queries spent in the sync's steps, by wrapping the methods of
    :data:`TIMED` in this process only (measurement, not behaviour).

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

    def _probe_hook(self, label, func):
        """``func`` with what the memory probe needs at its label, if anything."""
        if label == PROBE_STOP_LABEL:

            @functools.wraps(func)
            def stop_before(*args, **kwargs):
                if self.probe:
                    self.probe_peak = tracemalloc.get_traced_memory()[1]
                    raise ProbeStop()
                return func(*args, **kwargs)

            return stop_before
        if label == PROBE_CALLS_LABEL:

            @functools.wraps(func)
            def keep_calls(client, *args, **kwargs):
                try:
                    return func(client, *args, **kwargs)
                finally:
                    if self.probe:
                        self.probe_calls = dict(client.calls_by_endpoint)

            return keep_calls
        return func

    def install(self, env, table=TIMED):
        """Wrap every method of ``table``; all rows are checked before the first is wrapped."""
        for holder, method, label in resolve(env, table):
            setattr(holder, method, self.wrap(label, self._probe_hook(label, getattr(holder, method))))
