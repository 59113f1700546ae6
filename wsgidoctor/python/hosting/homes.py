"""Look at Python installations on disk: a python-home, the library's own prefix, PATH's python3.

These are file-system facts the Python rules compare with what the hosting program saw:
a home's ``pyvenv.cfg`` (``home =`` and ``version =``, with line numbers for evidence), whether
``lib/pythonX.Y/os.py`` (CPython's landmark) exists for the library's X.Y, the installation a
libpython belongs to, and which ``python3`` CPython's PATH search meets first.
"""

from __future__ import annotations

import os
import re
from typing import Any, Optional, Sequence

from wsgidoctor.core.textnorm import decode

_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?")


def split_version(text: Any) -> Optional[tuple[int, ...]]:
    """``"3.11.2 (main, ...)"`` -> ``(3, 11, 2)``; ``"3.12"`` -> ``(3, 12)``; else None."""
    if not isinstance(text, str):
        return None
    m = _VERSION.match(text.strip())
    if not m:
        return None
    return tuple(int(g) for g in m.groups() if g is not None)


def parse_pyvenv_cfg(text: Any) -> dict[str, Any]:
    """``{"values": {key: value}, "lines": {key: line}}`` of a pyvenv.cfg; pure, never raises.

    Line numbers are the file's own (evidence cites them), so blank lines are kept.
    """
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    if not isinstance(text, (str, bytes)):
        return {"values": values, "lines": lines}
    text = decode(text).replace("\r\n", "\n").replace("\r", "\n")
    for number, line in enumerate(text.split("\n"), 1):
        if "=" not in line or line.lstrip().startswith("#"):
            continue
        key, _, value = line.partition("=")
        key = key.strip().lower()
        if key and key not in values:
            values[key] = value.strip()
            lines[key] = number
    return {"values": values, "lines": lines}


def stdlib_landmark(prefix: str, xy: Optional[tuple[int, int]]) -> Optional[str]:
    """``<prefix>/lib/pythonX.Y/os.py`` (or lib64) if it exists, else None."""
    if not xy:
        return None
    for libdir in ("lib", "lib64"):
        path = os.path.join(prefix, libdir, f"python{xy[0]}.{xy[1]}", "os.py")
        if os.path.isfile(path):
            return path
    return None


def library_prefix(libpython: Optional[str], xy: Optional[tuple[int, int]]) -> Optional[str]:
    """The installation a libpython belongs to: the nearest ancestor holding its stdlib.

    ``/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0`` -> ``/usr``;
    ``/opt/py/lib/libpython3.12.so.1.0`` -> ``/opt/py``.
    """
    if not libpython or not xy:
        return None
    directory = os.path.dirname(os.path.realpath(libpython))
    for _ in range(4):
        parent = os.path.dirname(directory)
        if stdlib_landmark(parent, xy):
            return parent
        if parent == directory:
            break
        directory = parent
    return None


def first_on_path(name: str, path: Optional[str]) -> Optional[str]:
    """The first executable ``name`` in a PATH string (as CPython's getpath searches it)."""
    for entry in (path or "").split(os.pathsep):
        if not entry:
            continue
        candidate = os.path.join(entry, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _suspicious(home: str, xy: Optional[tuple[int, int]]) -> Optional[str]:
    """The common wrong values: the executable, a lib/pythonX.Y or site-packages directory."""
    base = os.path.basename(home.rstrip("/"))
    if re.match(r"python[\d.]*$", base) and os.path.basename(os.path.dirname(home.rstrip("/"))) == "bin":
        return "points at a python executable, not at the installation or virtual environment"
    if re.match(r"python\d+(\.\d+)?$", base) and os.path.basename(os.path.dirname(home.rstrip("/"))) in ("lib", "lib64"):
        return "points at a lib/pythonX.Y directory, not at the installation prefix above it"
    if base in ("site-packages", "dist-packages"):
        return "points at a site-packages directory, not at the installation prefix"
    return None


def inspect_home(home: str, xy: Optional[tuple[int, int]]) -> dict[str, Any]:
    """What is on disk at a python-home, judged for a library of version ``xy``.

    A relative home is looked up from ``/``: httpd started as a service runs there (and so does
    the hosting program), whatever directory wsgidoctor itself was started in.
    """
    given = home
    if not os.path.isabs(home):
        home = os.path.join("/", home)
    info: dict[str, Any] = {
        "path": given, "exists": os.path.exists(home), "is_dir": os.path.isdir(home),
        "suspicious": _suspicious(home, xy), "pyvenv_cfg": None, "stdlib": None,
        "base_prefix": None, "base_stdlib": None, "venv_version": None, "venv_site_packages": None,
    }
    cfg_path = os.path.join(home, "pyvenv.cfg")
    try:
        with open(cfg_path, "rb") as fh:
            text = fh.read(65536).decode("utf-8", "replace")
    except OSError:
        text = None
    if text is not None:
        cfg = parse_pyvenv_cfg(text)
        info["pyvenv_cfg"] = {"path": cfg_path, **cfg}
        values = cfg["values"]
        version = values.get("version") or values.get("version_info")
        info["venv_version"] = version
        base_bin = values.get("home")
        if base_bin:
            info["base_prefix"] = os.path.dirname(base_bin.rstrip("/")) or "/"
            info["base_stdlib"] = stdlib_landmark(info["base_prefix"], xy)
        vxy = split_version(version)
        if vxy and len(vxy) >= 2:
            info["venv_site_packages"] = os.path.join(home, "lib", f"python{vxy[0]}.{vxy[1]}", "site-packages")
    else:
        info["stdlib"] = stdlib_landmark(home, xy)
    return info


def xy_of(version: Optional[Sequence[int]]) -> Optional[tuple[int, int]]:
    if version and len(version) >= 2:
        return int(version[0]), int(version[1])
    return None
