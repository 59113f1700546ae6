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
from typing import Any

from wsgidoctor.core.parsing import Parser
from wsgidoctor.apache.text import strip_decoration
from wsgidoctor.apache.parse_configtest import analyse
from wsgidoctor.core.textnorm import clean_lines

_HEADER = re.compile(r"^Loaded Modules:\s*$", re.I)
_MODULE = re.compile(r"^(?P<name>[A-Za-z0-9_]+) \((?P<origin>static|shared)\)$")
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
    analysis = analyse(rest)
    notes: list[str] = []
    apache: dict[str, Any] = {
        "modules": modules or None,
        "modules_listed": None,
        "modules_truncated": truncated,
        "syntax_ok": analysis.ok,
    }
    if modules:
        apache["modules_listed"] = True
        if truncated:
            notes.append("the module list ends with an ellipsis: modules after it are unknown")
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
