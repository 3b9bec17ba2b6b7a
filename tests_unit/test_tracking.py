"""What a v2 tracking answer means for a parcel, and the parcels for their delivery."""

from datetime import datetime, timezone

import pytest

from shipstation.tracking import (
    DELIVERED,
    EXCEPTION,
    IN_TRANSIT,
    UNKNOWN,
    delivery_summary,
    label_of_resource_url,
    parcel_tracking,
)

T1 = datetime(2024, 10, 25, 12, 32, tzinfo=timezone.utc)
T2 = datetime(2024, 10, 27, 11, 59, 3, 289000, tzinfo=timezone.utc)

#: docs.shipstation.com's sample answer of GET /v2/labels/{id}/track (two-letter status_code).
DOCS_SAMPLE = {
    "tracking_number": "1Z932R800390810600",
    "status_code": "DE",
    "status_description": "Delivered",
    "carrier_status_code": "D",
    "carrier_status_description": "DELIVERED",
    "shipped_date": "2024-10-25T11:59:03.289Z",
    "estimated_delivery_date": "2024-10-27T11:59:03.289Z",
    "actual_delivery_date": "2024-10-27T11:59:03.289Z",
    "exception_description": None,
    "events": [{"occurred_at": "2024-10-25T12:32:00Z", "description": "Arrived at UPS Facility"}],
}


def test_the_docs_sample_is_a_delivered_parcel():
    tracking = parcel_tracking(DOCS_SAMPLE)
    assert tracking.status == DELIVERED and tracking.final and not tracking.returned
    assert (tracking.status_code, tracking.description) == ("DE", "DELIVERED")
    assert tracking.delivered_at == T2 and tracking.estimated_at == T2 and tracking.last_event_at == T1


@pytest.mark.parametrize(
    "code, detail, status, final",
    [
        ("NY", None, UNKNOWN, False),
        ("UN", None, UNKNOWN, False),
        ("AC", None, IN_TRANSIT, False),
        ("IT", "OUT_FOR_DELIVERY", IN_TRANSIT, False),
        ("SP", None, DELIVERED, True),
        ("AT", "ATTEMPTED_DELIVERY", EXCEPTION, False),
        ("EX", "HELD_BY_CUSTOMS", EXCEPTION, False),
        ("EX", "PARCEL_LOST", EXCEPTION, True),
        ("EX", None, EXCEPTION, False),
        # The OpenAPI's shape: status_code typed as a detail code.
        ("DELIVERED", None, DELIVERED, True),
        ("IN_TRANSIT", None, IN_TRANSIT, False),
        ("PARCEL_DAMAGED", None, EXCEPTION, False),
        ("AWAITING_ELECTRONIC_ADVICE", None, UNKNOWN, False),
        # The detail wins over the code: "delivered, damaged" needs someone.
        ("DE", "DELIVERED_DAMAGED", EXCEPTION, False),
    ],
)
def test_codes_of_both_sources(code, detail, status, final):
    tracking = parcel_tracking({"status_code": code, "status_detail_code": detail})
    assert (tracking.status, tracking.final) == (status, final)


def test_the_label_status_is_read_without_a_code():
    assert parcel_tracking({}, label_status="error").status == EXCEPTION
    assert parcel_tracking({}, label_status="delivered").status == DELIVERED
    assert parcel_tracking({}, label_status="in_transit").status == IN_TRANSIT
    assert parcel_tracking({}).status == UNKNOWN


def test_a_return_is_an_exception_and_its_arrival_not_a_delivery():
    back = parcel_tracking({"status_code": "EX", "status_detail_code": "RETURN_TO_SENDER"})
    assert (back.status, back.returned, back.final) == (EXCEPTION, True, False)
    arrived = parcel_tracking(dict(DOCS_SAMPLE), was_returned=True)
    assert (arrived.status, arrived.returned, arrived.final, arrived.delivered_at) == (EXCEPTION, True, True, None)


def test_carrier_words_fall_back_and_bad_values_are_none():
    tracking = parcel_tracking(
        {
            "status_code": "EX",
            "carrier_status_description": "",
            "exception_description": "Address not found",
            "estimated_delivery_date": "not a date",
            "events": ["junk", {"occurred_at": "2024-10-25T12:32:00Z"}, {"occurred_at": None}],
        }
    )
    assert tracking.description == "Address not found"
    assert tracking.estimated_at is None and tracking.last_event_at == T1
    # Delivered without actual_delivery_date: the newest event dates it.
    dated_by_event = parcel_tracking({"status_code": "DE", "events": [{"occurred_at": "2024-10-25T12:32:00Z"}]})
    assert dated_by_event.delivered_at == T1
    with pytest.raises(ValueError):
        parcel_tracking(["not", "an", "object"])


def test_the_webhook_resource_url_names_the_label():
    assert label_of_resource_url("https://api.shipstation.com/v2/labels/se-1234567890/track") == "se-1234567890"
    assert label_of_resource_url("https://api.shipstation.com/v2/labels?batch_id=1") is None
    assert label_of_resource_url(None) is None


def test_the_delivery_summary():
    assert delivery_summary([]).status is None
    assert delivery_summary([(None, None, False)]).status is None
    assert delivery_summary([(UNKNOWN, None, False), (None, None, False)]).status == UNKNOWN
    assert delivery_summary([(DELIVERED, T1, False), (None, None, False)]).status == IN_TRANSIT
    assert delivery_summary([(DELIVERED, T1, False), (IN_TRANSIT, None, False)]).status == IN_TRANSIT
    both = delivery_summary([(DELIVERED, T1, False), (DELIVERED, T2, False)])
    assert (both.status, both.delivered_at) == (DELIVERED, T2)
    trouble = delivery_summary([(DELIVERED, T1, False), (EXCEPTION, None, True)])
    assert (trouble.status, trouble.delivered_at, trouble.returned) == (EXCEPTION, None, True)
