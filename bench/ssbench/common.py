"""What every part of the benchmark shares: paths, PostgreSQL settings, phases, logging."""

import getpass
import os
import sys
import time

PACKAGE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(PACKAGE)
ROOT = os.path.dirname(BENCH)
#: The command; measured syncs run it again with ``--child``.
SCRIPT = os.path.join(BENCH, "run_sync_bench.py")
DB_PREFIX = "shipstation_bench"
API_KEY, API_SECRET = "bench-key", "bench-secret"
#: The sandbox's v2 key (v2 accounts have a key and no secret).
API_KEY_V2 = "bench-key-v2"
#: The ShipStation API versions the benchmark can measure, in the order of the table.
APIS = ("v1", "v2")
PG = {
    "host": os.environ.get("PGHOST", "127.0.0.1"),
    "port": os.environ.get("PGPORT", "5432"),
    "user": os.environ.get("PGUSER", getpass.getuser()),
}
PHASES = ("first", "nothing_new", "changed_5pct")
PHASE_TITLES = {"first": "first sync", "nothing_new": "re-sync, nothing new", "changed_5pct": "re-sync, 5% changed"}
MIB = 1024 * 1024


def log(message):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), message), flush=True)


def check_db_name(db):
    if not db.startswith(DB_PREFIX):
        sys.exit("refusing to use database %r: the benchmark only uses databases named %s*" % (db, DB_PREFIX))


def odoo_env(cr):
    import odoo  # noqa: PLC0415

    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def ref_number(ref):
    """The number of a held ShipStation id (``123`` or ``se-123``), or None."""
    text = (ref or "").strip()
    text = text[3:] if text.startswith("se-") else text
    return int(text) if text.isdigit() else None
