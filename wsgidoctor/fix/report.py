"""What ``wsgidoctor fix`` prints: the fixes as diffs and commands, the findings without a
mechanical fix, and the outcome of --verify / --apply. A renderer: it runs nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional

from wsgidoctor.core.fixes import Fix
from wsgidoctor.fix.apply import Applied
from wsgidoctor.fix.plan import FileChange
from wsgidoctor.fix.verify import Verification


@dataclass
class FixReport:
    findings: list[dict[str, Any]]  # the report's error/warning findings: id, severity, title
    fixes: list[Fix]
    changes: list[FileChange]
    without: list[str]  # finding ids with no mechanical fix
    problems: list[str] = field(default_factory=list)
    verification: Optional[Verification] = None
    applied: Optional[Applied] = None

    def to_json(self) -> dict[str, Any]:
        return {"findings": self.findings, "fixes": [f.to_json() for f in self.fixes],
                "diffs": {c.path: c.diff for c in self.changes}, "no_mechanical_fix": self.without,
                "problems": self.problems,
                "verification": self.verification.to_json() if self.verification else None,
                "applied": self.applied.to_json() if self.applied else None}


def render_json(r: FixReport) -> str:
    return json.dumps(r.to_json(), indent=2) + "\n"


def render_text(r: FixReport) -> str:
    out: list[str] = []
    if not r.findings:
        return "No warning or error: nothing to fix.\n"
    for f in r.fixes:
        out.append(f"* {f.finding_id}: {f.summary}")
        for c in f.commands:
            out.append(f"    $ {c}")
    if r.changes:
        out += ["", "The change, as a unified diff:", ""]
        out += [c.diff.rstrip("\n") for c in r.changes]
    if r.without:
        out += ["", "No mechanical fix (see `wsgidoctor explain ID` for what to do by hand): " + ", ".join(r.without)]
    out += [f"problem: {p}" for p in r.problems]
    v = r.verification
    if v is not None:
        out += ["", "Verification on a throwaway copy (your files untouched):"]
        if not v.ran:
            out.append(f"  not run: {v.error}")
        else:
            if v.gone:
                out.append("  gone: " + ", ".join(v.gone))
            for m in v.mounts:
                out.append(f"  live: {m.get('vhost') or ''}{m.get('url')} answered {m.get('status')}"
                           + (f" (process group {m['process_group']!r}, application group {m['application_group']!r})"
                              if m.get("status") == 200 else f" ({m.get('error')})"))
            for f in v.remaining:
                out.append(f"  still: [{f['severity']}] {f['id']}")
            for p in v.unverifiable:
                out.append(f"  not verifiable on the copy (outside ServerRoot): {p}")
            if v.error:
                out.append(f"  {v.error}")
            out.append("  => healthy" if v.healthy else "  => not healthy yet")
    a = r.applied
    if a is not None:
        out += [""]
        if a.ok:
            out.append("Applied: " + ", ".join(a.written))
            out += [f"  backup of {p}: {b}" for p, b in a.backups.items() if b]
            out.append("  configuration test after: Syntax OK")
        else:
            out.append("Not applied" + (f": {a.error}" if a.error else "") +
                       (": the configuration test failed after the change, every file was restored\n  "
                        + (a.test_after or "") if a.restored and a.test_after else ""))
    return "\n".join(out) + "\n"
