"""Fill a demo database so it matches the ShipStation sandbox's demo seed.

Run inside ``odoo shell`` (``env`` is given) by ``bin/demo``; reads the environment:
SHIPSTATION_URL, SHIPSTATION_KEY, SHIPSTATION_SECRET, SHIPSTATION_SEED (seed JSON),
SHIPSTATION_API (``v1`` or ``v2``; v2 needs the key alone).

Creates a ShipStation account wired to the sandbox, the seed's products (by SKU) with
stock (none of the poster, so deliveries that ship one wait for it), and one exported
delivery order per ``WH/OUT/DEMO-*`` order of the seed, named like it, dated before it.
Three more deliveries are left unexported, for the Export operation. Some demo sales ship
with a delivery method at *Real cost* (their sale orders get the label's cost once ShipStation
shipped them), some with one at *Estimated cost* (they keep the price quoted), for the
shipping cost analysis.
"""

import json
import os

from odoo import Command

SEED = json.load(open(os.environ["SHIPSTATION_SEED"], encoding="utf-8"))
OUT_OF_STOCK = {"SS-POSTER"}
# Delivery methods of some demo sales: (name, invoicing policy, price quoted on the sale).
REAL_COST = ("Shipping at Real Cost", "real", 7.5)
ESTIMATED_COST = ("Standard Shipping", "estimated", 6.5)
SHIPPING = {
    "WH/OUT/DEMO-010": REAL_COST,
    "WH/OUT/DEMO-015": REAL_COST,
    "WH/OUT/DEMO-026": REAL_COST,
    "WH/OUT/DEMO-011": ESTIMATED_COST,
    "WH/OUT/DEMO-020": ESTIMATED_COST,
    "WH/OUT/DEMO-027": ESTIMATED_COST,
}
API = os.environ.get("SHIPSTATION_API", "v1")
# API v2 does not report merges: an order merged away is simply gone (404, as if deleted) and the
# survivor lists every merged item. A v2 shop sees one shipment, so the v2 demo holds one delivery.
MERGED_AWAY = set(SEED.get("absorbed_order_ids") or []) if API == "v2" else set()


def product_for(item, cache={}):  # noqa: B006 - a cache on purpose
    sku = item["sku"]
    if sku not in cache:
        Product = env["product.product"]
        product = Product.search([("default_code", "=", sku)], limit=1) or Product.create(
            {
                "name": item["name"],
                "default_code": sku,
                "type": "product",
                "list_price": item.get("unitPrice") or 10,
                "weight": 0.4,
            }
        )
        if sku not in OUT_OF_STOCK:
            env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 500)
        cache[sku] = product
    return cache[sku]


def partner_for(address):
    country = env["res.country"].search([("code", "=", address.get("country") or "US")], limit=1)
    state = env["res.country.state"].search(
        [("code", "=", address.get("state")), ("country_id", "=", country.id)], limit=1
    )
    return env["res.partner"].create(
        {
            "name": address.get("name") or "Customer",
            "street": address.get("street1"),
            "city": address.get("city"),
            "zip": address.get("postalCode"),
            "country_id": country.id,
            "state_id": state.id,
            "phone": address.get("phone"),
        }
    )


def carrier_for(name, policy, price, cache={}):  # noqa: B006 - a cache on purpose
    if name not in cache:
        product = env["product.product"].create({"name": name, "type": "service", "list_price": 0.0})
        cache[name] = env["delivery.carrier"].create(
            {
                "name": name,
                "delivery_type": "fixed",
                "fixed_price": price,
                "invoice_policy": policy,
                "product_id": product.id,
            }
        )
    return cache[name]


def sale_delivery_for(name, items, partner):
    """The delivery of a confirmed sale order of ``partner``, named ``name`` (the demo's
    ShipStation order number), so the customer's own path can be followed in the portal."""
    sale = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "order_line": [
                Command.create({"product_id": product_for(item).id, "product_uom_qty": item["quantity"]})
                for item in items
            ],
        }
    )
    if name in SHIPPING:
        method, policy, price = SHIPPING[name]
        sale.set_delivery_line(carrier_for(method, policy, price), price)  # at real cost: quoted, line at 0
    sale.action_confirm()
    picking = sale.picking_ids
    picking.write({"name": name})
    picking.action_assign()
    return picking


def delivery_for(name, items, partner):
    if "sale.order" in env:
        return sale_delivery_for(name, items, partner)
    out = warehouse.out_type_id
    customers = env.ref("stock.stock_location_customers")
    picking = env["stock.picking"].create(
        {
            "name": name,
            "picking_type_id": out.id,
            "partner_id": partner.id,
            "location_id": out.default_location_src_id.id,
            "location_dest_id": customers.id,
            "move_ids": [
                Command.create(
                    {
                        "name": item["name"],
                        "product_id": product_for(item).id,
                        "product_uom_qty": item["quantity"],
                        "product_uom": product_for(item).uom_id.id,
                        "location_id": out.default_location_src_id.id,
                        "location_dest_id": customers.id,
                    }
                )
                for item in items
            ],
        }
    )
    picking.action_confirm()
    picking.action_assign()
    return picking


warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
env.company.write({"name": "Demo Shop", "country_id": env.ref("base.us").id})
account = env["shipstation.account"].create(
    {
        "name": "ShipStation Sandbox",
        "api_url": os.environ["SHIPSTATION_URL"],
        "api_key": os.environ["SHIPSTATION_KEY"],
        "api_secret": os.environ["SHIPSTATION_SECRET"],
        "api_version": API,
        "auto_import_shipment_details": True,
    }
)
pickings = env["stock.picking"]
# One customer of the demo has a portal login: their orders show the tracking links.
portal_customer = partner_for(SEED["orders"][0]["shipTo"])
portal_customer.email = "customer@example.com"
env["res.users"].create(
    {
        "name": portal_customer.name,
        "login": "customer",
        "password": "customer",
        "partner_id": portal_customer.id,
        "groups_id": [Command.set([env.ref("base.group_portal").id])],
    }
)
for order in SEED["orders"]:
    parent = (order.get("advancedOptions") or {}).get("parentId")
    if not order["orderNumber"].startswith("WH/OUT/DEMO-") or parent or order["orderId"] in MERGED_AWAY:
        # unrelated web-shop orders, split children (they belong to their parent's delivery), and on
        # API v2 the orders merged away (their goods are the survivor's delivery's)
        continue
    items = list(order["items"])
    for child in SEED["orders"]:
        if (child.get("advancedOptions") or {}).get("parentId") == order["orderId"]:
            items += child["items"]  # the delivery holds what ShipStation split off
    picking = delivery_for(order["orderNumber"], items, portal_customer)
    picking.write(
        {
            "is_exported_to_shipstation": True,
            "shipstation_account_id": account.id,
            "shipstation_order_id": account._shipstation_ref(order["orderId"]),
        }
    )
    pickings |= picking
for number in (1, 2, 3):
    item = {"sku": "SS-MUG", "name": "ShipStation Logo Mug", "quantity": number}
    pickings |= delivery_for("WH/OUT/NEW-%03d" % number, [item], portal_customer)
# The deliveries existed before ShipStation received them.
env.cr.execute(
    "UPDATE stock_picking SET create_date = now() at time zone 'UTC' - interval '30 days' " "WHERE id IN %s",
    [tuple(pickings.ids)],
)
env.cr.commit()
print(
    "Demo data: account %r -> %s, %d exported deliveries, 3 to export."
    % (account.name, account.api_url, len(pickings) - 3)
)
if MERGED_AWAY:
    print(
        "API v2 reports no merges: the orders merged into WH/OUT/DEMO-022 have no delivery of their own "
        "(their goods are on DEMO-022, as the survivor lists them)."
    )
