"""Look-ups over :class:`~.values.RemoteFacts`, built once per plan.

Planning asks the same questions for every delivery (which orders were split off
this one, which order absorbed it, which parcels its family holds); the index
answers each in constant time, so planning stays linear in the number of
deliveries and records.
"""

from .values import normalize


class FactsIndex:
    """Read-only index of one run's facts.

    :param RemoteFacts facts: what ShipStation returned, plus local consumption
    """

    def __init__(self, facts):
        self.facts = facts
        self._children, self._survivor, self._numbered = {}, {}, {}
        for oid in sorted(facts.orders):
            order = facts.orders[oid]
            advanced = order.get("advancedOptions") or {}
            if advanced.get("parentId"):
                self._children.setdefault(advanced["parentId"], set()).add(oid)
            else:
                self._numbered.setdefault(normalize(order.get("orderNumber")), oid)
            for absorbed in advanced.get("mergedIds") or ():
                self._survivor[absorbed] = oid
        self._by_order = {}
        for parcel in facts.parcels.values():
            self._by_order.setdefault(parcel.order_id, []).append(parcel)
        self._family_keys = {}
        for key, holders in facts.consumed_by.items():
            for holder in holders:
                self._family_keys.setdefault(facts.family.get(holder), set()).add(key)

    def ref(self, order_id):
        """An order id as the account's API writes it (v2: ``se-123``), for messages; v1's
        stays the number it always was (a message compares by its parameters)."""
        return "%s%s" % (self.facts.id_prefix, order_id) if self.facts.id_prefix else order_id

    def order(self, order_id):
        """The order dict read in this run, or None."""
        return self.facts.orders.get(order_id)

    def order_numbered(self, number):
        """orderId of the (unsplit or parent) order numbered ``number``, if read
        (numbers compared as ShipStation does: trimmed, case-insensitive)."""
        return self._numbered.get(normalize(number))

    def parcels_of(self, order_id):
        """Parcels read in this run for one order."""
        return self._by_order.get(order_id, ())

    def family_keys(self, order_id):
        """Keys of the parcels held by deliveries of the ShipStation order ``order_id``."""
        return self._family_keys.get(order_id, ())

    def holders(self, key):
        """Ids of the deliveries that recorded the parcel ``key``."""
        return self.facts.consumed_by.get(key, ())

    def order_of_holder(self, picking_id):
        """ShipStation orderId of a delivery that holds parcels."""
        return self.facts.family.get(picking_id)

    def fetched(self, key, default=None):
        """The parcel ``key`` as read in this run, else ``default``."""
        return self.facts.parcels.get(key, default)

    def is_voided(self, key):
        """Latest known voided flag of a parcel: as fetched now, else as recorded."""
        if key in self.facts.parcels:
            return self.facts.parcels[key].voided
        return self.facts.recorded_voided.get(key, False)

    def children_of(self, order_id):
        """orderIds of the orders ShipStation split off ``order_id``."""
        return self._children.get(order_id, set()) if order_id is not None else set()

    def survivor_of(self, order_id):
        """orderId of the order that absorbed ``order_id`` in a merge, if seen."""
        return self._survivor.get(order_id) if order_id is not None else None

    def is_missing(self, order_id):
        """Whether ShipStation answered 404 for the order."""
        return order_id in self.facts.missing

    def unreadable_of(self, order_ids):
        """``(kind, record id, field, value)`` of a set-aside record of these orders, or None."""
        for order_id in sorted(o for o in order_ids if o is not None):
            if order_id in self.facts.unreadable:
                return self.facts.unreadable[order_id]
        return None

    def error_of(self, order_id):
        """Why ShipStation failed to return the order, or None."""
        return self.facts.errors.get(order_id)
