"""Predictions per WSGI mount: process group, application group, threading, Python home.

Pure functions over a :class:`~wsgidoctor.config.model.ConfigModel`. The rules are mod_wsgi's
(notes §2, §3.3, §4.2, §5.5):

- application group: ``wsgi_application_group()`` — unset means ``%{RESOURCE}``
  (``host[:port]|mount``), ``%{GLOBAL}`` is ``""``, ``%{SERVER}``, ``%{HOST}``, ``%{ENV:NAME}``,
  anything else literal; the port is dropped when it is 80 or 443; the host is the server's
  ``ServerName`` (``%{HOST}``: the client's Host header); the mount is lower-cased before 6.0
  (from 6.0 only when ``WSGICaseSensitivity`` is off);
- precedence: server ``WSGIApplicationGroup``/``WSGIProcessGroup``, then directory/location
  level, then the ``WSGIScriptAlias`` options;
- threading: daemon mode ``multithread = threads != 1``, ``multiprocess = processes= given``;
  embedded mode from the MPM's ``MAX_THREADS != 1`` (before 4.9.0: any threaded MPM) and
  ``MAX_DAEMONS != 1``;
- Python home: the daemon's ``python-home=``, else ``WSGIPythonHome``; Python path: the daemon's
  ``python-path=`` (``WSGIPythonPath`` is embedded mode only).
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence

from wsgidoctor.config import names
from wsgidoctor.config.lexer import split_words
from wsgidoctor.config.model import ConfigModel
from wsgidoctor.config.mpm import MpmSettings
from wsgidoctor.config.reader import Directive, Section
from wsgidoctor.config.regexsample import sample_path
from wsgidoctor.config.servers import Server, effective_canonical_name
from wsgidoctor.config.wsgi import DaemonProcess, ScriptAlias

Version = tuple[int, int, int]
#: What predictions assume when mod_wsgi's version is not known (Debian 12's package).
DEFAULT_VERSION: Version = (4, 9, 4)
#: The file name the live probe is served as where a mount maps a directory.
PROBE_SCRIPT = "wsgidoctor_probe.wsgi"


def parse_version(value: Any) -> Optional[Version]:
    """``"4.9.4"``, ``[4, 9, 4]`` or ``(4, 9)`` -> ``(4, 9, 4)`` / ``(4, 9, 0)``; else None."""
    if isinstance(value, (list, tuple)):
        parts = [int(v) for v in value if (isinstance(v, int) and not isinstance(v, bool))
                 or (isinstance(v, str) and v.isdigit())]
    elif isinstance(value, str):
        parts = [int(p) for p in re.findall(r"\d+", value)[:3]]
    else:
        return None
    if not parts:
        return None
    parts = (parts + [0, 0, 0])[:3]
    return parts[0], parts[1], parts[2]


# -- naming -----------------------------------------------------------------------------------

def mount_lowercased(version: Version, case_sensitivity: Optional[bool] = None,
                     platform: str = "linux") -> bool:
    """Whether mod_wsgi lower-cases the mount point in group names."""
    if version < (6, 0, 0):
        return True
    if case_sensitivity is not None:
        return not case_sensitivity
    return platform.startswith(("darwin", "win", "cygwin"))


def script_name_part(script_name: str, version: Version = DEFAULT_VERSION,
                     case_sensitivity: Optional[bool] = None, platform: str = "linux") -> str:
    """The mount part of a group name for a request whose SCRIPT_NAME is ``script_name``."""
    s = re.sub("/{2,}", "/", script_name)
    return s.lower() if mount_lowercased(version, case_sensitivity, platform) else s


def mount_script_name(url: str) -> str:
    """SCRIPT_NAME of a request to a ``WSGIScriptAlias`` URL (``/`` mounts have an empty one)."""
    return "" if url == "/" else url


def _host_port(host: str, port: int) -> str:
    return host if port in (80, 443) else f"{host}:{port}"


def expand_group(spec: Optional[str], *, server_name: str, port: int, script_name: str,
                 host: Optional[str] = None, env: Optional[Callable[[str], Optional[str]]] = None,
                 application: bool = True) -> str:
    """Expand a group value as mod_wsgi does for a request.

    ``application`` selects ``wsgi_application_group`` (unset means ``%{RESOURCE}``) rather
    than ``wsgi_process_group`` (unset means embedded, ``""``). ``script_name`` is already the
    mount part (see :func:`script_name_part`).
    """
    if spec is None:
        return f"{_host_port(server_name, port)}|{script_name}" if application else ""
    if not spec.startswith("%"):
        return spec
    name = spec[1:]
    if name == "{GLOBAL}":
        return ""
    if name == "{RESOURCE}":
        return f"{_host_port(server_name, port)}|{script_name}"
    if name == "{SERVER}":
        return _host_port(server_name, port)
    if name == "{HOST}":
        return _host_port(host or server_name, port)
    if name.startswith("{ENV:") and name.endswith("}") and env is not None:
        value = env(name[5:-1])
        if value is not None:
            if value.startswith("%") and not value.startswith("%{ENV:"):
                return expand_group(value, server_name=server_name, port=port,
                                    script_name=script_name, host=host, env=env,
                                    application=application)
            return value
    return spec


def needs_script_name(spec: Optional[str]) -> bool:
    return spec is None or spec == "%{RESOURCE}"


def needs_request(spec: Optional[str]) -> bool:
    """The expansion depends on the request itself (Host header, environment set per request)."""
    return spec is not None and (spec == "%{HOST}" or spec.startswith("%{ENV:"))


# -- threading --------------------------------------------------------------------------------

def embedded_threading(mpm: MpmSettings, version: Version = DEFAULT_VERSION
                       ) -> tuple[Optional[bool], Optional[bool]]:
    """``(wsgi.multithread, wsgi.multiprocess)`` in embedded mode, None when the MPM is unknown."""
    if mpm.name is None:
        return None, None
    threaded = bool(mpm.threaded)
    if version < (4, 9, 0):
        multithread = threaded
    else:
        multithread = threaded and mpm.threads_per_child() != 1
    forked = mpm.name != "winnt"
    multiprocess = forked and mpm.daemons_limit() != 1
    return multithread, multiprocess


def daemon_threading(dp: DaemonProcess) -> tuple[bool, bool]:
    return dp.multithread, dp.multiprocess


# -- which directory-level settings apply to a request ----------------------------------------

def _regex(pattern: str, text: str) -> Optional[bool]:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return None


def _location_matches(prefix: str, url: str) -> bool:
    prefix = re.sub("/{2,}", "/", prefix)
    if prefix == "/" or url == prefix:
        return True
    if not url.startswith(prefix):
        return False
    return prefix.endswith("/") or url[len(prefix)] == "/"


def _directory_matches(pattern: str, directory: str) -> bool:
    pat = pattern.rstrip("/") or "/"
    if pat == "/":
        return True
    d_parts = [p for p in directory.split("/") if p]
    p_parts = [p for p in pat.split("/") if p]
    if len(p_parts) > len(d_parts):
        return False
    return all(fnmatch.fnmatchcase(d, p) for d, p in zip(d_parts, p_parts))


def section_applies(section: Section, url: Optional[str], script: Optional[str]) -> Optional[bool]:
    """Whether a section applies to a request for ``url`` served by file ``script``.

    None when it cannot be known from the configuration (``<If>`` expressions, regexes on an
    unknown URL).
    """
    kind = section.kind
    words = split_words(section.args)
    regex = bool(words) and words[0] == "~"
    arg = (words[1] if regex and len(words) > 1 else (words[0] if words else ""))
    directory = (os.path.dirname(script) + "/") if script else None
    if kind in ("location", "locationmatch"):
        if url is None:
            return None
        return _regex(arg, url) if (regex or kind == "locationmatch") else _location_matches(arg, url)
    if kind in ("directory", "directorymatch"):
        if directory is None:
            return None
        return _regex(arg, directory) if (regex or kind == "directorymatch") else _directory_matches(arg, directory)
    if kind in ("files", "filesmatch"):
        if script is None:
            return None
        base = os.path.basename(script)
        return _regex(arg, base) if (regex or kind == "filesmatch") else fnmatch.fnmatchcase(base, arg)
    if kind in ("if", "elseif", "else"):
        return None
    if kind in ("proxy", "proxymatch"):
        return False
    return True  # <Limit>, <RequireAll> and the like do not change where settings apply


def _phase(d: Directive) -> tuple[int, int]:
    """Merge order of a per-directory setting: httpd walks Directory (shortest path first),
    regex Directory, Files, then Location; later merges win."""
    level = [s for s in d.sections if s.kind in names.DIRECTORY_LEVEL]
    if not level:
        return 0, 0
    inner = level[-1]
    words = split_words(inner.args)
    regex = bool(words) and words[0] == "~"
    if inner.kind == "directory" and not regex:
        target = words[0] if words else "/"
        return 1, len([p for p in target.split("/") if p])
    if inner.kind in ("directory", "directorymatch"):
        return 2, 0
    if inner.kind in ("files", "filesmatch"):
        return 3, 0
    return 4, 0


@dataclass(frozen=True)
class Setting:
    """A setting in force for a request: its value and where it was set (None: default)."""

    value: Optional[str]
    at: Optional[Directive]
    uncertain: bool = False  # an <If> or similar may change it per request


def directory_setting(model: ConfigModel, name: str, server: Server, url: Optional[str],
                      script: Optional[str]) -> Setting:
    """The value of a server/directory-level directive (``WSGIProcessGroup``...) for a request.

    mod_wsgi takes the per-directory value when there is one, else the server's (a virtual host
    inherits the main server's); the main server's <Directory>/<Location> sections apply in
    virtual hosts too.
    """
    key = name.lower()
    candidates = []
    uncertain = False
    server_level: dict[str, Directive] = {}
    for index, d in model.indexed(key, server):
        if not d.args:
            continue
        owner = model.server_of(d)
        dir_sections = [s for s in d.sections if s.kind in names.DIRECTORY_LEVEL]
        if not dir_sections:
            server_level["vhost" if not owner.is_main else "main"] = d
            continue
        verdicts = [section_applies(s, url, script) for s in dir_sections]
        if any(v is False for v in verdicts):
            continue
        if any(v is None for v in verdicts):
            uncertain = True
            continue
        candidates.append((_phase(d), 0 if owner.is_main else 1, index, d))
    if candidates:
        candidates.sort(key=lambda c: (c[0], c[1], c[2]))
        chosen = candidates[-1][3]
        return Setting(chosen.args[0], chosen, uncertain)
    d = server_level.get("vhost") or server_level.get("main")
    return Setting(d.args[0] if d else None, d, uncertain)


# -- mounts -----------------------------------------------------------------------------------

@dataclass
class Mount:
    """The prediction for one WSGIScriptAlias[Match] as served by one server."""

    server: Server
    alias: ScriptAlias
    server_name: Optional[str]
    port: int  # the port in group names for a typical client
    listen_port: int  # the port clients connect to
    depends_on_host: bool
    request_path: Optional[str]  # a URL path that reaches this mount (None: pattern only)
    script: Optional[str]  # the script file such a request runs
    script_is_directory: bool
    process_group_spec: Setting
    application_group_spec: Setting
    process_group: Optional[str]
    application_group: Optional[str]
    application_group_pattern: Optional[str]
    daemon: Optional[DaemonProcess]
    multithread: Optional[bool]
    multiprocess: Optional[bool]
    python_home: Optional[str]
    python_path: Optional[str]
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def mode(self) -> str:
        return "daemon" if self.process_group else "embedded"

    @property
    def vhost(self) -> str:
        return f"{self.server_name or '(unknown)'}:{self.listen_port}"

    def to_json(self) -> dict[str, Any]:
        pg, ag = self.process_group_spec, self.application_group_spec
        return {
            "vhost": self.vhost, "server_name": self.server_name, "port": self.port,
            "listen_port": self.listen_port,
            "server": self.server.key, "url": self.alias.url, "match": self.alias.match,
            "script": self.script or self.alias.target, "target": self.alias.target,
            "script_is_directory": self.script_is_directory, "request_path": self.request_path,
            "mode": self.mode,
            "process_group": self.process_group, "application_group": self.application_group,
            "application_group_pattern": self.application_group_pattern,
            "application_group_depends_on_host": self.depends_on_host,
            "process_group_spec": pg.value, "application_group_spec": ag.value,
            "process_group_set_at": pg.at.where if pg.at else None,
            "application_group_set_at": ag.at.where if ag.at else None,
            "multithread": self.multithread, "multiprocess": self.multiprocess,
            "python_home": self.python_home, "python_path": self.python_path,
            "daemon": self.daemon.to_json() if self.daemon else None,
            "file": self.alias.directive.file, "line": self.alias.directive.line,
            "problems": list(self.problems),
        }


def server_name_of(model: ConfigModel, server: Server, local_host: Optional[str]) -> Optional[str]:
    """httpd's ``server_hostname``: ServerName, else (virtual hosts) the main server's, else the
    name httpd derives from the machine's host name (``local_host``)."""
    if server.server_name:
        return server.server_name
    if not server.is_main and model.main.server_name:
        return model.main.server_name
    return local_host


def listen_port_of(model: ConfigModel, server: Server) -> int:
    """The port clients connect to for this server."""
    for p in server.address_ports:
        if p:
            return p
    claimed = {p for s in model.servers[1:] for p in s.address_ports if p}
    if server.is_main:
        for p in model.listen:
            if p not in claimed:
                return p
    return model.listen[0] if model.listen else 80


def request_port(model: ConfigModel, server: Server, listen_port: int) -> tuple[int, bool]:
    """The port mod_wsgi puts in group names for a typical client, and whether it depends on
    the client's Host header (it does unless ``UseCanonicalName On``)."""
    default = 443 if server.ssl else 80
    if effective_canonical_name(server, model.main) == "On":
        return server.server_port or default, False
    if listen_port != default:  # browsers send the port when it is not the scheme's default
        return listen_port, True
    return server.server_port or default, True


def reachable_servers(model: ConfigModel) -> list[Server]:
    """Virtual hosts, and the main server when some Listen port has no virtual host."""
    vhosts = model.servers[1:]
    claimed = {p for s in vhosts for p in s.address_ports if p}
    wildcard = any(not any(s.address_ports) for s in vhosts)
    main_reachable = not vhosts or (not wildcard and any(p not in claimed for p in model.listen))
    return ([model.main] if main_reachable else []) + vhosts


def _regex_search(pattern: str, text: str) -> Optional[re.Match[str]]:
    try:
        return re.search(pattern, text)
    except re.error:
        return None


def regsub(template: str, found: re.Match[str]) -> str:
    """httpd 2.4's ``ap_pregsub``: ``$0``-``$9`` become the groups, a backslash keeps the next
    character as it is."""
    out: list[str] = []
    i = 0
    while i < len(template):
        c = template[i]
        if c == "$" and i + 1 < len(template) and template[i + 1].isdigit():
            number = int(template[i + 1])
            if number <= (found.re.groups or 0):
                out.append(found.group(number) or "")
            i += 2
            continue
        if c == "\\" and i + 1 < len(template):
            out.append(template[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _alias_matches(alias: ScriptAlias, url: str) -> Optional[bool]:
    if alias.match:
        return _regex(alias.url, url)
    return _location_matches(alias.url, url)


def predict_mounts(model: ConfigModel, *, version: Version = DEFAULT_VERSION,
                   environ: Optional[Mapping[str, str]] = None, local_host: Optional[str] = None,
                   is_dir: Callable[[str], bool] = lambda p: p.endswith("/"),
                   platform: str = "linux") -> list[Mount]:
    """One :class:`Mount` per WSGIScriptAlias[Match] per server that serves it."""
    out: list[Mount] = []
    by_server: dict[str, list[ScriptAlias]] = {}
    for a in model.aliases:
        by_server.setdefault(model.server_of(a.directive).key, []).append(a)
    for server in reachable_servers(model):
        own = by_server.get(server.key, [])
        inherited = [] if server.is_main else by_server.get("main", [])
        chain = own + inherited
        for i, alias in enumerate(chain):
            out.append(_predict_one(model, server, alias, chain[:i], version, environ or {},
                                    local_host, is_dir, platform))
    return out


def _env_lookup(model: ConfigModel, server: Server, url: Optional[str], script: Optional[str],
                environ: Mapping[str, str]) -> Callable[[str], Optional[str]]:
    def lookup(name: str) -> Optional[str]:
        for _, d in reversed(model.indexed("setenv", server)):
            if len(d.args) >= 2 and d.args[0] == name:
                verdicts = [section_applies(s, url, script) for s in d.sections
                            if s.kind in names.DIRECTORY_LEVEL]
                if all(v for v in verdicts):
                    return d.args[1]
        return environ.get(name)
    return lookup


def _predict_one(model: ConfigModel, server: Server, alias: ScriptAlias, earlier: Sequence[ScriptAlias],
                 version: Version, environ: Mapping[str, str], local_host: Optional[str],
                 is_dir: Callable[[str], bool], platform: str) -> Mount:
    problems: list[dict[str, Any]] = []
    target_is_dir = not alias.match and bool(alias.target) and is_dir(alias.target)
    matched: Optional[str] = None  # WSGIScriptAliasMatch: the part of the sample URL matched
    if alias.match:
        request_path = sample_path(alias.url)
        found = _regex_search(alias.url, request_path) if request_path else None
        if found is not None:
            matched = request_path[:found.end()]
            script = regsub(alias.target, found)
            problems.append({"kind": "per-url", "text": f"one application group per URL matching "
                             f"{alias.url}; predicted for {request_path}"})
        else:
            request_path = script = None
    elif target_is_dir:
        base = alias.url if alias.url.endswith("/") else alias.url + "/"
        request_path = base + PROBE_SCRIPT
        script = os.path.join(alias.target, PROBE_SCRIPT)
    else:
        request_path = alias.url
        script = alias.target
    for prior in earlier:
        probe_url = request_path if alias.match else (request_path or alias.url)
        if probe_url is not None and _alias_matches(prior, probe_url):
            problems.append({"kind": "shadowed", "text": f"requests for {alias.url} are taken by the "
                             f"earlier {prior.directive.name} {prior.url} at {prior.directive.where}"})
            break

    url_for_sections = request_path
    pg = directory_setting(model, "WSGIProcessGroup", server, url_for_sections, script)
    ag = directory_setting(model, "WSGIApplicationGroup", server, url_for_sections, script)
    if alias.process_group is not None:
        pg = Setting(alias.process_group, alias.directive)
    if alias.application_group is not None:
        ag = Setting(alias.application_group, alias.directive)

    name = server_name_of(model, server, local_host)
    listen = listen_port_of(model, server)
    port, depends = request_port(model, server, listen)
    env = _env_lookup(model, server, url_for_sections, script, environ)
    script_name = matched if alias.match else (mount_script_name(request_path) if request_path else None)
    mount_part = (script_name_part(script_name, version, model.settings.case_sensitivity, platform)
                  if script_name is not None else None)
    host_name = name or "(unknown host)"

    process_group = expand_group(pg.value, server_name=host_name, port=port,
                                 script_name=mount_part or "", env=env, application=False)
    if pg.value is not None and needs_script_name(pg.value) and mount_part is None:
        process_group = None
    if pg.uncertain or (pg.value and needs_request(pg.value)):
        problems.append({"kind": "request-dependent", "text": "the process group may differ per "
                         "request (set inside <If>, or from the Host header or environment)"})

    application_group: Optional[str]
    pattern = None
    if needs_script_name(ag.value) and (mount_part is None or target_is_dir):
        application_group = None
        shown = (alias.url if alias.match else alias.url.rstrip("/") + "/<script>")
        pattern = f"{_host_port(host_name, port)}|{shown}"
    else:
        application_group = expand_group(ag.value, server_name=host_name, port=port,
                                         script_name=mount_part or "", env=env)
        if alias.match and needs_script_name(ag.value):
            pattern = f"{_host_port(host_name, port)}|{alias.url}"
    if name is None and (needs_script_name(ag.value) or ag.value in ("%{SERVER}", "%{HOST}")):
        problems.append({"kind": "server-name-unknown", "text": "no ServerName: httpd names the server "
                         "after the machine's host name, which could not be determined"})
    if ag.value == "%{HOST}":
        depends = True
    if ag.value is not None and not needs_script_name(ag.value) and ag.value not in ("%{SERVER}", "%{HOST}"):
        depends = False
    if ag.uncertain or (ag.value and ag.value.startswith("%{ENV:")):
        problems.append({"kind": "request-dependent", "text": "the application group may differ per "
                         "request (set inside <If> or from the environment)"})

    daemon = None
    if process_group:
        daemon = model.daemon(process_group)
        if daemon is None:
            problems.append({"kind": "daemon-undefined", "text": f"no WSGIDaemonProcess named "
                             f"'{process_group}' (set at {pg.at.where if pg.at else 'default'})"})
        else:
            owner = model.server_of(daemon.directive)
            owner_name = server_name_of(model, owner, local_host)
            if owner is not server and not owner.is_main and owner_name != name:
                problems.append({"kind": "daemon-inaccessible", "text": f"daemon process '{process_group}'"
                                 f" is defined in another virtual host ({daemon.directive.where}, "
                                 f"ServerName {owner_name}): httpd answers 500 'Daemon process called "
                                 f"'{process_group}' cannot be accessed by this WSGI application'"})
    elif process_group == "" and model.settings.restrict_embedded:
        problems.append({"kind": "embedded-restricted", "text": "WSGIRestrictEmbedded On and this mount "
                         "runs in embedded mode: httpd answers 500 'Embedded mode of mod_wsgi disabled "
                         "by runtime configuration'"})

    if daemon is not None:
        multithread, multiprocess = daemon_threading(daemon)
        python_home = daemon.options.get("python-home") or model.settings.python_home
        python_path = daemon.options.get("python-path")
    elif process_group == "":
        multithread, multiprocess = embedded_threading(model.mpm, version)
        python_home = model.settings.python_home
        python_path = model.settings.python_path
    else:
        multithread = multiprocess = None
        python_home = model.settings.python_home
        python_path = None

    return Mount(server=server, alias=alias, server_name=name, port=port, listen_port=listen,
                 depends_on_host=depends,
                 request_path=request_path, script=script, script_is_directory=target_is_dir,
                 process_group_spec=pg, application_group_spec=ag, process_group=process_group,
                 application_group=application_group, application_group_pattern=pattern,
                 daemon=daemon, multithread=multithread, multiprocess=multiprocess,
                 python_home=python_home, python_path=python_path, problems=problems)


def expected_for_request(mount: Mount, request_path: str, *, version: Version = DEFAULT_VERSION,
                         case_sensitivity: Optional[bool] = None, platform: str = "linux"
                         ) -> Optional[str]:
    """The application group a request for ``request_path`` gets on this mount (used for
    directory mounts, whose group is one per script file)."""
    spec = mount.application_group_spec.value
    if not needs_script_name(spec):
        return mount.application_group
    if mount.alias.match:
        found = _regex_search(mount.alias.url, request_path)
        if found is None:
            return None
        script_name = request_path[:found.end()]
    elif mount.script_is_directory:
        script_name = request_path
    else:
        script_name = mount_script_name(mount.alias.url)
    part = script_name_part(script_name, version, case_sensitivity, platform)
    return f"{_host_port(mount.server_name or '(unknown host)', mount.port)}|{part}"
