"""The reconciliation on plain data: each kind of disagreement, and what agrees."""

from datetime import datetime, timedelta, timezone

from shipstation import reconcile as r
from shipstation.reconcile import Delivery, fill_decision, reconcile
from shipstation.values import Parcel, RemoteFacts

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
DONE_AT = NOW - timedelta(days=2)


def order(order_id, status="awaiting_shipment", number=None, **advanced):
    return {
        "orderId": order_id,
        "orderNumber": number or "WH/OUT/%d" % order_id,
        "orderStatus": status,
        "modifyDate": NOW - timedelta(days=3),
        "advancedOptions": {"parentId": None, "mergedIds": [], "mergedOrSplit": False, **advanced},
    }


def label(shipment_id, order_id, tracking, cost=5.0, days_ago=3, **kw):
    return Parcel(
        key=("shipment", shipment_id),
        order_id=order_id,
        tracking_number=tracking,
        cost=cost,
        create_date=NOW - timedelta(days=days_ago),
        **kw,
    )


def facts(orders=(), parcels=(), missing=(), held=None):
    """Facts read from ShipStation; ``held`` = ``{parcel key: picking id}`` recorded in Odoo."""
    result = RemoteFacts(
        orders={o["orderId"]: o for o in orders},
        parcels={p.key: p for p in parcels},
        missing=set(missing),
    )
    for key, picking_id in (held or {}).items():
        result.consumed_by.setdefault(key, set()).add(picking_id)
    return result


def done(pid, order_id, parcels=(), tracking=None, cost=None, **kw):
    if tracking is None:
        tracking = ",".join(p.tracking_number for p in parcels if not p.voided)
    if cost is None:
        cost = sum(p.cost for p in parcels if not p.voided)
    return Delivery(
        id=pid,
        name="WH/OUT/%d" % order_id,
        state=r.DONE,
        order_id=order_id,
        tracking_ref=tracking,
        cost=cost,
        parcels=tuple(parcels),
        date_done=DONE_AT,
        **kw,
    )


def open_delivery(pid, order_id, **kw):
    return Delivery(id=pid, name="WH/OUT/%d" % order_id, state=r.OPEN, order_id=order_id, **kw)


def kinds(findings):
    return [(f.picking_id, f.kind, f.fix) for f in findings]


def test_agreeing_deliveries_are_not_reported():
    shipped = label(1, 100, "1Z1")
    deliveries = [
        done(1, 100, [shipped]),
        open_delivery(2, 200),
        Delivery(id=3, name="WH/OUT/300", state=r.CANCELLED, order_id=300),
    ]
    seen = facts([order(100, "shipped"), order(200), order(300, "cancelled")], [shipped], held={shipped.key: 1})
    assert reconcile(deliveries, seen, NOW) == []


def test_done_but_not_shipped():
    findings = reconcile([done(1, 100)], facts([order(100)]), NOW)
    assert kinds(findings) == [(1, r.DONE_NOT_SHIPPED, None)]
    assert (findings[0].odoo_value, findings[0].shipstation_value) == ("done", "awaiting_shipment")


def test_done_by_hand_before_the_label_is_filled():
    parcel = label(1, 100, "1Z9", cost=7.5)
    delivery = done(1, 100, tracking="", cost=0.0)
    seen = facts([order(100, "shipped")], [parcel])
    findings = reconcile([delivery], seen, NOW)
    assert kinds(findings) == [(1, r.DONE_WITHOUT_TRACKING, r.FIX_FILL)]
    assert findings[0].shipstation_value == "1Z9, 7.50"
    decision = fill_decision(delivery, seen, [delivery])
    assert (decision.tracking_ref, decision.cost, decision.parcels) == ("1Z9", 7.5, (parcel,))
    assert decision.action == "refresh" and decision.charged == {parcel.key}


def test_cancelled_but_shipped():
    parcel = label(1, 100, "1Z2")
    cancelled = Delivery(id=1, name="WH/OUT/100", state=r.CANCELLED, order_id=100)
    findings = reconcile([cancelled], facts([order(100, "shipped")], [parcel]), NOW)
    assert kinds(findings) == [(1, r.CANCELLED_BUT_SHIPPED, None)]
    assert findings[0].shipstation_value == "shipped (1Z2)"


def test_shipped_still_open_past_the_grace_only():
    old, fresh = label(1, 100, "1Z3", days_ago=2), label(2, 200, "1Z4", days_ago=0.1)
    seen = facts([order(100, "shipped"), order(200, "shipped")], [old, fresh])
    findings = reconcile([open_delivery(1, 100), open_delivery(2, 200)], seen, NOW)
    assert kinds(findings) == [(1, r.SHIPPED_STILL_OPEN, r.FIX_SYNC)]
    assert kinds(reconcile([open_delivery(2, 200)], seen, NOW, grace=timedelta(0))) == [
        (2, r.SHIPPED_STILL_OPEN, r.FIX_SYNC)
    ]


def test_a_backorder_waiting_for_its_own_label_is_not_shipped():
    parcel = label(1, 100, "1Z5")
    seen = facts([order(100, "shipped")], [parcel], held={parcel.key: 1})
    source, backorder = done(1, 100, [parcel]), open_delivery(2, 100)
    assert reconcile([source, backorder], seen, NOW) == []


def test_a_missing_order_is_never_exported_again_by_a_safe_fix():
    deliveries = [open_delivery(1, 100), done(2, 200), open_delivery(3, 300)]
    seen = facts(missing=[100, 200])
    findings = reconcile(deliveries, seen, NOW)
    assert kinds(findings) == [(1, r.MISSING, None), (2, r.MISSING, None), (3, r.NOT_SEEN, None)]


def test_a_missing_order_whose_number_shipstation_holds_is_linked():
    """A delivery whose order id is wrong: its real order carries its number."""
    wrong = open_delivery(1, 999)
    real = order(100, "awaiting_shipment", number=wrong.name)
    findings = reconcile([wrong], facts([real], missing=[999]), NOW)
    assert kinds(findings) == [(1, r.MISSING, r.FIX_LINK)]
    assert (findings[0].order_id, findings[0].shipstation_value) == (100, "100 (awaiting_shipment)")
    closed = done(2, 998)
    numbered = order(101, "shipped", number=closed.name)
    assert kinds(reconcile([closed], facts([numbered], missing=[998]), NOW)) == [(2, r.MISSING, None)]


def test_missing_by_number_once_looked_up():
    unknown = Delivery(id=1, name="WH/OUT/9", state=r.OPEN)
    assert kinds(reconcile([unknown], facts(), NOW)) == [(1, r.NOT_SEEN, None)]
    assert kinds(reconcile([unknown], facts(), NOW, looked_up={"WH/OUT/9"})) == [(1, r.MISSING, None)]
    found = facts([order(100, "awaiting_shipment", number="wh/out/9 ")])
    assert reconcile([unknown], found, NOW) == []


def test_tracking_and_cost_that_differ():
    recorded = label(1, 100, "1Z6", cost=5.0)
    now_read = label(1, 100, "1Z6", cost=6.25)
    second = label(2, 100, "1Z7", cost=1.0, days_ago=1)
    delivery = done(1, 100, [recorded])
    seen = facts([order(100, "shipped")], [now_read, second], held={recorded.key: 1})
    findings = reconcile([delivery], seen, NOW)
    assert kinds(findings) == [(1, r.TRACKING_DIFFERS, r.FIX_FILL), (1, r.COST_DIFFERS, r.FIX_FILL)]
    assert (findings[0].odoo_value, findings[0].shipstation_value) == ("1Z6", "1Z6,1Z7")
    assert (findings[1].odoo_value, findings[1].shipstation_value) == ("5.00", "7.25")
    decision = fill_decision(delivery, seen, [delivery])
    assert (decision.tracking_ref, decision.cost) == ("1Z6,1Z7", 7.25)


def test_voided_after_done_and_before():
    recorded = label(1, 100, "1Z8")
    voided_after = label(1, 100, "1Z8", voided=True, void_date=DONE_AT + timedelta(hours=1))
    seen = facts([order(100)], [voided_after], held={recorded.key: 1})
    findings = reconcile([done(1, 100, [recorded])], seen, NOW)
    assert kinds(findings) == [(1, r.VOIDED_AFTER_DONE, None)]
    assert findings[0].shipstation_value == "1Z8"
    assert reconcile([done(1, 100, [recorded], returned=True)], seen, NOW) == [], "the goods came back"
    voided_before = label(3, 200, "1ZX", voided=True, void_date=DONE_AT - timedelta(hours=1))
    earlier = facts([order(200)], [voided_before])
    assert kinds(reconcile([done(2, 200, tracking="", cost=0.0)], earlier, NOW)) == [(2, r.DONE_NOT_SHIPPED, None)]


def test_a_replacement_label_is_a_tracking_difference():
    recorded = label(1, 100, "1Z8")
    voided = label(1, 100, "1Z8", voided=True, void_date=DONE_AT + timedelta(hours=1))
    new = label(2, 100, "1Z9", cost=5.0, days_ago=1)
    seen = facts([order(100, "shipped")], [voided, new], held={recorded.key: 1})
    assert kinds(reconcile([done(1, 100, [recorded])], seen, NOW)) == [(1, r.TRACKING_DIFFERS, r.FIX_FILL)]


def test_labels_of_an_order_shared_by_deliveries_are_not_guessed():
    parcel = label(1, 100, "1Z1")
    seen = facts([order(100, "shipped")], [parcel])
    first, second = done(1, 100, tracking="", cost=0.0), done(2, 100, tracking="", cost=0.0)
    assert reconcile([first, second], seen, NOW) == [], "the order shipped; whose label it is, Odoo does not say"
    assert fill_decision(first, seen, [first, second]).parcels == ()


def test_merged_and_split_orders_follow_their_survivor_and_parts():
    parcel = label(1, 200, "1ZM", cost=4.0)
    survivor = order(200, "shipped", mergedIds=[100], mergedOrSplit=True)
    seen = facts([survivor], [parcel], held={parcel.key: 2})
    absorbed = done(1, 100, [parcel], cost=0.0)
    own = done(2, 200, [parcel])
    assert reconcile([absorbed, own], seen, NOW) == []
    child = label(3, 301, "1ZS")
    split = facts([order(300, mergedOrSplit=True), order(301, "shipped", parentId=300)], [child])
    assert kinds(reconcile([open_delivery(3, 300)], split, NOW)) == [(3, r.SHIPPED_STILL_OPEN, r.FIX_SYNC)]


def test_merge_facts_adds_what_was_read_by_id():
    into = facts([order(100)])
    other = facts([order(200)], [label(1, 200, "A")], missing=[300])
    other.errors[400] = "boom"
    r.merge_facts(into, other)
    assert set(into.orders) == {100, 200} and into.missing == {300} and into.errors == {400: "boom"}
    assert kinds(reconcile([open_delivery(4, 400)], into, NOW)) == [(4, r.NOT_SEEN, None)]
