"""ShipStation's carrier and service codes as a person reads them: ``ups_ground`` is "UPS
Ground", ``stamps_com`` "Stamps.com". The code itself stays what the sync records and compares."""

#: Words whose spelling a title case gets wrong.
WORDS = {
    "ups": "UPS",
    "usps": "USPS",
    "dhl": "DHL",
    "fedex": "FedEx",
    "ontrac": "OnTrac",
    "lasership": "LaserShip",
    "gls": "GLS",
    "dpd": "DPD",
    "apc": "APC",
    "sm": "SM",
    "ltl": "LTL",
    "intl": "Intl",
    "2day": "2Day",
    "3day": "3Day",
    "2nd": "2nd",
}
#: Whole codes with a name of their own.
NAMES = {"stamps_com": "Stamps.com", "endicia": "Endicia", "globegistics": "Globegistics"}


def readable(code):
    """``code`` in words (empty for an empty code); a code is never lost, only spelt out."""
    if not code:
        return ""
    if code in NAMES:
        return NAMES[code]
    return " ".join(WORDS.get(word, word.capitalize()) for word in code.split("_") if word)
