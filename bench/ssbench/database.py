"""The bench database and what the syncs work on: the Odoo registry, base data,
accounts and deliveries (main process; the registry also in each measured child)."""

import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from .common import API_KEY, API_KEY_V2, API_SECRET, PG, ROOT, check_db_name, log, odoo_env, ref_number
from .scenario import PRODUCT_COUNT, sku

STOCK_PER_PRODUCT = 1_000_000
BATCH = 250
SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git", "bench", "__pycache__", "*.pyc", ".venv", ".pytest_cache", ".ruff_cache", ".benchmarks"
)
SETUP_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}


# ----------------------------------------------------------------------------------
# Odoo plumbing (shared by the main process and the phase child)
# ----------------------------------------------------------------------------------


def core_addons_dir():
    import odoo  # noqa: PLC0415

    return os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "addons")


def addons_path(tmpdir):
    """Addons path holding a copy of the working tree named ``shipstation_connector``.

    A copy, not a link: others may edit the repository while a long run goes on, and
    every phase of one run must load the same code.
    """
    target = os.path.join(tmpdir, "shipstation_connector")
    if not os.path.isdir(target):
        shutil.copytree(ROOT, target, ignore=SNAPSHOT_IGNORE, symlinks=True)
    return ",".join([core_addons_dir(), tmpdir])


def code_version():
    """Git commit of the repository and the files changed since (read-only git); read when
    the tree is copied for a run, so it names the code the run measures."""

    def git(*args):
        result = subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True)
        return result.stdout if result.returncode == 0 else None

    status = git("status", "--porcelain", "--untracked-files=no") or ""
    # Porcelain lines are "XY path": the status letters may start with a space.
    modified = [line[3:] for line in status.splitlines() if line.strip()]
    return {"commit": (git("rev-parse", "HEAD") or "").strip() or None, "modified": modified}


def odoo_args(db, path):
    return [
        "-d",
        db,
        "--db_host",
        PG["host"],
        "--db_port",
        PG["port"],
        "--db_user",
        PG["user"],
        "--addons-path",
        path,
        "--without-demo",
        "all",
        "--log-level",
        "warn",
    ]


def open_registry(db, path):
    import odoo  # noqa: PLC0415

    odoo.tools.config.parse_config(odoo_args(db, path))
    return odoo.modules.registry.Registry(db)


def versions(registry):
    import odoo  # noqa: PLC0415

    with registry.cursor() as cr:
        cr.execute("SHOW server_version")
        pg = cr.fetchone()[0]
    return {"python": platform.python_version(), "odoo": odoo.release.version, "postgresql": pg}


# ----------------------------------------------------------------------------------
# Creating and dropping the database
# ----------------------------------------------------------------------------------


def pg_cmd(name, *args):
    return [name, "-h", PG["host"], "-p", PG["port"], "-U", PG["user"], *args]


def psql_value(db, sql, check=False, **variables):
    """What ``sql`` returns, run by psql on ``db``, as stripped text.

    ``variables`` are psql variables, quoted where ``sql`` says ``:'name'`` (psql
    substitutes them in the SQL it reads, never in ``-c``: hence the SQL on stdin).
    """
    options = [arg for name, value in variables.items() for arg in ("-v", "%s=%s" % (name, value))]
    return subprocess.run(
        pg_cmd("psql", "-At", "-d", db, *options), input=sql, capture_output=True, text=True, check=check
    ).stdout.strip()


def db_exists(db):
    return psql_value("postgres", "SELECT 1 FROM pg_database WHERE datname = :'name'", check=True, name=db) == "1"


def module_installed(db):
    return psql_value(db, "SELECT state FROM ir_module_module WHERE name = 'shipstation_connector'") == "installed"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_init(db, path, flag, what):
    """Run ``odoo -i`` or ``-u shipstation_connector`` once, outside this process."""
    logfile = os.path.join(tempfile.gettempdir(), "%s-%s.log" % (db, what))
    log("%s shipstation_connector in %s (log: %s)" % (what, db, logfile))
    cmd = [
        sys.executable,
        "-m",
        "odoo",
        *odoo_args(db, path),
        flag,
        "shipstation_connector",
        "--stop-after-init",
        "--http-port",
        str(free_port()),
        "--logfile",
        logfile,
    ]
    result = subprocess.run(cmd)
    if result.returncode or not module_installed(db):
        with open(logfile, encoding="utf-8", errors="replace") as handle:
            print("".join(handle.readlines()[-40:]), file=sys.stderr)
        sys.exit("%s of the addon failed (exit code %s)" % (what, result.returncode))


def prepare_database(db, path, keep):
    """Drop and recreate ``db`` and install the addon (or, kept, update it to this code).

    :return: seconds spent
    """
    check_db_name(db)
    started = time.perf_counter()
    if keep and db_exists(db) and module_installed(db):
        log("reusing database %s (--keep-db)" % db)
        odoo_init(db, path, "-u", "updating")
        return time.perf_counter() - started
    if db_exists(db) and not keep:
        log("dropping database %s" % db)
        subprocess.run(pg_cmd("dropdb", "--if-exists", db), check=True)
    if not db_exists(db):
        subprocess.run(pg_cmd("createdb", "-E", "UTF8", "-T", "template0", db), check=True)
    odoo_init(db, path, "-i", "installing")
    return time.perf_counter() - started


# ----------------------------------------------------------------------------------
# Base data, accounts, deliveries (main process)
# ----------------------------------------------------------------------------------


def ensure_base_data(registry, needed_units):
    """Products BENCH-00..19 with plenty of stock, and a customer; :return: ids."""
    with registry.cursor() as cr:
        env = odoo_env(cr)(context=SETUP_CONTEXT)
        warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
        stock = warehouse.lot_stock_id
        Product = env["product.product"]
        products = {}
        for index in range(PRODUCT_COUNT):
            code = sku(index)
            product = Product.search([("default_code", "=", code)], limit=1)
            if not product:
                product = Product.create(
                    {
                        "name": "Bench product %02d" % index,
                        "default_code": code,
                        "type": "product",
                        "list_price": 10.0,
                        "weight": 0.5,
                    }
                )
            free = product.with_context(location=stock.id).free_qty
            if free < needed_units:
                env["stock.quant"]._update_available_quantity(product, stock, STOCK_PER_PRODUCT)
            products[code] = (product.id, product.uom_id.id)
        partner = env["res.partner"].search([("name", "=", "Bench Customer")], limit=1) or env["res.partner"].create(
            {
                "name": "Bench Customer",
                "street": "1 Bench Street",
                "city": "Austin",
                "zip": "73301",
                "country_id": env.ref("base.us").id,
                "email": "bench@example.com",
            }
        )
        customers = env.ref("stock.stock_location_customers")
        cr.commit()
        return {
            "products": products,
            "partner": partner.id,
            "type": warehouse.out_type_id.id,
            "src": stock.id,
            "dest": customers.id,
            "company": env.company.id,
        }


def create_account(registry, name, url, api="v1"):
    """An account of ``api`` on the sandbox at ``url`` (v2: the sandbox's v2 key, no secret)."""
    if api == "v2":
        vals = {"api_version": "v2", "api_key": API_KEY_V2}
    else:
        vals = {"api_version": "v1", "api_key": API_KEY, "api_secret": API_SECRET}
    with registry.cursor() as cr:
        env = odoo_env(cr)
        account = env["shipstation.account"].create(dict(vals, name=name, api_url=url))
        cr.commit()
        return account.id


def create_deliveries(registry, specs, base, n):
    """Create, confirm and reserve the deliveries in batches. :return: [(id, name)]"""
    from odoo import Command  # noqa: PLC0415

    result, started = [], time.perf_counter()
    for start in range(0, len(specs), BATCH):
        chunk = specs[start : start + BATCH]
        with registry.cursor() as cr:
            env = odoo_env(cr)(context=SETUP_CONTEXT)
            vals_list = []
            for spec in chunk:
                moves = []
                for code, qty in spec["lines"]:
                    product_id, uom_id = base["products"][code]
                    moves.append(
                        Command.create(
                            {
                                "name": code,
                                "product_id": product_id,
                                "product_uom_qty": qty,
                                "product_uom": uom_id,
                                "location_id": base["src"],
                                "location_dest_id": base["dest"],
                                "company_id": base["company"],
                            }
                        )
                    )
                vals_list.append(
                    {
                        "picking_type_id": base["type"],
                        "partner_id": base["partner"],
                        "location_id": base["src"],
                        "location_dest_id": base["dest"],
                        "company_id": base["company"],
                        "origin": "bench",
                        "move_ids": moves,
                    }
                )
            pickings = env["stock.picking"].create(vals_list)
            pickings.action_confirm()
            pickings.action_assign()
            not_ready = pickings.filtered(lambda p: p.state != "assigned")
            if not_ready:
                raise RuntimeError(
                    "%d deliveries not reserved (e.g. %s is %s): not enough stock?"
                    % (len(not_ready), not_ready[0].name, not_ready[0].state)
                )
            result += [(p.id, p.name) for p in pickings]
            cr.commit()
        done = len(result)
        if done % 1000 < BATCH or done == len(specs):
            rate = done / (time.perf_counter() - started)
            log("  N=%d: %d/%d deliveries created and reserved (%.0f/s)" % (n, done, len(specs), rate))
    return result


def export_deliveries(registry, account_id, pickings, order_ids):
    """Flag the deliveries exported, link their orders, and date them 10 days back.

    The orders are linked as the account's version writes them (v2: ``se-123``).
    """
    with registry.cursor() as cr:
        account = odoo_env(cr)["shipstation.account"].browse(account_id)
        refs = [account._shipstation_ref(oid) for oid in order_ids]
        cr.execute(
            """UPDATE stock_picking p
                  SET is_exported_to_shipstation = TRUE, shipstation_account_id = %s,
                      shipstation_order_id = v.oid,
                      create_date = (now() AT TIME ZONE 'UTC') - INTERVAL '10 days'
                 FROM unnest(%s::int[], %s::varchar[]) AS v(pid, oid)
                WHERE p.id = v.pid""",
            [account_id, [pid for pid, _ in pickings], refs],
        )
        if cr.rowcount != len(pickings):
            raise RuntimeError("exported %d deliveries instead of %d" % (cr.rowcount, len(pickings)))
        cr.commit()


def account_state(registry, account_id):
    """Deliveries of the account by state, and the in-transit ones' order ids (numbers,
    on either version: v2's ``se-123`` is 123)."""
    with registry.cursor() as cr:
        env = odoo_env(cr)
        account = env["shipstation.account"].browse(account_id)
        cr.execute(
            "SELECT state, count(*) FROM stock_picking WHERE shipstation_account_id = %s GROUP BY state", [account_id]
        )
        states = dict(cr.fetchall())
        cr.execute(
            "SELECT shipstation_sync_state, count(*) FROM stock_picking WHERE shipstation_account_id = %s "
            "AND state NOT IN ('draft', 'done', 'cancel') GROUP BY 1",
            [account_id],
        )
        sync_states = {str(k): v for k, v in cr.fetchall()}
        in_transit = env["stock.picking"].search(
            [("shipstation_account_id", "=", account_id), *account._in_transit_domain()], order="id"
        )
        order_ids = [x for x in map(ref_number, in_transit.mapped("shipstation_order_id")) if x is not None]
        cr.execute(
            "SELECT count(*) FROM stock_picking WHERE shipstation_account_id = %s AND backorder_id IS NOT NULL",
            [account_id],
        )
        backorders = cr.fetchone()[0]
        return {
            "states": states,
            "sync_states": sync_states,
            "in_transit": len(in_transit),
            "backorders": backorders,
        }, order_ids
