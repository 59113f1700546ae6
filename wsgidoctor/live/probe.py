"""Probe "live": ask the real mod_wsgi, through a throwaway server or a probe the user mounted.

Only with ``--live`` (a throwaway httpd on 127.0.0.1 with the user's httpd, mod_wsgi.so and
WSGI directives, see ``wsgidoctor.live``) or ``--url URL`` (the user mounted
``wsgidoctor_probe.wsgi`` in the real site). Facts: ``live.{mode, url, mounts[], error_log[],
error, duration_ms}``; and ``wsgi.{process_group, application_group, multithread,
multiprocess}`` as ``{value, source: "live"}`` from the first answer, and ``python.*`` (source
``live``) from it when the hosting program gave none.
"""

from __future__ import annotations

import os
import time
from typing import Any, Optional

from wsgidoctor.core.model import RawOutput
from wsgidoctor.core.hookspec import NotApplicable, Probe, ProbeContext, ProbeOutput

#: The probe application: a WSGI script answering with what mod_wsgi sees (served as wsgidoctor_probe.wsgi).
PROBE_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe_app.wsgi")
#: Seconds to wait for each probe answer (``Options.extra["live_request_timeout"]`` overrides).
REQUEST_TIMEOUT = 8.0
_WSGI_KEYS = {"process_group": "mod_wsgi.process_group",
              "application_group": "mod_wsgi.application_group",
              "multithread": "wsgi.multithread", "multiprocess": "wsgi.multiprocess"}


def _from_wsgi_str(value: Any) -> Any:
    """A WSGI environ string (bytes decoded as Latin-1, PEP 3333) as the UTF-8 text it carries."""
    if isinstance(value, str) and not value.isascii():
        try:
            return value.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return value
    return value


def observed(answer: Optional[dict[str, Any]]) -> dict[str, Any]:
    """process group, application group and threading flags from a probe answer."""
    environ = (answer or {}).get("environ") or {}
    return {k: _from_wsgi_str(environ.get(v)) for k, v in _WSGI_KEYS.items()}


def mismatches(expected: dict[str, Any], got: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Where a prediction and the answer differ (predictions that are None are not compared)."""
    return {k: {"predicted": v, "live": got.get(k)} for k, v in expected.items()
            if v is not None and got.get(k) != v}


def _facts(ctx: ProbeContext) -> dict[str, Any]:
    """The fact sections the live setup reads (the probe context gives them by path)."""
    return {key: ctx.fact(key) for key in ("config", "install", "apache", "linkage", "mod_wsgi")}


# Kept for callers that used them before wsgidoctor.live.setup existed.
def _root_relative(path: str, root: str) -> str:
    from wsgidoctor.live.setup import root_relative

    return root_relative(path, root)


def _model(ctx: ProbeContext) -> Any:
    from wsgidoctor.live.setup import model_from_facts

    return model_from_facts(_facts(ctx))


def _guard(ctx: ProbeContext, model: Any) -> Any:
    from wsgidoctor.live.setup import guard_for

    return guard_for(_facts(ctx), model)


def _live_mode(ctx: ProbeContext, out: ProbeOutput) -> dict[str, Any]:
    from wsgidoctor.live.server import run_live
    from wsgidoctor.live.setup import LiveUnavailable, setup_from_facts

    try:
        setup = setup_from_facts(_facts(ctx), httpd=ctx.options.httpd)
    except LiveUnavailable as exc:
        raise NotApplicable(str(exc)) from None
    the_plan, mounts = setup.plan, setup.mounts
    if not the_plan.requests:
        return {"mode": "throwaway", "url": None, "mounts": [], "error": None, "error_log": [],
                "notes": the_plan.notes, "duration_ms": 0.0, "leftover_pids": [], "tmp_dirs": []}
    timeout = float(ctx.options.extra.get("live_request_timeout") or REQUEST_TIMEOUT)
    result = run_live(setup.httpd, the_plan, PROBE_SCRIPT, env=setup.env, guard=setup.guard,
                      request_timeout=timeout)
    out.raw.append(RawOutput(kind="live-httpd.conf", source="wsgidoctor live server", text=result.config_text))
    out.raw.append(RawOutput(kind="live-errorlog", source="wsgidoctor live server error log",
                             text="\n".join(result.error_log)))
    answers = []
    for a in result.answers:
        _drop_own_home(a.body, result.tmp_dirs)
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
            "tmp_dirs": result.tmp_dirs, "prediction_version": ".".join(map(str, setup.version))}


def _drop_own_home(answer: Optional[dict[str, Any]], tmp_dirs: list[str]) -> None:
    """Not as root the daemons' home is the throwaway directory, which mod_wsgi puts on sys.path:
    that entry is wsgidoctor's doing, not the installation's."""
    python = (answer or {}).get("python")
    if isinstance(python, dict) and isinstance(python.get("path"), list) and tmp_dirs:
        python["path"] = [p for p in python["path"]
                          if not (isinstance(p, str) and any(p == d or p.startswith(d + "/") for d in tmp_dirs))]


def _url_mode(ctx: ProbeContext, url: str) -> dict[str, Any]:
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    from wsgidoctor.live.server import decode_answer

    class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
        """Follow redirects to http/https only (urllib's own handler also follows ftp://)."""

        def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
            if urlsplit(newurl).scheme.lower() not in ("http", "https"):
                raise urllib.error.URLError(f"refused a redirect to {urlsplit(newurl).scheme}:// (http/https only)")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    start = time.monotonic()
    status, body, error = None, b"", None
    try:
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise ValueError("only http:// and https:// URLs are asked")
        req = urllib.request.Request(url, headers={"User-Agent": "wsgidoctor", "Accept": "application/json"})
        opener = urllib.request.build_opener(_HttpOnlyRedirects)
        with opener.open(req, timeout=min(15.0, ctx.options.command_timeout)) as resp:
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
        entry["mount"] = {"file": best.get("file"), "line": best.get("line")}
        entry["vhost"] = best.get("vhost")
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
        python = (first.get("answer") or {}).get("python")
        if isinstance(python, dict) and python and not ctx.fact("python.version"):
            # the emulation could not run (no hosting program, static libpython): the live
            # server is the only one that saw Python, so its answer is the Python section
            observed_groups = first.get("observed") or {}
            out.facts["python"] = {**python, "source": "live",
                                   "process_group": observed_groups.get("process_group"),
                                   "application_group": observed_groups.get("application_group")}
    return out


PROBE = Probe(name="live", run=run, needs=("discovery", "httpd_version", "config", "linkage", "hosting"), timeout=90.0, default=False,
              description="asks the real mod_wsgi: a throwaway Apache (--live) or the user's probe URL (--url)")
