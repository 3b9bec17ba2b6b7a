"""In-memory ShipStation account behind the sandbox: orders, shipments, fulfillments.

Records are kept in ShipStation's response shape, except that timestamps are aware UTC
datetimes and ``shipDate`` values are ``date`` objects (see :mod:`.records`). Every
public method takes the store lock, so HTTP threads and test code can share one store,
and returns rendered copies (never live records): timestamps in Pacific time without
offset, the way ShipStation writes them, ``shipDate`` as ``YYYY-MM-DD``. The methods that
read data are in :mod:`.queries`; those that change it are in :mod:`.mutations` (orders)
and :mod:`.shipping` (labels and fulfillments); :mod:`.v2_queries` reads and creates the
same records in API v2's shape.

Seed files (:meth:`SandboxStore.load_seed`) look like
``{"orders": [...], "shipments": [...], "fulfillments": [...], "absorbed_order_ids": [...]}``
with objects in response shape; omitted fields get defaults and ids are kept. Timestamps
are written as ShipStation writes them (Pacific, no offset) or **relative to the store
clock at load time**: ``"now"``, ``"now-3d"``, ``"now-2h"``, ``"now-15m"``, ``"now-1d-4h"``
(units s, m, h, d, w), so a demo seed always looks recent. A relative ``shipDate``
becomes the Pacific date of that instant. ``absorbed_order_ids`` lists orders (present in
``orders``) that were merged into a survivor: hidden from lists, 404 on GET. Other
top-level keys, such as ``"_cases"``, are ignored.
"""

import bisect
import itertools
import json
import threading
import uuid

from .mutations import StoreMutations
from .queries import StoreQueries, _fold
from .records import (
    STATUSES,
    InvalidRequest,
    address,
    advanced_defaults,
    fulfillment_defaults,
    ingest,
    item_defaults,
    order_defaults,
    render,
    shipment_defaults,
    utcnow,
)
from .shipping import ShippingMutations
from .v2_queries import StoreV2Queries
from .v2_tracking import StoreTracking

FIRST_IDS = {"order": 100001, "shipment": 500001, "fulfillment": 900001, "item": 300001}


class SandboxStore(StoreQueries, StoreMutations, ShippingMutations, StoreV2Queries, StoreTracking):
    """Thread-safe in-memory ShipStation data with ShipStation's semantics.

    :param clock: callable returning an aware UTC datetime; stamps create/modify/void
        dates and resolves relative seed timestamps (default: real now)
    """

    def __init__(self, clock=None):
        self.clock = clock or utcnow
        self._lock = threading.RLock()
        self._seeds = []
        self._listeners = []
        self._clear()

    def _clear(self):
        self._orders, self._absorbed = {}, {}
        self._shipments, self._fulfillments = {}, {}
        # Indexes keep every lookup the connector makes O(1) or O(log n), so a
        # 10,000-order benchmark does not turn quadratic inside the sandbox.
        self._by_number = {}  # casefolded orderNumber -> [orderId]
        self._numbers = []  # sorted casefolded numbers, for prefix search by bisect
        self._by_key = {}  # orderKey -> [orderId] (split siblings share a key)
        self._ship_by_order, self._ship_by_number = {}, {}
        self._ful_by_order, self._ful_by_number = {}, {}
        self._next = dict(FIRST_IDS)
        self._tracking_seq = itertools.count(1000000001)
        self._batches = {}  # batch id -> (kind, record ids), what a webhook's resource_url names
        self._tracking = {}  # shipmentId -> tracking events set on demand (see .v2_tracking)

    # -- events ------------------------------------------------------------------------

    def add_listener(self, callback):
        """Call ``callback(kind, batch_id)`` after each batch of changes a webhook reports.

        ``kind`` is ``labels`` (outbound labels created: :meth:`ship_order`, and
        :meth:`add_many` with ``ship``) or ``fulfillments`` (:meth:`mark_as_shipped`).
        ``batch_id`` filters the records of the batch: ``batchId`` of ``GET /shipments`` and
        ``GET /fulfillments``, ``batch_id`` of ``GET /v2/labels``. The callback runs with the
        store lock held, so it must only hand the news on (the server queues deliveries).
        Listeners survive :meth:`reset`.
        """
        with self._lock:
            self._listeners.append(callback)

    def _batch(self, kind, record_ids):
        """Record a batch of new labels or fulfillments and tell the listeners (lock held)."""
        batch_id = uuid.uuid4().hex[:20]  # "se-" + 20 characters: within a v2 se_id (25)
        self._batches[batch_id] = (kind, frozenset(record_ids))
        for listener in self._listeners:
            listener(kind, batch_id)
        return batch_id

    def _in_batch(self, kind, batch_id):
        """Ids of the records of batch ``batch_id`` if it is one of ``kind`` (lock held)."""
        found_kind, ids = self._batches.get(batch_id, (None, frozenset()))
        return ids if found_kind == kind else frozenset()

    # -- ids and indexes ---------------------------------------------------------------

    def _new_id(self, kind, wanted=None):
        if wanted:
            self._next[kind] = max(self._next[kind], int(wanted) + 1)
            return int(wanted)
        value = self._next[kind]
        self._next[kind] += 1
        return value

    def _index_order(self, order):
        self._orders[order["orderId"]] = order
        number = _fold(order["orderNumber"])
        ids = self._by_number.get(number)
        if ids is None:
            ids = self._by_number[number] = []
            bisect.insort(self._numbers, number)
        ids.append(order["orderId"])
        self._by_key.setdefault(order["orderKey"], []).append(order["orderId"])

    def _unindex_order(self, order):
        del self._orders[order["orderId"]]
        number = _fold(order["orderNumber"])
        ids = self._by_number[number]
        ids.remove(order["orderId"])
        if not ids:
            del self._by_number[number]
            del self._numbers[bisect.bisect_left(self._numbers, number)]
        family = self._by_key[order["orderKey"]]
        family.remove(order["orderId"])
        if not family:
            del self._by_key[order["orderKey"]]

    def _insert_order(self, order):
        wanted = order.get("orderId")
        if wanted and (int(wanted) in self._orders or int(wanted) in self._absorbed):
            raise ValueError("orderId %s already exists" % wanted)
        order["orderId"] = self._new_id("order", wanted)
        self._index_order(order)
        return order

    def _order(self, order_id):
        try:
            return self._orders[int(order_id)]
        except (KeyError, TypeError, ValueError):
            raise KeyError("Order %s was not found." % order_id) from None

    # -- builders ----------------------------------------------------------------------

    def _build_item(self, item, now):
        out = item_defaults(now)
        out.update(item)
        out["orderItemId"] = self._new_id("item", item.get("orderItemId"))
        out["quantity"] = int(out["quantity"] or 0)
        out["name"] = out["name"] or out["sku"]
        return out

    def _build_order(self, fields, now):
        """Full internal order from (possibly partial) response-shaped fields."""
        data = ingest(fields, now)
        if not data.get("orderNumber"):
            raise InvalidRequest("The orderNumber field is required.", "apiOrder.orderNumber")
        order = order_defaults()
        order.update(data)
        order["orderNumber"] = str(order["orderNumber"])
        order["advancedOptions"] = {**advanced_defaults(), **(data.get("advancedOptions") or {})}
        order["billTo"], order["shipTo"] = address(data.get("billTo")), address(data.get("shipTo"))
        order["orderStatus"] = order["orderStatus"] or "awaiting_shipment"
        if order["orderStatus"] not in STATUSES:
            raise InvalidRequest("'%s' is not a valid orderStatus." % order["orderStatus"], "apiOrder.orderStatus")
        order["createDate"] = order["createDate"] or now
        order["modifyDate"] = order["modifyDate"] or order["createDate"]
        order["orderDate"] = order["orderDate"] or order["createDate"]
        if order["paymentDate"] is None and order["orderStatus"] != "awaiting_payment":
            order["paymentDate"] = order["orderDate"]
        order["items"] = [self._build_item(item, order["createDate"]) for item in data.get("items") or []]
        if order["orderTotal"] is None:
            lines = sum(i["quantity"] * float(i["unitPrice"] or 0) for i in order["items"])
            order["orderTotal"] = round(lines + float(order["taxAmount"] or 0) + float(order["shippingAmount"] or 0), 2)
        if order["amountPaid"] is None:
            order["amountPaid"] = 0.0 if order["orderStatus"] == "awaiting_payment" else order["orderTotal"]
        if order["weight"] is None:
            units = sum(i["quantity"] for i in order["items"] if not i["adjustment"])
            order["weight"] = {"value": 8.0 * units, "units": "ounces", "WeightUnits": 1}
        order["orderKey"] = order["orderKey"] or uuid.uuid4().hex
        return order

    def _add_shipment(self, data):
        shipment = shipment_defaults()
        shipment.update(data)
        if isinstance(shipment.get("shipmentItems"), list):
            # ShipStation's items carry every field of its model (null when empty), productId included.
            shipment["shipmentItems"] = [
                {**item_defaults(shipment.get("createDate")), **item} if isinstance(item, dict) else item
                for item in shipment["shipmentItems"]
            ]
        wanted = data.get("shipmentId")
        if wanted and int(wanted) in self._shipments:
            raise ValueError("shipmentId %s already exists" % wanted)
        shipment["shipmentId"] = sid = self._new_id("shipment", wanted)
        self._shipments[sid] = shipment
        self._ship_by_order.setdefault(shipment["orderId"], []).append(sid)
        self._ship_by_number.setdefault(_fold(shipment["orderNumber"]), []).append(sid)
        return shipment

    def _add_fulfillment(self, data):
        fulfillment = fulfillment_defaults()
        fulfillment.update(data)
        wanted = data.get("fulfillmentId")
        if wanted and int(wanted) in self._fulfillments:
            raise ValueError("fulfillmentId %s already exists" % wanted)
        fulfillment["fulfillmentId"] = fid = self._new_id("fulfillment", wanted)
        self._fulfillments[fid] = fulfillment
        self._ful_by_order.setdefault(fulfillment["orderId"], []).append(fid)
        self._ful_by_number.setdefault(_fold(fulfillment["orderNumber"]), []).append(fid)
        return fulfillment

    # -- seeds -------------------------------------------------------------------------

    def load_seed(self, seed):
        """Add the records of a seed (dict, or path to a JSON file) to the store.

        The seed is remembered so :meth:`reset` can load it again (with relative
        timestamps re-evaluated against the clock).
        """
        if not isinstance(seed, dict):
            with open(seed, encoding="utf-8") as handle:
                seed = json.load(handle)
        with self._lock:
            self._apply_seed(seed)
            self._seeds.append(seed)
        return self

    @classmethod
    def from_seed(cls, seed, clock=None):
        """New store loaded from a seed dict or JSON file path."""
        return cls(clock=clock).load_seed(seed)

    def _apply_seed(self, seed):
        now = self.clock()
        for raw in seed.get("orders") or []:
            self._insert_order(self._build_order(raw, now))
        for raw in seed.get("shipments") or []:
            self._add_shipment(ingest(raw, now))
        for raw in seed.get("fulfillments") or []:
            self._add_fulfillment(ingest(raw, now))
        for order_id in seed.get("absorbed_order_ids") or []:
            self._absorb(self._order(order_id))

    def reset(self):
        """Forget everything and load the remembered seeds again."""
        with self._lock:
            self._clear()
            for seed in self._seeds:
                self._apply_seed(seed)

    def dump_seed(self):
        """Everything (absorbed orders included) as a seed dict with absolute timestamps."""
        with self._lock:
            orders = sorted([*self._orders.values(), *self._absorbed.values()], key=lambda o: o["orderId"])
            return {
                "orders": render(orders),
                "shipments": render([self._shipments[k] for k in sorted(self._shipments)]),
                "fulfillments": render([self._fulfillments[k] for k in sorted(self._fulfillments)]),
                "absorbed_order_ids": sorted(self._absorbed),
            }

    def counts(self):
        """``{"orders", "shipments", "fulfillments"}`` counts (visible orders only)."""
        with self._lock:
            return {
                "orders": len(self._orders),
                "shipments": len(self._shipments),
                "fulfillments": len(self._fulfillments),
            }
