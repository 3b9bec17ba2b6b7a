"""Sync planner: decide, per delivery order, what a ShipStation sync changes.

Pure and deterministic. The Odoo layer hands in plain snapshots of the in-transit
deliveries and what ShipStation returned (:mod:`.values`); :func:`plan` returns one
:class:`~.values.Decision` per delivery. Nothing here reads a database or the
network, so the same input always gives the same plan, and re-planning with nothing
new gives decisions that change nothing. What a user reads comes out as
:mod:`.messages` codes, never as sentences.
"""

from dataclasses import replace

from . import messages as msg
from .index import FactsIndex
from .values import (
    CANCEL,
    CANCELLED,
    FAIL,
    FAILED,
    NOTHING,
    REFRESH,
    SHIPPED,
    SYNCED,
    VALIDATE,
    WAIT,
    WAITING,
    Decision,
    Parcel,
    normalize,
)

#: Why the remainder of a partly shipped order waits (also set on a backorder at birth).
BACKORDER_WAITING = msg.message(msg.BACKORDER_WAITING)
ITEMS_UNKNOWN = msg.message(msg.ITEMS_UNKNOWN)


def format_tracking(parcels):
    """Tracking reference of a delivery: the numbers of its live outbound parcels.

    :param parcels: iterable of :class:`~.values.Parcel`
    :return: comma-joined tracking numbers, in parcel order, without duplicates
    """
    numbers = []
    for parcel in sorted(parcels, key=lambda p: p.sort_key):
        if parcel.voided or parcel.is_return or not parcel.tracking_number:
            continue
        if parcel.tracking_number not in numbers:
            numbers.append(parcel.tracking_number)
    return ",".join(numbers)


class _Skus:
    """ShipStation's SKUs read as the delivery's own, as ShipStation matches them (trimmed,
    case-insensitive): a product's SKU, or a kit's, which stands for its components."""

    def __init__(self, snap):
        self.own = {normalize(sku): sku for sku in snap.demand}
        self.kits = {
            normalize(kit): tuple((sku, per_kit) for sku, per_kit in components if sku in snap.demand)
            for kit, components in snap.kits.items()
        }

    def add(self, totals, sku, qty):
        """Add ``qty`` of ``sku`` to ``totals`` (``{delivery sku: qty}``); False when the
        SKU is none of the delivery's."""
        key = normalize(sku)
        if key in self.own:
            totals[self.own[key]] = totals.get(self.own[key], 0.0) + qty
            return True
        if key in self.kits:
            for component, per_kit in self.kits[key]:
                totals[component] = totals.get(component, 0.0) + qty * per_kit
            return True
        return False


def _shipped_quantities(parcels, snap, accounted=frozenset()):
    """Quantities per SKU that the live parcels say left, capped by the demand.

    A parcel that lists no items ships its order's lines (``items_from_order``): once
    per order, however many such parcels the order has.

    :param accounted: normalised SKUs that other deliveries of the same ShipStation order
        may hold (a backorder's source, the deliveries of merged orders): an item of one of
        them that this delivery does not hold concerns another delivery
    :return: ``(quantities, unknown)``: ``{sku: qty}`` in the delivery's SKUs, or None
        when a parcel's items are not known (neither listed nor read from its order);
        ``unknown`` is the sorted tuple of SKUs that match nothing of the delivery nor are
        accounted for (then nothing ships: the delivery waits rather than ship what
        ShipStation did not say)
    """
    skus = _Skus(snap)
    totals, unknown, orders_counted = {}, set(), set()
    for parcel in parcels:
        if parcel.items is None:
            return None, ()
        if parcel.items_from_order:
            if parcel.order_id in orders_counted:
                continue
            orders_counted.add(parcel.order_id)
        for sku, qty in parcel.items:
            if qty <= 0:
                continue
            if not skus.add(totals, sku, qty) and normalize(sku) not in accounted:
                unknown.add((sku or "").strip() or "?")
    if unknown:
        return None, tuple(sorted(unknown))
    return {sku: min(qty, snap.demand[sku]) for sku, qty in totals.items()}, ()


def _order_lines(order):
    """``((sku, quantity), ...)`` of a ShipStation order's lines (adjustments aside)."""
    return tuple(
        (str(item.get("sku") or ""), item["quantity"])
        for item in (order or {}).get("items") or ()
        if isinstance(item, dict) and not item.get("adjustment") and (item.get("quantity") or 0) > 0
    )


def _missing_stock(quantities, reserved):
    """SKUs that cannot ship yet: ``{sku: (needed, reserved)}``; ``{"*": ...}`` when
    nothing at all is reserved."""
    if not any(qty > 0 for qty in reserved.values()):
        return {"*": (1, 0)}
    return {
        sku: (qty, reserved.get(sku, 0.0)) for sku, qty in quantities.items() if reserved.get(sku, 0.0) + 1e-9 < qty
    }


def _waiting_message(missing):
    if "*" in missing:
        return msg.message(msg.NOTHING_RESERVED)
    return msg.message(
        msg.NOT_ALL_RESERVED,
        missing=[(sku, reserved, needed) for sku, (needed, reserved) in sorted(missing.items())],
    )


class _PickingPlan:
    """Plans one delivery; a class only to share the resolved context."""

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
        lines = _order_lines(self.index.order(parcel.order_id))
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
        skus, ordered, unmatched = _Skus(self.snap), {}, set()
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
        return tuple(
            line for order_id in sorted(self.own_orders()) for line in _order_lines(self.index.order(order_id))
        )

    def order_parcel(self):
        """The delivery's order as the one parcel that left, for an order ShipStation says
        shipped without a label or fulfillment: all its lines shipped."""
        orders = sorted(self.own_orders()) if not self.survivor_id else [self.survivor_id]
        lines = tuple(
            line
            for order_id in orders
            if (self.index.order(order_id) or {}).get("orderStatus") == SHIPPED
            for line in _order_lines(self.index.order(order_id))
        )
        return Parcel(key=("order", self.snap.order_id), order_id=self.snap.order_id, items=lines or None)

    def charged(self, parcels):
        """Keys of the parcels whose cost this delivery carries: a merged order's
        parcels are charged to the survivor's own delivery only, never twice."""
        return frozenset(p.key for p in parcels if not self.survivor_id or p.order_id != self.survivor_id)

    def decide(self):
        snap = self.snap
        seen = self.root is not None or self.index.order(self.survivor_id) is not None
        failure = self._failure(seen)
        if failure is not None:
            return failure
        parcels = self.parcels()
        live = [p for p in parcels if not p.voided]
        status = self.status()
        # The order's lines matter once it shipped (which label items are whose): kept then.
        order_skus = self.order_skus() if status == SHIPPED else snap.order_skus
        lines = self.own_lines() if status == SHIPPED else None
        kwargs = {
            "order_status": status,
            "seen": seen,
            "order_skus": order_skus,
            "order_lines": snap.order_lines if lines is None else lines,
        }
        if self.shared_with:
            message = msg.message(msg.SHARED_ORDER, names=self.shared_with, number=self.number())
            decision = self._decision(WAIT, snap.parcels, state=WAITING, message=message, **kwargs)
            if self.looked_up:
                decision.order_id = None  # not recorded: which delivery it is, is the user's call
            return decision
        if status == CANCELLED and not live:
            return self._decision(CANCEL, parcels, **kwargs)
        if status != SHIPPED:
            return self._decision(REFRESH, parcels, **kwargs)
        if not live and self.family_holds_live_parcels():
            return self._decision(WAIT, parcels, state=WAITING, message=BACKORDER_WAITING, **kwargs)
        if not live and (parcels or self.voided_labels_exist()):
            # Labels existed and were all voided: shipping "what is reserved" would be a guess.
            return self._decision(WAIT, parcels, state=WAITING, message=msg.message(msg.LABELS_VOIDED), **kwargs)
        if not live and not seen:
            # Shipped without any parcel, as last seen: act only on a fresh read of the order.
            return self._decision(NOTHING, parcels, **kwargs)
        return self._shipped(parcels, live, kwargs)

    def _shipped(self, parcels, live, kwargs):
        """The decision for a shipped order whose live parcels (or lines) say what left."""
        snap = self.snap
        quantities, unknown = _shipped_quantities(live or [self.order_parcel()], snap, kwargs["order_skus"])
        if quantities is None and not unknown:
            # Neither the labels nor their order (read now or recorded) say which items left.
            return self._decision(WAIT, parcels, state=WAITING, message=ITEMS_UNKNOWN, **kwargs)
        if unknown:
            message = msg.message(msg.UNKNOWN_SKUS, skus=unknown)
            return self._decision(WAIT, parcels, state=WAITING, message=message, **kwargs)
        if quantities == {}:
            # The labels list only the order's other lines: none of these items left yet.
            return self._decision(WAIT, parcels, state=WAITING, message=BACKORDER_WAITING, **kwargs)
        beyond, mismatch = self.beyond(quantities)
        if mismatch:
            return self._decision(WAIT, parcels, state=WAITING, message=mismatch, **kwargs)
        missing = _missing_stock(quantities, snap.reserved)
        if missing:
            return self._decision(WAIT, parcels, state=WAITING, message=_waiting_message(missing), **kwargs)
        return self._decision(VALIDATE, parcels, quantities=quantities, beyond=beyond, **kwargs)

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

    def _failure(self, seen):
        """The decision when the delivery's order cannot be read, else None."""
        snap = self.snap
        if snap.order_id is None:
            if snap.origin and normalize(snap.origin) != normalize(snap.name):
                return self._fail(msg.message(msg.NO_ORDER_NUMBERED_EITHER, number=snap.name, origin=snap.origin))
            return self._fail(msg.message(msg.NO_ORDER_NUMBERED, number=snap.name))
        if not seen and snap.sync_state == FAILED:
            # Not read again in this run: the failure stands until its order is.
            return self._decision(NOTHING, snap.parcels)
        if self.index.is_missing(snap.order_id) and not self.survivor_id:
            return self._fail(msg.message(msg.ORDER_MISSING, order_id=self.index.ref(snap.order_id), name=snap.name))
        unreadable = self.index.unreadable_of(self.own_orders() | {self.survivor_id})
        if unreadable is not None:
            kind, record_id, field_name, value = unreadable
            return self._fail(
                msg.message(msg.RECORD_UNREADABLE, kind=kind, record_id=record_id, field=field_name, value=value)
            )
        error = self.index.error_of(snap.order_id)
        if error is not None:
            return self._fail(msg.message(msg.ORDER_UNREADABLE, order_id=self.index.ref(snap.order_id), error=error))
        return None

    def _fail(self, message):
        return self._decision(FAIL, self.snap.parcels, state=FAILED, message=message)

    def _decision(  # noqa: PLR0913 - the fields of a Decision
        self, action, parcels, state=SYNCED, message=None, quantities=None, order_status=None, seen=False, **extra
    ):
        snap = self.snap
        tracking = format_tracking(parcels)
        charged = self.charged(parcels)
        cost = round(sum(p.cost for p in parcels if not p.voided and p.key in charged), 2)
        if action == FAIL:
            tracking, cost = snap.tracking_ref, snap.cost
        order_status = order_status if order_status is not None else snap.order_status
        decision = Decision(
            picking_id=snap.id,
            order_id=snap.order_id,
            action=action,
            tracking_ref=tracking,
            cost=cost,
            parcels=tuple(parcels),
            quantities=quantities,
            state=state,
            message=message,
            order_status=order_status,
            survivor_id=self.survivor_id,
            seen=seen,
            charged=charged,
            order_skus=extra.get("order_skus", snap.order_skus),
            beyond=extra.get("beyond") or {},
            order_lines=extra.get("order_lines", snap.order_lines),
        )
        decision.notes = _notes(snap, decision)
        decision.parcels_changed = (snap.tracking_ref or "") != decision.tracking_ref or _parcel_states(
            snap.parcels
        ) != _parcel_states(decision.parcels)
        if action in (REFRESH, WAIT, FAIL) and _unchanged(snap, decision):
            decision.action = NOTHING
        if action == NOTHING:
            decision.notes = []
        return decision


def _parcel_states(parcels):
    return {(p.key, p.voided) for p in parcels}


def _unchanged(snap, decision):
    """True when writing ``decision`` would leave the delivery exactly as it is."""
    return (
        not decision.parcels_changed
        and abs((snap.cost or 0.0) - decision.cost) < 0.005
        and (snap.sync_state or SYNCED) == decision.state
        and snap.sync_message == decision.message
        and (snap.order_status or "") == (decision.order_status or "")
        and snap.survivor_id == decision.survivor_id
        and snap.order_skus == decision.order_skus
        and snap.order_lines == decision.order_lines
    )


def _notes(snap, decision):
    """Chatter lines (messages): only what a user would want to know changed."""
    notes = []
    before = {p.key: p for p in snap.parcels}
    for parcel in decision.parcels:
        old = before.get(parcel.key)
        if old is None and not parcel.voided and parcel.tracking_number:
            if parcel.carrier_code:
                note = msg.message(msg.PARCEL_ADDED, tracking=parcel.tracking_number, carrier=parcel.carrier_code)
            else:
                note = msg.message(msg.PARCEL_ADDED_NO_CARRIER, tracking=parcel.tracking_number)
            notes.append(note)
        elif old is not None and parcel.voided and not old.voided:
            notes.append(msg.message(msg.PARCEL_REMOVED, tracking=parcel.tracking_number or str(parcel.key[1])))
    if decision.action in (WAIT, FAIL) and decision.message != snap.sync_message:
        notes.append(decision.message)
    return notes


def plan(snapshots, facts):
    """Decide what a sync does to each delivery.

    :param snapshots: iterable of :class:`~.values.PickingSnapshot` (the in-transit targets)
    :param RemoteFacts facts: what ShipStation returned, plus local consumption
    :return: list of :class:`~.values.Decision`, one per snapshot, in snapshot order
    """
    index = FactsIndex(facts)
    plans = [_PickingPlan(snap, index) for snap in snapshots]
    explicit, found = {}, {}
    for picking_plan in plans:
        if picking_plan.snap.order_id is not None:
            holders = found if picking_plan.looked_up else explicit
            holders.setdefault(picking_plan.snap.order_id, []).append(picking_plan.snap.name)
    for picking_plan in plans:
        # Two open deliveries of one order are never a delivery and its backorder (a
        # backorder is born when its source is done): which one the order is would be a
        # guess, and one label would ship twice. A delivery whose order id is set wins over
        # ones that found the order by number; the others wait until a user says.
        oid, name = picking_plan.snap.order_id, picking_plan.snap.name
        others = explicit.get(oid, []) + (found.get(oid, []) if picking_plan.looked_up else [])
        others = sorted(n for n in others if n != name)
        if others:
            picking_plan.shared_with = tuple(others)
    return [picking_plan.decide() for picking_plan in plans]
