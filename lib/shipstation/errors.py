"""Typed errors raised by the ShipStation client.

Every error carries the request that failed (method and URL without credentials)
and, when there was one, the HTTP status. None of them ever holds the API secret.
"""


class ShipStationError(Exception):
    """Base class of every error the client raises.

    :param str message: what went wrong, in words a user can act on
    :param str method: HTTP method of the failed request
    :param str url: URL of the failed request (never contains credentials)
    :param int status: HTTP status, when the server answered
    """

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
