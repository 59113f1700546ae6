"""Rules for access configuration: a WSGI mount Apache would refuse (403, AH01630), and 2.2
access directives where mod_access_compat is not loaded. Pure: reads ``config.directives`` and
``config.mounts`` (wsgidoctor/access/authz.py evaluates them)."""

from __future__ import annotations

import os
from typing import Any, Iterable

from wsgidoctor.access import authz
from wsgidoctor.core import facts as F
from wsgidoctor.core.catalogue import finding, rule
from wsgidoctor.core.model import Evidence, Finding, Severity

SECTION = "access"

MOUNT_DENIED = finding(
    "mount-access-denied", Severity.ERROR, SECTION,
    "Apache's access configuration denies every request to a WSGI mount",
    """Apache 2.4 checks access before mod_wsgi runs: the Require lines (mod_authz_core) and, when
    mod_access_compat is loaded, the Apache 2.2 Order/Allow/Deny lines of every <Directory>,
    <Files> and <Location> section that applies to the request. Distributions deny the whole
    filesystem (`<Directory /> Require all denied`) and grant only /var/www and /usr/share, so a
    WSGI script elsewhere needs its own `<Directory>` with `Require all granted`. Without it every
    request answers 403 Forbidden and the error log says "AH01630: client denied by server
    configuration"; the configuration test passes. The same happens with 2.2's `Order
    deny,allow` + `Deny from all`, or a `Require all denied` in a <Location>.""",
    "Grant access to the script's directory beside the WSGIScriptAlias: `<Directory /path/to/app>` "
    "`Require all granted` `</Directory>` (Apache 2.4 syntax; not Order/Allow).",
)
COMPAT_NOT_LOADED = finding(
    "access-compat-not-loaded", Severity.ERROR, SECTION,
    "Apache 2.2 access directives (Order/Allow/Deny) without mod_access_compat",
    """Order, Allow, Deny and Satisfy are Apache 2.2's access control. Apache 2.4 knows them only
    while mod_access_compat is loaded; without it the server refuses to start with "Invalid
    command 'Order', perhaps misspelled or defined by a module not included in the server
    configuration". Configuration copied from old mod_wsgi documentation and blog posts often
    still uses them.""",
    "Replace them with 2.4's Require: `Order allow,deny` + `Allow from all` becomes `Require all "
    "granted`; `Deny from all` becomes `Require all denied` (or `a2enmod access_compat`).",
)


def compat_loaded(f: dict[str, Any]) -> bool:
    """Whether mod_access_compat is loaded (LoadModule, or compiled in)."""
    for d in F.get(f, "config.directives") or ():
        if d.get("name", "").lower() == "loadmodule" and (d.get("args") or [""])[0] == "access_compat_module":
            return True
    return "mod_access_compat.c" in (F.get(f, "apache.compiled_in") or ())


def decisions(f: dict[str, Any]) -> list[tuple[dict[str, Any], authz.Decision]]:
    """(mount, decision) for every WSGIScriptAlias mount of the configuration."""
    directives = F.get(f, "config.directives") or []
    all_blocks = authz.blocks(directives)
    loaded = compat_loaded(f)
    out = []
    for m in F.get(f, "config.mounts") or ():
        script = m.get("script") or m.get("target")
        if not script or m.get("match"):
            continue
        is_dir = bool(m.get("script_is_directory"))
        script_dir = script.rstrip("/") if is_dir else os.path.dirname(script)
        filename = "" if is_dir else os.path.basename(script)
        vhost = m.get("server") if m.get("server") != "main" else None
        out.append((m, authz.decide(all_blocks, vhost, script_dir, filename, m.get("url") or "/", loaded)))
    return out


@rule
def mounts_denied(f: dict[str, Any]) -> Iterable[Finding]:
    for m, dec in decisions(f):
        if dec.result != authz.DENIED:
            continue
        cited = ", ".join(dec.because)
        detail = (f"Every request to {m.get('vhost') or ''}{m.get('url')} (WSGIScriptAlias at "
                  f"{m.get('file')}:{m.get('line')}, script {m.get('script')}) is denied: the last section "
                  f"that decides is {dec.section} at {dec.section_where} ({cited}).")
        evidence = [Evidence(source=w.rpartition(":")[0], line=int(w.rpartition(":")[2]), text=dec.section or "")
                    for w in dec.because if w.rpartition(":")[2].isdigit()]
        yield MOUNT_DENIED.make(detail=detail, evidence=evidence)


@rule
def compat_directives_without_module(f: dict[str, Any]) -> Iterable[Finding]:
    if compat_loaded(f):
        return
    used = [d for d in F.get(f, "config.directives") or ()
            if d.get("name", "").lower() in ("order", "allow", "deny", "satisfy")]
    if used:
        first = used[0]
        yield COMPAT_NOT_LOADED.make(
            detail=f"{first['name']} {' '.join(first.get('args') or ())} at {first['file']}:{first['line']} "
                   f"(and {len(used) - 1} more) needs mod_access_compat, which is not loaded.",
            evidence=[Evidence(source=d["file"], line=d["line"], text=f"{d['name']} {d.get('raw', '')}")
                      for d in used[:5]])
