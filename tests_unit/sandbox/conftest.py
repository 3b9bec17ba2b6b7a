"""Fixtures of the sandbox tests: the ShipStation sandbox over real HTTP on 127.0.0.1."""

import pytest
from sandbox_helpers import T0, Api, V2Api

from shipstation.sandbox import FakeClock, SandboxServer


@pytest.fixture
def clock():
    return FakeClock(T0)


@pytest.fixture
def server(clock):
    with SandboxServer(clock=clock) as srv:
        yield srv


@pytest.fixture
def api(server):
    return Api(server)


@pytest.fixture
def v2(server):
    return V2Api(server)
