"""HTTP client for ShipStation API v1.

Plain Python (``requests``), no Odoo import. One :class:`ShipStationClient` holds one
``requests.Session``. It honours ShipStation's rate-limit headers before a 429 can
happen, retries 429, 5xx and network failures a bounded number of times, walks the
page-numbered list endpoints, and hands back ShipStation's own dicts with their
timestamps turned into aware UTC datetimes (ShipStation writes US Pacific time).
"""

import logging
import re
import time
from collections import Counter
from datetime import date, datetime
from decimal import Decimal

import requests

from .errors import (
    AuthenticationError,
    BadRequestError,
    MalformedResponseError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    ServerError,
    ShipStationError,
)
from .timeutil import PACIFIC, parse_ss_date, parse_ss_datetime, to_ss_datetime

_logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://ssapi.shipstation.com"
# Top-level keys of orders, shipments and fulfillments holding Pacific timestamps.
TIMESTAMP_KEYS = ("createDate modifyDate orderDate paymentDate voidDate deliveryDate shipByDate holdUntilDate").split()
DATE_KEYS = ("shipDate",)
CREATE_ORDERS_BATCH = 100  # ShipStation's documented maximum for /orders/createorders
# Seconds added to X-Rate-Limit-Reset, which ShipStation rounds to whole seconds.
RESET_MARGIN = 0.5
DEFAULT_RATE_WAIT = 60  # a 429 without any delay header: wait one full window
ERROR_MESSAGE_KEYS = ("Message", "ExceptionMessage", "MessageDetail", "message")
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")
_TAG = re.compile(r"<[^>]*>")
_RETRYABLE_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


def _header_seconds(headers, name):
    """Read a numeric header; None when it is missing or not a number."""
    try:
        return float(headers[name])
    except (KeyError, TypeError, ValueError):
        return None


def encode_value(value):
    """Turn one Python value into what ShipStation expects in a query string or body.

    :param value: aware datetime (sent in Pacific time), date, bool, Decimal, list, dict, ...
    :return: JSON-serialisable value; datetimes become ``YYYY-MM-DD HH:MM:SS`` Pacific
    """
    if isinstance(value, datetime):
        return to_ss_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: encode_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_value(item) for item in value]
    return value


def encode_params(filters):
    """Encode list filters given under ShipStation's own names (``modifyDateStart``...).

    :param dict filters: parameter name to value; None values are left out
    :return: dict of query parameters (bools as ``true``/``false``)
    """
    params = {}
    for name, value in filters.items():
        if value is None:
            continue
        if isinstance(value, bool):
            params[name] = "true" if value else "false"
        else:
            params[name] = encode_value(value)
    return params


class ShipStationClient:
    """Client of ShipStation API v1 for one API key and secret.

    :param str api_key: ShipStation API key (Basic auth user name)
    :param str api_secret: ShipStation API secret (Basic auth password; never logged)
    :param str base_url: API root, e.g. the sandbox URL in tests
    :param timeout: ``requests`` timeout, seconds or (connect, read)
    :param int max_retries: retries after a 429, 5xx, connection error or timeout
    :param float backoff: first back-off delay for 5xx and network errors, doubled each retry
    :param float max_wait: longest single wait for the rate limit, in seconds
    :param int page_size: records per page on list endpoints (ShipStation allows 500)
    :param int rate_limit_reserve: wait for the window reset once Remaining is at or below this
    :param session: a ``requests.Session`` to use instead of a new one (not closed by :meth:`close`)
    :param sleep: sleep function (injectable for tests)
    :param monotonic: monotonic clock function (injectable for tests)
    :param str user_agent: ``User-Agent`` header
    """

    def __init__(
        self,
        api_key,
        api_secret,
        base_url=DEFAULT_API_URL,
        *,
        timeout=(10, 60),
        max_retries=3,
        backoff=2.0,
        max_wait=120,
        page_size=500,
        rate_limit_reserve=0,
        session=None,
        sleep=time.sleep,
        monotonic=time.monotonic,
        user_agent="shipstation_connector/17.0",
    ):
        self.base_url = (base_url or DEFAULT_API_URL).rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.page_size = page_size
        self.rate_limit_reserve = rate_limit_reserve
        self._sleep = sleep
        self._monotonic = monotonic
        # An auth object, not a tuple: its repr shows no secret in tracebacks with locals.
        self._auth = requests.auth.HTTPBasicAuth(api_key or "", api_secret or "")
        self._own_session = session is None
        self.session = session if session is not None else requests.Session()
        self._headers = {"Accept": "application/json", "User-Agent": user_agent}
        self.call_count = 0
        self.calls_by_endpoint = Counter()
        self.waited = 0.0  # total seconds slept for rate limits and back-off
        self.rate_limit_remaining = None
        # monotonic time at which the current window ends (margin included)
        self._reset_at = None

    def __repr__(self):
        return "<ShipStationClient %s>" % self.base_url

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
        return self.session.request(
            method, url.full, json=body, auth=self._auth, headers=self._headers, timeout=self.timeout
        )

    def _request(self, method, path, params=None, body=None):
        """Send a request with rate limiting and retries and return the decoded JSON.

        :param str method: ``GET`` or ``POST``
        :param str path: path under the base URL, e.g. ``/orders``
        :param dict params: query parameters, already encoded
        :param body: JSON body, already encoded
        :return: decoded JSON body
        :raises ShipStationError: see :mod:`.errors` for the subclasses
        """
        url = _Url(self.base_url, path, params)
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
                    message = "Could not reach ShipStation: %s" % exc
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
        if 200 <= status < 300:
            if data is None:
                message = "ShipStation answered with a body that is not JSON"
                raise MalformedResponseError(message, method, url, status)
            return data
        if status in (401, 403):
            message = "ShipStation refused the API key and secret"
            raise AuthenticationError(message, method, url, status)
        if status == 429:
            retry_after = _header_seconds(response.headers, "Retry-After")
            message = "ShipStation rate limit hit %s times" % (self.max_retries + 1)
            retry_after = retry_after if retry_after is not None else reset
            raise RateLimitError(message, method, url, retry_after=retry_after)
        key = status if status in _STATUS_ERRORS else (500 if status >= 500 else None)
        error_class, prefix = _STATUS_ERRORS[key]
        message = "%s: %s" % (prefix, _error_text(data, response.text))
        raise error_class(message, method, url, status)

    def _get_dict(self, path, params=None):
        """GET a path whose answer must be a JSON object."""
        data = self._request("GET", path, params=params)
        if not isinstance(data, dict):
            url = _Url(self.base_url, path, params).full
            raise MalformedResponseError("Expected a JSON object", "GET", url)
        return data

    # ------------------------------------------------------------------ results

    def _paginate(self, path, key, params):
        """Yield the records of a page-numbered list endpoint, page 1 to the last.

        :param str path: list endpoint, e.g. ``/orders``
        :param str key: list key of the envelope, e.g. ``orders``
        :param dict params: encoded filters (without page and pageSize)
        :return: generator of record dicts, timestamps converted
        :raises MalformedResponseError: when a page lacks its list or the first its page count
        """
        page, seen = 1, 0
        while True:
            query = dict(params, page=page, pageSize=self.page_size)
            data = self._request("GET", path, params=query)
            url = _Url(self.base_url, path, query).full
            records = data.get(key) if isinstance(data, dict) else None
            if not isinstance(records, list):
                message = "ShipStation list without its '%s' list" % key
                raise MalformedResponseError(message, "GET", url)
            if page == 1:  # the first answer fixes the page count (endless servers)
                pages, total = _as_int(data.get("pages")), _as_int(data.get("total"))
                if pages is None:
                    raise MalformedResponseError("ShipStation list without its page count", "GET", url)
            for record in records:
                yield self._convert(record, "GET", url)
            seen += len(records)
            if not records or page >= pages or (total is not None and seen >= total):
                return
            page += 1

    @staticmethod
    def _convert(record, method, url):
        """Convert the top-level timestamps of one record (a new dict is returned)."""
        if not isinstance(record, dict):
            message = "Expected a JSON object as record"
            raise MalformedResponseError(message, method, url)
        record = dict(record)
        try:
            for name in TIMESTAMP_KEYS:
                if name in record:
                    record[name] = parse_ss_datetime(record[name])
            for name in DATE_KEYS:
                if name in record:
                    record[name] = parse_ss_date(record[name])
        except (ValueError, TypeError, OverflowError) as exc:
            message = "Unreadable timestamp %r in field %s" % (record[name], name)
            raise MalformedResponseError(message, method, url) from exc
        return record

    def _list(self, path, key, filters):
        for reserved in ("page", "pageSize"):
            if reserved in filters:
                raise ValueError("%s is set by the client (page_size)" % reserved)
        return self._paginate(path, key, encode_params(filters))

    # ------------------------------------------------------------------ public API

    def iter_orders(self, **filters):
        """Iterate over orders matching ShipStation's list filters (``GET /orders``).

        :param filters: ShipStation parameter names, e.g. ``modifyDateStart``, ``orderStatus``,
            ``orderNumber`` (a prefix match on ShipStation), ``sortBy``
        :return: generator of order dicts with UTC datetimes
        :raises ShipStationError: on any failure
        """
        return self._list("/orders", "orders", filters)

    def list_orders(self, **filters):
        """Same as :meth:`iter_orders`, as a list.

        :return: list of order dicts
        :raises ShipStationError: on any failure
        """
        return list(self.iter_orders(**filters))

    def get_order(self, order_id):
        """Read one order (``GET /orders/{orderId}``).

        :param int order_id: ShipStation orderId
        :return: order dict with UTC datetimes
        :raises NotFoundError: unknown (or merged-away) order
        """
        path = "/orders/%s" % int(order_id)
        return self._convert(self._get_dict(path), "GET", self.base_url + path)

    def iter_shipments(self, **filters):
        """Iterate over label shipments (``GET /shipments``).

        :param filters: e.g. ``orderId``, ``orderNumber``, ``createDateStart``,
            ``voidDateStart``, ``includeShipmentItems=True``
        :return: generator of shipment dicts with UTC datetimes and ``shipDate`` as date
        :raises ShipStationError: on any failure
        """
        return self._list("/shipments", "shipments", filters)

    def list_shipments(self, **filters):
        """Same as :meth:`iter_shipments`, as a list.

        :return: list of shipment dicts
        :raises ShipStationError: on any failure
        """
        return list(self.iter_shipments(**filters))

    def iter_fulfillments(self, **filters):
        """Iterate over fulfillments, i.e. orders marked as shipped (``GET /fulfillments``).

        :param filters: e.g. ``orderId``, ``orderNumber``, ``createDateStart``
        :return: generator of fulfillment dicts with UTC datetimes
        :raises ShipStationError: on any failure
        """
        return self._list("/fulfillments", "fulfillments", filters)

    def list_fulfillments(self, **filters):
        """Same as :meth:`iter_fulfillments`, as a list.

        :return: list of fulfillment dicts
        :raises ShipStationError: on any failure
        """
        return list(self.iter_fulfillments(**filters))

    def create_order(self, order):
        """Create or update (upsert on ``orderKey``) one order (``POST /orders/createorder``).

        :param dict order: order in ShipStation's shape; datetimes are sent in Pacific time
        :return: the stored order with UTC datetimes
        :raises BadRequestError: ShipStation rejected the order
        """
        data = self._request("POST", "/orders/createorder", body=encode_value(order))
        return self._convert(data, "POST", self.base_url + "/orders/createorder")

    def create_orders(self, orders):
        """Create or update many orders, 100 per call (``POST /orders/createorders``).

        :param list orders: order dicts in ShipStation's shape
        :return: one result dict per order, in order:
            ``{orderId, orderNumber, orderKey, success, errorMessage}``
        :raises ShipStationError: when a whole batch fails
        """
        orders = list(orders)
        results = []
        for start in range(0, len(orders), CREATE_ORDERS_BATCH):
            batch = encode_value(orders[start : start + CREATE_ORDERS_BATCH])
            data = self._request("POST", "/orders/createorders", body=batch)
            batch_results = data.get("results") if isinstance(data, dict) else None
            if not isinstance(batch_results, list):
                url = self.base_url + "/orders/createorders"
                message = "createorders answer without 'results'"
                raise MalformedResponseError(message, "POST", url)
            results.extend(batch_results)
        return results

    def mark_as_shipped(
        self,
        order_id,
        carrier_code,
        ship_date=None,
        tracking_number=None,
        notify_customer=False,
        notify_sales_channel=False,
    ):
        """Mark an order as shipped without a label (``POST /orders/markasshipped``).

        This creates a fulfillment, not a shipment.

        :param int order_id: ShipStation orderId
        :param str carrier_code: e.g. ``usps``
        :param ship_date: date (or aware datetime, taken as its Pacific date); None leaves it to ShipStation
        :param str tracking_number: tracking number, if any
        :param bool notify_customer: let ShipStation e-mail the customer
        :param bool notify_sales_channel: push the tracking to the marketplace
        :return: ShipStation's answer, ``{orderId, orderNumber}``
        :raises ShipStationError: on any failure
        """
        if isinstance(ship_date, datetime):
            ship_date = ship_date.astimezone(PACIFIC).date()
        body = {
            "orderId": int(order_id),
            "carrierCode": carrier_code,
            "notifyCustomer": bool(notify_customer),
            "notifySalesChannel": bool(notify_sales_channel),
        }
        if ship_date is not None:
            body["shipDate"] = encode_value(ship_date)
        if tracking_number:
            body["trackingNumber"] = tracking_number
        return self._request("POST", "/orders/markasshipped", body=body)

    def test_connection(self):
        """Check the URL, key and secret with the cheapest call (``GET /orders?pageSize=1``).

        :return: True
        :raises AuthenticationError: wrong key or secret
        :raises ShipStationError: any other failure
        """
        data = self._get_dict("/orders", {"pageSize": 1})
        if not isinstance(data.get("orders"), list):
            url = self.base_url + "/orders?pageSize=1"
            raise MalformedResponseError("List without its 'orders' list", "GET", url)
        return True


_STATUS_ERRORS = {
    400: (BadRequestError, "ShipStation rejected the request"),
    404: (NotFoundError, "Not found on ShipStation"),
    500: (ServerError, "ShipStation server error"),
    None: (ShipStationError, "ShipStation error"),
}


class _Url:
    """A request's path and full URL (with the query string; never credentials)."""

    __slots__ = ("path", "full")

    def __init__(self, base_url, path, params):
        self.path = path
        prepared = requests.models.PreparedRequest()
        prepared.prepare_url(base_url + path, params)
        self.full = prepared.url


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _error_text(data, text):
    """ShipStation's message from an error body (ASP.NET style), or the raw text."""
    if isinstance(data, dict):
        # ASP.NET pairs a vague Message with the useful ExceptionMessage: keep both.
        parts = [str(data[k]) for k in ERROR_MESSAGE_KEYS if data.get(k)]
        message = " ".join(dict.fromkeys(parts))
        model_state = data.get("ModelState")
        if isinstance(model_state, dict):
            details = "; ".join(
                "%s: %s" % (field, " ".join(map(str, errs)) if isinstance(errs, list) else errs)
                for field, errs in model_state.items()
            )
            message = "%s %s" % (message, details) if message else details
        if message:
            return message
    # Gateways answer HTML: keep its words only.
    return " ".join(_TAG.sub(" ", text or "").split())[:300] or "no details"
