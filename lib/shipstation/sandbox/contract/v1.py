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
* https://docs.shipstation.com/apis/shipstation-v1/docs/fulfillments/list
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


def _nullable(schema):
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return dict(schema, type=[schema["type"], "null"])


def _ref(name):
    return {"$ref": "#/$defs/%s" % name}


def _object(properties, required=(), closed=False):
    schema = {"type": "object", "properties": properties, "required": list(required)}
    if closed:
        schema["additionalProperties"] = False
    return schema


STRING = {"type": "string"}
N_STRING = _nullable(STRING)
N_NUMBER = {"type": ["number", "null"]}
N_INT = {"type": ["integer", "null"]}
BOOL = {"type": "boolean"}
N_BOOL = {"type": ["boolean", "null"]}
#: v1 timestamps: ``2015-06-29T12:00:00.0000000`` (Pacific time, no offset), or a date.
TIMESTAMP = {"type": ["string", "null"]}
ORDER_STATUSES = ["awaiting_payment", "awaiting_shipment", "pending_fulfillment", "shipped", "on_hold", "cancelled"]
LIST_QUERY = {"page": {"type": "integer", "minimum": 1}, "pageSize": {"type": "integer", "minimum": 1, "maximum": 500}}

DEFS = {
    "address": _object(
        {
            "name": N_STRING,
            "company": N_STRING,
            "street1": N_STRING,
            "street2": N_STRING,
            "street3": N_STRING,
            "city": N_STRING,
            "state": N_STRING,
            "postalCode": N_STRING,
            "country": N_STRING,
            "phone": N_STRING,
            "residential": N_BOOL,
            "addressVerified": dict(N_STRING, readOnly=True),
        }
    ),
    "weight": _object(
        {
            "value": {"type": "number", "minimum": 0},
            "units": {"enum": ["pounds", "ounces", "grams"]},
            "WeightUnits": dict(N_INT, readOnly=True),
        },
        required=("value", "units"),
    ),
    "item_option": _object({"name": N_STRING, "value": N_STRING}),
    "item": _object(
        {
            "orderItemId": dict(N_INT, readOnly=True),
            "lineItemKey": N_STRING,
            "sku": N_STRING,
            "name": N_STRING,
            "imageUrl": N_STRING,
            "weight": _nullable(_ref("weight")),
            "quantity": {"type": "integer", "minimum": 0},
            "unitPrice": N_NUMBER,
            "taxAmount": N_NUMBER,
            "shippingAmount": N_NUMBER,
            "warehouseLocation": N_STRING,
            "options": {"type": ["array", "null"], "items": _ref("item_option")},
            "productId": N_INT,
            "fulfillmentSku": N_STRING,
            "adjustment": BOOL,
            "upc": N_STRING,
            "createDate": dict(TIMESTAMP, readOnly=True),
            "modifyDate": dict(TIMESTAMP, readOnly=True),
        }
    ),
    "advanced_options": _object(
        {
            "warehouseId": N_INT,
            "nonMachinable": BOOL,
            "saturdayDelivery": BOOL,
            "containsAlcohol": BOOL,
            "mergedOrSplit": dict(BOOL, readOnly=True),
            "mergedIds": {"type": ["array", "null"], "items": {"type": "integer"}, "readOnly": True},
            "parentId": dict(N_INT, readOnly=True),
            "storeId": N_INT,
            "customField1": N_STRING,
            "customField2": N_STRING,
            "customField3": N_STRING,
            "source": N_STRING,
            "billToParty": N_STRING,
            "billToAccount": N_STRING,
            "billToPostalCode": N_STRING,
            "billToCountryCode": N_STRING,
            "billToMyOtherAccount": {},
        }
    ),
    "order": _object(
        {
            "orderId": dict(N_INT, readOnly=True),
            "orderNumber": STRING,
            "orderKey": N_STRING,
            "orderDate": TIMESTAMP,
            "createDate": dict(TIMESTAMP, readOnly=True),
            "modifyDate": dict(TIMESTAMP, readOnly=True),
            "paymentDate": TIMESTAMP,
            "shipByDate": TIMESTAMP,
            "orderStatus": {"enum": ORDER_STATUSES},
            "customerId": dict(N_INT, readOnly=True),
            "customerUsername": N_STRING,
            "customerEmail": N_STRING,
            "billTo": _ref("address"),
            "shipTo": _ref("address"),
            "items": {"type": ["array", "null"], "items": _ref("item")},
            "orderTotal": dict(N_NUMBER, readOnly=True),
            "amountPaid": N_NUMBER,
            "taxAmount": N_NUMBER,
            "shippingAmount": N_NUMBER,
            "customerNotes": N_STRING,
            "internalNotes": N_STRING,
            "gift": BOOL,
            "giftMessage": N_STRING,
            "paymentMethod": N_STRING,
            "requestedShippingService": N_STRING,
            "carrierCode": N_STRING,
            "serviceCode": N_STRING,
            "packageCode": N_STRING,
            "confirmation": N_STRING,
            "shipDate": TIMESTAMP,
            "holdUntilDate": TIMESTAMP,
            "weight": _nullable(_ref("weight")),
            "dimensions": {"type": ["object", "null"]},
            "insuranceOptions": {"type": ["object", "null"]},
            "internationalOptions": {"type": ["object", "null"]},
            "advancedOptions": _nullable(_ref("advanced_options")),
            "tagIds": {"type": ["array", "null"], "items": {"type": "integer"}},
            "userId": N_STRING,
            "externallyFulfilled": dict(BOOL, readOnly=True),
            "externallyFulfilledBy": dict(N_STRING, readOnly=True),
        }
    ),
    "shipment": _object(
        {
            "shipmentId": {"type": "integer"},
            "orderId": N_INT,
            "orderKey": N_STRING,
            "userId": N_STRING,
            "customerEmail": N_STRING,
            "orderNumber": N_STRING,
            "createDate": TIMESTAMP,
            "shipDate": TIMESTAMP,
            "shipmentCost": N_NUMBER,
            "insuranceCost": N_NUMBER,
            "trackingNumber": N_STRING,
            "isReturnLabel": BOOL,
            "batchNumber": N_STRING,
            "carrierCode": N_STRING,
            "serviceCode": N_STRING,
            "packageCode": N_STRING,
            "confirmation": N_STRING,
            "warehouseId": N_INT,
            "voided": BOOL,
            "voidDate": TIMESTAMP,
            "marketplaceNotified": BOOL,
            "notifyErrorMessage": N_STRING,
            "shipTo": _nullable(_ref("address")),
            "weight": _nullable(_ref("weight")),
            "dimensions": {"type": ["object", "null"]},
            "insuranceOptions": {"type": ["object", "null"]},
            "advancedOptions": {"type": ["object", "null"]},
            # The items of a shipment are order items (``shipmentItems`` is null without
            # ``includeShipmentItems=true``).
            "shipmentItems": {"type": ["array", "null"], "items": _ref("item_answer")},
            "labelData": N_STRING,
            "formData": N_STRING,
        }
    ),
    "fulfillment": _object(
        {
            "fulfillmentId": {"type": "integer"},
            "orderId": N_INT,
            "orderNumber": N_STRING,
            "userId": N_STRING,
            "customerEmail": N_STRING,
            "trackingNumber": N_STRING,
            "createDate": TIMESTAMP,
            "shipDate": TIMESTAMP,
            "voidDate": TIMESTAMP,
            "deliveryDate": TIMESTAMP,
            "carrierCode": N_STRING,
            "sellerFillProviderId": N_INT,
            "sellerFillProviderName": N_STRING,
            "fulfillmentServiceCode": N_STRING,
            "fulfillmentProviderCode": N_STRING,
            "fulfillmentFee": N_NUMBER,
            "voidRequested": BOOL,
            "voided": BOOL,
            "marketplaceNotified": BOOL,
            "notifyErrorMessage": N_STRING,
            "shipTo": _nullable(_ref("address")),
        }
    ),
    "webhook": _object(
        {
            "IsLabelAPIHook": BOOL,
            "WebHookID": {"type": "integer"},
            "SellerID": N_INT,
            "StoreID": N_INT,
            "HookType": STRING,
            "MessageFormat": N_STRING,
            "Url": STRING,
            "Name": N_STRING,
            "BulkCopyBatchID": N_STRING,
            "BulkCopyRecordID": N_STRING,
            "Active": BOOL,
            "WebhookLogs": {"type": ["array", "null"]},
            "Seller": {},
            "Store": {},
        },
        required=("WebHookID", "HookType", "Url"),
    ),
    "error": _object(
        {"Message": STRING, "ModelState": {"type": "object"}, "ExceptionMessage": N_STRING},
        required=("Message",),
    ),
}
# Answers carry every field of their model (ASP.NET serialises them all).
ANSWER_DEFS = {
    "order_answer": {"allOf": [_ref("order")], "required": sorted(DEFS["order"]["properties"])},
    "item_answer": {"allOf": [_ref("item")], "required": sorted(DEFS["item"]["properties"])},
    "shipment_answer": {"allOf": [_ref("shipment")], "required": sorted(DEFS["shipment"]["properties"])},
    "fulfillment_answer": {"allOf": [_ref("fulfillment")], "required": sorted(DEFS["fulfillment"]["properties"])},
}
DEFS.update(ANSWER_DEFS)
DEFS["order_answer"]["properties"] = {"items": {"type": "array", "items": _ref("item_answer")}}


def _page_of(key, item):
    return _object(
        {
            key: {"type": "array", "items": _ref(item)},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 0},
        },
        required=(key, "total", "page", "pages"),
    )


def _query(properties, required=()):
    return _object(dict(LIST_QUERY, **properties) if "page" not in properties else properties, required, closed=True)


#: Create-order request: the order's fields, the documented minimum required.
CREATE_ORDER = {
    "allOf": [_ref("order")],
    "required": ["orderNumber", "orderDate", "orderStatus", "billTo", "shipTo"],
}
CREATE_RESULT = _object(
    {
        "orderId": N_INT,
        "orderNumber": N_STRING,
        "orderKey": N_STRING,
        "success": BOOL,
        "errorMessage": N_STRING,
    },
    required=("orderId", "orderNumber", "orderKey", "success", "errorMessage"),
)
ERRORS = {"400": _ref("error"), "404": _ref("error"), "500": _ref("error")}

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
        "responses": dict(ERRORS, **{"200": _ref("order_answer")}),
    },
    "POST /orders/createorder": {
        "query": _object({}, closed=True),
        "body": CREATE_ORDER,
        "responses": dict(ERRORS, **{"200": _ref("order_answer")}),
    },
    "POST /orders/createorders": {
        "query": _object({}, closed=True),
        "body": {"type": "array", "minItems": 1, "maxItems": 100, "items": CREATE_ORDER},
        "responses": dict(
            ERRORS,
            **{
                "200": _object(
                    {"hasErrors": BOOL, "results": {"type": "array", "items": CREATE_RESULT}},
                    required=("hasErrors", "results"),
                )
            },
        ),
    },
    "POST /orders/markasshipped": {
        "query": _object({}, closed=True),
        "body": _object(
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
            **{"200": _object({"orderId": {"type": "integer"}, "orderNumber": N_STRING}, required=("orderId",))},
        ),
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
        "query": _object({}, closed=True),
        "body": _object({"shipmentId": {"type": "integer"}}, required=("shipmentId",)),
        "responses": dict(
            ERRORS, **{"200": _object({"approved": BOOL, "message": N_STRING}, required=("approved", "message"))}
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
        "query": _object({}, closed=True),
        "responses": dict(
            ERRORS,
            **{"200": _object({"webhooks": {"type": "array", "items": _ref("webhook")}}, required=("webhooks",))},
        ),
    },
    "POST /webhooks/subscribe": {
        "query": _object({}, closed=True),
        "body": _object(
            {"target_url": STRING, "event": STRING, "store_id": N_INT, "friendly_name": N_STRING},
            required=("target_url", "event"),
        ),
        "responses": dict(
            ERRORS, **{"200": _object({"id": {"type": ["integer", "string"]}}, required=("id",)), "201": {}}
        ),
    },
    "DELETE /webhooks/{webhookId}": {
        "query": _object({}, closed=True),
        "responses": dict(ERRORS, **{"200": None, "204": None}),
    },
}

CONTRACT = {
    "source": __doc__.split("\n\n")[1],
    "endpoints": ENDPOINTS,
    "$defs": DEFS,
}
