"""The sandbox held to ShipStation's published contract (:mod:`.contract`).

Requests: after auth, the rate limit and the fault switches, a request the contract refuses
(a missing required field, a wrong type, a value outside its enum or limits, a field v2
declares closed to others; on v1, which converts JSON types, a wrong type in strict mode
only) is refused before any route runs, with ShipStation's own error
shape: v1's ASP.NET ``{"Message": "The request is invalid.", "ModelState": {...}}``, v2's
``{request_id, errors: [...]}`` envelope. The batch creations (``POST /v2/shipments``, v1's
``POST /orders/createorders``) are the exception: each record is checked on its own and a
refused one is reported in its own result (``errors``, ``success: false``), sparing the others,
as both versions document partial success. Whether ShipStation refuses a whole
batch or one shipment for a malformed shipment is not documented (UNCONFIRMED); the sandbox
takes the reading that loses nothing.

Answers: in strict mode (``SandboxServer(strict=True)``) every answer a route gives is checked
too; one that departs from the contract is recorded in ``server.deviations`` and turned into
a 500 naming the departure, so a test cannot pass over it. Strict mode also refuses what
ShipStation would ignore but the project must not send: undeclared query parameters and
fields, and read-only fields. Answers of fault switches (deliberately broken) are not checked.
"""

import json
import re
import uuid

from .contract import Deviation, contract

#: The name v1 (ASP.NET) gives each endpoint's body in its ``ModelState`` keys.
V1_PARAMETERS = {"/orders/createorder": "apiOrder", "/orders/createorders": "apiOrders"}
#: Endpoints whose body is a list of records checked one by one by their route (partial
#: success), and the key of that list (none: the body is the list).
ITEMWISE_KEYS = {("v2", "POST", "/v2/shipments"): "shipments", ("v1", "POST", "/orders/createorders"): ""}
_V2_CODES = {
    "required": "field_value_required",
    "minLength": "invalid_string_length",
    "maxLength": "invalid_string_length",
}


def _decoded(raw_body):
    """The JSON body, None without one; ``...`` (Ellipsis) when it is not JSON (the route answers)."""
    if not raw_body:
        return None
    try:
        return json.loads(raw_body)
    except ValueError:
        return ...


def request_refusal(server, version, method, path, query, raw_body):
    """``(status, body)`` refusing a request that departs from the contract, or None."""
    body = _decoded(raw_body)
    if body is ...:
        return None
    the_contract = contract(version)
    if the_contract.endpoint(method, path) is None:
        if server.strict:
            server.record(version, method, path, [Deviation("path", "not an endpoint of the contract")])
        return None  # the route answers (404/405), or a sandbox-only route
    deviations = the_contract.request_deviations(method, path, query, body, strict=server.strict)
    if version == "v1" and not server.strict:
        deviations = [d for d in deviations if _v1_refuses(d)]
    itemwise = (version, method, the_contract.endpoint(method, path).template)
    if itemwise in ITEMWISE_KEYS:
        prefix = ".".join(p for p in ("body", ITEMWISE_KEYS[itemwise]) if p) + "."
        deviations = [d for d in deviations if not re.match(re.escape(prefix) + r"\d+(\.|$)", d.where)]
    if not deviations:
        return None
    if version == "v1":
        return 400, {"Message": "The request is invalid.", "ModelState": _model_state(path, deviations)}
    return 400, v2_envelope(deviations)


#: What v1 (ASP.NET, JSON.NET) refuses: a missing required field, a value out of its list or
#: limits, the wrong shape at the top. A value of another JSON type it converts (``false``
#: into the text ``"False"``), so that is refused in strict mode only.
_V1_REFUSES = ("required", "enum", "minimum", "maximum", "minItems", "maxItems")


def _v1_refuses(deviation):
    return deviation.kind in _V1_REFUSES or deviation.where in ("body", "query")


def _model_state(path, deviations):
    """v1's ``ModelState``: ASP.NET's keys (the body's parameter, ``apiOrders[7].shipTo``; a query
    parameter by its name) and messages."""
    parameter = V1_PARAMETERS.get(path.lower(), "request")
    model_state = {}
    for deviation in deviations:
        root, _, rest = deviation.where.partition(".")
        if root == "query":
            key = rest
        else:
            parts = rest.split(".") if rest else []
            key = parameter
            for part in parts:
                key += "[%s]" % part if part.isdigit() else "." + part
        model_state.setdefault(key, []).append(deviation.message)
    return model_state


def v2_envelope(deviations):
    """v2's error envelope listing ``deviations``."""
    return {
        "request_id": str(uuid.uuid4()),
        "errors": [
            {
                "error_source": "ShipStation",
                "error_type": "validation",
                "error_code": "invalid_field_value",
                "message": "%s: %s" % (d.where, d.message),
            }
            for d in deviations
        ],
    }


def item_deviations(server, version, method, path, item):
    """Where one record of an :data:`ITEMWISE` body departs from the contract, the record's own
    fields named from the record (``ship_to.phone``)."""
    key = ITEMWISE_KEYS[(version, method, path)]
    body = {key: [item]} if key else [item]
    prefix = ".".join(p for p in ("body", key, "0") if p)
    deviations = contract(version).endpoint(method, path).body_deviations(body, server.strict)
    if version == "v1" and not server.strict:
        deviations = [d for d in deviations if _v1_refuses(d)]
    return [
        Deviation(d.where[len(prefix) + 1 :] or "record", d.message)
        for d in deviations
        if d.where == prefix or d.where.startswith(prefix + ".")
    ]


def checked_answer(server, version, method, path, status, body):
    """``(status, body)``: the answer, or in strict mode a 500 naming where it departs from the contract."""
    if not server.strict or status in (401, 405, 429):
        return status, body
    deviations = contract(version).answer_deviations(method, path, status, body)
    if not deviations:
        return status, body
    server.record(version, method, path, deviations)
    text = "; ".join("%s: %s" % (d.where, d.message) for d in deviations[:5])
    message = "The sandbox's answer (%s) departs from the %s contract: %s" % (status, version, text)
    if version == "v1":
        return 500, {"Message": "An error has occurred.", "ExceptionMessage": message, "ExceptionType": "Contract"}
    return 500, {
        "request_id": str(uuid.uuid4()),
        "errors": [
            {"error_source": "ShipStation", "error_type": "system", "error_code": "unspecified", "message": message}
        ],
    }
