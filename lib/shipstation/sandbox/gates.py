"""Gates in front of the sandbox's v1 routes: ShipStation's error bodies, the rate
limiter and the fault switches (see :mod:`.server` for the order they apply in)."""

import math
import threading

AUTH_DENIED = {"Message": "Authorization has been denied for this request."}
UNLIMITED = 1000000  # shown as X-Rate-Limit-Limit when no limit is configured
_GATEWAY_HTML = "<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>"


def error_body(status, message=None):
    """A realistic ShipStation (ASP.NET Web API) error body for ``status``.

    Gateway errors (502-504) are HTML, as a load balancer would send them.
    """
    if status == 400:
        return {"Message": "The request is invalid.", "ModelState": {"request": [message or "Simulated bad request."]}}
    if status == 401:
        return dict(AUTH_DENIED)
    if status == 404:
        return {"Message": message or "No HTTP resource was found that matches the request URI."}
    if status == 429:
        return {"Message": "Too Many Requests"}
    if status in (502, 503, 504):
        phrase = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Time-out"}[status]
        return _GATEWAY_HTML % (status, phrase, status, phrase)
    return {
        "Message": "An error has occurred.",
        "ExceptionMessage": message or "Simulated failure (sandbox fault).",
        "ExceptionType": "System.Exception",
        "StackTrace": None,
    }


class RateLimiter:
    """Fixed windows of ``window`` seconds, the first starting at the first request.

    :param limit: requests per window, or None for unlimited (headers still sent)
    :param clock: callable returning an aware datetime (a :class:`FakeClock` in tests)
    """

    def __init__(self, limit, window, clock):
        self.limit, self.window, self.clock = limit, window, clock
        self._start, self._used = None, 0
        self._lock = threading.Lock()

    def _roll(self):
        now = self.clock().timestamp()
        if self._start is None or now >= self._start + self.window:
            self._start, self._used = now, 0
        return now

    def _headers(self, now):
        limit = self.limit if self.limit is not None else UNLIMITED
        return {
            "X-Rate-Limit-Limit": str(limit),
            "X-Rate-Limit-Remaining": str(max(0, limit - self._used)),
            "X-Rate-Limit-Reset": str(max(1, math.ceil(self._start + self.window - now))),
        }

    def take(self):
        """Spend one request if the window allows. :return: ``(allowed, headers)``"""
        with self._lock:
            now = self._roll()
            allowed = self.limit is None or self._used < self.limit
            if allowed:
                self._used += 1
            return allowed, self._headers(now)

    def peek(self):
        """Headers describing the current window, without spending."""
        with self._lock:
            return self._headers(self._roll())


class Faults:
    """Fault switches: make matching requests fail, stall or return broken JSON."""

    def __init__(self):
        self._faults = []
        self._lock = threading.Lock()

    def add(  # noqa: PLR0913 - each switch of a fault
        self,
        status=500,
        count=1,
        path=None,
        query=None,
        delay=None,
        malformed=False,
        body=None,
        method=None,
        headers=None,
    ):
        """Arm a fault for the next ``count`` matching requests (None: until cleared).

        :param int status: status to answer, with a realistic error body
        :param str path: exact request path, or a prefix when it ends with ``*``;
            None matches every API path
        :param dict query: parameters that must all be present with these values
        :param float delay: instead of failing, sleep this many real seconds, then
            answer normally (for client timeout tests)
        :param bool malformed: instead of failing, answer 200 with truncated JSON
        :param body: dict (sent as JSON) or str (sent as text) replacing the error body
        :param str method: only this HTTP method
        :param dict headers: headers added to the failing answer, e.g. ``{"Retry-After": "30"}``
        :return: the fault (a dict; its ``count`` goes down as it fires)
        """
        fault = {
            "status": int(status),
            "count": count,
            "path": path,
            "delay": delay,
            "malformed": bool(malformed),
            "body": body,
            "method": method.upper() if method else None,
            "headers": {str(k): str(v) for k, v in (headers or {}).items()},
            "query": {str(k).lower(): str(v) for k, v in (query or {}).items()},
        }
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self):
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()

    def __len__(self):
        with self._lock:
            return len(self._faults)

    def take(self, method, path, query):
        """The first armed fault matching the request (spending one of its count), or None."""
        lowered = {k.lower(): v for k, v in query.items()}
        with self._lock:
            for fault in self._faults:
                wanted = fault["path"]
                if wanted and not (path.startswith(wanted[:-1]) if wanted.endswith("*") else path == wanted):
                    continue
                if fault["method"] and fault["method"] != method:
                    continue
                if any(lowered.get(k) != v for k, v in fault["query"].items()):
                    continue
                if fault["count"] is not None:
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        self._faults.remove(fault)
                return fault
        return None
