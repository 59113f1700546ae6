"""Mechanical fixes for the config area's findings."""

from __future__ import annotations

import os
from typing import Any, Iterable

from wsgidoctor.config import edits
from wsgidoctor.core import facts as F
from wsgidoctor.core.fixes import Fix, fixer

SERVER_LEVEL = ("wsgipythonhome", "wsgipythonpath", "wsgisocketprefix", "wsgipythonoptimize",
                "wsgirestrictembedded", "wsgilazyinitialization", "wsgipythoneggs", "wsgiacceptmutex")


def socket_prefix_value(facts: dict[str, Any]) -> str:
    """A socket prefix Apache's user can reach: Debian's run directory, else ServerRoot's run/."""
    env = F.get(facts, "install.start_env") or {}
    return "${APACHE_RUN_DIR}/wsgi" if env.get("APACHE_RUN_DIR") else "run/wsgi"


@fixer("directive-wrong-context")
def move_to_server_level(facts: dict[str, Any]) -> Iterable[Fix]:
    for d in edits.directives(facts, "WSGIPythonHome") + edits.directives(facts, "WSGIPythonPath") \
            + edits.directives(facts, "WSGISocketPrefix"):
        sections = [str(s).lower() for s in d.get("sections") or ()]
        if not sections or not sections[0].startswith("<virtualhost"):
            continue
        file, line = edits.where((d.get("section_lines") or [None])[0])
        text = edits.line_text(d["file"], d["line"])
        if file != d["file"] or text is None:
            continue
        removal = edits.delete(d["file"], d["line"])
        added = edits.insert(file, line, [text.strip()])
        if removal and added:
            yield Fix("directive-wrong-context", f"move {d['name']} out of <VirtualHost> to server level",
                      (removal, added))


@fixer("socket-prefix-unreachable")
def reachable_socket_prefix(facts: dict[str, Any]) -> Iterable[Fix]:
    sp = F.get(facts, "config.socket_prefix") or {}
    value = socket_prefix_value(facts)
    if sp.get("file") and sp.get("line"):
        edit = edits.replace(sp["file"], sp["line"], [f"WSGISocketPrefix {value}"])
    else:
        edit = edits.append(F.get(facts, "config.config_file"), [f"WSGISocketPrefix {value}"])
    if edit:
        yield Fix("socket-prefix-unreachable", f"put mod_wsgi's sockets in {value}", (edit,))


@fixer("script-alias-trailing-slash")
def drop_trailing_slash(facts: dict[str, Any]) -> Iterable[Fix]:
    for d in edits.directives(facts, "WSGIScriptAlias"):
        args = d.get("args") or []
        if len(args) >= 2 and args[0].endswith("/") and args[0] != "/" and not os.path.isdir(args[1]):
            edit = edits.set_argument(d["file"], d["line"], r"(?<=WSGIScriptAlias\s)(\S+)/(?=\s)",
                                      args[0].rstrip("/"))
            if edit:
                yield Fix("script-alias-trailing-slash", f"WSGIScriptAlias {args[0].rstrip('/')} (no trailing slash)",
                          (edit,))


@fixer("mod-python-conflict")
def disable_mod_python(facts: dict[str, Any]) -> Iterable[Fix]:
    for d in edits.directives(facts, "LoadModule"):
        if (d.get("args") or [""])[0] == "python_module":
            edit = edits.comment_out(d["file"], d["line"], "mod_wsgi 4+ refuses to run beside mod_python")
            if edit:
                yield Fix("mod-python-conflict", "stop loading mod_python", (edit,), ("a2dismod python",))


@fixer("daemon-group-undefined")
def define_daemon_group(facts: dict[str, Any]) -> Iterable[Fix]:
    defined = {str((d.get("args") or [""])[0]) for d in edits.directives(facts, "WSGIDaemonProcess")}
    done: set[str] = set()
    for d in edits.directives(facts, "WSGIProcessGroup"):
        name = str((d.get("args") or [""])[0])
        if not name or name.startswith("%{") or name in defined or name in done:
            continue
        done.add(name)
        edit = edits.insert(d["file"], d["line"], [f"WSGIDaemonProcess {name}"], like=d["line"])
        if edit:
            yield Fix("daemon-group-undefined", f"define the daemon process group {name}", (edit,))
