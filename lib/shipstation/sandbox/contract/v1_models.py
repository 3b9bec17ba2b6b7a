"""ShipStation API v1's models (orders, items, addresses, shipments, fulfillments, webhooks)
as JSON Schema, for the v1 contract (:mod:`.v1`, whose docstring names the sources).

An answer carries every field of its model (ASP.NET serialises them all, null when empty):
the ``*_answer`` schemas require them all; a request may leave optional fields out.
"""


def nullable(schema):
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return dict(schema, type=[schema["type"], "null"])


def ref(name):
    return {"$ref": "#/$defs/%s" % name}


def obj(properties, required=(), closed=False):
    schema = {"type": "object", "properties": properties, "required": list(required)}
    if closed:
        schema["additionalProperties"] = False
    return schema


STRING = {"type": "string"}
N_STRING = nullable(STRING)
N_NUMBER = {"type": ["number", "null"]}
N_INT = {"type": ["integer", "null"]}
BOOL = {"type": "boolean"}
N_BOOL = {"type": ["boolean", "null"]}
#: v1 timestamps: ``2015-06-29T12:00:00.0000000`` (Pacific time, no offset), or a date.
TIMESTAMP = {"type": ["string", "null"]}
ORDER_STATUSES = ["awaiting_payment", "awaiting_shipment", "pending_fulfillment", "shipped", "on_hold", "cancelled"]
LIST_QUERY = {"page": {"type": "integer", "minimum": 1}, "pageSize": {"type": "integer", "minimum": 1, "maximum": 500}}

DEFS = {
    "address": obj(
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
    "weight": obj(
        {
            "value": {"type": "number", "minimum": 0},
            "units": {"enum": ["pounds", "ounces", "grams"]},
            "WeightUnits": dict(N_INT, readOnly=True),
        },
        required=("value", "units"),
    ),
    "item_option": obj({"name": N_STRING, "value": N_STRING}),
    "item": obj(
        {
            "orderItemId": dict(N_INT, readOnly=True),
            "lineItemKey": N_STRING,
            "sku": N_STRING,
            "name": N_STRING,
            "imageUrl": N_STRING,
            "weight": nullable(ref("weight")),
            "quantity": {"type": "integer", "minimum": 0},
            "unitPrice": N_NUMBER,
            "taxAmount": N_NUMBER,
            "shippingAmount": N_NUMBER,
            "warehouseLocation": N_STRING,
            "options": {"type": ["array", "null"], "items": ref("item_option")},
            "productId": N_INT,
            "fulfillmentSku": N_STRING,
            "adjustment": BOOL,
            "upc": N_STRING,
            "createDate": dict(TIMESTAMP, readOnly=True),
            "modifyDate": dict(TIMESTAMP, readOnly=True),
        }
    ),
    "advanced_options": obj(
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
    "order": obj(
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
            "billTo": ref("address"),
            "shipTo": ref("address"),
            "items": {"type": ["array", "null"], "items": ref("item")},
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
            "weight": nullable(ref("weight")),
            "dimensions": {"type": ["object", "null"]},
            "insuranceOptions": {"type": ["object", "null"]},
            "internationalOptions": {"type": ["object", "null"]},
            "advancedOptions": nullable(ref("advanced_options")),
            "tagIds": {"type": ["array", "null"], "items": {"type": "integer"}},
            "userId": N_STRING,
            "externallyFulfilled": dict(BOOL, readOnly=True),
            "externallyFulfilledBy": dict(N_STRING, readOnly=True),
        }
    ),
    "shipment": obj(
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
            "shipTo": nullable(ref("address")),
            "weight": nullable(ref("weight")),
            "dimensions": {"type": ["object", "null"]},
            "insuranceOptions": {"type": ["object", "null"]},
            "advancedOptions": {"type": ["object", "null"]},
            # The items of a shipment are order items (``shipmentItems`` is null without
            # ``includeShipmentItems=true``).
            "shipmentItems": {"type": ["array", "null"], "items": ref("item_answer")},
            "labelData": N_STRING,
            "formData": N_STRING,
        }
    ),
    "fulfillment": obj(
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
            "shipTo": nullable(ref("address")),
        }
    ),
    "webhook": obj(
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
    "error": obj(
        {"Message": STRING, "ModelState": {"type": "object"}, "ExceptionMessage": N_STRING},
        required=("Message",),
    ),
}
# Answers carry every field of their model (ASP.NET serialises them all).
ANSWER_DEFS = {
    "order_answer": {"allOf": [ref("order")], "required": sorted(DEFS["order"]["properties"])},
    "item_answer": {"allOf": [ref("item")], "required": sorted(DEFS["item"]["properties"])},
    "shipment_answer": {"allOf": [ref("shipment")], "required": sorted(DEFS["shipment"]["properties"])},
    "fulfillment_answer": {"allOf": [ref("fulfillment")], "required": sorted(DEFS["fulfillment"]["properties"])},
}
DEFS.update(ANSWER_DEFS)
DEFS["order_answer"]["properties"] = {"items": {"type": "array", "items": ref("item_answer")}}
