"""Everything that changes sandbox orders, with ShipStation's semantics.

A mixin of :class:`~.store.SandboxStore` (it uses the store's indexes and builders);
labels and fulfillments are in :mod:`.shipping`. Every change stamps the order's
``modifyDate`` with the store clock, so incremental polling by ``modifyDateStart`` sees
it. Unknown ids raise ``KeyError``; operations ShipStation would refuse raise
``ValueError`` (:class:`~.records.InvalidRequest` for refusals the HTTP API reports as
a 400).
"""

import copy

from ..timeutil import PACIFIC
from .records import OPEN_STATUSES, STATUSES, InvalidRequest, parse_time, render
from .shipping import _same_line

# Fields a createorder update may not change: ShipStation sets them itself or only
# accepts them at creation (storeId).
_READ_ONLY_ADVANCED = ("mergedOrSplit", "mergedIds", "parentId", "storeId")
_REQUIRED = ("orderNumber", "orderDate", "shipTo")


class StoreMutations:
    """Order changes of the sandbox store (mixin; see :class:`~.store.SandboxStore`)."""

    # -- creating orders ------------------------------------------------------------------

    def add_order(self, **fields):
        """Create an order from ShipStation-shaped fields; omitted ones get defaults.

        ``orderNumber`` is required; ``orderStatus`` defaults to ``awaiting_shipment``;
        timestamps may be datetimes, ShipStation text or ``now-3d``.

        :return: the rendered order
        """
        with self._lock:
            order = self._build_order(_with_ship_to(fields), self.clock())
            return render(self._insert_order(order))

    def add_many(self, orders, ship=False, carrier_code="ups", service_code="ups_ground"):
        """Create many orders fast (benchmarks): one lock, one clock read, no rendering.

        :param orders: iterable of field dicts as for :meth:`add_order`
        :param bool ship: also give each order one label with all its items (one batch of
            labels for the whole call: one webhook)
        :return: list of the new orderIds
        """
        ids, labels = [], []
        with self._lock:
            now = self.clock()
            for fields in orders:
                order = self._insert_order(self._build_order(_with_ship_to(fields), now))
                if ship:
                    shipments = self._ship(order, [{}], now, now.astimezone(PACIFIC).date(), carrier_code, service_code)
                    labels.extend(s["shipmentId"] for s in shipments)
                ids.append(order["orderId"])
            if labels:
                self._batch("labels", labels)
        return ids

    # -- statuses --------------------------------------------------------------------------

    def set_raw(self, kind, record_id, **fields):
        """Write field values exactly as given, as real answers may carry them (a cost as
        ``"1,234.50"``, a .NET "no date", a value no client can read).

        :param str kind: ``order``, ``shipment`` or ``fulfillment``
        :raises KeyError: unknown record
        """
        table = {"order": self._orders, "shipment": self._shipments, "fulfillment": self._fulfillments}[kind]
        with self._lock:
            table[int(record_id)].update(fields)

    def set_status(self, order_id, status):
        """Set ``orderStatus`` directly (any valid value). :return: the rendered order"""
        if status not in STATUSES:
            raise ValueError("'%s' is not a valid orderStatus." % status)
        with self._lock:
            order = self._order(order_id)
            order.update(orderStatus=status, modifyDate=self.clock())
            return render(order)

    def cancel_order(self, order_id):
        """Cancel an order that has not shipped. :return: the rendered order"""
        with self._lock:
            if self._order(order_id)["orderStatus"] == "shipped":
                raise ValueError("Order %s is shipped and cannot be cancelled." % order_id)
            return self.set_status(order_id, "cancelled")

    def hold_order(self, order_id, hold_until=None):
        """Put an open order on hold (optionally until a date). :return: the rendered order"""
        with self._lock:
            order = self._order(order_id)
            if order["orderStatus"] not in OPEN_STATUSES:
                raise ValueError("Order %s is %s and cannot be held." % (order_id, order["orderStatus"]))
            now = self.clock()
            order.update(orderStatus="on_hold", holdUntilDate=parse_time(hold_until, now), modifyDate=now)
            return render(order)

    def restore_from_hold(self, order_id):
        """Move a held order back to awaiting shipment. :return: the rendered order"""
        with self._lock:
            order = self._order(order_id)
            if order["orderStatus"] != "on_hold":
                raise ValueError("Order %s is %s, not on hold." % (order_id, order["orderStatus"]))
            order.update(orderStatus="awaiting_shipment", holdUntilDate=None, modifyDate=self.clock())
            return render(order)

    # -- split and merge -------------------------------------------------------------------

    def split_order(self, order_id, item_groups):
        """Split items off an open order into new orders (ShipStation "Split Order").

        Children share ``orderNumber`` and ``orderKey``, get new orderIds and
        ``advancedOptions.parentId``; parent and children get ``mergedOrSplit`` true. The
        parent keeps what no group took.

        :param item_groups: one list per child of ``{"sku"|"orderItemId"|"lineItemKey",
            "quantity"?}`` (quantity defaults to the whole line)
        :return: the rendered child orders
        """
        with self._lock:
            parent = self._order(order_id)
            if parent["orderStatus"] not in OPEN_STATUSES:
                raise ValueError("Order %s is %s and cannot be split." % (order_id, parent["orderStatus"]))
            # Resolve and check every group first, so a bad request changes nothing.
            plan, taken = [], {}
            for group in item_groups:
                moves = []
                for want in group:
                    line = next((i for i in parent["items"] if _same_line(i, want)), None)
                    if line is None:
                        raise ValueError("Order %s has no line matching %s." % (order_id, want))
                    quantity = int(want.get("quantity", line["quantity"]))
                    taken[id(line)] = taken.get(id(line), 0) + quantity
                    if quantity < 1 or taken[id(line)] > line["quantity"]:
                        raise ValueError("Cannot split %s x %s off order %s." % (quantity, line["sku"], order_id))
                    moves.append((line, quantity))
                plan.append(moves)
            now = self.clock()
            children = []
            for moves in plan:
                child = copy.deepcopy({k: v for k, v in parent.items() if k != "items"})
                child.update(orderId=None, createDate=now, modifyDate=now, items=[])
                for line, quantity in moves:
                    line["quantity"] -= quantity
                    moved = dict(line, quantity=quantity, modifyDate=now)
                    moved["orderItemId"] = self._new_id("item")
                    child["items"].append(moved)
                total = round(sum(i["quantity"] * float(i["unitPrice"] or 0) for i in child["items"]), 2)
                child.update(orderTotal=total, amountPaid=total, taxAmount=0.0, shippingAmount=0.0)
                parent["orderTotal"] = round(max(0.0, float(parent["orderTotal"] or 0) - total), 2)
                child["advancedOptions"].update(parentId=parent["orderId"], mergedOrSplit=True, mergedIds=[])
                children.append(self._insert_order(child))
            parent["items"] = [i for i in parent["items"] if i["quantity"] > 0]
            parent["advancedOptions"]["mergedOrSplit"] = True
            parent["modifyDate"] = now
            return render(children)

    def _absorb(self, order):
        self._unindex_order(order)
        self._absorbed[order["orderId"]] = order

    def merge_orders(self, survivor_id, absorbed_ids):
        """Combine orders: the survivor takes their items; they vanish from the API.

        :return: the rendered survivor (``mergedOrSplit`` true, ``mergedIds`` set)
        """
        with self._lock:
            survivor = self._order(survivor_id)
            absorbed = [self._order(i) for i in absorbed_ids]
            for order in [survivor, *absorbed]:
                if order["orderStatus"] not in OPEN_STATUSES:
                    raise ValueError("Order %s is %s and cannot be merged." % (order["orderId"], order["orderStatus"]))
            if survivor in absorbed:
                raise ValueError("An order cannot absorb itself.")
            now = self.clock()
            for order in absorbed:
                survivor["items"].extend(dict(i, modifyDate=now) for i in order["items"])
                survivor["orderTotal"] = round(float(survivor["orderTotal"] or 0) + float(order["orderTotal"] or 0), 2)
                survivor["advancedOptions"]["mergedIds"] = [*survivor["advancedOptions"]["mergedIds"], order["orderId"]]
                order["advancedOptions"]["mergedOrSplit"] = True
                self._absorb(order)
            survivor["advancedOptions"]["mergedOrSplit"] = True
            survivor["modifyDate"] = now
            return render(survivor)

    # -- createorder upsert ------------------------------------------------------------------

    def _upsert(self, payload, now):
        if not isinstance(payload, dict):
            raise InvalidRequest("An order must be a JSON object.")
        for field in _REQUIRED:
            if not payload.get(field):
                raise InvalidRequest("The %s field is required." % field, "apiOrder." + field)
        key = payload.get("orderKey")
        family = [self._orders[i] for i in self._by_key.get(key, ())] if key else []
        # Split siblings share a key: orderId picks the one meant, else the first (parent).
        wanted_id = str(payload.get("orderId"))
        existing = next((o for o in family if str(o["orderId"]) == wanted_id), family[0] if family else None)
        data = dict(payload, modifyDate=now)
        advanced = dict(payload.get("advancedOptions") or {})
        if existing is None:
            data.update(orderId=None, createDate=now)
            for name in _READ_ONLY_ADVANCED[:3]:
                advanced.pop(name, None)
            data["advancedOptions"] = advanced
            return self._insert_order(self._build_order(data, now))
        if existing["orderStatus"] not in OPEN_STATUSES:
            raise InvalidRequest("This order cannot be updated because it is %s." % existing["orderStatus"])
        for name in _READ_ONLY_ADVANCED:
            advanced[name] = existing["advancedOptions"][name]
        # No partial updates (omitted fields are cleared), but line ids survive so
        # existing shipment items still point at the same lines.
        old_ids = {(i["lineItemKey"] or i["sku"]): i["orderItemId"] for i in existing["items"]}
        data.update(
            orderId=existing["orderId"],
            orderKey=existing["orderKey"],
            createDate=existing["createDate"],
            userId=existing["userId"],
            advancedOptions=advanced,
        )
        data["items"] = [
            dict(i, orderItemId=i.get("orderItemId") or old_ids.get(i.get("lineItemKey") or i.get("sku")))
            for i in payload.get("items") or []
        ]
        order = self._build_order(data, now)
        self._unindex_order(existing)
        self._index_order(order)
        return order

    def upsert_order(self, payload):
        """``POST /orders/createorder``: create, or update the order with that orderKey.

        :return: the rendered order
        :raises InvalidRequest: missing required field, bad status, frozen order
        """
        with self._lock:
            return render(self._upsert(payload, self.clock()))

    def create_or_update_orders(self, payloads):
        """``POST /orders/createorders``: upsert each order; one failure spares the others.

        :return: one ``{orderId, orderNumber, orderKey, success, errorMessage}`` per order
        """
        results = []
        with self._lock:
            now = self.clock()
            for payload in payloads:
                try:
                    order = self._upsert(payload, now)
                except InvalidRequest as exc:
                    given = payload if isinstance(payload, dict) else {}
                    # orderId 0 on failure: the field is a non-nullable int in ShipStation's model.
                    results.append(
                        {
                            "orderId": 0,
                            "orderNumber": given.get("orderNumber"),
                            "orderKey": given.get("orderKey"),
                            "success": False,
                            "errorMessage": str(exc),
                        }
                    )
                else:
                    results.append(
                        {
                            "orderId": order["orderId"],
                            "orderNumber": order["orderNumber"],
                            "orderKey": order["orderKey"],
                            "success": True,
                            "errorMessage": None,
                        }
                    )
        return results


#: The ship-to of an order added without one: a whole address, as ShipStation's orders have
#: (v2 requires a name, street, city, postal code and country on every shipment's ship_to).
SAMPLE_SHIP_TO = {
    "name": "Sample Customer",
    "street1": "100 Congress Avenue",
    "city": "Austin",
    "state": "TX",
    "postalCode": "78701",
    "country": "US",
    "residential": True,
}


def _with_ship_to(fields):
    return fields if fields.get("shipTo") else dict(fields, shipTo=dict(SAMPLE_SHIP_TO))
