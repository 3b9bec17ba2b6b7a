"""The outbox's rules: one wish per delivery (the latest counts), what each API version
can send, how calls are batched, and when a run may clear what it sent."""

import pytest

from shipstation import outbox
from shipstation.outbox import CANCEL, HOLD, RELEASE, SHIP, UPDATE, Wish


@pytest.mark.parametrize(
    "current, new, expected",
    [
        (None, UPDATE, UPDATE),
        (UPDATE, None, UPDATE),
        (UPDATE, HOLD, UPDATE),  # the update re-posts the order held
        (HOLD, UPDATE, UPDATE),
        (HOLD, RELEASE, RELEASE),  # the latest of the two
        (RELEASE, HOLD, HOLD),
        (UPDATE, SHIP, SHIP),
        (SHIP, UPDATE, SHIP),  # shipped ends the order
        (UPDATE, CANCEL, CANCEL),
        (CANCEL, UPDATE, CANCEL),  # moves cancelled with the delivery change nothing
        (SHIP, CANCEL, CANCEL),
    ],
)
def test_only_the_latest_wish_counts(current, new, expected):
    assert outbox.coalesce(current, new) == expected


def test_changes_are_named_once_in_order():
    assert outbox.merge_changes("", "address") == "address"
    assert outbox.merge_changes("address", "lines,address") == "address,lines"
    assert outbox.merge_changes("lines", None) == "lines"


@pytest.mark.parametrize(
    "ready, held, enabled, expected",
    [
        (False, False, True, HOLD),
        (True, True, True, RELEASE),
        (True, False, True, None),
        (False, True, True, None),
        (False, False, False, None),  # the account does not hold
        (False, True, False, RELEASE),  # the account stopped holding: release what it held
    ],
)
def test_hold_follows_readiness(ready, held, enabled, expected):
    assert outbox.hold_wish(ready, held, enabled) == expected


def test_a_reposted_order_stays_held():
    assert outbox.upsert_status(UPDATE, True, "awaiting_shipment") == "on_hold"
    assert outbox.upsert_status(UPDATE, False, "on_hold") == "on_hold"  # held in ShipStation
    assert outbox.upsert_status(UPDATE, False, "awaiting_shipment") == "awaiting_shipment"
    assert outbox.upsert_status(CANCEL, True, "on_hold") == "cancelled"


def test_v2_has_only_the_cancel():
    assert outbox.call_for("v2", CANCEL) == "cancel"
    for kind in (SHIP, UPDATE, HOLD, RELEASE):
        assert outbox.call_for("v2", kind) is None
    assert [outbox.call_for("v1", k) for k in outbox.KINDS] == [
        "createorders",
        "markasshipped",
        "createorders",
        "holduntil",
        "restorefromhold",
    ]


def test_v1_upserts_go_100_a_call_and_the_rest_one_by_one():
    wishes = [Wish(i, UPDATE if i % 2 else CANCEL, 1) for i in range(250)]
    wishes += [Wish(1000, SHIP, 1), Wish(1001, HOLD, 3)]
    calls, unsupported = outbox.plan(wishes, "v1")
    assert unsupported == []
    assert [(c.endpoint, len(c.wishes)) for c in calls] == [
        ("createorders", 100),
        ("createorders", 100),
        ("createorders", 50),
        ("markasshipped", 1),
        ("holduntil", 1),
    ]
    assert [w.picking_id for c in calls[:3] for w in c.wishes] == list(range(250))


def test_v2_sets_aside_what_it_cannot_send():
    calls, unsupported = outbox.plan([Wish(1, CANCEL, 1), Wish(2, UPDATE, 1), Wish(3, HOLD, 1)], "v2")
    assert [(c.endpoint, [w.picking_id for w in c.wishes]) for c in calls] == [("cancel", [1])]
    assert [w.picking_id for w in unsupported] == [2, 3]


def test_a_run_clears_only_the_wish_it_sent():
    assert outbox.settled(4, 4)
    assert not outbox.settled(4, 5)  # a newer wish came while the call was on its way


@pytest.mark.parametrize(
    "text, closed",
    [
        ("This order cannot be updated because it is shipped.", True),
        ("Order 12 is shipped and cannot be cancelled.", True),
        ("The orderNumber field is required.", False),
        (None, False),
    ],
)
def test_refusals_of_closed_orders_are_recognised(text, closed):
    assert outbox.is_closed_refusal(text) is closed


def test_outcome_messages_name_the_change():
    message = outbox.outcome_message(UPDATE, "closed", "address,lines", status="shipped")
    assert message.code == outbox.UPDATE_CLOSED
    assert message.get("changes") == "address,lines"
    assert outbox.outcome_message(UPDATE, "unsupported").get("changes") == UPDATE
    assert outbox.outcome_message(SHIP, "sent").code == outbox.UPDATE_SENT
    assert outbox.outcome_message(SHIP, "refused", error="bad").get("error") == "bad"
