"""The sandbox's carrier lists in v1's and v2's shapes, read by the connector over real HTTP."""

from sandbox_helpers import V2_KEY

from shipstation.carriers import listed_carriers, mapping_problem, shape_problem
from shipstation.client import ShipStationClient
from shipstation.client_v2 import ShipStationV2Client


def test_v1_lists_carrier_codes_as_a_bare_array(server, api):
    answer = api.get("/carriers")
    assert answer.status_code == 200
    carriers = answer.json()
    assert isinstance(carriers, list)
    assert {"name", "code", "accountNumber", "requiresFundedAccount", "balance", "shippingProviderId"} <= set(
        carriers[0]
    )
    client = ShipStationClient("key", "secret", server.url)
    listed = listed_carriers(client)
    assert {"ups", "fedex", "stamps_com"} <= set(listed)
    assert listed["ups"] is None, "v1 lists services in another call: not checked"


def test_v2_lists_carriers_with_their_services(server):
    client = ShipStationV2Client(V2_KEY, server.url)
    listed = listed_carriers(client)
    assert "ups_ground" in listed["ups"]
    assert "fedex_ground" not in listed["ups"]
    assert client.call_count == 1


def test_a_mapping_is_checked_against_the_list():
    listed = {"ups": frozenset({"ups_ground"}), "fedex": None}
    assert mapping_problem("ups", "ups_ground", listed) is None
    assert mapping_problem("fedex", "anything", listed) is None
    assert mapping_problem("dhl", "", listed) == ("carrier", ("fedex", "ups"))
    assert mapping_problem("ups", "ups_air", listed) == ("service", ("ups_ground",))
    assert shape_problem("nonsense carrier !!")
    assert shape_problem("stamps_com") is None
