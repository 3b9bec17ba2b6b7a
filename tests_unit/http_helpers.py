"""A small HTTP receiver on 127.0.0.1 for the pure tests: it records every request and answers
what the test asks (a status, a body, a redirect, a delay).

Used as the target of the sandbox's webhook deliveries and as a misbehaving key URL. Every
test folder can import it (``tests_unit/`` is on ``sys.path``, see ``conftest.py``).
"""

import json
import threading
import time
from collections import namedtuple
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Received = namedtuple("Received", "method path headers body")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _serve(self):
        receiver = self.server.receiver
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        receiver._record(Received(self.command, self.path, dict(self.headers.items()), body))
        if receiver.delay:
            time.sleep(receiver.delay)
        status, data, headers = receiver.answer(self)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by http.server
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up (timeout tests) is expected


class Receiver:
    """Records requests on a free local port; use ``with Receiver() as rx: ... rx.url``.

    :param int status: status of every answer
    :param body: dict (sent as JSON), bytes or str answered
    :param str content_type: ``Content-Type`` of the answer
    :param float delay: seconds slept before answering (timeout tests)
    :param str redirect: answer 302 to this URL instead
    """

    def __init__(self, status=200, body=b"", content_type="application/json", delay=0, redirect=None):
        self.status, self.body, self.content_type = status, body, content_type
        self.delay, self.redirect = delay, redirect
        self._received, self._cond = [], threading.Condition()
        self._httpd = self._thread = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self._httpd.server_address[1]

    def __enter__(self):
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.receiver = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def answer(self, handler):
        """``(status, bytes, headers)`` of the answer to ``handler``'s request."""
        if self.redirect:
            return 302, b"", {"Location": self.redirect}
        body = self.body
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        return self.status, body, {"Content-Type": self.content_type}

    def _record(self, received):
        with self._cond:
            self._received.append(received)
            self._cond.notify_all()

    @property
    def received(self):
        """Copy of the requests received, oldest first."""
        with self._cond:
            return list(self._received)

    def wait_for(self, count, timeout=5):
        """Wait until ``count`` requests arrived. :return: the requests received"""
        with self._cond:
            self._cond.wait_for(lambda: len(self._received) >= count, timeout)
            return list(self._received)
