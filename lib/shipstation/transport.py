"""HTTP transport shared by the ShipStation API clients.

Plain Python (``requests``), no Odoo import. A :class:`Transport` holds one
``requests.Session`` and one authentication. It honours ShipStation's rate-limit
headers before a 429 can happen, retries 429, 5xx and network failures a bounded
number of times, counts every call, and turns a final error status into the typed
errors of :mod:`.errors`. What the requests mean is the business of the client
classes built on it (:mod:`.client`).
"""

import logging
import math
import re
import time
from collections import Counter

import requests

from .errors import MalformedResponseError, NetworkError, NotFoundError, RateLimitError, error_for_status
from .network import unreached

_logger = logging.getLogger(__name__)

# Seconds added to X-Rate-Limit-Reset, which ShipStation rounds to whole seconds.
RESET_MARGIN = 0.5
DEFAULT_RATE_WAIT = 60  # a 429 without any delay header: wait one full window
_ID_SEGMENT = re.compile(r"/(?:se-)?\d+(?=/|$)")  # v1 ids, and v2's se-123
_RETRYABLE_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


def _header_seconds(headers, name):
    """Read a numeric header; None when it is missing or not a number."""
    try:
        value = float(headers[name])
    except (KeyError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value >= 0 else None


class Transport:
    """Rate-limited, retrying JSON over HTTP for one ShipStation credential.

    :param str base_url: API root, e.g. the sandbox URL in tests
    :param auth: a ``requests`` auth object (its repr shows no secret)
    :param timeout: ``requests`` timeout, seconds or (connect, read)
    :param int max_retries: retries after a 429, 5xx, connection error or timeout
    :param float backoff: first back-off delay for 5xx and network errors, doubled each retry
    :param float max_wait: longest single wait for the rate limit, in seconds
    :param int rate_limit_reserve: wait for the window reset once Remaining is at or below this
    :param session: a ``requests.Session`` to use instead of a new one (not closed by :meth:`close`)
    :param sleep: sleep function (injectable for tests)
    :param monotonic: monotonic clock function (injectable for tests)
    :param str user_agent: ``User-Agent`` header
    """

    def __init__(
        self,
        base_url,
        auth,
        *,
        timeout=(10, 60),
        max_retries=3,
        backoff=2.0,
        max_wait=120,
        rate_limit_reserve=0,
        session=None,
        sleep=time.sleep,
        monotonic=time.monotonic,
        user_agent="shipstation_connector/17.0",
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.rate_limit_reserve = rate_limit_reserve
        self._sleep = sleep
        self._monotonic = monotonic
        self._auth = auth
        self._own_session = session is None
        self.session = session if session is not None else requests.Session()
        self._headers = {"Accept": "application/json", "User-Agent": user_agent}
        self.call_count = 0
        self.calls_by_endpoint = Counter()
        self.waited = 0.0  # total seconds slept for rate limits and back-off
        self.rate_limit_remaining = None
        #: List entries that were not records at all (set aside, logged).
        self.set_aside = 0
        # monotonic time at which the current window ends (margin included)
        self._reset_at = None

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self.base_url)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """Close the HTTP session, if this client created it.

        :return: None
        """
        if self._own_session:
            self.session.close()

    # ------------------------------------------------------------------ transport

    def _wait(self, seconds, reason):
        """Sleep ``seconds`` through the injected sleep, and count it."""
        if seconds <= 0:
            return
        _logger.info("ShipStation: waiting %.1f s (%s)", seconds, reason)
        self.waited += seconds
        self._sleep(seconds)

    def _respect_rate_limit(self):
        """Before a request, wait for the window reset when the budget is used up."""
        if self.rate_limit_remaining is None or self._reset_at is None:
            return
        if self.rate_limit_remaining > self.rate_limit_reserve:
            return
        delay = min(self._reset_at - self._monotonic(), self.max_wait)
        self.rate_limit_remaining = self._reset_at = None
        self._wait(delay, "rate limit window used up")

    def _note_rate_limit(self, response):
        """Remember X-Rate-Limit-Remaining/Reset of a response."""
        remaining = _header_seconds(response.headers, "X-Rate-Limit-Remaining")
        reset = _header_seconds(response.headers, "X-Rate-Limit-Reset")
        if remaining is not None:
            self.rate_limit_remaining = remaining
            self._reset_at = None
            if reset is not None:
                self._reset_at = self._monotonic() + reset + RESET_MARGIN
        return reset

    def _send(self, method, url, body):
        """Send one HTTP request; network failures come back as exceptions."""
        self.call_count += 1
        endpoint = "%s %s" % (method, _ID_SEGMENT.sub("/{id}", url.path))
        self.calls_by_endpoint[endpoint] += 1
        try:
            # No redirects: a header credential (v2's API-Key) would follow them to another host.
            return self.session.request(
                method,
                url.full,
                json=body,
                auth=self._auth,
                headers=self._headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except ValueError:
            # http.client refuses a header with a line break, quoting it: never say what was sent.
            raise NetworkError("The API key holds a character HTTP cannot send", method, url.full) from None

    def _request(self, method, path, params=None, body=None):
        """Send a request with rate limiting and retries and return the decoded JSON.

        :param str method: ``GET`` or ``POST``
        :param str path: path under the base URL, e.g. ``/orders``
        :param dict params: query parameters, already encoded
        :param body: JSON body, already encoded
        :return: decoded JSON body
        :raises ShipStationError: see :mod:`.errors` for the subclasses
        """
        try:
            url = _Url(self.base_url, path, params)
        except requests.exceptions.RequestException as exc:  # no scheme, invalid host...
            raise NetworkError("The ShipStation API URL is not valid: %s" % exc, method, self.base_url) from exc
        attempt = 0
        while True:
            self._respect_rate_limit()
            try:
                response = self._send(method, url, body)
            except requests.exceptions.RequestException as exc:
                retryable = isinstance(exc, _RETRYABLE_ERRORS) and not any(
                    cls.__name__ == "BlockedRequest" for cls in type(exc).__mro__
                )
                if not retryable or attempt >= self.max_retries:
                    message = unreached(url.full, exc)  # ShipStation, or whatever the URL names
                    raise NetworkError(message, method, url.full) from exc
                _logger.warning("ShipStation %s %s failed (%s)", method, url.full, exc)
                self._wait(self.backoff * 2**attempt, "network error")
                attempt += 1
                continue
            reset = self._note_rate_limit(response)
            status = response.status_code
            _logger.debug("ShipStation %s %s -> %s", method, url.full, status)
            if status == 429 and attempt < self.max_retries:
                retry_after = _header_seconds(response.headers, "Retry-After")
                delay = retry_after if retry_after is not None else reset
                delay = DEFAULT_RATE_WAIT if delay is None else delay + RESET_MARGIN
                self.rate_limit_remaining = self._reset_at = None
                self._wait(min(delay, self.max_wait), "HTTP 429")
            elif status >= 500 and attempt < self.max_retries:
                _logger.warning("ShipStation %s %s -> %s", method, url.full, status)
                self._wait(self.backoff * 2**attempt, "HTTP %s" % status)
            else:
                return self._decode(response, method, url.full, reset)
            attempt += 1

    def _decode(self, response, method, url, reset):
        """Decode a final response, or raise the error its status means."""
        status = response.status_code
        try:
            data = response.json()
        except ValueError:
            data = None
        if status == 204:
            return {}
        if 200 <= status < 300:
            if data is None:
                message = "ShipStation answered with a body that is not JSON"
                raise MalformedResponseError(message, method, url, status)
            return data
        if status == 429:
            retry_after = _header_seconds(response.headers, "Retry-After")
            message = "ShipStation rate limit hit %s times" % (self.max_retries + 1)
            retry_after = retry_after if retry_after is not None else reset
            raise RateLimitError(message, method, url, retry_after=retry_after)
        error = error_for_status(status, data, response.text, method, url)
        if status >= 500:
            # A 503 may say when to come back; whoever retries later can honour it.
            error.retry_after = _header_seconds(response.headers, "Retry-After")
        raise error

    def _list_page(self, path, key, query):
        """GET one page of a list endpoint: ``(records, data, size)``.

        ``records`` are the page's entries that are JSON objects; any other entry is set
        aside, counted in :attr:`set_aside` and logged. ``data`` is the whole answer (for its
        counts) and ``size`` how many entries the page had.

        :raises MalformedResponseError: when the answer lacks its list
        """
        data = self._request("GET", path, params=query)
        records = data.get(key) if isinstance(data, dict) else None
        if not isinstance(records, list):
            url = _Url(self.base_url, path, query).full
            raise MalformedResponseError("ShipStation list without its '%s' list" % key, "GET", url)
        readable = [record for record in records if isinstance(record, dict)]
        if len(readable) < len(records):
            self.set_aside += len(records) - len(readable)
            _logger.warning(
                "ShipStation %s: %d entries of page %s are not records; set aside",
                path,
                len(records) - len(readable),
                query.get("page"),
            )
        return readable, data, len(records)

    def _delete(self, path):
        """DELETE a path; any 2xx is done, with or without a JSON body.

        :return: False when there was nothing to delete (404), else True
        :raises ShipStationError: any other failure
        """
        try:
            self._request("DELETE", path)
        except NotFoundError:
            return False
        except MalformedResponseError as exc:
            if not (exc.status and 200 <= exc.status < 300):
                raise
        return True

    def _get_dict(self, path, params=None):
        """GET a path whose answer must be a JSON object."""
        data = self._request("GET", path, params=params)
        if not isinstance(data, dict):
            url = _Url(self.base_url, path, params).full
            raise MalformedResponseError("Expected a JSON object", "GET", url)
        return data


class _Url:
    """A request's path and full URL (with the query string; never credentials)."""

    __slots__ = ("path", "full")

    def __init__(self, base_url, path, params):
        self.path = path
        prepared = requests.models.PreparedRequest()
        prepared.prepare_url(base_url + path, params)
        self.full = prepared.url
