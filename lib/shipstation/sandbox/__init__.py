"""ShipStation sandbox: a local HTTP server speaking the ShipStation API v1 subset the
connector uses, and API v2 under ``/v2/`` over the same data (header ``API-Key``; see
:mod:`.v2`), for tests (real HTTP on 127.0.0.1), demos and benchmarks.

Standard library plus ``python-dateutil`` only; nothing here imports Odoo. Typical use::

    from shipstation.sandbox import DEMO_SEED_PATH, FakeClock, SandboxServer

    with SandboxServer(seed=DEMO_SEED_PATH, clock=FakeClock(), rate_limit=40) as server:
        ...  # point a client at server.url with Basic auth key/secret
        server.store.ship_order(order_id)  # change data behind the client's back
        server.faults.add(status=503, path="/shipments")
        server.wait_webhooks()  # deliveries to subscribed URLs are made by a background worker

See :mod:`.store` for the seed format (relative timestamps like ``"now-3d"``).
"""

import os

from .gates import Faults, RateLimiter
from .hooks import WebhookDelivery
from .records import FakeClock, InvalidRequest
from .server import LoggedRequest, SandboxServer
from .store import SandboxStore

DEMO_SEED_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo_seed.json")

__all__ = [
    "DEMO_SEED_PATH",
    "FakeClock",
    "Faults",
    "InvalidRequest",
    "LoggedRequest",
    "RateLimiter",
    "SandboxServer",
    "SandboxStore",
    "WebhookDelivery",
]
