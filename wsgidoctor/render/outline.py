"""What the human-readable renderers show: sections of labelled rows plus their findings.

Both the terminal and the Markdown renderer draw from :func:`outline`, so they always agree on
what a report says. A row whose value is unknown says so rather than disappearing: "unknown" is
an answer the mailing list needs too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.core.model import Finding, Report, Severity
from wsgidoctor.core.catalogue import SECTIONS

UNKNOWN = "unknown"


class ShownIfAny:
    """A row value shown only when there is one (an error, notes): absence is not "unknown"."""

    def __init__(self, value: Any) -> None:
        self.value = value


@dataclass
class SectionView:
    """One section of the report as shown to a person."""

    key: str
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: Why this section could not be examined (``facts.incomplete``); None when it was.
    incomplete: Optional[str] = None

    @property
    def status(self) -> str:
        """``ok``, ``warning`` or ``error``: the worst finding here (info does not count);
        ``incomplete`` when nothing is wrong but the section could not be examined."""
        ranks = [f.severity.rank for f in self.findings if f.severity is not Severity.INFO]
        if not ranks:
            return "incomplete" if self.incomplete else "ok"
        return "error" if max(ranks) == 2 else "warning"


def _fmt(value: Any) -> str:
    if value is None or value == "" or value == []:
        return UNKNOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    if isinstance(value, dict) and "value" in value:  # {value, source} facts
        shown = _fmt(value["value"]) if value["value"] != "" else "''"
        return f"{shown} ({value['source']})" if value.get("source") else shown
    return str(value)


def _join(*parts: Optional[str], sep: str = " ") -> Optional[str]:
    kept = [p for p in parts if p]
    return sep.join(kept) if kept else None


def _install(f: dict) -> list[tuple[str, Any]]:
    running = F.get(f, "install.running") or []
    others = [p["pid"] for p in running if p.get("role") == "parent" and p["pid"] != F.get(f, "install.examined_pid")]
    examined = F.get(f, "install.examined_pid")
    if examined:
        state = f"yes, pid {examined}"
    elif F.get(f, "install.httpd"):
        state = "no"
    else:
        state = None
    if others and state:
        state += f" (other Apache servers running: {', '.join(f'pid {p}' for p in others)})"
    src = F.get(f, "install.httpd_source")
    return [
        ("httpd", _join(F.get(f, "install.httpd"), f"(from {src})" if src else None)),
        ("Control script", F.get(f, "install.apachectl")),
        ("apxs", F.get(f, "install.apxs") or ("not installed" if F.get(f, "install.httpd") else None)),
        ("mod_wsgi-express root", ShownIfAny(F.get(f, "install.express.root"))),
        ("Server root", F.get(f, "install.server_root")),
        ("Configuration", F.get(f, "install.config_file")),
        ("Start environment", _join(F.get(f, "install.start_env_source"),
                                    f"({F.get(f, 'install.envvars')})" if F.get(f, "install.envvars") else None)),
        ("Running", state),
        ("Apache user", _join(F.get(f, "install.user"), f":{F.get(f, 'install.group')}" if F.get(f, "install.group") else None, sep="")),
    ]


def _apache(f: dict) -> list[tuple[str, Any]]:
    mmn = F.get(f, "apache.mmn") or {}
    mpm = F.get(f, "apache.mpm") or {}
    threading = None
    if mpm.get("name"):
        bits = [b for b, on in (("threaded", mpm.get("threaded")), ("forked", mpm.get("forked"))) if on]
        threading = f"{mpm['name']} ({', '.join(bits) or 'single-threaded, single process'})" if (
            mpm.get("threaded") is not None) else mpm["name"]
    apr = F.get(f, "apache.apr") or {}
    configure = F.get(f, "apache.configure") or {}
    return [
        ("Version", _join(F.get(f, "apache.version"), f"({F.get(f, 'apache.vendor')})" if F.get(f, "apache.vendor") else None)),
        ("Built", F.get(f, "apache.built")),
        ("Module magic number", f"{mmn['major']}:{mmn['minor']}" if mmn.get("major") else None),
        ("Architecture", F.get(f, "apache.architecture")),
        ("MPM", threading),
        ("APR loaded / compiled", _join(apr.get("loaded"), apr.get("compiled"), sep=" / ")),
        ("configure", " ".join(configure["args"]) if configure.get("args") else (
            f"no config.nice ({configure['source']})" if configure.get("source") else None)),
    ]


def _modules(f: dict) -> list[tuple[str, Any]]:
    modules = F.get(f, "apache.modules")
    wsgi = next((m for m in modules or [] if m.get("name") == "wsgi_module"), None)
    whole = not F.get(f, "apache.modules_truncated")
    absent = "not loaded" if whole else "not in the part of the list shown"
    return [
        ("Compiled in", F.get(f, "apache.compiled_in")),
        ("Loaded", (f"{len(modules)} modules" + ("" if whole else " shown (the list is not whole)")) if modules else None),
        ("wsgi_module", f"loaded ({wsgi.get('origin')})" if wsgi else (absent if modules else None)),
    ]


def _mutex(f: dict) -> list[tuple[str, Any]]:
    eff = F.get(f, "mutex.effective") or {}
    return [
        ("Default (APR)", F.get(f, "mutex.default")),
        ("Available", F.get(f, "mutex.available")),
        ("Apache accept mutex", eff.get("apache")),
        ("mod_wsgi daemon mutex", eff.get("wsgi")),
    ]


def _linkage(f: dict) -> list[tuple[str, Any]]:
    lib = F.get(f, "linkage.python_library") or {}
    where = None
    if lib.get("name"):
        where = f"{lib['name']} => {lib.get('path') or 'not found'}"
    elif F.get(f, "linkage.static"):
        where = "statically linked into mod_wsgi.so"
    return [
        ("mod_wsgi.so", F.get(f, "linkage.module")),
        ("mod_wsgi version", F.get(f, "mod_wsgi.version")),
        ("Compiled for Python", F.get(f, "mod_wsgi.python_compiled")),
        ("libpython", where),
        ("libpython version", lib.get("python_version")),
    ]


def _python(f: dict) -> list[tuple[str, Any]]:
    source = F.get(f, "python.source")
    seen_by = {"emulated": "the hosting program (libpython loaded as mod_wsgi loads it)",
               "live": "the live server"}.get(source, source)
    return [
        ("Seen by", seen_by),
        ("Hosting program", ShownIfAny(F.get(f, "hosting.error"))),
        ("sys.version", F.get(f, "python.version")),
        ("sys.prefix", F.get(f, "python.prefix")),
        ("sys.base_prefix", F.get(f, "python.base_prefix")),
        ("sys.executable", F.get(f, "python.executable")),
        ("sys.path", F.get(f, "python.path")),
        ("File-system encoding", F.get(f, "python.filesystem_encoding")),
        ("Notes", ShownIfAny("; ".join(F.get(f, "hosting.notes") or []))),
    ]


def _group(fact: Any, empty_means: str) -> Any:
    """A {value, source} group fact, with the empty name spelled out."""
    if isinstance(fact, dict) and fact.get("value") == "":
        return {"value": f"'' ({empty_means})", "source": fact.get("source")}
    return fact


def _wsgi(f: dict) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [
        ("Process group", _group(F.get(f, "wsgi.process_group"), "embedded mode")),
        ("Application group", _group(F.get(f, "wsgi.application_group"), "main interpreter, %{GLOBAL}")),
        ("wsgi.multithread", F.get(f, "wsgi.multithread")),
        ("wsgi.multiprocess", F.get(f, "wsgi.multiprocess")),
    ]
    live = {m.get("mount_index"): m for m in F.get(f, "live.mounts") or [] if m.get("mount_index") is not None}
    for i, m in enumerate(F.get(f, "config.mounts") or []):
        pg = m.get("process_group") or "(embedded)"
        ag = m.get("application_group")
        ag = "'' (%{GLOBAL})" if ag == "" else ag
        text = (f"process group {pg}, application group {ag}, multithread "
                f"{_fmt(m.get('multithread'))}, multiprocess {_fmt(m.get('multiprocess'))}")
        asked = live.get(i)
        if asked is not None:
            if asked.get("error") or not asked.get("observed"):
                text += f"; live: no answer ({asked.get('error') or asked.get('status')})"
            elif asked.get("mismatches"):
                diffs = ", ".join(f"{k} {_fmt(v.get('live') if isinstance(v, dict) else v)} (predicted {_fmt(v.get('predicted') if isinstance(v, dict) else None)})"
                                  for k, v in sorted(asked["mismatches"].items()))
                text += f"; live differs: {diffs}"
            else:
                text += "; confirmed live"
        rows.append((f"Mount {m.get('vhost') or ''}{m.get('url') or ''}", text))
    return rows


def _errorlog(f: dict) -> list[tuple[str, Any]]:
    return [("Error log", F.get(f, "errorlog.path")),
            ("Last start-up banner", F.get(f, "errorlog.banner.text"))]


ROWS: dict[str, Callable[[dict], list[tuple[str, Any]]]] = {
    "install": _install, "apache": _apache, "modules": _modules, "mutex": _mutex,
    "linkage": _linkage, "python": _python, "wsgi": _wsgi, "errorlog": _errorlog,
}


def outline(report: Report) -> list[SectionView]:
    """The sections to show, in order, each with its rows and findings."""
    views = []
    for key, title in SECTIONS.items():
        make = ROWS.get(key)
        try:
            rows = [(label, _fmt(value.value if isinstance(value, ShownIfAny) else value))
                    for label, value in (make(report.facts) if make else [])
                    if not (isinstance(value, ShownIfAny) and not value.value)]
        except Exception as exc:  # noqa: BLE001 - facts of a saved report may have any JSON shape
            rows = [("Facts", f"not shown: they do not have the expected shape ({type(exc).__name__})")]
        findings = [fd for fd in report.findings if fd.section == key]
        gap = F.get(report.facts, f"incomplete.{key}")
        why = gap.get("reason") if isinstance(gap, dict) else None
        if why:
            rows.insert(0, ("Not examined", f"{why}; to examine it: {gap.get('fix')}"))
        if all(v == UNKNOWN for _, v in rows) and not findings:
            continue
        views.append(SectionView(key, title, rows, findings, incomplete=why))
    return views


def headline(report: Report) -> str:
    """One line naming what was examined: Apache, MPM, mod_wsgi and Python versions."""
    try:
        return _headline(report.facts)
    except Exception:  # noqa: BLE001 - facts of a saved report may have any JSON shape
        return "no Apache installation identified"


def _headline(f: dict) -> str:
    parts = []
    if F.get(f, "apache.version"):
        vendor = F.get(f, "apache.vendor")
        parts.append(f"Apache/{F.get(f, 'apache.version')}" + (f" ({vendor})" if vendor else ""))
    if F.get(f, "apache.mpm.name"):
        parts.append(f"MPM {F.get(f, 'apache.mpm.name')}")
    if F.get(f, "mod_wsgi.version"):
        parts.append(f"mod_wsgi {F.get(f, 'mod_wsgi.version')}")
    pyver = F.get(f, "linkage.python_library.python_version") or F.get(f, "mod_wsgi.python_compiled")
    if pyver:
        parts.append(f"Python {pyver}")
    return ", ".join(parts) or "no Apache installation identified"


def refusal(report: Report) -> Optional[str]:
    """One line saying that httpd refuses the configuration, when it does (shown before anything else)."""
    from wsgidoctor.apache.unreadable import refusing_errors, unreadable_by_wsgidoctor

    f = report.facts
    if F.get(f, "install.httpd_identified") is False:
        return None  # the program examined is not Apache: it refuses nothing (httpd-command-failed)
    errors = refusing_errors(f)
    if errors:
        first = errors[0]
        where = f"{first.get('file')}:{first.get('line')}" if first.get("file") and first.get("line") else ""
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return (f"Apache refuses this configuration: {str(first.get('message') or '').rstrip('.')}" + (f" ({where})" if where else "")
                + more + ". It will not start until this is fixed.")
    if F.get(f, "apache.configtest.ok") is False and not unreadable_by_wsgidoctor(f):
        return "Apache refuses this configuration: the configuration test failed."
    read = F.get(f, "apache.config_read")
    if isinstance(read, dict) and read.get("exit_code") not in (None, 0) and not unreadable_by_wsgidoctor(f):
        return f"Apache refuses this configuration: `{read.get('command')}` exited with status {read.get('exit_code')}."
    return None


def summary_line(report: Report) -> str:
    """The closing tally, e.g. ``1 error, 2 warnings, 1 note``."""
    c = report.counts()
    if not c["error"] and not c["warning"]:
        tail = f" ({c['info']} note{'s' if c['info'] != 1 else ''})" if c["info"] else ""
        return "No problems found" + tail + "."
    bits = []
    for key, word in (("error", "error"), ("warning", "warning"), ("info", "note")):
        if c[key]:
            bits.append(f"{c[key]} {word}{'s' if c[key] != 1 else ''}")
    return ", ".join(bits) + "."
