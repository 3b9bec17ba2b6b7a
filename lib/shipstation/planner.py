"""Sync planner: decide, per delivery order, what a ShipStation sync changes.

Pure and deterministic. The Odoo layer hands in plain snapshots of the in-transit
deliveries and what ShipStation returned (:mod:`.values`); :func:`plan` returns one
:class:`~.values.Decision` per delivery. Nothing here reads a database or the
network, so the same input always gives the same plan, and re-planning with nothing
new gives decisions that change nothing. What a user reads comes out as
:mod:`.messages` codes, never as sentences.
"""

from . import messages as msg
from .index import FactsIndex
from .plan_context import PickingContext
from .plan_quantities import format_tracking, missing_stock, shipped_quantities, waiting_message
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
    normalize,
)

#: Why the remainder of a partly shipped order waits (also set on a backorder at birth).
BACKORDER_WAITING = msg.message(msg.BACKORDER_WAITING)
ITEMS_UNKNOWN = msg.message(msg.ITEMS_UNKNOWN)

__all__ = ["BACKORDER_WAITING", "ITEMS_UNKNOWN", "format_tracking", "plan"]


class _PickingPlan(PickingContext):
    """Plans one delivery."""

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
        quantities, unknown = shipped_quantities(live or [self.order_parcel()], snap, kwargs["order_skus"])
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
        missing = missing_stock(quantities, snap.reserved)
        if missing:
            return self._decision(WAIT, parcels, state=WAITING, message=waiting_message(missing), **kwargs)
        return self._decision(VALIDATE, parcels, quantities=quantities, beyond=beyond, **kwargs)

    def _failure(self, seen):
        """The decision when the delivery's order cannot be read, else None."""
        snap = self.snap
        if snap.order_id is None:
            if snap.origin and normalize(snap.origin) != normalize(snap.name):
                return self._fail(msg.message(msg.NO_ORDER_NUMBERED_EITHER, number=snap.name, origin=snap.origin))
            return self._fail(msg.message(msg.NO_ORDER_NUMBERED, number=snap.name))
        if not seen and snap.sync_state == FAILED and not (snap.retry_recorded and snap.order_status):
            # Not read again in this run: the failure stands until its order is (a failure in
            # Odoo is planned again from what its read recorded, once its Odoo side changed).
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
