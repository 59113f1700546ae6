"""Probe "live": ask the real mod_wsgi, through a throwaway server or a probe the user mounted.

Only with ``--live`` (a throwaway httpd on 127.0.0.1 with the user's httpd, mod_wsgi.so and
WSGI directives, see ``wsgidoctor.live``) or ``--url URL`` (the user mounted
``wsgidoctor_probe.wsgi`` in the real site). Facts: ``live.{mode, url, mounts[], error_log[],
error, duration_ms}``; and ``wsgi.{process_group, application_group, multithread,
multiprocess}`` as ``{value, source: "live"}`` from the first answer.
"""

from __future__ import annotations

import os
import time
from typing import Any, Optional
from urllib.parse import urlsplit

from wsgidoctor import commands
from wsgidoctor.model import RawOutput
from wsgidoctor.probe import NotApplicable, Probe, ProbeContext, ProbeOutput

PROBE_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wsgi", "wsgidoctor_probe.wsgi")
#: Seconds to wait for each probe answer (``Options.extra["live_request_timeout"]`` overrides).
REQUEST_TIMEOUT = 8.0
_WSGI_KEYS = {"process_group": "mod_wsgi.process_group",
              "application_group": "mod_wsgi.application_group",
              "multithread": "wsgi.multithread", "multiprocess": "wsgi.multiprocess"}


def observed(answer: Optional[dict[str, Any]]) -> dict[str, Any]:
    """process group, application group and threading flags from a probe answer."""
    environ = (answer or {}).get("environ") or {}
    return {k: environ.get(v) for k, v in _WSGI_KEYS.items()}


def mismatches(expected: dict[str, Any], got: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Where a prediction and the answer differ (predictions that are None are not compared)."""
    return {k: {"predicted": v, "live": got.get(k)} for k, v in expected.items()
            if v is not None and got.get(k) != v}


def _root_relative(path: str, root: str) -> str:
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(root, path))


def _model(ctx: ProbeContext) -> Any:
    from wsgidoctor.config.model import build_model, tree_from_facts

    config = ctx.fact("config")
    if not isinstance(config, dict) or not config.get("directives"):
        return None
    model = build_model(tree_from_facts(config), build_mpm=ctx.fact("apache.mpm.name"))
    names = {s.get("key"): s.get("server_name") for s in config.get("servers") or () if isinstance(s, dict)}
    for server in model.servers:
        if not server.server_name and names.get(server.key):
            server.server_name = names[server.key]
    return model


def _guard(ctx: ProbeContext, model: Any) -> Any:
    from wsgidoctor.live.server import Guard

    root = model.tree.server_root
    paths = []
    for d in model.tree.directives:
        if d.name in ("PidFile", "ErrorLog", "DefaultRuntimeDir", "WSGISocketPrefix", "CustomLog") and d.args:
            if not d.args[0].startswith("|"):
                paths.append(_root_relative(d.args[0], root))
    effective = ctx.fact("config.socket_prefix.effective")
    if effective:
        paths.append(effective)
    return Guard(paths=tuple(paths), ports=tuple(model.listen))


def _live_mode(ctx: ProbeContext, out: ProbeOutput) -> dict[str, Any]:
    from wsgidoctor.config.predict import DEFAULT_VERSION, parse_version, predict_mounts
    from wsgidoctor.live.plan import plan
    from wsgidoctor.live.server import run_live

    model = _model(ctx)
    if model is None:
        raise NotApplicable("no Apache configuration was read (see the config probe)")
    httpd = ctx.fact("install.httpd") or ctx.options.httpd or commands.which("apache2", ("/usr/sbin",)) \
        or commands.which("httpd", ("/usr/sbin",))
    if not httpd:
        raise NotApplicable("no httpd binary found")
    root = model.tree.server_root
    modules = {d.args[0]: _root_relative(d.args[1], root) for d in model.tree.named("LoadModule") if len(d.args) >= 2}
    if "wsgi_module" not in modules and ctx.fact("linkage.module"):
        modules["wsgi_module"] = ctx.fact("linkage.module")
    if "wsgi_module" not in modules:
        raise NotApplicable("the configuration loads no mod_wsgi and none was given")
    load_files = [_root_relative(d.args[0], root) for d in model.tree.named("LoadFile")
                  if d.args and not d.sections]
    version = parse_version(ctx.fact("mod_wsgi.version")) or DEFAULT_VERSION
    env = ctx.fact("install.start_env") or {}
    directory_targets = set(ctx.fact("config.directory_targets") or ())
    local_host = ctx.fact("config.local_host")
    mounts = predict_mounts(model, version=version, environ=env, local_host=local_host,
                            is_dir=lambda p: p in directory_targets)
    as_root = os.geteuid() == 0 if hasattr(os, "geteuid") else False
    the_plan = plan(model, mounts, module_paths=modules, as_root=as_root,
                    user=ctx.fact("install.user"), group=ctx.fact("install.group"),
                    local_host=local_host, load_files=load_files, version=version)
    if not the_plan.requests:
        return {"mode": "throwaway", "url": None, "mounts": [], "error": None, "error_log": [],
                "notes": the_plan.notes, "duration_ms": 0.0, "leftover_pids": [], "tmp_dirs": []}
    timeout = float(ctx.options.extra.get("live_request_timeout") or REQUEST_TIMEOUT)
    result = run_live(httpd, the_plan, PROBE_SCRIPT, env=env, guard=_guard(ctx, model),
                      request_timeout=timeout)
    out.raw.append(RawOutput(kind="live-httpd.conf", source="wsgidoctor live server", text=result.config_text))
    out.raw.append(RawOutput(kind="live-errorlog", source="wsgidoctor live server error log",
                             text="\n".join(result.error_log)))
    answers = []
    for a in result.answers:
        entry = a.to_json()
        got = observed(a.body)
        entry["observed"] = got
        entry["mismatches"] = mismatches(a.request.expected, got) if a.body else {}
        if 0 <= a.request.mount_index < len(mounts):
            m = mounts[a.request.mount_index]
            entry["mount"] = {"file": m.alias.directive.file, "line": m.alias.directive.line}
        answers.append(entry)
    base = f"http://127.0.0.1:{next(iter(result.ports.values()))}" if result.ports else None
    return {"mode": "throwaway", "url": base, "mounts": answers, "error": result.error,
            "error_log": result.error_log, "notes": result.notes, "ports": result.ports,
            "duration_ms": round(result.duration_ms, 1), "leftover_pids": result.leftovers,
            "tmp_dirs": result.tmp_dirs,
            "prediction_version": ".".join(map(str, version))}


def _url_mode(ctx: ProbeContext, url: str) -> dict[str, Any]:
    import urllib.error
    import urllib.request

    from wsgidoctor.live.server import decode_answer

    start = time.monotonic()
    status, body, error = None, b"", None
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "wsgidoctor", "Accept": "application/json"})
        with urllib.request.urlopen(req, timeout=min(15.0, ctx.options.command_timeout)) as resp:
            status, body = resp.status, resp.read(4 * 1024 * 1024)
    except urllib.error.HTTPError as exc:
        status, body, error = exc.code, exc.read(65536) if exc.fp else b"", f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
    answer, text = decode_answer(status, body)
    if status == 200 and answer is None:
        error = "the answer is not wsgidoctor_probe.wsgi's JSON"
    entry: dict[str, Any] = {"path": urlsplit(url).path or "/", "host": urlsplit(url).netloc,
                             "status": status, "answer": answer, "error": error,
                             "observed": observed(answer), "expected": {}, "mismatches": {},
                             "duration_ms": round((time.monotonic() - start) * 1000, 1)}
    if answer is None and text:
        entry["text"] = text[:2000]
    # the mount this URL reaches, if the configuration has it: compare with the prediction
    path = entry["path"]
    best = None
    for m in ctx.fact("config.mounts") or ():
        u = m.get("url") or ""
        if not m.get("match") and (path == u or path.startswith(u.rstrip("/") + "/") or u == "/"):
            if best is None or len(u) > len(best.get("url") or ""):
                best = m
    if best is not None:
        entry["expected"] = {k: best.get(k) for k in _WSGI_KEYS}
        if answer:
            entry["mismatches"] = mismatches(entry["expected"], entry["observed"])
    return {"mode": "url", "url": url, "mounts": [entry], "error": error, "error_log": [],
            "notes": [], "duration_ms": entry["duration_ms"]}


def run(ctx: ProbeContext) -> ProbeOutput:
    out = ProbeOutput()
    if ctx.options.url:
        live = _url_mode(ctx, ctx.options.url)
    elif ctx.options.live or "live" in (ctx.options.extra.get("enable_probes") or ()):
        live = _live_mode(ctx, out)
    else:
        raise NotApplicable("runs only with --live or --url")
    emulated = ctx.fact("wsgi")
    if isinstance(emulated, dict):  # what the hosting program said, before live answers replace it
        snapshot = {k: v for k, v in emulated.items() if isinstance(v, dict) and v.get("source") == "emulated"}
        if snapshot:
            live["emulated"] = snapshot
    out.facts["live"] = live
    first = next((m for m in live["mounts"] if m.get("answer")), None)
    if first is not None:
        out.facts["wsgi"] = {k: {"value": v, "source": "live"} for k, v in first["observed"].items()}
    return out


PROBE = Probe(name="live", run=run, needs=("discovery", "config", "linkage"), timeout=90.0, default=False,
              description="asks the real mod_wsgi: a throwaway Apache (--live) or the user's probe URL (--url)")
