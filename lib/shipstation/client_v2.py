"""Client of ShipStation API v2.

Plain Python, no Odoo import. :class:`ShipStationV2Client` speaks the v2 endpoints the
connector uses over the same :class:`~.transport.Transport` as v1 (timeouts, bounded
retries, the wait a 429's ``Retry-After`` asks for, typed errors): the ``API-Key``
header, JSON, page-numbered lists, and v2's records as ShipStation writes them (its
timestamps are ISO-8601 UTC; :mod:`.records_v2` reads them).

In v2 a v1 *order* is a **shipment** (``shipment_id`` ``se-123`` for v1 orderId 123)
and a v1 *shipment* is a **label** (``label_id``).
"""

import logging
from collections import namedtuple
from datetime import timedelta, timezone

import requests

from .errors import MalformedResponseError, NotFoundError, ShipStationError
from .export_v2 import error_message, shipment_from_order
from .records_v2 import parse_time, v2_number
from .transport import Transport
from .webhooks import Webhook

_logger = logging.getLogger(__name__)

DEFAULT_API_URL_V2 = "https://api.shipstation.com"
#: Identity of the records of each list, to read each once.
ID_KEYS_V2 = {"shipments": "shipment_id", "labels": "label_id"}
#: Records a page. v2 documents a default of 25 and no maximum: 100 is kept well inside
#: what ShipStation serves, and v2 allows 200 calls a minute.
PAGE_SIZE_V2 = 100
#: A bound on the pages of one listing.
MAX_PAGES_V2 = 2000
CREATE_SHIPMENTS_BATCH = 100
WEBHOOKS_PATH = "/v2/environment/webhooks"


class ApiKeyAuth(requests.auth.AuthBase):
    """v2's ``API-Key`` header; its repr shows no key (tracebacks with locals)."""

    def __init__(self, api_key):
        self._api_key = (api_key or "").strip()

    def __call__(self, request):
        request.headers["API-Key"] = self._api_key
        return request

    def __repr__(self):
        return "<ApiKeyAuth>"


def v2_time(value):
    """An aware datetime as a v2 filter wants it: ISO-8601 UTC with ``Z``."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"  # milliseconds, as v2 writes


class ShipStationV2Client(Transport):
    """Client of ShipStation API v2 for one API key.

    :param str api_key: the v2 API key (sent as the ``API-Key`` header; never logged)
    :param str base_url: API root without ``/v2`` (the paths add it), e.g. the sandbox URL
    :param int page_size: records per page on list endpoints
    :param options: transport options, see :class:`~.transport.Transport`
    """

    api_version = "v2"

    def __init__(self, api_key, base_url=DEFAULT_API_URL_V2, *, page_size=PAGE_SIZE_V2, **options):
        super().__init__(base_url or DEFAULT_API_URL_V2, ApiKeyAuth(api_key), **options)
        self._headers["Content-Type"] = "application/json"
        self.page_size = page_size

    # ------------------------------------------------------------------ lists

    def _page(self, path, key, params, page):
        """One page of a list: ``(records, count, size)``, ``count`` the envelope's ``total``
        and ``pages`` (each None when not a number)."""
        records, data, size = self._list_page(path, key, dict(params, page=page, page_size=self.page_size))
        return records, Count(_number(data.get("total")), _number(data.get("pages"))), size

    def _paginate(self, path, key, params):
        """Yield the records of a list, each once, until ShipStation's ``total`` were read or a
        page is empty (see :func:`_last_page`)."""
        seen, id_key = set(), ID_KEYS_V2[key]
        for page in range(1, MAX_PAGES_V2 + 1):
            records, count, size = self._page(path, key, params, page)
            for record in records:
                identity = record.get(id_key)
                if identity is not None and identity in seen:
                    continue
                seen.add(identity if identity is not None else object())
                yield record
            if _last_page(page, count, size, len(seen)):
                return
        raise MalformedResponseError("ShipStation list longer than %d pages" % MAX_PAGES_V2, "GET", self.base_url)

    # ------------------------------------------------------------------ public API

    def iter_shipments(self, **filters):
        """Shipments matching v2's filters (``GET /v2/shipments``), e.g. ``shipment_number``,
        ``modified_at_start`` (an aware datetime), ``sort_by``, ``sort_dir``."""
        return self._paginate("/v2/shipments", "shipments", _encode(filters))

    def iter_changed_shipments(self, since):
        """Shipments modified since ``since``, oldest change first.

        Like v1's orders, every page is the first page of "modified since the last change
        seen", so a shipment modified while the pages are read moves to the end and is
        still read. The next page starts a millisecond (v2's precision) before the last
        change seen, as v2 documents its filter as "modified after": the shipments of that
        instant come again (and count once) rather than never. A whole page modified at
        one instant is paged on by number inside it.
        """
        latest, start, page, window = {}, since, 1, set()
        for _ in range(MAX_PAGES_V2):
            params = _encode({"modified_at_start": start, "sort_by": "modified_at", "sort_dir": "asc"})
            records, count, size = self._page("/v2/shipments", "shipments", params, page)
            for shipment in records:
                key = shipment.get("shipment_id")
                # The shipments of this window read so far, as ``total`` counts them (each once).
                window.add(key if key is not None else object())
                if key is None or latest.get(key, _UNSEEN) != shipment.get("modified_at"):
                    latest[key] = shipment.get("modified_at")
                    yield shipment
            if _last_page(page, count, size, len(window)):
                return
            last = self._modified(records[-1])
            if last is not None and last - timedelta(milliseconds=1) > start:
                start, page, window = last - timedelta(milliseconds=1), 1, set()
            else:
                page += 1  # a whole page modified at the instant it starts from: page on inside it
        raise MalformedResponseError(
            "ShipStation shipment list longer than %d pages" % MAX_PAGES_V2, "GET", self.base_url
        )

    def _modified(self, shipment):
        try:
            return parse_time(shipment.get("modified_at"))
        except (TypeError, ValueError, OverflowError):
            raise MalformedResponseError(
                "ShipStation sent shipment %s with modified_at %r"
                % (shipment.get("shipment_id"), shipment.get("modified_at")),
                "GET",
                self.base_url,
            ) from None

    def iter_voided_labels(self, since, created_since):
        """Labels voided since ``since`` among those created since ``created_since``.

        v2 filters labels by creation only; sorted by their last change (a void), newest
        first, the list is read until a label changed before ``since``: one call when
        little was voided since the last sync, however many voids the look-back holds.
        """
        params = {
            "label_status": "voided",
            "created_at_start": created_since,
            "sort_by": "modified_at",
            "sort_dir": "desc",
        }
        for label in self.iter_labels(**params):
            try:
                voided_at = parse_time(label.get("voided_at"))
            except (TypeError, ValueError, OverflowError):
                voided_at = None  # unreadable: the reader sets the label aside
            yield label
            if voided_at is not None and voided_at < since:
                return

    def get_shipment(self, shipment_id):
        """``GET /v2/shipments/{shipment_id}``; :class:`~.errors.NotFoundError` when none."""
        return self._get_dict("/v2/shipments/%s" % _path_id(shipment_id))

    def get_shipment_by_external_id(self, external_id):
        """``GET /v2/shipments/external_shipment_id/{id}``."""
        return self._get_dict("/v2/shipments/external_shipment_id/%s" % requests.utils.quote(external_id, safe=""))

    def get_label_tracking(self, label_id):
        """``GET /v2/labels/{label_id}/track``: the carrier's tracking of one label, as sent
        (read it with :func:`~.tracking.parcel_tracking`); :class:`~.errors.NotFoundError` when none."""
        return self._get_dict("/v2/labels/%s/track" % _path_id(label_id))

    def iter_labels(self, **filters):
        """Labels matching v2's filters (``GET /v2/labels``), e.g. ``shipment_id``,
        ``created_at_start``, ``label_status``."""
        return self._paginate("/v2/labels", "labels", _encode(filters))

    def create_shipments(self, shipments):
        """``POST /v2/shipments`` of up to :data:`CREATE_SHIPMENTS_BATCH` shipments.

        :return: ShipStation's answer, ``{has_errors, shipments: [... each with errors]}``
        """
        data = self._request("POST", "/v2/shipments", body={"shipments": list(shipments)})
        if not isinstance(data, dict) or not isinstance(data.get("shipments"), list):
            raise MalformedResponseError("ShipStation answered without its shipments", "POST", self.base_url)
        return data

    def create_orders(self, orders):
        """Create the export's orders as v2 shipments, answering as v1's ``createorders`` does.

        A shipment whose external id ShipStation already has (an earlier export that Odoo
        did not hear back from) is looked up and linked, not created twice.

        :param list orders: orders in v1's shape (see :mod:`.export_v2`)
        :return: ``[{orderKey, success, orderId, errorMessage}]``, one an order
        :raises ShipStationError: when the whole batch is refused
        """
        sent = [(order, shipment_from_order(order)) for order in orders]
        answer = self.create_shipments([shipment for _order, shipment in sent])
        created_list = [c if isinstance(c, dict) else {} for c in answer["shipments"]]
        by_external = {}
        for created in created_list:
            by_external.setdefault(created.get("external_shipment_id"), created)
        results = []
        for position, (order, shipment) in enumerate(sent):
            external = shipment["external_shipment_id"]
            created = by_external.get(external)
            if (
                created is None
                and position < len(created_list)
                and not created_list[position].get("external_shipment_id")
            ):
                created = created_list[position]  # answered in order, without its id
            created = created or {}
            errors = created.get("errors") or []
            if errors or not created.get("shipment_id"):
                # Refused: it may exist already (an export whose answer Odoo never got).
                created, errors = self._existing(external, errors)
            number = v2_number(created.get("shipment_id")) if not errors else None
            results.append(
                {
                    "orderKey": order["orderKey"],
                    "success": number is not None,
                    "orderId": number,
                    "errorMessage": error_message(errors) if errors else None,
                }
            )
        return results

    def _existing(self, external, errors):
        """The shipment ShipStation already has under ``external``, as ``(shipment, [])``; or
        ``({}, errors)`` when it has none, or one the export must not link (cancelled)."""
        try:
            existing = self.get_shipment_by_external_id(external)
        except NotFoundError:
            return {}, errors or ["ShipStation created no shipment and gave no reason"]
        if existing.get("shipment_status") == "cancelled":
            return {}, [
                "ShipStation already has shipment %s for this delivery, and it is cancelled: delete it in "
                "ShipStation, or restore it there, before exporting again" % existing.get("shipment_id")
            ]
        return existing, []

    def cancel_shipment(self, shipment_id):
        """``PUT /v2/shipments/{shipment_id}/cancel`` (204). ShipStation refuses a shipment
        whose label is not voided."""
        self._request("PUT", "/v2/shipments/%s/cancel" % _path_id(shipment_id))

    # ------------------------------------------------------------------ webhooks

    def list_webhooks(self):
        """The environment's webhook subscriptions (``GET /v2/environment/webhooks``, a bare array).

        :return: list of :class:`~.webhooks.Webhook` (an entry without an id is skipped)
        :raises MalformedResponseError: when the answer is not an array
        """
        data = self._request("GET", WEBHOOKS_PATH)
        if not isinstance(data, list):
            raise MalformedResponseError(
                "ShipStation webhook list is not an array", "GET", self.base_url + WEBHOOKS_PATH
            )
        found = (_webhook(h) for h in data if isinstance(h, dict))
        return [hook for hook in found if hook is not None]

    def subscribe_webhook(self, url, event, name=None):
        """Subscribe ``url`` to ``event`` (``POST /v2/environment/webhooks``).

        v2 refuses the same event and URL twice (409): that subscription is then looked up
        and returned, so subscribing again is harmless.

        :param str url: the receiver, e.g. Odoo's ``/shipstation/webhook/<token>``
        :param str event: e.g. ``LABEL_CREATED_V2`` (see :data:`~.webhooks.V2_EVENTS`)
        :param str name: not sent (v2 subscriptions have no name); kept for the same call as v1
        :return: the :class:`~.webhooks.Webhook`
        :raises ShipStationError: on any failure, a 409 without a matching subscription included
        """
        try:
            data = self._request("POST", WEBHOOKS_PATH, body={"event": event, "url": url})
        except ShipStationError as exc:
            if exc.status != 409:
                raise
            existing = [h for h in self.list_webhooks() if (h.url, h.event) == (url, event)]
            if not existing:
                raise
            return existing[0]
        hook = _webhook(data) if isinstance(data, dict) else None
        if hook is None:
            raise MalformedResponseError(
                "ShipStation created a webhook without its id", "POST", self.base_url + WEBHOOKS_PATH
            )
        return hook

    def unsubscribe_webhook(self, webhook_id):
        """Delete a subscription (``DELETE /v2/environment/webhooks/{id}``, 204); one already
        gone (404) is fine.

        :param str webhook_id: the :attr:`~.webhooks.Webhook.id`
        :return: None
        :raises ShipStationError: any other failure
        """
        self._delete("%s/%s" % (WEBHOOKS_PATH, _path_id(webhook_id)))

    def test_connection(self):
        """One cheap authenticated call; raises the typed error when it fails."""
        self._request("GET", "/v2/shipments", params={"page": 1, "page_size": 1})
        return True


_UNSEEN = object()


#: What a list's envelope says of its length: ``total`` records, in ``pages`` pages.
Count = namedtuple("Count", "total pages")


def _number(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _last_page(page, count, size, read):
    """Whether ``page`` ends a list: an empty page, or ``total`` agrees that all were read
    (``read`` entries so far); without a ``total``, the last page ShipStation announced. A
    page shorter than asked for is never the end by itself: a server or proxy may cap page
    sizes below the one asked for."""
    if size == 0:
        return True
    if count.total is not None:
        return read >= count.total
    return count.pages is not None and page >= count.pages


def _webhook(record):
    """A v2 webhook object as a :class:`~.webhooks.Webhook`, or None without an id."""
    hook_id = record.get("webhook_id")
    if isinstance(hook_id, bool) or not isinstance(hook_id, (int, str)) or str(hook_id) == "":
        return None
    return Webhook(str(hook_id), record.get("event"), record.get("url"), record.get("name"))


def _path_id(value):
    return requests.utils.quote(str(value), safe="")


def _encode(filters):
    """v2 query parameters: datetimes in UTC, booleans in lower case, None left out."""
    encoded = {}
    for name, value in filters.items():
        if value is None:
            continue
        if hasattr(value, "astimezone"):
            value = v2_time(value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        encoded[name] = value
    return encoded
