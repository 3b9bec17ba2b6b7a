"""Reconciliation: the deliveries where Odoo and ShipStation disagree.

Pure and deterministic, like the planner. The Odoo layer describes each delivery it
considers as a :class:`Delivery` (open, done or cancelled) and reads ShipStation with the
sync's own readers over a window (:mod:`.fetch`, :mod:`.fetch_v2`); :func:`reconcile`
then says, per delivery, every :class:`Finding`: which kind of disagreement, what each
side says, and the safe fix when there is one. :func:`fill_decision` gives the
:class:`~.values.Decision` a *fill* applies, in the sync's own shape, so the Odoo layer
writes it with the sync's code.

Kinds (in the order they are shown):

* ``done_not_shipped``: done in Odoo, ShipStation neither shipped nor voided a label;
* ``done_without_tracking``: done in Odoo without parcels (validated by hand before the
  label was printed) while ShipStation has live labels: fix ``fill``;
* ``cancelled_but_shipped``: cancelled in Odoo, a live label (or shipped) in ShipStation;
* ``shipped_still_open``: shipped in ShipStation longer than the grace, open in Odoo: fix
  ``sync``;
* ``missing``: ShipStation has no such order under the delivery's order id: fix ``link``
  when an order carries the delivery's number (its real order, found by number); none
  otherwise, since an order that vanished may have been merged into another one (API v2
  does not report merges) whose label shipped these goods: no fix ever exports a delivery
  again by itself (a person may, knowing that);
* ``tracking_differs`` / ``cost_differs``: a done delivery's tracking or cost is not what
  its live labels say: fix ``fill``;
* ``voided_after_done``: every label of a done delivery was voided after it was done (no
  automatic fix: return the goods in Odoo, or make a new label);
* ``not_seen``: the window did not show the order and this reconciliation did not read
  it by id (beyond the bound, or ShipStation failed to return it).
"""

from dataclasses import dataclass, field
from datetime import timedelta, timezone

from .index import FactsIndex
from .planner import format_tracking
from .values import REFRESH, SHIPPED, SYNCED, Decision

# Delivery states, as the reconciliation tells them apart
OPEN = "open"
DONE = "done"
CANCELLED = "cancel"

# Kinds of disagreement
DONE_NOT_SHIPPED = "done_not_shipped"
DONE_WITHOUT_TRACKING = "done_without_tracking"
CANCELLED_BUT_SHIPPED = "cancelled_but_shipped"
SHIPPED_STILL_OPEN = "shipped_still_open"
MISSING = "missing"
TRACKING_DIFFERS = "tracking_differs"
COST_DIFFERS = "cost_differs"
VOIDED_AFTER_DONE = "voided_after_done"
NOT_SEEN = "not_seen"
KINDS = (
    DONE_NOT_SHIPPED,
    DONE_WITHOUT_TRACKING,
    CANCELLED_BUT_SHIPPED,
    SHIPPED_STILL_OPEN,
    MISSING,
    TRACKING_DIFFERS,
    COST_DIFFERS,
    VOIDED_AFTER_DONE,
    NOT_SEEN,
)

# Safe fixes
FIX_SYNC = "sync"
FIX_FILL = "fill"
FIX_EXPORT = "export"  # never offered as a safe fix: only a person exports a delivery again
FIX_LINK = "link"

#: Default time a shipped order may wait for its open delivery before it is reported.
DEFAULT_GRACE = timedelta(hours=24)


@dataclass(frozen=True)
class Delivery:
    """One delivery the reconciliation considers, as plain data.

    :param str state: :data:`OPEN`, :data:`DONE` or :data:`CANCELLED`
    :param int order_id: its ShipStation order id, or None when only its name is known
    :param str tracking_ref: its tracking reference in Odoo
    :param float cost: what Odoo counts as its cost: its recorded parcels' (in the account's
        currency, as ShipStation says them), or its cost field when it holds no parcel
    :param tuple parcels: :class:`~.values.Parcel` recorded on it
    :param datetime date_done: when it was done (aware UTC), if done
    :param bool returned: a return of it exists in Odoo (the goods came back)
    """

    id: int
    name: str
    state: str
    order_id: int = None
    origin: str = ""
    tracking_ref: str = ""
    cost: float = 0.0
    parcels: tuple = ()
    date_done: object = None
    returned: bool = False

    @property
    def key(self):
        """What identifies its order among the orders read by id (see ``looked_up``)."""
        return self.order_id if self.order_id is not None else self.name


@dataclass(frozen=True)
class Finding:
    """One disagreement of one delivery.

    :param str odoo_value: what Odoo says (a state code, a tracking reference, a cost)
    :param str shipstation_value: what ShipStation says
    :param str fix: :data:`FIX_SYNC`, :data:`FIX_FILL`, :data:`FIX_EXPORT`, or None
    """

    picking_id: int
    kind: str
    odoo_value: str = ""
    shipstation_value: str = ""
    fix: str = None
    order_id: int = None


@dataclass
class _Context:
    index: FactsIndex
    now: object
    grace: timedelta
    looked_up: frozenset
    sharing: dict = field(default_factory=dict)


def _aware(value):
    if value is None or not hasattr(value, "tzinfo"):
        return value
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def merge_facts(into, other):
    """Add what ``other`` read (orders read by id) to ``into``; return ``into``."""
    into.orders.update(other.orders)
    into.parcels.update(other.parcels)
    into.missing |= other.missing
    into.errors.update(other.errors)
    for order_id, why in other.unreadable.items():
        into.unreadable.setdefault(order_id, why)
    into.set_aside += other.set_aside
    return into


def resolve_order(delivery, index):
    """The ShipStation order id of ``delivery``: recorded, else found by its number (its
    reference, then its source document) among the orders read; None when unknown."""
    if delivery.order_id is not None:
        return delivery.order_id
    found = index.order_numbered(delivery.name)
    if found is None and delivery.origin:
        found = index.order_numbered(delivery.origin)
    return found


def _survivor(order_id, index):
    survivor = index.survivor_of(order_id)
    return survivor if survivor is not None and index.order(survivor) is not None else None


def _orders_of(order_id, index):
    """The orders whose labels are the delivery's: its own and those split off it, or the
    survivor's when it was merged away."""
    survivor = _survivor(order_id, index)
    root = survivor if survivor is not None else order_id
    return {root} | index.children_of(root)


def status_of(order_id, index):
    """ShipStation's status of the order (the survivor's when merged; shipped when one of
    its split parts shipped)."""
    survivor = _survivor(order_id, index)
    root = survivor if survivor is not None else order_id
    if any((index.order(child) or {}).get("orderStatus") == SHIPPED for child in index.children_of(root)):
        return SHIPPED
    return (index.order(root) or {}).get("orderStatus") or ""


def expected_parcels(delivery, order_id, index, sole=True):
    """The parcels the delivery holds by ShipStation's word now: those recorded on it (as
    read now when read), plus the order's outbound parcels no other delivery holds when it
    is the only delivery of its order considered (otherwise whose they are is unknown).

    :return: tuple of :class:`~.values.Parcel`, in the sync's order
    """
    held = {p.key: index.fetched(p.key, p) for p in delivery.parcels}
    for order in sorted(_orders_of(order_id, index)):
        for parcel in index.parcels_of(order):
            if parcel.key in held or parcel.is_return or not sole:
                continue
            if set(index.holders(parcel.key)) - {delivery.id}:
                continue  # another delivery of the order (a backorder's source) holds it
            held[parcel.key] = parcel
    return tuple(sorted(held.values(), key=lambda p: p.sort_key))


def _charged(parcels, order_id, index):
    survivor = _survivor(order_id, index)
    return frozenset(p.key for p in parcels if survivor is None or p.order_id != survivor)


def expected_cost(parcels, order_id, index):
    """Cost of the live parcels the delivery carries (a merged order's go to the survivor's)."""
    charged = _charged(parcels, order_id, index)
    return round(sum(p.cost for p in parcels if not p.voided and p.key in charged), 2)


def _money(value):
    return "%.2f" % (value or 0.0)


def _shipped_since(live, order):
    dates = [_aware(p.create_date) for p in live if p.create_date]
    if dates:
        return min(dates)
    return _aware((order or {}).get("modifyDate"))


def _has_no_parcel(order_id, index):
    return not any(index.parcels_of(order) for order in _orders_of(order_id, index))


def _open_findings(delivery, order_id, parcels, live, ctx):
    status = status_of(order_id, ctx.index)
    if not live and not (status == SHIPPED and _has_no_parcel(order_id, ctx.index)):
        return []
    since = _shipped_since(live, ctx.index.order(order_id))
    if since is not None and ctx.now - since < ctx.grace:
        return []
    return [Finding(delivery.id, SHIPPED_STILL_OPEN, OPEN, _shipped_text(status, parcels), FIX_SYNC, order_id)]


def _shipped_text(status, parcels):
    tracking = format_tracking(parcels)
    return "%s (%s)" % (status or SHIPPED, tracking) if tracking else status or SHIPPED


def _cancelled_findings(delivery, order_id, parcels, live, ctx):
    status = status_of(order_id, ctx.index)
    if live or (status == SHIPPED and _has_no_parcel(order_id, ctx.index)):
        return [Finding(delivery.id, CANCELLED_BUT_SHIPPED, CANCELLED, _shipped_text(status, parcels), None, order_id)]
    return []


def _voided_after(delivery, parcels):
    done = _aware(delivery.date_done)
    return [
        p
        for p in parcels
        if p.voided and not p.is_return and (done is None or p.void_date is None or _aware(p.void_date) >= done)
    ]


def _done_findings(delivery, order_id, parcels, live, ctx):
    index = ctx.index
    if not live:
        if delivery.returned:
            return []  # the goods came back: ShipStation not shipping is Odoo's story too
        status = status_of(order_id, index)
        voided = _voided_after(delivery, parcels)
        if voided:
            numbers = ",".join(p.tracking_number or str(p.key[1]) for p in voided)
            return [Finding(delivery.id, VOIDED_AFTER_DONE, delivery.tracking_ref, numbers, None, order_id)]
        if status != SHIPPED:
            return [Finding(delivery.id, DONE_NOT_SHIPPED, DONE, status, None, order_id)]
        return []
    tracking, cost = format_tracking(parcels), expected_cost(parcels, order_id, index)
    if not delivery.parcels and not delivery.tracking_ref:
        text = "%s, %s" % (tracking, _money(cost)) if tracking else _money(cost)
        return [Finding(delivery.id, DONE_WITHOUT_TRACKING, "", text, FIX_FILL, order_id)]
    findings = []
    if (delivery.tracking_ref or "").strip() != tracking:
        findings.append(Finding(delivery.id, TRACKING_DIFFERS, delivery.tracking_ref, tracking, FIX_FILL, order_id))
    if abs((delivery.cost or 0.0) - cost) >= 0.005:
        findings.append(Finding(delivery.id, COST_DIFFERS, _money(delivery.cost), _money(cost), FIX_FILL, order_id))
    return findings


def found_by_number(delivery, index):
    """The order, other than its recorded one, that carries the delivery's number (its
    reference, then its source document) among the orders read; None when none does."""
    for number in (delivery.name, delivery.origin):
        found = index.order_numbered(number) if number else None
        if found is not None and found != delivery.order_id:
            return found
    return None


def _unseen_findings(delivery, order_id, ctx):
    facts = ctx.index.facts
    error = facts.errors.get(delivery.order_id) if delivery.order_id is not None else None
    number = str(ctx.index.ref(delivery.order_id)) if delivery.order_id is not None else delivery.name
    if error is None and (delivery.order_id in facts.missing or (order_id is None and delivery.key in ctx.looked_up)):
        found = found_by_number(delivery, ctx.index) if delivery.state == OPEN else None
        if found is not None:
            status = (ctx.index.order(found) or {}).get("orderStatus") or ""
            text = "%s (%s)" % (ctx.index.ref(found), status) if status else str(ctx.index.ref(found))
            return [Finding(delivery.id, MISSING, number, text, FIX_LINK, found)]
        return [Finding(delivery.id, MISSING, number, "")]
    return [Finding(delivery.id, NOT_SEEN, number, error or "")]


def is_seen(order_id, index):
    """Whether the facts hold the order (or the order it was merged into)."""
    return order_id is not None and (index.order(order_id) is not None or _survivor(order_id, index) is not None)


def unseen(deliveries, facts):
    """The deliveries whose order ``facts`` do not show (to be read by id, in bounded numbers)."""
    index = FactsIndex(facts)
    return [d for d in deliveries if not is_seen(resolve_order(d, index), index)]


def reconcile(deliveries, facts, now, grace=DEFAULT_GRACE, looked_up=frozenset()):
    """Every disagreement between Odoo's deliveries and what ShipStation said.

    :param list deliveries: :class:`Delivery` of every delivery considered
    :param RemoteFacts facts: what the readers returned, with the recorded consumption
        (``consumed_by``, ``family``) and, for v2, the statuses settled
    :param datetime now: aware UTC time of the reconciliation
    :param timedelta grace: how long a shipped order may wait for its open delivery
    :param looked_up: keys (:attr:`Delivery.key`) of the deliveries whose order was read by
        id or number because the window did not show it
    :return: list of :class:`Finding`, by kind (:data:`KINDS` order), then delivery id
    """
    index = FactsIndex(facts)
    ctx = _Context(index=index, now=now, grace=grace, looked_up=frozenset(looked_up))
    resolved = {d.id: resolve_order(d, index) for d in deliveries}
    for order_id in resolved.values():
        ctx.sharing[order_id] = ctx.sharing.get(order_id, 0) + 1
    findings = []
    handlers = {OPEN: _open_findings, DONE: _done_findings, CANCELLED: _cancelled_findings}
    for delivery in deliveries:
        order_id = resolved[delivery.id]
        if not is_seen(order_id, index):
            findings += _unseen_findings(delivery, order_id, ctx)
            continue
        parcels = expected_parcels(delivery, order_id, index, sole=ctx.sharing[order_id] == 1)
        live = [p for p in parcels if not p.voided]
        findings += handlers[delivery.state](delivery, order_id, parcels, live, ctx)
    return sorted(findings, key=lambda f: (KINDS.index(f.kind), f.picking_id))


def fill_decision(delivery, facts, deliveries=()):
    """What *fill tracking and cost* writes on a done delivery, as a sync decision: its
    parcels as ShipStation says them now, their tracking and cost. The delivery's state is
    left alone (the decision only refreshes: it never validates again).

    :param list deliveries: every delivery considered, to know whether the order has others
    :return: :class:`~.values.Decision`, or None when the order was not read
    """
    index = FactsIndex(facts)
    order_id = resolve_order(delivery, index)
    if not is_seen(order_id, index):
        return None
    sole = sum(1 for d in deliveries if resolve_order(d, index) == order_id) <= 1
    parcels = expected_parcels(delivery, order_id, index, sole=sole)
    return Decision(
        picking_id=delivery.id,
        action=REFRESH,
        tracking_ref=format_tracking(parcels),
        cost=expected_cost(parcels, order_id, index),
        order_id=order_id,
        parcels=parcels,
        state=SYNCED,
        order_status=status_of(order_id, index),
        survivor_id=_survivor(order_id, index),
        charged=_charged(parcels, order_id, index),
        parcels_changed=True,
    )
