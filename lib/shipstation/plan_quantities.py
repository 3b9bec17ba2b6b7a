"""What a delivery's parcels and ShipStation order lines come to, in the delivery's SKUs.

Pure helpers of the sync planner (:mod:`.planner`): tracking references, quantities
shipped per SKU, and what reservation is missing for them.
"""

from . import messages as msg
from .values import normalize


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


class Skus:
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


def shipped_quantities(parcels, snap, accounted=frozenset()):
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
    skus = Skus(snap)
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


def order_lines(order):
    """``((sku, quantity), ...)`` of a ShipStation order's lines (adjustments aside)."""
    return tuple(
        (str(item.get("sku") or ""), item["quantity"])
        for item in (order or {}).get("items") or ()
        if isinstance(item, dict) and not item.get("adjustment") and (item.get("quantity") or 0) > 0
    )


def missing_stock(quantities, reserved):
    """SKUs that cannot ship yet: ``{sku: (needed, reserved)}``; ``{"*": ...}`` when
    nothing at all is reserved."""
    if not any(qty > 0 for qty in reserved.values()):
        return {"*": (1, 0)}
    return {
        sku: (qty, reserved.get(sku, 0.0)) for sku, qty in quantities.items() if reserved.get(sku, 0.0) + 1e-9 < qty
    }


def waiting_message(missing):
    if "*" in missing:
        return msg.message(msg.NOTHING_RESERVED)
    return msg.message(
        msg.NOT_ALL_RESERVED,
        missing=[(sku, reserved, needed) for sku, (needed, reserved) in sorted(missing.items())],
    )
