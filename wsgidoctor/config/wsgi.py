"""Typed extraction of mod_wsgi's directives, with mod_wsgi's own option parsing and defaults.

Options of ``WSGIScriptAlias[Match]`` and ``WSGIDaemonProcess`` are parsed as mod_wsgi 4.9.4's
``wsgi_parse_option`` does: ``name=value`` with no space before ``=``, the value read like any
Apache word (so it may be quoted), option names case-sensitive. Defaults are those of
``wsgi_add_daemon_process`` (notes §5.5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from wsgidoctor.config import lexer
from wsgidoctor.config.reader import ConfigTree, Directive
from wsgidoctor.core.lazyre import lazy_re

#: Every WSGIDaemonProcess option of mod_wsgi 4.9.4 with its default ("None": inherit/unset).
DAEMON_DEFAULTS: dict[str, Any] = {
    "user": None, "group": None, "supplementary-groups": None, "processes": 1, "threads": 15,
    "umask": None, "chroot": None, "home": None, "lang": None, "locale": None,
    "python-home": None, "python-path": None, "python-eggs": None, "stack-size": 0,
    "maximum-requests": 0, "startup-timeout": 0, "shutdown-timeout": 5, "deadlock-timeout": 300,
    "inactivity-timeout": 0, "request-timeout": 0, "graceful-timeout": 15, "eviction-timeout": 0,
    "restart-interval": 0, "connect-timeout": 15, "socket-timeout": 0, "queue-timeout": 0,
    "listen-backlog": 100, "display-name": None, "send-buffer-size": 0,
    "receive-buffer-size": 0, "header-buffer-size": 0, "response-buffer-size": 0,
    "response-socket-timeout": 0, "socket-user": None, "script-user": None,
    "script-group": None, "cpu-time-limit": 0, "cpu-priority": 0, "memory-limit": 0,
    "virtual-memory-limit": 0, "server-metrics": False, "newrelic-config-file": None,
    "newrelic-environment": None,
}
_INT_OPTIONS = {k for k, v in DAEMON_DEFAULTS.items() if isinstance(v, int) and not isinstance(v, bool)}
ALIAS_OPTIONS = ("application-group", "process-group", "callable-object", "pass-authorization")


def parse_options(text: str) -> tuple[list[tuple[str, str]], Optional[str]]:
    """``name=value`` pairs of a mod_wsgi directive; the error is the text left unparsed."""
    pairs: list[tuple[str, str]] = []
    pos, n = 0, len(text)
    while True:
        while pos < n and text[pos].isspace():
            pos += 1
        if pos >= n:
            return pairs, None
        end = pos
        while end < n and text[end] != "=" and not text[end].isspace():
            end += 1
        if end >= n or text[end] != "=" or end == pos:
            return pairs, text[pos:]
        name = text[pos:end]
        value, pos = lexer.next_word(text, end + 1)
        pairs.append((name, value))


def _atoi(value: str) -> int:
    """C ``atoi``: leading sign and digits, 0 when there are none."""
    value = value.strip()
    sign, i = 1, 0
    if value[:1] in "+-" and value:
        sign, i = (-1 if value[0] == "-" else 1), 1
    digits = ""
    while i < len(value) and value[i].isdigit():
        digits += value[i]
        i += 1
    return sign * int(digits) if digits else 0


@dataclass(frozen=True)
class ScriptAlias:
    """One ``WSGIScriptAlias`` / ``WSGIScriptAliasMatch``."""

    url: str
    target: str
    match: bool
    options: dict[str, str]
    process_group: Optional[str]  # None: not given; "%{GLOBAL}" is already "" (as mod_wsgi does)
    application_group: Optional[str]
    callable_object: Optional[str]
    errors: tuple[str, ...]
    directive: Directive
    #: For a ``WSGIHandlerScript`` mount: the handler name, and the directive sending requests to
    #: it (``RewriteRule ... [H=name]``, ``SetHandler name``, ``AddHandler name``).
    handler: Optional[str] = None
    via: Optional[Directive] = None

    @property
    def preloaded(self) -> bool:
        """mod_wsgi imports the script at daemon start when both groups are fixed names."""
        return (self.process_group is not None and self.application_group is not None
                and "%{" not in self.process_group and "%{" not in self.application_group
                and not (self.match and "$" in self.target))

    def to_json(self) -> dict[str, Any]:
        out = {"url": self.url, "target": self.target, "match": self.match,
               "options": dict(self.options), "errors": list(self.errors),
               "file": self.directive.file, "line": self.directive.line}
        if self.handler is not None:
            out["handler"] = self.handler
            out["via"] = self.via.where if self.via else None
        return out


def script_alias(d: Directive) -> ScriptAlias:
    """Parse a ``WSGIScriptAlias[Match]`` directive."""
    url, pos = lexer.next_word(d.raw, 0)
    target, pos = lexer.next_word(d.raw, pos)
    errors: list[str] = []
    if not url or not target:
        errors.append(f"{d.name} requires at least two arguments")
    pairs, rest = parse_options(d.raw[pos:])
    if rest:
        errors.append(f"Invalid option to WSGI script alias definition: {rest!r}")
    opts = dict(pairs)
    for name, _ in pairs:
        if name not in ALIAS_OPTIONS:
            errors.append(f"Invalid option to WSGI script alias definition: {name!r}")
    pg = opts.get("process-group")
    ag = opts.get("application-group")
    return ScriptAlias(
        url=url, target=target, match=d.name.lower() == "wsgiscriptaliasmatch", options=opts,
        process_group="" if pg == "%{GLOBAL}" else pg,
        application_group="" if ag == "%{GLOBAL}" else ag,
        callable_object=opts.get("callable-object"), errors=tuple(errors), directive=d)


@dataclass(frozen=True)
class DaemonProcess:
    """One ``WSGIDaemonProcess`` with every option resolved to its effective value."""

    name: str
    given: dict[str, str]  # options as written
    options: dict[str, Any]  # every option, defaults filled in
    errors: tuple[str, ...]
    directive: Directive

    @property
    def processes(self) -> int:
        return int(self.options["processes"])

    @property
    def threads(self) -> int:
        return int(self.options["threads"])

    @property
    def multiprocess(self) -> bool:
        """True whenever ``processes=`` is given, even ``processes=1`` (mod_wsgi's rule)."""
        return "processes" in self.given

    @property
    def multithread(self) -> bool:
        return self.threads != 1

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "given": dict(self.given), "options": dict(self.options),
            "processes": self.processes, "threads": self.threads,
            "multiprocess": self.multiprocess, "multithread": self.multithread,
            "python_home": self.options.get("python-home"),
            "python_path": self.options.get("python-path"),
            "user": self.options.get("user"), "group": self.options.get("group"),
            "display_name": self.options.get("display-name"),
            "errors": list(self.errors), "file": self.directive.file, "line": self.directive.line,
        }


def daemon_process(d: Directive) -> DaemonProcess:
    """Parse a ``WSGIDaemonProcess`` directive."""
    name, pos = lexer.next_word(d.raw, 0)
    errors: list[str] = []
    if not name:
        errors.append("Name of WSGI daemon process not supplied.")
    pairs, rest = parse_options(d.raw[pos:])
    if rest:
        errors.append(f"Invalid option to WSGI daemon process definition: {rest!r}")
    options = dict(DAEMON_DEFAULTS)
    given: dict[str, str] = {}
    for key, value in pairs:
        given[key] = value
        if key not in DAEMON_DEFAULTS:
            errors.append(f"Invalid option to WSGI daemon process definition: {key!r}")
            continue
        if key in _INT_OPTIONS:
            number = _atoi(value)
            if key == "processes" and number < 1:
                errors.append("Invalid process count for WSGI daemon process.")
            if key == "threads" and number < 0:
                errors.append("Invalid thread count for WSGI daemon process.")
            options[key] = number
        elif key == "server-metrics":
            options[key] = value.lower() == "on"
        else:
            options[key] = value
    if "script-user" in given and "script-group" in given:
        errors.append("Only one of script-user and script-group allowed.")
    return DaemonProcess(name=name, given=given, options=options, errors=tuple(errors), directive=d)


@dataclass
class GlobalSettings:
    """mod_wsgi's server-wide settings (the GLOBAL_ONLY directives), last one wins."""

    python_home: Optional[str] = None
    python_path: Optional[str] = None
    python_optimize: int = 0
    socket_prefix: Optional[str] = None
    socket_rotation: bool = True
    accept_mutex: Optional[str] = None
    restrict_embedded: bool = False
    lazy_initialization: bool = True
    case_sensitivity: Optional[bool] = None
    at: dict[str, Directive] = field(default_factory=dict)  # directive name -> where it was set

    def to_json(self) -> dict[str, Any]:
        return {
            "python_home": self.python_home, "python_path": self.python_path,
            "python_optimize": self.python_optimize, "socket_prefix": self.socket_prefix,
            "socket_rotation": self.socket_rotation, "accept_mutex": self.accept_mutex,
            "restrict_embedded": self.restrict_embedded,
            "lazy_initialization": self.lazy_initialization,
            "case_sensitivity": self.case_sensitivity,
            "set_at": {k: f"{v.file}:{v.line}" for k, v in self.at.items()},
        }


def _on(value: str) -> bool:
    return value.strip().lower() == "on"


def global_settings(tree: ConfigTree) -> GlobalSettings:
    """Read the server-wide WSGI settings (only where httpd accepts them: outside any section)."""
    g = GlobalSettings()
    for d in tree.directives:
        if not d.name.startswith("WSGI") or d.sections or not d.args:
            continue
        value = d.args[0]
        key = d.name
        if key == "WSGIPythonHome":
            g.python_home = value
        elif key == "WSGIPythonPath":
            g.python_path = value
        elif key == "WSGIPythonOptimize":
            g.python_optimize = _atoi(value)
        elif key == "WSGISocketPrefix":
            g.socket_prefix = value
        elif key == "WSGISocketRotation":
            g.socket_rotation = _on(value)
        elif key == "WSGIAcceptMutex":
            g.accept_mutex = value
        elif key == "WSGIRestrictEmbedded":
            g.restrict_embedded = _on(value)
        elif key == "WSGILazyInitialization":
            g.lazy_initialization = _on(value)
        elif key == "WSGICaseSensitivity":
            g.case_sensitivity = _on(value)
        else:
            continue
        g.at[key] = d
    return g


def script_aliases(tree: ConfigTree) -> list[ScriptAlias]:
    """Every WSGI mount: WSGIScriptAlias[Match], then WSGIHandlerScript mounts."""
    return ([script_alias(d) for d in tree.named("WSGIScriptAlias", "WSGIScriptAliasMatch")]
            + handler_mounts(tree))


_HANDLER_FLAG = lazy_re(r"^(?:H|handler)=(.+)$", re.I)


def _handler_of(d: Directive) -> Optional[str]:
    """The handler name a RewriteRule [H=...], SetHandler or AddHandler sends requests to."""
    name = d.name.lower()
    if name in ("sethandler", "addhandler") and d.args:
        return d.args[0]
    if name == "rewriterule" and len(d.args) >= 3:
        flags = d.args[2].strip("[]")
        for flag in flags.split(","):
            m = _HANDLER_FLAG.match(flag.strip())
            if m:
                return m.group(1)
    return None


def route_mapping(via: Directive, tree: ConfigTree) -> tuple[str, Optional[Directive]]:
    """The URL a routing directive applies under, and what places it there.

    Its <Location> (placed by no directive), or its <Directory> mapped through DocumentRoot or an
    Alias (that directive); ``("/", None)`` when it cannot be placed more precisely.
    """
    for section in reversed(via.sections):
        words = lexer.split_words(section.args)
        if not words or words[0] == "~":
            continue
        if section.kind == "location":
            return words[0], None
        if section.kind == "directory":
            directory = words[0].rstrip("/") or "/"
            for d in tree.named("DocumentRoot"):
                root = (d.args[0].rstrip("/") or "/") if d.args else None
                if root and (directory == root or directory.startswith(root + "/")):
                    return directory[len(root):] or "/", d
            for alias in tree.named("Alias"):
                if len(alias.args) >= 2 and directory.startswith(alias.args[1].rstrip("/")):
                    rest = directory[len(alias.args[1].rstrip("/")):]
                    return (alias.args[0].rstrip("/") + rest) or "/", alias
    return "/", None


def handler_mounts(tree: ConfigTree) -> list[ScriptAlias]:
    """``WSGIHandlerScript NAME SCRIPT options`` mounts, one per directive routing to NAME.

    mod_wsgi-express mounts its application this way: ``RewriteRule .* - [H=wsgi-handler]``
    inside the document root's <Directory>, so every URL without a static file reaches it.
    """
    out: list[ScriptAlias] = []
    handlers = tree.named("WSGIHandlerScript")
    if not handlers:
        return out
    routes = [d for d in tree.directives if d.name.lower() in ("rewriterule", "sethandler", "addhandler")]
    for hd in handlers:
        name, pos = lexer.next_word(hd.raw, 0)
        target, pos = lexer.next_word(hd.raw, pos)
        pairs, rest = parse_options(hd.raw[pos:])
        errors = [f"Invalid option to WSGI handler script definition: {rest!r}"] if rest else []
        opts = {k: v for k, v in pairs if k in ALIAS_OPTIONS}
        pg, ag = opts.get("process-group"), opts.get("application-group")
        for via in routes:
            if _handler_of(via) != name:
                continue
            out.append(ScriptAlias(
                url=route_mapping(via, tree)[0], target=target, match=False, options=opts,
                process_group="" if pg == "%{GLOBAL}" else pg,
                application_group="" if ag == "%{GLOBAL}" else ag,
                callable_object=opts.get("callable-object"), errors=tuple(errors), directive=hd,
                handler=name, via=via))
    return out


def daemon_processes(tree: ConfigTree) -> list[DaemonProcess]:
    return [daemon_process(d) for d in tree.named("WSGIDaemonProcess")]
