"""Fixtures of the client tests: the ShipStation client against the project's ShipStation
sandbox, over real HTTP.

Every wait goes through a :class:`FakeClock` shared by the sandbox (rate-limit windows,
record timestamps) and the client (``sleep``/``monotonic``), so nothing really sleeps.
"""

import pytest
from client_helpers import KEY, SECRET, utc

from shipstation.client import ShipStationClient
from shipstation.sandbox import FakeClock, SandboxServer


@pytest.fixture
def clock():
    return FakeClock(utc(2024, 6, 3, 16, 0, 0))


@pytest.fixture
def sandbox_options():
    """Keyword arguments of the sandbox; tests override it to set a rate limit."""
    return {}


@pytest.fixture
def server(clock, sandbox_options):
    with SandboxServer(api_key=KEY, api_secret=SECRET, clock=clock, **sandbox_options) as srv:
        yield srv


@pytest.fixture
def sleeps(clock):
    """Every sleep of the client, in seconds; sleeping advances the fake clock."""
    return []


@pytest.fixture
def make_client(server, clock, sleeps):
    clients = []

    def sleep(seconds):
        sleeps.append(seconds)
        clock.sleep(seconds)

    def factory(**options):
        options.setdefault("sleep", sleep)
        options.setdefault("monotonic", clock.monotonic)
        options.setdefault("backoff", 1.0)
        key = options.pop("api_key", KEY)
        secret = options.pop("api_secret", SECRET)
        client = ShipStationClient(key, secret, options.pop("base_url", server.url), **options)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client):
    return make_client()
