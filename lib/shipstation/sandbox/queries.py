"""Reading the sandbox store: single records by id, and the filtered, sorted, paged lists
behind ``GET /orders``, ``GET /shipments`` and ``GET /fulfillments``.

A mixin of :class:`~.store.SandboxStore` (it uses the store's lock, tables and indexes).
Every method returns rendered copies, never live records.
"""

import bisect

from .records import render


def _sort_key(field, id_field):
    # Nulls sort first; the id breaks ties so paging is stable.
    def key(record):
        value = record.get(field)
        return (value is not None, value if value is not None else 0, record.get(id_field) or 0)

    return key


def _in_windows(rows, windows):
    """Keep records whose field lies in each ``(field, start, end)`` window (inclusive)."""
    for field, start, end in windows:
        rows = [
            r
            for r in rows
            if r.get(field) is not None and (start is None or r[field] >= start) and (end is None or r[field] <= end)
        ]
    return rows


def _fold(text):
    return (text or "").casefold()


class StoreQueries:
    """Read operations of the sandbox store (mixin; see :class:`~.store.SandboxStore`)."""

    def get_order(self, order_id):
        """Rendered order, or None when unknown or merged away."""
        with self._lock:
            order = self._orders.get(int(order_id))
            return render(order) if order else None

    def get_shipment(self, shipment_id):
        """Rendered shipment (items included), or None."""
        with self._lock:
            shipment = self._shipments.get(int(shipment_id))
            return render(shipment) if shipment else None

    def get_fulfillment(self, fulfillment_id):
        """Rendered fulfillment, or None."""
        with self._lock:
            fulfillment = self._fulfillments.get(int(fulfillment_id))
            return render(fulfillment) if fulfillment else None

    def shipments_of(self, order_id):
        """Rendered shipments (voided and return labels included) of one order."""
        with self._lock:
            return [render(self._shipments[s]) for s in self._ship_by_order.get(int(order_id), ())]

    def _page(self, rows, field, id_field, descending, page, page_size):
        rows.sort(key=_sort_key(field, id_field), reverse=descending)
        start = (page - 1) * page_size
        return len(rows), [render(r) for r in rows[start : start + page_size]]

    def list_orders(
        self,
        number_prefix=None,
        status=None,
        customer_name=None,
        store_id=None,
        windows=(),
        sort_by=None,
        descending=False,
        page=1,
        page_size=100,
    ):
        """Filter, sort and page visible orders like ``GET /orders``.

        :param number_prefix: ``orderNumber`` prefix (case-insensitive, like ShipStation)
        :param windows: ``(field, start, end)`` tuples of aware datetimes, inclusive
        :param sort_by: field name (``orderDate``...); default ``orderId``
        :return: ``(total, rendered orders of the page)``
        """
        with self._lock:
            if number_prefix:
                prefix, numbers = _fold(number_prefix), self._numbers
                rows, i = [], bisect.bisect_left(numbers, prefix)
                while i < len(numbers) and numbers[i].startswith(prefix):
                    rows.extend(self._orders[oid] for oid in self._by_number[numbers[i]])
                    i += 1
            else:
                rows = list(self._orders.values())
            if status:
                rows = [r for r in rows if r["orderStatus"] == status.lower()]
            if customer_name:
                needle = _fold(customer_name)
                rows = [
                    r
                    for r in rows
                    if needle in _fold(r["billTo"].get("name")) or needle in _fold(r["shipTo"].get("name"))
                ]
            if store_id is not None:
                rows = [r for r in rows if r["advancedOptions"].get("storeId") == store_id]
            rows = _in_windows(rows, windows)
            return self._page(rows, sort_by or "orderId", "orderId", descending, page, page_size)

    def _select(self, table, by_order, by_number, order_id, order_number):
        if order_id is not None:
            rows = [table[k] for k in by_order.get(order_id, ())]
        elif order_number:
            rows = [table[k] for k in by_number.get(_fold(order_number), ())]
        else:
            return list(table.values())
        # Both filters given: the index answered one, check the other.
        return [r for r in rows if not order_number or _fold(r["orderNumber"]) == _fold(order_number)]

    def list_shipments(
        self,
        order_id=None,
        order_number=None,
        tracking_number=None,
        carrier_code=None,
        service_code=None,
        recipient_name=None,
        store_id=None,
        batch_id=None,
        windows=(),
        include_items=False,
        sort_by=None,
        descending=False,
        page=1,
        page_size=100,
    ):
        """Filter, sort and page shipments like ``GET /shipments`` (orderNumber exact).

        :param batch_id: only the labels of this batch (a webhook's ``batchId``)
        :return: ``(total, rendered shipments)``; ``shipmentItems`` is None unless
            ``include_items``
        """
        with self._lock:
            rows = self._select(self._shipments, self._ship_by_order, self._ship_by_number, order_id, order_number)
            for field, wanted in (
                ("trackingNumber", tracking_number),
                ("carrierCode", carrier_code),
                ("serviceCode", service_code),
            ):
                if wanted:
                    rows = [r for r in rows if _fold(r.get(field)) == _fold(wanted)]
            if recipient_name:
                rows = [r for r in rows if _fold(recipient_name) in _fold((r.get("shipTo") or {}).get("name"))]
            if store_id is not None:
                rows = [r for r in rows if (r.get("advancedOptions") or {}).get("storeId") == store_id]
            if batch_id is not None:
                batch = self._in_batch("labels", batch_id)
                rows = [r for r in rows if r["shipmentId"] in batch]
            rows = _in_windows(rows, windows)
            total, items = self._page(rows, sort_by or "createDate", "shipmentId", descending, page, page_size)
        if not include_items:
            for shipment in items:
                shipment["shipmentItems"] = None
        return total, items

    def list_fulfillments(
        self,
        fulfillment_id=None,
        order_id=None,
        order_number=None,
        tracking_number=None,
        batch_id=None,
        windows=(),
        sort_by=None,
        descending=False,
        page=1,
        page_size=100,
    ):
        """Filter, sort and page fulfillments like ``GET /fulfillments``.

        :param batch_id: only the fulfillments of this batch (a webhook's ``batchId``)
        :return: ``(total, rendered fulfillments)``
        """
        with self._lock:
            rows = self._select(self._fulfillments, self._ful_by_order, self._ful_by_number, order_id, order_number)
            if fulfillment_id is not None:
                rows = [r for r in rows if r["fulfillmentId"] == fulfillment_id]
            if tracking_number:
                rows = [r for r in rows if _fold(r.get("trackingNumber")) == _fold(tracking_number)]
            if batch_id is not None:
                batch = self._in_batch("fulfillments", batch_id)
                rows = [r for r in rows if r["fulfillmentId"] in batch]
            rows = _in_windows(rows, windows)
            return self._page(rows, sort_by or "createDate", "fulfillmentId", descending, page, page_size)
