import json
from collections import defaultdict

from odoo import api, fields, models

from ..lib.shipstation.values import Parcel, int_or_none

PARCEL_FIELDS = [
    "picking_id",
    "kind",
    "shipstation_id",
    "order_id",
    "tracking_number",
    "carrier_code",
    "service_code",
    "ship_date",
    "shipstation_create_date",
    "shipment_cost",
    "insurance_cost",
    "voided",
    "charged",
    "void_date",
    "items",
    "items_from_order",
    "label_tracking_url",
]


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
    _sql_constraints = [
        (
            "parcel_unique",
            "UNIQUE(picking_id, kind, shipstation_id)",
            "A ShipStation parcel is recorded once per delivery.",
        ),
    ]

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

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
    label_tracking_url = fields.Char(
        string="ShipStation Tracking Page", help="The tracking page ShipStation gave the label."
    )
    tracking_url = fields.Char(
        compute="_compute_tracking_url",
        string="Tracking Link",
        help="The label's own tracking page, or its carrier's (ShipStation > Tracking Links).",
    )
    items = fields.Text(string="Items (SKU: quantity)", help="What ShipStation says left in this parcel.")
    items_from_order = fields.Boolean(
        string="Items From the Order",
        help="The label listed no items: those shown are the lines of its ShipStation order, as the sync read them.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("label_tracking_url", "carrier_code", "tracking_number")
    def _compute_tracking_url(self):
        urls = self.env["shipstation.tracking.link"]._shipstation_urls(
            {(p.carrier_code, p.tracking_number) for p in self if not p.label_tracking_url}
        )
        for parcel in self:
            parcel.tracking_url = parcel.label_tracking_url or urls.get((parcel.carrier_code, parcel.tracking_number))

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

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
            "items_from_order": parcel.items_from_order,
            "label_tracking_url": parcel.tracking_url or False,
        }

    @api.model
    def _parcel_from_values(self, values):
        """:class:`Parcel` from a ``read()`` row of this model (inverse of the above)."""
        items = json.loads(values["items"]) if values.get("items") else None
        return Parcel(
            key=(values["kind"], values["shipstation_id"]),
            order_id=int_or_none(values.get("order_id")),
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
            items_from_order=values.get("items_from_order") or False,
            tracking_url=values.get("label_tracking_url") or "",
        )

    # ------------------------------------------------------------
    # SYNC
    # ------------------------------------------------------------

    @api.model
    def _shipstation_recorded(self, pickings):
        """The parcels recorded on ``pickings``, for the planner (one query).

        :return: ``({picking id: [Parcel]}, {picking id: charged live cost})``, the cost
            in the account's currency, as the planner computes it
        """
        parcels, costs = defaultdict(list), defaultdict(float)
        for row in self.sudo().search_read([("picking_id", "in", pickings.ids)], PARCEL_FIELDS):
            parcels[row["picking_id"][0]].append(self._parcel_from_values(row))
            if row["charged"] and not row["voided"]:
                costs[row["picking_id"][0]] += row["shipment_cost"]
        return parcels, costs

    @api.model
    def _shipstation_add_consumption(self, account, facts, order_ids, mark_voided=True):
        """Tell the planner which parcels deliveries already hold, and whose.

        Covers the parcels fetched in this run and every parcel recorded for the
        targets' orders (a backorder must know what its source delivery holds even
        when ShipStation sent nothing new about it). One query, plus one for the
        holders' orders.

        :param RemoteFacts facts: filled in place (``consumed_by``, ``recorded_voided``, ``family``)
        :param set order_ids: ShipStation orderIds of the targets
        :param bool mark_voided: the parcels of done or cancelled holders (never targets) that
            ShipStation now reports voided are marked voided here, so a later run knows it
            without reading them again (a reconciliation, which writes nothing, says False)
        """
        fetched = list({key[1] for key in facts.parcels})
        rows = self.sudo().search_read(
            [
                ("account_id", "=", account.id),
                "|",
                ("shipstation_id", "in", fetched),
                # Both ways ShipStation writes an id: an account moved from v1 to v2 keeps its deliveries.
                (
                    "picking_id.shipstation_order_id",
                    "in",
                    [ref for oid in order_ids for ref in (str(oid), "se-%d" % oid)],
                ),
            ],
            ["picking_id", "kind", "shipstation_id", "voided"],
        )
        for row in rows:
            key = (row["kind"], row["shipstation_id"])
            facts.consumed_by.setdefault(key, set()).add(row["picking_id"][0])
            facts.recorded_voided[key] = row["voided"]
        holders = self.env["stock.picking"].sudo().browse({row["picking_id"][0] for row in rows})
        closed = set()
        for row in holders.read(["shipstation_order_id", "state"]):
            facts.family[row["id"]] = int_or_none(row["shipstation_order_id"])
            if row["state"] in ("done", "cancel"):
                closed.add(row["id"])
        if mark_voided:
            self._shipstation_mark_voided(rows, facts, closed)

    @api.model
    def _shipstation_mark_voided(self, rows, facts, closed):
        """Mark voided the recorded parcels of done or cancelled deliveries that ShipStation
        now reports voided (the sync no longer reads those deliveries); one write."""
        voided = [
            row["id"]
            for row in rows
            if row["picking_id"][0] in closed
            and not row["voided"]
            and facts.parcels.get((row["kind"], row["shipstation_id"]))
            and facts.parcels[(row["kind"], row["shipstation_id"])].voided
        ]
        if voided:
            self.sudo().browse(voided).write({"voided": True})

    @api.model
    def _shipstation_update_parcels(self, picking, account, decision):
        """Update the delivery's recorded parcels; return the values of the new ones.

        :return: list of value dicts, for the caller to create a chunk's parcels at once
        """
        # Read through the delivery: one query for the parcels of every delivery of the run.
        existing = {(r.kind, r.shipstation_id): r for r in picking.sudo().shipstation_shipment_ids}
        new = []
        for parcel in decision.parcels:
            vals = self._values_from_parcel(parcel)
            vals["order_id"] = account._shipstation_ref(parcel.order_id) or ""
            vals["charged"] = parcel.key in decision.charged
            record = existing.get(parcel.key)
            if record is None:
                new.append(dict(vals, picking_id=picking.id, account_id=account.id))
            elif (
                record.voided != parcel.voided
                or record.charged != vals["charged"]
                or (record.items or False) != vals["items"]
                or record.items_from_order != vals["items_from_order"]
            ):
                record.write(vals)
        return new

    @api.model
    def _shipstation_create_parcels(self, vals_list):
        """Create the new parcels of a chunk of decisions in one go (values of
        :meth:`_shipstation_update_parcels`)."""
        if vals_list:
            self.sudo().create(vals_list)

    @api.model
    def _shipstation_refresh_parcels(self, picking, decision):
        """Give the recorded parcels ShipStation's cost and tracking number now (the sync keeps
        a parcel as first read; a reconciliation's fill takes what ShipStation says since)."""
        fetched = {parcel.key: parcel for parcel in decision.parcels}
        for record in picking.sudo().shipstation_shipment_ids:
            parcel = fetched.get((record.kind, record.shipstation_id))
            if parcel is None:
                continue
            vals = {
                "shipment_cost": parcel.cost,
                "insurance_cost": parcel.insurance_cost,
                "tracking_number": parcel.tracking_number,
            }
            if any(record[name] != value for name, value in vals.items()):
                record.write(vals)
