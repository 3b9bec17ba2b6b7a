"""Prices the export sends: a kit's price split over its components, to the cent.

Pure: no Odoo, no HTTP.
"""


def split_price(lines):
    """Unit prices for ``lines`` whose line totals add up to their exact total, to the cent.

    Rounding each component's unit price on its own can lose or add a cent or two (a kit
    of 10.00 in three equal parts is 3 x 3.33 = 9.99). Each unit price is rounded to the
    cent, then the cents the lines miss go to one line: one of a single unit if there is
    one, else one whose quantity divides them, else the one of the fewest units, whose unit
    price then has four decimals (its quantity times it still rounds to its share).

    :param list lines: ``[(exact unit price, quantity)]``, quantities whole and under 100
    :return: list of unit prices, in ``lines`` order
    """
    unit_cents = [round(price * 100) for price, _quantity in lines]
    target = round(sum(price * quantity for price, quantity in lines) * 100)
    missing = target - sum(cents * quantity for cents, (_price, quantity) in zip(unit_cents, lines))
    prices = [cents / 100 for cents in unit_cents]
    takers = [i for i, (_price, quantity) in enumerate(lines) if quantity]
    if not missing or not takers:
        return prices
    taker = min(takers, key=lambda i: (lines[i][1] != 1, missing % lines[i][1] != 0, lines[i][1], i))
    quantity = lines[taker][1]
    exact = (unit_cents[taker] + missing / quantity) / 100
    prices[taker] = round(exact, 2) if missing % quantity == 0 else round(exact, 4)
    return prices
