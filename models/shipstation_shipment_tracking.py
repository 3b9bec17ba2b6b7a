from odoo import api, fields, models

from ..lib.shipstation.tracking import DELIVERED, EXCEPTION, IN_TRANSIT, UNKNOWN

DELIVERY_STATUSES = [
    (IN_TRANSIT, "In Transit"),
    (DELIVERED, "Delivered"),
    (EXCEPTION, "Exception"),
    (UNKNOWN, "Unknown"),
]


def _naive(value):
    """An aware datetime as Odoo stores it (naive UTC); None stays False."""
    return value.replace(tzinfo=None) if value else False


class ShipStationShipment(models.Model):
    """The carrier's tracking of a parcel (API v2 labels): what the carrier last said, when
    it expects to deliver, and when it delivered."""

    _inherit = "shipstation.shipment"

    delivery_status = fields.Selection(
        DELIVERY_STATUSES,
        string="Carrier Status",
        readonly=True,
        index=True,
        help="What the carrier last said about this parcel; empty before its tracking was first read.",
    )
    delivery_status_code = fields.Char(string="Status Code", readonly=True, help="ShipStation's status_code.")
    delivery_detail_code = fields.Char(
        string="Status Detail", readonly=True, help="ShipStation's status_detail_code, e.g. OUT_FOR_DELIVERY."
    )
    carrier_status_description = fields.Char(string="Carrier Says", readonly=True)
    last_event_date = fields.Datetime(string="Last Carrier Event", readonly=True)
    estimated_delivery_date = fields.Datetime(string="Estimated Delivery", readonly=True)
    delivered_date = fields.Datetime(string="Delivered On", readonly=True)
    delivery_returned = fields.Boolean(
        string="Returned", readonly=True, help="The carrier is taking this parcel back to the sender."
    )
    tracking_final = fields.Boolean(
        string="Tracking Complete",
        readonly=True,
        index=True,
        help="The parcel reached a final state (delivered, back at the sender, lost): its tracking is no longer read.",
    )
    tracking_checked_at = fields.Datetime(
        string="Tracking Read On",
        readonly=True,
        index=True,
        help="When Odoo last read this parcel's tracking (the scheduled action reads the oldest first).",
    )

    @api.model
    def _tracking_values(self, tracking):
        """Field values of a :class:`~shipstation.tracking.ParcelTracking`."""
        return {
            "delivery_status": tracking.status,
            "delivery_status_code": tracking.status_code or False,
            "delivery_detail_code": tracking.detail_code or False,
            "carrier_status_description": tracking.description or False,
            "last_event_date": _naive(tracking.last_event_at),
            "estimated_delivery_date": _naive(tracking.estimated_at),
            "delivered_date": _naive(tracking.delivered_at),
            "delivery_returned": tracking.returned,
            "tracking_final": tracking.final,
            "tracking_checked_at": fields.Datetime.now(),
        }
