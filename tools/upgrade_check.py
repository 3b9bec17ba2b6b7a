#!/usr/bin/env python3
"""Upgrade databases from the repository's own earlier versions to the working tree, and compare.

For each version asked for (default: 17.0.1.0.0, 17.0.1.3.0 and 17.0.1.4.0), in a new database:

1. ``git archive`` of the commit that set that version in ``__manifest__.py``, installed alone
   (its dependencies with it) on a new PostgreSQL database;
2. with that old code, against the project's ShipStation sandbox (started here, on 127.0.0.1):
   an account, deliveries exported, then in ShipStation one left open, one shipped, one
   cancelled, two merged and shipped (the absorbed one with nothing in stock), one shipped with
   nothing in stock; one delivery never exported; the old sync; a shop's own view inheriting
   the addon's picking form and favourites on its export and dashboard actions. The deliveries
   are dated hours back, as the sandbox dates their orders, so the last sync ran long after;
3. a snapshot of every stored field of the deliveries, their moves, the parcels and the
   accounts, and of the shop's view and favourites;
4. ``-u shipstation_connector`` with the working tree (its migrations run);
5. the same snapshot, compared field by field; then stock arrives and the first sync runs: the
   merged-order delivery and the other waiting one must be done;
6. the account subscribes its webhooks and the addon is uninstalled: ShipStation holds none.

Prints one PASS/FAIL line per check and exits 1 when anything was lost or a step failed, 3 when
the repository's history lacks a version (a shallow clone). ``--skip-migrations`` upgrades to
the working tree without its ``migrations/`` folder, to see what the migrations prevent (the
check then fails on 17.0.1.0.0).

Usage: ``python3 tools/upgrade_check.py [--from 17.0.1.0.0|COMMIT ...] [--template DB] [--keep]``.
``--template`` copies a database where Odoo's modules the addon depends on are installed
already (faster than installing them; ``--extra-addons`` adds the addons paths its other modules
need); PGHOST/PGPORT/PGUSER as for bin/test.
"""

import argparse
import getpass
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "lib"))
from shipstation.sandbox import SandboxServer  # noqa: E402

ADDON = "shipstation_connector"
STEPS = os.path.join(ROOT, "tools", "upgrade_check_steps.py")
VERSIONS = ("17.0.1.0.0", "17.0.1.3.0", "17.0.1.4.0")
#: First version whose sync records the lines of a shipped order (see migrations/17.0.1.6.0).
RECORDS_ORDER_LINES = (17, 0, 1, 2, 0)
#: How old the old version's ShipStation orders are when the upgraded addon first syncs.
AGE = timedelta(hours=3)
PY = os.environ.get("PYTHON", sys.executable)
PG = {
    "host": os.environ.get("PGHOST", "127.0.0.1"),
    "port": os.environ.get("PGPORT", "5432"),
    "user": os.environ.get("PGUSER", getpass.getuser()),
}


class StepFailed(Exception):
    pass


def git(*args):
    return subprocess.run(["git", "-C", ROOT, *args], check=True, capture_output=True, text=True).stdout


def manifest_version(commit):
    return eval(git("show", "%s:__manifest__.py" % commit))["version"]  # noqa: S307 - the repository's own


def version_commits():
    """``{version: commit}``: the commit that set each version in the manifest (the oldest one)."""
    commits = {}
    for commit in git("log", "--reverse", "--date-order", "--format=%H", "--", "__manifest__.py").split():
        commits.setdefault(manifest_version(commit), commit)
    return commits


def resolve(wanted, commits):
    """``(version, commit)`` of a version (the commit that set it) or of a commit (its version)."""
    if wanted in commits:
        return wanted, commits[wanted]
    commit = git("rev-parse", "--verify", "--quiet", wanted + "^{commit}").strip()
    return manifest_version(commit), commit


def core_addons():
    out = subprocess.run(
        [PY, "-c", "import odoo, os; print(os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), 'addons'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo(db, addons_path, log, *args):
    """Run Odoo once on ``db``; raise StepFailed when it fails or logs an error."""
    cmd = [PY, "-m", "odoo", "-d", db, "--db_host", PG["host"], "--db_port", PG["port"], "--db_user", PG["user"]]
    cmd += ["--addons-path", addons_path, "--stop-after-init", "--http-port", str(free_port())]
    cmd += ["--log-level", "info", "--logfile", log, *args]
    rc = subprocess.run(cmd, check=False).returncode
    with open(log, encoding="utf-8", errors="replace") as handle:
        errors = [line for line in handle if " ERROR " in line or " CRITICAL " in line]
    if rc or errors:
        raise StepFailed("odoo %s: exit %s; %s" % (" ".join(args[:2]), rc, "".join(errors[:5]).strip() or log))


def step(name, db, addons_path, data, work):
    in_path, out_path = os.path.join(work, name + ".in.json"), os.path.join(work, name + ".out.json")
    with open(in_path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    env = dict(os.environ, PGHOST=PG["host"], PGPORT=PG["port"], PGUSER=PG["user"])
    run = subprocess.run([PY, STEPS, name, db, addons_path, in_path, out_path], env=env, check=False)
    if run.returncode or not os.path.exists(out_path):
        raise StepFailed("step %s failed (exit %s)" % (name, run.returncode))
    with open(out_path, encoding="utf-8") as handle:
        return json.load(handle)


def pg(*cmd):
    base = ["-h", PG["host"], "-p", PG["port"], "-U", PG["user"]]
    subprocess.run([cmd[0], *base, *cmd[1:]], check=True, capture_output=True)


def addon_copy(dest, commit=None, skip_migrations=False):
    """The addon at ``commit`` (git archive), or the working tree, in ``dest/shipstation_connector``."""
    target = os.path.join(dest, ADDON)
    if commit:
        os.makedirs(target)
        archive = os.path.join(dest, "addon.tar")
        subprocess.run(["git", "-C", ROOT, "archive", "-o", archive, commit], check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(target)  # noqa: S202 - the repository's own history
        os.remove(archive)
    else:
        ignored = [".git", "__pycache__", "bench", ".hypothesis"] + (["migrations"] if skip_migrations else [])
        shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(*ignored))
    return dest


def shape_sandbox(sandbox, orders):
    """What happened in ShipStation to the exported orders (dated as the sandbox clock says)."""
    store = sandbox.store
    oid = {role: int(str(value).rsplit("-", 1)[-1]) for role, value in orders.items()}
    store.ship_order(oid["shipped"], parcels=[{"trackingNumber": "UC-SHIP", "shipmentCost": 5.0}])
    store.cancel_order(oid["cancelled"])
    store.merge_orders(oid["survivor"], [oid["absorbed"]])
    store.ship_order(oid["survivor"], parcels=[{"trackingNumber": "UC-MERGED", "shipmentCost": 9.0}])
    store.ship_order(oid["waiting"], parcels=[{"trackingNumber": "UC-WAIT", "shipmentCost": 4.0}])


def compare_records(before, after, model, version):
    """Differences between two snapshots of a model: every field of ``before`` must survive."""
    lost, fields, cleared = [], 0, 0
    for rec_id, values in before[model].items():
        now = after[model].get(rec_id)
        if now is None:
            lost.append("%s %s deleted" % (model, rec_id))
            continue
        for name, value in values.items():
            fields += 1
            if now.get(name) == value:
                continue
            if name not in now and not value:
                continue  # a field today's model no longer has, that held nothing
            if model == "shipstation.account" and name == "sync_since" and not now.get(name):
                if version < RECORDS_ORDER_LINES:  # the migration asks for a re-read
                    cleared += 1
                    continue
            lost.append("%s %s.%s: %r -> %r" % (model, rec_id, name, value, now.get(name)))
    return lost, len(before[model]), fields, cleared


def check_version(version, commit, args, sandbox, clock):
    """Run one upgrade path; return its rows ``(check, ok, detail)``."""
    rows = []
    parsed = tuple(int(x) for x in version.split("."))
    work = tempfile.mkdtemp(prefix="ss-upgrade-%s-" % version)
    db = "ss_upgrade_%s_%d" % (version.replace(".", "_"), os.getpid())
    core = ",".join([core_addons(), *filter(None, [args.extra_addons])])
    old_path = ",".join([core, addon_copy(os.path.join(work, "old"), commit)])
    new_path = ",".join([core, addon_copy(os.path.join(work, "new"), skip_migrations=args.skip_migrations)])
    started = time.time()
    try:
        if args.template:
            pg("createdb", "-T", args.template, db)
        else:
            pg("createdb", db)
        odoo(db, old_path, os.path.join(work, "install.log"), "-i", ADDON, "--without-demo", "all")
        rows.append(("install %s (%s)" % (version, commit[:7]), True, ""))
        clock["offset"] = -AGE
        sandbox.store.reset()
        sandbox.webhooks.clear()
        made = step("setup", db, old_path, {"sandbox_url": sandbox.url}, work)
        shape_sandbox(sandbox, made["orders"])
        before = step("sync", db, old_path, made, work)
        clock["offset"] = timedelta(0)
        odoo(db, new_path, os.path.join(work, "update.log"), "-u", ADDON)
        rows.append(("-u %s with the working tree" % ADDON, True, ""))
        done = step("after", db, new_path, dict(made, before=before), work)
        gone = step("uninstall", db, new_path, made, work)
        left = sandbox.webhooks.hooks("v1")
    except (StepFailed, subprocess.CalledProcessError) as error:
        rows.append(("upgrade path ran", False, str(error)[:400]))
        return rows, time.time() - started
    finally:
        if not args.keep:
            subprocess.run(["dropdb", "-h", PG["host"], "-p", PG["port"], "-U", PG["user"], "--if-exists", db])
            shutil.rmtree(work, ignore_errors=True)
    after = done["snapshot"]
    for model, label in (
        ("stock.picking", "deliveries"),
        ("stock.move", "their moves"),
        ("shipstation.shipment", "parcels"),
        ("shipstation.account", "accounts"),
    ):
        lost, records, fields, cleared = compare_records(before, after, model, parsed)
        label = "%s: %d records, %d stored values survive" % (label, records, fields)
        if cleared:
            label += " (Synced Up To cleared on %d for a re-read, as the migration means to)" % cleared
        rows.append((label, not lost, "; ".join(lost[:4])))
    view_b, view_a = before["view"], after["view"]
    rows.append(
        (
            "shop's view inheriting the picking form kept on the same record",
            view_a["exists"] and view_a["inherit_id"] == view_b["inherit_id"] == view_a["ours"],
            "" if view_a["exists"] else "the view was deleted",
        )
    )
    fav_b, fav_a = before["filters"], after["filters"]
    rows.append(
        (
            "shop's favourites on the export and dashboard actions kept",
            fav_a["found"] == 2 and fav_a["action_ids"] == fav_b["action_ids"] == fav_a["ours"],
            "%d of 2 left" % fav_a["found"],
        )
    )
    synced = done["after_sync"]
    for role, what in (("absorbed", "merged-order delivery"), ("waiting", "other waiting delivery")):
        was = before["stock.picking"][str(made["pickings"][role])]["shipstation_sync_state"]
        now = synced[role]
        rows.append(
            (
                "%s (was %s) done after the first sync" % (what, was),
                now["state"] == "done",
                "" if now["state"] == "done" else "%s, %s: %s" % (now["state"], now["sync_state"], now["message"]),
            )
        )
    rows.append(
        (
            "uninstall removes the %d webhooks it subscribed from ShipStation" % gone["subscribed"],
            gone["subscribed"] and gone["state"] == "uninstalled" and not left,
            "addon %s, %d hooks left in ShipStation" % (gone["state"], len(left)),
        )
    )
    return rows, time.time() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--from", dest="versions", action="append", help="version, or commit, to upgrade from (repeatable)"
    )
    parser.add_argument("--template", help="database to copy instead of installing Odoo's modules")
    parser.add_argument("--extra-addons", help="addons paths the template's modules need (comma-separated)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and folders")
    parser.add_argument("--skip-migrations", action="store_true", help="upgrade without migrations/ (negative check)")
    args = parser.parse_args(argv)
    try:
        commits = version_commits()
    except subprocess.CalledProcessError as error:
        commits = {}
        print(error.stderr)
    paths = []
    for wanted in args.versions or VERSIONS:
        try:
            paths.append(resolve(wanted, commits))
        except subprocess.CalledProcessError:
            print("UPGRADE CHECK NOT RUN: no commit of this repository's history sets version %s" % wanted)
            return 3
    clock = {"offset": timedelta(0)}
    sandbox = SandboxServer(
        api_key="key", api_secret="secret", clock=lambda: datetime.now(timezone.utc) + clock["offset"]
    ).start()
    results = []
    try:
        for version, commit in paths:
            rows, seconds = check_version(version, commit, args, sandbox, clock)
            results.append((version, rows, seconds))
    finally:
        sandbox.stop()
    failed = 0
    print("\nUPGRADE CHECK (to the working tree%s)" % (", WITHOUT its migrations" if args.skip_migrations else ""))
    for version, rows, seconds in results:
        print("%s -> working tree (%.0f s)" % (version, seconds))
        for check, ok, detail in rows:
            failed += not ok
            print("  %-4s %s%s" % ("PASS" if ok else "FAIL", check, (": " + detail) if detail and not ok else ""))
    print(
        "UPGRADE CHECK: %s (%d failed checks; from %s)"
        % ("PASS" if not failed else "FAIL", failed, ", ".join(v for v, _r, _s in results))
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
