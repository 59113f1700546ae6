"""Rules for process groups, application groups and threading, and the prediction derivation.

The per-mount predictions (``config.mounts``) come from :mod:`wsgidoctor.wsgi.predict`. The
derivation re-makes them from ``config.directives`` once mod_wsgi's version is known (the config
probe runs before the linkage probe finds it), so ``analyze`` on a saved report and a live run
agree.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

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
def repredict_with_known_version(facts: dict[str, Any]) -> None:
    """Re-make config.mounts with mod_wsgi's actual version when the probe had to assume one."""
    from wsgidoctor.config.model import build_model, tree_from_facts
    from wsgidoctor.wsgi.predict import parse_version, predict_mounts

    config = F.get(facts, "config")
    version = parse_version(F.get(facts, "mod_wsgi.version"))
    if not isinstance(config, dict) or version is None or not config.get("directives"):
        return
    if parse_version(config.get("prediction_version")) == version:
        config["prediction_version_assumed"] = False
        return
    model = build_model(tree_from_facts(config), build_mpm=F.get(facts, "apache.mpm.name"))
    names = {s.get("key"): s.get("server_name") for s in config.get("servers") or () if isinstance(s, dict)}
    for server in model.servers:
        if not server.server_name and names.get(server.key):
            server.server_name = names[server.key]
    targets = set(config.get("directory_targets") or ())
    env = F.get(facts, "install.start_env") or {}
    mounts = predict_mounts(model, version=version, environ=env if isinstance(env, dict) else {},
                            local_host=config.get("local_host"), is_dir=lambda p: p in targets)
    config["mounts"] = [m.to_json() for m in mounts]
    config["prediction_version"] = ".".join(map(str, version))
    config["prediction_version_assumed"] = False


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
