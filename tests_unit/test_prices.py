"""A kit's price split over its components adds up to the kit's price, to the cent."""

from hypothesis import given
from hypothesis import strategies as st

from shipstation.prices import split_price


def test_three_equal_parts_of_ten_add_up_to_ten():
    prices = split_price([(10 / 3, 1), (10 / 3, 1), (10 / 3, 1)])
    assert prices == [3.34, 3.33, 3.33]
    assert round(sum(prices), 2) == 10.0


def test_a_component_of_several_units_takes_a_finer_price_rather_than_lose_a_cent():
    prices = split_price([(10 / 9, 3), (10 / 3, 2)])  # 3.33... + 6.66... = 10.00
    assert round(sum(p * q for p, q in zip(prices, (3, 2))), 2) == 10.0


@given(
    st.lists(st.tuples(st.integers(1, 500000), st.integers(1, 40)), min_size=1, max_size=8),
    st.integers(1, 200),
)
def test_the_lines_always_add_up_to_the_exact_total_to_the_cent(shares, kit_cents):
    weight = sum(share for share, _quantity in shares)
    kit_price = kit_cents / 7  # a price that does not split evenly
    lines = [(kit_price * share / weight / quantity, quantity) for share, quantity in shares]
    prices = split_price(lines)
    exact = round(sum(price * quantity for price, quantity in lines), 2)
    assert round(sum(price * quantity for price, (_exact, quantity) in zip(prices, lines)), 2) == exact
