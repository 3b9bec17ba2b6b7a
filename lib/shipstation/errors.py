"""Typed errors raised by the ShipStation client.

Every error carries the request that failed (method and URL without credentials)
and, when there was one, the HTTP status. None of them ever holds the API secret.
"""

import re


class ShipStationError(Exception):
    """Base class of every error the client raises.

    :param str message: what went wrong, in words a user can act on
    :param str method: HTTP method of the failed request
    :param str url: URL of the failed request (never contains credentials)
    :param int status: HTTP status, when the server answered
    """

    #: Seconds ShipStation asked to wait before trying again (``Retry-After``), when it said.
    retry_after = None

    def __init__(self, message, method=None, url=None, status=None):
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.status = status

    def __str__(self):
        where = " ".join(part for part in (self.method, self.url) if part)
        status = " (HTTP %s)" % self.status if self.status else ""
        return "%s%s%s" % (self.message, status, " [%s]" % where if where else "")


class AuthenticationError(ShipStationError):
    """ShipStation refused the API key and secret (401 or 403)."""


class NotFoundError(ShipStationError):
    """The resource does not exist (404), e.g. an order merged into another one."""


class BadRequestError(ShipStationError):
    """ShipStation rejected the request as invalid (400)."""


class RateLimitError(ShipStationError):
    """Still rate limited (429) once the retry budget was spent.

    :param float retry_after: seconds ShipStation asked to wait, when known
    """

    def __init__(self, message, method=None, url=None, status=429, retry_after=None):
        super().__init__(message, method=method, url=url, status=status)
        self.retry_after = retry_after


class ServerError(ShipStationError):
    """ShipStation answered 5xx on every attempt of the retry budget."""


class NetworkError(ShipStationError):
    """No answer: connection refused or reset, or timed out, on every attempt."""


class MalformedResponseError(ShipStationError):
    """The answer was not the JSON shape the endpoint documents."""


#: Errors that say "not now" rather than "not this": the same request may work later.
TRANSIENT_ERRORS = (RateLimitError, ServerError, NetworkError)

_STATUS_ERRORS = {
    400: (BadRequestError, "ShipStation rejected the request"),
    404: (NotFoundError, "Not found on ShipStation"),
    500: (ServerError, "ShipStation server error"),
    None: (ShipStationError, "ShipStation error"),
}
#: Keys of ShipStation's (ASP.NET) error bodies that carry a message.
ERROR_MESSAGE_KEYS = ("Message", "ExceptionMessage", "MessageDetail", "message")
_TAG = re.compile(r"<[^>]*>")


def error_for_status(status, data, text, method, url):
    """The typed error an HTTP error status means (429 aside: the client retries it).

    :param int status: HTTP status of the final answer
    :param data: decoded JSON body, or None
    :param str text: raw body
    :return: :class:`ShipStationError` (a subclass), to raise
    """
    if status in (401, 403):
        words = "the API key" if "/v2/" in (url or "") else "the API key and secret"
        return AuthenticationError("ShipStation refused %s" % words, method, url, status)
    key = status if status in _STATUS_ERRORS else (500 if status >= 500 else None)
    error_class, prefix = _STATUS_ERRORS[key]
    if status >= 500:
        prefix = "%s (HTTP %s)" % (prefix, status)
    return error_class("%s: %s" % (prefix, error_text(data, text)), method, url, status)


def error_text(data, text):
    """ShipStation's message from an error body (v1's ASP.NET style or v2's envelope), or the raw text."""
    if isinstance(data, dict) and isinstance(data.get("errors"), list):
        # API v2: {"request_id": ..., "errors": [{"error_code", "message", ...}]}
        messages = [str(e.get("message") or e.get("error_code")) for e in data["errors"] if isinstance(e, dict)]
        if any(messages):
            return "; ".join(dict.fromkeys(m for m in messages if m))
    if isinstance(data, dict):
        # ASP.NET pairs a vague Message with the useful ExceptionMessage: keep both.
        parts = [str(data[k]) for k in ERROR_MESSAGE_KEYS if data.get(k)]
        message = " ".join(dict.fromkeys(parts))
        model_state = data.get("ModelState")
        if isinstance(model_state, dict):
            details = "; ".join(
                "%s: %s" % (field, " ".join(map(str, errs)) if isinstance(errs, list) else errs)
                for field, errs in model_state.items()
            )
            message = "%s %s" % (message, details) if message else details
        if message:
            return message
    # Gateways answer HTML: keep its words only.
    return " ".join(_TAG.sub(" ", text or "").split())[:300] or "no details"
