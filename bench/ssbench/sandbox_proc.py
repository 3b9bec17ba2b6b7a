"""The ShipStation sandbox in a process of its own, driven through a pipe.

The benchmark keeps the sandbox out of the Odoo process, so the memory and CPU it
measures are Odoo's alone (a real ShipStation is another machine). The child holds a
:class:`SandboxServer` speaking v1 and v2 (a v2 key of its own), with ``rate_limit=None``
and ``rate_limit_v2=None`` (calls counted, never refused), and a clock the parent can pin to a
past instant while it builds history (orders created days ago, labels printed hours
ago), then lets run at real time for the measured phases. The scale benchmark passes a v1
``rate_limit`` (ShipStation's 40 calls a minute) and may start a competing consumer of the
same key (:class:`Competitor`).

Only the standard library and the project's ``lib/shipstation`` are imported here:
nothing from Odoo.
"""

import multiprocessing
import os
import re
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timezone

#: Default ``lib`` folder; the benchmark passes the one of its code snapshot.
LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "lib")
_ID = re.compile(r"/(?:se-)?\d+(?=/|$)")  # v1 ids, and v2's se-123


class PinnableClock:
    """Real UTC now, unless pinned to a fixed instant (while history is built)."""

    def __init__(self):
        self.pinned = None

    def __call__(self):
        return self.pinned or datetime.now(timezone.utc)


def _apply_ops(store, clock, order_id, ops):
    """Run ``ops`` on one order: ``(kind, at, arg)``; ``at`` None means real now."""
    for kind, at, arg in ops:
        clock.pinned = at
        try:
            if kind == "ship":
                store.ship_order(
                    order_id,
                    parcels=[{"items": [{"sku": sku, "quantity": qty} for sku, qty in parcel]} for parcel in arg],
                )
            elif kind == "void":
                # Void the newest live outbound label (arg: unused).
                live = [s for s in store.shipments_of(order_id) if not s["voided"] and not s["isReturnLabel"]]
                store.void_shipment(max(live, key=lambda s: s["shipmentId"])["shipmentId"])
            elif kind == "cancel":
                store.cancel_order(order_id)
            else:
                raise ValueError("unknown sandbox op %r" % kind)
        finally:
            clock.pinned = None


def _build(store, clock, specs):
    """Create orders (``{"number", "items": [(sku, qty)], "create": dt, "ops": [...]}``)
    and replay their history. :return: their orderIds"""
    ids = store.add_many(
        {
            "orderNumber": spec["number"],
            "createDate": spec["create"],
            "orderDate": spec["create"],
            "items": [{"sku": sku, "name": sku, "quantity": qty, "unitPrice": 10.0} for sku, qty in spec["items"]],
        }
        for spec in specs
    )
    for order_id, spec in zip(ids, specs):
        _apply_ops(store, clock, order_id, spec.get("ops") or ())
    return ids


def _apply_all(store, clock, changes):
    """Replay ``[(orderId, ops)]``. :return: how many orders"""
    for order_id, ops in changes:
        _apply_ops(store, clock, order_id, ops)
    return len(changes)


def _log_summary(server):
    requests = server.requests
    return {
        "total": len(requests),
        "by_endpoint": dict(Counter("%s %s" % (r.method, _ID.sub("/{id}", r.path)) for r in requests)),
        "by_status": dict(Counter(str(r.status) for r in requests)),
        "count_get_orders": server.count("GET", "/orders"),
        "count_get_shipments": server.count("GET", "/shipments"),
        "count_get_fulfillments": server.count("GET", "/fulfillments"),
        "count_get_v2_shipments": server.count("GET", "/v2/shipments"),
        "count_get_v2_labels": server.count("GET", "/v2/labels"),
    }


class Competitor(threading.Thread):
    """Another app on the same API key: spends one call of the v1 budget every ``60 / per_minute``
    seconds (through the rate limiter, not over HTTP, so the request log holds the connector's
    calls only). A call the window refuses is counted and not tried again."""

    def __init__(self, limiter, per_minute):
        super().__init__(daemon=True, name="sandbox-competitor")
        self.limiter, self.interval = limiter, 60.0 / per_minute
        self.spent = self.refused = 0
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.wait(self.interval):
            allowed, _headers = self.limiter.take()
            if allowed:
                self.spent += 1
            else:
                self.refused += 1

    def stop(self):
        self._stop_event.set()
        self.join()
        return {"spent": self.spent, "refused": self.refused}


def _compete(server, state, per_minute):
    """Start (``per_minute`` > 0) or stop (0) the competitor. :return: its counts when stopped"""
    running = state.pop("competitor", None)
    counts = running.stop() if running else None
    if per_minute:
        state["competitor"] = Competitor(server.limiter, per_minute)
        state["competitor"].start()
    return counts


def _rate_window(server):
    """The v1 limiter's window: calls spent and seconds left (``X-Rate-Limit-*`` as a client sees them)."""
    headers = server.limiter.peek()
    return {
        "limit": server.limiter.limit,
        "remaining": int(headers["X-Rate-Limit-Remaining"]),
        "reset": int(headers["X-Rate-Limit-Reset"]),
        "at": time.time(),
    }


def _child(conn, api_key, api_secret, api_key_v2, lib, rate_limit=None, rate_window=60):  # noqa: PLR0913
    sys.path.insert(0, lib)
    from shipstation.sandbox import SandboxServer  # noqa: PLC0415 - import in the child only

    clock = PinnableClock()
    server = SandboxServer(
        api_key=api_key,
        api_secret=api_secret,
        rate_limit=rate_limit,
        rate_window=rate_window,
        api_key_v2=api_key_v2,
        rate_limit_v2=None,
        clock=clock,
    ).start()
    store = server.store
    state = {}
    commands = {
        "build": lambda specs: _build(store, clock, specs),
        "apply": lambda changes: _apply_all(store, clock, changes),
        "reset_log": lambda _: server.reset_log(),
        "log": lambda _: _log_summary(server),
        "counts": lambda _: store.counts(),
        "shipments_of": store.shipments_of,
        "compete": lambda per_minute: _compete(server, state, per_minute),
        "rate_window": lambda _: _rate_window(server),
    }
    conn.send(server.url)
    while True:
        try:
            command, payload = conn.recv()
        except EOFError:
            break
        if command == "stop":
            server.stop()
            conn.send(None)
            break
        try:
            if command not in commands:
                raise ValueError("unknown command %r" % command)
            conn.send(("ok", commands[command](payload)))
        except Exception as error:  # noqa: BLE001 - reported to the parent, which raises
            conn.send(("error", "%s: %s" % (type(error).__name__, error)))


class SandboxProcess:
    """Parent-side handle: ``url`` plus one method per command."""

    def __init__(self, api_key, api_secret, api_key_v2, lib=LIB, rate_limit=None, rate_window=60):  # noqa: PLR0913
        """``rate_limit``: v1 calls a ``rate_window`` (seconds) allows, as ShipStation's 40 a minute;
        None (default) counts the calls and never refuses one."""
        ctx = multiprocessing.get_context("spawn")
        self._conn, child_conn = ctx.Pipe()
        self._proc = ctx.Process(
            target=_child,
            args=(child_conn, api_key, api_secret, api_key_v2, lib, rate_limit, rate_window),
            daemon=True,
            name="shipstation-sandbox",
        )
        self._proc.start()
        child_conn.close()
        self.url = self._conn.recv()
        self.pid = self._proc.pid

    def _call(self, command, payload=None):
        self._conn.send((command, payload))
        status, result = self._conn.recv()
        if status != "ok":
            raise RuntimeError("sandbox %s failed: %s" % (command, result))
        return result

    def build(self, specs):
        return self._call("build", specs)

    def apply(self, changes):
        return self._call("apply", changes)

    def reset_log(self):
        return self._call("reset_log")

    def log(self):
        return self._call("log")

    def counts(self):
        return self._call("counts")

    def shipments_of(self, order_id):
        return self._call("shipments_of", order_id)

    def compete(self, per_minute):
        """Start another app spending ``per_minute`` v1 calls of the key's budget (0 stops it).

        :return: the stopped competitor's ``{spent, refused}``, or None
        """
        return self._call("compete", per_minute)

    def rate_window(self):
        return self._call("rate_window")

    def stop(self):
        if self._proc.is_alive():
            try:
                self._conn.send(("stop", None))
                self._conn.recv()
            except (EOFError, OSError):
                pass
            self._proc.join(5)
            if self._proc.is_alive():
                self._proc.terminate()
                self._proc.join(5)
