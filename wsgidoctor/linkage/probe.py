"""Linkage probe: which libpython mod_wsgi.so loads, as Apache would load it.

Finds the module (``--module``, the LoadModule line, the modules directory, mod_wsgi-express),
reads it without executing anything, and resolves its libpython three ways: with Apache's start
environment (the one that counts), with the current user's LD_LIBRARY_PATH (what a manual ``ldd``
shows) and with none. When root can see a running Apache, the libpython each process has mapped
is compared with the prediction.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from wsgidoctor.core import subprocesses as commands
from wsgidoctor.core.hookspec import NotApplicable, Probe, ProbeContext, ProbeOutput


def _platform(ctx: ProbeContext, elf_machine: Optional[tuple[int, str]] = None):
    """The loader's own view of the platform when it can tell us, else the file-system guess."""
    from wsgidoctor.linkage import glibc

    for ldso in ("/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1", "/lib/ld-linux-armhf.so.3",
                 "/lib/ld-linux.so.2", "/lib64/ld64.so.2", "/lib/ld64.so.1"):
        if os.path.exists(ldso):
            diag = ctx.run([ldso, "--list-diagnostics"], timeout=5)
            if diag.ok:
                helptext = ctx.run([ldso, "--help"], timeout=5)
                found = glibc.platform_from_ldso(diag.stdout, helptext.stdout if helptext.ok else "")
                if found:
                    return found
            break
    return glibc.detect_platform(*(elf_machine or (0, "")))


def _apache_user(ctx: ProbeContext) -> Optional[str]:
    from wsgidoctor.linkage.access import default_apache_user

    for d in reversed(ctx.fact("config.directives") or []):
        if str(d.get("name", "")).lower() == "user" and d.get("args") and not d.get("sections"):
            value = str(d["args"][0])
            if not value.startswith("${"):
                return value
    return ctx.fact("install.user") or default_apache_user(ctx.fact("install.distribution"))


def _examined_tree(known: Optional[list[dict[str, Any]]], examined: Optional[int]) -> Optional[list[dict[str, Any]]]:
    """The examined server's parent and children; other Apache servers on the machine are
    somebody else's (mod_wsgi-express, test servers) and say nothing about this installation."""
    if known is None:
        return None
    return [p for p in known if examined is not None and examined in (p.get("pid"), p.get("ppid"))]


def _running(ctx: ProbeContext, module: str, predicted: Optional[str]) -> tuple[list[dict[str, Any]], Optional[str]]:
    from wsgidoctor.linkage import running

    procs = running.httpd_processes(_examined_tree(ctx.fact("install.running"), ctx.fact("install.examined_pid")),
                                    module)
    if not procs:
        return [], None
    out = []
    note = None
    for proc in procs:
        maps, problem = running.read_maps(proc["pid"])
        if maps is None:
            note = f"cannot inspect running Apache process {proc['pid']}: {problem}"
            continue
        for m in maps:
            out.append({"pid": proc["pid"], "role": proc.get("role"), "path": m.path, "deleted": m.deleted,
                        "same_as_prediction": running.same_file(predicted, m)})
        if not maps:
            out.append({"pid": proc["pid"], "role": proc.get("role"), "path": None, "deleted": False,
                        "same_as_prediction": None})
    return out, note


def run(ctx: ProbeContext) -> ProbeOutput:
    from wsgidoctor.linkage import examine, modwsgi_so

    server_root = ctx.fact("install.server_root")
    directives = ctx.fact("config.directives")
    libexecdir = (ctx.fact("apxs.variables") or {}).get("LIBEXECDIR")
    location = modwsgi_so.locate(ctx.options.module, directives, server_root, libexecdir,
                                 run=lambda argv: ctx.run(argv, timeout=15), which=commands.which)
    if location is None:
        raise NotApplicable("no mod_wsgi module found (no LoadModule wsgi_module line, none in the "
                            "modules directories, no mod_wsgi-express); pass --module PATH")
    out = ProbeOutput()
    start_env = ctx.fact("install.start_env")
    env_source = ctx.fact("install.start_env_source")
    if start_env is None:
        out.notes.append("Apache's start environment is unknown (no discovery facts): the 'apache' "
                         "resolution assumes it sets no LD_LIBRARY_PATH")
    httpd = ctx.fact("install.httpd")
    if not httpd:
        httpd = commands.which("apache2", ["/usr/sbin", "/usr/local/apache2/bin"]) or \
            commands.which("httpd", ["/usr/sbin", "/usr/local/apache2/bin"])
    inputs = examine.Inputs(
        module=location.path, httpd=httpd, start_env=start_env, start_env_source=env_source,
        user_env=ctx.environ,
        load_files=modwsgi_so.load_files_before(directives or [], server_root, location),
        apache_user=_apache_user(ctx), symbol=location.symbol,
    )
    fmt = examine.file_format(location.path)
    if fmt == "elf":
        inputs.platform = _platform(ctx)
    facts = examine.examine(inputs)
    linkage = facts["linkage"]
    linkage["module_source"] = location.to_json()
    linkage["server_mmn"] = ctx.fact("apache.mmn")
    linkage["running"], note = _running(ctx, location.path, (linkage.get("python_library") or {}).get("path"))
    if note:
        linkage["running_note"] = note
        out.notes.append(note)
    out.facts = facts
    return out


PROBE = Probe(
    name="linkage",
    description="which libpython mod_wsgi.so loads, resolved as Apache's loader would; static/host-provided "
                "Python, compiled-for versions, module magic, ELF class/machine, running processes",
    needs=("discovery", "httpd_version", "apxs", "config"),
    run=run,
    timeout=60.0,
)
