"""ShipStation webhooks: the events the sync subscribes to, and the check of API v2's signatures.

Plain Python, no Odoo import. A webhook only says *that* something happened
(``{"resource_url", "resource_type"}``); the sync reads the facts from the API itself.

* **v1** webhooks are not signed at all: no header, no shared secret. What protects a v1
  receiver is a secret token in its own URL, and never trusting the body.
* **v2** webhooks are signed with RSA (PKCS#1 v1.5, SHA-256) over
  ``"<x-shipengine-timestamp>.<raw body>"``; the signature (base64) and the id of the key
  come in two more headers, and the public keys are published as a JWKS at
  :data:`DEFAULT_KEYS_URL`. :func:`verify_v2` checks one request, :class:`KeyCache` keeps
  the published keys. The other side of the same scheme (signing, publishing keys) is the
  sandbox's (``sandbox/signing.py``).

The subscription methods themselves are on the clients (``list_webhooks``,
``subscribe_webhook``, ``unsubscribe_webhook``) and answer :class:`Webhook` tuples.
"""

import base64
import binascii
import json
import logging
import re
import threading
import time
from collections import namedtuple
from datetime import datetime, timezone

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from dateutil import parser as dateutil_parser

_logger = logging.getLogger(__name__)

#: v1 events the sync needs: a label was created; a fill provider shipped an order.
V1_EVENTS = ("SHIP_NOTIFY", "FULFILLMENT_SHIPPED")
#: v2 events the sync needs, the same two facts.
V2_EVENTS = ("LABEL_CREATED_V2", "FULFILLMENT_SHIPPED_V2")
SIGNATURE_HEADER = "x-shipengine-rsa-sha256-signature"
KEY_ID_HEADER = "x-shipengine-rsa-sha256-key-id"
TIMESTAMP_HEADER = "x-shipengine-timestamp"
#: Where ShipStation (ShipEngine underneath) publishes the keys of v2 webhooks.
DEFAULT_KEYS_URL = "https://api.shipengine.com/jwks"
#: Seconds a v2 timestamp may be off the receiver's clock, in the past or the future.
TOLERANCE = 300
#: A bound on the size of the key set read (the real one holds a few keys, a few KB).
MAX_KEYS_BYTES = 64 * 1024

#: One subscription, as both API versions list it (ids as text).
Webhook = namedtuple("Webhook", "id event url name")

_MESSAGES = {
    "missing_header": "The webhook lacks a signature header.",
    "bad_timestamp": "The webhook timestamp cannot be read.",
    "stale": "The webhook timestamp is more than the tolerance away from now.",
    "unknown_key": "The webhook is signed with a key ShipStation does not publish.",
    "keys_unavailable": "ShipStation's webhook keys could not be fetched.",
    "bad_signature": "The webhook signature does not match its body.",
}
_UNIX_SECONDS = re.compile(r"^[0-9]{1,12}(\.[0-9]+)?$")


class WebhookRefused(Exception):
    """A webhook request that must not be trusted.

    :param str reason: ``missing_header``, ``bad_timestamp``, ``stale``, ``unknown_key``,
        ``keys_unavailable`` or ``bad_signature``
    :param str message: the sentence ``str()`` gives (default: the reason's own)
    """

    def __init__(self, reason, message=None):
        self.reason = reason
        self.message = message or _MESSAGES.get(reason, "The webhook is refused.")
        super().__init__(self.message)

    def __str__(self):
        return self.message


# -- checking ----------------------------------------------------------------------------------


def _header(headers, name):
    """The value of header ``name`` (any case), stripped; None when absent or blank."""
    for key, value in headers.items():
        if str(key).lower() == name and value is not None and str(value).strip():
            return str(value).strip()
    return None


def _instant(text):
    """An aware UTC datetime from an ISO-8601 timestamp (naive: UTC) or unix seconds."""
    try:
        if _UNIX_SECONDS.match(text):
            return datetime.fromtimestamp(float(text), timezone.utc)
        value = dateutil_parser.isoparse(text)
    except (ValueError, OverflowError, OSError):
        raise WebhookRefused("bad_timestamp") from None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _as_utc(now):
    if now is None:
        return datetime.now(timezone.utc)
    if isinstance(now, (int, float)):
        return datetime.fromtimestamp(now, timezone.utc)
    return now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now


def _signature_bytes(text):
    """Decode a standard or URL-safe base64 signature, padded or not."""
    compact = text.translate({ord("-"): "+", ord("_"): "/"}).rstrip("=")
    try:
        raw = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookRefused("bad_signature") from None
    if not raw:
        raise WebhookRefused("bad_signature")
    return raw


def verify_v2(headers, body, keys, now=None, tolerance=TOLERANCE):
    """Check the signature of one API v2 webhook request; return quietly when it holds.

    The checks come in this order: the three headers are there, the timestamp reads,
    it is within ``tolerance`` of ``now``, the key is known, the signature matches.

    :param headers: the request headers, any mapping (names in any case)
    :param bytes body: the raw request body, exactly as received
    :param keys: an object whose ``key(kid)`` answers a ``cryptography`` RSA public key
        or None (a :class:`KeyCache`)
    :param now: the receiver's time, an aware datetime (naive: UTC) or unix seconds;
        default the current time
    :param int tolerance: seconds the timestamp may be off, past or future
    :return: None
    :raises WebhookRefused: with the ``reason`` of the first check that failed
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    signature = _header(headers, SIGNATURE_HEADER)
    kid = _header(headers, KEY_ID_HEADER)
    stamp = _header(headers, TIMESTAMP_HEADER)
    if signature is None or kid is None or stamp is None:
        raise WebhookRefused("missing_header")
    moment = _instant(stamp)
    if abs((_as_utc(now) - moment).total_seconds()) > tolerance:
        raise WebhookRefused("stale")
    public_key = keys.key(kid)
    if public_key is None:
        raise WebhookRefused("unknown_key")
    raw = _signature_bytes(signature)
    try:
        public_key.verify(raw, stamp.encode("utf-8") + b"." + bytes(body), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        raise WebhookRefused("bad_signature") from None


# -- the published keys --------------------------------------------------------------------------


class _NoAuth(requests.auth.AuthBase):
    """Sends nothing; stands in the way of credentials ``requests`` would add (``~/.netrc``)."""

    def __call__(self, request):
        return request


class _FetchFailed(Exception):
    pass


def _b64url_int(text):
    if not isinstance(text, str) or not text:
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return int.from_bytes(raw, "big")


def public_keys(jwks):
    """The RSA public keys of a JWKS dict, by kid; entries that are not usable RSA signing
    keys are skipped.

    :param dict jwks: ``{"keys": [{"kty": "RSA", "kid", "n", "e", ...}]}``
    :return: dict kid -> RSA public key
    """
    found = {}
    for entry in jwks.get("keys") if isinstance(jwks, dict) and isinstance(jwks.get("keys"), list) else []:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or not kid:
            continue
        try:
            numbers = rsa.RSAPublicNumbers(_b64url_int(entry.get("e")), _b64url_int(entry.get("n")))
            found[kid] = numbers.public_key(default_backend())
        except (ValueError, TypeError, binascii.Error):
            _logger.warning("ShipStation webhook keys: entry %r is not a usable RSA key; skipped", kid[:40])
    return found


class KeyCache:
    """The public keys of API v2 webhooks, fetched from their JWKS URL and kept.

    A key is served from the cache while the cache is younger than ``ttl``; an unknown kid or
    an old cache fetches the set again, but never more than once in ``min_refetch`` seconds,
    so a stream of made-up kids cannot make the receiver hammer the URL. A failed fetch keeps
    the keys already held. Thread-safe: one lock, also held while fetching, so concurrent
    requests wait for one fetch rather than starting their own.

    The fetch is a plain GET: no credentials of any kind, no redirect followed, JSON only,
    at most :data:`MAX_KEYS_BYTES`.

    :param str url: the JWKS URL, :data:`DEFAULT_KEYS_URL` for ShipStation
    :param float ttl: seconds the fetched keys are trusted before the next fetch
    :param float min_refetch: least seconds between two fetches
    :param timeout: ``requests`` timeout, (connect, read) seconds
    :param clock: monotonic clock (injectable for tests)
    """

    def __init__(self, url, ttl=3600, min_refetch=60, timeout=(3, 5), clock=time.monotonic):
        self.url, self.ttl, self.min_refetch, self.timeout = url, ttl, min_refetch, timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._keys = {}
        self._fetched_at = self._tried_at = None
        #: How many times the key set was requested (for tests and diagnostics).
        self.fetch_count = 0

    def __repr__(self):
        return "<%s %s, %d keys>" % (type(self).__name__, self.url, len(self._keys))

    def key(self, kid):
        """The public key ``kid`` names, or None when the published set has no such key.

        :param str kid: the ``x-shipengine-rsa-sha256-key-id`` of a request
        :return: an RSA public key, or None
        :raises WebhookRefused: ``keys_unavailable`` when no key is held and none can be fetched
        """
        with self._lock:
            now = self._clock()
            fresh = self._fetched_at is not None and now - self._fetched_at < self.ttl
            if kid in self._keys and fresh:
                return self._keys[kid]
            if self._tried_at is None or now - self._tried_at >= self.min_refetch:
                self._tried_at = now
                try:
                    self._keys = self._fetch()
                    self._fetched_at = now
                except _FetchFailed as exc:
                    _logger.warning("ShipStation webhook keys: %s (%s)", exc, self.url)
            if not self._keys:
                raise WebhookRefused("keys_unavailable")
            return self._keys.get(kid)

    def _fetch(self):
        """Read the key set once. :raises _FetchFailed: on any failure, or no usable key"""
        self.fetch_count += 1
        limit = sum(self.timeout) if isinstance(self.timeout, tuple) else (self.timeout or 60)
        deadline = time.monotonic() + limit  # a slow drip of bytes must not hold the lock forever
        with requests.Session() as session:
            try:
                response = session.get(
                    self.url,
                    headers={"Accept": "application/json"},
                    auth=_NoAuth(),
                    timeout=self.timeout,
                    allow_redirects=False,
                    stream=True,
                )
                with response:
                    data = self._read(response, deadline)
            except requests.exceptions.RequestException as exc:
                raise _FetchFailed("could not fetch them: %s" % type(exc).__name__) from exc
        keys = public_keys(data)
        if not keys:
            raise _FetchFailed("the key set holds no usable RSA key")
        return keys

    @staticmethod
    def _read(response, deadline):
        if response.status_code != 200:
            raise _FetchFailed("the key URL answered HTTP %s" % response.status_code)
        media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if not media.endswith("json"):
            raise _FetchFailed("the key URL answered %s, not JSON" % (media or "no content type"))
        chunks, size = [], 0
        for chunk in response.iter_content(8192):
            size += len(chunk)
            if size > MAX_KEYS_BYTES:
                raise _FetchFailed("the key set is larger than %d bytes" % MAX_KEYS_BYTES)
            if time.monotonic() > deadline:
                raise _FetchFailed("the key set took too long to read")
            chunks.append(chunk)
        try:
            return json.loads(b"".join(chunks).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise _FetchFailed("the key set is not valid JSON") from None
