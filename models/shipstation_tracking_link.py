from urllib.parse import quote

from odoo import api, fields, models

#: ShipStation's codes for carriers it resells end with this; the carrier's page is the same.
WALLETED = "_walleted"


class ShipStationTrackingLink(models.Model):
    """The public tracking page of a ShipStation carrier, by its carrier code."""

    _name = "shipstation.tracking.link"
    _description = "ShipStation Tracking Link"
    _order = "carrier_code"
    _rec_name = "carrier_code"

    carrier_code = fields.Char(
        string="ShipStation Carrier",
        required=True,
        help="The carrierCode ShipStation gives the label, e.g. ups, fedex, stamps_com.",
    )
    name = fields.Char(string="Carrier Name")
    url_template = fields.Char(
        string="Tracking Page",
        required=True,
        help="The carrier's tracking page; {tracking} stands for the tracking number.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("carrier_code_unique", "UNIQUE(carrier_code)", "A ShipStation carrier has one tracking page."),
        (
            "url_has_tracking",
            "CHECK(url_template LIKE '%{tracking}%')",
            "The tracking page must say where the tracking number goes: {tracking}.",
        ),
    ]

    @api.model
    def _shipstation_urls(self, pairs):
        """Tracking URLs of ``(carrier code, tracking number)`` pairs (one query).

        :return: ``{pair: url}`` for the pairs whose carrier has a tracking page
        """
        codes = {(code or "").strip().lower() for code, _number in pairs}
        codes |= {code[: -len(WALLETED)] for code in codes if code.endswith(WALLETED)}
        templates = {
            row["carrier_code"].strip().lower(): row["url_template"]
            for row in self.sudo().search_read(
                [("carrier_code", "in", list(codes - {""}))], ["carrier_code", "url_template"]
            )
        }
        urls = {}
        for code, number in pairs:
            key = (code or "").strip().lower()
            template = templates.get(key) or (templates.get(key[: -len(WALLETED)]) if key.endswith(WALLETED) else None)
            if template and number:
                urls[(code, number)] = template.replace("{tracking}", quote(number.strip(), safe=""))
        return urls
