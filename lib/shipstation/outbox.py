"""The outbox: what Odoo decided about an exported delivery, waiting to reach ShipStation.

Plain Python, no Odoo import. Each delivery holds at most one pending *wish* (one of
:data:`KINDS`) and a sequence number that grows with every new wish. Only the latest
wish counts (:func:`coalesce`); what is sent is built from the delivery as it is when
it is sent, never from a copy taken earlier, so a newer state always wins.

A run reads ``(delivery, wish, sequence)``, sends, then clears the wish only when the
delivery's sequence is still the one it read (:func:`settled`): a wish made while the
call was on its way stays pending for the next run. A run killed after sending and
before writing sends the same wish once more, never an older one.
"""

from dataclasses import dataclass, field

from .messages import message

CANCEL, SHIP, UPDATE, HOLD, RELEASE = "cancel", "ship", "update", "hold", "release"
KINDS = (CANCEL, SHIP, UPDATE, HOLD, RELEASE)
#: A later wish replaces an earlier one of the same or a lower rank. Cancel and ship end
#: the order; an update carries the hold state along (the order is re-posted held).
_RANK = {CANCEL: 4, SHIP: 3, UPDATE: 2, HOLD: 1, RELEASE: 1}
#: ShipStation order statuses an update may still change (v1 docs; v2 ``pending``/``on_hold``).
OPEN_STATUSES = ("awaiting_payment", "awaiting_shipment", "pending_fulfillment", "on_hold", "pending")
#: v1: orders per ``POST /orders/createorders`` call (ShipStation's documented maximum).
UPSERT_BATCH = 100
#: v1 calls for each wish. Cancel and update re-post the whole order under its key, in
#: batches; the others are one call per order.
V1_CALLS = {CANCEL: "createorders", UPDATE: "createorders", SHIP: "markasshipped", HOLD: "holduntil",
            RELEASE: "restorefromhold"}  # fmt: skip
#: v2 calls: the public v2 OpenAPI has ``PUT /v2/shipments/{id}/cancel`` but no update of a
#: shipment, no hold or release, and no mark-as-shipped (``/v2/fulfillments`` is not in it).
V2_CALLS = {CANCEL: "cancel"}
#: Days a v1 hold lasts: ShipStation releases a held order by itself on that date; the
#: outbox releases it as soon as the delivery is ready again.
HOLD_DAYS = 90

# Messages (texts in the addon's texts_outbox.py)
UPDATE_SENT = "outbox_update_sent"  # kind
UPDATE_CLOSED = "outbox_update_closed"  # kind, changes, status: ShipStation's order no longer open
UPDATE_REFUSED = "outbox_update_refused"  # kind, changes, error
UPDATE_UNSUPPORTED = "outbox_update_unsupported"  # kind, changes: the API version has no such call
LATE_LABEL = "outbox_late_label"  # tracking, cost


def coalesce(current, new):
    """The one wish that stands when ``new`` comes after ``current`` (either may be empty)."""
    if not current:
        return new or None
    if not new:
        return current
    return new if _RANK[new] >= _RANK[current] else current


def merge_changes(current, new):
    """Comma-separated names of what changed, each once, in the order they came."""
    names = [n for n in (current or "").split(",") if n]
    for name in (new or "").split(","):
        if name and name not in names:
            names.append(name)
    return ",".join(names)


def hold_wish(ready, held, enabled):
    """``hold``, ``release`` or None for a delivery whose order is open in ShipStation.

    :param bool ready: Odoo has everything reserved for the delivery
    :param bool held: the outbox put its order on hold
    :param bool enabled: the account holds orders that are not ready
    """
    if held and (ready or not enabled):
        return RELEASE
    if not held and enabled and not ready:
        return HOLD
    return None


def upsert_status(kind, held, last_status):
    """The ``orderStatus`` a re-posted order carries: cancelled for a cancel; otherwise it
    stays on hold when the outbox held it or ShipStation last said it was on hold."""
    if kind == CANCEL:
        return "cancelled"
    if held or last_status == "on_hold":
        return "on_hold"
    return "awaiting_shipment"


def call_for(version, kind):
    """The call that sends ``kind`` on API ``version``, or None when that version has none."""
    return (V2_CALLS if version == "v2" else V1_CALLS).get(kind)


@dataclass
class Wish:
    """One delivery's pending wish as a run read it."""

    picking_id: int
    kind: str
    seq: int
    order_id: str = None


@dataclass
class Call:
    """One API call of a run and the wishes it carries (several only for v1 upserts)."""

    endpoint: str
    wishes: list = field(default_factory=list)


def plan(wishes, version, batch=UPSERT_BATCH):
    """The calls that send ``wishes``, and the wishes the version cannot send.

    Upserts go ``batch`` to a call, in the order given; every other call carries one.

    :return: ``(calls, unsupported)``
    """
    calls, unsupported, upserts = [], [], []
    for wish in wishes:
        endpoint = call_for(version, wish.kind)
        if endpoint is None:
            unsupported.append(wish)
        elif endpoint == "createorders":
            upserts.append(wish)
        else:
            calls.append(Call(endpoint, [wish]))
    batched = [Call("createorders", upserts[i : i + batch]) for i in range(0, len(upserts), batch)]
    return batched + calls, unsupported


def settled(read_seq, current_seq):
    """Whether the wish a run sent is still the latest: then the run may clear it."""
    return read_seq == current_seq


def is_closed_refusal(text):
    """Whether ShipStation's refusal says the order is no longer open (shipped, cancelled)."""
    lowered = (text or "").lower()
    return any(word in lowered for word in ("shipped", "cancelled", "canceled", "cannot be updated", "label"))


def outcome_message(kind, outcome, changes="", error="", status=""):
    """The Message a delivery gets for a wish that ended ``outcome``.

    :param str outcome: ``sent``, ``closed``, ``refused`` or ``unsupported``
    """
    if outcome == "sent":
        return message(UPDATE_SENT, kind=kind)
    if outcome == "closed":
        return message(UPDATE_CLOSED, kind=kind, changes=changes or kind, status=status or "")
    if outcome == "unsupported":
        return message(UPDATE_UNSUPPORTED, kind=kind, changes=changes or kind)
    return message(UPDATE_REFUSED, kind=kind, changes=changes or kind, error=error or "")
