"""Rules for the Apache configuration as it concerns mod_wsgi.

Facts come from the config probe (``config.*``, wsgidoctor/config/probe.py). Every finding cites
the directive with its file and line. Process groups, application groups and threading per mount
are the wsgi area's (wsgidoctor/wsgi/).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.core.model import Evidence, Finding, Severity
from wsgidoctor.core.catalogue import finding, rule

SECTION = "config"

CHANGED_SINCE_LOAD = finding(
    "config-changed-since-load", Severity.WARNING, SECTION,
    "The configuration changed after the running server last loaded it",
    """Apache reads its configuration when it starts and on each restart or reload (graceful or
    not); in between, editing the files changes nothing in the running server. The running server
    logs a banner ("... configured -- resuming normal operations", AH00489) each time it loads the
    configuration; a configuration file changed after the latest banner is not in effect yet. What
    wsgidoctor examined is the configuration as it is on disk now, so its findings about the
    configuration describe what the server will do after the next reload, not what it does now;
    and "I changed it but nothing happened" is explained by this alone. The comparison is of the
    file's modification time with the banner's time (Apache's local time, in its TZ when its
    environment sets one).""",
    "Check the new configuration (`apachectl configtest`), then reload the server so that it takes "
    "it: `systemctl reload apache2` (httpd on RHEL) or `apachectl graceful`.",
)

DAEMON_UNDEFINED = finding(
    "daemon-group-undefined", Severity.ERROR, SECTION,
    "A WSGI mount is delegated to a daemon process group that does not exist for it",
    """WSGIProcessGroup (or the process-group= option of WSGIScriptAlias) names the daemon
    process group that runs the application. If no WSGIDaemonProcess has that name, every request
    fails with 500 and the error log says "No WSGI daemon process called '<name>' has been
    configured". A group defined inside another virtual host can only be used by virtual hosts
    with the same ServerName (or if defined at server level); otherwise the log says "Daemon
    process called '<name>' cannot be accessed by this WSGI application". Typical causes are a
    typo, a <IfDefine>/<IfModule> hiding the WSGIDaemonProcess, or a group defined in the :80
    virtual host and used from a :443 one with another ServerName.""",
    "Define the group where it can be used (`WSGIDaemonProcess <name> ...` at server level or in "
    "a virtual host with the same ServerName), or correct the name in WSGIProcessGroup / "
    "process-group=.",
)
WRONG_CONTEXT = finding(
    "directive-wrong-context", Severity.ERROR, SECTION,
    "A directive is in a section where Apache does not allow it",
    """Some directives configure the whole server and may only appear at the top level of the
    configuration (mod_wsgi's WSGIPythonHome, WSGIPythonPath, WSGISocketPrefix,
    WSGIRestrictEmbedded and others; LoadModule, User, Listen). Inside <VirtualHost> Apache stops
    with "<Directive> cannot occur within <VirtualHost> section". WSGIScriptAlias,
    WSGIDaemonProcess and WSGIImportScript belong to the server or a virtual host, and inside
    <Directory>, <Location> or <Files> Apache stops with "<Directive> not allowed here". Either
    way the server does not start (or a reload fails and keeps the old configuration).""",
    "Move the directive out of the section to the top level of the configuration (for a "
    "per-site Python environment use the python-home= and python-path= options of that site's "
    "WSGIDaemonProcess instead of WSGIPythonHome/WSGIPythonPath).",
)
SOCKET_UNREACHABLE = finding(
    "socket-prefix-unreachable", Severity.ERROR, SECTION,
    "Apache's user cannot reach the mod_wsgi daemon sockets",
    """Requests reach a daemon process group through a UNIX socket that mod_wsgi creates at
    WSGISocketPrefix (default: a 'wsgi' prefix in Apache's run-time directory) plus
    ".<pid>.<generation>.<id>.sock". The socket belongs to Apache's User, but the Apache child that
    connects to it must be able to search (x permission) every directory on the way. When it
    cannot, every request to the daemon fails with 503 and "(13)Permission denied: ... Unable to
    connect to WSGI daemon process '<name>' on '<socket>'" — the classic case is RHEL's default in
    the 0700 log directory. A path longer than 107 bytes does not fit a UNIX socket address and is
    truncated.""",
    "Set `WSGISocketPrefix` to a directory Apache's user can search, e.g. `WSGISocketPrefix "
    "run/wsgi` (RHEL) or `WSGISocketPrefix /var/run/wsgi`, with a short path; do not use /tmp.",
)
TRAILING_SLASH = finding(
    "script-alias-trailing-slash", Severity.WARNING, SECTION,
    "WSGIScriptAlias URL ends in '/' but maps to a single script file",
    """WSGIScriptAlias matches like Alias: the rest of the URL after the matched prefix is appended
    to the target. With `WSGIScriptAlias /app/ /srv/app/app.wsgi`, the URL /app does not match at
    all (404), /app/ works, and /app/page maps to the file '/srv/app/app.wsgipage', so Apache
    answers 404 with "Target WSGI script not found or unable to stat". The application also sees
    SCRIPT_NAME '/app/' and builds wrong URLs.""",
    "Drop the trailing slash from the URL: `WSGIScriptAlias /app /srv/app/app.wsgi`. Keep a "
    "trailing slash on both sides only when the target is a directory of scripts.",
)
MOD_PYTHON = finding(
    "mod-python-conflict", Severity.ERROR, "modules",
    "mod_python is loaded beside mod_wsgi",
    """mod_python and mod_wsgi both embed Python in Apache. mod_wsgi 4.0 and later refuse to run
    with mod_python loaded: the configuration test says Syntax OK, but the server does not start
    and the error log says "The mod_python module can not be used in conjunction with mod_wsgi
    4.0+" followed by "AH00016: Configuration Failed". Older mod_wsgi versions can share one
    Python with mod_python, but only if both were built for the same Python version; otherwise
    Apache crashes or the wrong interpreter is used.""",
    "Remove the LoadModule python_module line (Debian: `a2dismod python`) and port any "
    "mod_python handlers to WSGI, then restart Apache.",
)
CONFIG_REJECTED = finding(
    "apache-config-rejected", Severity.ERROR, SECTION,
    "Apache refuses this configuration",
    """httpd reads and checks the whole configuration before it starts (`apachectl configtest`,
    `httpd -t`; `httpd -M` too). An error there - an unknown directive, an Include that names a
    missing or unreadable file, a wrong argument, a directive in a section where it is not allowed
    - stops Apache: it does not start, and a reload or restart fails (systemd shows the unit
    failed; a graceful reload keeps the old configuration running until the next full restart).
    The message names the file and line; for files pulled in by Include, the including files and
    lines come first. Nothing else in the report matters until Apache accepts its configuration.""",
    "Fix the line the message names (run `apachectl configtest` until it prints Syntax OK), then "
    "restart Apache.",
)
DAEMON_DUPLICATE = finding(
    "wsgi-daemon-duplicate", Severity.ERROR, SECTION,
    "Two WSGIDaemonProcess directives define the same daemon group name",
    """A daemon process group name must be unique across the whole server: mod_wsgi rejects a
    second WSGIDaemonProcess with a name already used, anywhere in the configuration, with "Name
    duplicates previous WSGI daemon definition", and Apache does not start. The usual cause is a
    copied virtual host: certbot's Apache plugin copies the :80 virtual host (with its
    WSGIDaemonProcess) into a new -le-ssl.conf file for :443, and `a2ensite` of both enables two
    definitions; copying a site's .conf file as a template does the same.""",
    "Keep one WSGIDaemonProcess per name: delete it from the copied virtual host (e.g. the "
    "-le-ssl.conf one) and use `WSGIProcessGroup <name>` there, or define the group once at "
    "server level, or give each copy its own name.",
)
OPTION_UNKNOWN = finding(
    "wsgi-option-unknown", Severity.ERROR, SECTION,
    "A WSGI directive has an option that the installed mod_wsgi does not know",
    """mod_wsgi rejects an option it does not recognise with "Invalid option to WSGI daemon
    process definition" (or "... script alias definition" and similar), and Apache does not
    start. Either the option is misspelled or written without its '=value', or it was added in a
    later mod_wsgi than the one installed: options such as startup-timeout=, queue-timeout=,
    socket-timeout=, request-timeout=, restart-interval=, lang=/locale= and the many options
    added in 4.x are unknown to mod_wsgi 3.x, which many LTS distributions shipped. Documentation
    and mod_wsgi-express generate options for the newest version.""",
    "Check the option's spelling (`name=value`, no spaces around '='), compare with the options "
    "documented for the installed version (`mod_wsgi-express --version` or the package version), "
    "and remove the option or install a newer mod_wsgi (`pip install mod_wsgi`).",
)
DAEMON_MODE_WINDOWS = finding(
    "wsgi-daemon-on-windows", Severity.ERROR, SECTION,
    "WSGIDaemonProcess is used on Windows, where mod_wsgi has no daemon mode",
    """mod_wsgi's daemon mode forks processes, which Windows cannot do, so the Windows build of
    mod_wsgi does not provide WSGIDaemonProcess, WSGIProcessGroup, WSGISocketPrefix and the other
    daemon-mode directives at all. Apache therefore rejects them as "Invalid command
    'WSGIDaemonProcess', perhaps misspelled or defined by a module not included in the server
    configuration" even though mod_wsgi is loaded. Configurations copied from Linux guides are the
    usual source.""",
    "Remove WSGIDaemonProcess/WSGIProcessGroup (and process-group= on WSGIScriptAlias) and run the "
    "application embedded in Apache's single child process (mpm_winnt is multithreaded); set the "
    "Python path with WSGIPythonPath instead of python-path=.",
)

#: Core directives that may only appear at the top level (their handlers check GLOBAL_ONLY).
_CORE_GLOBAL_ONLY = frozenset({"LoadModule", "LoadFile", "User", "Group", "Listen", "ServerRoot",
                               "PidFile", "DefaultRuntimeDir"})


def _ev(d: Mapping[str, Any]) -> Evidence:
    text = " ".join([str(d.get("name", "")), *[str(a) for a in d.get("args") or ()]])
    return Evidence(str(d.get("file") or "configuration"), text, d.get("line"))


def _where(d: Mapping[str, Any]) -> str:
    return f"{d.get('file')}:{d.get('line')}"


def _directives(facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [d for d in F.get(facts, "config.directives") or () if isinstance(d, dict)]


def _mounts(facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [m for m in F.get(facts, "config.mounts") or () if isinstance(m, dict)]


def _alias_directive(facts: Mapping[str, Any], m: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    for d in _directives(facts):
        if d.get("file") == m.get("file") and d.get("line") == m.get("line") and \
                str(d.get("name", "")).startswith("WSGIScriptAlias"):
            return d
    return None


# --- rules -------------------------------------------------------------------------------------

@rule
def daemon_group_undefined(facts: dict[str, Any]) -> Iterable[Finding]:
    daemons = {str(d.get("name")) for d in F.get(facts, "config.daemons") or () if isinstance(d, dict)}
    seen: set[tuple[Any, Any]] = set()
    for d in _directives(facts):
        name = d.get("name")
        group = None
        if name == "WSGIProcessGroup" and d.get("args"):
            group = str(d["args"][0])
        elif name in ("WSGIScriptAlias", "WSGIScriptAliasMatch"):
            from wsgidoctor.config.model import directive_from_json
            from wsgidoctor.config.wsgi import script_alias

            group = script_alias(directive_from_json(d)).process_group
        if not group or group.startswith("%"):
            continue
        if group not in daemons:
            seen.add((d.get("file"), d.get("line")))
            known = ", ".join(sorted(daemons)) or "none"
            yield DAEMON_UNDEFINED.make(
                f"{name} at {_where(d)} delegates to the daemon process group '{group}', but no "
                f"WSGIDaemonProcess has that name (defined: {known}). Requests fail with 500: "
                f"\"No WSGI daemon process called '{group}' has been configured\".",
                [_ev(d)])
    for m in _mounts(facts):
        for p in m.get("problems") or ():
            if isinstance(p, dict) and p.get("kind") == "daemon-inaccessible":
                d = _alias_directive(facts, m) or {"name": "WSGIScriptAlias", "file": m.get("file"),
                                                    "line": m.get("line"), "args": [m.get("url")]}
                yield DAEMON_UNDEFINED.make(f"{m.get('url')} in {m.get('vhost')}: {p.get('text')}", [_ev(d)])


@rule
def directive_wrong_context(facts: dict[str, Any]) -> Iterable[Finding]:
    from wsgidoctor.config import names

    for d in _directives(facts):
        name = str(d.get("name", ""))
        sections = [str(s) for s in d.get("sections") or ()]
        if not sections:
            continue
        kinds = [s[1:].split(" ", 1)[0].rstrip(">").lower() for s in sections]
        dir_level = [s for s, k in zip(sections, kinds) if k in names.DIRECTORY_LEVEL]
        if name in names.WSGI_GLOBAL_ONLY or name in _CORE_GLOBAL_ONLY:
            inner = "<VirtualHost>" if "virtualhost" in kinds else sections[-1].split(" ", 1)[0].rstrip(">") + ">"
            message = f"{name} cannot occur within {inner} section"
        elif name in names.WSGI_SERVER_ONLY and dir_level:
            message = f"{name} not allowed here"
        else:
            continue
        yield WRONG_CONTEXT.make(
            f"{name} at {_where(d)} is inside {' '.join(sections)}; Apache refuses it there "
            f"(\"{message}\") and does not start.", [_ev(d)])


@rule
def socket_prefix_unreachable(facts: dict[str, Any]) -> Iterable[Finding]:
    sp = F.get(facts, "config.socket_prefix")
    if not isinstance(sp, dict) or not sp.get("used") or not sp.get("effective"):
        return
    prefix = sp["effective"]
    source = (f"WSGISocketPrefix at {sp.get('file')}:{sp.get('line')}" if sp.get("file")
              else "mod_wsgi's compiled-in default")
    ev = [Evidence(str(sp.get("file") or "mod_wsgi.so"), f"WSGISocketPrefix {sp.get('configured') or prefix}",
                   sp.get("line"))]
    blocked = [d for d in sp.get("directories") or () if isinstance(d, dict)
               and (not d.get("exists") or d.get("searchable") is False)]
    if sp.get("reachable") is False and blocked:
        first = blocked[0]
        what = (f"{first['path']} does not exist" if not first.get("exists") else
                f"{first['path']} ({first.get('mode')} {first.get('owner')}:{first.get('group')}) "
                f"is not searchable by {sp.get('user')}")
        ev += [Evidence(str(d.get("path")), f"{d.get('mode')} {d.get('owner')}:{d.get('group')}")
               for d in blocked[:3]]
        yield SOCKET_UNREACHABLE.make(
            f"The daemon sockets are created at {prefix}.<pid>.<gen>.<id>.sock ({source}); {what}, "
            f"so Apache's children cannot connect to the daemon processes (503, \"Permission denied: "
            f"... Unable to connect to WSGI daemon process\").", ev)
    if sp.get("too_long"):
        yield SOCKET_UNREACHABLE.make(
            f"The daemon socket path {prefix}.pid.gen.id.sock ({source}) needs {sp.get('length')} "
            f"bytes with its terminating NUL; a UNIX socket address holds 108, so mod_wsgi truncates "
            f"it and the children cannot connect.", ev,
            title="The mod_wsgi daemon socket path is too long for a UNIX socket")


@rule
def script_alias_trailing_slash(facts: dict[str, Any]) -> Iterable[Finding]:
    targets = set(F.get(facts, "config.directory_targets") or ())
    for a in F.get(facts, "config.aliases") or ():
        if not isinstance(a, dict) or a.get("match"):
            continue
        url, target = str(a.get("url") or ""), str(a.get("target") or "")
        if url != "/" and url.endswith("/") and target and not target.endswith("/") and target not in targets:
            base = url.rstrip("/")
            yield TRAILING_SLASH.make(
                f"WSGIScriptAlias {url} {target} at {a.get('file')}:{a.get('line')}: {base} gives 404 and "
                f"{url}page maps to '{target}page' (404, \"Target WSGI script not found\").",
                [Evidence(str(a.get("file")), f"WSGIScriptAlias {url} {target}", a.get("line"))],
                fix=f"Write `WSGIScriptAlias {base} {target}`.")


@rule
def mod_python_conflict(facts: dict[str, Any]) -> Iterable[Finding]:
    from wsgidoctor.wsgi.predict import parse_version

    mp = F.get(facts, "config.mod_python")
    if not isinstance(mp, dict):
        return
    loads_wsgi = any(d.get("name") == "LoadModule" and (d.get("args") or [None])[0] == "wsgi_module"
                     for d in _directives(facts))
    if not loads_wsgi:
        return
    ev = [Evidence(str(mp.get("file")), f"LoadModule python_module {mp.get('path')}", mp.get("line"))]
    version = parse_version(F.get(facts, "mod_wsgi.version"))
    wsgi_py = F.get(facts, "linkage.python_library.python_version")
    their_py = mp.get("python_version")
    pys = (f"mod_python uses Python {their_py}" if their_py else "mod_python's Python is unknown") + \
          (f", mod_wsgi Python {wsgi_py}" if wsgi_py else "")
    if version is None or version >= (4, 0, 0):
        shown = ".".join(map(str, version)) if version else "4.0 or later (assumed)"
        yield MOD_PYTHON.make(
            f"mod_python is loaded at {mp.get('file')}:{mp.get('line')} and mod_wsgi is {shown}, which "
            f"refuses to start beside it ({pys}): Apache will not start.", ev)
        return
    differs = bool(their_py and wsgi_py and str(their_py) != str(wsgi_py)[: len(str(their_py))])
    yield MOD_PYTHON.make(
        f"mod_python is loaded at {mp.get('file')}:{mp.get('line')} beside mod_wsgi "
        f"{'.'.join(map(str, version))}; {pys}.", ev,
        severity=Severity.ERROR if differs else Severity.WARNING)


@rule
def changed_since_load(facts: dict[str, Any]) -> Iterable[Finding]:
    """A configuration file newer than the running server's last load of its configuration."""
    pid = F.get(facts, "install.examined_pid")
    loaded = F.get(facts, "errorlog.loaded_at")
    newest = F.get(facts, "config.newest_change")
    if not pid or not isinstance(loaded, (int, float)) or not isinstance(newest, Mapping):
        return
    if not isinstance(newest.get("mtime"), (int, float)) or newest["mtime"] <= loaded + 1:
        return  # a second of slack: the banner's time has no time zone and may be rounded
    banner = F.get(facts, "errorlog.banner") or {}
    where = f"{F.get(facts, 'errorlog.path')}:{banner.get('line')}" if banner.get("line") else F.get(facts, "errorlog.path")
    yield CHANGED_SINCE_LOAD.make(
        f"The running server (pid {pid}) last loaded its configuration at {banner.get('time')} (its banner "
        f"at {where}); {newest.get('path')} was changed after that, at {newest.get('when')}. The running "
        "server still uses the configuration as it was; wsgidoctor examined it as it is now.",
        [Evidence(str(where), str(banner.get("text") or "")),
         Evidence(str(newest.get("path")), f"modified {newest.get('when')}")])
