"""PEP 517 build backend of ``pyproject.toml``: the addon's wheel, built by whool as OCA's 17.0 addons are.

whool builds the addon of the folder it runs in and takes that folder's name for the addon's name.
This repository's root is the addon, checked out in a folder of any name (pip clones a ``git+`` URL
into ``pip-req-build-*``), and it holds what only the repository needs (the test command, the lint
configuration, the benchmarks). So the addon is staged first, then handed to whool:

1. the files: git's tracked files (every file when there is no git: an sdist, an export), less the
   ``exclude`` of ``[tool.addon_wheel]`` for a wheel;
2. copied into a temporary folder named after the addon (``addon`` of ``[tool.addon_wheel]``), with a
   ``PKG-INFO`` holding the distribution name and version that whool's own library (manifestoo-core)
   computes for the checkout: the manifest's version, plus ``.N`` N commits after its last change;
3. whool's own ``build_wheel`` (or ``build_sdist``) run in that folder: it reads the name and version
   from ``PKG-INFO``, the rest of the metadata from the manifest, and puts the folder under
   ``odoo/addons/<addon>/`` without ``PKG-INFO`` and ``pyproject.toml``.

An editable install is whool's own, in place: it needs the checkout in a folder named like the addon.
Not part of the addon (``tools/`` is not in the wheel).
"""

import contextlib
import email.parser
import fnmatch
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python < 3.11: whool itself requires tomli there
    import tomli as tomllib

from whool import buildapi as whool

#: Never staged: version control and build left-overs.
ALWAYS_LEFT_OUT = (".git", ".git/*", "*/__pycache__/*", "*.py[cod]", "build/*", "dist/*")


def _config(source):
    with open(source / "pyproject.toml", "rb") as handle:
        pyproject = tomllib.load(handle)
    return pyproject.get("tool", {}).get("addon_wheel", {}), pyproject.get("tool", {}).get("whool", {})


def _files(source):
    """The source's files, relative and with ``/``: git's tracked ones, else every file."""
    if not (source / "PKG-INFO").exists():
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            listed = subprocess.run(
                ["git", "ls-files", "-z"], cwd=source, capture_output=True, check=True
            ).stdout.decode()
            return sorted(name for name in listed.split("\0") if name and (source / name).is_file())
    return sorted(
        str(path.relative_to(source)).replace(os.sep, "/")
        for path in source.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(source).parts
    )


def _left_out(name, patterns):
    """Whether ``name`` matches a pattern; ``dir/`` stands for everything below ``dir``."""
    for pattern in patterns:
        if pattern.endswith("/"):
            if name.startswith(pattern):
                return True
        elif fnmatch.fnmatch(name, pattern):
            return True
    return False


def _name_and_version(source, addon, whool_options):
    """``(distribution name, version)``: the sdist's ``PKG-INFO``, else whool's computation for the checkout."""
    pkg_info = source / "PKG-INFO"
    if pkg_info.exists():
        with open(pkg_info, encoding="utf-8") as handle:
            metadata = email.parser.HeaderParser().parse(handle)
        return metadata["Name"], metadata["Version"]
    from manifestoo_core.metadata import metadata_from_addon_dir  # noqa: PLC0415 - a requirement of whool

    options = dict(whool_options)
    if os.environ.get("WHOOL_POST_VERSION_STRATEGY_OVERRIDE"):
        options["post_version_strategy_override"] = os.environ["WHOOL_POST_VERSION_STRATEGY_OVERRIDE"]
    with tempfile.TemporaryDirectory() as tmp:
        # Named like the addon, resolved to the checkout (and its git history) for the version.
        link = Path(tmp) / addon
        link.symlink_to(source.resolve(), target_is_directory=True)
        metadata = metadata_from_addon_dir(link, options)
    return metadata["Name"], metadata["Version"]


@contextlib.contextmanager
def _staged(for_wheel):
    """A temporary folder named like the addon, with its files and ``PKG-INFO``; the current folder meanwhile."""
    source = Path.cwd()
    config, whool_options = _config(source)
    addon = config["addon"]
    left_out = ALWAYS_LEFT_OUT + tuple(config.get("exclude", ()) if for_wheel else ())
    name, version = _name_and_version(source, addon, whool_options)
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / addon
        for relative in _files(source):
            if relative != "PKG-INFO" and not _left_out(relative, left_out):
                (staged / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / relative, staged / relative)
        (staged / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version))
        os.chdir(staged)
        try:
            yield
        finally:
            os.chdir(source)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    wheel_directory = os.path.abspath(wheel_directory)
    with _staged(for_wheel=True):
        return whool.build_wheel(wheel_directory, config_settings)


def build_sdist(sdist_directory, config_settings=None):
    sdist_directory = os.path.abspath(sdist_directory)
    with _staged(for_wheel=False):
        return whool.build_sdist(sdist_directory, config_settings)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    addon = _config(Path.cwd())[0]["addon"]
    if Path.cwd().name != addon:
        raise RuntimeError(
            "An editable install links the checkout itself: clone it into a folder named %r "
            "(or install without -e, which works from any folder)." % addon
        )
    return whool.build_editable(wheel_directory, config_settings, metadata_directory)
