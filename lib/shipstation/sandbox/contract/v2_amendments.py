"""Where the project's v2 contract departs from the published OpenAPI (``v2_spec.json``), and why.

``v2_spec.json`` is derived from ShipStation's published v2 OpenAPI
(``shipstation/mcp-shipstation-api``, ``openapi.yaml``) by ``tools/derive_contract_v2.py`` and
never edited by hand. ShipStation's documentation (docs.shipstation.com) is newer than that
file in places: where the two disagree the contract follows the documentation, and each such
change is one entry below, with its source. Entries marked *judgement* are the project's
reading where neither says it plainly; they are UNCONFIRMED against a real account.

Each entry: ``at`` (the keys leading to a place in the contract), one operation (``set``: keys
set in the object there; ``remove``: keys taken out of it; ``add_enum``: values added to its
``enum``; ``unrequire``: names removed from its ``required``), ``source`` and ``why``.
"""

DOCS = "https://docs.shipstation.com"
#: ShipEngine's two-letter tracking status codes (docs.shipstation.com, tracking).
TRACKING_CODES = {"enum": ["UN", "AC", "IT", "DE", "EX", "AT", "NY", "SP"]}

AMENDMENTS = (
    {
        "at": ("$defs", "create_shipment_request", "properties"),
        "set": {"shipment_number": {"type": ["string", "null"], "minLength": 1, "maxLength": 50}},
        "source": DOCS + "/orders/shipment-numbers",
        "why": "The docs add shipment_number to a new shipment (v1's orderNumber): optional, unique per "
        "account, generated when left out. The published create_shipment_request does not list it. Its "
        "length is v1's orderNumber limit (50).",
    },
    {
        "at": ("$defs", "create_shipment_request", "properties", "external_shipment_id"),
        "remove": ["maxLength"],
        "source": DOCS + "/orders/external-identifiers",
        "why": "The docs (and the published file's own warning on the shipment) say an "
        "external_shipment_id longer than 50 characters is truncated, not refused; answers still "
        "carry at most 50.",
    },
    {
        "at": ("$defs", "shipment_status"),
        "add_enum": ["on_hold"],
        "source": DOCS + "/hold-and-restore-shipments",
        "why": "The docs' hold and restore operations put a shipment in the on_hold status (released to "
        "pending on its hold_until_date); the published enum predates them.",
    },
    {
        "at": ("$defs", "webhook_event"),
        "add_enum": [
            "SHIPMENT_CREATED_V2",
            "LABEL_CREATED_V2",
            "FULFILLMENT_SHIPPED_V2",
            "FULFILLMENT_REJECTED_V2",
            "TRACK_EVENT_V2",
            "BATCH_PROCESSED_V2",
        ],
        "source": "https://help.shipstation.com/hc/en-us/articles/360025856252-ShipStation-Webhooks",
        "why": "ShipStation's webhook events carry the _V2 names its settings and help list (the events "
        "the connector subscribes to); the published enum lists only the lower-case events of the API "
        "it was written from.",
    },
    {
        "at": ("endpoints", "GET /v2/shipments", "query"),
        "unrequire": ["pickup_id"],
        "source": DOCS + "/apis/openapi/shipments/list_shipments",
        "why": "Judgement: the published file marks the pickup_id filter of the shipment list required, "
        "which would make every unfiltered list a 400; the docs describe it as one optional filter among "
        "the others.",
    },
    {
        "at": ("$defs", "create_shipment_response"),
        "unrequire": [
            "shipment_id",
            "created_at",
            "modified_at",
            "shipment_status",
            "ship_to",
            "ship_from",
            "return_to",
            "confirmation",
            "advanced_options",
            "insurance_provider",
            "tags",
            "packages",
            "total_weight",
        ],
        "source": DOCS + "/apis/openapi/shipments/create_shipments",
        "why": "Judgement: the published file makes each entry of the answer a whole shipment, also for "
        "a shipment that was refused and so has no id or dates; the docs describe the refused entries by "
        "their errors. A refused entry carries its external_shipment_id, shipment_number and errors; a "
        "created one is a whole shipment.",
    },
    {
        "at": ("$defs", "service", "properties"),
        "set": {"carrier_code": {"$ref": "#/$defs/carrier_code", "readOnly": True}},
        "source": DOCS + "/apis/openapi/carriers/list_carriers",
        "why": "The published file types a service's carrier_code as an se- id; the docs (and the "
        "carrier it belongs to) give it as the carrier's code (stamps_com, ups).",
    },
    {
        "at": ("$defs", "get_tracking_log_from_label_response_body", "properties"),
        "set": {"status_code": {"anyOf": [{"$ref": "#/$defs/tracking_status_detail_code"}, TRACKING_CODES]}},
        "source": DOCS + "/apis/shipengine/docs/tracking/tracking",
        "why": "The published file gives a tracking answer's status_code the enum of status_detail_code "
        "(DELIVERED...); the docs' tracking page and webhook payloads give ShipEngine's two-letter codes "
        "(UN, AC, IT, DE, EX, AT, NY, SP), the detail being in status_detail_code. Either is taken "
        "(UNCONFIRMED which one ShipStation sends; shipstation.tracking reads both).",
    },
    {
        "at": ("$defs", "get_tracking_log_from_label_response_body", "properties", "events", "items", "properties"),
        "set": {
            "status_code": {"anyOf": [{"$ref": "#/$defs/tracking_status_detail_code"}, TRACKING_CODES]},
            "state_province": {"type": "string", "readOnly": True},
        },
        "source": DOCS + "/apis/shipengine/docs/tracking/tracking",
        "why": "An event's status_code: as the answer's, above. Judgement: the published file requires an "
        "event's state_province at least 2 characters long; an event without a place (label created, no "
        "scan yet) or in a country without states has none, sent as '' (UNCONFIRMED).",
    },
    {
        "at": ("$defs", "shipping_address_to"),
        "unrequire": ["phone", "state_province"],
        "source": "https://docs.shipstation.com/apis/shipstation-v1/docs/models/order",
        "why": "Judgement: a v1 order is a v2 shipment, and v1 orders (from shops, from v1 createorder) "
        "often have no phone and, outside states and provinces, no state: as required fields, they would "
        "make such shipments unreadable. The fields stay at least one character long when present: a "
        "shipment without a phone or state is sent without the field, never with ''.",
    },
)


def _node(contract, at):
    node = contract
    for part in at:
        node = node[part]
    return node


def apply(contract):
    """Apply :data:`AMENDMENTS` to the loaded ``contract`` (in place). :return: the contract"""
    for amendment in AMENDMENTS:
        node = _node(contract, amendment["at"])
        if "set" in amendment:
            node.update(amendment["set"])
        if "add_enum" in amendment:
            node["enum"] = [*node["enum"], *[v for v in amendment["add_enum"] if v not in node["enum"]]]
        for key in amendment.get("remove", ()):
            node.pop(key, None)
        if "unrequire" in amendment:
            node["required"] = [name for name in node.get("required", ()) if name not in amendment["unrequire"]]
    return contract
