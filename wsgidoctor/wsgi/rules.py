"""Rules for process groups, application groups and threading, and the prediction derivation.

The per-mount predictions (``config.mounts``) come from :mod:`wsgidoctor.wsgi.predict`. The
derivation re-makes them from ``config.directives`` once mod_wsgi's version is known (the config
probe runs before the linkage probe finds it), so ``analyze`` on a saved report and a live run
agree.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.core.catalogue import derivation, finding, rule
from wsgidoctor.core.model import Evidence, Finding, Severity

SECTION = "wsgi"


def _mounts(facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [m for m in F.get(facts, "config.mounts") or () if isinstance(m, dict)]


EMBEDDED_PREFORK = finding(
    "embedded-mode-prefork", Severity.WARNING, SECTION,
    "A WSGI application runs in embedded mode under the prefork MPM with its default sizing",
    """In embedded mode the application runs inside Apache's own child processes. Under prefork
    each child is a single-threaded process, so every one of them (up to MaxRequestWorkers)
    imports its own copy of the application, and Apache starts and stops children as load
    changes, reloading the application each time. mod_wsgi's documentation advises daemon mode
    unless you tune the MPM for the application: the shipped settings suit static files and PHP,
    not Python applications. Daemon mode gives a fixed set of processes and threads that you size
    for the application.""",
    "Run the application in daemon mode: add `WSGIDaemonProcess <name> processes=N threads=M` "
    "and `WSGIProcessGroup <name>` (or `process-group=<name>` on its WSGIScriptAlias), and "
    "consider `WSGIRestrictEmbedded On`. If you keep embedded mode, size StartServers, "
    "MinSpareServers, MaxSpareServers and MaxRequestWorkers for the application.",
)
PROCESSES_1 = finding(
    "multiprocess-processes-1", Severity.INFO, SECTION,
    "processes=1 makes wsgi.multiprocess True for a single daemon process",
    """mod_wsgi sets wsgi.multiprocess to True whenever the processes= option is given, even
    processes=1: the option says the application may be spread over several processes or groups.
    Leaving the option out runs the same single process with wsgi.multiprocess False. Frameworks
    and debuggers that refuse to run multiprocess (interactive debuggers, some in-memory caches)
    look at this flag.""",
    "If the application should know it runs in exactly one process, remove `processes=1` from "
    "WSGIDaemonProcess; otherwise nothing needs to change.",
)

# --- derivation --------------------------------------------------------------------------------

@derivation(order=20)
def repredict_with_known_version(facts: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    """``config.mounts`` re-made with mod_wsgi's actual version when the probe had to assume one
    (the config probe runs before the linkage probe that reads the version)."""
    from wsgidoctor.config.model import build_model, tree_from_facts
    from wsgidoctor.wsgi.predict import parse_version, predict_mounts

    config = F.get(facts, "config")
    version = parse_version(F.get(facts, "mod_wsgi.version"))
    if not isinstance(config, dict) or version is None or not config.get("directives"):
        return None
    if parse_version(config.get("prediction_version")) == version:
        return {"config": {"prediction_version_assumed": False}}
    model = build_model(tree_from_facts(config), build_mpm=F.get(facts, "apache.mpm.name"))
    names = {s.get("key"): s.get("server_name") for s in config.get("servers") or () if isinstance(s, dict)}
    for server in model.servers:
        if not server.server_name and names.get(server.key):
            server.server_name = names[server.key]
    targets = set(config.get("directory_targets") or ())
    env = F.get(facts, "install.start_env") or {}
    mounts = predict_mounts(model, version=version, environ=env if isinstance(env, dict) else {},
                            local_host=config.get("local_host"), is_dir=lambda p: p in targets)
    return {"config": {"mounts": [m.to_json() for m in mounts],
                       "prediction_version": ".".join(map(str, version)),
                       "prediction_version_assumed": False}}


# --- rules ---------------------------------------------------------------------------------------

@rule
def embedded_mode_prefork(facts: dict[str, Any]) -> Iterable[Finding]:
    mpm = F.get(facts, "config.mpm") or {}
    if not isinstance(mpm, dict) or mpm.get("name") != "prefork":
        return
    from wsgidoctor.config.mpm import MpmSettings

    settings = MpmSettings("prefork", "facts", {k: v for k, v in (mpm.get("settings") or {}).items()
                                                  if isinstance(v, int)})
    if not settings.shipped_defaults():
        return
    embedded = [m for m in _mounts(facts) if m.get("process_group") == ""]
    if not embedded:
        return
    sizing = ", ".join(f"{k} {v}" for k, v in sorted(settings.values.items())) or "httpd's compiled-in defaults"
    where = ", ".join(f"{m.get('url')} ({m.get('file')}:{m.get('line')})" for m in embedded[:5])
    evidence = [Evidence(str(m.get("file")), f"WSGIScriptAlias {m.get('url')} {m.get('target')}", m.get("line"))
                for m in embedded[:5]]
    for key, at in (mpm.get("set_at") or {}).items():
        file, _, line = str(at).rpartition(":")
        evidence.append(Evidence(file, f"{key} {settings.values.get(key)}", int(line) if line.isdigit() else None))
    yield EMBEDDED_PREFORK.make(
        f"{where} run{'s' if len(embedded) == 1 else ''} in embedded mode (no daemon process group) "
        f"and the MPM is prefork with the sizing it was shipped with ({sizing}): up to "
        f"{settings.daemons_limit()} single-threaded Apache children, each loading the application.",
        evidence)


@rule
def multiprocess_processes_1(facts: dict[str, Any]) -> Iterable[Finding]:
    for d in F.get(facts, "config.daemons") or ():
        if isinstance(d, dict) and (d.get("given") or {}).get("processes") is not None and d.get("processes") == 1:
            yield PROCESSES_1.make(
                f"WSGIDaemonProcess {d.get('name')} at {d.get('file')}:{d.get('line')} gives processes=1: "
                "its applications see wsgi.multiprocess True although they run in one process.",
                [Evidence(str(d.get("file")), f"WSGIDaemonProcess {d.get('name')} processes=1", d.get("line"))])


SUBINTERPRETER_UNSAFE = finding(
    "subinterpreter-unsafe-package", Severity.WARNING, SECTION,
    "A package that does not work in Python sub-interpreters is importable by a mount that runs in one",
    """Unless told otherwise, mod_wsgi runs each WSGI application in a Python sub-interpreter of
    its own (application group %{RESOURCE}: host and URL). C extensions that keep process-wide
    state or use the simplified GIL state API (NumPy and what is built on it, lxml), and Rust
    extensions made with PyO3 (pydantic-core, cryptography, rpds-py) do not support
    sub-interpreters: depending on the package, the import fails with an ImportError, the
    request hangs until mod_wsgi's timeout (a deadlock), or the process crashes. The list of
    packages, each with its reason and a public source, ships with wsgidoctor
    (wsgidoctor/wsgi/subinterpreter_unsafe.json).""",
    "Run the application in the main interpreter: `WSGIApplicationGroup %{GLOBAL}` in its "
    "virtual host (or `application-group=%{GLOBAL}` on its WSGIScriptAlias); give each "
    "application its own daemon process group if several share the server.",
)


@rule
def subinterpreter_unsafe(f: dict[str, Any]) -> Iterable[Finding]:
    per_mount = {p.get("mount_index"): p for p in F.get(f, "packages.mounts") or () if isinstance(p, dict)}
    for index, m in enumerate(_mounts(f)):
        hits = (per_mount.get(index) or {}).get("unsafe") or []
        if not hits or m.get("application_group") == "":
            continue
        names = ", ".join(sorted({f"{h['distribution']} ({h['path']})" for h in hits}))
        group = m.get("application_group")
        group_text = f"application group '{group}'" if group is not None else "a sub-interpreter chosen per request"
        detail = (f"{m.get('vhost') or ''}{m.get('url')} (WSGIScriptAlias at {m.get('file')}:{m.get('line')}) runs "
                  f"in {group_text}, not %{{GLOBAL}}, and can import {names}.")
        fix = (f"Add `WSGIApplicationGroup %{{GLOBAL}}` after line {m.get('line')} of {m.get('file')} (or "
               f"`application-group=%{{GLOBAL}}` on that WSGIScriptAlias).")
        yield SUBINTERPRETER_UNSAFE.make(detail=detail, fix=fix, evidence=[
            Evidence(source=str(m.get("file")), line=m.get("line"), text="WSGIScriptAlias"),
            *[Evidence(source=h["path"], text=h["distribution"]) for h in hits[:3]]])
