"""The sandbox store seen through ShipStation API v2: shipments (v1 orders) and labels (v1
shipments), filtered, sorted and paged like ``GET /v2/shipments`` and ``GET /v2/labels``,
and the orders ``POST /v2/shipments`` creates.

A mixin of :class:`~.store.SandboxStore` over the very same records as the v1 methods, so a
test can change data with the usual mutations and read it through either dialect. Every
method returns v2-rendered copies (see :mod:`.v2_records`), never live records.

v1 *fulfillments* (orders marked as shipped without a label) are not labels and do not
appear in v2 at all; their order still shows as a ``label_purchased`` shipment.
"""

import bisect

from . import v2_records
from .queries import _fold, _in_windows, _sort_key
from .records import InvalidRequest


def _label_modified(record):
    # A label changes once after creation: when it is voided.
    return (record.get("voidDate") or record.get("createDate"), record.get("shipmentId") or 0)


class StoreV2Queries:
    """v2 reads and creations of the sandbox store (mixin; see :class:`~.store.SandboxStore`)."""

    # -- shipments (v1 orders) --------------------------------------------------------------

    def _v2_by_external_id(self, external_id):
        """Visible orders whose orderKey shows as this external_shipment_id (lock held)."""
        if not external_id or len(external_id) > v2_records.EXTERNAL_ID_MAX:
            return []
        ids = list(self._by_key.get(external_id, ()))
        if len(external_id) == v2_records.EXTERNAL_ID_MAX:
            # Longer v1 orderKeys show truncated to these 50 characters.
            for key, family in self._by_key.items():
                if len(key or "") > v2_records.EXTERNAL_ID_MAX and key[: v2_records.EXTERNAL_ID_MAX] == external_id:
                    ids.extend(family)
        return [self._orders[i] for i in sorted(ids)]

    def _v2_by_number_prefix(self, prefix):
        prefix, numbers, rows = _fold(prefix), self._numbers, []
        i = bisect.bisect_left(numbers, prefix)
        while i < len(numbers) and numbers[i].startswith(prefix):
            rows.extend(self._orders[oid] for oid in self._by_number[numbers[i]])
            i += 1
        return rows

    def v2_list_shipments(
        self,
        statuses=None,
        windows=(),
        shipment_number=None,
        external_id=None,
        sort_by="createDate",
        descending=True,
        page=1,
        page_size=25,
    ):
        """Filter, sort and page visible orders as v2 shipments.

        :param statuses: v1 statuses to keep (None: all)
        :param windows: ``(field, start, end)`` over ``createDate``/``modifyDate``, inclusive
        :param shipment_number: orderNumber prefix, trimmed and case-insensitive (as v1's
            ``/orders`` reads ``orderNumber``)
        :param external_id: exact external_shipment_id (the orderKey's first 50 characters)
        :return: ``(total, rendered shipments of the page)``
        """
        with self._lock:
            if external_id is not None:
                rows = self._v2_by_external_id(external_id)
            elif shipment_number and shipment_number.strip():
                rows = self._v2_by_number_prefix(shipment_number.strip())
            else:
                rows = list(self._orders.values())
            if external_id is not None and shipment_number and shipment_number.strip():
                prefix = _fold(shipment_number.strip())
                rows = [r for r in rows if _fold(r["orderNumber"]).startswith(prefix)]
            if statuses is not None:
                rows = [r for r in rows if r["orderStatus"] in statuses]
            rows = _in_windows(rows, windows)
            rows.sort(key=_sort_key(sort_by, "orderId"), reverse=descending)
            start = (page - 1) * page_size
            return len(rows), [v2_records.shipment(r) for r in rows[start : start + page_size]]

    def v2_get_shipment(self, order_id):
        """The v2 shipment of a visible order, or None (unknown or merged away)."""
        with self._lock:
            order = self._orders.get(order_id)
            return v2_records.shipment(order) if order else None

    def v2_shipment_by_external_id(self, external_id):
        """The v2 shipment with this external_shipment_id (the first of split siblings), or None."""
        with self._lock:
            rows = self._v2_by_external_id(external_id)
            return v2_records.shipment(rows[0]) if rows else None

    def v2_create_shipments(self, entries):
        """Create one awaiting_shipment order per entry of v1 fields, sparing the others when one fails.

        An entry whose orderKey already shows as an external_shipment_id (also one created
        earlier in the same call) creates nothing.

        :param entries: v1 order fields from :func:`.v2_records.shipment_fields`
        :return: one ``(rendered shipment or None, error_code, message)`` per entry
        """
        results = []
        with self._lock:
            now = self.clock()
            for fields in entries:
                key = fields.get("orderKey")
                if key and self._v2_by_external_id(key):
                    message = "A shipment with external_shipment_id '%s' already exists." % key
                    results.append((None, "duplicate_external_shipment_id", message))
                    continue
                try:
                    order = self._insert_order(self._build_order(fields, now))
                    if order["orderNumber"] == v2_records.GENERATED_NUMBER:
                        order["orderNumber"] = str(order["orderId"])
                except (InvalidRequest, ValueError) as exc:
                    results.append((None, "invalid_field_value", str(exc)))
                else:
                    results.append((v2_records.shipment(order), None, None))
        return results

    # -- labels (v1 shipments) ---------------------------------------------------------------

    def v2_list_labels(
        self,
        order_id=None,
        statuses=None,
        windows=(),
        tracking_number=None,
        batch_id=None,
        sort_by="createDate",
        descending=True,
        page=1,
        page_size=25,
    ):
        """Filter, sort and page labels (v1 shipments; fulfillments are not labels).

        :param order_id: v1 orderId of the v2 ``shipment_id`` filter
        :param statuses: label statuses to keep (``completed``, ``voided``...; None: all)
        :param windows: ``(field, start, end)`` over ``createDate``, inclusive
        :param batch_id: only the labels of this batch (a webhook's ``batch_id``)
        :param sort_by: ``createDate``, or ``modifiedAt`` (void date, else creation date)
        :return: ``(total, rendered labels of the page)``
        """
        with self._lock:
            if order_id is not None:
                rows = [self._shipments[k] for k in self._ship_by_order.get(order_id, ())]
            else:
                rows = list(self._shipments.values())
            if statuses is not None:
                rows = [r for r in rows if ("voided" if r.get("voided") else "completed") in statuses]
            if tracking_number:
                rows = [r for r in rows if _fold(r.get("trackingNumber")) == _fold(tracking_number)]
            if batch_id is not None:
                batch = self._in_batch("labels", batch_id)
                rows = [r for r in rows if r["shipmentId"] in batch]
            rows = _in_windows(rows, windows)
            key = _label_modified if sort_by == "modifiedAt" else _sort_key(sort_by, "shipmentId")
            rows.sort(key=key, reverse=descending)
            start = (page - 1) * page_size
            return len(rows), [v2_records.label(r) for r in rows[start : start + page_size]]

    def v2_get_label(self, shipment_id):
        """The v2 label of a v1 shipment, or None."""
        with self._lock:
            record = self._shipments.get(shipment_id)
            return v2_records.label(record) if record else None
