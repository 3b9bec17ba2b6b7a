"""ShipStation client failures: refusals, rate limits, retries, network and malformed answers,
and the secret that must never show."""

import base64
import logging
import socket
import time

import pytest
import requests
from client_helpers import ITEMS, KEY, SECRET, new_order

from shipstation.client import ShipStationClient
from shipstation.errors import (
    AuthenticationError,
    BadRequestError,
    MalformedResponseError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    ServerError,
    ShipStationError,
)

# -- errors ----------------------------------------------------------------------------


def test_wrong_credentials(make_client, sleeps):
    client = make_client(api_secret="wrong")
    with pytest.raises(AuthenticationError) as info:
        client.test_connection()
    assert info.value.message == "ShipStation refused the API key and secret"
    assert info.value.status == 401 and info.value.method == "GET"
    assert client.call_count == 1 and sleeps == []


def test_test_connection(server, client):
    assert client.test_connection() is True
    (logged,) = server.requests
    assert (logged.method, logged.path, logged.query) == ("GET", "/orders", {"pageSize": "1"})


def test_not_found(client):
    with pytest.raises(NotFoundError) as info:
        client.get_order(424242)
    assert "Order 424242 was not found." in str(info.value)
    assert info.value.url.endswith("/orders/424242")
    assert client.call_count == 1


def test_bad_request_shows_model_state(client):
    order = new_order("BAD-1")
    del order["orderDate"]
    with pytest.raises(BadRequestError) as info:
        client.create_order(order)
    assert "The request is invalid." in info.value.message
    assert "apiOrder.orderDate: The orderDate field is required." in info.value.message
    assert info.value.status == 400 and info.value.method == "POST"
    assert client.call_count == 1


def test_other_client_errors(server, client):
    server.faults.add(status=409)
    with pytest.raises(ShipStationError) as info:
        client.list_orders()
    assert type(info.value) is ShipStationError and info.value.status == 409


@pytest.mark.parametrize("sandbox_options", [{"rate_limit": 2}])
def test_429_waits_for_the_reset_then_succeeds(server, make_client, sleeps, sandbox_options):
    client = make_client(rate_limit_reserve=-1)  # never wait ahead: let the 429 happen
    client.test_connection()
    client.test_connection()
    assert client.test_connection() is True
    assert [r.status for r in server.requests] == [200, 200, 429, 200]
    assert sleeps == [60.5]  # X-Rate-Limit-Reset 60 + margin
    assert client.call_count == 4


@pytest.mark.parametrize("sandbox_options", [{"rate_limit": 1}])
def test_429_past_the_budget(server, make_client, sleeps, sandbox_options):
    client = make_client(rate_limit_reserve=-1, max_wait=5, max_retries=2)
    client.test_connection()
    with pytest.raises(RateLimitError) as info:
        client.test_connection()
    assert sleeps == [5, 5]  # capped by max_wait
    assert info.value.retry_after == 50  # 60 s window, 10 s already waited
    assert info.value.status == 429
    assert [r.status for r in server.requests] == [200, 429, 429, 429]


@pytest.mark.parametrize("sandbox_options", [{"rate_limit": 3}])
def test_waits_before_the_limit_is_hit(server, make_client, clock, sleeps, sandbox_options):
    client = make_client()
    for _ in range(3):
        client.test_connection()
        clock.advance(10)
    assert client.rate_limit_remaining == 0
    assert sleeps == []
    client.test_connection()
    # Window started at t=0; Reset was 40 s at t=20; now t=30: 30 s + margin left.
    assert sleeps == [pytest.approx(30.5)]
    client.test_connection()
    assert [r.status for r in server.requests] == [200] * 5
    assert len(sleeps) == 1


def test_server_errors_are_retried_with_backoff(server, client, sleeps):
    server.store.add_order(orderNumber="R1", items=ITEMS)
    server.faults.add(status=500, count=2, path="/orders")
    assert [o["orderNumber"] for o in client.list_orders()] == ["R1"]
    assert sleeps == [1.0, 2.0]
    assert client.call_count == 3 == server.count("GET", "/orders")


def test_server_error_past_the_budget(server, client, sleeps):
    server.faults.add(status=500, count=None)
    with pytest.raises(ServerError) as info:
        client.get_order(1)
    assert info.value.message == (
        "ShipStation server error (HTTP 500): An error has occurred. Simulated failure (sandbox fault)."
    )
    assert info.value.status == 500
    assert client.call_count == 4
    assert sleeps == [1.0, 2.0, 4.0]


def test_gateway_error_body_is_html(server, make_client):
    server.faults.add(status=503, count=None)
    client = make_client(max_retries=0)
    with pytest.raises(ServerError) as info:
        client.list_fulfillments()
    assert info.value.message == "ShipStation server error (HTTP 503): 503 Service Unavailable 503 Service Unavailable"


def test_a_503_tells_when_to_come_back(server, make_client):
    server.faults.add(status=503, count=None, headers={"Retry-After": "30"})
    with pytest.raises(ServerError) as info:
        make_client(max_retries=0).list_fulfillments()
    assert info.value.retry_after == 30
    server.faults.clear()
    server.faults.add(status=500)
    with pytest.raises(ServerError) as info:
        make_client(max_retries=0).list_fulfillments()
    assert info.value.retry_after is None


def test_a_429_past_the_budget_says_what_retry_after_said(server, make_client, sleeps):
    server.faults.add(status=429, count=None, headers={"Retry-After": "37"})
    with pytest.raises(RateLimitError) as info:
        make_client(max_retries=1).list_fulfillments()
    assert sleeps == [37.5]  # Retry-After + margin between the two tries
    assert info.value.retry_after == 37


def test_connection_refused(make_client, sleeps):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = make_client(base_url="http://127.0.0.1:%s" % port, max_retries=2)
    with pytest.raises(NetworkError) as info:
        client.list_orders()
    assert info.value.status is None and info.value.method == "GET"
    assert client.call_count == 3
    assert sleeps == [1.0, 2.0]
    # In words: the address tried and why, none of urllib3's internals.
    assert info.value.message == (
        "Could not reach http://127.0.0.1:%s: the connection was refused (nothing answers at that address and port)"
        % port
    )
    assert "HTTPConnectionPool" not in str(info.value) and "object at 0x" not in str(info.value)


def test_timeout(server, make_client):
    server.faults.add(delay=0.5, count=None)
    client = make_client(timeout=0.05, max_retries=1)
    started = time.monotonic()
    with pytest.raises(NetworkError):
        client.list_orders()
    assert time.monotonic() - started < 0.4
    assert client.call_count == 2


def test_blocked_request_is_not_retried(make_client, sleeps):
    class BlockedRequest(requests.exceptions.ConnectionError):
        """Stand-in for the exception Odoo's test framework raises for external HTTP."""

    class BlockingSession(requests.Session):
        def request(self, method, url, *args, **kwargs):
            raise BlockedRequest("External requests verboten in tests: %s" % url)

    client = make_client(session=BlockingSession(), base_url="https://ssapi.shipstation.com")
    with pytest.raises(NetworkError, match="verboten"):
        client.list_orders()
    assert client.call_count == 1 and sleeps == []


def test_malformed_json(server, client):
    server.faults.add(malformed=True)
    with pytest.raises(MalformedResponseError) as info:
        client.list_orders()
    assert info.value.status == 200
    assert client.call_count == 1


@pytest.mark.parametrize(
    "body, call",
    [
        ({"total": 0, "page": 1, "pages": 0}, "list_orders"),
        ({"shipments": {"shipmentId": 1}, "pages": 1}, "list_shipments"),
        ([1, 2, 3], "list_fulfillments"),
        (["an", "order"], "get_order"),
        ({"hasErrors": False}, "create_orders"),
        ({"Message": "ok"}, "test_connection"),
    ],
)
def test_wrongly_shaped_answers(server, client, body, call):
    server.faults.add(status=200, body=body)
    args = {"get_order": (1,), "create_orders": ([new_order("X")],)}.get(call, ())
    with pytest.raises(MalformedResponseError):
        getattr(client, call)(*args)


def test_records_that_cannot_be_read_are_set_aside_or_flagged_never_raised(server, client):
    body = {
        "orders": [
            "not a record",
            {"orderId": 1, "createDate": "yesterday-ish"},
            {"orderId": 2, "shipDate": "06/03/2024"},
            {"orderId": 3, "modifyDate": "9999-12-31T23:59:59.9999999", "createDate": "0001-01-01T00:00:00"},
        ],
        "total": 4,
        "pages": 1,
    }
    server.faults.add(status=200, body=body)
    orders = client.list_orders()
    assert client.set_aside == 1
    assert [o["orderId"] for o in orders] == [1, 2, 3]
    assert orders[0]["_unreadable"] == [("createDate", "yesterday-ish")] and orders[0]["createDate"] is None
    assert orders[1]["_unreadable"] == [("shipDate", "06/03/2024")]
    assert "_unreadable" not in orders[2] and orders[2]["modifyDate"] is None and orders[2]["createDate"] is None
    server.faults.add(status=200, body={"orderId": 1, "modifyDate": 12})
    assert client.get_order(1)["_unreadable"] == [("modifyDate", 12)]


def test_an_entry_that_is_no_record_does_not_end_the_reading(server, make_client):
    full = {"orders": [{"orderId": 1}, "not a record"], "total": None}
    server.faults.add(status=200, path="/orders", body=full)
    server.faults.add(status=200, path="/orders", body={"orders": [{"orderId": 3}], "total": None})
    client = make_client(page_size=2)
    assert [o["orderId"] for o in client.list_orders()] == [1, 3]
    assert client.set_aside == 1


def test_odd_ids_and_numbers_never_raise_untyped(server, make_client):
    body = {"orders": [{"orderId": [1]}, {"orderId": {"a": 1}}], "total": "1e999"}
    server.faults.add(status=200, path="/orders", body=body)
    assert len(make_client().list_orders()) == 2
    with pytest.raises(NetworkError):
        make_client(base_url="no-scheme.example").list_orders()


def test_secret_never_leaks(server, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    token = base64.b64encode(("%s:%s" % (KEY, SECRET)).encode()).decode()
    failures = []
    client = make_client(max_retries=1)
    server.faults.add(status=500, count=2)
    server.faults.add(malformed=True)
    for call in (client.list_orders, client.list_orders, lambda: client.get_order(9)):
        with pytest.raises(ShipStationError) as info:
            call()
        failures.append(info.value)
    with pytest.raises(AuthenticationError) as info:
        make_client(api_secret=SECRET + "x").test_connection()
    failures.append(info.value)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = "http://127.0.0.1:%s" % sock.getsockname()[1]
    with pytest.raises(NetworkError) as info:
        make_client(base_url=url, max_retries=1).test_connection()
    failures.append(info.value)
    texts = [repr(client), str(client.session.headers), str(vars(client))]
    for exc in failures:
        texts += [str(exc), repr(exc), repr(exc.args), str(exc.__cause__), str(exc.url)]
    texts += [record.getMessage() for record in caplog.records]
    assert any("Retrying" in t or "-> 500" in t for t in texts)
    for text in texts:
        assert SECRET not in text and token not in text


def test_context_manager_closes_its_session(server):
    with ShipStationClient(KEY, SECRET, server.url) as client:
        assert client.test_connection()
        adapter = client.session.get_adapter(server.url)
        assert adapter.poolmanager.pools
    assert not adapter.poolmanager.pools
