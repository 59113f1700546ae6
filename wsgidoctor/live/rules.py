"""Rules for the live probe (``probes/live.py``): failures, and emulation versus reality.

``live.mounts[]`` holds what each request to the throwaway server (or to ``--url``) returned,
``live.error_log`` that server's error log; ``hosting.runs[]`` the hosting program's emulation of
the same mounts. A failure is reported with the error log lines that explain it.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.core.model import Evidence, Finding, Severity
from wsgidoctor.core.catalogue import finding, rule
from wsgidoctor.core.lazyre import lazy_re

SECTION = "live"

FAILED = finding(
    "live-probe-failed", Severity.ERROR, SECTION,
    "The live probe through the real mod_wsgi did not answer",
    """wsgidoctor started a throwaway Apache with your httpd, your mod_wsgi.so and your WSGI
    directives (or asked the probe URL you gave) and requested the probe application at your
    mounts. It did not get the probe's answer: the server did not start, a request failed, or it
    timed out. What the real server does with the same configuration is very likely the same;
    the error log lines quoted are the explanation Apache and mod_wsgi gave.""",
    "Read the quoted error log lines: they name the cause (a Python that cannot start, a daemon "
    "socket that cannot be reached, a module that refuses to load...). The other findings of "
    "this report usually say how to fix it; then run `wsgidoctor check --live` again.",
)
DISAGREE = finding(
    "emulation-live-disagree", Severity.WARNING, SECTION,
    "The hosting program's emulation differs from what the real mod_wsgi reports",
    """Without --live, wsgidoctor learns about the Python your applications get by loading the
    same libpython with the same settings in its hosting program. The live probe asked the real
    mod_wsgi, and some answers differ. Something the emulation does not reproduce is at work:
    environment variables set by the service manager, a mod_wsgi built differently from what its
    version suggests, a WSGIDispatchScript, or a Python installation changed meanwhile. The live
    answers are the ones that count.""",
    "Trust the live values. If you rely on the report without --live (for example in CI), look "
    "at what differs and report it to wsgidoctor with both reports attached.",
)

#: Error log lines that explain a failure, most telling first.
_EXPLAINS = [lazy_re(p, re.I) for p in (
    r"Fatal Python error|No module named|ModuleNotFoundError|ImportError|Traceback",
    r"can not be used in conjunction|Cannot load|Address already in use|could not bind|Syntax error",
    r"\[(?:[\w]+:)?(?:error|crit|alert|emerg)\]|Permission denied|Unable to|[Cc]annot |not found",
    r"has died|Timeout when reading|Truncated or oversized|AH00016|AH00072|AH00526|mod_python",
)]
_LEVEL = lazy_re(r"^\[[^\]]*\] (?:\[[^\]]*\] )*")


def explaining_lines(log: Iterable[str], limit: int = 10) -> list[str]:
    """The error log lines that explain a failure, most telling first, without repeats."""
    ranked: list[tuple[int, int, str]] = []
    seen: set[str] = set()
    for i, line in enumerate(log):
        key = _LEVEL.sub("", line).strip()
        if not key or key in seen:
            continue
        for rank, pattern in enumerate(_EXPLAINS):
            if pattern.search(line):
                seen.add(key)
                ranked.append((rank, -i, line))
                break
    ranked.sort()
    return [line for _, _, line in ranked[:limit]]


def _log_evidence(lines: list[str]) -> list[Evidence]:
    return [Evidence("live server error log", line) for line in lines]


@rule
def live_probe_failed(facts: dict[str, Any]) -> Iterable[Finding]:
    live = F.get(facts, "live")
    if not isinstance(live, dict):
        return
    log = [str(l) for l in live.get("error_log") or ()]
    lines = explaining_lines(log)
    mode = "the probe URL" if live.get("mode") == "url" else "the throwaway server"
    if live.get("error"):
        quoted = (" The error log says: " + " | ".join(_LEVEL.sub("", l) for l in lines[:4])) if lines else ""
        yield FAILED.make(f"{mode.capitalize()} failed: {live['error']}.{quoted}",
                          _log_evidence(lines) or [Evidence(str(live.get("url") or "live"), str(live["error"]))])
        return
    for m in live.get("mounts") or ():
        if not isinstance(m, dict) or m.get("answer"):
            continue
        path = str(m.get("path") or "")
        related = lines
        status = f"HTTP {m.get('status')}" if m.get("status") else (m.get("error") or "no answer")
        quoted = (" The error log says: " + " | ".join(_LEVEL.sub("", l) for l in related[:4])) if related else ""
        yield FAILED.make(
            f"The probe at {path} ({m.get('vhost') or m.get('host')}) on {mode} got {status}"
            f"{'' if status == m.get('error') or not m.get('error') else ' (' + str(m.get('error')) + ')'}.{quoted}",
            _log_evidence(related[:6]) or [Evidence(str(live.get("url") or "live"), status)])


_PY_KEYS = ("version", "prefix", "base_prefix", "venv", "path")
_WSGI_KEYS = ("process_group", "application_group", "multithread", "multiprocess")


def _matching_run(runs: list[dict[str, Any]], entry: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    """The emulated run of the mount this live answer came from: the same mount, else the run of
    the mount's predicted process and application group (mounts sharing both share the
    interpreter: the hosting program runs each pair once)."""
    mount = entry.get("mount") or {}
    for r in runs:
        rm = r.get("mount") or {}
        if mount and rm and rm.get("file") == mount.get("file") and rm.get("line") == mount.get("line") \
                and (rm.get("vhost") in (None, entry.get("vhost"))):
            return r
    if entry.get("mount_index", 0) == -1 or not mount:
        found = next((r for r in runs if r.get("mount") is None), None)
        if found is not None:
            return found
    expected = entry.get("expected") or {}
    pg, ag = expected.get("process_group"), expected.get("application_group")
    if isinstance(pg, str) and isinstance(ag, str):
        return next((r for r in runs if (r.get("process_group"), r.get("application_group")) == (pg, ag)), None)
    return None


def _short_version(v: Any) -> Any:
    return str(v).split()[0] if isinstance(v, str) else v


def _difference(key: str, emulated: Any, live: Any) -> str:
    """One difference in words; for lists (sys.path) the entries only one side has come first."""
    text = f"{key}: emulated {emulated!r}, live {live!r}"
    if isinstance(emulated, list) and isinstance(live, list):
        only_emulated = [p for p in emulated if p not in live]
        only_live = [p for p in live if p not in emulated]
        parts = ([f"only the emulation has {only_emulated!r}"] if only_emulated else []) + \
                ([f"only the live server has {only_live!r}"] if only_live else [])
        if parts:
            text = f"{key}: {', '.join(parts)} (emulated {emulated!r}, live {live!r})"
    return text


@rule
def emulation_live_disagree(facts: dict[str, Any]) -> Iterable[Finding]:
    live = F.get(facts, "live")
    runs = [r for r in F.get(facts, "hosting.runs") or () if isinstance(r, dict) and r.get("python")]
    if not isinstance(live, dict) or not runs:
        return
    for entry in live.get("mounts") or ():
        if not isinstance(entry, dict) or not isinstance(entry.get("answer"), dict):
            continue
        run = _matching_run(runs, entry)
        if run is None:
            continue
        real_py = entry["answer"].get("python") or {}
        emu_py = run.get("python") or {}
        diffs: list[tuple[str, Any, Any]] = []
        for key in _PY_KEYS:
            a, b = emu_py.get(key), real_py.get(key)
            if key == "version":
                a, b = _short_version(a), _short_version(b)
            if a is not None and b is not None and a != b:
                diffs.append((f"sys.{key}" if key != "venv" else "virtual environment", a, b))
        observed = entry.get("observed") or {}
        for key in _WSGI_KEYS:
            a, b = run.get(key), observed.get(key)
            if a is not None and b is not None and a != b:
                diffs.append((key.replace("_", " "), a, b))
        if not diffs:
            continue
        where = f"{entry.get('path')} ({entry.get('vhost')})"
        listed = "; ".join(_difference(k, a, b) for k, a, b in diffs)
        evidence = [Evidence("hosting program", f"{k} = {a!r}") for k, a, _ in diffs] + \
                   [Evidence("live probe", f"{k} = {b!r}") for k, _, b in diffs]
        yield DISAGREE.make(f"For {where}: {listed}.", evidence)
