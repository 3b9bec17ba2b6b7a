"""Message codes: what the pure code tells a user, compared by meaning."""

from shipstation import messages as msg


def test_messages_compare_by_code_and_parameters_whatever_their_order():
    one = msg.message(msg.ORDER_MISSING, order_id=3, name="WH/OUT/1")
    assert one == msg.message(msg.ORDER_MISSING, name="WH/OUT/1", order_id=3)
    assert one != msg.message(msg.ORDER_MISSING, order_id=4, name="WH/OUT/1")
    assert hash(one) == hash(msg.message(msg.ORDER_MISSING, name="WH/OUT/1", order_id=3))


def test_messages_survive_their_stored_form():
    missing = msg.message(msg.NOT_ALL_RESERVED, missing=[("MUG", 1.0, 2.0), ("TEE", 0.0, 1.0)])
    stored = missing.to_json()
    assert msg.Message.from_json(stored) == missing
    assert msg.Message.from_json(stored).get("missing") == (("MUG", 1.0, 2.0), ("TEE", 0.0, 1.0))
    assert msg.Message.from_json(msg.message(msg.LABELS_VOIDED).to_json()) == msg.message(msg.LABELS_VOIDED)


def test_unreadable_stored_forms_are_no_message():
    for stored in (None, False, "", "not json", "[1]", '["code", []]', "[1, 2]"):
        assert msg.Message.from_json(stored) is None
