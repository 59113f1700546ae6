"""Parser for pasted ``otool -L mod_wsgi.so`` output (kind ``otool-L``, macOS).

Each dependency line is an install name followed by ``(compatibility version X, current
version Y[, weak|reexport|...])``. The header ``<file>:`` (``<file> (architecture arm64):`` per
slice) may be missing, and a pasted excerpt may contain ``...`` elisions. The Python library can
be a framework (``Python.framework/Versions/X.Y/Python``, ``@rpath/Python3.framework/...``, or
``@rpath/Python.framework/Python`` with the version only in the compatibility version) or a
``libpythonX.Y.dylib``.
"""

from __future__ import annotations

from typing import Any, Optional

from wsgidoctor.core.parsing import Parser
from wsgidoctor.core.textnorm import clean_lines, looks_binary
from wsgidoctor.core.lazyre import lazy_re

_DEP = lazy_re(r"^\s*(.+?)\s+\(compatibility version ([\d.]+), current version ([\d.]+)(?:,\s*([^)]*))?\)\s*$")
_HEADER = lazy_re(r"^(\S.*?)(?: \(architecture (\w+)\))?:\s*$")
_FRAMEWORK = lazy_re(r"(?:^|/)(Python3?)\.framework/(?:Versions/(\d+\.\d+)/)?(Python3?)$")
_DYLIB = lazy_re(r"(?:^|/)libpython(\d+\.\d+)[a-z]*\.dylib$")


def python_dependency(name: str, compat: Optional[str] = None) -> Optional[dict[str, Any]]:
    """What a load-command name says about Python: ``{kind, python_version}`` or None."""
    m = _FRAMEWORK.search(name)
    if m:
        version = m.group(2) or (".".join(compat.split(".")[:2]) if compat else None)
        return {"kind": "framework", "python_version": version}
    m = _DYLIB.search(name)
    if m:
        return {"kind": "dylib", "python_version": m.group(1)}
    return None


def parse_entries(text: str) -> tuple[Optional[str], list[dict[str, Any]]]:
    """The header file (or None) and ``[{name, compatibility, current, attributes, arch}]``."""
    if looks_binary(text):
        return None, []
    header: Optional[str] = None
    arch: Optional[str] = None
    entries: list[dict[str, Any]] = []
    for line in clean_lines(text):
        m = _DEP.match(line)
        if m:
            entries.append({"name": m.group(1).strip(), "compatibility": m.group(2), "current": m.group(3),
                            "attributes": m.group(4), "arch": arch})
            continue
        h = _HEADER.match(line)
        if h and not line.startswith((" ", "\t")) and "(compatibility" not in line:
            if header is None:
                header = h.group(1)
            arch = h.group(2)
    return header, entries


def parse(text: str) -> dict[str, Any]:
    """Facts: ``linkage.python_library`` (name = install name), ``linkage.otool`` and the module."""
    header, entries = parse_entries(text)
    if not entries:
        return {}
    linkage: dict[str, Any] = {"otool": entries, "format": "mach-o"}
    if header:
        linkage["module"] = header
    for e in entries:
        py = python_dependency(e["name"], e["compatibility"])
        if py is None:
            continue
        absolute = e["name"].startswith("/")
        linkage["python_library"] = {
            "name": e["name"], "path": e["name"] if absolute else None,
            # otool shows what is asked for, not whether it exists: unknown unless the name is relative.
            "found": None, "python_version": py["python_version"], "kind": py["kind"],
            "current_version": e["current"], "via": "otool -L",
            "unresolved_prefix": None if absolute else e["name"].split("/", 1)[0],
        }
        break
    else:
        linkage["python_library"] = {"name": None, "path": None, "found": None, "python_version": None,
                                     "via": "otool -L"}
    return {"linkage": linkage}


def detect(lines: list[str]) -> float:
    useful = [l for l in lines if l.strip() and l.strip() != "..."]
    if not useful:
        return 0.0
    hits = sum(1 for l in useful if _DEP.match(l))
    headers = sum(1 for l in useful if _HEADER.match(l) and "(compatibility" not in l)
    return (hits + min(headers, 1)) / len(useful) if hits else 0.0


PARSER = Parser(kind="otool-L", description="otool -L mod_wsgi.so", parse=parse, detect=detect)
