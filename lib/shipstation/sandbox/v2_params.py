"""Requests and errors of the sandbox's API v2 dialect: v2's error envelope, and the query
string read with v2's rules (exact snake_case names, ISO-8601 times, ``se-`` ids, paging).

Every v2 error answers::

    {"request_id": "<uuid>", "errors": [{"error_source": "ShipStation", "error_type": "...",
                                         "error_code": "...", "message": "..."}]}
"""

import uuid
from datetime import timezone

from dateutil import parser as dateutil_parser

from . import v2_records

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 500
_ERROR_KINDS = {  # status -> (error_type, error_code) when a route does not say
    400: ("validation", "invalid_field_value"),
    401: ("security", "unauthorized"),
    403: ("security", "unauthorized"),
    404: ("validation", "invalid_identifier"),  # v2 has no not_found code
    405: ("validation", "unspecified"),
    409: ("business_rules", "unspecified"),
    429: ("system", "rate_limit_exceeded"),
}
_MESSAGES = {
    401: "The API key is invalid. Please check your API key and try again.",
    404: "The requested resource was not found.",
    429: "You have exceeded the rate limit. Please wait and try again.",
}


def envelope(status, message=None, error_type=None, error_code=None):
    """v2's ``error_response_body`` for ``status`` (type and code follow from it unless given)."""
    kind = _ERROR_KINDS.get(status, ("system", "unspecified"))
    return {
        "request_id": str(uuid.uuid4()),
        "errors": [
            {
                "error_source": "ShipStation",
                "error_type": error_type or kind[0],
                "error_code": error_code or kind[1],
                "message": message or _MESSAGES.get(status) or "Simulated failure (sandbox fault).",
            }
        ],
    }


class V2Error(Exception):
    """Stop handling a v2 request with this status and envelope."""

    def __init__(self, status, message, error_type=None, error_code=None):
        super().__init__(message)
        self.status, self.body = status, envelope(status, message, error_type, error_code)


def invalid(message):
    """A 400 ``validation`` / ``invalid_field_value`` error to raise."""
    return V2Error(400, message)


def not_found(message):
    """A 404 ``validation`` / ``invalid_identifier`` error to raise."""
    return V2Error(404, message)


class Params:
    """The query string of a v2 request, read with v2's rules (exact snake_case names)."""

    def __init__(self, query):
        self.raw = dict(query)

    def text(self, name):
        """Value of a parameter, None when absent or empty."""
        value = self.raw.get(name)
        return value if value not in (None, "") else None

    def integer(self, name, default, low, high=None):
        """Whole number in ``low..high``. :raises V2Error: 400 otherwise"""
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise invalid("%s must be a whole number, not '%s'." % (name, raw)) from None
        if value < low or (high is not None and value > high):
            limit = "between %d and %d" % (low, high) if high is not None else "at least %d" % low
            raise invalid("%s must be %s." % (name, limit))
        return value

    def choice(self, name, choices, default=None):
        """One of ``choices``. :raises V2Error: 400 otherwise"""
        raw = self.text(name)
        if raw is None:
            return default
        if raw not in choices:
            raise invalid("'%s' is not a valid %s; expected one of: %s." % (raw, name, ", ".join(choices)))
        return raw

    def instant(self, name):
        """ISO-8601 timestamp as an aware UTC datetime (no offset: UTC). :raises V2Error: 400"""
        raw = self.text(name)
        if raw is None:
            return None
        try:
            value = dateutil_parser.isoparse(raw.strip())
        except (ValueError, OverflowError):
            raise invalid("%s must be an ISO-8601 date-time, not '%s'." % (name, raw)) from None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

    def windows(self, fields):
        """``(v1 field, start, end)`` for each given ``<name>_start``/``<name>_end`` pair."""
        out = []
        for name, field in fields:
            start, end = self.instant(name + "_start"), self.instant(name + "_end")
            if start or end:
                out.append((field, start, end))
        return out

    def se_id(self, name):
        """Number of an ``se-<digits>`` filter. :raises V2Error: 400 when malformed"""
        raw = self.text(name)
        if raw is None:
            return None
        number = v2_records.parse_se_id(raw)
        if number is None:
            raise invalid("%s must look like se-123, not '%s'." % (name, raw))
        return number

    def paging(self):
        """``(page, page_size)``. :raises V2Error: 400 when out of range"""
        return self.integer("page", 1, 1), self.integer("page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)

    def sorting(self, choices):
        """``sort_by``/``descending`` keywords for the store (default: created_at, desc)."""
        sort_by = self.choice("sort_by", tuple(choices), "created_at")
        return {"sort_by": choices[sort_by], "descending": self.choice("sort_dir", ("asc", "desc"), "desc") == "desc"}
