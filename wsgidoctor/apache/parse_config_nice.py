"""Parsers for how Apache was configured at build time: ``build/config.nice`` (source builds,
macOS, Bitnami...) and ``build/config_vars.mk`` (read where there is no config.nice, as on
Debian and Ubuntu, whose apache2-dev ships none).

``config.nice`` → ``apache.configure{args[], layout, mpm, mpms_shared, configure, env{}, prefix,
with_apr ("included" or the --with-apr value), source: "config.nice"}``: the exported variables,
the configure script's path and every argument, unquoted as the shell would. ``config_vars.mk`` → ``apache.configure{args: null,
layout: null, source: "config_vars.mk", dirs{libexecdir, sysconfdir, runtimedir, ...},
httpd_version, mmn_major, progname, mpm, apr{...}, apu{...}, cc}``.
"""

from __future__ import annotations

import re
import shlex
from typing import Any, Optional

from wsgidoctor.core.parsing import Parser
from wsgidoctor.core.textnorm import clean_lines
from wsgidoctor.core.lazyre import lazy_re

_EXPORT = lazy_re(r"^(?P<name>[A-Za-z_]\w*)=(?P<value>.*?);\s*export\s+(?P=name)\s*$")
_QUOTED = lazy_re(r'"((?:[^"\\]|\\.)*)"')


def _logical_lines(lines: list[str]) -> list[str]:
    out: list[str] = []
    buffer = ""
    for line in lines:
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        out.append(buffer + stripped)
        buffer = ""
    if buffer:
        out.append(buffer.rstrip())
    return out


#: shlex is quadratic in the length of one word; no real configure line comes near this.
MAX_COMMAND = 64 * 1024


def _split(command: str) -> list[str]:
    """Shell words of ``command``; for broken quoting, the double-quoted pieces."""
    if len(command) > MAX_COMMAND:
        return command[:MAX_COMMAND].split()
    try:
        return shlex.split(command, posix=True)
    except ValueError:
        return [m.group(1) for m in _QUOTED.finditer(command)] or command.split()


def _option(args: list[str], name: str) -> Optional[str]:
    value = None
    for arg in args:
        if arg.startswith(name + "="):
            value = arg[len(name) + 1:]
    return value


def parse_config_nice(text: str) -> dict[str, Any]:
    """Parse ``config.nice`` into ``apache.configure`` (see the module docstring)."""
    env: dict[str, str] = {}
    configure: Optional[str] = None
    args: Optional[list[str]] = None
    for line in _logical_lines(clean_lines(text)):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = _EXPORT.match(stripped)
        if m:
            words = _split(m.group("value"))
            env[m.group("name")] = " ".join(words) if words else ""
            continue
        words = _split(stripped)
        if args is None and words and re.search(r"(?:^|/)configure$", words[0]):
            configure = words[0]
            args = [w for w in words[1:] if w not in ("$@", '"$@"')]
    configure_info: dict[str, Any] = {
        "source": "config.nice", "configure": configure, "args": args, "env": env,
        "layout": None, "mpm": None, "mpms_shared": None, "prefix": None, "with_apr": None,
    }
    notes: list[str] = []
    if args is not None:
        configure_info["layout"] = _option(args, "--enable-layout")
        configure_info["mpm"] = _option(args, "--with-mpm")
        configure_info["mpms_shared"] = _option(args, "--enable-mpms-shared")
        configure_info["prefix"] = _option(args, "--prefix")
        configure_info["with_apr"] = "included" if "--with-included-apr" in args else _option(args, "--with-apr")
        if not configure_info["mpm"] and not configure_info["mpms_shared"]:
            notes.append("config.nice names no MPM (--with-mpm / --enable-mpms-shared): the build used "
                         "configure's default, which only httpd -V shows")
    else:
        notes.append("no configure command line found in this config.nice")
    fragment: dict[str, Any] = {"apache": {"configure": configure_info}}
    if notes:
        fragment["_notes"] = notes
    return fragment


#: Install directories config_vars.mk records (``exp_<name>`` is the expanded form).
DIRS = ("prefix", "exec_prefix", "bindir", "sbindir", "libdir", "libexecdir", "mandir", "sysconfdir",
        "datadir", "installbuilddir", "errordir", "iconsdir", "htdocsdir", "manualdir", "cgidir",
        "includedir", "localstatedir", "runtimedir", "logfiledir", "proxycachedir")
_ASSIGN = lazy_re(r"^(?P<name>[A-Za-z_][\w.]*)\s*=\s?(?P<value>.*)$")
_REF = lazy_re(r"\$[({](?P<name>[A-Za-z_]\w*)[)}]")


def _expand(value: str, variables: dict[str, str], depth: int = 0) -> str:
    if depth > 10:
        return value
    return _REF.sub(lambda m: _expand(variables.get(m.group("name"), ""), variables, depth + 1), value)


def parse_config_vars(text: str) -> dict[str, Any]:
    """Parse ``build/config_vars.mk`` into ``apache.configure`` (see the module docstring)."""
    variables: dict[str, str] = {}
    for line in clean_lines(text):
        m = _ASSIGN.match(line.strip())
        if m:
            variables[m.group("name")] = m.group("value").strip()

    def var(name: str) -> Optional[str]:
        value = variables.get(name)
        return _expand(value, variables).strip() or None if value is not None else None

    dirs: dict[str, Optional[str]] = {}
    for name in DIRS:
        dirs[name] = var(f"exp_{name}") or var(name)
    mmn = var("HTTPD_MMN")
    configure_info: dict[str, Any] = {
        "source": "config_vars.mk", "args": None, "layout": None, "dirs": dirs,
        "httpd_version": var("HTTPD_VERSION"),
        "mmn_major": int(mmn) if mmn and mmn.isdigit() else None,
        "progname": var("progname"),
        "mpm": var("MPM_NAME"),
        "apr": {"version": var("APR_VERSION"), "includedir": var("APR_INCLUDEDIR"), "config": var("APR_CONFIG")},
        "apu": {"version": var("APU_VERSION"), "includedir": var("APU_INCLUDEDIR"), "config": var("APU_CONFIG")},
        "cc": var("CC"),
    }
    notes = ["build/config_vars.mk records where Apache was installed and which tools built it, not "
             "the configure arguments (Debian and Ubuntu ship no config.nice)"]
    if not variables:
        notes = ["no 'NAME = value' lines found in this config_vars.mk"]
    return {"apache": {"configure": configure_info}, "_notes": notes}


def detect_config_nice(lines: list[str]) -> float:
    """Confidence that ``lines`` are a config.nice script."""
    head = [l.strip() for l in lines[:200]]
    configure_line = any(re.match(r'^"?[^"\s]*configure"?\s*\\?$', l) for l in head)
    options = sum(1 for l in head if re.match(r'^"--[\w-]+', l))
    if "# Created by configure" in head and (configure_line or options):
        return 0.95
    if configure_line and options >= 1:
        return 0.8
    return 0.0


def detect_config_vars(lines: list[str]) -> float:
    """Confidence that ``lines`` are Apache's build/config_vars.mk."""
    body = [l for l in lines[:3000] if l.strip()]
    if not body:
        return 0.0
    assigns = sum(1 for l in body if _ASSIGN.match(l.strip()))
    markers = sum(1 for l in body if re.match(r"^(?:exp_libexecdir|installbuilddir|HTTPD_VERSION|"
                                                r"HTTPD_MMN|APR_INCLUDEDIR|exp_sysconfdir)\s*=", l))
    if markers >= 2 and assigns / len(body) >= 0.6:
        return 0.9
    return 0.0


PARSERS = (
    Parser(kind="config.nice", description="Apache build/config.nice (configure arguments)",
           parse=parse_config_nice, detect=detect_config_nice),
    Parser(kind="config_vars.mk", description="Apache build/config_vars.mk (build variables)",
           parse=parse_config_vars, detect=detect_config_vars),
)
