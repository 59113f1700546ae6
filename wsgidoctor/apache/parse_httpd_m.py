"""Parser for ``httpd -M`` / ``apachectl -M`` / ``httpd -t -D DUMP_MODULES`` (loaded modules).

Produces ``apache.modules[{name, origin}]`` in output order, ``apache.modules_listed`` (false
when the output holds no module list at all), ``apache.syntax_ok`` and
``apache.startup_warnings`` (AH00558 and friends, unwrapped when hard-wrapped). When the
configuration does not parse, ``-M`` prints the errors instead of the list: they become
``apache.configtest`` exactly as :mod:`wsgidoctor.apache.parse_configtest` reads them.

A build without mod_so prints no list whatsoever (the module dump is implemented by mod_so);
a list pasted without its "Loaded Modules:" header is still a list.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from wsgidoctor.core.parsing import Parser
from wsgidoctor.apache.text import strip_decoration
from wsgidoctor.apache.parse_configtest import analyse
from wsgidoctor.core.textnorm import clean_lines

_HEADER = re.compile(r"^Loaded Modules:\s*$", re.I)
_MODULE = re.compile(r"^(?P<name>[A-Za-z0-9_]+) \((?P<origin>static|shared)\)$")
#: The beginning of a module line, cut: "status_module (", "status_mod", "negot", "proxy_module (sha".
_PARTIAL = re.compile(r"^[a-z][a-z0-9_]*(?: \(\w*)?$")
_MPM = re.compile(r"^mpm_\w+_module$")
_ELLIPSIS = re.compile(r"^(?:\u2026|\.{3,}|\[\.\.\.\]|\(\.\.\.\))$")


def _only_warnings(lines: list[str], consumed: set[int]) -> bool:
    """True when every non-blank line was read as a startup message or 'Syntax OK'."""
    return all(i in consumed for i, line in enumerate(lines) if line.strip())


def parse(text: str) -> dict[str, Any]:
    """Parse ``httpd -M`` output into an ``apache`` facts fragment (see the module docstring)."""
    lines = clean_lines(text)
    modules: list[dict[str, str]] = []
    header = False
    truncated = False
    rest: list[str] = []  # the other lines, blanked where a list line was, for the configtest reader
    for line in lines:
        plain = strip_decoration(line)
        m = _MODULE.match(plain)
        if m:
            modules.append({"name": m.group("name"), "origin": m.group("origin")})
            rest.append("")
        elif _HEADER.match(plain):
            header = True
            rest.append("")
        elif _ELLIPSIS.match(plain):
            truncated = True
            rest.append("")
        else:
            rest.append(line)
    cut = "an ellipsis marks lines left out" if truncated else _cut_sign(modules, rest)
    analysis = analyse(rest)
    notes: list[str] = []
    apache: dict[str, Any] = {
        "modules": modules or None,
        "modules_listed": None,
        "modules_truncated": bool(modules) and cut is not None,
        "syntax_ok": analysis.ok,
    }
    if modules:
        apache["modules_listed"] = True
        if cut:
            apache["modules_cut"] = cut
            notes.append(f"the module list is not whole ({cut}): a module it does not show may still be loaded")
    elif header:
        notes.append("'Loaded Modules:' is followed by no module (output cut off?)")
    elif analysis.errors:
        apache["modules_listed"] = False
        notes.append("httpd printed configuration errors instead of the module list")
    elif lines and _only_warnings(rest, analysis.consumed):
        apache["modules_listed"] = False
        notes.append("the output holds no module list at all, only startup messages: an httpd "
                     "without mod_so prints none (the module dump is part of mod_so), so this httpd "
                     "probably cannot load modules")
    elif lines:
        notes.append("the output holds no module list and nothing recognisable as httpd's messages "
                     "(did the command fail?)")
    else:
        notes.append("the output is empty")
    if analysis.warnings:
        apache["startup_warnings"] = analysis.warnings
    if analysis.errors:
        apache["configtest"] = analysis.configtest()
    fragment: dict[str, Any] = {"apache": apache}
    if notes:
        fragment["_notes"] = notes
    return fragment


def _cut_sign(modules: list[dict[str, str]], rest: list[str]) -> Optional[str]:
    """Why a module list without an ellipsis is still not the whole of httpd's output, or None.

    httpd prints core_module first and always lists exactly one MPM (2.4 refuses to start
    without one; 2.2's is built in); a last line that is the beginning of a module line was cut.
    """
    if not modules:
        return None
    tail = next((line.strip() for line in reversed(rest) if line.strip()), "")
    if tail and _PARTIAL.match(strip_decoration(tail)):
        return f"its last line '{tail}' is cut off"
    if modules[0]["name"] != "core_module":
        return "it does not begin with core_module, which httpd lists first"
    if not any(_MPM.match(m["name"]) for m in modules):
        return "it names no MPM module, which every httpd lists"
    return None


def pasted_list_cut(apache: dict[str, Any], *, ends_in_open_fence: bool, last_line: Optional[str] = None) -> Optional[str]:
    """Why a module list a person pasted is probably not whole, beyond what :func:`parse` sees.

    People cut long lists without marking it. Three signs: the paste's one line after the list
    (``last_line``) is the beginning of a module line; the paste ends inside a markdown fence
    that was never closed (the copy stops mid-block), and the list lacks mime_module, which
    Apache's own default configuration and every distribution's load (a real server maps file
    types), so a list without it is a head or a selection. Not applied to output wsgidoctor ran
    itself: a minimal configuration without mod_mime is whole there.
    """
    modules = apache.get("modules") or []
    if not modules or apache.get("modules_truncated"):
        return None
    if last_line is not None and _PARTIAL.match(strip_decoration(last_line).strip()):
        return f"the paste ends with '{last_line.strip()}', a module line cut off"
    if ends_in_open_fence:
        return "the paste ends inside a code block that is never closed"
    if not any(m.get("name") == "mime_module" for m in modules):
        return "it lacks mime_module, which every real server configuration loads"
    return None


def detect(lines: list[str]) -> float:
    """Confidence that ``lines`` are ``httpd -M`` output (with or without the header)."""
    cleaned = [strip_decoration(l) for l in lines[:1000] if l.strip()]
    if not cleaned:
        return 0.0
    modules = sum(1 for l in cleaned if _MODULE.match(l))
    if any(_HEADER.match(l) for l in cleaned):
        return 0.95
    if modules >= 2 and modules / len(cleaned) >= 0.5:
        return 0.85
    return 0.0


PARSER = Parser(kind="httpd-M", description="httpd -M (loaded modules)", parse=parse, detect=detect)
