"""The JSON report: stable, versioned, and validated against the shipped JSON Schema.

``schema_version`` is MAJOR.MINOR: MINOR grows when keys are added, MAJOR only when a key is
removed or changes meaning. Consumers must ignore keys they do not know.
"""

from __future__ import annotations

import json
from typing import Any

from wsgidoctor import __version__
from wsgidoctor.core.model import Report

SCHEMA_VERSION = "1.1"
SCHEMA_FILE = "report-1.schema.json"


def report_to_dict(report: Report) -> dict[str, Any]:
    """The whole report as a JSON-compatible dict (the contract documented in the README)."""
    worst = report.worst
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "wsgidoctor", "version": __version__},
        "generated_at": report.generated_at,
        "mode": report.mode,
        "redaction": report.redaction,
        "summary": {"status": worst.value if worst else "ok", "counts": report.counts(),
                    "incomplete": [{"section": k, **v} for k, v in (report.facts.get("incomplete") or {}).items()
                                   if isinstance(v, dict)]},
        "facts": _public(report.facts),
        "findings": [f.to_json() for f in report.findings],
        "probes": [p.to_json() for p in report.probes],
        "notes": list(report.notes) + list(report.facts.get("_notes", [])),
        "raw": [r.to_json() for r in report.raw],
    }


def _public(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facts.items() if not k.startswith("_")}


def render_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), indent=2, sort_keys=False, default=str) + "\n"


def schema() -> dict[str, Any]:
    """The JSON Schema of the report, as shipped in the package."""
    from importlib import resources

    return json.loads(resources.files("wsgidoctor").joinpath("schema", SCHEMA_FILE).read_text("utf-8"))
