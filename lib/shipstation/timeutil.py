"""ShipStation date and time conventions.

ShipStation API v1 writes every timestamp without an offset, in US Pacific time
(PST/PDT, following daylight saving), and expects filter values in the same zone,
formatted ``YYYY-MM-DD HH:MM:SS``. ``shipDate`` is a plain date. The connector works
in aware UTC datetimes everywhere and converts only at this boundary.
"""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser

PACIFIC = ZoneInfo("America/Los_Angeles")
FILTER_FORMAT = "%Y-%m-%d %H:%M:%S"


def parse_ss_datetime(value):
    """Parse a ShipStation timestamp into an aware UTC datetime.

    ShipStation sends ``2015-08-17T09:24:14.7800000`` (up to 7 fraction digits, no
    offset, Pacific time). A value that carries an offset is honoured as such. In
    the repeated hour of the autumn change the earlier instant is taken.

    :param str value: the timestamp as ShipStation wrote it, or a falsy value
    :return: aware UTC datetime, or None when ``value`` is empty
    :raises ValueError: when the value is not a timestamp
    """
    if not value:
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        parsed = dateutil_parser.isoparse(str(value).strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=PACIFIC, fold=0)
    return parsed.astimezone(timezone.utc)


def parse_ss_date(value):
    """Parse a ShipStation date (``shipDate``: ``2024-09-17``) into a ``date``.

    Some responses carry a full timestamp in a date field; its date part is kept.

    :param str value: the date as ShipStation wrote it, or a falsy value
    :return: ``datetime.date`` or None
    """
    if not value:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return dateutil_parser.isoparse(str(value).strip()[:10]).date()


def to_ss_datetime(value):
    """Format an aware datetime as a ShipStation filter *start*, in Pacific time.

    In the autumn hour that Pacific time repeats, ShipStation cannot tell which of
    the two instants a local time means. A start in that hour, whichever instant it
    is, is sent one wall-clock hour earlier: however ShipStation reads it, the window
    only widens, so it never loses records.

    :param datetime value: aware datetime (naive values are taken as UTC)
    :return: ``YYYY-MM-DD HH:MM:SS`` in US Pacific time
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    local = value.astimezone(PACIFIC)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        local = local.replace(tzinfo=None) - timedelta(hours=1)
    return local.strftime(FILTER_FORMAT)


def to_ss_timestamp(value):
    """Format an aware datetime the way ShipStation writes timestamps in responses.

    :param datetime value: aware datetime (naive values are taken as UTC)
    :return: ``YYYY-MM-DDTHH:MM:SS.fffffff`` in US Pacific time, without offset
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    local = value.astimezone(PACIFIC)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + "%07d" % (local.microsecond * 10)
