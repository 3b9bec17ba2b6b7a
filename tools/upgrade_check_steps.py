"""The steps of tools/upgrade_check.py that run inside Odoo, with whichever version of the addon
the addons path holds: ``python3 upgrade_check_steps.py STEP DB ADDONS_PATH IN_JSON OUT_JSON``.

They use only what every version since 17.0.1.0.0 has (the account's fields, ``_export_accounts``
and ``_sync_accounts``), so the same steps drive the old version and the working tree.
"""

import getpass
import json
import os
import sys
from datetime import date, datetime

import odoo
from odoo.tools import config

#: The deliveries of the scenario, by role: (product code, quantity, exported).
DELIVERIES = {
    "open": ("UC-MUG", 1, True),  # stays awaiting shipment
    "shipped": ("UC-TEE", 2, True),  # shipped with a label: validated
    "cancelled": ("UC-CAP", 1, True),  # cancelled in ShipStation
    "survivor": ("UC-MUG", 1, True),  # its order absorbs "absorbed"'s, then ships
    "absorbed": ("UC-POSTER", 1, True),  # merged away; nothing in stock: waits
    "waiting": ("UC-POSTER", 1, True),  # shipped, nothing in stock: waits
    "local": ("UC-MUG", 1, False),  # never exported
}
PRODUCTS = {"UC-MUG": 100, "UC-TEE": 100, "UC-CAP": 100, "UC-POSTER": 0}
#: The old version's XML ids and today's, of the records a shop builds on.
FORM_VIEW = ("view_picking_form", "view_picking_withcarrier_out_form_inherit_shipstation_connector")
EXPORT_ACTION = ("action_export_to_shipstation", "stock_picking_action_export_to_shipstation")
DASHBOARD_ACTION = ("shipstation_account_dashboard_action", "shipstation_account_action_dashboard")
#: Bookkeeping columns, not values a shop stored.
NOT_VALUES = {"write_date", "write_uid", "__last_update"}
AGE = "3 hours 5 minutes"


def ref(env, names):
    """The record of the first of ``names`` (XML ids of the addon) that exists."""
    for name in names:
        record = env.ref("shipstation_connector." + name, raise_if_not_found=False)
        if record:
            return record
    raise LookupError("none of %s exists" % (names,))


def plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


def stored(records, also=()):
    """``{id: {field: value}}`` of every stored field of ``records`` (relations as ids), and of the
    fields ``also`` names that the model still has (stored before, computed today)."""
    names = [n for n, f in records._fields.items() if f.store and n not in NOT_VALUES and f.type != "binary"]
    names += [n for n in also if n in records._fields and n not in names]
    return {str(row["id"]): {k: plain(v) for k, v in row.items()} for row in records.read(names, load=None)}


def setup(env, data):
    """Products, an account on the sandbox, the deliveries, exported; a shop's own view and favourites."""
    stock = env.ref("stock.warehouse0").lot_stock_id
    partner = env["res.partner"].create(
        {"name": "Ada Lovelace", "street": "1 Infinite Loop", "city": "Cupertino", "zip": "95014"}
    )
    partner.country_id = env.ref("base.us")
    products = {}
    for code, qty in PRODUCTS.items():
        products[code] = env["product.product"].create(
            {"name": code, "default_code": code, "type": "product", "list_price": 10.0, "weight": 0.5}
        )
        if qty:
            env["stock.quant"]._update_available_quantity(products[code], stock, qty)
    values = {"name": "Upgrade check", "api_key": "key", "api_secret": "secret", "api_url": data["sandbox_url"]}
    if "api_version" in env["shipstation.account"]._fields:
        values["api_version"] = "v1"
    account = env["shipstation.account"].create(values)
    if "webhook_pending" in account._fields and account._fields["webhook_pending"].store:
        # The early layout of 17.0.1.4.0 kept ShipStation's calls on the account.
        account.write(
            {
                "webhook_last_received": "2026-01-02 10:05:00",
                "webhook_pending": True,
                "webhook_last_sync": "2026-01-02 10:00:00",
            }
        )
    out_type = env.ref("stock.warehouse0").out_type_id
    pickings = {}
    for role, (code, qty, _exported) in DELIVERIES.items():
        product = products[code]
        pickings[role] = env["stock.picking"].create(
            {
                "picking_type_id": out_type.id,
                "partner_id": partner.id,
                "location_id": stock.id,
                "location_dest_id": env.ref("stock.stock_location_customers").id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": stock.id,
                            "location_dest_id": env.ref("stock.stock_location_customers").id,
                        },
                    )
                ],
            }
        )
        pickings[role].action_confirm()
        pickings[role].action_assign()
    # Made a while ago: the sandbox stamps this run's orders as many hours old too.
    env.flush_all()
    env.cr.execute(
        "UPDATE stock_picking SET create_date = create_date - interval %s WHERE id IN %s",
        [AGE, tuple(p.id for p in pickings.values())],
    )
    local = pickings["local"]
    local.is_exported_to_shipstation = True  # kept out of the export
    env["shipstation.export"]._export_accounts(account)
    local.is_exported_to_shipstation = False
    env.invalidate_all()
    # What a shop builds on the addon's records.
    view = env["ir.ui.view"].create(
        {
            "name": "stock.picking.form.shop.custom",
            "type": "form",
            "model": "stock.picking",
            "inherit_id": ref(env, FORM_VIEW).id,
            "arch": '<xpath expr="//field[@name=\'origin\']" position="after"><field name="note"/></xpath>',
        }
    )
    filters = env["ir.filters"].create(
        [
            {
                "name": "Shop favourite on the export",
                "model_id": "stock.picking",
                "action_id": ref(env, EXPORT_ACTION).id,
                "domain": "[('is_exported_to_shipstation', '=', True)]",
                "user_id": env.ref("base.user_admin").id,
            },
            {
                "name": "Shop favourite on the dashboard",
                "model_id": "shipstation.account",
                "action_id": ref(env, DASHBOARD_ACTION).id,
                "domain": "[]",
                "user_id": env.ref("base.user_admin").id,
            },
        ]
    )
    return {
        "account": account.id,
        "poster": products["UC-POSTER"].id,
        "pickings": {role: p.id for role, p in pickings.items()},
        "orders": {role: p.shipstation_order_id for role, p in pickings.items() if p.shipstation_order_id},
        "view": view.id,
        "filters": filters.ids,
    }


def sync(env, data):
    """The old version's sync of what the sandbox changed, then the snapshot before the upgrade."""
    account = env["shipstation.account"].browse(data["account"])
    env["shipstation.sync"]._sync_accounts(account)
    return snapshot(env, data)


def snapshot(env, data, before=None):
    """What the check compares; ``before``: the snapshot taken before the upgrade."""
    pickings = env["stock.picking"].browse(data["pickings"].values())
    view = env["ir.ui.view"].browse(data["view"]).exists()
    filters = env["ir.filters"].with_context(active_test=False).browse(data["filters"]).exists()

    def also(model):
        return sorted({name for values in ((before or {}).get(model) or {}).values() for name in values})

    accounts = env["shipstation.account"].with_context(active_test=False).search([])
    return {
        "stock.picking": stored(pickings, also("stock.picking")),
        "stock.move": stored(pickings.move_ids, also("stock.move")),
        "shipstation.shipment": stored(env["shipstation.shipment"].search([]), also("shipstation.shipment")),
        "shipstation.account": stored(accounts, also("shipstation.account")),
        "view": {"exists": bool(view), "inherit_id": view.inherit_id.id, "ours": ref(env, FORM_VIEW).id},
        "filters": {
            "found": len(filters),
            "action_ids": sorted(filters.mapped("action_id").ids),
            "ours": sorted([ref(env, EXPORT_ACTION).id, ref(env, DASHBOARD_ACTION).id]),
        },
    }


def after(env, data):
    """The snapshot after the upgrade, then stock arrives and the first sync runs."""
    result = {"snapshot": snapshot(env, data, data["before"])}
    env.cr.commit()
    stock = env.ref("stock.warehouse0").lot_stock_id
    poster = env["product.product"].browse(data["poster"])
    env["stock.quant"]._update_available_quantity(poster, stock, 10)
    pickings = env["stock.picking"].browse(data["pickings"].values())
    pickings.filtered(lambda p: p.state in ("confirmed", "waiting")).action_assign()
    env.cr.commit()
    env["shipstation.sync"]._sync_accounts(env["shipstation.account"].browse(data["account"]))
    env.invalidate_all()
    result["after_sync"] = {
        role: {
            "state": p.state,
            "sync_state": p.shipstation_sync_state or "",
            "message": (p.shipstation_sync_message or "")[:120],
        }
        for role, p in zip(data["pickings"], env["stock.picking"].browse(data["pickings"].values()))
    }
    return result


def uninstall(env, data):
    """Subscribe the account's webhooks, then uninstall the addon as from Apps."""
    account = env["shipstation.account"].browse(data["account"])
    account.action_subscribe_webhooks()
    subscribed = len(account.webhook_ids)
    env.cr.commit()
    env["ir.module.module"].search([("name", "=", "shipstation_connector")]).button_immediate_uninstall()
    env.cr.execute("SELECT state FROM ir_module_module WHERE name = 'shipstation_connector'")
    return {"subscribed": subscribed, "state": env.cr.fetchone()[0]}


STEPS = {"setup": setup, "sync": sync, "after": after, "uninstall": uninstall}


def main(step, db, addons_path, in_path, out_path):
    config.parse_config(
        [
            "--addons-path",
            addons_path,
            "--db_host",
            os.environ.get("PGHOST", "127.0.0.1"),
            "--db_port",
            os.environ.get("PGPORT", "5432"),
            "--db_user",
            os.environ.get("PGUSER", getpass.getuser()),
            "--log-level",
            "warn",
        ]
    )
    with open(in_path, encoding="utf-8") as handle:
        data = json.load(handle)
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        result = STEPS[step](env, data)
        cr.commit()
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1, sort_keys=True, default=str)


if __name__ == "__main__":
    main(*sys.argv[1:6])
