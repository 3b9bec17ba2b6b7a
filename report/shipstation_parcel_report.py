from odoo import fields, models, tools

#: The ship date of a parcel (or the day ShipStation created it).
DAY = "COALESCE(s.ship_date, s.shipstation_create_date::date, CURRENT_DATE)"


def _rate(currency):
    """The latest rate of ``currency`` (an SQL expression) on the parcel's day, the company's own
    rate first, as Odoo's conversion takes it."""
    return (
        "(SELECT r.rate FROM res_currency_rate r WHERE r.currency_id = "
        + currency
        + " AND r.name <= "
        + DAY
        + " AND (r.company_id IS NULL OR r.company_id = c.id) ORDER BY r.company_id IS NULL, r.name DESC LIMIT 1)"
    )


#: From the account's currency to the company's, as Odoo converts; NULL when Odoo has no rate for
#: the account's currency, so a cost is never counted 1:1.
FACTOR = (
    "(CASE WHEN a.currency_id = c.currency_id THEN 1.0 ELSE COALESCE("
    + _rate("c.currency_id")
    + ", 1.0) / NULLIF("
    + _rate("a.currency_id")
    + ", 0) END)"
)
QUERY = (
    """
    CREATE OR REPLACE VIEW shipstation_parcel_report AS (
        SELECT
            s.id AS id,
            s.id AS parcel_id,
            s.picking_id AS picking_id,
            s.account_id AS account_id,
            p.company_id AS company_id,
            pt.warehouse_id AS warehouse_id,
            p.carrier_id AS delivery_carrier_id,
            s.carrier_code AS carrier_code,
            s.service_code AS service_code,
            s.tracking_number AS tracking_number,
            s.kind AS kind,
            """
    + DAY
    + """ AS date,
            COALESCE(s.voided, FALSE) AS voided,
            1 AS package_count,
            c.currency_id AS currency_id,
            COALESCE(s.shipment_cost, 0.0) * """
    + FACTOR
    + """ AS cost,
            COALESCE(s.insurance_cost, 0.0) * """
    + FACTOR
    + """ AS insurance
        FROM shipstation_shipment s
        JOIN stock_picking p ON p.id = s.picking_id
        JOIN stock_picking_type pt ON pt.id = p.picking_type_id
        JOIN shipstation_account a ON a.id = s.account_id
        JOIN res_company c ON c.id = p.company_id
        WHERE s.charged
    )
"""
)


class ShipStationParcelReport(models.Model):
    """Shipping cost analysis over the parcels (labels and fulfillments) syncs recorded.

    One row per parcel, in the company's currency. A label shared by deliveries merged in
    ShipStation is counted once, on the delivery it is charged to. Return labels are never
    recorded (the sync ignores them); voided parcels have rows, which the views leave out
    unless asked for.
    """

    _name = "shipstation.parcel.report"
    _description = "ShipStation Parcel Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "tracking_number"

    parcel_id = fields.Many2one("shipstation.shipment", string="Parcel", readonly=True)
    picking_id = fields.Many2one("stock.picking", string="Delivery", readonly=True)
    account_id = fields.Many2one("shipstation.account", string="ShipStation Account", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    delivery_carrier_id = fields.Many2one("delivery.carrier", string="Delivery Method", readonly=True)
    carrier_code = fields.Char(string="Carrier", readonly=True)
    service_code = fields.Char(string="Service", readonly=True)
    tracking_number = fields.Char(readonly=True)
    kind = fields.Selection(
        [("shipment", "Label"), ("fulfillment", "Marked as shipped")], string="Parcel Type", readonly=True
    )
    date = fields.Date(string="Ship Date", readonly=True)
    voided = fields.Boolean(readonly=True)
    package_count = fields.Integer(string="Packages", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    cost = fields.Monetary(readonly=True, help="The label's cost, in the company's currency.")
    insurance = fields.Monetary(readonly=True, help="The insurance's cost, in the company's currency.")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(QUERY)
