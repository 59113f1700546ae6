"""Reading fixtures/corpus/expected.json and checking a report against one entry of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wsgidoctor.cli.app import InputFile, build_analyze
from wsgidoctor.core.errors import InputError
from wsgidoctor.core.model import Report
from wsgidoctor.paste.reader import read_paste

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
EXPECTED: dict[str, dict[str, Any]] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
#: Findings every report of an error log carries (what the last start-up said), not a diagnosis.
CONTEXT_ONLY = frozenset({"errorlog-last-startup"})
_MISSING = object()


def analyse(data: bytes, name: str = "paste") -> Report | None:
    """The analyze report of a paste given as bytes, or None when analyze found nothing."""
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".txt") as fh:
        fh.write(data)
        fh.flush()
        try:
            return build_analyze([InputFile(fh.name)])
        except InputError:
            return None


def fact(facts: dict[str, Any], path: str) -> Any:
    """The value at a dotted path (numbers index lists); ``None`` when absent."""
    node: Any = facts
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def fact_mismatches(report: Report | None, expected: dict[str, Any]) -> list[str]:
    """Each expected fact the report does not have, as a readable line (empty when all match)."""
    facts = report.facts if report is not None else {}
    names = {m.get("name") for m in (fact(facts, "apache.modules") or []) if isinstance(m, dict)}
    wrong = []
    for path, want in expected.items():
        if path == "modules:has":
            missing = sorted(set(want) - names)
            if missing:
                wrong.append(f"modules {missing} not listed")
        elif path == "modules:lacks":
            present = sorted(set(want) & names)
            if present:
                wrong.append(f"modules {present} listed")
        else:
            got = fact(facts, path)
            if got != want:
                wrong.append(f"{path}: expected {want!r}, got {got!r}")
    return wrong


def finding_ids(report: Report | None) -> set[str]:
    return {f.id for f in (report.findings if report is not None else [])} - CONTEXT_ONLY


def segment_kinds(data: bytes) -> set[str]:
    return {s.kind for s in read_paste(data).segments} - {"messages"}
