"""The carriers ShipStation lists for an account, to check a carrier mapping against them.

v1 ``GET /carriers`` (a bare array of ``{code, name, ...}``; services are another call per
carrier, so v1 checks carrier codes only), v2 ``GET /v2/carriers`` (``{carriers: [{carrier_code,
services: [{service_code}]}]}``). One call either way.
"""

import re

from .client_v2 import ShipStationV2Client
from .errors import MalformedResponseError

#: What a ShipStation carrier or service code looks like (``ups``, ``stamps_com``, ``ups_ground``).
CODE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


def listed_carriers(client):
    """``{carrier code: frozenset of service codes, or None when the API does not list them}``.

    :raises ShipStationError: when ShipStation cannot be read, or answers another shape
    """
    if isinstance(client, ShipStationV2Client):
        data = client._request("GET", "/v2/carriers")  # pylint: disable=protected-access
        carriers = data.get("carriers") if isinstance(data, dict) else None
        if not isinstance(carriers, list):
            raise MalformedResponseError("ShipStation carrier list without its 'carriers' list", "GET", "/v2/carriers")
        return {
            c["carrier_code"]: frozenset(
                s.get("service_code") for s in c.get("services") or () if isinstance(s, dict) and s.get("service_code")
            )
            for c in carriers
            if isinstance(c, dict) and c.get("carrier_code")
        }
    data = client._request("GET", "/carriers")  # pylint: disable=protected-access
    if not isinstance(data, list):
        raise MalformedResponseError("ShipStation carrier list is not an array", "GET", "/carriers")
    return {c["code"]: None for c in data if isinstance(c, dict) and c.get("code")}


def shape_problem(code):
    """Why ``code`` cannot be a ShipStation code (``"nonsense carrier !!"``), or None."""
    if code and not CODE.match(code):
        return "ShipStation codes are lowercase letters, digits and underscores"
    return None


def mapping_problem(carrier_code, service_code, listed):
    """What is wrong with a mapping given the account's ``listed`` carriers, or None.

    :return: ``("carrier", known codes)`` or ``("service", known services)``, or None
    """
    if carrier_code not in listed:
        return "carrier", tuple(sorted(listed))
    services = listed[carrier_code]
    if service_code and services is not None and service_code not in services:
        return "service", tuple(sorted(services))
    return None
