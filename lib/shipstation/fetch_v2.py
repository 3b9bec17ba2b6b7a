"""Read from ShipStation API v2, in bulk, what a sync needs to plan its deliveries.

The v2 reader fills the same :class:`~.values.RemoteFacts` as the v1 one
(:mod:`.fetch`), so one planner decides for both versions. With list calls only, as
for v1, calls grow with the pages of changes, not with the number of deliveries:

* shipments (v1 orders) modified since the window start, oldest change first;
* labels (v1 shipments) created since then;
* voided labels: v2 filters labels by creation date only, and a void need not change
  the shipment's ``modified_at``, so every run lists the voided labels created in the
  last :data:`VOID_LOOKBACK`, most recently changed first, until one voided before the
  window (one call when little was voided since); a label voided more than that after
  it was created is not seen;
* the labels of target shipments v2 says bought a label for when none of theirs was
  read (bought before the window): one call each, only for those.

v2 documents no split or merge of shipments, and no fulfillments in its list calls: a
shipment is shipped once it has a live label (:func:`.records_v2.settle_statuses`).
"""

from datetime import datetime, timedelta, timezone

from .errors import AuthenticationError, NotFoundError, ShipStationError
from .fetch import OVERLAP, _add_orders, _fair_share, _set_aside, window_start
from .records import Unreadable
from .records_v2 import LABEL_PURCHASED, parcel_from_label, read_shipment, v2_id
from .values import RemoteFacts, normalize

#: How far back each run looks for labels voided after they were created.
VOID_LOOKBACK = timedelta(days=30)


def _add_shipments(facts, shipments):
    return _add_orders(facts, shipments, read_shipment)


#: Label statuses that are labels at all (``processing`` and ``error`` are purchases that
#: have not made one, and never count).
LABEL_STATUSES = (None, "", "completed", "voided")


def _add_labels(facts, labels, currency=None):
    for raw in labels:
        if isinstance(raw, dict) and raw.get("status") not in LABEL_STATUSES and not raw.get("voided"):
            continue
        try:
            parcel = parcel_from_label(raw, currency)
        except Unreadable as error:
            _set_aside(facts, error)
            continue
        facts.parcels[parcel.key] = parcel


def fetch_changes_v2(  # noqa: PLR0913 - the v1 reader's arguments, and v2's look-back and currency
    client, targets, since, overlap=OVERLAP, now=None, void_lookback=VOID_LOOKBACK, currency=None
):
    """Everything ShipStation (v2) changed since ``since`` that may concern ``targets``.

    :param ShipStationV2Client client: the account's client
    :param list targets: :class:`~.fetch.Target` of every in-transit delivery of the account
    :param datetime since: aware UTC start of the last successful sync, or None
    :param str currency: the account's currency code; v2 names each cost's currency, and a
        label whose cost is in another one is set aside (its delivery says so)
    :return: :class:`RemoteFacts`
    :raises ShipStationError: when ShipStation cannot be read; nothing is half-read
    """
    facts = RemoteFacts(id_prefix="se-")
    start = window_start(targets, since, overlap)
    if start is None:
        return facts
    _add_shipments(facts, client.iter_changed_shipments(start))
    _add_labels(facts, client.iter_labels(created_at_start=start), currency)
    if since:
        look_back = (now or datetime.now(timezone.utc)) - void_lookback
        _add_labels(facts, client.iter_voided_labels(start, created_since=min(start, look_back)), currency)
    _read_unlabelled(client, facts, targets, currency)
    retry = []
    for target in targets:
        if target.order_id in facts.orders or (target.known and since):
            if target.failed:
                retry.append(target)
            continue
        _read_one_safely(client, facts, target, currency)
    for target in _fair_share(retry, facts):
        facts.retried.add(target.key)
        _read_one_safely(client, facts, target, currency)
    return facts


def _read_unlabelled(client, facts, targets, currency):
    """Read the labels of target shipments v2 says bought a label for, when none of their
    labels was read (bought before the window): one call each, only for those."""
    labelled = {p.order_id for p in facts.parcels.values()}
    for target in targets:
        order = facts.orders.get(target.order_id)
        if order and order.get("v2Status") == LABEL_PURCHASED and target.order_id not in labelled:
            try:
                _add_labels(facts, client.iter_labels(shipment_id=v2_id(target.order_id)), currency)
            except AuthenticationError:
                raise
            except ShipStationError as error:
                facts.errors[target.order_id] = error.message


def fetch_orders_v2(client, targets, currency=None):
    """Everything ShipStation (v2) knows of a few deliveries' shipments, read by id."""
    facts = RemoteFacts(id_prefix="se-")
    for target in targets:
        _read_one_safely(client, facts, target, currency)
    return facts


def _read_one_safely(client, facts, target, currency=None):
    """Read one delivery's shipment and its labels; a failure is that delivery's alone."""
    try:
        for order in _read_one(client, facts, target):
            _add_labels(facts, client.iter_labels(shipment_id=v2_id(order["orderId"])), currency)
    except AuthenticationError:
        raise
    except ShipStationError as error:
        facts.errors[target.order_id] = error.message


def _read_one(client, facts, target):
    if target.order_id is not None:
        try:
            raw = client.get_shipment(v2_id(target.order_id))
        except NotFoundError:
            facts.missing.add(target.order_id)
            return []
        return _add_shipments(facts, [raw])
    # By the delivery's reference, then by its source document: one list call a name.
    found = _numbered(client, target.order_number)
    if not found and target.origin and normalize(target.origin) != normalize(target.order_number):
        found = _numbered(client, target.origin)
    return _add_shipments(facts, found)


def _numbered(client, number):
    return [
        s
        for s in client.iter_shipments(shipment_number=number.strip())
        if isinstance(s, dict) and normalize(s.get("shipment_number")) == normalize(number)
    ]
