"""Parser for ``httpd -l`` (the modules compiled into the httpd binary).

Produces ``apache.compiled_in`` (``["core.c", "mod_so.c", ...]`` in output order),
``apache.mod_so`` (whether httpd can load modules at all) and ``apache.static_mpm`` (the MPM
compiled in, or null when the MPM is a loadable module).
"""

from __future__ import annotations

import re
from typing import Any, Optional

from wsgidoctor.core.parsing import Parser
from wsgidoctor.apache.text import strip_decoration
from wsgidoctor.core.textnorm import clean_lines

_HEADER = re.compile(r"^Compiled[ -]in modules:?\s*$", re.I)  # "Compiled-in" is Apache 1.3
_SOURCE = re.compile(r"^(?P<name>[A-Za-z0-9_+-]+\.c)$")

#: The source file of each MPM as it appears in ``-l`` (httpd 2.0 to 2.4).
MPM_SOURCES = {
    "prefork.c": "prefork", "worker.c": "worker", "event.c": "event",
    "mpm_winnt.c": "winnt", "mpmt_os2.c": "mpmt_os2", "mpm_netware.c": "netware",
    "beos.c": "beos", "perchild.c": "perchild", "leader.c": "leader",
    "threadpool.c": "threadpool", "simple.c": "simple", "motorz.c": "motorz",
}


def _static_mpm(names: list[str]) -> Optional[str]:
    for name in names:
        if name in MPM_SOURCES:
            return MPM_SOURCES[name]
    return None


def parse(text: str) -> dict[str, Any]:
    """Parse ``httpd -l`` output into an ``apache`` facts fragment."""
    lines = [strip_decoration(line) for line in clean_lines(text)]
    header_at = next((i for i, line in enumerate(lines) if _HEADER.match(line)), None)
    body = lines[header_at + 1:] if header_at is not None else lines
    names: list[str] = []
    for line in body:
        m = _SOURCE.match(line)
        if m:
            names.append(m.group("name"))
        elif names and line and header_at is not None:
            break  # the list ended; something else follows
    apache: dict[str, Any] = {"compiled_in": None, "mod_so": None, "static_mpm": None}
    notes: list[str] = []
    # Without the header, accept the list only if it is clearly one (core.c is always compiled in).
    if names and (header_at is not None or "core.c" in names):
        apache["compiled_in"] = names
        apache["mod_so"] = "mod_so.c" in names
        apache["static_mpm"] = _static_mpm(names)
        if not apache["mod_so"]:
            notes.append("mod_so.c is not compiled in: this httpd cannot load any module "
                         "(LoadModule is not even a known directive)")
    elif header_at is not None:
        notes.append("'Compiled in modules:' is followed by no module list (output cut off?)")
    fragment: dict[str, Any] = {"apache": apache}
    if notes:
        fragment["_notes"] = notes
    return fragment


def detect(lines: list[str]) -> float:
    """Confidence that ``lines`` are ``httpd -l`` output."""
    cleaned = [strip_decoration(line) for line in lines[:300] if line.strip()]
    if not cleaned:
        return 0.0
    sources = sum(1 for line in cleaned if _SOURCE.match(line))
    if any(_HEADER.match(line) for line in cleaned):
        return 0.95 if sources else 0.6
    if "core.c" in cleaned and sources / len(cleaned) >= 0.8:
        return 0.8
    return 0.0


PARSER = Parser(kind="httpd-l", description="httpd -l (compiled-in modules)", parse=parse, detect=detect)
