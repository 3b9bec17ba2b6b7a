"""Labels and fulfillments of the sandbox store, with ShipStation's semantics.

A mixin of :class:`~.store.SandboxStore`: creating labels (outbound and return),
voiding them, marking orders shipped without a label, and voiding those fulfillments.
The rules of :mod:`.mutations` apply: every change stamps the order's ``modifyDate``,
unknown ids raise ``KeyError``, refused operations ``ValueError``.
"""

from ..timeutil import PACIFIC
from .records import InvalidRequest, item_defaults, parse_date, render, tracking_number


class ShippingMutations:
    """Label and fulfillment operations of the sandbox store (mixin; see :class:`~.store.SandboxStore`)."""

    # -- labels ----------------------------------------------------------------------------

    def _pick_items(self, order, wanted):
        """Shipment items for a parcel: copies of the order lines, with the asked quantities."""
        if wanted is None:
            return [dict(item) for item in order["items"] if not item.get("adjustment")]
        picked = []
        for want in wanted:
            source = next((i for i in order["items"] if _same_line(i, want)), None)
            item = dict(source) if source else {**item_defaults(order["createDate"]), **want}
            item["quantity"] = int(want.get("quantity", item["quantity"]))
            picked.append(item)
        return picked

    def _ship(self, order, parcels, now, ship_date, carrier_code, service_code, is_return=False):
        shipments = []
        for parcel in parcels:
            items = self._pick_items(order, parcel.get("items"))
            units = sum(i["quantity"] for i in items) or 1
            carrier = parcel.get("carrierCode") or carrier_code
            shipments.append(
                self._add_shipment(
                    {
                        "orderId": order["orderId"],
                        "orderKey": order["orderKey"],
                        "orderNumber": order["orderNumber"],
                        "customerEmail": order["customerEmail"],
                        "createDate": now,
                        "shipDate": ship_date,
                        "shipmentCost": parcel.get("shipmentCost", round(4.5 + 1.25 * units, 2)),
                        "insuranceCost": parcel.get("insuranceCost", 0.0),
                        "trackingNumber": parcel.get("trackingNumber")
                        or tracking_number(carrier, next(self._tracking_seq)),
                        "isReturnLabel": is_return,
                        "carrierCode": carrier,
                        "serviceCode": parcel.get("serviceCode") or service_code,
                        "packageCode": parcel.get("packageCode", "package"),
                        "confirmation": parcel.get("confirmation", order.get("confirmation") or "none"),
                        "warehouseId": order["advancedOptions"].get("warehouseId"),
                        "shipTo": dict(order["shipTo"]),
                        "weight": {"value": 8.0 * units, "units": "ounces", "WeightUnits": 1},
                        "advancedOptions": {
                            "billToParty": None,
                            "billToAccount": None,
                            "billToPostalCode": None,
                            "billToCountryCode": None,
                            "storeId": order["advancedOptions"].get("storeId"),
                        },
                        "shipmentItems": items or None,  # ShipStation sends null, not []
                    }
                )
            )
        order["modifyDate"] = now
        return shipments

    def ship_order(self, order_id, parcels=None, ship_date=None, carrier_code="ups", service_code="ups_ground"):
        """Create labels for an order (like "Create Label" / "Create Another Shipment").

        :param parcels: list of dicts ``{trackingNumber?, shipmentCost?, insuranceCost?,
            items?: [{"sku", "quantity"}], carrierCode?, serviceCode?}``, one shipment each;
            default one parcel with all items; ``items: []`` makes a label without items
        :param ship_date: date, ``YYYY-MM-DD`` or ``now-1d``; default today (Pacific)
        :return: the rendered new shipments; the order becomes shipped; the labels are one
            batch (one webhook, see :meth:`~.store.SandboxStore.add_listener`)
        """
        with self._lock:
            order = self._order(order_id)
            if order["orderStatus"] == "cancelled":
                raise ValueError("Order %s is cancelled and cannot be shipped." % order_id)
            now = self.clock()
            day = parse_date(ship_date, now) or now.astimezone(PACIFIC).date()
            shipments = self._ship(order, parcels or [{}], now, day, carrier_code, service_code)
            order.update(
                orderStatus="shipped",
                shipDate=day,
                carrierCode=shipments[0]["carrierCode"],
                serviceCode=shipments[0]["serviceCode"],
            )
            self._batch("labels", [s["shipmentId"] for s in shipments])
            return render(shipments)

    def add_return_label(
        self,
        order_id,
        items=None,
        tracking_number=None,
        shipment_cost=None,
        ship_date=None,
        carrier_code="ups",
        service_code="ups_ground",
    ):
        """Create a return label (``isReturnLabel`` true); the order status is unchanged, and
        no webhook fires (ShipStation's label webhooks are for outbound labels).

        :return: the rendered shipment
        """
        parcel = {"items": items, "trackingNumber": tracking_number}
        if shipment_cost is not None:
            parcel["shipmentCost"] = shipment_cost
        with self._lock:
            order = self._order(order_id)
            now = self.clock()
            day = parse_date(ship_date, now) or now.astimezone(PACIFIC).date()
            return render(self._ship(order, [parcel], now, day, carrier_code, service_code, is_return=True)[0])

    def _revert_if_unshipped(self, order_id, now):
        # ShipStation puts an order back to awaiting_shipment once nothing ships it any
        # more: no live outbound label and no live fulfillment.
        order = self._orders.get(order_id)
        if not order or order["orderStatus"] != "shipped":
            return
        labels = (self._shipments[s] for s in self._ship_by_order.get(order_id, ()))
        if any(not s["voided"] and not s["isReturnLabel"] for s in labels):
            return
        if any(not self._fulfillments[f]["voided"] for f in self._ful_by_order.get(order_id, ())):
            return
        order.update(orderStatus="awaiting_shipment", shipDate=None, modifyDate=now)

    def void_shipment(self, shipment_id):
        """Void a label: ``voided`` true, ``voidDate`` now; the order may go back to awaiting.

        :return: the rendered shipment
        """
        with self._lock:
            shipment = self._shipments.get(int(shipment_id))
            if shipment is None:
                raise KeyError("Shipment %s was not found." % shipment_id)
            if shipment["voided"]:
                raise ValueError("Shipment %s is already voided." % shipment_id)
            now = self.clock()
            shipment.update(voided=True, voidDate=now)
            if shipment["orderId"] in self._orders:
                self._orders[shipment["orderId"]]["modifyDate"] = now
                self._revert_if_unshipped(shipment["orderId"], now)
            return render(shipment)

    def mark_as_shipped(self, order_id, carrier_code, tracking_number=None, ship_date=None):
        """Mark an order shipped without a label: a fulfillment, no shipment.

        :return: the rendered fulfillment
        """
        with self._lock:
            order = self._order(order_id)
            if order["orderStatus"] == "cancelled":
                raise InvalidRequest("Order %s is cancelled." % order_id, "orderId")
            now = self.clock()
            day = parse_date(ship_date, now) or now.astimezone(PACIFIC).date()
            fulfillment = self._add_fulfillment(
                {
                    "orderId": order["orderId"],
                    "orderNumber": order["orderNumber"],
                    "customerEmail": order["customerEmail"],
                    "trackingNumber": tracking_number,
                    "createDate": now,
                    "shipDate": day,
                    "carrierCode": carrier_code,
                    "shipTo": dict(order["shipTo"]),
                }
            )
            order.update(orderStatus="shipped", shipDate=day, carrierCode=carrier_code, modifyDate=now)
            self._batch("fulfillments", [fulfillment["fulfillmentId"]])
            return render(fulfillment)

    def void_fulfillment(self, fulfillment_id):
        """Void a fulfillment; the order may go back to awaiting_shipment.

        :return: the rendered fulfillment
        """
        with self._lock:
            fulfillment = self._fulfillments.get(int(fulfillment_id))
            if fulfillment is None:
                raise KeyError("Fulfillment %s was not found." % fulfillment_id)
            now = self.clock()
            fulfillment.update(voided=True, voidRequested=True, voidDate=now)
            if fulfillment["orderId"] in self._orders:
                self._orders[fulfillment["orderId"]]["modifyDate"] = now
                self._revert_if_unshipped(fulfillment["orderId"], now)
            return render(fulfillment)


def _same_line(line, want):
    """Does an order line match a ``{"orderItemId"|"lineItemKey"|"sku"}`` reference?"""
    for field in ("orderItemId", "lineItemKey", "sku"):
        if want.get(field) is not None:
            return line.get(field) == want[field]
    return False
