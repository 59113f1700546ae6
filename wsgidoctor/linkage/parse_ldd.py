"""Parser for pasted ``ldd mod_wsgi.so`` output (kind ``ldd``).

Handles the old vdso form (``linux-vdso.so.1 =>  (0x...)``) and the new one without ``=>``,
``not found``, the dynamic loader line, literal ``${PLATFORM}`` names, tab or space indentation,
and paths broken by a terminal wrap (a run of spaces, or a continuation line, inside the path).
"""

from __future__ import annotations

import re
from typing import Any, Optional

from wsgidoctor.core.parsing import Parser
from wsgidoctor.core.textnorm import clean_lines, looks_binary
from wsgidoctor.core.lazyre import lazy_re

_ADDR = r"\(0x[0-9a-fA-F]+\)"
_ARROW = lazy_re(r"^\s*(\S+)\s+=>\s*(.*?)\s*$")
_BARE = lazy_re(r"^\s*(\S+)\s+" + _ADDR + r"\s*$")
_TRAIL_ADDR = lazy_re(r"\s*" + _ADDR + r"\s*$")
_LIBPYTHON = lazy_re(r"^libpython(\d+)(?:\.(\d+))?[a-z]*\.so")


def python_version_from(name: str, path: Optional[str]) -> Optional[str]:
    """X.Y from a libpython soname, refined to X.Y.Z when the path names such a version."""
    m = _LIBPYTHON.match(name)
    if not m:
        return None
    xy = m.group(1) + (f".{m.group(2)}" if m.group(2) else "")
    if path:
        full = re.search(r"(?<![\d.])(" + re.escape(xy) + r"\.\d+)(?![\d])", path)
        if full:
            return full.group(1)
    return xy


def _join_wrapped(lines: list[str]) -> list[str]:
    """Undo terminal wraps: a line with ``=>`` that does not end in an address or ``not found``
    continues on the next line when that line is a bare fragment."""
    out: list[str] = []
    for line in lines:
        if out:
            prev = out[-1]
            unfinished = "=>" in prev and not _TRAIL_ADDR.search(prev) and not prev.rstrip().endswith("not found") \
                and not re.search(r"=>\s*$", prev)
            fragment = line.strip() and not line[:1].isspace() and not line.startswith("/")
            if unfinished and "=>" not in line and fragment:
                out[-1] = prev.rstrip() + line.strip()
                continue
        out.append(line)
    return out


def parse_entries(text: str) -> list[dict[str, Any]]:
    """``[{name, path, found, kind}]`` for every dependency line; kind is lib/vdso/loader."""
    if looks_binary(text):
        return []
    entries: list[dict[str, Any]] = []
    for line in _join_wrapped(clean_lines(text)):
        m = _ARROW.match(line)
        if m:
            name, rest = m.group(1), m.group(2)
            if name.startswith("linux-vdso") or name.startswith("linux-gate"):
                entries.append({"name": name, "path": None, "found": True, "kind": "vdso"})
                continue
            if rest.startswith("not found"):
                entries.append({"name": name, "path": None, "found": False, "kind": "lib"})
                continue
            path = _TRAIL_ADDR.sub("", rest)
            path = re.sub(r"\s{2,}", "", path).strip()  # a wrap pasted as a run of spaces
            if not path or not path.startswith("/") and "=>" not in line:
                continue
            entries.append({"name": name, "path": path or None, "found": bool(path), "kind": "lib"})
            continue
        m = _BARE.match(line)
        if m:
            name = m.group(1)
            kind = "vdso" if name.startswith(("linux-vdso", "linux-gate")) else "loader" if "ld-linux" in name or "ld64" in name or "/ld-" in name else "lib"
            entries.append({"name": name, "path": name if name.startswith("/") else None, "found": True, "kind": kind})
    return entries


def parse(text: str) -> dict[str, Any]:
    """Facts from ldd output: ``linkage.python_library`` and the dependency list ``linkage.ldd``."""
    entries = parse_entries(text)
    if not entries:
        return {}
    libs = [e for e in entries if e["kind"] == "lib"]
    python = next((e for e in libs if _LIBPYTHON.match(e["name"])), None)
    linkage: dict[str, Any] = {"ldd": entries, "format": "elf"}
    if python is not None:
        linkage["python_library"] = {
            "name": python["name"], "path": python["path"], "found": python["found"],
            "python_version": python_version_from(python["name"], python["path"]), "via": "ldd",
        }
    elif libs:
        linkage["python_library"] = {"name": None, "path": None, "found": None, "python_version": None, "via": "ldd"}
    return {"linkage": linkage}


def detect(lines: list[str]) -> float:
    useful = [l for l in lines if l.strip()]
    if not useful:
        return 0.0
    hits = sum(1 for l in useful if (_ARROW.match(l) and (re.search(_ADDR, l) or "not found" in l)) or _BARE.match(l))
    score = hits / len(useful)
    return min(1.0, score + 0.1) if any(".so" in l for l in useful) and hits else score * 0.5


PARSER = Parser(kind="ldd", description="ldd mod_wsgi.so", parse=parse, detect=detect)
