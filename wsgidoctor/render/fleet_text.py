"""The fleet view for a terminal (``wsgidoctor fleet``): hosts worst first, findings by id with
their hosts, the versions that differ between hosts that should be alike."""

from __future__ import annotations

from wsgidoctor.fleet.view import FleetView, HostSummary

MARKS = {"ok": "ok   ", "warning": "WARN ", "error": "ERROR"}
#: A finding shared by more hosts than this names the first ones and counts the rest.
MAX_NAMED_HOSTS = 20


def host_names(hosts: tuple[str, ...] | list[str], limit: int = MAX_NAMED_HOSTS) -> str:
    """``a, b, c`` or ``a, b, ... and 180 more``."""
    shown = ", ".join(hosts[:limit])
    return shown + (f" and {len(hosts) - limit} more" if len(hosts) > limit else "")


def tally(view: FleetView) -> str:
    """``3 hosts: 1 with errors, 0 with warnings, 2 ok``."""
    c = view.counts()
    n = len(view.hosts)
    return f"{n} host{'s' if n != 1 else ''}: {c['error']} with errors, {c['warning']} with warnings, {c['ok']} ok"


def host_line(h: HostSummary) -> str:
    """Versions of one host in a few words."""
    v = h.versions
    bits = [f"Apache {v['Apache']}" if v.get("Apache") else None,
            f"MPM {v['MPM']}" if v.get("MPM") else None,
            f"mod_wsgi {v['mod_wsgi']}" if v.get("mod_wsgi") else None,
            f"Python {v['Python (libpython)']}" if v.get("Python (libpython)") else None]
    return ", ".join(b for b in bits if b) or "no Apache identified"


def counts_words(h: HostSummary) -> str:
    c = h.counts
    parts = [f"{c[k]} {w}{'s' if c[k] != 1 else ''}" for k, w in (("error", "error"), ("warning", "warning"),
                                                                  ("info", "note")) if c[k]]
    return ", ".join(parts) or "no findings"


def render_fleet_text(view: FleetView) -> str:
    """The fleet view as plain text."""
    out = [f"wsgidoctor fleet - {tally(view)}", ""]
    width = max((len(h.host) for h in view.hosts), default=4)
    out.append("Hosts, worst first")
    for h in view.hosts:
        out.append(f"  {MARKS[h.status]}  {h.host.ljust(width)}  {counts_words(h)}; {host_line(h)}")
    if view.findings:
        out += ["", "Findings by id"]
        for g in view.findings:
            out.append(f"  {g.severity:<7} {g.id} ({len(g.hosts)} host{'s' if len(g.hosts) != 1 else ''}): {g.title}")
            out.append(f"          hosts: {host_names(g.hosts)}")
            if g.fix and g.severity != "info":
                out.append(f"          fix: {g.fix.splitlines()[0]}")
    if view.differences:
        out += ["", "Differences between hosts"]
        for d in view.differences:
            values = "; ".join(f"{value} on {host_names(hosts)}" for value, hosts in d.values.items())
            out.append(f"  {d.label}: {values}")
    if view.problems:
        out += ["", "Inputs not read"]
        out += [f"  {p}" for p in view.problems]
    out.append("")
    return "\n".join(out)
