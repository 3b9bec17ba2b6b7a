"""What ships at run time never imports the sandbox: the fake ShipStation (and its signing of
v2 webhooks) is for the tests, the demo and dry runs only.

Read with ``ast`` (nothing imported): every module of ``lib/shipstation`` outside
``sandbox/``, and every Python file of ``models/``, ``controllers/`` and ``wizard/``, plus
the addon's root modules.
"""

import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.path.join(ROOT, "lib", "shipstation")
SANDBOX = os.path.join(LIB, "sandbox")


def runtime_modules():
    paths = [os.path.join(LIB, name) for name in sorted(os.listdir(LIB)) if name.endswith(".py")]
    for folder in ("models", "controllers", "wizard"):
        base = os.path.join(ROOT, folder)
        paths += [os.path.join(base, name) for name in sorted(os.listdir(base)) if name.endswith(".py")]
    paths += [os.path.join(ROOT, name) for name in ("__init__.py", "const.py", "utils.py", "texts.py")]
    return [path for path in paths if os.path.exists(path)]


def imported_paths(path, source=None):
    """The absolute file-system stems (without ``.py``) a module imports, relative imports resolved.

    :param str source: the module's text, when it is not read from ``path``
    """
    if source is None:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    tree = ast.parse(source, path)
    here = os.path.dirname(path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here
                for _step in range(node.level - 1):
                    base = os.path.dirname(base)
            else:
                base = ROOT if (node.module or "").startswith("odoo.addons.shipstation_connector") else None
                if base is None:
                    found.append(node.module or "")
                    continue
            module = node.module if node.level else node.module.replace("odoo.addons.shipstation_connector.", "", 1)
            stem = os.path.join(base, *module.split(".")) if module else base
            found.append(stem)
            found += [os.path.join(stem, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return found


def test_runtime_modules_are_found():
    modules = runtime_modules()
    assert os.path.join(LIB, "webhooks.py") in modules
    assert os.path.join(ROOT, "models", "shipstation_sync.py") in modules
    assert not any(path.startswith(SANDBOX) for path in modules)


def sandbox_imports(path, source=None):
    return [
        target
        for target in imported_paths(path, source)
        if target == SANDBOX or target.startswith(SANDBOX + os.sep) or target.startswith("shipstation.sandbox")
    ]


@pytest.mark.parametrize("path", runtime_modules(), ids=lambda path: os.path.relpath(path, ROOT))
def test_runtime_code_never_imports_the_sandbox(path):
    offending = sandbox_imports(path)
    assert not offending, "%s imports the sandbox: %s" % (os.path.relpath(path, ROOT), offending)


@pytest.mark.parametrize(
    "folder, source",
    [
        (LIB, "from .sandbox.signing import sign_v2\n"),
        (LIB, "from . import sandbox\n"),
        (LIB, "import shipstation.sandbox\n"),
        (os.path.join(ROOT, "models"), "from ..lib.shipstation.sandbox import SandboxServer\n"),
        (os.path.join(ROOT, "models"), "from odoo.addons.shipstation_connector.lib.shipstation.sandbox import x\n"),
    ],
)
def test_the_check_catches_every_way_of_importing_the_sandbox(folder, source):
    assert sandbox_imports(os.path.join(folder, "probe.py"), source)


def test_the_check_lets_the_runtime_modules_import_each_other():
    assert not sandbox_imports(os.path.join(LIB, "probe.py"), "from .webhooks import verify_v2\nimport requests\n")
