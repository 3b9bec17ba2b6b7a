import json

from odoo import api, fields, models

from ..lib.shipstation.planner import Parcel


class ShipStationShipment(models.Model):
    """A ShipStation parcel a sync recorded on a delivery order.

    One record per label (ShipStation shipment) or fulfillment (order marked as
    shipped) consumed by the delivery, voided ones included, so a user sees every
    parcel and a later sync recomputes the tracking reference and cost exactly.
    """

    _name = "shipstation.shipment"
    _description = "ShipStation Parcel"
    _order = "picking_id, shipstation_create_date, kind, shipstation_id"
    _rec_name = "tracking_number"

    picking_id = fields.Many2one("stock.picking", required=True, index=True, ondelete="cascade")
    account_id = fields.Many2one("shipstation.account", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="picking_id.company_id", store=True, index=True)
    kind = fields.Selection(
        [("shipment", "Label"), ("fulfillment", "Marked as shipped")], required=True, default="shipment"
    )
    shipstation_id = fields.Integer(string="ShipStation Id", required=True, index=True)
    order_id = fields.Char(string="ShipStation Order Id")
    tracking_number = fields.Char()
    carrier_code = fields.Char(string="Carrier")
    service_code = fields.Char(string="Service")
    ship_date = fields.Date()
    shipstation_create_date = fields.Datetime(string="Created in ShipStation")
    currency_id = fields.Many2one(related="account_id.currency_id")
    shipment_cost = fields.Monetary(string="Cost", currency_field="currency_id")
    insurance_cost = fields.Monetary(string="Insurance", currency_field="currency_id")
    charged = fields.Boolean(
        default=True,
        help="Counted in the delivery's ShipStation Shipping Cost. A label shared by deliveries "
        "merged in ShipStation is charged to the surviving order's delivery only.",
    )
    voided = fields.Boolean()
    void_date = fields.Datetime()
    items = fields.Text(string="Items (SKU: quantity)", help="What ShipStation says left in this parcel.")

    _sql_constraints = [
        (
            "parcel_unique",
            "UNIQUE(picking_id, kind, shipstation_id)",
            "A ShipStation parcel is recorded once per delivery.",
        ),
    ]

    @api.model
    def _values_from_parcel(self, parcel):
        """Field values of a :class:`Parcel` (naive UTC datetimes, as Odoo stores them)."""

        def naive(value):
            return value.replace(tzinfo=None) if value and value.tzinfo else value

        return {
            "kind": parcel.key[0],
            "shipstation_id": parcel.key[1],
            "order_id": str(parcel.order_id or ""),
            "tracking_number": parcel.tracking_number,
            "carrier_code": parcel.carrier_code,
            "service_code": parcel.service_code,
            "ship_date": parcel.ship_date,
            "shipstation_create_date": naive(parcel.create_date),
            "shipment_cost": parcel.cost,
            "insurance_cost": parcel.insurance_cost,
            "voided": parcel.voided,
            "void_date": naive(parcel.void_date),
            "items": json.dumps(parcel.items) if parcel.items is not None else False,
        }

    @api.model
    def _parcel_from_values(self, values):
        """:class:`Parcel` from a ``read()`` row of this model (inverse of the above)."""
        items = json.loads(values["items"]) if values.get("items") else None
        return Parcel(
            key=(values["kind"], values["shipstation_id"]),
            order_id=int(values["order_id"]) if values.get("order_id") else None,
            tracking_number=values.get("tracking_number") or "",
            carrier_code=values.get("carrier_code") or "",
            service_code=values.get("service_code") or "",
            ship_date=values.get("ship_date") or None,
            create_date=values.get("shipstation_create_date") or None,
            cost=values.get("shipment_cost") or 0.0,
            insurance_cost=values.get("insurance_cost") or 0.0,
            voided=values.get("voided") or False,
            void_date=values.get("void_date") or None,
            items=tuple(tuple(item) for item in items) if items is not None else None,
        )
