"""Compare many hosts' reports: worst hosts first, findings by id, and versions that differ.

Everything is computed from the reports' JSON (facts and findings); nothing is run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.fleet.inputs import FleetInputs, HostReport

SEVERITY_RANK = {"error": 2, "warning": 1, "info": 0, "ok": 0}

#: What hosts that should be alike are compared on: (label, fact path).
COMPARED: tuple[tuple[str, str], ...] = (
    ("Apache", "apache.version"),
    ("MPM", "apache.mpm.name"),
    ("mod_wsgi", "mod_wsgi.version"),
    ("mod_wsgi compiled for Python", "mod_wsgi.python_compiled"),
    ("Python (libpython)", "linkage.python_library.python_version"),
    ("Accept mutex", "mutex.effective.apache"),
)
UNKNOWN = "unknown"


@dataclass(frozen=True)
class HostSummary:
    """One host's line in the fleet view."""

    host: str
    source: str
    status: str  # ok, warning, error
    counts: dict[str, int]
    versions: dict[str, Optional[str]]  # label -> value, for COMPARED
    finding_ids: tuple[str, ...]
    generated_at: str = ""
    tool_version: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"host": self.host, "source": self.source, "status": self.status, "counts": self.counts,
                "versions": self.versions, "findings": list(self.finding_ids),
                "generated_at": self.generated_at, "tool_version": self.tool_version}


@dataclass(frozen=True)
class FindingGroup:
    """One finding id and every host that has it."""

    id: str
    severity: str
    title: str
    fix: str
    hosts: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "severity": self.severity, "title": self.title, "fix": self.fix,
                "hosts": list(self.hosts)}


@dataclass(frozen=True)
class Difference:
    """A compared value that is not the same on every host: each value with its hosts."""

    label: str
    path: str
    values: dict[str, tuple[str, ...]]  # value (or "unknown") -> hosts, most common first

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "fact": self.path,
                "values": [{"value": v, "hosts": list(h)} for v, h in self.values.items()]}


@dataclass
class FleetView:
    """The whole fleet: hosts worst first, findings grouped by id, differences, input problems."""

    hosts: list[HostSummary] = field(default_factory=list)
    findings: list[FindingGroup] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # host -> report JSON

    @property
    def status(self) -> str:
        """The worst host's status (``ok`` for an empty fleet)."""
        return max((h.status for h in self.hosts), key=lambda s: SEVERITY_RANK[s], default="ok")

    def counts(self) -> dict[str, int]:
        """How many hosts are ok, have warnings, have errors."""
        out = {"ok": 0, "warning": 0, "error": 0}
        for h in self.hosts:
            out[h.status] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {"fleet_version": "1.0", "status": self.status, "hosts_by_status": self.counts(),
                "hosts": [h.to_json() for h in self.hosts],
                "findings": [g.to_json() for g in self.findings],
                "differences": [d.to_json() for d in self.differences],
                "problems": list(self.problems)}


def report_status(report: dict[str, Any]) -> str:
    """``ok``, ``warning`` or ``error``: the worst non-info finding of a report."""
    ranks = [SEVERITY_RANK.get(str(f.get("severity")), 0) for f in findings_of(report)]
    worst = max(ranks, default=0)
    return {2: "error", 1: "warning"}.get(worst, "ok")


def findings_of(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings of a report JSON that are well-formed dicts."""
    return [f for f in report.get("findings") or [] if isinstance(f, dict) and f.get("id")]


def _text(value: Any) -> Optional[str]:
    if value is None or value == "":
        return None
    return str(value)


def _summary(item: HostReport) -> HostSummary:
    report = item.report
    facts = report.get("facts") if isinstance(report.get("facts"), dict) else {}
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in findings_of(report):
        sev = str(f.get("severity"))
        if sev in counts:
            counts[sev] += 1
    return HostSummary(
        host=item.host, source=item.source, status=report_status(report), counts=counts,
        versions={label: _text(F.get(facts, path)) for label, path in COMPARED},
        finding_ids=tuple(dict.fromkeys(str(f["id"]) for f in findings_of(report))),
        generated_at=str(report.get("generated_at") or ""),
        tool_version=str((report.get("tool") or {}).get("version") or ""))


def _groups(items: list[HostReport], order: list[str]) -> list[FindingGroup]:
    first: dict[str, dict[str, Any]] = {}
    hosts: dict[str, list[str]] = {}
    for item in items:
        for f in findings_of(item.report):
            fid = str(f["id"])
            if fid not in first or SEVERITY_RANK.get(str(f.get("severity")), 0) > SEVERITY_RANK.get(
                    str(first[fid].get("severity")), 0):
                first[fid] = f
            if item.host not in hosts.setdefault(fid, []):
                hosts[fid].append(item.host)
    groups = [FindingGroup(fid, str(f.get("severity") or "info"), str(f.get("title") or ""),
                           str(f.get("fix") or ""), tuple(sorted(hosts[fid], key=order.index)))
              for fid, f in first.items()]
    groups.sort(key=lambda g: (-SEVERITY_RANK.get(g.severity, 0), -len(g.hosts), g.id))
    return groups


def _differences(summaries: list[HostSummary]) -> list[Difference]:
    out = []
    for label, path in COMPARED:
        by_value: dict[str, list[str]] = {}
        for s in summaries:
            by_value.setdefault(s.versions.get(label) or UNKNOWN, []).append(s.host)
        if len(by_value) > 1:
            ordered = sorted(by_value.items(), key=lambda kv: (kv[0] == UNKNOWN, -len(kv[1]), kv[0]))
            out.append(Difference(label, path, {v: tuple(h) for v, h in ordered}))
    return out


def build_view(inputs: FleetInputs) -> FleetView:
    """The fleet view of every report read."""
    summaries = [_summary(item) for item in inputs.hosts]
    summaries.sort(key=lambda s: (-SEVERITY_RANK[s.status], -s.counts["error"], -s.counts["warning"], s.host))
    order = [s.host for s in summaries]
    return FleetView(hosts=summaries, findings=_groups(inputs.hosts, order),
                     differences=_differences(summaries) if len(summaries) > 1 else [],
                     problems=list(inputs.problems),
                     reports={item.host: item.report for item in inputs.hosts})
