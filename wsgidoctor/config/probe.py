"""Probe "config": read the active Apache configuration and predict each WSGI mount.

Reads the configuration the way httpd does (``wsgidoctor.config.reader``), cross-checks it with
``httpd -t -D DUMP_INCLUDES -D DUMP_VHOSTS -D DUMP_RUN_CFG``, and records the facts of
docs/facts.md: ``config.files``, ``config.directives``, ``config.notes``, ``config.mounts``,
``config.daemons``, plus ``install.user``/``install.group`` from ``User``/``Group``.
"""

from __future__ import annotations

import os
import re
import socket
from typing import Any, Optional

from wsgidoctor.core import subprocesses as commands
from wsgidoctor.core.model import RawOutput
from wsgidoctor.core.hookspec import NotApplicable, Probe, ProbeContext, ProbeOutput

_HTTPD_NAMES = ("apache2", "httpd", "httpd2")
_SBIN = ("/usr/sbin", "/usr/local/sbin", "/usr/local/apache2/bin", "/opt/homebrew/bin", "/usr/local/bin")


def _httpd(ctx: ProbeContext) -> Optional[str]:
    found = ctx.fact("install.httpd") or ctx.options.httpd
    if found:
        return found
    for name in _HTTPD_NAMES:
        path = commands.which(name, _SBIN)
        if path:
            return path
    return None


def _locations(ctx: ProbeContext) -> tuple[Optional[str], Optional[str]]:
    """(config_file, server_root): --config, else the install facts (from the running server's
    command line, or ``httpd -V`` by the httpd_version probe; this probe does not run -V again)."""
    config = ctx.options.config or ctx.fact("install.config_file")
    root = ctx.fact("install.server_root")
    if config and not os.path.isabs(config) and root:
        config = os.path.join(root, config)
    if config and not root:
        root = os.path.dirname(config)
    return config, root


def _start_env(ctx: ProbeContext) -> dict[str, str]:
    """Apache's start environment as discovery worked it out (envvars, the unit, the running server)."""
    env = ctx.fact("install.start_env")
    if isinstance(env, dict) and env:
        return {str(k): str(v) for k, v in env.items()}
    return {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}


def _static_modules(ctx: ProbeContext) -> list[str]:
    """Modules compiled into httpd (``-l``, read by the httpd_compiled probe, or ``-M``'s statics)."""
    compiled = ctx.fact("apache.compiled_in")
    if isinstance(compiled, list) and compiled:
        return [str(m) for m in compiled]
    mods = ctx.fact("apache.modules")
    if isinstance(mods, list) and mods:
        return [str(m.get("name")) for m in mods if isinstance(m, dict) and m.get("origin") == "static"]
    return []


def _apache_version(ctx: ProbeContext) -> Optional[tuple[int, ...]]:
    from wsgidoctor.wsgi.predict import parse_version

    return parse_version(ctx.fact("apache.version"))


def local_host_name() -> Optional[str]:
    """The name httpd gives a server without ServerName (``ap_get_local_host``): the host name
    if it resolves to a fully qualified name, else its IP address."""
    try:
        name = socket.gethostname()
        if "." in name:
            return name
        addr = socket.getaddrinfo(name, None)[0][4][0]
        try:
            full = socket.gethostbyaddr(addr)[0]
        except OSError:
            return addr
        return full if "." in full else addr
    except OSError:
        return None


def _module_path(tree: Any, ident: str) -> Optional[str]:
    for d in tree.named("LoadModule"):
        if len(d.args) >= 2 and d.args[0] == ident:
            path = d.args[1]
            return path if os.path.isabs(path) else os.path.join(tree.server_root, path)
    return None


def _python_of_module(path: str) -> dict[str, Any]:
    """The libpython a module (mod_python.so) needs, from its ELF dynamic section."""
    info: dict[str, Any] = {"path": path, "python_library": None, "python_version": None}
    from wsgidoctor.linkage.elf import BinaryError, read_elf

    try:
        needed = read_elf(path).libpython_needed
    except BinaryError as exc:  # not an ELF file, unreadable...: leave it unknown
        info["error"] = exc.reason
        return info
    if needed:
        info["python_library"] = needed
        m = re.match(r"libpython(\d+\.\d+)", needed)
        info["python_version"] = m.group(1) if m else None
    return info


def _socket_facts(model: Any, module_path: Optional[str], user: Optional[str],
                  group: Optional[str]) -> dict[str, Any]:
    from wsgidoctor.config import sockets

    default = None
    if module_path:
        try:
            with open(module_path, "rb") as fh:
                default = sockets.default_prefix_from_module(fh.read(8 * 1024 * 1024))
        except OSError:
            pass
    configured = model.settings.socket_prefix
    prefix = sockets.effective_prefix(configured, default, model.tree.server_root)
    at = model.settings.at.get("WSGISocketPrefix")
    out: dict[str, Any] = {"configured": configured, "default": default, "effective": prefix,
                           "file": at.file if at else None, "line": at.line if at else None,
                           "user": user, "length": None, "too_long": None, "directories": [],
                           "reachable": None, "used": bool(model.daemons)}
    if prefix:
        out["length"] = sockets.socket_path_length(prefix)
        out["too_long"] = out["length"] > sockets.SUN_PATH_MAX
        creds = sockets.user_credentials(user, group) if user else None
        if creds:
            dirs = sockets.directories_access(prefix, *creds)
            out["directories"] = [d.to_json() for d in dirs]
            out["reachable"] = bool(dirs) and all(d.exists and d.searchable for d in dirs)
    return out


def _start_dump(ctx: ProbeContext, httpd: str, root: str, config: str, env: dict[str, str],
                defines: list[str]) -> commands.Pending:
    """Start httpd's own dump of includes, virtual hosts and run settings (read while we read)."""
    argv = [httpd, "-d", root, "-f", config, "-t", "-D", "DUMP_INCLUDES", "-D", "DUMP_VHOSTS",
            "-D", "DUMP_RUN_CFG"]
    for d in defines:
        argv += ["-D", d]
    run_env = dict(env)
    run_env.setdefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    return ctx.start(argv, env=run_env, timeout=15)


def _dump(pending: Optional[commands.Pending]) -> tuple[Optional[RawOutput], dict[str, Any]]:
    from wsgidoctor.config.dumps import parse_dump

    if pending is None:
        return None, {}
    res = pending.result()
    if res.error:
        return None, {}
    text = res.output
    return (RawOutput(kind="httpd-t-dump", source=res.display, text=text, exit_code=res.returncode),
            parse_dump(text))


def _unknown_wsgi_directives(tree: Any) -> list[dict[str, Any]]:
    """WSGI-looking directive names mod_wsgi does not have (typos): httpd stops at them."""
    from wsgidoctor.config.names import WSGI_DIRECTIVES

    known = {n.lower() for n in WSGI_DIRECTIVES} | {"wsgiprocessgroup", "wsgiimportscript",
                                                     "wsgicasesensitivity", "wsgifreethreading",
                                                     "wsgiinterpreteroptions"}
    return [{"kind": "unknown-directive", "text": f"Invalid command '{d.name}' (not a mod_wsgi directive)",
             "file": d.file, "line": d.line, "fatal": True}
            for d in tree.directives if d.name.lower().startswith("wsgi") and d.name.lower() not in known]


def _newest_change(files: list[str]) -> Optional[dict[str, Any]]:
    """The configuration file changed last: ``{path, mtime, when}`` (when: local time, for people)."""
    import time

    newest: Optional[tuple[float, str]] = None
    for path in files:
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            continue
        if newest is None or mtime > newest[0]:
            newest = (mtime, path)
    if newest is None:
        return None
    return {"path": newest[1], "mtime": newest[0],
            "when": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(newest[0]))}


def run(ctx: ProbeContext) -> ProbeOutput:
    from wsgidoctor.config import dumps
    from wsgidoctor.config.model import build_model
    from wsgidoctor.wsgi.predict import DEFAULT_VERSION, parse_version, predict_mounts
    from wsgidoctor.config.reader import config_location, read_config

    httpd = _httpd(ctx)
    config, root = _locations(ctx)
    if not config:
        raise NotApplicable("no Apache configuration file found (give --config)")
    env = _start_env(ctx)
    defines = [str(d) for d in ctx.fact("install.defines") or ()]
    version = _apache_version(ctx)
    config_path = config_location(config, root)[1]  # the file read_config reads
    pending = (_start_dump(ctx, httpd, root, config_path, env, defines)
               if httpd and root and os.path.isfile(config_path) else None)
    tree = read_config(config, root, environ=env, defines=defines,
                       static_modules=_static_modules(ctx), apache_version=version)
    mpm_fact = ctx.fact("apache.mpm.name")
    model = build_model(tree, build_mpm=mpm_fact if isinstance(mpm_fact, str) else None)

    out = ProbeOutput()
    raw, dump = _dump(pending)
    if raw is not None:
        out.raw.append(raw)

    user = group = None
    for d in tree.directives:
        if not d.sections and d.args and d.name in ("User", "Group"):
            if d.name == "User":
                user = d.args[0]
            else:
                group = d.args[0]

    local_host = model.main.server_name or dump.get("local_host") or local_host_name()
    for v in dump.get("vhosts") or ():  # httpd's own names for vhosts without ServerName
        for s in model.servers[1:]:
            if s.section and (s.section.file, s.section.line) == (v["file"], v["line"]) and not s.server_name:
                s.server_name = v["server_name"]
    mod_wsgi_version = parse_version(ctx.fact("mod_wsgi.version"))
    used_version = mod_wsgi_version or DEFAULT_VERSION
    directory_targets = sorted({a.target for a in model.aliases if not a.match and os.path.isdir(a.target)})
    mounts = predict_mounts(model, version=used_version, environ=env, local_host=local_host,
                            is_dir=lambda p: p in directory_targets)

    wsgi_path = _module_path(tree, "wsgi_module") or ctx.fact("linkage.module")
    python_path = _module_path(tree, "python_module")
    mod_python = None
    if python_path:
        lm = next(d for d in tree.named("LoadModule") if d.args and d.args[0] == "python_module")
        mod_python = {**_python_of_module(python_path), "file": lm.file, "line": lm.line}

    cross = dumps.compare(dump, tree.files, [(s.section.file, s.section.line) for s in model.servers[1:] if s.section],
                          user, group) if dump.get("includes") else []
    notes = [n.to_json() for n in tree.notes]
    notes += [{"kind": "cross-check", "text": c, "file": None, "line": None, "fatal": False} for c in cross]
    error = dump.get("syntax_error")
    if error:
        notes.append({"kind": "syntax-error", "text": f"httpd -t: {error['message']}", "file": error["file"],
                      "line": error["line"], "fatal": True})
    notes += _unknown_wsgi_directives(tree)

    config_facts: dict[str, Any] = {
        "config_file": tree.config_file, "server_root": tree.server_root,
        "files": list(tree.files), "directives": [d.to_json() for d in tree.directives],
        "notes": notes, "defines": list(tree.defines),
        "servers": [s.to_json() for s in model.servers], "listen": list(model.listen),
        "mpm": model.mpm.to_json(), "wsgi": model.settings.to_json(),
        "aliases": [a.to_json() for a in model.aliases],
        "daemons": [dp.to_json() for dp in model.daemons],
        "mounts": [m.to_json() for m in mounts],
        "local_host": local_host, "directory_targets": directory_targets,
        "prediction_version": ".".join(str(v) for v in used_version),
        "prediction_version_assumed": mod_wsgi_version is None,
        "module": wsgi_path, "mod_python": mod_python,
        "socket_prefix": _socket_facts(model, wsgi_path, user, group),
        "httpd_dump": dump or None,
        "newest_change": _newest_change(tree.files),
    }
    out.facts = {"config": config_facts}
    if user or group:
        out.facts["install"] = {"user": user, "group": group}
    return out


PROBE = Probe(name="config", run=run, needs=("discovery", "httpd_version", "httpd_compiled"), timeout=30.0,
              description="Apache configuration: directives with file:line, WSGI mounts and predictions")
