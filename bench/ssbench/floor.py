"""Odoo's own cost of the same validations and cancellations: the floor the connector's
apply is compared with.

Before a measured sync, the bench database is copied (PostgreSQL ``CREATE DATABASE ...
TEMPLATE``), so both start from the same deliveries in the same state. In the copy, a
fresh Odoo process plans as the sync would (``_read_and_plan`` without writing: the
same decisions), then does what a user of plain Odoo would do with them:

* for each delivery to validate, the quantity of each move that ships other than its
  reservation is set, one move at a time (``move.quantity = ...``, as the Detailed
  Operations do); moves that ship whole are left for Odoo to pick;
* ``button_validate()`` on all those deliveries at once (with ``skip_backorder``, so
  what did not ship goes to a backorder without the wizard), then ``action_cancel()``
  on all the deliveries to cancel at once.

Those steps are timed and their SQL queries counted, each with its flush and Odoo's
precommit hooks (the chatter's tracking of the new state, which Odoo writes before any
commit: the sync's savepoints run them too); the planning before them is not. Nothing
else is written: no tracking number, cost, parcel, sync field or note. The copy is
dropped afterwards.
"""

import json
import subprocess
import time

from .common import check_db_name, log, odoo_env
from .database import db_exists, open_registry, pg_cmd
from .measuring import run_child

#: Suffix of the copy the floor is measured in.
COPY_SUFFIX = "_floor"
#: The context of Odoo's validation without wizards (what the connector passes too, less its own key).
PLAIN_CONTEXT = {"skip_backorder": True, "skip_sms": True, "skip_expired": True}


def copy_database(db):
    """A copy of ``db`` (every connection to it is closed first); :return: the copy's name."""
    import odoo  # noqa: PLC0415

    copy = db + COPY_SUFFIX
    check_db_name(copy)
    odoo.sql_db.close_db(db)
    drop_database(copy)
    subprocess.run(pg_cmd("createdb", "-T", db, copy), check=True)
    return copy


def drop_database(db):
    check_db_name(db)
    if db_exists(db):
        subprocess.run(pg_cmd("dropdb", "--if-exists", db), check=True)


def _open_moves(picking):
    return picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))


def set_plain_quantities(picking, quantities, sku_of):
    """Set, one move at a time, the quantity of each move that does not ship its reservation,
    then tick the moves that ship (a delivery that ships its reservations whole is left for
    Odoo to pick).

    :param dict quantities: ``{sku: qty in the product's unit}`` that ShipStation shipped
    :return: how many moves were written
    """
    left, changed = dict(quantities or {}), []
    moves = _open_moves(picking)
    for move in moves:
        sku = sku_of(move.product_id)
        reserved = move.product_uom._compute_quantity(move.quantity, move.product_id.uom_id, round=False)
        qty = min(left.get(sku, 0.0), reserved)
        left[sku] = left.get(sku, 0.0) - qty
        if qty != reserved:
            changed.append((move, move.product_id.uom_id._compute_quantity(qty, move.product_uom, round=False)))
    for move, qty in changed:
        move.quantity = qty
    if changed:
        moves.filtered("quantity").picked = True
    return len(changed)


def floor_child(args):
    """In the copy ``args.db``: plan as the sync would, then validate and cancel as plain Odoo does."""
    check_db_name(args.db)
    registry = open_registry(args.db, args.addons_path)
    # The addon's modules import once the registry has loaded it.
    import odoo.sql_db as sql_db  # noqa: PLC0415

    from odoo.addons.shipstation_connector.lib.shipstation.report import AccountReport  # noqa: PLC0415
    from odoo.addons.shipstation_connector.lib.shipstation.values import CANCEL, VALIDATE  # noqa: PLC0415
    from odoo.addons.shipstation_connector.models.stock_picking import shipstation_sku  # noqa: PLC0415

    with registry.cursor() as cr:
        env = odoo_env(cr)
        account = env["shipstation.account"].browse(args.account_id).sudo()
        sync = env["shipstation.sync"]._run_env(account)
        account = account.with_env(sync.env)
        report = AccountReport(account=account.name)
        planned = sync._read_and_plan(account, report, None, None, odoo_now(), write=False)
        if planned is None:
            raise RuntimeError("the floor's planning could not read ShipStation: %s" % report.error)
        _targets, decisions = planned
        shipped = {d.picking_id: d.quantities for d in decisions if d.changed and d.action == VALIDATE}
        Picking = env["stock.picking"].with_env(sync.env)
        to_validate = Picking.browse(list(shipped))
        to_cancel = Picking.browse([d.picking_id for d in decisions if d.changed and d.action == CANCEL])
        env.cr.flush()
        env.invalidate_all()
        thread_queries = sql_db.sql_counter
        wall0, cpu0 = time.perf_counter(), time.process_time()
        steps = {}

        def step(name, func, *args):
            q0, t0 = sql_db.sql_counter, time.perf_counter()
            value = func(*args)
            env.cr.flush()  # the ORM's pending writes, then Odoo's precommit hooks (the chatter's tracking)
            steps[name] = {"seconds": round(time.perf_counter() - t0, 3), "queries": sql_db.sql_counter - q0}
            return value

        moves_written = step(
            "quantities",
            lambda: sum(set_plain_quantities(p, shipped[p.id], shipstation_sku) for p in to_validate),
        )
        if to_validate:
            step("button_validate", to_validate.with_context(**PLAIN_CONTEXT).button_validate)
        if to_cancel:
            step("action_cancel", to_cancel.action_cancel)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        queries = sql_db.sql_counter - thread_queries
        not_done = to_validate.filtered(lambda p: p.state != "done")
        not_cancelled = to_cancel.filtered(lambda p: p.state != "cancel")
        result = {
            "validated": len(to_validate) - len(not_done),
            "cancelled": len(to_cancel) - len(not_cancelled),
            "backorders": len(to_validate.backorder_ids),
            "not_validated": not_done.mapped("name")[:10],
            "not_cancelled": not_cancelled.mapped("name")[:10],
            "moves_written": moves_written,
            "seconds": round(wall, 3),
            "cpu_seconds": round(cpu, 3),
            "sql_queries": queries,
            "plan_api_calls": report.api_calls,
            "steps": steps,
        }
        cr.commit()  # the copy is dropped; committing keeps Odoo's post-commit hooks in the count's frame
    with open(args.child_out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


def odoo_now():
    from odoo import fields  # noqa: PLC0415

    return fields.Datetime.now()


def measure_floor(args, path, account_id, workdir, label):
    """Odoo's floor on a copy of the bench database, in a fresh process; :return: its figures."""
    started = time.perf_counter()
    copy = copy_database(args.db)
    try:
        settings = {"db": copy, "addons_path": path, "account_id": account_id, "mode": "floor"}
        figures = run_child(args, settings, workdir, "floor-%s-%d" % (label, account_id))
    finally:
        drop_database(copy)
    figures["total_seconds"] = round(time.perf_counter() - started, 1)
    log(
        "  Odoo's floor: %d validated, %d cancelled, %d backorders in %.1f s, %d SQL queries (%s)"
        % (
            figures["validated"],
            figures["cancelled"],
            figures["backorders"],
            figures["seconds"],
            figures["sql_queries"],
            ", ".join("%s %.2f s/%d q" % (k, v["seconds"], v["queries"]) for k, v in figures["steps"].items()),
        )
    )
    return figures


def apply_ratio(phase):
    """The connector's apply seconds over Odoo's floor for the same deliveries, or None."""
    floor = phase.get("odoo_floor")
    apply = phase.get("steps", {}).get("apply", {}).get("seconds")
    if not floor or not apply or not floor.get("seconds"):
        return None
    return round(apply / floor["seconds"], 2)
