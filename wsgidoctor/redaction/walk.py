"""Apply a function to every string of a report, building a new report (the original is untouched)."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterator, Optional

from wsgidoctor.core.model import Evidence, Finding, ProbeRun, RawOutput, Report

Fn = Callable[[str], str]


def map_value(node: Any, fn: Fn) -> Any:
    """A copy of a JSON-like value with ``fn`` applied to every string, dict keys included."""
    if isinstance(node, str):
        return fn(node)
    if isinstance(node, dict):
        return {(fn(k) if isinstance(k, str) else k): map_value(v, fn) for k, v in node.items()}
    if isinstance(node, list):
        return [map_value(v, fn) for v in node]
    if isinstance(node, tuple):
        return tuple(map_value(v, fn) for v in node)
    return node


def _evidence(e: Evidence, fn: Fn) -> Evidence:
    return dataclasses.replace(e, source=fn(e.source), text=fn(e.text))


def _finding(f: Finding, fn: Fn) -> Finding:
    return dataclasses.replace(f, title=fn(f.title), detail=fn(f.detail), fix=fn(f.fix),
                               evidence=tuple(_evidence(e, fn) for e in f.evidence))


def _raw(r: RawOutput, fn: Fn) -> RawOutput:
    return dataclasses.replace(r, source=fn(r.source), text=fn(r.text))


def _probe(p: ProbeRun, fn: Fn) -> ProbeRun:
    return dataclasses.replace(p, error=fn(p.error) if isinstance(p.error, str) else p.error)


def map_report(report: Report, fn: Fn, *, facts: Optional[Callable[[Any], Any]] = None) -> Report:
    """A new report with ``fn`` applied to every string it holds (``facts`` may walk the facts)."""
    return dataclasses.replace(
        report,
        facts=facts(report.facts) if facts is not None else map_value(report.facts, fn),
        findings=[_finding(f, fn) for f in report.findings],
        probes=[_probe(p, fn) for p in report.probes],
        raw=[_raw(r, fn) for r in report.raw],
        notes=[fn(n) if isinstance(n, str) else n for n in report.notes],
        redaction=dict(report.redaction),
    )


def iter_strings(report: Report) -> Iterator[str]:
    """Every string outside the facts, in report order (raw outputs, findings, notes, probe errors)."""
    for r in report.raw:
        yield r.source
        yield r.text
    for f in report.findings:
        yield f.title
        yield f.detail
        yield f.fix
        for e in f.evidence:
            yield e.source
            yield e.text
    yield from (n for n in report.notes if isinstance(n, str))
    yield from (p.error for p in report.probes if isinstance(p.error, str))


def iter_all_strings(report: Report) -> Iterator[str]:
    """Every string :func:`map_report` applies its function to: the facts' (dict keys included) and the rest."""
    stack: list[Any] = [report.facts]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for k, v in node.items():
                if isinstance(k, str):
                    yield k
                stack.append(v)
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
    yield from iter_strings(report)
