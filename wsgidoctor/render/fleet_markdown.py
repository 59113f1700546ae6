"""The fleet view as Markdown, for an issue or a wiki page: a host table worst first, findings by
id with their hosts, and the versions that differ."""

from __future__ import annotations

from wsgidoctor import __version__
from wsgidoctor.fleet.view import FleetView
from wsgidoctor.render.fleet_text import counts_words, host_line, host_names, tally
from wsgidoctor.render.markdown import ICONS, cell


def render_fleet_markdown(view: FleetView) -> str:
    """The fleet view as GitHub-flavoured Markdown."""
    out = [f"## wsgidoctor {__version__} fleet report", "", f"**{tally(view)}.**", "",
           "| | host | findings | installation |", "|---|---|---|---|"]
    for h in view.hosts:
        out.append(f"| {ICONS[h.status]} | {cell(h.host)} | {counts_words(h)} | {cell(host_line(h))} |")
    if view.findings:
        out += ["", "### Findings by id", ""]
        for g in view.findings:
            out.append(f"- {ICONS.get(g.severity, '')} **{g.severity}** `{g.id}` — {cell(g.title)} "
                       f"({len(g.hosts)} host{'s' if len(g.hosts) != 1 else ''}: {cell(host_names(g.hosts))})")
            if g.fix and g.severity != "info":
                out.append(f"  **Fix:** {cell(g.fix.splitlines()[0])}")
    if view.differences:
        out += ["", "### Differences between hosts", "", "| | value | hosts |", "|---|---|---|"]
        for d in view.differences:
            for value, hosts in d.values.items():
                out.append(f"| {cell(d.label)} | {cell(value)} | {cell(host_names(hosts))} |")
    if view.problems:
        out += ["", "### Inputs not read", ""]
        out += [f"- {cell(p)}" for p in view.problems]
    out.append("")
    return "\n".join(out)
