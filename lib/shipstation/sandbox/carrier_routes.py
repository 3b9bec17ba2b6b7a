"""The carriers of the sandbox's ShipStation account, in each dialect's own shape.

API v1 (ShipStation's v1 documentation, *List Carriers*)::

    GET /carriers    -> [{"name", "code", "accountNumber", "requiresFundedAccount", "balance",
                          "nickname", "shippingProviderId", "primary"}]   (a bare array)

API v2 (ShipStation's v2 OpenAPI, ``getCarriers``)::

    GET /v2/carriers -> {"carriers": [{"carrier_id", "carrier_code", "account_number",
                          "requires_funded_amount", "balance", "nickname", "friendly_name",
                          "primary", "has_multi_package_supporting_services",
                          "supports_label_messages", "services": [{"carrier_id", "carrier_code",
                          "service_code", "name", "domestic", "international",
                          "is_multi_package_supported"}], "packages": [], "options": []}],
                         "request_id", "errors": []}

The account holds the carriers the demo seed ships with (UPS, USPS through Stamps.com,
FedEx), with their usual services.
"""

import uuid

#: (code, name, provider id, funded, services as (code, name, domestic, international))
CARRIERS = (
    (
        "stamps_com",
        "Stamps.com",
        301001,
        True,
        (
            ("usps_first_class_mail", "USPS First Class Mail", True, False),
            ("usps_priority_mail", "USPS Priority Mail", True, False),
            ("usps_ground_advantage", "USPS Ground Advantage", True, False),
            ("usps_priority_mail_international", "USPS Priority Mail Intl", False, True),
        ),
    ),
    (
        "ups",
        "UPS",
        301002,
        False,
        (
            ("ups_ground", "UPS® Ground", True, False),
            ("ups_2nd_day_air", "UPS 2nd Day Air®", True, False),
            ("ups_next_day_air", "UPS Next Day Air®", True, False),
            ("ups_worldwide_expedited", "UPS Worldwide Expedited®", False, True),
        ),
    ),
    (
        "fedex",
        "FedEx",
        301003,
        False,
        (
            ("fedex_ground", "FedEx Ground®", True, False),
            ("fedex_2day", "FedEx 2Day®", True, False),
            ("fedex_priority_overnight", "FedEx Priority Overnight®", True, False),
            ("fedex_international_economy", "FedEx International Economy®", False, True),
        ),
    ),
    (
        "usps",
        "USPS",
        301004,
        False,
        (
            ("usps_first_class_mail", "USPS First Class Mail", True, False),
            ("usps_priority_mail", "USPS Priority Mail", True, False),
        ),
    ),
)


def v1_carriers(server, q, body):
    """``GET /carriers``: the account's carriers (a bare array)."""
    return [
        {
            "name": name,
            "code": code,
            "accountNumber": "SANDBOX-%d" % provider,
            "requiresFundedAccount": funded,
            "balance": 100.0 if funded else 0.0,
            "nickname": None,
            "shippingProviderId": provider,
            "primary": index == 0,
        }
        for index, (code, name, provider, funded, _services) in enumerate(CARRIERS)
    ]


def v2_carriers(server, params, body):
    """``GET /v2/carriers``: the account's carriers with their services."""
    carriers = []
    for index, (code, name, provider, funded, services) in enumerate(CARRIERS):
        carrier_id = "se-%d" % provider
        carriers.append(
            {
                "carrier_id": carrier_id,
                "carrier_code": code,
                "account_number": "SANDBOX-%d" % provider,
                "requires_funded_amount": funded,
                "balance": 100.0 if funded else 0.0,  # a number (v2 OpenAPI's carrier), in the account's currency
                "nickname": name,
                "friendly_name": name,
                "primary": index == 0,
                "has_multi_package_supporting_services": True,
                "supports_label_messages": True,
                "services": [
                    {
                        "carrier_id": carrier_id,
                        "carrier_code": code,
                        "service_code": service,
                        "name": label,
                        "domestic": domestic,
                        "international": international,
                        "is_multi_package_supported": True,
                    }
                    for service, label, domestic, international in services
                ],
                "packages": [],
                "options": [],
            }
        )
    return {"carriers": carriers, "request_id": str(uuid.uuid4()), "errors": []}


V1_ROUTES = [("GET", r"/carriers", v1_carriers)]
V2_ROUTES = [("GET", r"/v2/carriers", v2_carriers)]
