"""Read from ShipStation, in bulk, what a sync needs to plan its deliveries.

The in-transit deliveries of an account are gathered first; this module then asks
ShipStation with list calls only (pageSize 500) for what changed since the last
successful sync, so the number of calls grows with the pages of changes, not with
the number of deliveries:

* orders modified since the window start (all statuses): status, split children,
  merge survivors;
* shipments created since then, with their items, and shipments voided since then;
* fulfillments (orders marked as shipped without a label) created since then.

The window starts at the last successful sync minus :data:`OVERLAP`. A delivery no
sync has read yet widens it to that delivery's creation (its ShipStation order
cannot be older). An order still unaccounted for after that is read by id, and a
404 then means it is missing (or merged away, which the survivor tells).
"""

from dataclasses import dataclass
from datetime import timedelta

from .errors import AuthenticationError, NotFoundError, ShipStationError
from .records import Unreadable, parcel_from_fulfillment, parcel_from_shipment, read_order
from .values import RemoteFacts, normalize

#: Re-read this much before the last sync: clock skew between Odoo and ShipStation,
#: and records written while the last sync was reading.
OVERLAP = timedelta(minutes=15)
#: Failed deliveries whose orders are read again by id in one run (bounds the calls).
RETRY_FAILED = 25
#: After this many runs in a row in which ShipStation had no such order, a failed delivery
#: is no longer read again by id (it stays failed; a change of its order still reaches it).
GIVE_UP_MISSING = 3


@dataclass(frozen=True)
class Target:
    """A delivery to sync, as the fetcher needs it.

    :param int order_id: ShipStation orderId, or None when only the number is known
    :param str order_number: ShipStation orderNumber (the delivery's reference)
    :param datetime create_date: aware UTC creation time of the delivery
    :param bool known: a sync already read this delivery's order once, or tried to
    :param int survivor_id: order the delivery's order was merged into, if known
    :param bool failed: the last sync failed for this delivery (its order is read
        again by id, so the failure clears as soon as its cause does)
    :param datetime last_attempt: when a run last read it again by id (None: never)
    :param int missing_count: runs in a row in which ShipStation had no such order
    :param str origin: the delivery's source document (a sales channel's order number),
        looked up when no order carries the delivery's own reference
    :param bool changed: its Odoo side (moves, lots, reservations) changed since it failed:
        read again first
    """

    order_id: int
    order_number: str
    create_date: object
    known: bool = False
    survivor_id: int = None
    failed: bool = False
    last_attempt: object = None
    missing_count: int = 0
    origin: str = ""
    changed: bool = False

    @property
    def key(self):
        """What identifies the delivery's order in :attr:`RemoteFacts.retried`."""
        return self.order_id if self.order_id is not None else self.order_number


def window_start(targets, since, overlap=OVERLAP):
    """First instant to ask ShipStation about, or None when nothing is to be asked.

    Without a previous sync of the account, every delivery counts as never read.
    """
    starts = [t.create_date for t in targets if (not t.known or not since) and t.create_date]
    if since:
        starts.append(since)
    return min(starts) - overlap if starts else None


def _set_aside(facts, error):
    """Keep why a record could not be read, against its order when it names one."""
    if error.order_id is None:
        facts.set_aside += 1
    else:
        facts.unreadable.setdefault(error.order_id, error.describe())


def _add_orders(facts, orders, read=read_order):
    """Add the readable orders to the facts; return them.

    :param read: the reader of one record (v2 reads its shipments as orders)
    """
    added = []
    for raw in orders:
        try:
            order = read(raw)
        except Unreadable as error:
            _set_aside(facts, error)
            continue
        facts.orders[order["orderId"]] = order
        added.append(order)
    return added


def _advanced(order):
    advanced = order.get("advancedOptions") if isinstance(order, dict) else None
    return advanced if isinstance(advanced, dict) else {}


def _add_parcels(facts, shipments=(), fulfillments=()):
    for read, records in ((parcel_from_shipment, shipments), (parcel_from_fulfillment, fulfillments)):
        for record in records:
            try:
                parcel = read(record)
            except Unreadable as error:
                _set_aside(facts, error)
                continue
            facts.parcels[parcel.key] = parcel


def fetch_changes(client, targets, since, overlap=OVERLAP):
    """Everything ShipStation changed since ``since`` that may concern ``targets``.

    :param ShipStationClient client: the account's client
    :param list targets: :class:`Target` of every in-transit delivery of the account
    :param datetime since: aware UTC start of the last successful sync, or None
    :return: :class:`RemoteFacts` (orders, parcels, missing)
    :raises ShipStationError: when ShipStation cannot be read; nothing is half-read
    """
    facts = RemoteFacts()
    start = window_start(targets, since, overlap)
    if start is None:
        return facts
    # Oldest change first, each page read from the last change seen: none is lost however
    # the orders move while they are read (see ShipStationClient.iter_changed_orders).
    _add_orders(facts, client.iter_changed_orders(start))
    _add_parcels(
        facts,
        shipments=client.iter_shipments(createDateStart=start, includeShipmentItems=True),
        fulfillments=client.iter_fulfillments(createDateStart=start),
    )
    if since:
        # A label voided now may have been created long before the window.
        _add_parcels(facts, shipments=client.iter_shipments(voidDateStart=start, includeShipmentItems=True))
    merged = {oid for order in facts.orders.values() for oid in _advanced(order).get("mergedIds") or ()}
    _add_split_children(client, facts, {t.order_id for t in targets})
    retry = []
    for target in targets:
        if target.order_id in facts.orders or target.order_id in merged:
            if target.failed and target.order_id in facts.orders:
                retry.append(target)  # its order changed, but what failed (a label) may be older
            continue
        if target.known and since:
            if target.failed:
                retry.append(target)
            continue
        _read_one_safely(client, facts, target, always_parcels=target.failed)
    for target in _fair_share(retry, facts):
        facts.retried.add(target.key)
        if target.order_id in facts.orders:
            _read_parcels_safely(client, facts, facts.orders[target.order_id])
        else:
            _read_one_safely(client, facts, target, always_parcels=True)
    return facts


def _fair_share(failed, facts):
    """The failed deliveries to read again in this run: those whose Odoo side changed since
    they failed first, then the longest unread.

    Each gets its turn however many keep failing; one whose order ShipStation has not had
    for :data:`GIVE_UP_MISSING` runs in a row is left failed (``facts.given_up`` counts them).
    """
    live = [t for t in failed if t.missing_count < GIVE_UP_MISSING]
    facts.given_up = len(failed) - len(live)
    live.sort(key=lambda t: (not t.changed, bool(t.last_attempt), t.last_attempt or 0, str(t.key)))
    return live[:RETRY_FAILED]


def _read_parcels_safely(client, facts, order):
    """Read one order's labels and fulfillments; a failure is that order's alone."""
    try:
        _read_parcels(client, facts, order, always=True)
    except AuthenticationError:
        raise
    except ShipStationError as error:
        facts.errors[order["orderId"]] = error.message


def _add_split_children(client, facts, target_ids):
    """Read all parts of the split orders whose parent changed.

    The status of a split delivery depends on all its parts, and only some may have
    changed; one list call per changed split parent (parts share its order number).
    """
    for order in list(facts.orders.values()):
        advanced = _advanced(order)
        if order["orderId"] not in target_ids or not advanced.get("mergedOrSplit") or advanced.get("mergedIds"):
            continue
        _add_orders(
            facts,
            (
                o
                for o in client.iter_orders(orderNumber=order.get("orderNumber"))
                if _advanced(o).get("parentId") == order["orderId"]
            ),
        )


def fetch_orders(client, targets):
    """Everything ShipStation knows of a few deliveries' orders, read by id.

    Used when one delivery must be synced at once (its pick was just done): three
    calls per delivery instead of a window over the whole account.

    :return: :class:`RemoteFacts`
    """
    facts = RemoteFacts()
    for target in targets:
        _read_one_safely(client, facts, target, always_parcels=True)
    return facts


def _read_one_safely(client, facts, target, always_parcels=False):
    """Read one delivery's order; a failure is that delivery's alone.

    Bad credentials concern the whole account, so they still raise.
    """
    try:
        _read_one(client, facts, target, always_parcels)
        if always_parcels and target.survivor_id:
            _read_order(client, facts, target.survivor_id, always_parcels)
    except AuthenticationError:
        raise
    except ShipStationError as error:
        facts.errors[target.order_id] = error.message


def _numbered(client, number):
    """The orders numbered ``number`` as ShipStation matches numbers (one list call)."""
    return [
        o
        for o in client.iter_orders(orderNumber=number.strip())
        if normalize(o.get("orderNumber")) == normalize(number)
    ]


def _read_one(client, facts, target, always_parcels=False):
    if target.order_id is None:
        # By the delivery's reference, then by its source document: one list call a name.
        orders = _numbered(client, target.order_number)
        if not orders and target.origin and normalize(target.origin) != normalize(target.order_number):
            orders = _numbered(client, target.origin)
        for order in _add_orders(facts, orders):
            _read_parcels(client, facts, order, always_parcels)
        return
    order = _read_order(client, facts, target.order_id, always_parcels)
    if order and _advanced(order).get("mergedOrSplit"):
        children = [
            o
            for o in client.iter_orders(orderNumber=order.get("orderNumber"))
            if _advanced(o).get("parentId") == order["orderId"]
        ]
        for child in _add_orders(facts, children):
            _read_parcels(client, facts, child, always_parcels)


def _read_order(client, facts, order_id, always_parcels):
    try:
        order = client.get_order(order_id)
    except NotFoundError:
        facts.missing.add(order_id)
        return None
    try:
        order = read_order(order)
    except Unreadable as error:
        facts.unreadable.setdefault(order_id, error.describe())
        return None
    facts.orders[order["orderId"]] = order
    _read_parcels(client, facts, order, always_parcels)
    return order


def _read_parcels(client, facts, order, always):
    if always or order.get("orderStatus") == "shipped":
        _add_parcels(
            facts,
            shipments=client.iter_shipments(orderId=order["orderId"], includeShipmentItems=True),
            fulfillments=client.iter_fulfillments(orderId=order["orderId"]),
        )
