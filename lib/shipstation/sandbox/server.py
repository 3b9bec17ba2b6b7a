"""HTTP face of the ShipStation sandbox: the API v1 subset the connector uses, and API v2
under ``/v2/`` (its own auth, limiter and error envelope: see :mod:`.v2`).

Each v1 request goes through, in order: Basic auth (401), the rate limiter (429; a 401
does not spend budget), fault switches, then the route. Control routes under
``/_sandbox/`` (for demos driving a standalone sandbox) need the same auth but skip the
limiter and the faults, so a demo script never eats the connector's budget and can
always clear a fault it set. ``GET /jwks``, the public keys of v2 webhook signatures,
needs no auth at all, like ShipStation's own key URL.

The server also calls webhook subscribers (:mod:`.hooks`, routes in :mod:`.hook_routes`):
one background worker per server posts the deliveries, :meth:`SandboxServer.wait_webhooks`
waits for them and :attr:`SandboxServer.webhook_deliveries` logs them.
"""

import base64
import hmac
import json
import socket
import threading
import time
from collections import namedtuple
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import enforce, v2
from .gates import AUTH_DENIED, Faults, RateLimiter, error_body
from .hooks import WebhookHub
from .quirks import Quirks
from .routes import RouteError, dispatch
from .store import SandboxStore

LoggedRequest = namedtuple("LoggedRequest", "method path query status")


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keep-alive: a client Session reuses its connection, as with the real API.
    protocol_version = "HTTP/1.1"
    server_version = "ShipStationSandbox/1.0"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle plus the
        # peer's delayed ACK would add ~40 ms to every keep-alive response.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self):
        try:
            self.server.sandbox._handle(self)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout test); nothing left to answer.
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by http.server
        if self.server.sandbox.verbose:
            super().log_message(format, *args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Disconnects are normal in timeout tests; keep stderr quiet about them.
        if not self.sandbox.verbose:
            return
        super().handle_error(request, client_address)


class SandboxServer:
    """A ShipStation API v1 and v2 look-alike on a local port (use ``with`` or start/stop).

    :param store: a :class:`SandboxStore` to serve (default: a new one)
    :param seed: seed dict or JSON path loaded into the store
    :param api_key: Basic auth user name expected
    :param api_secret: Basic auth password expected
    :param port: 0 picks a free port
    :param rate_limit: requests per window, None for unlimited
    :param rate_window: window length in seconds
    :param api_key_v2: ``API-Key`` header expected under ``/v2/``
    :param rate_limit_v2: v2 requests per window (its own budget), None for unlimited
    :param rate_window_v2: v2 window length in seconds
    :param clock: clock of the rate limiter and of a new store (default: the store's)
    :param verbose: log one stderr line per request
    :param float webhook_timeout: seconds one webhook delivery may take
    :param bool strict: hold every answer to the contract too, and refuse undeclared and
        read-only request fields (see :mod:`.enforce`); departures go to :attr:`deviations`
    """

    def __init__(
        self,
        store=None,
        seed=None,
        api_key="key",
        api_secret="secret",
        host="127.0.0.1",
        port=0,
        rate_limit=None,
        rate_window=60,
        clock=None,
        verbose=False,
        api_key_v2="v2-key",
        rate_limit_v2=200,
        rate_window_v2=60,
        webhook_timeout=5.0,
        strict=False,
    ):
        self.store = store if store is not None else SandboxStore(clock=clock)
        if seed is not None:
            self.store.load_seed(seed)
        self.clock = clock or self.store.clock
        self.host, self.port, self.verbose = host, port, verbose
        self.faults = Faults()
        self.quirks = Quirks()
        self.limiter = RateLimiter(rate_limit, rate_window, self.clock)
        self.limiter_v2 = RateLimiter(rate_limit_v2, rate_window_v2, self.clock)
        self._credentials = (api_key, api_secret)
        self._api_key_v2 = api_key_v2
        self._log, self._log_lock = [], threading.Lock()
        self._httpd = self._thread = None
        self.strict = strict
        #: Departures from the contract seen in strict mode: ``(version, method, path, [Deviation])``.
        self.deviations = []
        #: Webhook subscriptions of both dialects, signing key and delivery worker.
        self.webhooks = WebhookHub(self, timeout=webhook_timeout)
        self.store.add_listener(self.webhooks.store_event)

    @property
    def url(self):
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        return "http://%s:%s" % (self.host, self.port)

    @property
    def jwks_url(self):
        """URL of the public keys that sign v2 webhooks (``KeyCache(server.jwks_url)``)."""
        return self.url + "/jwks"

    def start(self):
        """Serve in a daemon thread. :return: self"""
        if self._httpd is None:
            self._httpd = _HTTPServer((self.host, self.port), _Handler)
            self._httpd.sandbox = self
            self.port = self._httpd.server_address[1]
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.02},
                name="shipstation-sandbox",
                daemon=True,
            )
            self._thread.start()
        self.webhooks.start()
        return self

    def stop(self):
        """Stop serving and free the port; webhook deliveries not yet made are dropped."""
        self.webhooks.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join()
            self._httpd = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- webhooks ------------------------------------------------------------------------

    @property
    def webhook_deliveries(self):
        """Copy of the delivery log: ``WebhookDelivery(url, event, status_or_error, seconds)``."""
        return self.webhooks.deliveries

    def wait_webhooks(self, timeout=5):
        """Wait until every webhook delivery queued so far was made. :return: whether it was"""
        return self.webhooks.wait(timeout)

    def record(self, version, method, path, deviations):
        """Keep departures from the contract (strict mode) in :attr:`deviations`."""
        with self._log_lock:
            self.deviations.append((version, method, path, deviations))

    # -- request log ---------------------------------------------------------------------

    @property
    def requests(self):
        """Copy of the log: one ``LoggedRequest(method, path, query, status)`` per request."""
        with self._log_lock:
            return list(self._log)

    def count(self, method=None, path_prefix=None):
        """How many logged requests match ``method`` and start with ``path_prefix``."""
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method.upper())
            and (path_prefix is None or r.path.startswith(path_prefix))
        )

    def reset_log(self):
        """Empty the request log."""
        with self._log_lock:
            self._log.clear()

    # -- request handling ----------------------------------------------------------------

    def _authorized(self, header):
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            key, _, secret = base64.b64decode(token.strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(key, self._credentials[0]) & hmac.compare_digest(secret, self._credentials[1])

    def _authorized_v2(self, api_key):
        if not api_key or not self._api_key_v2:
            return False
        return hmac.compare_digest(api_key.encode("utf-8"), self._api_key_v2.encode("utf-8"))

    def _answer(self, method, path, query, raw_body, auth, api_key=None):
        """Decide ``(status, body, headers)`` for one request (``api_key``: the API-Key header)."""
        if v2.is_v2(path):
            return v2.answer(self, method, path, query, raw_body, api_key)
        if path.lower() == "/jwks" and method == "GET":
            return 200, self.webhooks.jwks(), {}
        control = path.lower().startswith("/_sandbox/")
        if not self._authorized(auth):
            return 401, dict(AUTH_DENIED), self.limiter.peek()
        if control:
            headers, fault = self.limiter.peek(), None
        else:
            allowed, headers = self.limiter.take()
            if not allowed:
                return 429, error_body(429), headers
            fault = self.faults.take(method, path, query)
        if fault and fault["delay"]:
            time.sleep(fault["delay"])
        elif fault and not fault["malformed"]:
            if fault["status"] == 429:
                headers["X-Rate-Limit-Remaining"] = "0"
            headers = dict(headers, **fault["headers"])
            body = fault["body"] if fault["body"] is not None else error_body(fault["status"])
            return fault["status"], body, headers
        refusal = None if control else enforce.request_refusal(self, "v1", method, path, query, raw_body)
        if refusal is not None:
            return refusal[0], refusal[1], headers
        status, body = self._dispatch(method, path, query, raw_body)
        if fault and fault["malformed"]:
            text = json.dumps(body)
            return 200, text[: max(1, len(text) // 2)], dict(headers, **{"Content-Type": "application/json"})
        if not control:
            status, body = enforce.checked_answer(self, "v1", method, path, status, body)
        return status, body, headers

    def _dispatch(self, method, path, query, raw_body):
        """``(status, body)`` of the v1 route for a request."""
        try:
            return dispatch(self, method, path, query, raw_body)
        except RouteError as exc:
            return exc.status, exc.body
        except Exception as exc:  # noqa: BLE001 - any bug answers 500 like ASP.NET would
            return 500, error_body(500, "%s: %s" % (type(exc).__name__, exc))

    def _handle(self, handler):
        split = urlsplit(handler.path)
        path = split.path.rstrip("/") or "/"
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(handler.headers.get("Content-Length") or 0)
        raw_body = handler.rfile.read(length) if length else b""
        method = handler.command.upper()
        status, body, headers = self._answer(
            method, path, query, raw_body, handler.headers.get("Authorization"), handler.headers.get("API-Key")
        )
        with self._log_lock:
            self._log.append(LoggedRequest(method, path, query, status))
        if body is None or status == 204:  # No Content
            data = b""
        elif isinstance(body, str):
            data = body.encode("utf-8")
            headers.setdefault("Content-Type", "text/html; charset=utf-8")
        else:
            data = json.dumps(body).encode("utf-8")
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        if status != 204:  # a 204 carries no Content-Length (RFC 9110)
            handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
