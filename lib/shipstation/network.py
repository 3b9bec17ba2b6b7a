"""A network failure in words: what was not reached, and why, without urllib3's internals.

``requests`` says e.g. ``HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded
with url: /orders (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object
at 0x7f...>: Failed to establish a new connection: [Errno 111] Connection refused'))``,
although the request was tried once and nothing was ever reached. :func:`unreached` says
"Could not reach http://127.0.0.1:9: the connection was refused (nothing answers at that
address and port)".
"""

from urllib.parse import urlsplit

import requests

#: (exception class, words), the most specific first; matched on the exception's class.
_CAUSES = (
    (requests.exceptions.ConnectTimeout, "no answer to the connection in time (a firewall, or a wrong address)"),
    (requests.exceptions.ReadTimeout, "the server took too long to answer"),
    (requests.exceptions.SSLError, "the secure connection failed (certificate or TLS)"),
    (requests.exceptions.ProxyError, "the proxy refused or failed the connection"),
    (requests.exceptions.TooManyRedirects, "too many redirects"),
)
#: (text found in the message, words) for what requests reports as a plain ConnectionError.
_TEXTS = (
    ("connection refused", "the connection was refused (nothing answers at that address and port)"),
    ("name or service not known", "the host name is unknown (check the API URL, and this server's DNS)"),
    ("nodename nor servname", "the host name is unknown (check the API URL, and this server's DNS)"),
    ("temporary failure in name resolution", "the host name could not be looked up (this server's DNS)"),
    ("failed to resolve", "the host name could not be looked up (check the API URL, and this server's DNS)"),
    ("network is unreachable", "the network is unreachable from this server"),
    ("no route to host", "there is no route to that host from this server"),
    ("connection reset", "the connection was reset by the other side"),
    ("remotedisconnected", "the server closed the connection without answering"),
    ("connection aborted", "the connection was aborted"),
)


def root(url):
    """``scheme://host[:port]`` of ``url`` (no path, no query, never credentials)."""
    parts = urlsplit(url or "")
    if not parts.scheme or not parts.hostname:
        return url or ""
    host = parts.hostname if ":" not in parts.hostname else "[%s]" % parts.hostname
    return "%s://%s%s" % (parts.scheme, host, ":%d" % parts.port if parts.port else "")


def cause(exc):
    """Why ``exc`` (a ``requests`` exception) reached nothing, in words."""
    for cls, words in _CAUSES:
        if isinstance(exc, cls):
            return words
    text = str(exc).lower()
    for needle, words in _TEXTS:
        if needle in text:
            return words
    # Something else: the innermost reason's own words, without object addresses.
    reason = exc
    while reason.__cause__ is not None or (reason.args and isinstance(reason.args[0], BaseException)):
        reason = reason.__cause__ or reason.args[0]
    return str(reason).split(" object at 0x")[0] or type(exc).__name__


def unreached(url, exc):
    """``Could not reach <root of url>: <cause>``."""
    return "Could not reach %s: %s" % (root(url), cause(exc))
