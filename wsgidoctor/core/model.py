"""The report model: plain frozen dataclasses that probes, rules and renderers share.

Nothing here prints or runs anything. Facts are a nested, JSON-compatible dict (see
:mod:`wsgidoctor.core.facts`); everything else is a dataclass with a ``to_json`` method.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Optional


class Severity(str, enum.Enum):
    """How bad a finding is. ``info`` never changes the exit code."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


class ProbeStatus(str, enum.Enum):
    """What happened when a probe ran."""

    OK = "ok"
    NOT_APPLICABLE = "not_applicable"  # nothing to look at here (e.g. no apxs installed)
    FAILED = "failed"  # the probe raised; the message is in ``error``
    TIMEOUT = "timeout"  # the probe did not finish within its time limit
    SKIPPED = "skipped"  # switched off by the user


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence behind a finding: where it came from and what it said."""

    source: str  # a command ("apache2ctl -V"), a file ("/etc/apache2/apache2.conf"), a fact path
    text: str = ""
    line: Optional[int] = None

    def __post_init__(self) -> None:
        # Rules quote facts; facts from a saved report may hold any JSON value where a path was.
        for name in ("source", "text"):
            value = getattr(self, name)
            if not isinstance(value, str):
                object.__setattr__(self, name, "" if value is None else str(value))
        if self.line is not None and (isinstance(self.line, bool) or not isinstance(self.line, int)):
            object.__setattr__(self, "line", None)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "line": self.line, "text": self.text}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Evidence":
        return cls(source=str(data.get("source", "")), text=str(data.get("text") or ""),
                   line=data.get("line"))


@dataclass(frozen=True)
class Finding:
    """A diagnosis: what is wrong (or notable), why, and how to fix it."""

    id: str  # stable kebab-case slug, e.g. "libpython-not-found"
    severity: Severity
    title: str  # one line
    detail: str  # what was seen, citing the evidence
    fix: str  # what a person should do
    section: str = "general"
    evidence: tuple[Evidence, ...] = ()

    def __post_init__(self) -> None:
        for name in ("title", "detail", "fix"):  # text built from facts of a saved report: any JSON value
            value = getattr(self, name)
            if not isinstance(value, str):
                object.__setattr__(self, name, "" if value is None else str(value))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity.value,
            "section": self.section,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
            "evidence": [e.to_json() for e in self.evidence],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Finding":
        return cls(
            id=str(data["id"]), severity=Severity(data["severity"]), title=str(data.get("title", "")),
            detail=str(data.get("detail", "")), fix=str(data.get("fix", "")),
            section=str(data.get("section", "general")),
            evidence=tuple(Evidence.from_json(e) for e in data.get("evidence") or ()),
        )


@dataclass(frozen=True)
class ProbeRun:
    """The record of one probe's run, kept in the report whatever happened."""

    name: str
    status: ProbeStatus
    duration_ms: float = 0.0
    error: Optional[str] = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status.value,
                "duration_ms": round(self.duration_ms, 1), "error": self.error}


@dataclass(frozen=True)
class RawOutput:
    """A raw command output or file content, kept so a report can be re-analysed later.

    ``kind`` names the parser that understands it (``httpd-V``, ``httpd-M``, ``apr.h``...).
    """

    kind: str
    source: str
    text: str
    exit_code: Optional[int] = None
    truncated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "source": self.source, "exit_code": self.exit_code,
                "truncated": self.truncated, "text": self.text}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "RawOutput":
        return cls(kind=str(data.get("kind", "")), source=str(data.get("source", "")),
                   text=str(data.get("text") or ""), exit_code=data.get("exit_code"),
                   truncated=bool(data.get("truncated", False)))


@dataclass
class Report:
    """Everything wsgidoctor knows: facts, findings, how each probe went and the raw inputs."""

    mode: str  # "check", "report", "analyze"
    facts: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    probes: list[ProbeRun] = field(default_factory=list)
    raw: list[RawOutput] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # messages about the run itself
    generated_at: str = ""
    redaction: dict[str, Any] = field(default_factory=lambda: {"applied": False, "rules": []})

    def __repr__(self) -> str:  # short, so pytest's locals and assertion messages stay readable
        c = self.counts()
        return (f"<Report {self.mode}: {c['error']} errors, {c['warning']} warnings, {c['info']} notes; "
                f"{len(self.probes)} probes, {len(self.raw)} raw outputs>")

    @property
    def worst(self) -> Optional[Severity]:
        ranked = [f.severity for f in self.findings if f.severity is not Severity.INFO]
        return max(ranked, key=lambda s: s.rank) if ranked else None

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out
