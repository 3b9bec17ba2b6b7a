from shipstation.codes import readable


def test_codes_read_as_words():
    assert readable("ups_ground") == "UPS Ground"
    assert readable("usps_priority_mail") == "USPS Priority Mail"
    assert readable("fedex_2day") == "FedEx 2Day"
    assert readable("stamps_com") == "Stamps.com"
    assert readable("ups_2nd_day_air") == "UPS 2nd Day Air"
    assert readable("") == "" and readable(None) == ""
