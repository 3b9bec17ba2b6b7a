"""The sandbox's side of ShipStation's v2 webhook signatures: publish a public key as a JWK and
sign a request as ShipStation does (see :func:`..webhooks.verify_v2`, which checks them).

Only the sandbox and the tests sign: the connector itself only verifies.
"""

import base64
from datetime import datetime, timezone

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from ..webhooks import KEY_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER


def _utc(moment):
    if moment is None:
        return datetime.now(timezone.utc)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _b64url(number):
    raw = number.to_bytes(max(1, (number.bit_length() + 7) // 8), "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def jwk_of(public_key, kid):
    """The JWK of an RSA public key, as a JWKS publishes it.

    :param public_key: a ``cryptography`` RSA public key
    :param str kid: the key's id
    :return: dict ``{"kty": "RSA", "kid", "use": "sig", "alg": "RS256", "n", "e"}``
    """
    numbers = public_key.public_numbers()
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": _b64url(numbers.n), "e": _b64url(numbers.e)}


def v2_timestamp(moment=None):
    """A timestamp as v2 webhooks carry it: ISO-8601 UTC with milliseconds and ``Z``."""
    moment = _utc(moment).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def sign_v2(private_key, kid, body, timestamp=None):
    """The three signature headers of a v2 webhook request carrying ``body``.

    :param private_key: a ``cryptography`` RSA private key
    :param str kid: the id its public key is published under
    :param bytes body: the exact request body
    :param timestamp: a datetime (naive: UTC), or the header's text as is; default now
    :return: dict of :data:`SIGNATURE_HEADER`, :data:`KEY_ID_HEADER`, :data:`TIMESTAMP_HEADER`
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    if timestamp is None or isinstance(timestamp, datetime):
        stamp = v2_timestamp(timestamp)
    else:
        stamp = str(timestamp)
    signature = private_key.sign(stamp.encode("utf-8") + b"." + bytes(body), padding.PKCS1v15(), hashes.SHA256())
    return {
        SIGNATURE_HEADER: base64.b64encode(signature).decode("ascii"),
        KEY_ID_HEADER: kid,
        TIMESTAMP_HEADER: stamp,
    }
