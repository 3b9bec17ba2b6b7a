"""The addon's wheel, as bin/test checks it: built by pip with whool, read, installed, found by Odoo.

1. ``pip wheel --no-deps --no-build-isolation`` of the repository (offline: whool comes from
   test-requirements.txt), through ``pyproject.toml``;
2. its content: the addon alone, under ``odoo/addons/shipstation_connector/`` (manifest, data, static,
   i18n, tests), none of the repository's own tools; its metadata: name, the manifest's version,
   the manifest's external dependencies and Odoo 17.0;
3. ``pip install --no-deps --target`` into a temporary folder, then, in a process of its own with
   that folder's ``odoo/addons`` as the only added addons path, Odoo's ``get_module_path`` and
   ``get_manifest`` of the addon (when Odoo is importable).

``python3 tools/wheel_check.py`` runs it alone. Used by bin/test (``check_wheel()``); not part of the addon.
"""

import ast
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from email.parser import HeaderParser

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = os.environ.get("PYTHON", sys.executable)
ADDON = "shipstation_connector"
DISTRIBUTION = "odoo-addon-" + ADDON
PREFIX = "odoo/addons/%s/" % ADDON
#: In the wheel, under PREFIX.
REQUIRED = ("__init__.py", "__manifest__.py", "README.md", "i18n/%s.pot" % ADDON, "static/description/icon.png")
REQUIRED_DIRS = ("data/", "lib/shipstation/", "models/", "security/", "tests/", "views/")
#: Never in the wheel, under PREFIX: what only the repository needs.
FORBIDDEN = ("bench/", "bin/", "tools/", "tests_unit/", ".ci/", "pyproject.toml", "PKG-INFO", ".git")
ODOO_REQUIREMENT = "odoo>=17.0a,<17.1dev"

#: Run by the wheel's Python with the target's addons folder: where Odoo finds the addon, and its version.
PROBE = """
import sys
from odoo.modules import module
from odoo.tools import config
config["addons_path"] = sys.argv[1]
module.initialize_sys_path()
path = module.get_module_path(sys.argv[2], display_warning=False)
manifest = module.get_manifest(sys.argv[2])
print(path or "")
print(manifest.get("version", "") if manifest else "")
"""


class WheelError(Exception):
    """The wheel could not be built, or is not what it should be."""


def _run(cmd, **kwargs):
    print("$ " + " ".join("<probe>" if "\n" in arg else arg for arg in cmd), flush=True)
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)


def manifest_version():
    with open(os.path.join(ROOT, "__manifest__.py"), encoding="utf-8") as handle:
        manifest = ast.literal_eval(handle.read())
    return manifest["version"], manifest.get("external_dependencies", {}).get("python", [])


def build(work_dir):
    """The wheel's path, built by pip from the repository through pyproject.toml."""
    out = os.path.join(work_dir, "dist")
    flags = ["--no-deps", "--no-build-isolation", "--disable-pip-version-check", "-q", "-w", out]
    done = _run([PY, "-m", "pip", "wheel", *flags, ROOT], cwd=work_dir)
    wheels = glob.glob(os.path.join(out, "*.whl"))
    if done.returncode or len(wheels) != 1:
        print(done.stdout + done.stderr)
        raise WheelError("pip could not build it (exit code %s; output above)" % done.returncode)
    return wheels[0]


def inspect(wheel):
    """``(version, number of files)`` after checking the wheel's content and metadata."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
        if not metadata_name:
            raise WheelError("no METADATA in it")
        metadata = HeaderParser().parsestr(archive.read(metadata_name).decode("utf-8"))
    outside = [n for n in names if not n.startswith(PREFIX) and ".dist-info/" not in n]
    if outside:
        raise WheelError("files outside %s: %s" % (PREFIX, ", ".join(outside[:5])))
    addon_files = [n[len(PREFIX) :] for n in names if n.startswith(PREFIX)]
    missing = [n for n in REQUIRED if n not in addon_files]
    missing += [d for d in REQUIRED_DIRS if not any(n.startswith(d) for n in addon_files)]
    if missing:
        raise WheelError("missing from it: %s" % ", ".join(missing))
    forbidden = sorted({f for f in FORBIDDEN for n in addon_files if n == f or n.startswith(f)})
    if forbidden:
        raise WheelError("repository files in it: %s" % ", ".join(forbidden))
    version, python_deps = manifest_version()
    if metadata["Name"] != DISTRIBUTION:
        raise WheelError("its name is %s, not %s" % (metadata["Name"], DISTRIBUTION))
    if metadata["Version"] != version and not metadata["Version"].startswith(version + "."):
        raise WheelError("its version %s is not the manifest's %s" % (metadata["Version"], version))
    requires = metadata.get_all("Requires-Dist") or []
    lacking = [r for r in [ODOO_REQUIREMENT, *python_deps] if r not in requires]
    if lacking:
        raise WheelError("it does not require %s (it requires %s)" % (", ".join(lacking), ", ".join(requires)))
    return metadata["Version"], len(names)


def odoo_finds(wheel, work_dir):
    """The addon's manifest version as Odoo reads it from a ``--target`` install, or None without Odoo."""
    target = os.path.join(work_dir, "target")
    flags = ["--no-deps", "--no-index", "--disable-pip-version-check", "-q", "--target", target]
    done = _run([PY, "-m", "pip", "install", *flags, wheel], cwd=work_dir)
    if done.returncode:
        print(done.stdout + done.stderr)
        raise WheelError("pip could not install it with --target (output above)")
    if subprocess.run([PY, "-c", "import odoo"], capture_output=True, check=False, cwd=work_dir).returncode:
        return None
    addons = os.path.join(target, "odoo", "addons")
    done = _run([PY, "-c", PROBE, addons, ADDON], cwd=work_dir)
    lines = done.stdout.splitlines()[-2:]
    if done.returncode or len(lines) != 2:
        print(done.stdout + done.stderr)
        raise WheelError("Odoo's probe failed (output above)")
    path, version = lines
    if os.path.realpath(path) != os.path.realpath(os.path.join(addons, ADDON)):
        raise WheelError("Odoo finds the addon at %r, not in the installed wheel" % path)
    if version != manifest_version()[0]:
        raise WheelError("Odoo reads version %r from the installed wheel's manifest" % version)
    return version


def check_wheel():
    """Build, inspect and install the wheel; :return: ``(ok, summary line)``."""
    work_dir = tempfile.mkdtemp(prefix="ss-wheel-")
    try:
        wheel = build(work_dir)
        version, count = inspect(wheel)
        found = odoo_finds(wheel, work_dir)
        line = "WHEEL: %s (%d files, %s %s, only the addon)" % (os.path.basename(wheel), count, DISTRIBUTION, version)
        if found:
            return True, line + ": Odoo finds %s %s in its --target install" % (ADDON, found)
        return True, line + "; Odoo is not importable here: its probe did not run"
    except WheelError as error:
        return False, "!!! WHEEL: FAILED: %s !!!" % error
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    ok, summary = check_wheel()
    print(summary)
    sys.exit(0 if ok else 1)
