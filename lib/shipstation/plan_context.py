"""The resolved context of one delivery in a sync plan (see :mod:`.planner`).

Pure: it reads the planner's snapshot and the :class:`~.index.FactsIndex` of what
ShipStation returned, never a database or the network.
"""

from dataclasses import replace

from . import messages as msg
from .plan_quantities import Skus, order_lines
from .values import SHIPPED, Parcel, normalize


class PickingContext:
    """One delivery as ShipStation's facts show it: its order, status, parcels and lines.

    The reading half of the planner; :class:`.planner._PickingPlan` decides from it.
    """

    def __init__(self, snap, index):
        self.looked_up = False
        if snap.order_id is None:
            # Flagged exported by something that did not record the order id: the order
            # is numbered as the delivery, or as its source document (a sales channel's
            # order imported into ShipStation carries the shop's number).
            found = index.order_numbered(snap.name)
            if found is None and snap.origin:
                found = index.order_numbered(snap.origin)
            snap = replace(snap, order_id=found)
            self.looked_up = found is not None
        #: Names of the other deliveries that hold the order this one found by number.
        self.shared_with = ()
        self.snap = snap
        self.index = index
        self.root = index.order(snap.order_id)
        self.survivor_id = snap.survivor_id or index.survivor_of(snap.order_id)

    def number(self):
        """The order number of the delivery's ShipStation order, as read."""
        return (self.root or {}).get("orderNumber") or self.snap.name

    def own_orders(self):
        return {self.snap.order_id} | self.index.children_of(self.snap.order_id)

    def status(self):
        """Effective ShipStation status of the delivery's order, or '' if unknown.

        Orders this run did not read keep the status the last sync saw. A split
        order counts as shipped as soon as one of its parts is.
        """
        survivor = self.index.order(self.survivor_id) if self.survivor_id else None
        if survivor is not None:
            return survivor.get("orderStatus") or ""
        root_status = self.root.get("orderStatus") if self.root else self.snap.order_status
        children = self.index.children_of(self.snap.order_id)
        if SHIPPED in {self.index.order(c).get("orderStatus") for c in children}:
            return SHIPPED
        advanced = (self.root or {}).get("advancedOptions") or {}
        if not children and advanced.get("mergedOrSplit") and not advanced.get("mergedIds"):
            # A split parent read without its parts: a part shipped earlier still counts.
            return SHIPPED if SHIPPED in (root_status, self.snap.order_status) else root_status or ""
        return root_status or ""

    def taken_by_family(self, key):
        """Whether another delivery of the same ShipStation order consumed ``key``."""
        return any(
            pid != self.snap.id and self.index.order_of_holder(pid) == self.snap.order_id
            for pid in self.index.holders(key)
        )

    def family_holds_live_parcels(self):
        """Whether an earlier delivery of the same order (this one's backorder source)
        already holds live parcels, fetched in this run or recorded before."""
        return any(
            self.taken_by_family(key) and not self.index.is_voided(key)
            for key in self.index.family_keys(self.snap.order_id)
        )

    def order_skus(self):
        """Normalised SKUs of the lines of the delivery's ShipStation orders (its own and the
        one it was merged into): as read in this run, with those recorded by earlier runs,
        so the answer does not depend on whether this run read the orders."""
        orders = self.own_orders() | ({self.survivor_id} if self.survivor_id else set())
        return self.snap.order_skus | frozenset(
            normalize(item.get("sku"))
            for order_id in orders
            for item in ((self.index.order(order_id) or {}).get("items") or ())
            if isinstance(item, dict)
        )

    def voided_labels_exist(self):
        """Whether the delivery's orders had outbound labels, all voided now: read in
        this run or held by its family. The same answer whether or not an earlier sync
        saw the labels alive."""
        orders = self.own_orders() | ({self.survivor_id} if self.survivor_id else set())
        fetched = (p for order_id in orders for p in self.index.parcels_of(order_id))
        return any(p.voided and not p.is_return for p in fetched) or any(
            self.taken_by_family(key) for key in self.index.family_keys(self.snap.order_id)
        )

    def parcels(self):
        """Parcels the delivery holds after this sync: its own, refreshed, plus new ones."""
        held = {p.key: self._with_items(self.index.fetched(p.key, p), p) for p in self.snap.parcels}
        orders = self.own_orders() | ({self.survivor_id} if self.survivor_id else set())
        for parcel in (p for order_id in orders for p in self.index.parcels_of(order_id)):
            # Voided labels are recorded too (never counted): that labels existed is part of
            # what the next run decides on, whatever it reads then.
            if parcel.key in held or parcel.is_return or self.taken_by_family(parcel.key):
                continue
            held[parcel.key] = self._with_items(parcel)
        return tuple(sorted(held.values(), key=lambda p: p.sort_key))

    def _with_items(self, parcel, recorded=None):
        """``parcel``, its items those of its order when it lists none: as read in this run,
        or as recorded by the run that read them."""
        if parcel.items is not None and not (parcel.items_from_order and self.index.order(parcel.order_id)):
            return parcel
        lines = order_lines(self.index.order(parcel.order_id))
        if lines:
            return replace(parcel, items=lines, items_from_order=True)
        if recorded is not None and recorded.items_from_order:
            return replace(parcel, items=recorded.items, items_from_order=True)
        return parcel

    def shares_order(self):
        """Whether other deliveries may hold lines of this delivery's ShipStation orders:
        a backorder's source, or the deliveries of orders merged with its own."""
        merged = ((self.root or {}).get("advancedOptions") or {}).get("mergedIds")
        return bool(
            self.survivor_id
            or merged
            or set(self.index.family_keys(self.snap.order_id)) - {p.key for p in self.snap.parcels}
        )

    def ordered(self):
        """``(ordered, unmatched)`` of the delivery's ShipStation orders read in this run:
        ``{delivery sku: qty}`` their lines come to, and the sorted SKUs of lines that match
        nothing of the delivery; None when they were not read or were merged."""
        lines = self.own_lines()
        if lines is None:
            lines = self.snap.order_lines
        if lines is None:
            return None
        skus, ordered, unmatched = Skus(self.snap), {}, set()
        for sku, qty in lines:
            if not skus.add(ordered, sku, qty):
                unmatched.add(sku.strip() or "?")
        return ordered, tuple(sorted(unmatched))

    def own_lines(self):
        """``((sku, qty), ...)`` of the lines of the delivery's own ShipStation orders, as read
        in this run (None when not read, or merged: the survivor's lines are several
        deliveries')."""
        advanced = (self.root or {}).get("advancedOptions") or {}
        if self.root is None or self.survivor_id or advanced.get("mergedIds"):
            return None
        if advanced.get("mergedOrSplit") and not self.index.children_of(self.snap.order_id):
            return None  # a split parent read without its parts: its lines are only part of them
        return tuple(line for order_id in sorted(self.own_orders()) for line in order_lines(self.index.order(order_id)))

    def order_parcel(self):
        """The delivery's order as the one parcel that left, for an order ShipStation says
        shipped without a label or fulfillment: all its lines shipped."""
        orders = sorted(self.own_orders()) if not self.survivor_id else [self.survivor_id]
        lines = tuple(
            line
            for order_id in orders
            if (self.index.order(order_id) or {}).get("orderStatus") == SHIPPED
            for line in order_lines(self.index.order(order_id))
        )
        return Parcel(key=("order", self.snap.order_id), order_id=self.snap.order_id, items=lines or None)

    def charged(self, parcels):
        """Keys of the parcels whose cost this delivery carries: a merged order's
        parcels are charged to the survivor's own delivery only, never twice."""
        return frozenset(p.key for p in parcels if not self.survivor_id or p.order_id != self.survivor_id)

    def beyond(self, shipped):
        """``(beyond, mismatch)``: ``{sku: qty}`` the delivery holds beyond the lines of its
        ShipStation order (added in Odoo after the export: its backorder is not the order's),
        and the message to wait with when that cannot be told (``None`` otherwise).

        A delivery line the order does not list, next to an order line that matches nothing
        of the delivery, may be the same product under two SKUs: guessing either way could
        ship it twice, so the delivery waits, naming both. Not when other deliveries hold
        lines of the same order (a backorder's source): those lines are theirs.
        """
        view = self.ordered()
        if view is None:
            return {}, None
        ordered, unmatched = view
        extra = {
            sku: round(demand - max(ordered.get(sku, 0.0), shipped.get(sku, 0.0)), 6)
            for sku, demand in self.snap.demand.items()
        }
        extra = {sku: qty for sku, qty in extra.items() if qty > 1e-6}
        unlisted = sorted(sku for sku in extra if not ordered.get(sku) and not shipped.get(sku))
        if unlisted and unmatched and not self.shares_order():
            return {}, msg.message(msg.NOT_IN_ORDER, skus=unlisted, order_skus=unmatched)
        return extra, None
