"""Databases of the scale benchmark: one template holding the addon, queue_job and the
deliveries, and identical copies of it (``CREATE DATABASE ... TEMPLATE ...``), one per variant.

Only names starting with ``shipstation_bench_scale`` are touched.
"""

import os
import subprocess
import sys
import tempfile

from .common import PG, log
from .database import core_addons_dir, db_exists, free_port, odoo_args, pg_cmd

SCALE_PREFIX = "shipstation_bench_scale"
QUEUE_JOB = "odoo-addon-queue_job>=17.0,<17.1"


def check_scale_db(db):
    if not db.startswith(SCALE_PREFIX):
        sys.exit("refusing to use database %r: the scale benchmark only uses databases named %s*" % (db, SCALE_PREFIX))


def build_template_db_names(template):
    """The template and its copies: ``{"template", "series", "qj", "rate"}``."""
    check_scale_db(template)
    names = {"template": template}
    names.update({variant: "%s_%s" % (template, variant) for variant in ("series", "qj", "rate")})
    return names


def fetch_queue_job(target):
    """queue_job into ``target`` (pip ``--target``, never machine-wide): :return: (addons folder, version)"""
    addons = os.path.join(target, "odoo", "addons")
    manifest = os.path.join(addons, "queue_job", "__manifest__.py")
    if not os.path.exists(manifest):
        log("fetching %s into %s" % (QUEUE_JOB, target))
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
        subprocess.run([*cmd, "--target", target, QUEUE_JOB], check=True)
    with open(manifest, encoding="utf-8") as handle:
        text = handle.read()
    version = text.split('"version"')[1].split('"')[1] if '"version"' in text else "unknown"
    return addons, version


def connect(db):
    import psycopg2  # noqa: PLC0415

    conn = psycopg2.connect(host=PG["host"], port=PG["port"], user=PG["user"], dbname=db)
    conn.autocommit = True
    return conn


def query(db, sql, params=None):
    """Rows of ``sql`` on ``db`` (a connection of its own, closed at once)."""
    conn = connect(db)
    try:
        with conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall() if cr.description else []
    finally:
        conn.close()


def drop(db):
    check_scale_db(db)
    if db_exists(db):
        log("dropping database %s" % db)
        terminate(db)
        subprocess.run(pg_cmd("dropdb", "--if-exists", db), check=True)


def terminate(db):
    """End every connection to ``db`` (a template cannot be copied while anyone is connected)."""
    check_scale_db(db)
    query("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [db])


def clone(template, db):
    """``db`` as an exact copy of ``template`` (dropped first if it exists)."""
    check_scale_db(template)
    check_scale_db(db)
    drop(db)
    terminate(template)
    query("postgres", 'CREATE DATABASE "%s" TEMPLATE "%s"' % (db, template))
    log("copied %s to %s" % (template, db))


def install(db, addons_path, modules):
    """A new database with ``modules`` installed (``odoo -i``, in a process of its own)."""
    check_scale_db(db)
    drop(db)
    subprocess.run(pg_cmd("createdb", "-E", "UTF8", "-T", "template0", db), check=True)
    logfile = os.path.join(tempfile.gettempdir(), "%s-install.log" % db)
    log("installing %s in %s (log: %s)" % (",".join(modules), db, logfile))
    cmd = [sys.executable, "-m", "odoo", *odoo_args(db, addons_path), "-i", ",".join(modules)]
    cmd += ["--stop-after-init", "--http-port", str(free_port()), "--logfile", logfile]
    result = subprocess.run(cmd)
    states = dict(query(db, "SELECT name, state FROM ir_module_module WHERE name = ANY(%s)", [list(modules)]))
    if result.returncode or any(states.get(m) != "installed" for m in modules):
        with open(logfile, encoding="utf-8", errors="replace") as handle:
            print("".join(handle.readlines()[-40:]), file=sys.stderr)
        sys.exit("installing %s failed (exit code %s, states %s)" % (modules, result.returncode, states))


def scale_addons_path(snapshot_path, queue_addons):
    """The benchmark's addons path (core addons, the code snapshot) plus queue_job's folder."""
    parts = snapshot_path.split(",")
    if core_addons_dir() not in parts:
        parts.insert(0, core_addons_dir())
    return ",".join([*parts, queue_addons])


def outcomes(db, account_ids):
    """Per account: deliveries by state, backorders, and the sums of its import runs.

    :return: ``{account id: {"states": {...}, "backorders": n, "runs": {...}}}``
    """
    result = {aid: {"states": {}, "backorders": 0, "runs": {}} for aid in account_ids}
    rows = query(
        db,
        "SELECT shipstation_account_id, state, count(*) FROM stock_picking"
        " WHERE shipstation_account_id = ANY(%s) GROUP BY 1, 2",
        [list(account_ids)],
    )
    for aid, state, count in rows:
        result[aid]["states"][state] = count
    rows = query(
        db,
        "SELECT shipstation_account_id, count(*) FROM stock_picking"
        " WHERE shipstation_account_id = ANY(%s) AND backorder_id IS NOT NULL GROUP BY 1",
        [list(account_ids)],
    )
    for aid, count in rows:
        result[aid]["backorders"] = count
    rows = query(
        db,
        "SELECT account_id, count(*), sum(validated), sum(cancelled), sum(backorders), sum(waiting), sum(failed),"
        " sum(api_calls), sum(CASE WHEN error IS NOT NULL AND error != '' THEN 1 ELSE 0 END)"
        " FROM shipstation_sync_run WHERE account_id = ANY(%s) AND operation = 'import' GROUP BY 1",
        [list(account_ids)],
    )
    for aid, runs, validated, cancelled, backorders, waiting, failed, calls, errors in rows:
        result[aid]["runs"] = {
            "runs": runs,
            "validated": validated,
            "cancelled": cancelled,
            "backorders": backorders,
            "waiting": waiting,
            "failed": failed,
            "api_calls": calls,
            "with_error": errors,
        }
    return result
