"""Constants and plain helpers of the client tests (the fixtures are in ``conftest.py``)."""

from datetime import datetime, timezone

KEY = "key-4711"
SECRET = "s3cr3t-Do-Not-Leak-9f8e7d"
UTC = timezone.utc
ITEMS = [
    {"sku": "MUG", "name": "Mug", "quantity": 2, "unitPrice": 9.5},
    {"sku": "CAP", "name": "Cap", "quantity": 1, "unitPrice": 15.0},
]


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def add_orders(server, count, prefix="SO", **fields):
    return [
        server.store.add_order(orderNumber="%s%03d" % (prefix, n), items=ITEMS, **fields) for n in range(1, count + 1)
    ]


def api_requests(server, path=None):
    return [r for r in server.requests if path is None or r.path == path]


def new_order(number, **fields):
    order = {
        "orderNumber": number,
        "orderDate": utc(2024, 6, 3, 10, 0),
        "orderStatus": "awaiting_shipment",
        "billTo": {"name": "Ada"},
        "shipTo": {"name": "Ada", "street1": "1 Main St", "city": "Austin", "country": "US"},
        "items": [{"sku": "MUG", "name": "Mug", "quantity": 1, "unitPrice": 9.5}],
    }
    order.update(fields)
    return order
