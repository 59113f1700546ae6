"""Plan a throwaway Apache: its configuration text and the requests to send it. Pure.

The plan is made before the temporary directory exists: paths in it start with ``@TMP@`` and
ports are ``@PORT:key@`` until :meth:`LivePlan.render`. The throwaway server runs the user's own httpd and mod_wsgi.so with the user's WSGI-relevant
directives (Python home and path, daemon groups, process and application groups, MPM sizing,
User/Group when root) and nothing else of theirs: it listens on 127.0.0.1 only, on ports of its
own, and every path it writes (pid file, runtime dir, locks, sockets, error log) is inside its
own temporary directory. Each WSGI mount keeps its URL and virtual host name, and its script is
replaced by the probe application placed at the same path under ``<tmp>/root`` (so that
``<Directory>`` sections still apply); a ``WSGIHandlerScript`` mount (mod_wsgi-express) is reached
through its own route (see :mod:`wsgidoctor.live.routes`). Requests carry the Host header a browser would send to
the real server, so group names come out exactly as they would there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from wsgidoctor.config.model import ConfigModel
from wsgidoctor.wsgi.predict import (DEFAULT_VERSION, Mount, Version, embedded_threading,
                                       listen_port_of, server_name_of)
from wsgidoctor.config.reader import Directive
from wsgidoctor.live.conftext import TMP, directive_line, emit_scoped, mirror, quote
from wsgidoctor.live.routes import HandlerRoute, NoRoute, handler_route
from wsgidoctor.config.servers import Server

#: LoadModule identifiers carried over from the user's configuration: the MPM, what the WSGI
#: directives need to behave as there (SetEnv, access control defaults) and the modules
#: themselves. mod_python is kept so that a conflict shows up as it would for real.
KEEP_MODULES = ("unixd_module", "authn_core_module", "authz_core_module", "env_module",
                "setenvif_module", "wsgi_module", "python_module")
#: Server-wide mod_wsgi directives carried over as written.
KEEP_GLOBAL = ("WSGIPythonHome", "WSGIPythonPath", "WSGIPythonOptimize", "WSGIPythonEggs",
               "WSGIPythonHashSeed", "WSGIPythonWarnings", "WSGIDontWriteBytecode",
               "WSGIRestrictEmbedded", "WSGILazyInitialization", "WSGICaseSensitivity",
               "WSGISocketRotation", "WSGIDestroyInterpreter", "WSGIPy3kWarningFlag")
#: Directives carried over wherever they are (server, virtual host, directory level).
KEEP_ANYWHERE = ("WSGIProcessGroup", "WSGIApplicationGroup", "WSGIRestrictProcess", "SetEnv",
                 "UseCanonicalName", "UseCanonicalPhysicalPort")
#: MPM sizing that decides wsgi.multithread / wsgi.multiprocess in embedded mode.
KEEP_MPM = ("ServerLimit", "ThreadLimit", "ThreadsPerChild", "MaxRequestWorkers", "MaxClients")
#: The most daemon processes started per group: more change nothing that is checked.
MAX_DAEMON_PROCESSES = 2
PROBE_URL = "/wsgidoctor-probe"


@dataclass(frozen=True)
class LiveRequest:
    """One request to the throwaway server and what the configuration predicts it will find."""

    mount_index: int  # index into the predicted mounts (-1: the synthetic probe mount)
    listen_key: str  # which of the throwaway server's ports (see LivePlan.listen_keys)
    path: str
    host: str  # the Host header
    vhost: str
    url: str  # the mount's URL as configured
    expected: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"mount_index": self.mount_index, "path": self.path, "host": self.host,
                "vhost": self.vhost, "url": self.url, "expected": dict(self.expected)}


@dataclass
class LivePlan:
    """The configuration text (with ``@PORT:key@`` placeholders) and the requests."""

    template: str
    listen_keys: list[str]
    requests: list[LiveRequest]
    scripts: list[str]  # where the probe must be installed (under "@TMP@/root")
    directories: list[str] = field(default_factory=list)  # to make under "@TMP@/root" (routes' <Directory>)
    notes: list[str] = field(default_factory=list)
    group: Optional[str] = None  # Apache's group (its files are readable by it and root only)
    #: Names the configuration gives the application callable (callable-object=, WSGICallableObject):
    #: the probe answers under each of them too.
    callables: list[str] = field(default_factory=list)

    def render(self, ports: dict[str, int], tmp: str) -> str:
        text = self.template.replace(TMP, tmp)
        for key, port in ports.items():
            text = text.replace(f"@PORT:{key}@", str(port))
        return text


def _server_key(server: Server) -> str:
    if server.is_main:
        return "main"
    return "vh:" + " ".join(sorted(server.addresses))


def _host_header(name: str, port: int, ssl: bool) -> str:
    return name if port == (443 if ssl else 80) else f"{name}:{port}"


#: WSGIDaemonProcess options a server not started by root cannot honour (it cannot switch users,
#: and the user's home, where a daemon changes directory, may not exist or be reachable).
NOT_AS_USER = ("user", "group", "supplementary-groups", "home")


def _daemon_line(d: Directive, as_root: bool = True) -> str:
    from wsgidoctor.config.wsgi import daemon_process

    dp = daemon_process(d)
    parts = [quote(dp.name)]
    for key, value in dp.given.items():
        if key == "processes":
            value = str(min(dp.processes, MAX_DAEMON_PROCESSES))
        if not as_root and key in NOT_AS_USER:
            continue
        parts.append(f"{key}={quote(value)}")
    if not as_root:
        parts.append(f"home={quote(TMP)}")
    return "WSGIDaemonProcess " + " ".join(parts)


def plan(model: ConfigModel, mounts: Sequence[Mount], *, module_paths: dict[str, str],
         as_root: bool, user: Optional[str], group: Optional[str], local_host: Optional[str],
         load_files: Sequence[str] = (), max_mounts: int = 12,
         version: Version = DEFAULT_VERSION) -> LivePlan:
    """Plan a throwaway server for these predicted mounts (see the module docstring).

    ``module_paths`` maps LoadModule identifiers to the user's .so files (``mpm_event_module``,
    ``wsgi_module``...); ``load_files`` are the user's LoadFile paths.
    """
    notes: list[str] = []
    tmp = TMP
    mirror_root = os.path.join(tmp, "root")
    run = os.path.join(tmp, "run")
    lines = [
        "# wsgidoctor live mode: a throwaway server, removed when the check ends",
        f"ServerRoot {quote(tmp)}",
        f"PidFile {quote(os.path.join(run, 'httpd.pid'))}",
        f"DefaultRuntimeDir {quote(run)}",
        f"ErrorLog {quote(os.path.join(tmp, 'error.log'))}",
        "LogLevel info",
        f"Mutex fcntl:{run} default",
        "Timeout 10",
        f"WSGISocketPrefix {quote(os.path.join(run, 'wsgi'))}",
    ]
    for path in load_files:
        lines.append(f"LoadFile {quote(path)}")
    for ident, path in module_paths.items():
        if ident.startswith("mpm_") or ident in KEEP_MODULES:
            lines.append(f"LoadModule {ident} {quote(path)}")
    if as_root and user:
        lines.append(f"User {quote(user)}")
        if group:
            lines.append(f"Group {quote(group)}")

    main = model.main
    # chosen mounts: one request per (server, process group, application group) combination
    chosen: list[tuple[int, Mount]] = []
    seen: set[tuple[str, Any, Any, Any, Any]] = set()
    for i, m in enumerate(mounts):
        if m.request_path is None:
            notes.append(f"{m.alias.directive.where}: no URL matching WSGIScriptAliasMatch {m.alias.url} "
                         "could be made up to ask")
            continue
        if any(p["kind"] == "shadowed" for p in m.problems):
            continue
        # a handler mount is reached by its own route (a RewriteRule, SetHandler): asked apart
        key = (m.server.key, m.process_group, m.application_group_spec.value, m.alias.url
               if m.application_group_spec.value in (None, "%{RESOURCE}") else None,
               m.alias.url if m.alias.handler else None)
        if key in seen:
            continue
        seen.add(key)
        chosen.append((i, m))
    if len(chosen) > max_mounts:
        notes.append(f"{len(chosen)} mounts found; the first {max_mounts} are asked")
        chosen = chosen[:max_mounts]
    routes: dict[int, HandlerRoute] = {}  # id(alias) -> how its requests reach the handler
    for _, m in chosen:
        if m.alias.handler and id(m.alias) not in routes:
            try:
                routes[id(m.alias)] = handler_route(model, m.alias, mirror_root, module_paths)
            except NoRoute as exc:
                notes.append(f"{m.alias.directive.where}: WSGIHandlerScript {m.alias.handler} is asked through "
                             f"a WSGIScriptAlias {m.alias.url} with the same options: {exc}")
    for ident in sorted({i for r in routes.values() for i in r.modules} - set(KEEP_MODULES)):
        lines.append(f"LoadModule {ident} {quote(module_paths[ident])}")
    directories = list(dict.fromkeys(d for r in routes.values() for d in r.directories))

    servers_used: list[Server] = []
    for _, m in chosen:
        if m.server not in servers_used:
            servers_used.append(m.server)
    listen_keys: list[str] = []
    for s in servers_used:
        k = _server_key(s)
        if k not in listen_keys:
            listen_keys.append(k)
    if not chosen:
        listen_keys = ["main"]
    for k in listen_keys:
        lines.append(f"Listen 127.0.0.1:@PORT:{k}@")

    top = [d for d in model.tree.directives if model.server_of(d).is_main]
    for d in top:
        if not d.sections and d.name.lower() in {n.lower() for n in KEEP_MPM}:
            lines.append(directive_line(d))
    lines.append("StartServers 1")
    if model.mpm.name == "prefork":
        lines += ["MinSpareServers 1", "MaxSpareServers 2"]
    elif model.mpm.name in ("event", "worker"):
        lines += [f"MinSpareThreads {model.mpm.threads_per_child()}"]
    if main.name_at is not None:
        lines.append(directive_line(main.name_at))
    for d in top:
        if not d.sections and d.name in KEEP_GLOBAL:
            lines.append(directive_line(d))
    # only the daemon groups the asked mounts use are started (300 groups must not start 300)
    wanted = {m.process_group for _, m in chosen if m.process_group}
    dynamic = any("%{" in str(m.process_group_spec.value or "") for _, m in chosen)

    def needed(d: Directive) -> bool:
        from wsgidoctor.config.wsgi import daemon_process

        return dynamic or daemon_process(d).name in wanted

    for d in top:
        if d.name == "WSGIDaemonProcess" and not d.sections and needed(d):
            lines.append(_daemon_line(d, as_root))
    emit_scoped(lines, [d for d in top if d.name in KEEP_ANYWHERE], mirror_root, notes)

    requests: list[LiveRequest] = []
    scripts: list[str] = []
    by_server: dict[str, list[tuple[int, Mount]]] = {}
    for i, m in chosen:
        by_server.setdefault(m.server.key, []).append((i, m))

    def alias_lines(entries: list[tuple[int, Mount]], indent: str) -> list[str]:
        out = []
        written: set[int] = set()
        for _, m in entries:
            a = m.alias
            if id(a) in written:
                continue
            written.add(id(a))
            route = routes.get(id(a))
            if route is not None:
                out += [indent + line for line in route.lines if indent + line not in out]
                scripts.append(route.script)
                continue
            target = mirror(mirror_root, a.target)
            if m.script_is_directory:
                target = target.rstrip("/") + "/"
            opts = " ".join(f"{k}={quote(v)}" for k, v in a.options.items())
            # a WSGIHandlerScript whose route cannot be reproduced: a WSGIScriptAlias, same options
            name = "WSGIScriptAlias" if a.handler else a.directive.name
            out.append(f"{indent}{name} {quote(a.url)} {quote(target)} {opts}".rstrip())
            if m.script:
                scripts.append(mirror(mirror_root, m.script))
        return out

    # the main server's aliases are inherited by every virtual host: written once, at top level
    inherited = [(i, m) for i, m in chosen if model.server_of(m.alias.directive).is_main]
    inherited.sort(key=lambda e: model.aliases.index(e[1].alias) if e[1].alias in model.aliases else 0)
    lines += alias_lines(inherited, "")
    for key, entries in by_server.items():
        server = entries[0][1].server
        for i, m in entries:
            name = m.server_name or "localhost"
            expected = {"process_group": m.process_group, "application_group": m.application_group,
                        "multithread": m.multithread, "multiprocess": m.multiprocess}
            requests.append(LiveRequest(
                mount_index=i, listen_key=_server_key(server),
                path=routes[id(m.alias)].ask_path if id(m.alias) in routes else m.request_path or "/",
                host=_host_header(name.lower(), listen_port_of(model, server), server.ssl),
                vhost=m.vhost, url=m.alias.url, expected=expected))
        own = [(i, m) for i, m in entries if not model.server_of(m.alias.directive).is_main]
        if server.is_main:
            continue
        lines.append(f"<VirtualHost 127.0.0.1:@PORT:{_server_key(server)}@>")
        name = server_name_of(model, server, local_host) or "localhost"
        if server.name_at is not None:
            lines.append("  " + directive_line(server.name_at))
        else:  # keep httpd's name and port for this vhost (the address port is ours now)
            port = next((p for p in server.address_ports if p), 0)
            lines.append(f"  ServerName {name}:{port}" if port else f"  ServerName {name}")
        if server.aliases:
            lines.append("  ServerAlias " + " ".join(server.aliases))
        vdirs = [d for d in server.directives if d is not server.name_at]
        for d in vdirs:
            if d.name == "WSGIDaemonProcess" and all(s.kind == "virtualhost" for s in d.sections) and needed(d):
                lines.append("  " + _daemon_line(d, as_root))
        emit_scoped(lines, [d for d in vdirs if d.name in KEEP_ANYWHERE], mirror_root, notes, "  ")
        lines += alias_lines(own, "  ")
        lines.append("</VirtualHost>")

    # daemon groups of virtual hosts that are not asked: a mount may still use them (same
    # ServerName), and their group ids follow declaration order as in the real server
    for server in model.servers[1:]:
        daemons = [d for d in server.directives if d.name == "WSGIDaemonProcess" and needed(d)
                   and all(s.kind == "virtualhost" for s in d.sections)]
        if server in servers_used or not daemons:
            continue
        key = _server_key(server)
        if key not in listen_keys:
            listen_keys.append(key)
            lines.insert(next(i for i, l in enumerate(lines) if l.startswith("Listen ")),
                         f"Listen 127.0.0.1:@PORT:{key}@")
        lines.append(f"<VirtualHost 127.0.0.1:@PORT:{key}@>")
        if server.name_at is not None:
            lines.append("  " + directive_line(server.name_at))
        lines += ["  " + _daemon_line(d, as_root) for d in daemons]
        lines.append("</VirtualHost>")

    if not as_root and any(l.startswith(("WSGIDaemonProcess", "  WSGIDaemonProcess")) for l in lines):
        notes.append("not running as root: the throwaway server's daemon processes run as the current "
                     "user, in its temporary directory (user=, group= and home= are not applied)")
    if not chosen and model.settings.restrict_embedded:
        notes.append("nothing is mounted and WSGIRestrictEmbedded On refuses embedded mode: "
                     "there is nothing to ask")
    elif not chosen:
        # nothing mounted in the configuration: ask a probe in embedded mode of the main server
        # (in the main interpreter, as the hosting program's default run, so the two compare)
        target = mirror(mirror_root, "/wsgidoctor/" + "wsgidoctor_probe.wsgi")
        lines.append(f"WSGIScriptAlias {PROBE_URL} {quote(target)} application-group=%{{GLOBAL}}")
        scripts.append(target)
        multithread, multiprocess = embedded_threading(model.mpm, version)
        expected = {"process_group": "", "application_group": "", "multithread": multithread,
                    "multiprocess": multiprocess}
        requests.append(LiveRequest(mount_index=-1, listen_key="main", path=PROBE_URL,
                                    host="localhost", vhost="main server", url=PROBE_URL, expected=expected))
    return LivePlan(template="\n".join(lines) + "\n", listen_keys=listen_keys, requests=requests,
                    scripts=scripts, notes=notes, directories=directories,
                    group=group if as_root and user else None, callables=callable_names(model))


def callable_names(model: ConfigModel) -> list[str]:
    """Every name the configuration gives the application callable, other than ``application``."""
    import keyword

    names = {str(a.options.get("callable-object") or "") for a in model.aliases}
    names |= {str(d.args[0]) for d in model.tree.directives
              if d.name.lower() == "wsgicallableobject" and d.args}
    return sorted(n for n in names if n.isidentifier() and not keyword.iskeyword(n) and n != "application")
