"""Webhooks of the sandbox: the subscriptions of both dialects, the v2 signing key, and the one
worker thread that calls the subscribed URLs.

The store tells the hub what happened (:meth:`WebhookHub.store_event`: labels created,
an order marked as shipped, each with a batch id); the hub queues one delivery for each
subscription whose event matches, and the worker posts them in order, one at a time, so the
store mutation and the HTTP answer that caused it never wait for a receiver. Each
delivery is a POST of ShipStation's thin body ``{"resource_url", "resource_type"}`` with
``Content-Type: application/json`` and no credentials; a v2 one also carries the three
signature headers (:func:`shipstation.sandbox.signing.sign_v2`), made when it is sent, with the
sandbox's RSA key, published at ``GET /jwks``, and stamped with the real time, not the
store's clock (a receiver checks the stamp against its own clock). Redirects are not followed; a delivery's
outcome (status, or the error's name) is logged in :attr:`WebhookHub.deliveries`.

ShipStation's rules kept here: only outbound labels fire (a return label does not), one
webhook for a batch of labels, and v1 subscriptions may repeat where v2 refuses the same
event and URL twice (409). A v1 subscription's ``store_id`` is kept and listed, but does
not narrow what it receives.
"""

import itertools
import json
import logging
import queue
import threading
import time
import uuid
from collections import namedtuple

import requests
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.asymmetric import rsa

from .signing import jwk_of, sign_v2

_logger = logging.getLogger(__name__)

#: One delivery attempt: ``status_or_error`` is the HTTP status, or the error's name.
WebhookDelivery = namedtuple("WebhookDelivery", "url event status_or_error seconds")

#: Events each dialect accepts, and the path of the resource_url each one points at.
V1_RESOURCES = {
    "ORDER_NOTIFY": "/orders?importBatch={batch}",
    "ITEM_ORDER_NOTIFY": "/orders?importBatch={batch}",
    "SHIP_NOTIFY": "/shipments?batchId={batch}&includeShipmentItems=False",
    "ITEM_SHIP_NOTIFY": "/shipments?batchId={batch}&includeShipmentItems=True",
    "FULFILLMENT_SHIPPED": "/fulfillments?batchId={batch}",
    "FULFILLMENT_REJECTED": "/fulfillments?batchId={batch}",
}
V2_RESOURCES = {
    "BATCH_PROCESSED_V2": "/v2/batches?batch_id=se-{batch}",
    "TRACK_EVENT_V2": "/v2/labels?batch_id=se-{batch}",
    "SHIPMENT_CREATED_V2": "/v2/shipments?batch_id=se-{batch}",
    "LABEL_CREATED_V2": "/v2/labels?batch_id=se-{batch}",
    "FULFILLMENT_SHIPPED_V2": "/v2/fulfillments?batch_id=se-{batch}",
    "FULFILLMENT_REJECTED_V2": "/v2/fulfillments?batch_id=se-{batch}",
}
#: What a store event fires in each dialect.
STORE_EVENTS = {
    "labels": ("SHIP_NOTIFY", "LABEL_CREATED_V2"),
    "fulfillments": ("FULFILLMENT_SHIPPED", "FULFILLMENT_SHIPPED_V2"),
}
FIRST_HOOK_ID = 21001
_STOP = object()


def dialect_of(event):
    """``"v1"`` or ``"v2"`` for a known event name, else None."""
    if event in V1_RESOURCES:
        return "v1"
    if event in V2_RESOURCES:
        return "v2"
    return None


class WebhookHub:
    """Subscriptions, signing key and delivery worker of one :class:`~.server.SandboxServer`.

    :param server: the server (its ``url`` goes into resource URLs)
    :param float timeout: seconds one delivery may take (connect and read)
    """

    def __init__(self, server, timeout=5.0):
        self.server, self.timeout = server, timeout
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._hooks = {"v1": {}, "v2": {}}
        self._ids = itertools.count(FIRST_HOOK_ID)
        self._keys = []  # (kid, private key), newest last; all published
        self._deliveries, self._pending = [], 0
        self._queue = queue.Queue()
        self._thread = None

    # -- subscriptions ----------------------------------------------------------------------

    def subscribe(self, dialect, url, event, name=None, store_id=None, headers=None, unique=False):
        """Add a subscription.

        :param bool unique: add none when ``dialect`` has one for this event and URL already
        :return: its record (a dict; ``id`` is text), or None when ``unique`` found one
        """
        with self._lock:
            if unique and any((h["url"], h["event"]) == (url, event) for h in self._hooks[dialect].values()):
                return None
            number = next(self._ids)
            hook = {
                "id": str(number) if dialect == "v1" else "se-%d" % number,
                "url": url,
                "event": event,
                "name": name,
                "store_id": store_id,
                "headers": list(headers or []),
            }
            self._hooks[dialect][hook["id"]] = hook
            return dict(hook)

    def unsubscribe(self, dialect, hook_id):
        """Remove a subscription. :return: whether it existed"""
        with self._lock:
            return self._hooks[dialect].pop(str(hook_id), None) is not None

    def hooks(self, dialect):
        """Copies of the subscriptions of ``dialect``, oldest first."""
        with self._lock:
            return [dict(h) for h in self._hooks[dialect].values()]

    def clear(self):
        """Forget every subscription and the delivery log (``POST /_sandbox/reset``)."""
        with self._lock:
            self._hooks = {"v1": {}, "v2": {}}
            self._deliveries = []

    # -- signing key --------------------------------------------------------------------------

    def _current_key(self):
        with self._lock:
            if not self._keys:
                self._keys.append(_new_key())
            return self._keys[-1]

    @property
    def kid(self):
        """The id of the key that signs v2 deliveries now."""
        return self._current_key()[0]

    def rotate_key(self, keep_old=True):
        """Sign with a new key from now on; the old one stays published unless ``keep_old`` is false."""
        self._current_key()
        with self._lock:
            self._keys = [*self._keys, _new_key()] if keep_old else [_new_key()]

    def jwks(self):
        """The published key set, ``{"keys": [JWK, ...]}`` (``GET /jwks``)."""
        self._current_key()
        with self._lock:
            return {"keys": [jwk_of(key.public_key(), kid) for kid, key in self._keys]}

    def sign(self, body, timestamp=None):
        """The signature headers of ``body`` with the current key (see :func:`~shipstation.sandbox.signing.sign_v2`)."""
        kid, key = self._current_key()
        return sign_v2(key, kid, body, timestamp)

    # -- firing ------------------------------------------------------------------------------------

    def resource_url(self, event, batch_id):
        """The resource_url ShipStation would send for ``event`` about ``batch_id``."""
        path = (V1_RESOURCES.get(event) or V2_RESOURCES[event]).format(batch=batch_id)
        return self.server.url + path

    def store_event(self, kind, batch_id):
        """The store's listener: ``kind`` is ``labels`` or ``fulfillments``, of one batch."""
        for event in STORE_EVENTS[kind]:
            self.fire(event, resource_url=self.resource_url(event, batch_id))

    def fire(self, event, count=1, url=None, resource_url=None, body_data=None):
        """Queue ``count`` deliveries of ``event`` to every matching subscription, or to ``url``.

        :param str resource_url: the body's resource_url; default a new batch id each delivery
        :param dict body_data: the body's ``data``, when the event carries one (``TRACK_EVENT_V2``)
        :return: how many deliveries were queued
        """
        dialect = dialect_of(event)
        if dialect is None:
            raise ValueError("'%s' is not a ShipStation webhook event." % event)
        with self._lock:
            if url:
                targets = [(url, [])]
            else:
                targets = [(h["url"], h["headers"]) for h in self._hooks[dialect].values() if h["event"] == event]
            self._pending += len(targets) * count
            deliveries = self._queue
        for _ in range(count):
            body = {
                "resource_url": resource_url or self.resource_url(event, uuid.uuid4()),
                "resource_type": event,
            }
            if body_data is not None:
                body["data"] = body_data
            data = json.dumps(body).encode("utf-8")
            for target, extra in targets:
                deliveries.put((target, event, dialect, data, extra))
        return len(targets) * count

    # -- the worker -----------------------------------------------------------------------------------

    @property
    def deliveries(self):
        """Copy of the delivery log, oldest first."""
        with self._lock:
            return list(self._deliveries)

    @property
    def pending(self):
        """Deliveries queued and not yet done."""
        with self._lock:
            return self._pending

    def start(self):
        """Start the worker thread (once); deliveries fired before it starts wait for it."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, args=(self._queue,), name="shipstation-sandbox-webhooks", daemon=True
                )
                self._thread.start()

    def stop(self):
        """Stop the worker; deliveries still queued are dropped (a new start begins empty)."""
        with self._lock:
            thread, deliveries, self._thread = self._thread, self._queue, None
            self._queue, self._pending = queue.Queue(), 0
            self._done.notify_all()
        if thread is not None:
            while True:  # drop what is queued: only the delivery under way may finish
                try:
                    deliveries.get_nowait()
                except queue.Empty:
                    break
            deliveries.put(_STOP)
            thread.join(self.timeout + 1)

    def wait(self, timeout=5):
        """Wait until every queued delivery was made. :return: whether the queue drained"""
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, timeout)

    def _finished(self, delivery, deliveries):
        with self._done:
            self._deliveries.append(delivery)
            if deliveries is self._queue:  # not a delivery of a worker since stopped
                self._pending = max(0, self._pending - 1)
            self._done.notify_all()

    def _work(self, deliveries):
        with requests.Session() as session:
            session.trust_env = False  # no ~/.netrc credentials, no proxy from the environment
            while True:
                item = deliveries.get()
                if item is _STOP:
                    return
                self._finished(self._deliver(session, *item), deliveries)

    def _deliver(self, session, url, event, dialect, data, extra):
        headers = {"Content-Type": "application/json", "User-Agent": "ShipStationSandbox-Webhooks/1.0"}
        for header in extra:
            if isinstance(header, dict) and header.get("key"):
                headers[str(header["key"])] = str(header.get("value") or "")
        if dialect == "v2":
            headers.update(self.sign(data))
        started = time.monotonic()
        try:
            response = session.post(url, data=data, headers=headers, timeout=self.timeout, allow_redirects=False)
            response.close()
            outcome = response.status_code
        except (requests.exceptions.RequestException, ValueError) as exc:
            outcome = type(exc).__name__
        _logger.debug("sandbox webhook %s to %s: %s", event, url, outcome)
        return WebhookDelivery(url, event, outcome, round(time.monotonic() - started, 4))


def _new_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048, backend=default_backend())
    return "sandbox-%s" % uuid.uuid4().hex[:12], key
