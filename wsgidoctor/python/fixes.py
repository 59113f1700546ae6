"""Mechanical fixes for the Python installation findings."""

from __future__ import annotations

import glob
import os
from typing import Any, Iterable, Optional

from wsgidoctor.config import edits
from wsgidoctor.core import facts as F
from wsgidoctor.core.fixes import Fix, fixer


def python_home_above(path: str) -> Optional[str]:
    """The nearest directory at or above ``path`` that is a Python home (a venv's pyvenv.cfg, or
    lib/pythonX.Y/os.py), or None."""
    current = os.path.abspath(path)
    while True:
        if os.path.isfile(os.path.join(current, "pyvenv.cfg")) or glob.glob(
                os.path.join(glob.escape(current), "lib", "python3*", "os.py")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


@fixer("python-home-invalid")
def point_at_the_home(facts: dict[str, Any]) -> Iterable[Fix]:
    for d in edits.directives(facts, "WSGIPythonHome"):
        value = str((d.get("args") or [""])[0])
        home = python_home_above(value) if value else None
        if home and home != os.path.abspath(value):
            edit = edits.set_argument(d["file"], d["line"], r"(?<=WSGIPythonHome\s)\S+", home)
            if edit:
                yield Fix("python-home-invalid", f"WSGIPythonHome {home} (the installation, not a directory inside it)",
                          (edit,))


@fixer("python-found-via-path")
def explicit_python_home(facts: dict[str, Any]) -> Iterable[Fix]:
    prefix = F.get(facts, "hosting.library_prefix")
    config = F.get(facts, "config.config_file")
    if prefix and config and not edits.directives(facts, "WSGIPythonHome"):
        edit = edits.append(config, [f"WSGIPythonHome {prefix}"])
        if edit:
            yield Fix("python-found-via-path", f"WSGIPythonHome {prefix} (the installation libpython belongs to)",
                      (edit,))
