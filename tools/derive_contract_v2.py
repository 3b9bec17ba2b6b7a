"""Derive the project's API v2 contract from ShipStation's published OpenAPI.

ShipStation publishes its v2 OpenAPI in the public repository ``shipstation/mcp-shipstation-api``
(``openapi.yaml``). The project keeps only what it needs of it: for every endpoint it calls or
its sandbox serves (:data:`ENDPOINTS`), the query parameters, the request body and the answers,
as JSON Schema (2020-12) with the fields, types, nullability, required fields, read-only
fields, enums and limits, and nothing else (no descriptions, examples or unused schemas).

    python3 tools/derive_contract_v2.py path/to/openapi.yaml

writes ``lib/shipstation/sandbox/contract/v2_spec.json``. The file is generated: what
ShipStation's newer documentation says differently goes to ``v2_amendments.json`` beside it,
never into the generated file. To add an endpoint, add it to :data:`ENDPOINTS` and run again.
"""

import json
import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "lib", "shipstation", "sandbox", "contract", "v2_spec.json")
SOURCE = "https://github.com/shipstation/mcp-shipstation-api/blob/main/openapi.yaml"

#: ``(method, OpenAPI path)`` of every v2 endpoint the project calls or serves.
ENDPOINTS = (
    ("GET", "/v2/shipments"),
    ("POST", "/v2/shipments"),
    ("GET", "/v2/shipments/{shipment_id}"),
    ("GET", "/v2/shipments/external_shipment_id/{external_shipment_id}"),
    ("PUT", "/v2/shipments/{shipment_id}/cancel"),
    ("GET", "/v2/labels"),
    ("GET", "/v2/labels/{label_id}"),
    ("PUT", "/v2/labels/{label_id}/void"),
    ("GET", "/v2/labels/{label_id}/track"),
    ("GET", "/v2/carriers"),
    ("GET", "/v2/environment/webhooks"),
    ("POST", "/v2/environment/webhooks"),
    ("DELETE", "/v2/environment/webhooks/{webhook_id}"),
)
#: Keywords kept; every other one (descriptions, examples, defaults, vendor extensions) goes.
KEPT = ("type", "enum", "maxLength", "minLength", "minimum", "maximum", "minItems", "maxItems", "pattern", "format")


class Deriver:
    def __init__(self, spec):
        self.spec = spec
        self.schemas = spec["components"]["schemas"]
        self.defs = {}

    def ref(self, ref):
        """The component a ``$ref`` names, derived once into ``$defs``."""
        name = ref.rsplit("/", 1)[1]
        if name not in self.defs:
            self.defs[name] = None  # a cycle sees the reference
            self.defs[name] = self.convert(self.schemas[name])
        return {"$ref": "#/$defs/%s" % name}

    def _resolved(self, schema):
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def _flatten(self, schema):
        """An object whose ``allOf`` members are objects, as one object (its properties and
        required fields merged), so that ``additionalProperties: false`` keeps its meaning."""
        properties, required, closed = {}, [], schema.get("additionalProperties") is False
        for member in [*schema.get("allOf", ()), schema]:
            member = self._resolved(member)
            if member is not schema and "allOf" in member:
                member = self._flatten(member)
            properties.update(member.get("properties") or {})
            required += [name for name in member.get("required") or () if name not in required]
            closed = closed or member.get("additionalProperties") is False
        flat = {k: v for k, v in schema.items() if k not in ("allOf", "properties", "required")}
        flat.update(type="object", properties=properties, required=required)
        if closed:
            flat["additionalProperties"] = False
        return flat

    def _is_object_composition(self, schema):
        members = [self._resolved(m) for m in schema.get("allOf", ())]
        closed = schema.get("additionalProperties") is False
        return len(members) > 1 or (members and (schema.get("properties") or closed)) or schema.get("required")

    def convert(self, schema):  # noqa: C901 - one branch per JSON Schema keyword
        if "$ref" in schema and len(schema) == 1:
            return self.ref(schema["$ref"])
        if "allOf" in schema and self._is_object_composition(schema):
            schema = self._flatten(schema)
        out = {}
        if "allOf" in schema:  # one referenced schema, with its own keywords beside it
            out.update(self.convert(schema["allOf"][0]))
        if "$ref" in schema:
            out.update(self.ref(schema["$ref"]))
        for keyword in KEPT:
            if keyword in schema:
                out[keyword] = schema[keyword]
        if schema.get("readOnly"):
            out["readOnly"] = True
        if "properties" in schema:
            out["properties"] = {name: self.convert(sub) for name, sub in schema["properties"].items()}
        if schema.get("required"):
            out["required"] = list(schema["required"])
        if schema.get("additionalProperties") is False:
            out["additionalProperties"] = False
        if "items" in schema:
            out["items"] = self.convert(schema["items"])
        for keyword in ("oneOf", "anyOf"):
            if keyword in schema:
                out[keyword] = [self.convert(sub) for sub in schema[keyword]]
        if schema.get("x-nullable") or schema.get("nullable"):
            out = _nullable(out)
        return out

    def parameters(self, operation, path_item):
        properties, required = {}, []
        for parameter in [*path_item.get("parameters", ()), *operation.get("parameters", ())]:
            if "$ref" in parameter:
                parameter = self.spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
            if parameter.get("in") != "query":
                continue
            properties[parameter["name"]] = self.convert(parameter.get("schema") or {})
            if parameter.get("required"):
                required.append(parameter["name"])
        return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}

    def endpoint(self, method, path):
        path_item = self.spec["paths"][path]
        operation = path_item[method.lower()]
        entry = {"query": self.parameters(operation, path_item), "responses": {}}
        body = ((operation.get("requestBody") or {}).get("content") or {}).get("application/json")
        if body:
            entry["body"] = self.convert(body["schema"])
        for status, answer in operation.get("responses", {}).items():
            answer = self._resolved_response(answer)
            content = (answer.get("content") or {}).get("application/json")
            entry["responses"][str(status)] = self.convert(content["schema"]) if content else None
        return entry

    def _resolved_response(self, answer):
        if "$ref" in answer:
            return self.spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
        return answer


def _nullable(schema):
    if "type" in schema and "$ref" not in schema:
        schema = dict(schema, type=[schema["type"], "null"])
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        return schema
    keep = {k: schema.pop(k) for k in ("readOnly",) if k in schema}
    return dict({"anyOf": [schema, {"type": "null"}]}, **keep)


def derive(spec):
    deriver = Deriver(spec)
    endpoints = {"%s %s" % (method, path): deriver.endpoint(method, path) for method, path in ENDPOINTS}
    return {
        "source": SOURCE,
        "openapi_version": spec["info"]["version"],
        "generated_by": "tools/derive_contract_v2.py",
        "endpoints": endpoints,
        "$defs": dict(sorted(deriver.defs.items())),
    }


def main(argv):
    with open(argv[1], encoding="utf-8") as source:
        contract = derive(yaml.safe_load(source))
    with open(TARGET, "w", encoding="utf-8") as target:
        json.dump(contract, target, indent=1, sort_keys=False)
        target.write("\n")
    print("%s: %d endpoints, %d schemas" % (TARGET, len(contract["endpoints"]), len(contract["$defs"])))


if __name__ == "__main__":
    main(sys.argv)
