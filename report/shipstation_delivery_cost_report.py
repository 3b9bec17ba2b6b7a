from odoo import fields, models, tools

QUERY = """
    CREATE OR REPLACE VIEW shipstation_delivery_cost_report AS (
        WITH deliveries AS (
            SELECT
                p.id, p.sale_id, p.partner_id, p.shipstation_account_id, p.company_id, pt.warehouse_id,
                p.carrier_id, p.date_done, COALESCE(p.shipstation_shipping_cost, 0.0) AS label_cost,
                ROW_NUMBER() OVER (PARTITION BY p.sale_id ORDER BY p.date_done, p.id) AS rank
            FROM stock_picking p
            JOIN stock_picking_type pt ON pt.id = p.picking_type_id
            WHERE p.is_exported_to_shipstation AND p.state = 'done' AND pt.code = 'outgoing'
        ),
        paid AS (
            SELECT l.order_id, SUM(l.price_subtotal / COALESCE(NULLIF(o.currency_rate, 0), 1.0)) AS amount
            FROM sale_order_line l
            JOIN sale_order o ON o.id = l.order_id
            WHERE l.is_delivery AND o.state != 'cancel'
            GROUP BY l.order_id
        ),
        parcels AS (
            SELECT picking_id, COUNT(*) AS packages
            FROM shipstation_shipment
            WHERE charged AND NOT COALESCE(voided, FALSE)
            GROUP BY picking_id
        )
        SELECT
            d.id AS id,
            d.id AS picking_id,
            d.sale_id AS sale_id,
            d.partner_id AS partner_id,
            d.shipstation_account_id AS account_id,
            d.company_id AS company_id,
            d.warehouse_id AS warehouse_id,
            d.carrier_id AS delivery_carrier_id,
            d.date_done::date AS date,
            COALESCE(parcels.packages, 0) AS package_count,
            c.currency_id AS currency_id,
            d.label_cost AS label_cost,
            CASE WHEN d.rank = 1 THEN COALESCE(paid.amount, 0.0) ELSE 0.0 END AS customer_paid,
            CASE WHEN d.rank = 1 THEN COALESCE(paid.amount, 0.0) ELSE 0.0 END - d.label_cost AS difference
        FROM deliveries d
        JOIN res_company c ON c.id = d.company_id
        LEFT JOIN paid ON paid.order_id = d.sale_id
        LEFT JOIN parcels ON parcels.picking_id = d.id
    )
"""


class ShipStationDeliveryCostReport(models.Model):
    """What labels cost against what customers paid for shipping, per delivery.

    One row per delivery validated from ShipStation (done, exported): its label cost (the
    delivery's ShipStation Shipping Cost, live parcels only, in the company's currency) and
    the shipping the customer paid, the untaxed total of its sale's delivery lines in the
    company's currency at the sale's rate. A sale's shipping is counted once, on its first
    delivery (backorders show their label cost and nothing paid), so every grouping sums
    each sale once. Deliveries without a sale count what their labels cost.
    """

    _name = "shipstation.delivery.cost.report"
    _description = "ShipStation Shipping Cost Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "picking_id"

    picking_id = fields.Many2one("stock.picking", string="Delivery", readonly=True)
    sale_id = fields.Many2one("sale.order", string="Sale Order", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    account_id = fields.Many2one("shipstation.account", string="ShipStation Account", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    delivery_carrier_id = fields.Many2one("delivery.carrier", string="Delivery Method", readonly=True)
    date = fields.Date(string="Date Shipped", readonly=True)
    package_count = fields.Integer(string="Packages", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    label_cost = fields.Monetary(readonly=True)
    customer_paid = fields.Monetary(
        string="Shipping Paid",
        readonly=True,
        help="The untaxed shipping lines of the sale order, counted on its first delivery.",
    )
    difference = fields.Monetary(readonly=True, help="Shipping paid minus label cost: what shipping earned.")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(QUERY)
