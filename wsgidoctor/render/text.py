"""Terminal rendering for ``wsgidoctor check`` and ``report --text``.

Sections carry a mark (✓ ok, ! warning, ✗ error) followed by the word, so the output still reads
and greps without colour. Where the stream cannot encode the marks an ASCII form is used.
Colour follows rich's rules (NO_COLOR, FORCE_COLOR, TERM=dumb, not a terminal).
"""

from __future__ import annotations

import sys
from typing import IO, Optional

from wsgidoctor import __version__
from wsgidoctor.core.model import Finding, Report, Severity
from wsgidoctor.render.outline import headline, outline, refusal, summary_line

MARKS = {"ok": ("✓", "[ok]"), "warning": ("!", "[warn]"), "error": ("✗", "[FAIL]"), "info": ("•", "[info]"),
         "incomplete": ("?", "[incomplete]")}
STYLES = {"ok": "green", "warning": "yellow", "error": "bold red", "info": "cyan", "incomplete": "magenta"}


def _can_encode(stream: IO[str]) -> bool:
    encoding = getattr(stream, "encoding", None)
    if encoding is None:  # an in-memory text stream holds any character
        return True
    try:
        "✓✗•—".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def render_text(report: Report, stream: Optional[IO[str]] = None, *, verbose: bool = False,
                color: Optional[bool] = None, width: Optional[int] = None) -> None:
    """Write the report for a person to ``stream`` (default stdout)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    import io

    stream = stream or sys.stdout
    unicode_ok = _can_encode(stream)
    isatty = getattr(stream, "isatty", lambda: False)()
    if width is None and not isatty:
        width = 100
    buffer = io.StringIO()
    # Render into a buffer so that text the stream cannot encode (a path with non-ASCII letters
    # on an ASCII terminal) is replaced instead of raising half-way through the report.
    console = Console(file=buffer, highlight=False, soft_wrap=False, width=width,
                      force_terminal=True if color or (color is None and isatty) else False,
                      no_color=(color is False) or None, emoji=False,
                      color_system="auto" if (color or (color is None and isatty)) else None)
    dash = "—" if unicode_ok else "-"

    def mark(kind: str) -> str:
        return escape(MARKS[kind][0 if unicode_ok else 1])

    console.print(f"[bold]wsgidoctor {__version__}[/bold] {dash} {escape(headline(report))}")
    refused = refusal(report)
    if refused:
        console.print()
        console.print(f"[{STYLES['error']}]{mark('error')} {escape(refused)}[/]")
    if report.redaction.get("applied"):
        console.print("[dim]Secrets are redacted in this report (--no-redact to show them).[/dim]")
    for view in outline(report):
        console.print()
        console.print(f"[{STYLES[view.status]}]{mark(view.status)}[/] [bold]{escape(view.title)}[/bold]")
        if view.rows:
            table = Table.grid(padding=(0, 2))
            table.add_column(style="dim", no_wrap=True)
            table.add_column(overflow="fold")
            for label, value in view.rows:
                table.add_row("    " + escape(label), escape(value))
            console.print(table)
        for finding in view.findings:
            _finding(console, finding, mark, verbose)
    notes = list(report.notes) + list(report.facts.get("_notes", []))
    problems = [p for p in report.probes if p.status.value in ("failed", "timeout")]
    if verbose or problems:
        console.print()
        console.print("[bold]Probes[/bold]")
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True)
        grid.add_column(justify="right", no_wrap=True)
        grid.add_column(overflow="fold")
        for p in report.probes:
            if verbose or p in problems:
                grid.add_row("    " + escape(p.name), p.status.value, f"{p.duration_ms:.0f} ms",
                             escape(p.error or ""))
        console.print(grid)
    if notes and verbose:
        console.print()
        console.print("[bold]Notes[/bold]")
        for n in notes:
            console.print(f"    {escape(n)}")
    console.print()
    worst = report.worst
    style = STYLES[worst.value] if worst else STYLES["ok"]
    console.print(f"[{style}]{escape(summary_line(report))}[/]"
                  + (" Run `wsgidoctor explain ID` for the long explanation of a finding." if report.findings else ""))
    text = buffer.getvalue()
    if not console.is_terminal:  # rich pads table cells; plain text should not end in spaces
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "replace").decode(encoding))
    stream.flush()


def _finding(console, finding: Finding, mark, verbose: bool) -> None:
    from rich.markup import escape
    from rich.padding import Padding
    from rich.text import Text

    def block(text: str, indent: int, style: str = "") -> None:
        """Print ``text`` so that wrapped lines keep the indent."""
        console.print(Padding(Text(text, style=style), (0, 0, 0, indent)))

    kind = finding.severity.value
    console.print(f"  [{STYLES[kind]}]{mark(kind)} {kind}[/] [bold]{escape(finding.id)}[/bold]: {escape(finding.title)}")
    for line in finding.detail.splitlines():
        block(line, 6)
    if finding.fix:
        console.print("      [bold]fix:[/bold]")
        for line in finding.fix.splitlines():
            block(line, 8)
    if verbose and finding.evidence:
        console.print("      [dim]evidence:[/dim]")
        for ev in finding.evidence:
            where = f"{ev.source}:{ev.line}" if ev.line else ev.source
            block(f"{where}  {ev.text}" if ev.text else where, 8, "dim")


def severity_word(severity: Severity) -> str:
    return {"error": "error", "warning": "warning", "info": "note"}[severity.value]
