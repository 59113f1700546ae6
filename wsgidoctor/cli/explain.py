"""``wsgidoctor explain``: the finding catalogue for people, one id or the whole page."""

from __future__ import annotations

import textwrap
from typing import Optional

from wsgidoctor.core.catalogue import SECTIONS

from wsgidoctor.areas import iter_catalog


def explain(finding_id: str) -> Optional[str]:
    spec = next((s for s in iter_catalog() if s.id == finding_id), None)
    if spec is None:
        return None
    body = textwrap.fill(spec.explanation, width=88)
    return (f"{spec.id} ({spec.severity.value}, {SECTIONS.get(spec.section, spec.section)})\n"
            f"{spec.title}\n\n{body}\n\nFix:\n{textwrap.indent(spec.fix, '  ')}\n")


def list_ids() -> str:
    lines = [f"{s.id:<34} {s.severity.value:<8} {s.title}" for s in iter_catalog()]
    return "\n".join(lines) + ("\n" if lines else "")


def catalog_markdown() -> str:
    """The docs page listing every finding id (docs/findings.md is generated from this)."""
    out = ["# wsgidoctor findings", "",
           "Every finding wsgidoctor reports, by section. Ids are stable: use them with `--ignore`,",
           "in `wsgidoctor.ini`, and with `wsgidoctor explain ID`.", ""]
    current = None
    for spec in iter_catalog():
        if spec.section != current:
            current = spec.section
            out += [f"## {SECTIONS.get(current, current)}", ""]
        out += [f"### `{spec.id}` ({spec.severity.value})", "", f"**{spec.title}**", "",
                spec.explanation, "", "**Fix:**", "", spec.fix, ""]
    return "\n".join(out)
