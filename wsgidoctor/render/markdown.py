"""Markdown for an issue tracker or a mailing-list post: summary first, details collapsed.

Everything the mod_wsgi maintainers ask for is there — versions, MPM, mutex, linkage, sys.prefix,
sys.path, groups, threading — and the raw command outputs follow in collapsed blocks, so nothing
is left out and nothing has to be pasted by hand.
"""

from __future__ import annotations

import re

from wsgidoctor import __version__
from wsgidoctor.core.model import Report
from wsgidoctor.render.outline import headline, outline, summary_line

ICONS = {"ok": "✅", "warning": "⚠️", "error": "❌", "info": "ℹ️"}


def _text(text: str) -> str:
    """Escape ``<`` outside `code spans`, so ``<redacted>`` or ``<VirtualHost *:80>`` is shown
    rather than swallowed as an HTML tag."""
    parts = re.split(r"(`+[^`]*`+)", text)
    return "".join(p if p.startswith("`") else p.replace("&", "&amp;").replace("<", "&lt;")
                   for p in parts)


def _cell(text: str) -> str:
    return _text(text).replace("|", "\\|").replace("\n", "<br>")


def _fence(text: str) -> str:
    """A code fence longer than any backtick run inside ``text``."""
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


#: Raw outputs too long to paste whole, and the lines of them a reader needs.
_EXCERPTS = {"apr.h": re.compile(r"APR_(?:HAS|USE)_\w+_SERIALIZE|APR_HAS_THREADS|APR_PROCESS_LOCK_IS_GLOBAL")}


def _shown(kind: str, text: str) -> tuple[str, str]:
    """The text to paste for a raw output, and a note when it is an excerpt."""
    pattern = _EXCERPTS.get(kind)
    if pattern is None:
        return text, ""
    lines = [line for line in text.splitlines() if pattern.search(line)]
    return "\n".join(lines), " — excerpt: the lines wsgidoctor reads (the JSON report keeps the whole file)"


def render_markdown(report: Report) -> str:
    out: list[str] = []
    out.append("<!-- wsgidoctor report: valid Markdown, paste it into an issue or a mailing-list post as is -->")
    out.append(f"## wsgidoctor {__version__} report")
    out.append("")
    out.append(f"**{_text(headline(report))}** — {summary_line(report)}")
    if report.redaction.get("applied"):
        out.append("")
        out.append(f"_Redacted: {', '.join(report.redaction.get('rules') or ['secrets'])}._")
    if report.findings:
        out.append("")
        out.append("### Findings")
        out.append("")
        for f in report.findings:
            out.append(f"- {ICONS[f.severity.value]} **{f.severity.value}** `{f.id}` — {_text(f.title)}")
            for line in f.detail.splitlines():
                out.append(f"  {_text(line)}  ")
            if f.fix:
                out.append(f"  **Fix:** {_text(f.fix.splitlines()[0])}  ")
                for line in f.fix.splitlines()[1:]:
                    out.append(f"  {_text(line)}  ")
    for view in outline(report):
        if not view.rows:
            continue
        out.append("")
        out.append(f"### {ICONS[view.status]} {view.title}")
        out.append("")
        out.append("| | |")
        out.append("|---|---|")
        for label, value in view.rows:
            out.append(f"| {_cell(label)} | {_cell(value)} |")
    failed = [p for p in report.probes if p.status.value in ("failed", "timeout", "not_applicable")]
    if failed:
        out.append("")
        out.append("### Probes that did not run fully")
        out.append("")
        for p in failed:
            out.append(f"- `{p.name}`: {p.status.value}" + (f" — {_text(p.error)}" if p.error else ""))
    if report.raw:
        out.append("")
        out.append(f"<details><summary>Raw outputs ({len(report.raw)})</summary>")
        for raw in report.raw:
            text, note = _shown(raw.kind, raw.text)
            fence = _fence(text)
            out.append("")
            out.append(f"#### `{raw.source}` ({raw.kind}){note}")
            out.append("")
            out.append(fence)
            out.append(text.rstrip("\n"))
            out.append(fence)
        out.append("")
        out.append("</details>")
    out.append("")
    return "\n".join(out)
