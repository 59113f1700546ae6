"""JUnit XML for CI systems: one test suite per host, one test case per check and per finding id.

A *check* is one of wsgidoctor's probes (what it examined): it passes when the probe ran, is
skipped when there was nothing for it to examine, and errors when the probe failed or timed out.
Each finding id is a test case too: it fails when the finding is at or above ``fail_on`` (the
failure's text carries the detail and the fix), and passes otherwise (a note). The document
validates against Apache Ant's JUnit schema (fixtures/junit/JUnit.xsd); it works from report
JSON dicts, so a saved report renders like a fresh one.
"""

from __future__ import annotations

import re
from typing import Any, Iterable
from xml.sax.saxutils import escape, quoteattr

SEVERITY_RANK = {"error": 2, "warning": 1, "info": 0}
FAIL_RANK = {"warning": 1, "error": 2, "never": 3}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})")
PROPERTIES = (("apache.version", "apache.version"), ("apache.mpm", "apache.mpm.name"),
              ("mod_wsgi.version", "mod_wsgi.version"),
              ("python.library", "linkage.python_library.python_version"))


def _clean(text: Any) -> str:
    """Text XML 1.0 can carry: control characters are dropped."""
    return _CONTROL.sub("", str(text if text is not None else ""))


def _attr(value: Any) -> str:
    return quoteattr(_clean(value))


def _token(value: Any) -> str:
    """An ``xs:token``: no leading, trailing or doubled white space, never empty."""
    return " ".join(_clean(value).split()) or "unknown"


def _timestamp(report: dict[str, Any]) -> str:
    match = _TIMESTAMP.match(str(report.get("generated_at") or ""))
    return match.group(1) if match else "1970-01-01T00:00:00"


def _get(facts: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(facts, dict):
            return None
        facts = facts.get(part)
    return facts


def _case(name: str, classname: str, seconds: float, body: str = "") -> str:
    head = f'    <testcase name={_attr(_token(name))} classname={_attr(_token(classname))} time="{seconds:.3f}"'
    return head + (f">\n{body}    </testcase>" if body else "/>")


def _finding_text(group: list[dict[str, Any]]) -> str:
    parts = []
    for f in group:
        parts.append(str(f.get("detail") or ""))
        for ev in f.get("evidence") or []:
            if isinstance(ev, dict):
                where = f"{ev.get('source')}:{ev.get('line')}" if ev.get("line") else str(ev.get("source") or "")
                parts.append(f"  evidence: {where}  {ev.get('text') or ''}".rstrip())
    fix = str(group[0].get("fix") or "")
    if fix:
        parts.append(f"Fix: {fix}")
    return "\n".join(p for p in parts if p)


def suite(host: str, report: dict[str, Any], index: int, fail_on: str = "warning") -> str:
    """One ``<testsuite>`` for one host's report."""
    threshold = FAIL_RANK.get(fail_on, 1)
    cases: list[str] = []
    failures = errors = skipped = 0
    classname = f"wsgidoctor.{host}"
    total_ms = 0.0
    for probe in report.get("probes") or []:
        if not isinstance(probe, dict):
            continue
        seconds = float(probe.get("duration_ms") or 0) / 1000.0
        total_ms += float(probe.get("duration_ms") or 0)
        status = str(probe.get("status") or "")
        body = ""
        if status in ("failed", "timeout"):
            errors += 1
            message = probe.get("error") or f"the probe {status}"
            body = f"      <error type={_attr('probe-' + status)} message={_attr(message)}>{escape(_clean(message))}</error>\n"
        elif status in ("not_applicable", "skipped"):
            skipped += 1
            body = "      <skipped/>\n"
        cases.append(_case(f"check {probe.get('name')}", f"{classname}.checks", seconds, body))
    by_id: dict[str, list[dict[str, Any]]] = {}
    for f in report.get("findings") or []:
        if isinstance(f, dict) and f.get("id"):
            by_id.setdefault(str(f["id"]), []).append(f)
    for fid, group in by_id.items():
        worst = max(group, key=lambda f: SEVERITY_RANK.get(str(f.get("severity")), 0))
        severity = str(worst.get("severity") or "info")
        section = str(worst.get("section") or "general")
        body = ""
        if SEVERITY_RANK.get(severity, 0) >= threshold:
            failures += 1
            message = f"{severity}: {worst.get('title') or fid}"
            body = (f"      <failure type={_attr(fid)} message={_attr(message)}>"
                    f"{escape(_clean(_finding_text(group)))}</failure>\n")
        cases.append(_case(f"finding {fid}", f"{classname}.{section}", 0.0, body))
    facts = report.get("facts") if isinstance(report.get("facts"), dict) else {}
    props = [f'      <property name={_attr(name)} value={_attr(_get(facts, path))}/>'
             for name, path in PROPERTIES if _get(facts, path) is not None]
    props.append(f'      <property name="wsgidoctor.status" value={_attr((report.get("summary") or {}).get("status") or "")}/>')
    notes = "\n".join(str(n) for n in report.get("notes") or [])
    lines = [f"  <testsuite name={_attr(_token(host))} package={_attr(_token('wsgidoctor.' + host))} id=\"{index}\" "
             f"timestamp=\"{_timestamp(report)}\" hostname={_attr(_token(host))} tests=\"{len(cases)}\" "
             f"failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{total_ms / 1000.0:.3f}\">",
             "    <properties>", *props, "    </properties>", *cases,
             f"    <system-out>{escape(_clean(notes))}</system-out>", "    <system-err></system-err>",
             "  </testsuite>"]
    return "\n".join(lines)


def render_junit(reports: Iterable[tuple[str, dict[str, Any]]], fail_on: str = "warning") -> str:
    """A ``<testsuites>`` document: one suite per ``(host, report JSON)``."""
    suites = [suite(host, report, i, fail_on) for i, (host, report) in enumerate(reports)]
    return "\n".join(['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>", *suites, "</testsuites>"]) + "\n"


def local_host_name(redact_hosts: bool = False) -> str:
    """The suite name for this machine's own report (``localhost`` when host names are redacted)."""
    if redact_hosts:
        return "localhost"
    import socket

    try:
        return socket.gethostname() or "localhost"
    except OSError:
        return "localhost"
