"""How values cross the boundary with ShipStation API v1, both ways.

Query parameters and bodies go out with ShipStation's conventions (filter times as
US Pacific wall time, booleans as ``true``/``false``); records come back with their
Pacific timestamps turned into aware UTC datetimes and ``shipDate`` into a date.
No transport here: :mod:`.client` sends what this module encodes.
"""

import math
from datetime import date, datetime
from decimal import Decimal

from .timeutil import parse_ss_date, parse_ss_datetime, to_ss_datetime

# Top-level keys of orders, shipments and fulfillments holding Pacific timestamps.
TIMESTAMP_KEYS = ("createDate modifyDate orderDate paymentDate voidDate deliveryDate shipByDate holdUntilDate").split()
DATE_KEYS = ("shipDate",)
#: Key under which :func:`decode_record` lists the fields it could not read.
UNREADABLE = "_unreadable"
#: Years of the .NET minimum and maximum dates, which ShipStation sends for "no date".
NO_DATE_YEARS = ("0001", "9999")


def encode_value(value):
    """Turn one Python value into what ShipStation expects in a query string or body.

    :param value: aware datetime (sent in Pacific time), date, bool, Decimal, list, dict, ...
    :return: JSON-serialisable value; datetimes become ``YYYY-MM-DD HH:MM:SS`` Pacific
    """
    if isinstance(value, datetime):
        return to_ss_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: encode_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_value(item) for item in value]
    return value


def encode_params(filters):
    """Encode list filters given under ShipStation's own names (``modifyDateStart``...).

    :param dict filters: parameter name to value; None values are left out
    :return: dict of query parameters (bools as ``true``/``false``)
    """
    params = {}
    for name, value in filters.items():
        if value is None:
            continue
        if isinstance(value, bool):
            params[name] = "true" if value else "false"
        else:
            params[name] = encode_value(value)
    return params


def decode_record(record):
    """Convert the top-level timestamps of one record (a new dict is returned).

    A timestamp that cannot be read does not stop the reading: it becomes None and
    the record lists it under :data:`UNREADABLE` as ``(field, value as sent)``, for the
    reader to set the record aside with a reason. .NET's "no date" values
    (``0001-01-01...``, ``9999-12-31T23:59:59.9999999``) become None quietly.

    :param dict record: an order, shipment or fulfillment as ShipStation wrote it
    :return: dict with aware UTC datetimes and ``shipDate`` as a date
    """
    record = dict(record)
    for names, parse in ((TIMESTAMP_KEYS, parse_ss_datetime), (DATE_KEYS, parse_ss_date)):
        for name in names:
            value = record.get(name)
            if value is None:
                continue
            if isinstance(value, str) and value.strip()[:4] in NO_DATE_YEARS:
                record[name] = None
                continue
            try:
                record[name] = parse(value)
            except (ValueError, TypeError, OverflowError):
                record[name] = None
                record.setdefault(UNREADABLE, []).append((name, value))
    return record


def parse_amount(value):
    """A money amount as ShipStation may send it: a number, ``"12.5"`` or ``"1,234.50"``.

    :return: float (0.0 for None or "")
    :raises ValueError: when the value is no amount (the caller names the field)
    """
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        raise ValueError(value)
    amount = (
        float(value) if isinstance(value, (int, float)) else float(str(value).strip().replace(",", "").replace("$", ""))
    )
    if not math.isfinite(amount):
        raise ValueError(value)
    return amount
