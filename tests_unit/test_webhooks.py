"""API v2 webhook signatures: the check, and the key cache against real HTTP on 127.0.0.1
(the sandbox's ``/jwks``, or a receiver that misbehaves)."""

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.asymmetric import rsa
from http_helpers import Receiver

from shipstation import webhooks
from shipstation.sandbox import SandboxServer
from shipstation.sandbox.signing import jwk_of, sign_v2
from shipstation.webhooks import (
    KEY_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    KeyCache,
    WebhookRefused,
    verify_v2,
)

BODY = b'{"resource_url": "https://api.shipstation.com/v2/labels?batch_id=1", "resource_type": "LABEL_CREATED_V2"}'
NOW = datetime(2026, 8, 4, 12, 0, tzinfo=timezone.utc)
KID = "key-1"


def _new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048, backend=default_backend())


PRIVATE = _new_key()


class Keys:
    """A fixed key set: the contract of ``verify_v2``'s ``keys``."""

    def __init__(self, **keys):
        self.keys = keys

    def key(self, kid):
        return self.keys.get(kid)


KEYS = Keys(**{KID: PRIVATE.public_key()})


def _signed(body=BODY, when=NOW, kid=KID, key=PRIVATE):
    return sign_v2(key, kid, body, timestamp=when)


def _refused(headers, body=BODY, keys=KEYS, now=NOW):
    with pytest.raises(WebhookRefused) as caught:
        verify_v2(headers, body, keys, now=now)
    assert str(caught.value) and str(caught.value)[-1] == "."
    return caught.value.reason


# -- verify_v2 -------------------------------------------------------------------------------------


def test_a_good_signature_is_accepted_whatever_the_case_of_the_header_names():
    headers = _signed()
    assert set(headers) == {SIGNATURE_HEADER, KEY_ID_HEADER, TIMESTAMP_HEADER}
    assert headers[TIMESTAMP_HEADER] == "2026-08-04T12:00:00.000Z"
    assert verify_v2(headers, BODY, KEYS, now=NOW) is None
    shouting = {name.upper(): value for name, value in headers.items()}
    assert verify_v2(shouting, BODY, KEYS, now=NOW + timedelta(seconds=300)) is None


def test_the_signature_may_come_urlsafe_and_without_padding():
    headers = _signed()
    raw = base64.b64decode(headers[SIGNATURE_HEADER])
    for text in (base64.urlsafe_b64encode(raw).decode(), base64.b64encode(raw).decode().rstrip("=")):
        verify_v2(dict(headers, **{SIGNATURE_HEADER: text}), BODY, KEYS, now=NOW)


def test_a_unix_timestamp_and_a_naive_iso_one_are_read_as_utc():
    verify_v2(_signed(when=str(int(NOW.timestamp()))), BODY, KEYS, now=NOW)
    verify_v2(_signed(when="2026-08-04T12:00:30"), BODY, KEYS, now=NOW)
    verify_v2(_signed(when="2026-08-04T14:00:00+02:00"), BODY, KEYS, now=NOW)


@pytest.mark.parametrize("missing", [SIGNATURE_HEADER, KEY_ID_HEADER, TIMESTAMP_HEADER])
def test_each_missing_header_is_refused(missing):
    headers = _signed()
    assert _refused({k: v for k, v in headers.items() if k != missing}) == "missing_header"
    assert _refused(dict(headers, **{missing: "  "})) == "missing_header"


@pytest.mark.parametrize("stamp", ["yesterday", "2026-13-45T00:00:00Z", "1e400", "nan", "12:00"])
def test_an_unreadable_timestamp_is_refused(stamp):
    assert _refused(dict(_signed(), **{TIMESTAMP_HEADER: stamp})) == "bad_timestamp"


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_timestamp_more_than_five_minutes_off_is_stale_past_or_future(offset):
    assert _refused(_signed(when=NOW + timedelta(seconds=offset))) == "stale"
    assert verify_v2(_signed(when=NOW + timedelta(seconds=offset)), BODY, KEYS, now=NOW, tolerance=302) is None


def test_an_unknown_key_id_is_refused():
    assert _refused(_signed(kid="key-2")) == "unknown_key"


def test_a_signature_by_another_key_or_undecodable_is_refused():
    assert _refused(_signed(key=_new_key())) == "bad_signature"
    assert _refused(dict(_signed(), **{SIGNATURE_HEADER: "not base64 at all!"})) == "bad_signature"
    assert _refused(dict(_signed(), **{SIGNATURE_HEADER: "QUJD"})) == "bad_signature"


def test_a_body_changed_by_one_byte_or_another_timestamp_is_refused():
    changed = BODY.replace(b"batch_id=1", b"batch_id=2")
    assert len(changed) == len(BODY)
    assert _refused(_signed(), body=changed) == "bad_signature"
    headers = dict(_signed(), **{TIMESTAMP_HEADER: "2026-08-04T12:00:01.000Z"})
    assert _refused(headers) == "bad_signature"


def test_checks_come_in_order_headers_timestamp_key_signature():
    headers = dict(_signed(kid="nobody"), **{TIMESTAMP_HEADER: "2020-01-01T00:00:00Z"})
    assert _refused({k: v for k, v in headers.items() if k != SIGNATURE_HEADER}) == "missing_header"
    assert _refused(dict(headers, **{TIMESTAMP_HEADER: "soon"})) == "bad_timestamp"
    assert _refused(headers) == "stale"
    assert _refused(dict(headers, **{TIMESTAMP_HEADER: "2026-08-04T12:00:00Z"})) == "unknown_key"


def test_jwk_of_writes_base64url_without_padding():
    jwk = jwk_of(PRIVATE.public_key(), KID)
    assert jwk["kty"] == "RSA" and jwk["kid"] == KID and jwk["e"] == "AQAB"
    assert "=" not in jwk["n"] and "+" not in jwk["n"] and "/" not in jwk["n"]


# -- KeyCache over HTTP ---------------------------------------------------------------------------------


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def sandbox():
    with SandboxServer() as server:
        yield server


def _sandbox_signed(server, body=BODY):
    return server.webhooks.sign(body)


def test_the_cache_fetches_the_sandbox_keys_once_for_many_checks(sandbox):
    cache = KeyCache(sandbox.jwks_url)
    for _ in range(20):
        verify_v2(_sandbox_signed(sandbox), BODY, cache)
    assert cache.fetch_count == 1 and sandbox.count("GET", "/jwks") == 1
    [key] = sandbox.webhooks.jwks()["keys"]
    assert key["kty"] == "RSA" and key["kid"] == sandbox.webhooks.kid


def test_unknown_key_ids_refetch_at_most_once_a_minute(sandbox):
    ticks = Ticks()
    cache = KeyCache(sandbox.jwks_url, clock=ticks)
    verify_v2(_sandbox_signed(sandbox), BODY, cache)
    forged = dict(_sandbox_signed(sandbox), **{KEY_ID_HEADER: "made-up"})
    for step in range(30):
        ticks.now += 1
        with pytest.raises(WebhookRefused) as caught:
            verify_v2(dict(forged, **{KEY_ID_HEADER: "made-up-%d" % step}), BODY, cache)
        assert caught.value.reason == "unknown_key"
    assert cache.fetch_count == 1  # the first unknown kid came 1 s after the fetch
    ticks.now += 60
    with pytest.raises(WebhookRefused):
        verify_v2(forged, BODY, cache)
    assert cache.fetch_count == 2 and sandbox.count("GET", "/jwks") == 2


def test_a_rotated_key_is_fetched_when_its_id_first_shows(sandbox):
    ticks = Ticks()
    cache = KeyCache(sandbox.jwks_url, clock=ticks)
    verify_v2(_sandbox_signed(sandbox), BODY, cache)
    old_kid = sandbox.webhooks.kid
    sandbox.webhooks.rotate_key()
    assert sandbox.webhooks.kid != old_kid
    ticks.now += 61
    verify_v2(_sandbox_signed(sandbox), BODY, cache)
    assert cache.fetch_count == 2
    assert cache.key(old_kid) is not None  # still published beside the new one


def test_keys_older_than_the_ttl_are_fetched_again(sandbox):
    ticks = Ticks()
    cache = KeyCache(sandbox.jwks_url, ttl=3600, clock=ticks)
    verify_v2(_sandbox_signed(sandbox), BODY, cache)
    ticks.now += 3599
    verify_v2(_sandbox_signed(sandbox), BODY, cache)
    assert cache.fetch_count == 1
    ticks.now += 2
    verify_v2(_sandbox_signed(sandbox), BODY, cache)
    assert cache.fetch_count == 2


def test_the_keys_are_fetched_without_credentials(sandbox):
    jwks = sandbox.webhooks.jwks()
    with Receiver(body=jwks) as rx:
        KeyCache(rx.url + "/jwks").key(sandbox.webhooks.kid)
        [request] = rx.received
    assert request.method == "GET" and request.path == "/jwks"
    assert not {"authorization", "cookie", "api-key"} & {name.lower() for name in request.headers}


@pytest.mark.parametrize(
    "receiver",
    [
        {"status": 500, "body": {"message": "boom"}},
        {"body": "<html>keys</html>", "content_type": "text/html"},
        {"body": "{not json", "content_type": "application/json"},
        {"body": {"keys": "none"}},
        {"body": {"keys": [{"kty": "EC", "kid": "k", "crv": "P-256", "x": "AA", "y": "AA"}]}},
        {"body": b"[" * 70000},
        {"delay": 1.0, "body": {"keys": []}},
    ],
    ids=["500", "html", "broken-json", "keys-not-a-list", "no-rsa-key", "too-big", "timeout"],
)
def test_a_key_url_that_fails_gives_keys_unavailable(receiver):
    with Receiver(**receiver) as rx:
        cache = KeyCache(rx.url + "/jwks", timeout=(0.3, 0.3))
        with pytest.raises(WebhookRefused) as caught:
            cache.key("any")
    assert caught.value.reason == "keys_unavailable"
    assert cache.fetch_count == 1


def test_a_redirect_is_never_followed(sandbox):
    with Receiver(redirect=sandbox.jwks_url) as rx:
        with pytest.raises(WebhookRefused) as caught:
            KeyCache(rx.url + "/jwks").key(sandbox.webhooks.kid)
        assert len(rx.received) == 1
    assert caught.value.reason == "keys_unavailable"
    assert sandbox.count("GET", "/jwks") == 0


def test_a_failed_fetch_keeps_the_keys_it_had_and_is_not_retried_within_a_minute(sandbox):
    jwks = sandbox.webhooks.jwks()
    ticks = Ticks()
    with Receiver(body=jwks) as rx:
        cache = KeyCache(rx.url + "/jwks", ttl=10, clock=ticks)
        kid = jwks["keys"][0]["kid"]
        assert cache.key(kid) is not None
        rx.status, rx.body = 503, "down"
        ticks.now += 61
        assert cache.key(kid) is not None  # stale, yet better than refusing every webhook
        assert cache.key("other") is None
        assert len(rx.received) == 2


def test_no_keys_and_no_retry_yet_is_still_unavailable():
    ticks = Ticks()
    with Receiver(status=500) as rx:
        cache = KeyCache(rx.url + "/jwks", clock=ticks)
        for _ in range(3):
            with pytest.raises(WebhookRefused) as caught:
                cache.key("any")
            assert caught.value.reason == "keys_unavailable"
        assert len(rx.received) == 1


def test_malformed_entries_are_skipped_and_the_good_ones_kept():
    good = jwk_of(PRIVATE.public_key(), KID)
    entries = [
        "text",
        {"kty": "RSA", "kid": "no-n", "e": "AQAB"},
        {"kty": "RSA", "kid": "bad-n", "n": "!!!", "e": "AQAB"},
        {"kty": "RSA", "n": good["n"], "e": "AQAB"},
        dict(good, kid="enc", use="enc"),
        good,
    ]
    with Receiver(body={"keys": entries}) as rx:
        cache = KeyCache(rx.url + "/jwks")
        assert cache.key(KID).public_numbers() == PRIVATE.public_key().public_numbers()
        assert cache.key("bad-n") is None and cache.key("enc") is None


def test_the_module_names_what_the_sync_needs():
    assert webhooks.V1_EVENTS == ("SHIP_NOTIFY", "FULFILLMENT_SHIPPED")
    assert webhooks.V2_EVENTS == ("LABEL_CREATED_V2", "FULFILLMENT_SHIPPED_V2")
    assert webhooks.DEFAULT_KEYS_URL == "https://api.shipengine.com/jwks" and webhooks.TOLERANCE == 300
    assert json.loads(json.dumps(webhooks.Webhook("1", "SHIP_NOTIFY", "https://x", None))) == [
        "1",
        "SHIP_NOTIFY",
        "https://x",
        None,
    ]
