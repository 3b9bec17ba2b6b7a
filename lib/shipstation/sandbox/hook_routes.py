"""Webhook routes of the sandbox, in each dialect's own shapes (the hub is :mod:`.hooks`).

API v1 (Basic auth, errors as ASP.NET writes them, keys in PascalCase)::

    GET    /webhooks            -> {"webhooks": [{"WebHookID", "HookType", "Url", "Name", ...}]}
    POST   /webhooks/subscribe  {"target_url", "event", "store_id", "friendly_name"} -> {"id": 21001}
    DELETE /webhooks/{id}       -> 204; an unknown id is a 404

API v2 (``API-Key``, v2's error envelope, snake_case)::

    GET    /v2/environment/webhooks       -> [{"webhook_id", "url", "event", "headers"}]  (a bare array)
    POST   /v2/environment/webhooks       {"event", "url", "headers"?} -> the webhook; the same
                                          event and URL twice is a 409
    DELETE /v2/environment/webhooks/{id}  -> 204; an unknown id is a 404

Control routes (v1's Basic auth, like every ``/_sandbox/`` route)::

    POST /_sandbox/webhooks/fire  {"event", "count"?, "url"?, "resource_url"?} -> {"queued": n}
    GET  /_sandbox/webhooks       -> {"v1": [...], "v2": [...], "deliveries": [...], "pending", "jwks_url"}

The v1 handlers raise what :func:`.routes.dispatch` turns into v1 errors
(:class:`~.records.InvalidRequest` a 400, ``KeyError`` a 404); the v2 ones raise
:class:`~.v2_params.V2Error`.
"""

import json
from urllib.parse import unquote

from .hooks import V1_RESOURCES, V2_RESOURCES
from .records import InvalidRequest
from .v2_params import V2Error, invalid, not_found

SELLER_ID = 200001  # the sandbox account's SellerID in v1 answers
MAX_FIRE = 1000


def _object(raw_body):
    try:
        payload = json.loads(raw_body) if raw_body else None
    except ValueError:
        payload = None
    return payload if isinstance(payload, dict) else None


def _is_url(value):
    return isinstance(value, str) and value.lower().startswith(("http://", "https://")) and len(value) <= 2000


# -- API v1 -------------------------------------------------------------------------------------


def v1_webhook(hook):
    """A subscription as v1's ``GET /webhooks`` lists it."""
    return {
        "IsLabelAPIHook": False,
        "WebHookID": int(hook["id"]),
        "SellerID": SELLER_ID,
        "StoreID": hook["store_id"],
        "HookType": hook["event"],
        "MessageFormat": "Json",
        "Url": hook["url"],
        "Name": hook["name"],
        "BulkCopyBatchID": None,
        "BulkCopyRecordID": None,
        "Active": True,
        "WebhookLogs": [],
        "Seller": None,
        "Store": None,
    }


def list_webhooks(server, q, _body):
    """``GET /webhooks``."""
    return {"webhooks": [v1_webhook(h) for h in server.webhooks.hooks("v1")]}


def subscribe_webhook(server, q, body):
    """``POST /webhooks/subscribe``: ``{"id"}`` of the new subscription (v1 allows repeats)."""
    payload = _object(body)
    if payload is None:
        raise InvalidRequest("Send one JSON object.", "request")
    if not _is_url(payload.get("target_url")):
        raise InvalidRequest("The target_url field is required and must be an http(s) URL.", "request.target_url")
    if payload.get("event") not in V1_RESOURCES:
        raise InvalidRequest("'%s' is not a valid webhook event." % payload.get("event"), "request.event")
    store_id = payload.get("store_id")
    if store_id is not None and (isinstance(store_id, bool) or not isinstance(store_id, int)):
        raise InvalidRequest("The value '%s' is not valid for store_id." % store_id, "request.store_id")
    hook = server.webhooks.subscribe(
        "v1", payload["target_url"], payload["event"], name=payload.get("friendly_name"), store_id=store_id
    )
    return {"id": int(hook["id"])}


def unsubscribe_webhook(server, q, _body, hook_id):
    """``DELETE /webhooks/{id}``: 204 (None)."""
    if not server.webhooks.unsubscribe("v1", hook_id):
        raise KeyError("Webhook %s was not found." % hook_id)


def control_fire(server, q, body):
    """``POST /_sandbox/webhooks/fire``: queue ``count`` deliveries of ``event``."""
    payload = _object(body) or {}
    count = payload.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_FIRE:
        raise ValueError("count must be a whole number from 1 to %d." % MAX_FIRE)
    for field in ("url", "resource_url"):
        if payload.get(field) is not None and not _is_url(payload[field]):
            raise ValueError("%s must be an http(s) URL." % field)
    queued = server.webhooks.fire(
        payload.get("event"), count=count, url=payload.get("url"), resource_url=payload.get("resource_url")
    )
    return {"queued": queued}


def control_webhooks(server, q, _body):
    """``GET /_sandbox/webhooks``: subscriptions of both dialects and the delivery log."""
    hub = server.webhooks
    return {
        "v1": [v1_webhook(h) for h in hub.hooks("v1")],
        "v2": [v2_webhook(h) for h in hub.hooks("v2")],
        "deliveries": [d._asdict() for d in hub.deliveries],
        "pending": hub.pending,
        "jwks_url": server.jwks_url,
    }


V1_ROUTES = [
    ("GET", r"/webhooks", list_webhooks),
    ("POST", r"/webhooks/subscribe", subscribe_webhook),
    ("DELETE", r"/webhooks/(\d+)", unsubscribe_webhook),
    ("POST", r"/_sandbox/webhooks/fire", control_fire),
    ("GET", r"/_sandbox/webhooks", control_webhooks),
]


# -- API v2 -------------------------------------------------------------------------------------


def v2_webhook(hook):
    """A subscription as v2 writes it."""
    return {"webhook_id": hook["id"], "url": hook["url"], "event": hook["event"], "headers": list(hook["headers"])}


def v2_list_webhooks(server, params, _body):
    """``GET /v2/environment/webhooks``: a bare array."""
    return [v2_webhook(h) for h in server.webhooks.hooks("v2")]


def _headers(value):
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(h, dict) and isinstance(h.get("key"), str) and h["key"] and isinstance(h.get("value", ""), str)
        for h in value
    ):
        raise invalid("headers must be an array of {key, value} objects.")
    return [{"key": h["key"], "value": h.get("value", "")} for h in value]


def v2_create_webhook(server, params, body):
    """``POST /v2/environment/webhooks``: the new webhook; 409 for the same event and URL."""
    payload = _object(body)
    if payload is None:
        raise invalid("The request body must be a JSON object.")
    if payload.get("event") not in V2_RESOURCES:
        raise invalid(
            "'%s' is not a valid event; expected one of: %s." % (payload.get("event"), ", ".join(V2_RESOURCES))
        )
    if not _is_url(payload.get("url")):
        raise invalid("url is required and must be an http(s) URL.")
    headers = _headers(payload.get("headers"))
    hook = server.webhooks.subscribe("v2", payload["url"], payload["event"], headers=headers, unique=True)
    if hook is None:
        raise V2Error(409, "A webhook for %s to this url already exists." % payload["event"], "business_rules")
    return v2_webhook(hook)


def v2_delete_webhook(server, params, _body, raw_id):
    """``DELETE /v2/environment/webhooks/{webhook_id}``: 204 (None)."""
    if not server.webhooks.unsubscribe("v2", unquote(raw_id)):
        raise not_found("Webhook %s was not found." % unquote(raw_id))


V2_ROUTES = [
    ("GET", r"/v2/environment/webhooks", v2_list_webhooks),
    ("POST", r"/v2/environment/webhooks", v2_create_webhook),
    ("DELETE", r"/v2/environment/webhooks/([^/]+)", v2_delete_webhook),
]
