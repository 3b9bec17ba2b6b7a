"""The values the sync passes between its parts, and their constants.

The readers (:mod:`.fetch`) turn ShipStation records into :class:`Parcel` and fill
:class:`RemoteFacts`; the Odoo layer describes each in-transit delivery as a
:class:`PickingSnapshot`; the planner (:mod:`.planner`) returns one
:class:`Decision` per delivery. All of them are plain data.

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

from dataclasses import dataclass, field

# ShipStation order statuses the sync acts on
SHIPPED = "shipped"
CANCELLED = "cancelled"

# Decision actions
VALIDATE = "validate"
CANCEL = "cancel"
WAIT = "wait"
FAIL = "fail"
REFRESH = "refresh"  # tracking/cost/status written, nothing else
NOTHING = "nothing"

# shipstation_sync_state values
SYNCED = "synced"
WAITING = "waiting"
FAILED = "failed"


def int_or_none(value):
    """A ShipStation id stored as text, as an int (None when empty or not numeric).

    API v2 writes the same ids with a prefix: ``se-123`` is v1's 123.
    """
    text = str(value or "").strip()
    if text.startswith("se-"):
        text = text[3:]
    return int(text) if text.isdigit() else None


def normalize(text):
    """A SKU or order number as ShipStation compares them: trimmed, case-insensitive."""
    return ("" if text is None else str(text)).strip().casefold()


@dataclass(frozen=True)
class Parcel:
    """A ShipStation shipment or fulfillment, reduced to what the sync uses.

    :param tuple key: ``("shipment", shipmentId)`` or ``("fulfillment", fulfillmentId)``
    :param int order_id: ShipStation orderId the parcel belongs to
    :param tuple items: ``((sku, quantity), ...)``, or None when ShipStation does not
        say which items left (fulfillments, labels without shipment items)
    :param bool items_from_order: ``items`` are the lines of the parcel's ShipStation order,
        as the sync read them, because the parcel itself listed none
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
    items_from_order: bool = False
    #: The tracking page ShipStation gives the label itself (API v2), if any.
    tracking_url: str = ""

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
    :param sync_message: :class:`~.messages.Message` the last sync left, or None
    :param frozenset order_skus: normalised SKUs of the lines of its ShipStation orders,
        as recorded once they shipped
    :param str origin: its source document (the sale order's name): the number a sales
        channel gives the ShipStation order, when the delivery's own reference is not one
    :param dict kits: ``{kit sku: ((component sku, quantity per kit), ...)}`` of the kits
        whose components the delivery holds (a label item of a kit ships its components)
    :param tuple order_lines: ``((sku, qty), ...)`` of its own ShipStation orders' lines, as
        recorded once they shipped (None: not recorded), for runs that do not read them
    :param bool retry_recorded: its last sync failed in Odoo (ShipStation was read, the
        writing failed) and its Odoo side changed since: plan again from what that read
        recorded, whether or not this run reads its order
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
    sync_message: object = None
    order_skus: frozenset = frozenset()
    origin: str = ""
    kits: dict = field(default_factory=dict)
    order_lines: tuple = None
    retry_recorded: bool = False


@dataclass
class RemoteFacts:
    """What ShipStation returned in this run, and which parcels deliveries hold.

    :param dict orders: ``{orderId: order dict}`` of every order read
    :param dict parcels: ``{key: Parcel}`` of every shipment and fulfillment read
    :param set missing: orderIds ShipStation answered 404 for
    :param dict errors: ``{orderId: reason}`` for orders ShipStation failed to return
    :param dict consumed_by: ``{parcel key: {picking id, ...}}`` for parcels already
        recorded on any delivery (targets or not, e.g. a validated parent)
    :param dict family: ``{picking id: orderId}`` for those consuming deliveries
    :param dict recorded_voided: ``{parcel key: voided}`` as recorded in the database
    :param dict unreadable: ``{orderId: (kind, record id, field, value)}``: the first
        record of that order (the order, a label, a fulfillment) the reader set aside
    :param int set_aside: unreadable records that named no order
    """

    orders: dict = field(default_factory=dict)
    parcels: dict = field(default_factory=dict)
    missing: set = field(default_factory=set)
    errors: dict = field(default_factory=dict)
    consumed_by: dict = field(default_factory=dict)
    family: dict = field(default_factory=dict)
    recorded_voided: dict = field(default_factory=dict)
    unreadable: dict = field(default_factory=dict)
    set_aside: int = 0
    #: Keys (orderId, or order number) of the failed deliveries read again in this run.
    retried: set = field(default_factory=set)
    #: Failed deliveries no longer read again (their order has been missing for long).
    given_up: int = 0
    #: How the API writes ids before their number (v2: ``se-``), for what users read.
    id_prefix: str = ""


@dataclass
class Decision:
    """What one sync does to one delivery.

    ``parcels`` is the full list of parcels the delivery holds after the sync
    (consumed earlier or now, voided ones included); ``quantities`` is
    ``{sku: quantity}`` to ship. ``message`` (why
    it waits or failed) and ``notes`` (chatter lines) are
    :class:`~.messages.Message` values.
    """

    picking_id: int
    action: str
    tracking_ref: str
    cost: float
    order_id: int = None
    parcels: tuple = ()
    quantities: dict = None
    state: str = SYNCED
    message: object = None
    order_status: str = ""
    survivor_id: int = None
    seen: bool = False
    charged: frozenset = frozenset()
    notes: list = field(default_factory=list)
    #: Whether the tracking reference or the parcels (or their voided flags) change.
    parcels_changed: bool = False
    #: Normalised SKUs of the lines of the delivery's ShipStation orders, to record.
    order_skus: frozenset = frozenset()
    #: ``{sku: quantity}`` the delivery holds beyond what ShipStation's order lists (lines or
    #: quantities added in Odoo after the export): its backorder is not linked to the order.
    beyond: dict = field(default_factory=dict)
    #: Lines of the delivery's own ShipStation orders, to record (None: not known).
    order_lines: tuple = None

    @property
    def changed(self):
        """Whether applying this decision writes anything."""
        return self.action != NOTHING
