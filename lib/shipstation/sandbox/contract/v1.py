"""The project's contract of ShipStation API v1: one entry per endpoint it calls or serves.

ShipStation publishes no machine-readable v1 schema the project could derive from, so this
one is written by hand from ShipStation's v1 documentation (the field lists of its models and
endpoint pages):

* https://docs.shipstation.com/apis/shipstation-v1/docs/models/order (orders, items,
  addresses, weights, advanced options)
* https://docs.shipstation.com/apis/shipstation-v1/docs/shipments/list (shipments and their
  ``shipmentItems``; ``includeShipmentItems``)
* https://docs.shipstation.com/apis/shipstation-v1/docs/orders/create-update-order,
  ``.../create-update-multiple-orders`` (at most 100), ``.../mark-order-as-shipped``
* https://docs.shipstation.com/apis/shipstation-v1/docs/orders/hold-order-until,
  ``.../restore-from-hold`` (``{orderId, holdUntilDate}`` / ``{orderId}`` in, ``{success, message}`` out)
* https://docs.shipstation.com/apis/shipstation-v1/docs/fulfillments/list
* https://docs.shipstation.com/apis/shipstation-v1/docs/carriers/list (a bare array of carriers)
* https://docs.shipstation.com/apis/shipstation-v1/docs/webhooks/subscribe, ``.../list``,
  ``.../unsubscribe``

Rules the project takes from how v1 answers (ASP.NET Web API): an answer carries every field
of its model (``null`` when empty), so every documented field is *required* in an answer and
nullable where the docs allow none; a request may leave optional fields out. v1 ignores
fields it does not know, so undeclared request fields are refused only in strict mode.

Each entry: ``query`` (the parameters, all strings on the wire), ``body`` (the JSON request),
``responses`` (status → schema, ``None`` for no body). Schemas are JSON Schema 2020-12;
``readOnly`` marks what ShipStation computes (refused in a request in strict mode).
"""

from .v1_models import (
    BOOL,
    DEFS,
    LIST_QUERY,
    N_INT,
    N_NUMBER,
    N_STRING,
    ORDER_STATUSES,
    STRING,
    obj,
    ref,
)


def _page_of(key, item):
    return obj(
        {
            key: {"type": "array", "items": ref(item)},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 0},
        },
        required=(key, "total", "page", "pages"),
    )


def _query(properties, required=()):
    return obj(dict(LIST_QUERY, **properties) if "page" not in properties else properties, required, closed=True)


#: Create-order request: the order's fields, the documented minimum required.
CREATE_ORDER = {
    "allOf": [ref("order")],
    "required": ["orderNumber", "orderDate", "orderStatus", "billTo", "shipTo"],
}
CREATE_RESULT = obj(
    {
        "orderId": N_INT,
        "orderNumber": N_STRING,
        "orderKey": N_STRING,
        "success": BOOL,
        "errorMessage": N_STRING,
    },
    required=("orderId", "orderNumber", "orderKey", "success", "errorMessage"),
)
ERRORS = {"400": ref("error"), "404": ref("error"), "500": ref("error")}
#: The answer of the hold and restore calls.
SUCCESS = obj({"success": BOOL, "message": N_STRING}, required=("success", "message"))
#: One carrier of ``GET /carriers``.
CARRIER = obj(
    {
        "name": STRING,
        "code": STRING,
        "accountNumber": N_STRING,
        "requiresFundedAccount": BOOL,
        "balance": N_NUMBER,
        "nickname": N_STRING,
        "shippingProviderId": {"type": "integer"},
        "primary": BOOL,
    },
    required=(
        "name",
        "code",
        "accountNumber",
        "requiresFundedAccount",
        "balance",
        "nickname",
        "shippingProviderId",
        "primary",
    ),
)

ENDPOINTS = {
    "GET /orders": {
        "query": _query(
            {
                "customerName": STRING,
                "itemKeyword": STRING,
                "createDateStart": STRING,
                "createDateEnd": STRING,
                "modifyDateStart": STRING,
                "modifyDateEnd": STRING,
                "orderDateStart": STRING,
                "orderDateEnd": STRING,
                "paymentDateStart": STRING,
                "paymentDateEnd": STRING,
                "orderNumber": STRING,
                "orderStatus": {"enum": ORDER_STATUSES},
                "storeId": {"type": "integer"},
                "sortBy": {"enum": ["OrderDate", "ModifyDate", "CreateDate"]},
                "sortDir": {"enum": ["ASC", "DESC"]},
                # The resource_url of an ORDER_NOTIFY webhook (v1 webhook docs) names its import.
                "importBatch": STRING,
            }
        ),
        "responses": dict(ERRORS, **{"200": _page_of("orders", "order_answer")}),
    },
    "GET /orders/{orderId}": {
        "query": _query({}),
        "responses": dict(ERRORS, **{"200": ref("order_answer")}),
    },
    "POST /orders/createorder": {
        "query": obj({}, closed=True),
        "body": CREATE_ORDER,
        "responses": dict(ERRORS, **{"200": ref("order_answer")}),
    },
    "POST /orders/createorders": {
        "query": obj({}, closed=True),
        "body": {"type": "array", "minItems": 1, "maxItems": 100, "items": CREATE_ORDER},
        "responses": dict(
            ERRORS,
            **{
                "200": obj(
                    {"hasErrors": BOOL, "results": {"type": "array", "items": CREATE_RESULT}},
                    required=("hasErrors", "results"),
                )
            },
        ),
    },
    "POST /orders/markasshipped": {
        "query": obj({}, closed=True),
        "body": obj(
            {
                "orderId": {"type": "integer"},
                "carrierCode": STRING,
                "shipDate": N_STRING,
                "trackingNumber": N_STRING,
                "notifyCustomer": BOOL,
                "notifySalesChannel": BOOL,
            },
            required=("orderId", "carrierCode"),
        ),
        "responses": dict(
            ERRORS,
            **{"200": obj({"orderId": {"type": "integer"}, "orderNumber": N_STRING}, required=("orderId",))},
        ),
    },
    "POST /orders/holduntil": {
        "query": obj({}, closed=True),
        "body": obj({"orderId": {"type": "integer"}, "holdUntilDate": STRING}, required=("orderId", "holdUntilDate")),
        "responses": dict(ERRORS, **{"200": SUCCESS}),
    },
    "POST /orders/restorefromhold": {
        "query": obj({}, closed=True),
        "body": obj({"orderId": {"type": "integer"}}, required=("orderId",)),
        "responses": dict(ERRORS, **{"200": SUCCESS}),
    },
    "GET /carriers": {
        "query": obj({}, closed=True),
        "responses": dict(ERRORS, **{"200": {"type": "array", "items": CARRIER}}),
    },
    "GET /shipments": {
        "query": _query(
            {
                "recipientName": STRING,
                "recipientCountryCode": STRING,
                "orderNumber": STRING,
                "orderId": {"type": "integer"},
                "carrierCode": STRING,
                "serviceCode": STRING,
                "trackingNumber": STRING,
                "createDateStart": STRING,
                "createDateEnd": STRING,
                "shipDateStart": STRING,
                "shipDateEnd": STRING,
                "voidDateStart": STRING,
                "voidDateEnd": STRING,
                "storeId": {"type": "integer"},
                "includeShipmentItems": {"type": "boolean"},
                "sortBy": {"enum": ["ShipDate", "CreateDate"]},
                "sortDir": {"enum": ["ASC", "DESC"]},
                # The resource_url of a SHIP_NOTIFY webhook (v1 webhook docs) names its batch.
                "batchId": STRING,
            }
        ),
        "responses": dict(ERRORS, **{"200": _page_of("shipments", "shipment_answer")}),
    },
    "POST /shipments/voidlabel": {
        "query": obj({}, closed=True),
        "body": obj({"shipmentId": {"type": "integer"}}, required=("shipmentId",)),
        "responses": dict(
            ERRORS, **{"200": obj({"approved": BOOL, "message": N_STRING}, required=("approved", "message"))}
        ),
    },
    "GET /fulfillments": {
        "query": _query(
            {
                "fulfillmentId": {"type": "integer"},
                "orderId": {"type": "integer"},
                "orderNumber": STRING,
                "trackingNumber": STRING,
                "recipientName": STRING,
                "createDateStart": STRING,
                "createDateEnd": STRING,
                "shipDateStart": STRING,
                "shipDateEnd": STRING,
                "sortBy": {"enum": ["ShipDate", "CreateDate"]},
                "sortDir": {"enum": ["ASC", "DESC"]},
                "batchId": STRING,  # a FULFILLMENT_SHIPPED webhook's resource_url
            }
        ),
        "responses": dict(ERRORS, **{"200": _page_of("fulfillments", "fulfillment_answer")}),
    },
    "GET /webhooks": {
        "query": obj({}, closed=True),
        "responses": dict(
            ERRORS,
            **{"200": obj({"webhooks": {"type": "array", "items": ref("webhook")}}, required=("webhooks",))},
        ),
    },
    "POST /webhooks/subscribe": {
        "query": obj({}, closed=True),
        "body": obj(
            {"target_url": STRING, "event": STRING, "store_id": N_INT, "friendly_name": N_STRING},
            required=("target_url", "event"),
        ),
        "responses": dict(ERRORS, **{"200": obj({"id": {"type": ["integer", "string"]}}, required=("id",)), "201": {}}),
    },
    "DELETE /webhooks/{webhookId}": {
        "query": obj({}, closed=True),
        "responses": dict(ERRORS, **{"200": None, "204": None}),
    },
}

CONTRACT = {
    "source": __doc__.split("\n\n")[1],
    "endpoints": ENDPOINTS,
    "$defs": DEFS,
}
