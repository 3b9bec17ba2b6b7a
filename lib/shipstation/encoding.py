"""How values cross the boundary with ShipStation API v1, both ways.

Query parameters and bodies go out with ShipStation's conventions (filter times as
US Pacific wall time, booleans as ``true``/``false``); records come back with their
Pacific timestamps turned into aware UTC datetimes and ``shipDate`` into a date.
No transport here: :mod:`.client` sends what this module encodes.
"""

from datetime import date, datetime
from decimal import Decimal

from .timeutil import parse_ss_date, parse_ss_datetime, to_ss_datetime

# Top-level keys of orders, shipments and fulfillments holding Pacific timestamps.
TIMESTAMP_KEYS = ("createDate modifyDate orderDate paymentDate voidDate deliveryDate shipByDate holdUntilDate").split()
DATE_KEYS = ("shipDate",)


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

    :param dict record: an order, shipment or fulfillment as ShipStation wrote it
    :return: dict with aware UTC datetimes and ``shipDate`` as a date
    :raises TypeError: when ``record`` is not a dict
    :raises ValueError: when a timestamp cannot be read (the message names the field)
    """
    if not isinstance(record, dict):
        raise TypeError("Expected a JSON object as record")
    record = dict(record)
    for names, parse in ((TIMESTAMP_KEYS, parse_ss_datetime), (DATE_KEYS, parse_ss_date)):
        for name in names:
            if name not in record:
                continue
            try:
                record[name] = parse(record[name])
            except (ValueError, TypeError, OverflowError) as exc:
                raise ValueError("Unreadable timestamp %r in field %s" % (record[name], name)) from exc
    return record
