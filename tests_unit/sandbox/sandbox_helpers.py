"""Constants and plain helpers of the sandbox tests (the fixtures are in ``conftest.py``)."""

import os
import uuid
from datetime import datetime, timezone

import requests

from shipstation.timeutil import to_ss_datetime

LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "lib")
T0 = datetime(2024, 6, 3, 17, 0, tzinfo=timezone.utc)  # 10:00 PDT
SHIP_TO = {
    "name": "Emily Carter",
    "street1": "1428 Elm Street",
    "city": "Springfield",
    "state": "IL",
    "postalCode": "62704",
    "country": "US",
}
ITEMS = [{"sku": "SS-MUG", "quantity": 3, "unitPrice": 14.0}, {"sku": "SS-CAP", "quantity": 2, "unitPrice": 18.5}]


class Api:
    """Tiny authenticated client: ``api.get("/orders", orderNumber="X")`` returns the response."""

    def __init__(self, server, auth=("key", "secret")):
        self.server, self.session = server, requests.Session()
        self.session.auth = auth

    def get(self, path, **params):
        return self.session.get(self.server.url + path, params=params, timeout=5)

    def post(self, path, body=None, **kwargs):
        return self.session.post(self.server.url + path, json=body, timeout=kwargs.pop("timeout", 5), **kwargs)

    def rows(self, path, **params):
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()[path.strip("/")]


def order(store, number, **fields):
    fields.setdefault("shipTo", SHIP_TO)
    fields.setdefault("billTo", {"name": "Emily Carter"})
    fields.setdefault("items", [dict(i) for i in ITEMS])
    return store.add_order(orderNumber=number, **fields)


def pacific(dt):
    return to_ss_datetime(dt)


def payload(number, key=None, **extra):
    body = {
        "orderNumber": number,
        "orderDate": "2024-06-01 08:00:00",
        "orderStatus": "awaiting_shipment",
        "billTo": {"name": "Emily Carter"},
        "shipTo": SHIP_TO,
        "items": [dict(i) for i in ITEMS],
    }
    if key:
        body["orderKey"] = key
    body.update(extra)
    return body


V2_KEY = "v2-key"  # SandboxServer's default api_key_v2


class V2Api:
    """Tiny API v2 client (``API-Key`` header): ``v2.get("/v2/shipments", page_size=5)``."""

    def __init__(self, server, key=V2_KEY):
        self.server, self.session = server, requests.Session()
        if key is not None:
            self.session.headers["API-Key"] = key

    def get(self, path, **params):
        return self.session.get(self.server.url + path, params=params, timeout=5)

    def put(self, path):
        return self.session.put(self.server.url + path, timeout=5)

    def post(self, path, body):
        return self.session.post(self.server.url + path, json=body, timeout=5)

    def rows(self, path, **params):
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()[path.rsplit("/", 1)[-1]]


def assert_v2_error(response, status, error_type, error_code):
    """The response is v2's error envelope with one error of this type and code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"request_id", "errors"}
    uuid.UUID(body["request_id"])
    [error] = body["errors"]
    assert error["error_source"] == "ShipStation"
    assert (error["error_type"], error["error_code"]) == (error_type, error_code)
    assert error["message"]
    return error
