"""Sync planner: decide, per delivery order, what a ShipStation sync changes.

Pure and deterministic. The Odoo layer hands in plain snapshots of the in-transit
deliveries (:class:`PickingSnapshot`) and what ShipStation returned
(:class:`RemoteFacts`); :func:`plan` returns one :class:`Decision` per delivery.
Nothing here reads a database or the network, so the same input always gives the
same plan, and re-planning with nothing new gives decisions that change nothing.

Vocabulary:

* *parcel*: a ShipStation shipment (a label) or a fulfillment (an order marked as
  shipped without a ShipStation label), keyed ``("shipment", id)`` or
  ``("fulfillment", id)``;
* *own orders* of a delivery: its ShipStation order and the orders ShipStation split
  off it (children whose ``advancedOptions.parentId`` is that order);
* *survivor*: the order another order was merged into (its ``mergedIds`` lists the
  absorbed one); the delivery of an absorbed order follows the survivor;
* *family*: the deliveries linked to the same ShipStation order (a delivery and its
  backorders). A parcel is consumed by one member of a family only, so the
  remainder of a partly shipped order waits for parcels of its own.
"""

from dataclasses import dataclass, field, replace

SHIPPED = "shipped"
CANCELLED = "cancelled"

# Decision actions
VALIDATE = "validate"
CANCEL = "cancel"
WAIT = "wait"
FAIL = "fail"
REFRESH = "refresh"  # tracking/cost/status written, nothing else
NOTHING = "nothing"

#: Why the remainder of a partly shipped order waits (also set on a backorder at birth).
BACKORDER_WAITING = (
    "The ShipStation order is shipped, but its parcels were recorded on an earlier delivery of the "
    "same order: these remaining items have no parcel in ShipStation yet."
)

LABELS_VOIDED_WAITING = "The ShipStation order says shipped, but every label of it was voided: waiting for a new label."

# shipstation_sync_state values
SYNCED = "synced"
WAITING = "waiting"
FAILED = "failed"


@dataclass(frozen=True)
class Parcel:
    """A ShipStation shipment or fulfillment, reduced to what the sync uses.

    :param tuple key: ``("shipment", shipmentId)`` or ``("fulfillment", fulfillmentId)``
    :param int order_id: ShipStation orderId the parcel belongs to
    :param tuple items: ``((sku, quantity), ...)``, or None when ShipStation does not
        say which items left (fulfillments, labels without shipment items)
    """

    key: tuple
    order_id: int
    tracking_number: str = ""
    carrier_code: str = ""
    service_code: str = ""
    ship_date: object = None
    create_date: object = None
    cost: float = 0.0
    insurance_cost: float = 0.0
    voided: bool = False
    void_date: object = None
    is_return: bool = False
    items: tuple = None

    @property
    def sort_key(self):
        """Stable order of parcels on a delivery: creation time, then id."""
        created = self.create_date.replace(tzinfo=None).isoformat() if self.create_date else ""
        return (created, self.key)


@dataclass(frozen=True)
class PickingSnapshot:
    """What the planner needs to know of one in-transit delivery order.

    :param int id: the picking's database id
    :param int order_id: its ShipStation orderId, or None when only its name is known
    :param dict reserved: ``{sku: quantity reserved}`` (what could ship now)
    :param dict demand: ``{sku: quantity ordered}``
    :param tuple parcels: parcels already consumed by this delivery (as last seen)
    :param int survivor_id: order the delivery's order was merged into, when known
    :param str order_status: ShipStation status seen by the last sync, if any
    """

    id: int
    name: str
    order_id: int = None
    reserved: dict = field(default_factory=dict)
    demand: dict = field(default_factory=dict)
    tracking_ref: str = ""
    cost: float = 0.0
    parcels: tuple = ()
    survivor_id: int = None
    order_status: str = ""
    sync_state: str = ""
    sync_message: str = ""


@dataclass
class RemoteFacts:
    """What ShipStation returned in this run.

    :param dict orders: ``{orderId: order dict}`` of every order read
    :param dict parcels: ``{key: Parcel}`` of every shipment and fulfillment read
    :param set missing: orderIds ShipStation answered 404 for
    :param dict errors: ``{orderId: reason}`` for orders ShipStation failed to return
    :param dict consumed_by: ``{parcel key: {picking id, ...}}`` for parcels already
        recorded on any delivery (targets or not, e.g. a validated parent)
    :param dict family: ``{picking id: orderId}`` for those consuming deliveries
    :param dict recorded_voided: ``{parcel key: voided}`` as recorded in the database
    """

    orders: dict = field(default_factory=dict)
    parcels: dict = field(default_factory=dict)
    missing: set = field(default_factory=set)
    errors: dict = field(default_factory=dict)
    consumed_by: dict = field(default_factory=dict)
    family: dict = field(default_factory=dict)
    recorded_voided: dict = field(default_factory=dict)

    def index(self):
        """Build the look-ups the planner uses for every delivery, once per plan, so
        planning stays linear in the number of deliveries and records."""
        self._children, self._survivor, self._numbered = {}, {}, {}
        for oid in sorted(self.orders):
            order = self.orders[oid]
            advanced = order.get("advancedOptions") or {}
            if advanced.get("parentId"):
                self._children.setdefault(advanced["parentId"], set()).add(oid)
            else:
                self._numbered.setdefault(order.get("orderNumber"), oid)
            for absorbed in advanced.get("mergedIds") or ():
                self._survivor[absorbed] = oid
        self._by_order = {}
        for parcel in self.parcels.values():
            self._by_order.setdefault(parcel.order_id, []).append(parcel)
        self._family_keys = {}
        for key, holders in self.consumed_by.items():
            for holder in holders:
                self._family_keys.setdefault(self.family.get(holder), set()).add(key)
        return self

    def order_numbered(self, number):
        """orderId of the (unsplit or parent) order numbered ``number``, if read."""
        return self._numbered.get(number)

    def parcels_of(self, order_id):
        """Parcels read in this run for one order."""
        return self._by_order.get(order_id, ())

    def family_keys(self, order_id):
        """Keys of the parcels held by deliveries of the ShipStation order ``order_id``."""
        return self._family_keys.get(order_id, ())

    def is_voided(self, key):
        """Latest known voided flag of a parcel: as fetched now, else as recorded."""
        if key in self.parcels:
            return self.parcels[key].voided
        return self.recorded_voided.get(key, False)

    def children_of(self, order_id):
        """orderIds of the orders ShipStation split off ``order_id``."""
        return self._children.get(order_id, set()) if order_id is not None else set()

    def survivor_of(self, order_id):
        """orderId of the order that absorbed ``order_id`` in a merge, if seen."""
        return self._survivor.get(order_id) if order_id is not None else None


@dataclass
class Decision:
    """What one sync does to one delivery.

    ``parcels`` is the full list of parcels the delivery holds after the sync
    (consumed earlier or now, voided ones included); ``quantities`` is
    ``{sku: quantity}`` to ship, or None to ship what is reserved.
    """

    picking_id: int
    action: str
    tracking_ref: str
    cost: float
    order_id: int = None
    parcels: tuple = ()
    quantities: dict = None
    state: str = SYNCED
    message: str = ""
    order_status: str = ""
    survivor_id: int = None
    seen: bool = False
    charged: frozenset = frozenset()
    notes: list = field(default_factory=list)
    #: Whether the tracking reference or the parcels (or their voided flags) change.
    parcels_changed: bool = False

    @property
    def changed(self):
        """Whether applying this decision writes anything."""
        return self.action != NOTHING


def format_tracking(parcels):
    """Tracking reference of a delivery: the numbers of its live outbound parcels.

    :param parcels: iterable of :class:`Parcel`
    :return: comma-joined tracking numbers, in parcel order, without duplicates
    """
    numbers = []
    for parcel in sorted(parcels, key=lambda p: p.sort_key):
        if parcel.voided or parcel.is_return or not parcel.tracking_number:
            continue
        if parcel.tracking_number not in numbers:
            numbers.append(parcel.tracking_number)
    return ",".join(numbers)


def _shipped_quantities(parcels, demand):
    """Quantities per SKU that the live parcels say left, capped by the demand.

    :return: ``{sku: qty}``, or None when any parcel does not list its items or no
        listed SKU belongs to the delivery (then the reserved quantities ship)
    """
    totals = {}
    for parcel in parcels:
        if not parcel.items:
            return None
        for sku, qty in parcel.items:
            totals[sku] = totals.get(sku, 0.0) + qty
    quantities = {sku: min(qty, demand[sku]) for sku, qty in totals.items() if sku in demand}
    return quantities or None


def _missing_stock(quantities, reserved):
    """SKUs that cannot ship yet: ``{sku: (needed, reserved)}``; ``{"*": ...}`` when
    nothing at all is reserved."""
    if not any(qty > 0 for qty in reserved.values()):
        return {"*": (1, 0)}
    if quantities is None:
        return {}
    return {
        sku: (qty, reserved.get(sku, 0.0)) for sku, qty in quantities.items() if reserved.get(sku, 0.0) + 1e-9 < qty
    }


class _PickingPlan:
    """Plans one delivery; a class only to share the resolved context."""

    def __init__(self, snap, facts):
        if snap.order_id is None:
            # Flagged exported by something that did not record the order id: the
            # delivery's reference is the order number.
            snap = replace(snap, order_id=facts.order_numbered(snap.name))
        self.snap = snap
        self.facts = facts
        self.root = facts.orders.get(snap.order_id)
        self.survivor_id = snap.survivor_id or facts.survivor_of(snap.order_id)

    def own_orders(self):
        return {self.snap.order_id} | self.facts.children_of(self.snap.order_id)

    def status(self):
        """Effective ShipStation status of the delivery's order, or '' if unknown.

        Orders this run did not read keep the status the last sync saw. A split
        order counts as shipped as soon as one of its parts is.
        """
        if self.survivor_id and self.survivor_id in self.facts.orders:
            return self.facts.orders[self.survivor_id].get("orderStatus") or ""
        root_status = self.root.get("orderStatus") if self.root else self.snap.order_status
        children = self.facts.children_of(self.snap.order_id)
        if SHIPPED in {self.facts.orders[c].get("orderStatus") for c in children}:
            return SHIPPED
        advanced = (self.root or {}).get("advancedOptions") or {}
        if not children and advanced.get("mergedOrSplit") and not advanced.get("mergedIds"):
            # A split parent read without its parts: a part shipped earlier still counts.
            return SHIPPED if SHIPPED in (root_status, self.snap.order_status) else root_status or ""
        return root_status or ""

    def taken_by_family(self, key):
        """Whether another delivery of the same ShipStation order consumed ``key``."""
        return any(
            pid != self.snap.id and self.facts.family.get(pid) == self.snap.order_id
            for pid in self.facts.consumed_by.get(key, ())
        )

    def family_holds_live_parcels(self):
        """Whether an earlier delivery of the same order (this one's backorder source)
        already holds live parcels, fetched in this run or recorded before."""
        return any(
            self.taken_by_family(key) and not self.facts.is_voided(key)
            for key in self.facts.family_keys(self.snap.order_id)
        )

    def parcels(self):
        """Parcels the delivery holds after this sync: its own, refreshed, plus new ones."""
        held = {p.key: self.facts.parcels.get(p.key, p) for p in self.snap.parcels}
        orders = self.own_orders() | ({self.survivor_id} if self.survivor_id else set())
        for parcel in (p for order_id in orders for p in self.facts.parcels_of(order_id)):
            if parcel.key in held or parcel.is_return or parcel.voided or self.taken_by_family(parcel.key):
                continue
            held[parcel.key] = parcel
        return tuple(sorted(held.values(), key=lambda p: p.sort_key))

    def charged(self, parcels):
        """Keys of the parcels whose cost this delivery carries: a merged order's
        parcels are charged to the survivor's own delivery only, never twice."""
        return frozenset(p.key for p in parcels if not self.survivor_id or p.order_id != self.survivor_id)

    def decide(self):
        snap = self.snap
        seen = self.root is not None or (self.survivor_id in self.facts.orders)
        if snap.order_id is None:
            return self._decision(
                FAIL,
                snap.parcels,
                state=FAILED,
                message="ShipStation has no order numbered %s. Export the delivery, or set its "
                "ShipStation order id." % snap.name,
            )
        if not seen and snap.sync_state == FAILED:
            # Not read again in this run: the failure stands until its order is.
            return self._decision(NOTHING, snap.parcels)
        if snap.order_id in self.facts.missing and not self.survivor_id:
            return self._decision(
                FAIL,
                snap.parcels,
                state=FAILED,
                message="ShipStation has no order %s for %s: it was deleted or never created. "
                "Check the order in ShipStation, then export the delivery again." % (snap.order_id, snap.name),
            )
        if snap.order_id in self.facts.errors:
            return self._decision(
                FAIL,
                snap.parcels,
                state=FAILED,
                message="ShipStation could not return order %s: %s. The next sync tries again."
                % (snap.order_id, self.facts.errors[snap.order_id]),
            )
        parcels = self.parcels()
        live = [p for p in parcels if not p.voided]
        status = self.status()
        kwargs = {"order_status": status, "seen": seen}
        if status == CANCELLED and not live:
            return self._decision(CANCEL, parcels, message="Cancelled in ShipStation.", **kwargs)
        if status != SHIPPED:
            return self._decision(REFRESH, parcels, **kwargs)
        if not live and self.family_holds_live_parcels():
            return self._decision(WAIT, parcels, state=WAITING, message=BACKORDER_WAITING, **kwargs)
        if not live and (parcels or any(self.taken_by_family(k) for k in self.facts.family_keys(snap.order_id))):
            # Labels existed and were all voided: shipping "what is reserved" would be a guess.
            return self._decision(WAIT, parcels, state=WAITING, message=LABELS_VOIDED_WAITING, **kwargs)
        if not live and not seen:
            # Shipped without any parcel, as last seen: act only on a fresh read of the order.
            return self._decision(NOTHING, parcels, **kwargs)
        quantities = _shipped_quantities(live, snap.demand)
        missing = _missing_stock(quantities, snap.reserved)
        if missing:
            return self._decision(WAIT, parcels, state=WAITING, message=self._waiting_message(missing), **kwargs)
        return self._decision(VALIDATE, parcels, quantities=quantities, message="Shipped in ShipStation.", **kwargs)

    @staticmethod
    def _waiting_message(missing):
        if "*" in missing:
            return (
                "Shipped in ShipStation, but nothing is reserved here yet (an earlier step such as the "
                "pick is not done). The delivery is validated as soon as the goods are ready."
            )
        detail = ", ".join(
            "%s: %g of %g" % (sku, reserved, needed) for sku, (needed, reserved) in sorted(missing.items())
        )
        return (
            "Shipped in ShipStation, but not all shipped goods are reserved here yet (%s). "
            "The delivery is validated as soon as they are." % detail
        )

    def _decision(self, action, parcels, state=SYNCED, message="", quantities=None, order_status=None, seen=False):
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
        and (snap.sync_message or "") == decision.message
        and (snap.order_status or "") == (decision.order_status or "")
        and snap.survivor_id == decision.survivor_id
    )


def _notes(snap, decision):
    """Lines for the delivery's chatter: only what a user would want to know changed."""
    notes = []
    before = {p.key: p for p in snap.parcels}
    for parcel in decision.parcels:
        old = before.get(parcel.key)
        if old is None and not parcel.voided and parcel.tracking_number:
            notes.append("Parcel %s added (%s)." % (parcel.tracking_number, parcel.carrier_code or "carrier unknown"))
        elif old is not None and parcel.voided and not old.voided:
            notes.append(
                "Parcel %s removed: its label was voided in ShipStation." % (parcel.tracking_number or parcel.key[1])
            )
    if decision.action in (WAIT, FAIL) and decision.message != (snap.sync_message or ""):
        notes.append(decision.message)
    return notes


def plan(snapshots, facts):
    """Decide what a sync does to each delivery.

    :param snapshots: iterable of :class:`PickingSnapshot` (the in-transit targets)
    :param RemoteFacts facts: what ShipStation returned, plus local consumption
    :return: list of :class:`Decision`, one per snapshot, in snapshot order
    """
    facts.index()
    return [_PickingPlan(snap, facts).decide() for snap in snapshots]


def _items(raw_items):
    if not raw_items:
        return None
    items = tuple(
        (item.get("sku") or "", float(item.get("quantity") or 0)) for item in raw_items if not item.get("adjustment")
    )
    return items or None


def parcel_from_shipment(shipment):
    """:class:`Parcel` from a ShipStation shipment (as the client returns it)."""
    return Parcel(
        key=("shipment", shipment["shipmentId"]),
        order_id=shipment.get("orderId"),
        tracking_number=shipment.get("trackingNumber") or "",
        carrier_code=shipment.get("carrierCode") or "",
        service_code=shipment.get("serviceCode") or "",
        ship_date=shipment.get("shipDate"),
        create_date=shipment.get("createDate"),
        cost=float(shipment.get("shipmentCost") or 0.0),
        insurance_cost=float(shipment.get("insuranceCost") or 0.0),
        voided=bool(shipment.get("voided")),
        void_date=shipment.get("voidDate"),
        is_return=bool(shipment.get("isReturnLabel")),
        items=_items(shipment.get("shipmentItems")),
    )


def parcel_from_fulfillment(fulfillment):
    """:class:`Parcel` from a ShipStation fulfillment (an order marked as shipped)."""
    return Parcel(
        key=("fulfillment", fulfillment["fulfillmentId"]),
        order_id=fulfillment.get("orderId"),
        tracking_number=fulfillment.get("trackingNumber") or "",
        carrier_code=fulfillment.get("carrierCode") or "",
        service_code=fulfillment.get("fulfillmentServiceCode") or "",
        ship_date=fulfillment.get("shipDate"),
        create_date=fulfillment.get("createDate"),
        cost=float(fulfillment.get("fulfillmentFee") or 0.0),
        voided=bool(fulfillment.get("voided")),
        void_date=fulfillment.get("voidDate"),
    )
