"""ShipStation's published contract, as the project holds the sandbox and the client to it.

One contract per API version, one entry per endpoint the project calls or its sandbox serves
(``"METHOD /path/{param}"``): the query parameters, the request body and the answers, as
JSON Schema (2020-12):

* v2: ``v2_spec.json``, derived from ShipStation's published OpenAPI by
  ``tools/derive_contract_v2.py``, with :mod:`.v2_amendments` (where ShipStation's newer
  documentation says otherwise, each with its source);
* v1: :mod:`.v1`, written from ShipStation's v1 documentation (v1 publishes no schema).

:func:`contract` loads one; :meth:`Contract.request_deviations` and
:meth:`Contract.answer_deviations` say where a request or an answer departs from it, as
:class:`Deviation` values (the sandbox refuses the first and, in strict mode, fails on the
second; see :mod:`..server`).

Adding an endpoint: for v2, add it to ``ENDPOINTS`` in ``tools/derive_contract_v2.py`` and
run that tool on the published ``openapi.yaml`` (what the docs say differently goes to
:mod:`.v2_amendments`); for v1, add its entry to ``ENDPOINTS`` in :mod:`.v1`. The contract test
(``tests_unit/contract``) then requires a call of it.
"""

import copy
import json
import os
import re
from collections import namedtuple
from functools import cache

from jsonschema import Draft202012Validator, ValidationError, validators

from . import v1, v2_amendments

HERE = os.path.dirname(os.path.abspath(__file__))

#: One departure from the contract: where (``body.shipments.0.ship_to.phone``), what, and the
#: JSON Schema keyword it breaks (``required``, ``type``...).
Deviation = namedtuple("Deviation", "where message kind", defaults=(None,))


def _read_only(validator, value, instance, schema):
    if value:
        yield ValidationError("is read-only: ShipStation computes it")


#: Requests in strict mode: a read-only field is refused.
_StrictRequestValidator = validators.extend(Draft202012Validator, {"readOnly": _read_only})


def _closed(schema):
    """``schema`` with every object that lists its properties closed to others (strict mode)."""
    if isinstance(schema, list):
        return [_closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _closed(v) if k not in ("enum", "required") else v for k, v in schema.items()}
    if "properties" in schema and "additionalProperties" not in schema:
        out["additionalProperties"] = False
    return out


class Endpoint:
    """One entry of a contract, with its validators."""

    def __init__(self, key, entry, defs, case_sensitive):
        self.key = key
        self.method, self.template = key.split(" ", 1)
        pattern = re.sub(r"\\\{[^/]+?\\\}", "([^/]+)", re.escape(self.template))
        self.pattern = re.compile(pattern + "$", 0 if case_sensitive else re.IGNORECASE)
        self.literal = len(re.sub(r"\{[^/]+?\}", "", self.template))
        self.entry = entry
        self.defs = defs
        strict_defs = _closed(defs)
        self._validators = {}
        for name in ("query", "body"):
            if name in entry:
                self._validators[name] = self._pair(entry[name], defs, strict_defs)
        self.responses = {
            status: Draft202012Validator(dict(schema, **{"$defs": defs})) if schema is not None else None
            for status, schema in entry.get("responses", {}).items()
        }

    @staticmethod
    def _pair(schema, defs, strict_defs):
        return (
            Draft202012Validator(dict(schema, **{"$defs": defs})),
            _StrictRequestValidator(dict(_closed(schema), **{"$defs": strict_defs})),
        )

    def _resolve(self, schema):
        while isinstance(schema, dict) and "$ref" in schema:
            schema = self.defs[schema["$ref"].rsplit("/", 1)[1]]
        return schema or {}

    def _query_value(self, name, value):
        """A query parameter's text as the type its schema declares (integers, booleans)."""
        schema = self._resolve(self.entry["query"].get("properties", {}).get(name))
        types = schema.get("type")
        types = types if isinstance(types, list) else [types]
        if "integer" in types and re.fullmatch(r"-?\d+", value):
            return int(value)
        if "boolean" in types and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return value

    def query_deviations(self, query, strict):
        if "query" not in self._validators:
            return []
        declared = self.entry["query"].get("properties", {})
        lowered = {name.lower(): name for name in declared}
        given = {}
        for name, value in query.items():
            known = name if name in declared else lowered.get(name.lower())
            if known is None and not strict:
                continue  # ShipStation ignores parameters it does not know
            given[known or name] = self._query_value(known or name, value)
        return _deviations(self._validators["query"][bool(strict)], given, "query")

    def body_deviations(self, body, strict):
        if "body" not in self._validators:
            return []
        return _deviations(self._validators["body"][bool(strict)], body, "body")

    def answer_deviations(self, status, body):
        if str(status) not in self.responses:
            return [Deviation("status", "%s is not an answer the contract lists for %s" % (status, self.key))]
        validator = self.responses[str(status)]
        if body is None and int(status) == 204:
            return []  # No Content (the published file types it as an empty string)
        if validator is None:
            return [] if body in (None, "", b"") else [Deviation("body", "the answer carries no body")]
        return _deviations(validator, body, "answer")


def _deviations(validator, instance, root):
    found = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path]):
        path = [str(p) for p in error.absolute_path]
        message = _message(error)
        missing = re.match(r"^'([^']+)' is a required property$", error.message)
        if error.validator == "required" and missing:
            path.append(missing.group(1))
            message = "The %s field is required." % missing.group(1)
        found.append(Deviation(".".join([root, *path]), message, error.validator))
    return found


def _message(error):
    if error.validator == "additionalProperties" and not error.validator_value:
        return "%s (not a field ShipStation declares here)" % error.message
    if error.validator in ("anyOf", "oneOf") and error.context:
        return min(error.context, key=lambda e: len(e.message)).message
    return error.message


class Contract:
    """The contract of one API version: its endpoints by method and path."""

    def __init__(self, version, data, case_sensitive):
        self.version = version
        self.data = data
        self.source = data.get("source")
        endpoints = [Endpoint(key, entry, data["$defs"], case_sensitive) for key, entry in data["endpoints"].items()]
        # The most literal template first: /v2/shipments/external_shipment_id/{id} before /v2/shipments/{id}.
        self.endpoints = sorted(endpoints, key=lambda e: -e.literal)

    def endpoint(self, method, path):
        """The :class:`Endpoint` a request goes to, or None when the contract has none."""
        for endpoint in self.endpoints:
            if endpoint.method == method and endpoint.pattern.match(path):
                return endpoint
        return None

    def request_deviations(self, method, path, query, body, strict=False):
        """Where a request departs from the contract: ``[Deviation]`` (empty when it conforms).

        :param body: the decoded JSON body (None without one)
        :param bool strict: also refuse undeclared query parameters and fields, and read-only fields
        """
        endpoint = self.endpoint(method, path)
        if endpoint is None:
            return [Deviation("path", "%s %s is not an endpoint of the %s contract" % (method, path, self.version))]
        return endpoint.query_deviations(query, strict) + endpoint.body_deviations(body, strict)

    def answer_deviations(self, method, path, status, body):
        """Where an answer departs from the contract: ``[Deviation]``."""
        endpoint = self.endpoint(method, path)
        if endpoint is None:
            return [Deviation("path", "%s %s is not an endpoint of the %s contract" % (method, path, self.version))]
        return endpoint.answer_deviations(status, body)


@cache
def contract(version):
    """The :class:`Contract` of ``"v1"`` or ``"v2"`` (loaded once)."""
    if version == "v1":
        return Contract("v1", copy.deepcopy(v1.CONTRACT), case_sensitive=False)
    with open(os.path.join(HERE, "v2_spec.json"), encoding="utf-8") as spec:
        data = v2_amendments.apply(json.load(spec))
    return Contract("v2", data, case_sensitive=True)
