"""Client of ShipStation API v1.

Plain Python, no Odoo import. :class:`ShipStationClient` speaks the v1 endpoints the
connector uses over a :class:`~.transport.Transport` (rate limits, retries, typed
errors): Basic auth, page-numbered lists walked to the last page, and ShipStation's
own dicts handed back with their timestamps turned into aware UTC datetimes
(ShipStation writes US Pacific time; see :mod:`.encoding`).
"""

import logging
from datetime import datetime

import requests

from .encoding import decode_record, encode_params, encode_value
from .errors import MalformedResponseError
from .timeutil import PACIFIC
from .transport import Transport
from .webhooks import Webhook

_logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://ssapi.shipstation.com"
#: Identity of the records of each list, to read each once.
ID_KEYS = {"orders": "orderId", "shipments": "shipmentId", "fulfillments": "fulfillmentId"}
#: A bound on the pages of one listing (500,000 records at 500 a page).
MAX_PAGES = 1000
_UNSEEN = object()
CREATE_ORDERS_BATCH = 100  # ShipStation's documented maximum for /orders/createorders


class ShipStationClient(Transport):
    """Client of ShipStation API v1 for one API key and secret.

    :param str api_key: ShipStation API key (Basic auth user name)
    :param str api_secret: ShipStation API secret (Basic auth password; never logged)
    :param str base_url: API root, e.g. the sandbox URL in tests
    :param int page_size: records per page on list endpoints (ShipStation allows 500)
    :param options: transport options (timeouts, retries, injectable clock), see
        :class:`~.transport.Transport`
    """

    api_version = "v1"

    def __init__(self, api_key, api_secret, base_url=DEFAULT_API_URL, *, page_size=500, **options):
        # An auth object, not a tuple: its repr shows no secret in tracebacks with locals.
        auth = requests.auth.HTTPBasicAuth(api_key or "", api_secret or "")
        super().__init__(base_url or DEFAULT_API_URL, auth, **options)
        self.page_size = page_size

    # ------------------------------------------------------------------ results

    def _page(self, path, key, params, page):
        """Read one page of a list endpoint.

        :return: ``(records, total, size)``: the readable records (timestamps converted;
            a non-object entry is set aside and counted in :attr:`set_aside`), the
            ``total`` ShipStation announced (None when it did not) and how many entries
            the page had
        :raises MalformedResponseError: when the answer lacks its list
        """
        records, data, size = self._list_page(path, key, dict(params, page=page, pageSize=self.page_size))
        return [decode_record(record) for record in records], _as_int(data.get("total")), size

    def _paginate(self, path, key, params):
        """Yield the records of a page-numbered list endpoint, each once.

        ShipStation's ``pages`` is not trusted (real answers carry ``"pages": 0`` with
        records). Reading stops at an empty page, once ``total`` distinct records were
        read, or at a page that brings nothing new (a server ignoring ``page``); a page
        shorter than asked for is not the end (a server or proxy may cap page sizes): only
        ``total``, or an empty page when there is none, says so. A record repeated across
        pages (data moving between two reads) is yielded once.

        :param str path: list endpoint, e.g. ``/shipments``
        :param str key: list key of the envelope, e.g. ``shipments``
        :param dict params: encoded filters (without page and pageSize)
        :return: generator of record dicts, timestamps converted
        :raises MalformedResponseError: when a page lacks its list
        """
        id_key, seen = ID_KEYS.get(key), set()
        for page in range(1, MAX_PAGES + 1):
            records, total, size = self._page(path, key, params, page)
            new = 0
            for record in records:
                record_id = _identity(record, id_key)
                if record_id is not None:
                    if record_id in seen:
                        continue
                    seen.add(record_id)
                new += 1
                yield record
            if not size or not new or (total is not None and total <= len(seen)):
                return
        raise MalformedResponseError("ShipStation list longer than %d pages" % MAX_PAGES, "GET", self.base_url + path)

    def iter_changed_orders(self, since, **filters):
        """Orders modified since ``since``, oldest change first, none lost while data moves.

        Page numbers over a list that changes while it is read lose records: an order
        modified between two page reads moves, and the others shift past a page
        boundary. So every page is page 1 of "modified since the last change seen"
        (ascending): an order that existed in the window when the read began either
        keeps its modification date, and a later page-1 read that starts at or before
        it includes it, or is modified again and moves to the end, which the read
        reaches last. Only a page whose records all share one second (the filter's
        precision) is paged on by number within that second.

        :param datetime since: aware start of the window
        :param filters: further ShipStation filters (not the modification dates or sorting)
        :return: generator of order dicts (an order modified during the read may come
            twice, its latest version last)
        :raises ShipStationError: on any failure
        """
        latest, start, page, window = {}, since, 1, set()
        for _ in range(MAX_PAGES):
            params = encode_params(dict(filters, modifyDateStart=start, sortBy="ModifyDate", sortDir="ASC"))
            records, total, size = self._page("/orders", "orders", params, page)
            for order in records:
                order_id = _identity(order, "orderId")
                # The orders of this window read so far, as ``total`` counts them (each once).
                window.add(order_id if order_id is not None else object())
                if order_id is None or latest.get(order_id, _UNSEEN) != order.get("modifyDate"):
                    latest[order_id] = order.get("modifyDate")
                    yield order
            if not size or (total is not None and len(window) >= total):
                return  # a short page alone is not the end: the server may cap page sizes
            last = records[-1].get("modifyDate")
            if isinstance(last, datetime) and last.replace(microsecond=0) > start.replace(microsecond=0):
                start, page, window = last, 1, set()
            else:
                page += 1  # a whole page within one second: page on inside that second
        raise MalformedResponseError("ShipStation order list longer than %d pages" % MAX_PAGES, "GET", self.base_url)

    @staticmethod
    def _convert(record, method, url):
        """Decode one record's timestamps (see :func:`~.encoding.decode_record`)."""
        if not isinstance(record, dict):
            raise MalformedResponseError("Expected a JSON object as record", method, url)
        return decode_record(record)

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

    def hold_until(self, order_id, hold_until_date):
        """Put an open order on hold until a date (``POST /orders/holduntil``).

        :param date hold_until_date: ShipStation moves the order back to awaiting shipment then
        :return: ShipStation's answer, ``{success, message}``
        """
        body = {"orderId": int(order_id), "holdUntilDate": encode_value(hold_until_date)}
        return self._request("POST", "/orders/holduntil", body=body)

    def restore_from_hold(self, order_id):
        """Move a held order back to awaiting shipment (``POST /orders/restorefromhold``)."""
        return self._request("POST", "/orders/restorefromhold", body={"orderId": int(order_id)})

    # ------------------------------------------------------------------ webhooks

    def list_webhooks(self):
        """The account's webhook subscriptions (``GET /webhooks``).

        :return: list of :class:`~.webhooks.Webhook` (an entry without an id is skipped)
        :raises MalformedResponseError: when the answer lacks its ``webhooks`` list
        """
        data = self._get_dict("/webhooks")
        hooks = data.get("webhooks")
        if not isinstance(hooks, list):
            url = self.base_url + "/webhooks"
            raise MalformedResponseError("ShipStation webhook list without its 'webhooks' list", "GET", url)
        found = (_webhook(h) for h in hooks if isinstance(h, dict))
        return [hook for hook in found if hook is not None]

    def subscribe_webhook(self, url, event, name=None):
        """Subscribe ``url`` to ``event`` for every store (``POST /webhooks/subscribe``).

        v1 takes the same URL and event twice: look at :meth:`list_webhooks` first.

        :param str url: the receiver, e.g. Odoo's ``/shipstation/webhook/<token>``
        :param str event: e.g. ``SHIP_NOTIFY`` (see :data:`~.webhooks.V1_EVENTS`)
        :param str name: the ``friendly_name`` ShipStation's settings show
        :return: the new :class:`~.webhooks.Webhook`
        :raises ShipStationError: on any failure
        """
        body = {"target_url": url, "event": event, "store_id": None, "friendly_name": name}
        data = self._request("POST", "/webhooks/subscribe", body=body)
        hook_id = data.get("id", data.get("WebHookID")) if isinstance(data, dict) else None
        if not _is_identity(hook_id):
            url = self.base_url + "/webhooks/subscribe"
            raise MalformedResponseError("ShipStation subscribed a webhook without naming its id", "POST", url)
        return Webhook(str(hook_id), event, body["target_url"], name)

    def unsubscribe_webhook(self, webhook_id):
        """Delete a subscription (``DELETE /webhooks/{id}``); one already gone (404) is fine.

        :param str webhook_id: the :attr:`~.webhooks.Webhook.id`
        :return: None
        :raises ShipStationError: any other failure
        """
        self._delete("/webhooks/%s" % requests.utils.quote(str(webhook_id), safe=""))

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


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _identity(record, id_key):
    """A record's id when it can identify it (a number or text), else None."""
    record_id = record.get(id_key) if id_key else None
    return record_id if isinstance(record_id, (int, str)) and not isinstance(record_id, bool) else None


def _is_identity(value):
    return isinstance(value, (int, str)) and not isinstance(value, bool) and str(value) != ""


def _webhook(record):
    """A v1 ``GET /webhooks`` entry as a :class:`~.webhooks.Webhook`, or None without an id."""
    hook_id = record.get("WebHookID")
    if not _is_identity(hook_id):
        return None
    return Webhook(str(hook_id), record.get("HookType"), record.get("Url"), record.get("Name"))
