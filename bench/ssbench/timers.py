"""Where the time goes: the wrappers that time the sync's steps, in the measuring process only."""

import functools
import threading
import time
import tracemalloc


class ProbeStop(Exception):
    """Raised where the memory probe stops: just before the decisions are applied."""


class PhaseTimers:
    """Seconds and SQL queries spent in the sync's steps, by wrapping its methods in
    this process only (measurement, not behaviour).

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

    def _fetch_wrapper(self, func):
        @functools.wraps(func)
        def wrapper(client, *args, **kwargs):
            try:
                return func(client, *args, **kwargs)
            finally:
                if self.probe:
                    self.probe_calls = dict(client.calls_by_endpoint)

        return self.wrap("fetch", wrapper)

    def _apply_wrapper(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if self.probe:
                self.probe_peak = tracemalloc.get_traced_memory()[1]
                raise ProbeStop()
            return func(*args, **kwargs)

        return self.wrap("apply", wrapper)

    def install(self, env):
        from odoo.addons.shipstation_connector.lib.shipstation import fetch, planner  # noqa: PLC0415

        sync_cls = type(env["shipstation.sync"])
        for method, name in (("_sync_account", "total"), ("_targets", "gather.targets"),
                             ("_snapshots", "gather.snapshots"), ("_add_consumption", "gather.consumption"),
                             ("_validate", "odoo.validate"),
                             ("_write_parcels", "odoo.write_parcels")):
            if hasattr(sync_cls, method):
                setattr(sync_cls, method, self.wrap(name, getattr(sync_cls, method)))
        # Grouped writes of sync-field-only decisions, and chunks of validations/cancellations.
        for method, name in (("_apply_quick", "apply.quick"), ("_apply_chunk", "apply.chunk"),
                             ("_cancel", "odoo.cancel"), ("_prepare_validation", "odoo.prepare_validation"),
                             ("_write_decision", "apply.write_decision")):
            if hasattr(sync_cls, method):
                setattr(sync_cls, method, self.wrap(name, getattr(sync_cls, method)))
        sync_cls._apply_all = self._apply_wrapper(sync_cls._apply_all)
        picking_cls = type(env["stock.picking"])
        picking_cls.action_cancel = self.wrap("odoo.action_cancel", picking_cls.action_cancel)
        for method, name in (("_shipstation_chained_pickings", "odoo.chained_pickings"),
                             ("_message_log_batch", "odoo.message_log_batch")):
            if hasattr(picking_cls, method):
                setattr(picking_cls, method, self.wrap(name, getattr(picking_cls, method)))
        fetch.fetch_changes = self._fetch_wrapper(fetch.fetch_changes)
        fetch.fetch_orders = self._fetch_wrapper(fetch.fetch_orders)
        planner.plan = self.wrap("plan", planner.plan)
