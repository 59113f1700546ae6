"""Markdown for an issue tracker or a mailing-list post: summary first, details collapsed.

Everything the mod_wsgi maintainers ask for is there — versions, MPM, mutex, linkage, sys.prefix,
sys.path, groups, threading — and the raw command outputs follow in collapsed blocks. The whole
fits in GitHub's 65,536 characters whatever the installation (:mod:`.markdown_fit`): every finding
is always there, repeated log lines are folded, and long outputs are shortened, never dropped
silently; the JSON report keeps everything.
"""

from __future__ import annotations

import re

from wsgidoctor import __version__
from wsgidoctor.core.model import Finding, RawOutput, Report
from wsgidoctor.render.markdown_fit import (MARKDOWN_LIMIT, MAX_ROWS, clip_cell, cut, fold_log_lines,
                                            fold_repeats, shares)
from wsgidoctor.render.outline import refusal, headline, outline, summary_line

ICONS = {"ok": "✅", "warning": "⚠️", "error": "❌", "info": "ℹ️", "incomplete": "❔"}


def _text(text: str) -> str:
    """Escape ``<`` outside `code spans`, so ``<redacted>`` or ``<VirtualHost *:80>`` is shown
    rather than swallowed as an HTML tag."""
    parts = re.split(r"(`+[^`]*`+)", text)
    return "".join(p if p.startswith("`") else p.replace("&", "&amp;").replace("<", "&lt;")
                   for p in parts)


def cell(text: str) -> str:
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


def _head(report: Report) -> list[str]:
    out = ["<!-- wsgidoctor report: valid Markdown, paste it into an issue or a mailing-list post as is -->",
           f"## wsgidoctor {__version__} report", "",
           f"**{_text(headline(report))}** — {summary_line(report)}"]
    refused = refusal(report)
    if refused:
        out += ["", f"**{_text(refused)}**"]
    if report.redaction.get("applied"):
        out += ["", f"_Redacted: {', '.join(report.redaction.get('rules') or ['secrets'])}._"]
    return out


def _findings(report: Report, level: int) -> list[str]:
    """Every finding: whole (level 0), a line each (1), or one line per id with a count (2)."""
    if not report.findings:
        return []
    out = ["", "### Findings", ""]
    if level >= 2:
        by_id: dict[str, list[Finding]] = {}
        for f in report.findings:
            by_id.setdefault(f.id, []).append(f)
        for fid, group in by_id.items():
            f = group[0]
            more = f" (×{len(group)})" if len(group) > 1 else ""
            out.append(f"- {ICONS[f.severity.value]} **{f.severity.value}** `{fid}`{more} — {_text(f.title)}")
        out.append("")
        out.append("_Details and fixes: `wsgidoctor explain ID`, or the JSON report._")
        return out
    for f in report.findings:
        out.append(f"- {ICONS[f.severity.value]} **{f.severity.value}** `{f.id}` — {_text(f.title)}")
        detail = f.detail.splitlines()
        fix = f.fix.splitlines()
        if level == 1:
            detail = [clip_cell(detail[0])] if detail else []
            fix = [clip_cell(fix[0])] if fix else []
        for line in detail:
            out.append(f"  {_text(line)}  ")
        if fix:
            out.append(f"  **Fix:** {_text(fix[0])}  ")
            for line in fix[1:]:
                out.append(f"  {_text(line)}  ")
    return out


def _sections(report: Report, max_rows: int) -> list[str]:
    out: list[str] = []
    for view in outline(report):
        if not view.rows:
            continue
        out += ["", f"### {ICONS[view.status]} {view.title}", "", "| | |", "|---|---|"]
        for label, value in view.rows[:max_rows]:
            out.append(f"| {cell(label)} | {cell(clip_cell(value))} |")
        if len(view.rows) > max_rows:
            out.append(f"| … | {len(view.rows) - max_rows} more rows in the JSON report |")
    failed = [p for p in report.probes if p.status.value in ("failed", "timeout", "not_applicable")]
    if failed:
        out += ["", "### Probes that did not run fully", ""]
        for p in failed:
            out.append(f"- `{p.name}`: {p.status.value}" + (f" — {_text(clip_cell(p.error))}" if p.error else ""))
    return out


_LOG_KINDS = ("errorlog", "errorlog-excerpt")


def _prepared(raw: RawOutput) -> tuple[str, str]:
    """The text to paste for a raw output (excerpted, repeats folded) and a note saying so."""
    text, note = _shown(raw.kind, raw.text)
    folded = fold_log_lines(text) if raw.kind in _LOG_KINDS else fold_repeats(text)
    if folded != text.rstrip("\n"):
        note += " — repeated lines folded, [×N] counts them"
    return folded, note


def _raw_block(raw: RawOutput, text: str, note: str) -> list[str]:
    fence = _fence(text)
    return ["", f"#### `{raw.source}` ({raw.kind}){note}", "", fence, text.rstrip("\n"), fence]


def _raw_outputs(report: Report, room: int) -> list[str]:
    """The raw outputs in a collapsed block, sharing ``room`` characters."""
    if not report.raw:
        return []
    opening = f"<details><summary>Raw outputs ({len(report.raw)})</summary>"
    closing = ["", "</details>"]
    prepared = [(raw, *_prepared(raw)) for raw in report.raw]
    overhead = len(opening) + 20 + sum(len("\n".join(_raw_block(r, "", n))) + 120 for r, _, n in prepared)
    if overhead > room:
        return ["", f"_The {len(report.raw)} raw outputs do not fit here: the JSON report "
                    "(`wsgidoctor report --json`) has them._"]
    allowed = shares([len(text) for _, text, _ in prepared], room - overhead)
    out = ["", opening]
    for (raw, text, note), limit in zip(prepared, allowed):
        if len(text) > limit:
            text = cut(text, limit)
            note += " — shortened to fit (the JSON report keeps it whole)"
        out += _raw_block(raw, text, note)
    return out + closing


def render_markdown(report: Report, limit: int = MARKDOWN_LIMIT) -> str:
    """The report as Markdown in at most ``limit`` characters, every finding present."""
    head = _head(report)
    for level, max_rows in ((0, MAX_ROWS), (1, MAX_ROWS), (1, 12), (2, 12), (2, 0)):
        body = head + _findings(report, level) + (_sections(report, max_rows) if max_rows else [])
        used = len("\n".join(body)) + 2
        if used <= limit:
            break
    body += _raw_outputs(report, limit - used - 1)
    body.append("")
    return "\n".join(body)
