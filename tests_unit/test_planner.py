"""The sync planner on plain data: every rule of the sync, in milliseconds."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from shipstation import fetch, planner
from shipstation import messages as msg
from shipstation import values as v
from shipstation.planner import plan
from shipstation.values import Parcel, PickingSnapshot, RemoteFacts

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def order(order_id, status="awaiting_shipment", number=None, items=None, **advanced):
    """A ShipStation order; its lines default to those of the default snapshot."""
    return {
        "orderId": order_id,
        "orderNumber": number or "WH/OUT/%d" % order_id,
        "orderStatus": status,
        "items": [{"sku": sku, "quantity": qty} for sku, qty in (items or {"MUG": 2.0}).items()],
        "advancedOptions": {"parentId": None, "mergedIds": [], "mergedOrSplit": False, **advanced},
    }


def label(shipment_id, order_id, tracking, cost=5.0, minutes=0, items=None, **kw):
    return Parcel(
        key=("shipment", shipment_id),
        order_id=order_id,
        tracking_number=tracking,
        cost=cost,
        create_date=T0 + timedelta(minutes=minutes),
        items=items,
        **kw,
    )


def snap(pid=1, order_id=100, demand=None, reserved=None, **kw):
    demand = demand if demand is not None else {"MUG": 2.0}
    return PickingSnapshot(
        id=pid,
        name="WH/OUT/%d" % pid,
        order_id=order_id,
        demand=demand,
        reserved=reserved if reserved is not None else dict(demand),
        **kw,
    )


def facts(orders=(), parcels=(), **kw):
    return RemoteFacts(orders={o["orderId"]: o for o in orders}, parcels={p.key: p for p in parcels}, **kw)


def applied(snapshot, decision):
    """The snapshot the next sync would see after ``decision`` was written."""
    return PickingSnapshot(
        id=snapshot.id,
        name=snapshot.name,
        order_id=snapshot.order_id,
        demand=snapshot.demand,
        reserved=snapshot.reserved,
        tracking_ref=decision.tracking_ref,
        cost=decision.cost,
        parcels=decision.parcels,
        survivor_id=decision.survivor_id,
        order_status=decision.order_status,
        sync_state=decision.state,
        sync_message=decision.message,
        order_skus=decision.order_skus,
        order_lines=decision.order_lines,
        origin=snapshot.origin,
        kits=snapshot.kits,
    )


def test_tracking_joined_in_creation_order_without_duplicates_voids_or_returns():
    parcels = [
        label(3, 100, "C", minutes=2),
        label(1, 100, "A", minutes=0),
        label(2, 100, "A", minutes=1),
        label(4, 100, "V", minutes=3, voided=True),
        label(5, 100, "R", minutes=4, is_return=True),
    ]
    assert planner.format_tracking(parcels) == "A,C"


def test_shipped_with_items_validates_those_quantities():
    s = snap(demand={"MUG": 3.0, "TEE": 2.0})
    f = facts(
        [order(100, "shipped")],
        [
            label(1, 100, "T1", cost=4.0, items=(("MUG", 2.0),)),
            label(2, 100, "T2", cost=6.5, items=(("MUG", 5.0), ("HAT", 1.0))),
        ],
    )
    (d,) = plan([s], f)
    assert d.action == v.WAIT and d.message == msg.message(msg.UNKNOWN_SKUS, skus=["HAT"])
    assert (d.tracking_ref, d.cost) == ("T1,T2", 10.5)
    # HAT is a line of the ShipStation order that another delivery holds: not this one's.
    f.orders[100]["items"] = [{"sku": sku, "quantity": qty} for sku, qty in (("MUG", 3), ("TEE", 2), ("HAT", 1))]
    (d,) = plan([s], f)
    assert d.action == v.VALIDATE
    assert d.quantities == {"MUG": 3.0} and d.beyond == {}  # capped by the demand; TEE waits for its label


def test_label_items_match_skus_as_shipstation_does():
    s = snap(demand={"SSACC-A": 2.0})
    f = facts([order(100, "shipped")], [label(1, 100, "T1", items=((" ssacc-a ", 2.0),))])
    (d,) = plan([s], f)
    assert d.action == v.VALIDATE and d.quantities == {"SSACC-A": 2.0}


def test_a_label_without_items_ships_the_lines_of_its_order_not_what_odoo_holds():
    # Raised from 3 to 5 in Odoo after the export: ShipStation's order still says 3.
    s = snap(demand={"MUG": 5.0})
    (d,) = plan([s], facts([order(100, "shipped", items={"MUG": 3.0})], [label(1, 100, "T1")]))
    assert d.action == v.VALIDATE and d.quantities == {"MUG": 3.0}
    assert d.beyond == {"MUG": 2.0}  # not ShipStation's: its backorder is exported, never waits
    assert d.parcels[0].items == (("MUG", 3.0),) and d.parcels[0].items_from_order


def test_several_labels_without_items_ship_their_order_once():
    s = snap(demand={"MUG": 5.0})
    parcels = [label(1, 100, "T1"), label(2, 100, "T2")]
    (d,) = plan([s], facts([order(100, "shipped", items={"MUG": 3.0})], parcels))
    assert d.quantities == {"MUG": 3.0} and d.tracking_ref == "T1,T2"
    # Nothing reserved yet; the run that finds the goods ready does not read the order again,
    # and ships the lines the first run recorded.
    (d,) = plan([replace(s, reserved={"MUG": 0.0})], facts([order(100, "shipped", items={"MUG": 3.0})], parcels))
    assert d.action == v.WAIT and d.message == msg.message(msg.NOTHING_RESERVED)
    (again,) = plan([applied(s, d)], facts())
    assert again.action == v.VALIDATE and again.quantities == {"MUG": 3.0}


def test_a_label_without_items_whose_order_lists_none_waits():
    f = facts([order(100, "shipped")], [label(1, 100, "T1")])
    f.orders[100]["items"] = []
    (d,) = plan([snap()], f)
    assert d.action == v.WAIT and d.message == msg.message(msg.ITEMS_UNKNOWN)


def test_a_line_added_after_the_export_goes_to_a_backorder_of_its_own():
    s = snap(demand={"MUG": 2.0, "CAP": 1.0})
    (d,) = plan([s], facts([order(100, "shipped")], [label(1, 100, "T1", items=(("MUG", 2.0),))]))
    assert d.action == v.VALIDATE and d.quantities == {"MUG": 2.0} and d.beyond == {"CAP": 1.0}


def test_a_delivery_line_and_an_order_line_that_match_nothing_wait_naming_both():
    # The same T-shirt, "product-7" in Odoo (no internal reference) and "TEE-RED" in the shop.
    s = snap(demand={"MUG": 2.0, "product-7": 1.0})
    f = facts([order(100, "shipped", items={"MUG": 2.0, "TEE-RED": 1.0})], [label(1, 100, "T1")])
    (d,) = plan([s], f)
    assert d.action == v.WAIT
    assert d.message == msg.message(msg.NOT_IN_ORDER, skus=["product-7"], order_skus=("TEE-RED",))


def test_a_kit_label_ships_its_components_and_a_partial_kit_leaves_the_rest():
    kits = {"KIT-DESK": (("LEG", 4.0), ("TOP", 1.0))}
    s = snap(demand={"LEG": 8.0, "TOP": 2.0, "MUG": 1.0}, kits=kits)
    f = facts(
        [order(100, "shipped", items={"kit-desk": 2.0, "MUG": 1.0})],
        [label(1, 100, "T1", items=(("kit-desk", 1.0), ("MUG", 1.0)))],
    )
    (d,) = plan([s], f)
    assert d.action == v.VALIDATE and d.quantities == {"LEG": 4.0, "TOP": 1.0, "MUG": 1.0}
    assert d.beyond == {}  # the second desk is ShipStation's: its backorder waits for its label
    # Labels listing the components themselves still ship them.
    f.parcels = {p.key: p for p in [label(2, 100, "T2", items=(("LEG", 8.0), ("TOP", 2.0), ("MUG", 1.0)))]}
    (d,) = plan([s], f)
    assert d.quantities == {"LEG": 8.0, "TOP": 2.0, "MUG": 1.0}


def test_shipped_without_any_label_ships_the_order_lines():
    s = snap(demand={"MUG": 2.0, "CAP": 1.0})
    (d,) = plan([s], facts([order(100, "shipped", items={"MUG": 2.0})]))
    assert d.action == v.VALIDATE and d.quantities == {"MUG": 2.0} and d.beyond == {"CAP": 1.0}


def test_shipped_but_nothing_reserved_waits_with_reason():
    (d,) = plan([snap(reserved={"MUG": 0.0})], facts([order(100, "shipped")], [label(1, 100, "T1")]))
    assert d.action == v.WAIT and d.state == v.WAITING
    assert d.message == msg.message(msg.NOTHING_RESERVED) and d.tracking_ref == "T1"


def test_shipped_more_than_reserved_waits_and_names_the_sku():
    s = snap(demand={"MUG": 2.0}, reserved={"MUG": 1.0})
    (d,) = plan([s], facts([order(100, "shipped")], [label(1, 100, "T1", items=(("MUG", 2.0),))]))
    assert d.action == v.WAIT and d.message == msg.message(msg.NOT_ALL_RESERVED, missing=[("MUG", 1.0, 2.0)])


def test_cancelled_cancels_unless_a_live_parcel_exists():
    (d,) = plan([snap()], facts([order(100, "cancelled")]))
    assert d.action == v.CANCEL
    (d,) = plan([snap()], facts([order(100, "cancelled")], [label(1, 100, "T1")]))
    assert d.action == v.REFRESH


def test_other_status_only_refreshes_and_nothing_new_is_nothing():
    s = snap()
    (d,) = plan([s], facts([order(100, "on_hold")]))
    assert d.action == v.REFRESH and d.order_status == "on_hold"
    (again,) = plan([applied(s, d)], facts([order(100, "on_hold")]))
    assert again.action == v.NOTHING and not again.notes


def test_unknown_order_in_incremental_run_is_nothing():
    s = snap(order_status="awaiting_shipment", sync_state="synced")
    (d,) = plan([s], facts())
    assert d.action == v.NOTHING and not d.seen


def test_late_void_removes_tracking_and_cost_and_says_so():
    first = label(1, 100, "T1", cost=7.0)
    s = snap(reserved={"MUG": 0.0})
    (d,) = plan([s], facts([order(100, "shipped")], [first]))
    s2 = applied(s, d)
    voided = label(1, 100, "T1", cost=7.0, voided=True)
    (d2,) = plan([s2], facts([], [voided]))
    assert (d2.tracking_ref, d2.cost) == ("", 0.0)
    assert msg.message(msg.PARCEL_REMOVED, tracking="T1") in d2.notes
    (d3,) = plan([applied(s2, d2)], facts([], [voided]))
    assert d3.action == v.NOTHING


def test_backorder_waits_for_its_own_parcel():
    backorder = snap(pid=2, demand={"MUG": 1.0})
    parcel = label(1, 100, "T1")
    f = facts([order(100, "shipped")], [parcel], consumed_by={parcel.key: {1}}, family={1: 100})
    (d,) = plan([backorder], f)
    assert d.action == v.WAIT and d.tracking_ref == ""
    second = label(2, 100, "T2", minutes=5, items=(("MUG", 1.0),))
    f.parcels[second.key] = second
    (d,) = plan([backorder], f)
    assert d.action == v.VALIDATE and d.tracking_ref == "T2"


def test_backorder_keeps_waiting_when_the_run_fetched_nothing_of_its_order():
    backorder = snap(
        pid=2,
        demand={"MUG": 1.0},
        order_status="shipped",
        sync_state=v.WAITING,
        sync_message=planner.BACKORDER_WAITING,
    )
    # Incremental run: nothing fetched, but the database says delivery 1 holds a live parcel.
    f = facts(consumed_by={("shipment", 1): {1}}, family={1: 100}, recorded_voided={("shipment", 1): False})
    (d,) = plan([backorder], f)
    assert d.action == v.NOTHING
    f.recorded_voided[("shipment", 1)] = True  # the source's only label was voided since
    (d,) = plan([backorder], f)
    assert d.action != v.VALIDATE


def test_split_delivery_keeps_status_and_cost_when_only_the_parent_is_read_again():
    s = snap(demand={"MUG": 2.0, "CAP": 1.0}, reserved={"MUG": 2.0, "CAP": 0.0})
    parts = [label(1, 101, "A", cost=3.0, items=(("MUG", 2.0),)), label(2, 102, "B", cost=4.0, items=(("CAP", 1.0),))]
    first = facts(
        [
            order(100, "awaiting_shipment", mergedOrSplit=True),
            order(101, "shipped", parentId=100),
            order(102, "shipped", parentId=100),
        ],
        parts,
    )
    (d,) = plan([s], first)
    assert (d.action, d.cost) == (v.WAIT, 7.0)
    (again,) = plan([applied(s, d)], facts([order(100, "awaiting_shipment", mergedOrSplit=True)]))
    assert again.action == v.NOTHING


def test_split_children_count_for_the_parent_delivery():
    f = facts(
        [
            order(100, "awaiting_shipment", mergedOrSplit=True),
            order(101, "shipped", parentId=100),
            order(102, "shipped", parentId=100),
        ],
        [label(1, 101, "A", cost=1.0), label(2, 102, "B", cost=2.0, minutes=1)],
    )
    (d,) = plan([snap()], f)
    assert d.action == v.VALIDATE and (d.tracking_ref, d.cost) == ("A,B", 3.0)


def test_merged_orders_share_tracking_and_charge_cost_once():
    survivor = snap(pid=1, order_id=100)
    absorbed = snap(pid=2, order_id=200, demand={"CAP": 1.0})
    f = facts(
        [order(100, "shipped", items={"MUG": 2.0, "CAP": 1.0}, mergedOrSplit=True, mergedIds=[200])],
        [label(1, 100, "M", cost=9.0)],
        missing={200},
    )
    d1, d2 = plan([survivor, absorbed], f)
    assert (d1.tracking_ref, d2.tracking_ref) == ("M", "M")
    assert (d1.cost, d2.cost) == (9.0, 0.0)
    assert d2.survivor_id == 100 and d2.action == v.VALIDATE


def test_missing_or_unreadable_order_fails_that_delivery_only():
    f = facts([order(100, "shipped")], [label(1, 100, "T1")], missing={300}, errors={400: "HTTP 500"})
    ok, missing, broken = plan([snap(1, 100), snap(2, 300), snap(3, 400)], f)
    assert ok.action == v.VALIDATE
    assert missing.action == v.FAIL and missing.message.code == msg.ORDER_MISSING
    assert missing.message.get("order_id") == 300
    assert broken.action == v.FAIL and broken.message.get("error") == "HTTP 500"
    (again,) = plan([applied(snap(2, 300), missing)], f)
    assert again.action == v.NOTHING


def test_plan_is_deterministic():
    f = facts([order(100, "shipped")], [label(2, 100, "B", minutes=1), label(1, 100, "A")])
    assert plan([snap()], f) == plan([snap()], f)


def test_parcels_from_api_records():
    shipment = {
        "shipmentId": 7,
        "orderId": 100,
        "trackingNumber": "Z",
        "shipmentCost": 3.5,
        "insuranceCost": 1,
        "voided": False,
        "isReturnLabel": False,
        "shipmentItems": [{"sku": "MUG", "quantity": 2}],
        "createDate": T0,
        "carrierCode": "ups",
        "serviceCode": "ups_ground",
    }
    parcel = fetch.parcel_from_shipment(shipment)
    assert parcel.key == ("shipment", 7) and parcel.items == (("MUG", 2.0),) and parcel.insurance_cost == 1.0
    assert fetch.parcel_from_shipment(dict(shipment, shipmentItems=None)).items is None
    fulfillment = {"fulfillmentId": 9, "orderId": 100, "trackingNumber": "F", "voided": True, "carrierCode": "usps"}
    parcel = fetch.parcel_from_fulfillment(fulfillment)
    assert parcel.key == ("fulfillment", 9) and parcel.voided and parcel.items is None


def test_delivery_without_order_id_finds_its_order_by_number_and_nothing_else():
    unrelated = [order(200, "shipped", number="WEB-1"), order(201, "shipped", number="WEB-2")]
    f = facts(
        [*unrelated, order(100, "shipped", number="WH/OUT/7")],
        [label(1, 200, "OTHER1"), label(2, 201, "OTHER2"), label(3, 100, "MINE")],
    )
    (d,) = plan([snap(pid=7, order_id=None)], f)
    assert (d.order_id, d.tracking_ref, d.action) == (100, "MINE", v.VALIDATE)
    (d,) = plan([snap(pid=8, order_id=None)], f)
    assert d.action == v.FAIL and d.tracking_ref == ""
    assert d.message == msg.message(msg.NO_ORDER_NUMBERED, number="WH/OUT/8")


def test_failure_stands_until_the_order_is_read_again():
    failed = snap(sync_state=v.FAILED, sync_message=msg.message(msg.SYNC_FAILED, error="boom"), order_status="shipped")
    (d,) = plan([failed], facts())
    assert d.action == v.NOTHING
    (d,) = plan([failed], facts([order(100, "shipped")], [label(1, 100, "T1")]))
    assert d.action == v.VALIDATE


def test_shipped_without_any_parcel_acts_only_on_a_fresh_read():
    (d,) = plan([snap(order_status="shipped", sync_state=v.SYNCED)], facts())
    assert d.action == v.NOTHING
    (d,) = plan([snap()], facts([order(100, "shipped")]))
    assert d.action == v.VALIDATE and d.quantities == {"MUG": 2.0}


def test_split_part_shipped_later_counts_even_when_the_parent_is_not_read():
    s = snap(order_status="awaiting_shipment", sync_state=v.SYNCED)
    f = facts([order(101, "shipped", parentId=100)], [label(1, 101, "PART")])
    (d,) = plan([s], f)
    assert (d.action, d.tracking_ref) == (v.VALIDATE, "PART")


def test_a_set_aside_record_fails_its_delivery_naming_field_and_value_and_nothing_else():
    f = facts(
        [order(100, "shipped"), order(200, "shipped")],
        [label(1, 100, "T1"), label(2, 200, "T2")],
        unreadable={200: ("shipment", "77", "shipmentCost", "four dollars")},
    )
    ok, bad = plan([snap(1, 100), snap(2, 200)], f)
    assert ok.action == v.VALIDATE
    assert bad.action == v.FAIL and bad.message == msg.message(
        msg.RECORD_UNREADABLE, kind="shipment", record_id="77", field="shipmentCost", value="four dollars"
    )
    assert bad.tracking_ref == "" and bad.message in bad.notes


def test_order_numbers_match_trimmed_and_case_insensitive():
    f = facts([order(100, "shipped", number=" wh/out/7 ")], [label(1, 100, "MINE")])
    (d,) = plan([snap(pid=7, order_id=None)], f)
    assert (d.order_id, d.tracking_ref, d.action) == (100, "MINE", v.VALIDATE)


def test_labels_seen_voided_keep_the_delivery_waiting_when_a_later_run_does_not_read_them():
    s = snap()
    f = facts([order(100, "shipped")], [label(1, 100, "V1", voided=True)])
    (d,) = plan([s], f)
    assert d.action == v.WAIT and d.message == msg.message(msg.LABELS_VOIDED)
    assert [p.key for p in d.parcels] == [("shipment", 1)] and d.tracking_ref == "" and d.cost == 0
    # The order changes again; the voided label is older than the next run's window.
    (again,) = plan([applied(s, d)], facts([order(100, "shipped")]))
    assert again.action == v.NOTHING


def test_a_delivery_without_order_id_finds_the_order_numbered_as_its_source_document():
    f = facts([order(100, "shipped", number="SO042")], [label(1, 100, "SHOP1")])
    (d,) = plan([snap(pid=7, order_id=None, origin="so042")], f)
    assert (d.order_id, d.tracking_ref, d.action) == (100, "SHOP1", v.VALIDATE)
    (d,) = plan([snap(pid=7, order_id=None, origin="SO043")], f)
    assert d.action == v.FAIL
    assert d.message == msg.message(msg.NO_ORDER_NUMBERED_EITHER, number="WH/OUT/7", origin="SO043")


def test_deliveries_finding_one_order_by_the_same_source_document_wait_rather_than_ship_a_label_twice():
    f = facts([order(100, "shipped", number="SO042")], [label(1, 100, "SHOP1", items=(("MUG", 2.0),))])
    first = snap(pid=7, order_id=None, origin="SO042")
    second = snap(pid=8, order_id=None, origin="SO042", demand={"MUG": 1.0})
    d1, d2 = plan([first, second], f)
    assert (d1.action, d2.action) == (v.WAIT, v.WAIT)
    assert d1.message == msg.message(msg.SHARED_ORDER, names=("WH/OUT/8",), number="SO042")
    # Once a user sets the order id on the delivery it belongs to, that one ships; the other waits.
    d1, d2 = plan([replace(first, order_id=100), second], f)
    assert (d1.action, d2.action) == (v.VALIDATE, v.WAIT)
    assert d2.order_id is None  # the order is not recorded on the delivery that only found it
    # Two deliveries an import gave the same order id: neither takes the label.
    d1, d2 = plan([replace(first, order_id=100), replace(second, order_id=100)], f)
    assert (d1.action, d2.action, d1.tracking_ref, d2.tracking_ref) == (v.WAIT, v.WAIT, "", "")


def test_a_split_order_marked_shipped_without_labels_ships_only_its_shipped_parts():
    s = snap(demand={"MUG": 2.0, "CAP": 1.0})
    f = facts(
        [
            order(100, "awaiting_shipment", items={"MUG": 2.0}, mergedOrSplit=True),
            order(101, "shipped", items={"CAP": 1.0}, parentId=100),
        ]
    )
    (d,) = plan([s], f)
    assert d.action == v.VALIDATE and d.quantities == {"CAP": 1.0} and d.beyond == {}


def test_lines_of_quantity_zero_ship_nothing():
    s = snap(demand={"MUG": 2.0, "CAP": 1.0})
    f = facts([order(100, "shipped", items={"MUG": 2.0, "CAP": 1.0})], [label(1, 100, "Z", items=(("MUG", 0.0),))])
    (d,) = plan([s], f)
    assert d.action == v.WAIT and d.message == msg.message(msg.BACKORDER_WAITING)


def test_what_lies_beyond_the_order_is_known_in_runs_that_do_not_read_it():
    s = snap(demand={"MUG": 2.0, "CAP": 1.0}, reserved={"MUG": 0.0, "CAP": 0.0})
    (d,) = plan([s], facts([order(100, "shipped")], [label(1, 100, "T1", items=(("MUG", 2.0),))]))
    assert d.action == v.WAIT and d.order_lines == (("MUG", 2.0),)
    # The goods arrive; this run reads nothing of the order.
    (again,) = plan([replace(applied(s, d), reserved={"MUG": 2.0, "CAP": 1.0})], facts())
    assert again.action == v.VALIDATE and again.beyond == {"CAP": 1.0}
    # A product under two SKUs keeps waiting, read or not.
    t = snap(demand={"MUG": 2.0, "product-7": 1.0})
    (d,) = plan([t], facts([order(100, "shipped", items={"MUG": 2.0, "TEE-RED": 1.0})], [label(1, 100, "T1")]))
    assert d.message.code == msg.NOT_IN_ORDER
    (again,) = plan([applied(t, d)], facts())
    assert again.action == v.NOTHING


def test_a_failure_in_odoo_is_planned_again_from_what_its_read_recorded_once_odoo_changed():
    """The read succeeded (shipped, one label), the writing failed in Odoo (a serial number
    missing): with nothing read in this run, the delivery stays failed until its Odoo side
    changes, then it validates from what was recorded, without its order being read again."""
    first = snap(order_id=100)
    (read,) = plan([first], facts([order(100, "shipped")], [label(1, 100, "1Z1", items=(("MUG", 2.0),))]))
    assert read.action == v.VALIDATE
    failure = msg.message(msg.SYNC_FAILED, error="Serial number missing")
    recorded = replace(applied(first, read), sync_state=v.FAILED, sync_message=failure)
    (unchanged,) = plan([recorded], facts())
    assert unchanged.action == v.NOTHING
    (retried,) = plan([replace(recorded, retry_recorded=True)], facts())
    assert (retried.action, retried.quantities, retried.state) == (v.VALIDATE, {"MUG": 2.0}, v.SYNCED)
    assert retried.tracking_ref == "1Z1" and not retried.seen
    # Nothing recorded (the read's writing failed too): nothing to plan from, the failure stands.
    bare = replace(first, sync_state=v.FAILED, sync_message=failure, retry_recorded=True)
    (unknown,) = plan([bare], facts())
    assert unknown.action == v.NOTHING
