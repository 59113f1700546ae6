"""Probe "packages": which packages known to be unsafe in sub-interpreters are importable by
each WSGI mount.

A mount's import path is taken from what mod_wsgi gives it: its python-path entries, the
site-packages of its python-home (a venv or an installation), and otherwise the sys.path the
hosting probe saw for the embedded Python, less the distribution's own ``/usr/lib/python3*/``
directories (packages installed there by apt, such as python3-cryptography for certbot, are
shared by everything on the machine and say nothing about this application). Each directory is listed once (top-level entries
only, no import; a directory the application's user cannot list does not count: Python could not
import from it either); a package counts when its import name is a directory or module there. The list
of packages, with the reason and a source for each, is the data file
``subinterpreter_unsafe.json`` beside this module.
"""

from __future__ import annotations

import glob
import json
import os
from functools import lru_cache
from typing import Any, Iterable

from wsgidoctor.core.hookspec import Probe, ProbeContext, ProbeOutput

DATA_FILE = "subinterpreter_unsafe.json"


@lru_cache(maxsize=1)
def unsafe_packages() -> tuple[dict[str, Any], ...]:
    """The entries of the data file (import names, distribution, reason, source)."""
    with open(os.path.join(os.path.dirname(__file__), DATA_FILE), encoding="utf-8") as fh:
        return tuple(json.load(fh)["packages"])


def home_site_packages(home: str) -> list[str]:
    """The site-packages directories of a Python home or venv (lib/pythonX.Y/site-packages)."""
    return sorted(glob.glob(os.path.join(glob.escape(home), "lib", "python3*", "site-packages")))


def import_path(mount: dict[str, Any], embedded_path: Iterable[str]) -> list[str]:
    """The directories the mount's interpreter imports from, as far as configuration tells."""
    dirs = [p for p in str(mount.get("python_path") or "").split(":") if p]
    home = mount.get("python_home")
    dirs += home_site_packages(home) if home else [p for p in embedded_path if isinstance(p, str)
                                                   and not p.startswith("/usr/lib/python3")]
    seen: list[str] = []
    for d in dirs:
        if d not in seen:
            seen.append(d)
    return seen


def _entries(directory: str) -> set[str]:
    try:
        return set(os.listdir(directory))
    except OSError:
        return set()


def found_in(directory: str) -> list[dict[str, Any]]:
    """The unsafe packages importable from ``directory``."""
    names = _entries(directory)
    out = []
    for pkg in unsafe_packages():
        for name in pkg["imports"]:
            if name in names or any(n.startswith(name + ".") and n.endswith((".py", ".so")) for n in names):
                out.append({"import": name, "distribution": pkg["distribution"], "directory": directory,
                            "path": os.path.join(directory, name)})
                break
    return out


def _reachable(directory: str, user: Any) -> bool:
    """Whether the user running the application can list ``directory`` (unknown user: yes)."""
    if not user:
        return True
    from wsgidoctor.linkage.access import first_blocked
    from wsgidoctor.permissions.probe import identity

    who = identity(str(user), None)
    if who is None:
        return True
    blocked = first_blocked(directory, who, want_dir=True)
    return blocked is None or not blocked.checked  # not seen by wsgidoctor: listing it will tell


def run(ctx: ProbeContext) -> ProbeOutput:
    mounts = ctx.fact("config.mounts")
    if not mounts:
        return ProbeOutput(facts={"packages": {"mounts": []}})
    embedded = ctx.fact("python.path") or []
    apache_user = ctx.fact("install.user")
    per_mount = []
    for index, m in enumerate(mounts):
        runner = (m.get("daemon") or {}).get("user") or apache_user
        dirs = [d for d in import_path(m, embedded) if _reachable(d, runner)]
        hits = [hit for d in dirs for hit in found_in(d)]
        per_mount.append({"mount_index": index, "url": m.get("url"), "import_path": dirs, "unsafe": hits})
    return ProbeOutput(facts={"packages": {"mounts": per_mount}})


PROBE = Probe(name="packages", run=run, needs=("discovery", "config", "hosting"), timeout=15.0,
              description="packages unsafe in sub-interpreters on each mount's import path")
