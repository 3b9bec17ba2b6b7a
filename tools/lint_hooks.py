"""OCA's gate, as bin/test runs it: every hook of .pre-commit-config.yaml, with the pins of
test-requirements.txt, on a copy of the repository's files named like the addon, so the
working tree is never changed and OCA's tools see a real addon.

Used by bin/test (``lint()``); not part of the addon.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = os.environ.get("PYTHON", sys.executable)
ADDON = "shipstation_connector"


def run(cmd, **kwargs):
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, **kwargs)


PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
# The hook keys bin/test knows how to run; a hook using any other key is refused, never half-run.
HOOK_KEYS = {
    "id",
    "name",
    "entry",
    "args",
    "language",
    "additional_dependencies",
    "files",
    "exclude",
    "pass_filenames",
    "always_run",
    "verbose",
    "stages",
}
CONFIG_KEYS = {"repos", "default_language_version", "files", "exclude", "minimum_pre_commit_version"}


class LintConfigError(Exception):
    """.pre-commit-config.yaml or test-requirements.txt asks for something bin/test cannot run as asked."""


def load_hooks():
    """The hooks of .pre-commit-config.yaml, and the top-level file filters: (hooks, files, exclude)."""
    import yaml  # noqa: PLC0415 (installed by the requirements step)

    with open(os.path.join(ROOT, PRE_COMMIT_CONFIG), encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    unknown = set(config) - CONFIG_KEYS
    if unknown:
        raise LintConfigError("%s: bin/test does not handle %s" % (PRE_COMMIT_CONFIG, ", ".join(sorted(unknown))))
    hooks = []
    for repo in config["repos"]:
        if repo.get("repo") != "local":
            raise LintConfigError("%s: only `repo: local` hooks can run here, not %s" % (PRE_COMMIT_CONFIG, repo))
        for hook in repo["hooks"]:
            unknown = set(hook) - HOOK_KEYS
            if unknown:
                raise LintConfigError("hook %s: bin/test does not handle %s" % (hook["id"], ", ".join(sorted(unknown))))
            if hook.get("language") not in ("python", "fail"):
                raise LintConfigError("hook %s: bin/test runs no %s hooks" % (hook["id"], hook.get("language")))
            hooks.append(hook)
    ids = [hook["id"] for hook in hooks]
    if len(set(ids)) != len(ids):
        raise LintConfigError("%s: hook ids must be unique, bin/test reports by id" % PRE_COMMIT_CONFIG)
    return hooks, config.get("files", ""), config.get("exclude", "^$")


def _requirement_name(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def check_pins(hooks):
    """Every hook dependency is pinned (name==version) and test-requirements.txt pins it the same."""
    pins = {}
    with open(os.path.join(ROOT, "test-requirements.txt"), encoding="utf-8") as handle:
        for line in handle:
            name, sep, version = line.split("#")[0].strip().partition("==")
            if sep:
                pins[_requirement_name(name)] = version.strip()
    for hook in hooks:
        for dependency in hook.get("additional_dependencies", []):
            name, sep, version = dependency.partition("==")
            if not sep:
                raise LintConfigError("hook %s: %s is not pinned (name==version)" % (hook["id"], dependency))
            if pins.get(_requirement_name(name)) != version:
                raise LintConfigError(
                    "hook %s pins %s but test-requirements.txt has %s"
                    % (hook["id"], dependency, pins.get(_requirement_name(name), "no such pin"))
                )


def repository_files():
    """The files pre-commit --all-files would see: tracked (and untracked, not ignored) files that exist."""
    listing = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    listing = subprocess.run(listing, cwd=ROOT, capture_output=True, text=True)
    if listing.returncode:  # not a git checkout: every file but the caches
        names = []
        for folder, dirs, files in os.walk(ROOT):
            dirs[:] = [d for d in dirs if d not in (".git", "__pycache__", ".ruff_cache", ".pytest_cache")]
            names += [os.path.relpath(os.path.join(folder, f), ROOT) for f in files]
    else:
        names = [name for name in listing.stdout.split("\0") if name]
    return sorted(name for name in set(names) if os.path.isfile(os.path.join(ROOT, name)))


def copy_addon(files):
    """Copy ``files`` to ``<tmp>/shipstation_connector``, outside any git repository (see bin/run-as-addon)."""
    addon_dir = os.path.join(tempfile.mkdtemp(prefix="ss-lint-"), ADDON)
    for name in files:
        target = os.path.join(addon_dir, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, name), target)
    return addon_dir


def snapshot(addon_dir, files):
    """The content of ``files`` in the copy, by name."""
    contents = {}
    for name in files:
        path = os.path.join(addon_dir, name)
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                contents[name] = handle.read()
    return contents


def relative_output(text, addon_dir):
    """``text`` with paths into the copy made relative to the addon root, without git's 'not a repository' noise."""
    for prefix in (addon_dir + os.sep, addon_dir.lstrip(os.sep) + os.sep):
        text = text.replace(prefix, "")
    return "".join(line for line in text.splitlines(True) if not line.startswith("fatal: not a git repository"))


def hook_env(addon_dir):
    """PATH starts with the scripts of PY's environment, where the pinned tools are installed."""
    scripts = subprocess.run(
        [PY, "-c", "import sysconfig; print(sysconfig.get_path('scripts'))"], capture_output=True, text=True
    ).stdout.strip()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env["PATH"] = os.pathsep.join(p for p in (scripts, os.path.dirname(PY), env.get("PATH", "")) if p)
    env["GIT_CEILING_DIRECTORIES"] = os.path.dirname(os.path.dirname(addon_dir))
    return env


def run_hook(hook, selected, addon_dir, env, pristine):
    """Run one hook in the copy as pre-commit would; return (ok, files it changed).

    As with pre-commit, a hook fails when it exits non-zero or changes a file.
    """
    if hook["language"] == "fail":
        print("%s\n%s" % (hook["entry"], "\n".join(selected)))
        return False, []
    cmd = shlex.split(hook["entry"]) + [str(arg) for arg in hook.get("args", [])]
    if hook.get("pass_filenames", True):
        cmd += selected
    if cmd[0] in ("python", "python3"):
        cmd[0] = PY
    print("$ " + " ".join(cmd), flush=True)
    done = subprocess.run(cmd, cwd=addon_dir, env=env, capture_output=True, text=True)
    after = snapshot(addon_dir, pristine)
    changed = sorted(name for name, content in pristine.items() if after.get(name) != content)
    for name in changed:  # later hooks check the files as they are in the tree
        with open(os.path.join(addon_dir, name), "wb") as handle:
            handle.write(pristine[name])
    ok = done.returncode == 0 and not changed
    if not ok or hook.get("verbose"):
        sys.stdout.write(relative_output(done.stdout + done.stderr, addon_dir))
    if changed:
        print("%s would change: %s" % (hook["id"], ", ".join(changed)))
    return ok, changed


def lint():
    """Run every hook of .pre-commit-config.yaml; return the ids of the hooks that failed."""
    try:
        hooks, top_files, top_exclude = load_hooks()
        check_pins(hooks)
    except (LintConfigError, KeyError, TypeError) as error:
        print("LINT CONFIGURATION: %s" % (error,))
        return ["configuration"]
    files = repository_files()
    addon_dir = copy_addon(files)
    pristine = snapshot(addon_dir, files)
    env = hook_env(addon_dir)
    failed = []
    try:
        for hook in hooks:
            selected = [
                name
                for name in files
                if re.search(top_files, name)
                and not re.search(top_exclude, name)
                and re.search(hook.get("files", ""), name)
                and not re.search(hook.get("exclude", "^$"), name)
            ]
            print("--- %s (%s)" % (hook["id"], hook.get("name", hook["id"])), flush=True)
            if not selected and not hook.get("always_run"):
                print("no files to check")
                continue
            ok, _changed = run_hook(hook, selected, addon_dir, env, pristine)
            print("%s: %s" % (hook["id"], "ok" if ok else "FAILED"), flush=True)
            if not ok:
                failed.append(hook["id"])
    finally:
        shutil.rmtree(os.path.dirname(addon_dir), ignore_errors=True)
    return failed
