"""Reading API v2 records into the planner's values, and building v2 shipments: plain data."""

from datetime import datetime, timezone

import pytest

from shipstation import export_v2, planner, records_v2
from shipstation import values as v
from shipstation.records import Unreadable
from shipstation.values import PickingSnapshot, RemoteFacts


def shipment(number=123, status="label_purchased", **fields):
    return {
        "shipment_id": "se-%d" % number,
        "shipment_number": "WH/OUT/%d" % number,
        "external_shipment_id": "odoo-x-%d" % number,
        "shipment_status": status,
        "created_at": "2026-03-01T20:00:00.000Z",
        "modified_at": "2026-03-02T08:30:00Z",
        "items": [{"sku": "MUG", "name": "Mug", "quantity": 2}],
        **fields,
    }


def label(number=456, shipment_number=123, **fields):
    return {
        "label_id": "se-%d" % number,
        "shipment_id": "se-%d" % shipment_number,
        "status": "completed",
        "voided": False,
        "voided_at": None,
        "tracking_number": " 1Z999 ",
        "carrier_code": "ups",
        "service_code": "ups_ground",
        "shipment_cost": {"currency": "usd", "amount": 7.5},
        "insurance_cost": {"currency": "usd", "amount": 0.0},
        "is_return_label": False,
        "created_at": "2026-03-02T08:29:59.123Z",
        "ship_date": "2026-03-02T00:00:00Z",
        **fields,
    }


def test_a_v2_shipment_reads_as_the_order_the_planner_knows_with_the_v1_id():
    order = records_v2.read_shipment(shipment())
    assert (order["orderId"], order["orderNumber"], order["v2Status"]) == (123, "WH/OUT/123", "label_purchased")
    assert order["modifyDate"] == datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc)
    assert order["items"] == [{"sku": "MUG", "name": "Mug", "quantity": 2.0}]
    assert records_v2.read_shipment(shipment(status="pending"))["orderStatus"] == "awaiting_shipment"
    assert records_v2.read_shipment(shipment(status="cancelled"))["orderStatus"] == v.CANCELLED


def test_a_v2_label_reads_as_a_parcel_keyed_as_in_v1():
    parcel = records_v2.parcel_from_label(label())
    assert parcel.key == ("shipment", 456) and parcel.order_id == 123
    assert (parcel.tracking_number, parcel.cost, parcel.items) == ("1Z999", 7.5, None)
    assert parcel.ship_date.isoformat() == "2026-03-02"
    voided = records_v2.parcel_from_label(label(status="voided", voided=True, voided_at="2026-03-03T10:00:00Z"))
    assert voided.voided and voided.void_date.tzinfo is not None


@pytest.mark.parametrize(
    "record, field",
    [
        (shipment(shipment_id="123"), "shipment_id"),
        (shipment(modified_at="yesterday"), "modified_at"),
        (shipment(items=[{"sku": "MUG", "quantity": "two"}]), "items.quantity"),
    ],
)
def test_an_unreadable_v2_shipment_names_its_field(record, field):
    with pytest.raises(Unreadable) as caught:
        records_v2.read_shipment(record)
    assert caught.value.field == field


def test_an_unreadable_label_cost_names_its_field():
    with pytest.raises(Unreadable) as caught:
        records_v2.parcel_from_label(label(shipment_cost={"currency": "usd", "amount": "a lot"}))
    assert (caught.value.field, caught.value.order_id) == ("shipment_cost", 123)


def test_label_purchased_is_shipped_once_a_live_label_is_known_read_now_or_recorded():
    facts = RemoteFacts(
        orders={123: records_v2.read_shipment(shipment()), 124: records_v2.read_shipment(shipment(124))}
    )
    facts.parcels = {p.key: p for p in [records_v2.parcel_from_label(label())]}
    facts.consumed_by = {("shipment", 9): {7}}
    facts.family = {7: 124}
    facts.recorded_voided = {("shipment", 9): False}
    records_v2.settle_statuses(facts)
    assert facts.orders[123]["orderStatus"] == facts.orders[124]["orderStatus"] == "shipped"
    facts.recorded_voided[("shipment", 9)] = True
    records_v2.settle_statuses(facts)
    assert facts.orders[124]["orderStatus"] == "label_purchased"


def test_one_planner_ships_a_v2_label_with_the_lines_of_its_shipment():
    facts = RemoteFacts(orders={123: records_v2.read_shipment(shipment())})
    facts.parcels = {p.key: p for p in [records_v2.parcel_from_label(label())]}
    records_v2.settle_statuses(facts)
    snap = PickingSnapshot(id=1, name="WH/OUT/123", order_id=123, demand={"MUG": 3.0}, reserved={"MUG": 3.0})
    (d,) = planner.plan([snap], facts)
    assert (d.action, d.quantities, d.tracking_ref, d.cost) == (v.VALIDATE, {"MUG": 2.0}, "1Z999", 7.5)


def test_v2_external_ids_stay_within_50_characters_stable_and_distinct():
    short = "odoo-0c8b1d2e-4f5a-11ef-9c2d-0242ac120002-42"
    assert export_v2.external_id(short) == short
    long_a, long_b = short + "0000000", short + "0000001"
    ids = {export_v2.external_id(long_a), export_v2.external_id(long_b)}
    assert len(ids) == 2 and all(len(i) == 50 for i in ids)
    assert export_v2.external_id(long_a) == export_v2.external_id(long_a)


def test_an_exported_order_becomes_a_v2_shipment():
    order = {
        "orderKey": "odoo-db-7",
        "orderNumber": "WH/OUT/7",
        "shipTo": {
            "name": "Ada",
            "street1": "1 Loop",
            "city": "Cupertino",
            "postalCode": "95014",
            "country": "US",
            "residential": True,
        },
        "items": [{"lineItemKey": "11", "sku": "MUG", "name": "Mug", "quantity": 2, "unitPrice": 10.0}],
        "weight": {"value": 500.0, "units": "grams"},
        "advancedOptions": {"storeId": 5},
    }
    shipment_v2 = export_v2.shipment_from_order(order)
    assert (shipment_v2["external_shipment_id"], shipment_v2["shipment_number"]) == ("odoo-db-7", "WH/OUT/7")
    assert "shipment_status" not in shipment_v2 and shipment_v2["store_id"] == "se-5"  # read-only in v2
    assert shipment_v2["ship_to"]["address_line1"] == "1 Loop" and shipment_v2["ship_to"]["country_code"] == "US"
    assert shipment_v2["ship_to"]["address_residential_indicator"] == "yes"
    assert shipment_v2["items"] == [{"sku": "MUG", "name": "Mug", "quantity": 2, "external_order_item_id": "11"}]
    # The weight is the package's: v2 computes the read-only total_weight from the packages.
    assert (
        shipment_v2["packages"] == [{"weight": {"value": 500.0, "unit": "gram"}}] and "total_weight" not in shipment_v2
    )


def test_a_label_cost_in_another_currency_than_the_account_is_set_aside_naming_it():
    assert records_v2.parcel_from_label(label(), currency="USD").cost == 7.5
    with pytest.raises(Unreadable) as caught:
        records_v2.parcel_from_label(label(shipment_cost={"currency": "eur", "amount": 7.5}), currency="USD")
    assert (caught.value.field, caught.value.value) == ("shipment_cost.currency", "eur")


def test_a_missing_v2_shipment_is_named_as_v2_writes_it():
    facts = RemoteFacts(missing={300}, id_prefix="se-")
    (d,) = planner.plan([PickingSnapshot(id=1, name="WH/OUT/1", order_id=300, demand={"MUG": 1.0})], facts)
    assert d.action == v.FAIL and d.message.get("order_id") == "se-300"
    (d,) = planner.plan(
        [PickingSnapshot(id=1, name="WH/OUT/1", order_id=300, demand={"MUG": 1.0})], RemoteFacts(missing={300})
    )
    assert d.message.get("order_id") == 300  # v1's messages are unchanged
