"""Assertion helpers for tests of an Apache + mod_wsgi installation.

Each helper takes the thing to check (a :class:`~wsgidoctor.core.model.Report`, the dict of a saved
``wsgidoctor report --json``, a facts view from the pytest fixtures, or for the mount and Python
checks the ``wsgidoctor_server`` live client) and raises
:class:`AssertionError` when the installation is not as expected. The message is what a person
needs to act: for findings the doctor's title, detail, evidence and fix; for a value, what was
seen, where it was read and how to change it. Helpers hide their own frames from pytest
tracebacks, so a failure points at the line of the test.

Nothing here probes: helpers read the report they are given.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from wsgidoctor.core import facts as factlib
from wsgidoctor.core.model import Finding, Report, Severity
from wsgidoctor.pytest_plugin.views import FactsView, module_name

#: What the helpers accept: a report, a saved JSON report (dict), a facts view or a facts dict.
Subject = Union[Report, FactsView, Mapping[str, Any]]

GLOBAL = "%{GLOBAL}"


# --- reading the subject --------------------------------------------------------------------


def _facts(subject: Subject) -> Mapping[str, Any]:
    if isinstance(subject, Report):
        return subject.facts
    if isinstance(subject, FactsView):
        return subject.facts
    if isinstance(subject, Mapping):
        if "schema_version" in subject and isinstance(subject.get("facts"), Mapping):
            return subject["facts"]
        return subject
    raise TypeError(f"expected a wsgidoctor Report, a JSON report dict or facts, not {type(subject).__name__}")


def _findings(subject: Subject) -> list[Finding]:
    if isinstance(subject, Report):
        return list(subject.findings)
    if isinstance(subject, Mapping) and not isinstance(subject, FactsView) and "schema_version" in subject:
        return [Finding.from_json(f) for f in subject.get("findings") or []]
    raise TypeError("findings are in the report: pass the report (the wsgidoctor_report fixture, or the "
                    f"dict of a saved JSON report), not {type(subject).__name__}")


def _probes(subject: Subject) -> list[dict[str, Any]]:
    """The probe runs of a report, as dicts (empty for bare facts)."""
    if isinstance(subject, Report):
        return [p.to_json() for p in subject.probes]
    if isinstance(subject, Mapping) and "schema_version" in subject:
        return [p for p in subject.get("probes") or [] if isinstance(p, Mapping)]
    return []


def _raw_texts(subject: Subject, kind: str) -> list[tuple[str, str]]:
    """``(source, text)`` of the raw outputs of ``kind`` kept in a report."""
    if isinstance(subject, Report):
        return [(r.source, r.text) for r in subject.raw if r.kind == kind]
    if isinstance(subject, Mapping) and "schema_version" in subject:
        return [(str(r.get("source", "")), str(r.get("text") or "")) for r in subject.get("raw") or []
                if isinstance(r, Mapping) and r.get("kind") == kind]
    return []


def _fail(message: str) -> None:
    __tracebackhide__ = True
    raise AssertionError(message)


# --- formatting ---------------------------------------------------------------------------


def _indent(text: str, prefix: str) -> str:
    return textwrap.indent(text.strip("\n"), prefix, lambda line: True)


def describe_finding(finding: Finding) -> str:
    """A finding as the failure message shows it: title, detail, evidence, fix."""
    lines = [f"[{finding.severity.value}] {finding.id}: {finding.title}"]
    if finding.detail:
        lines.append(_indent(finding.detail, "    "))
    if finding.evidence:
        lines.append("  evidence:")
        for ev in finding.evidence:
            where = f"{ev.source}:{ev.line}" if ev.line else ev.source
            lines.append(f"    {where}: {ev.text}" if ev.text else f"    {where}")
    if finding.fix:
        fix = finding.fix.strip("\n").splitlines()
        lines.append(f"  fix: {fix[0]}")
        lines.extend(f"       {line}" for line in fix[1:])
    return "\n".join(lines)


def summarize_finding(finding: Finding) -> str:
    """A finding on one line: severity, id, title and the fix (for pytest's short explanations)."""
    fix = " ".join(finding.fix.split())
    return f"[{finding.severity.value}] {finding.id}: {finding.title.rstrip('.')}. Fix: {fix}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _why_unknown(subject: Subject, probes: Sequence[str]) -> str:
    """Why a fact is missing: the status of the probes that would have gathered it."""
    runs = {p.get("name"): p for p in _probes(subject)}
    parts = []
    for name in probes:
        run = runs.get(name)
        if run is None:
            parts.append(f"probe {name!r} is not in this report")
        elif run.get("status") != "ok":
            reason = f": {run['error']}" if run.get("error") else ""
            parts.append(f"probe {name!r} {run.get('status')}{reason}")
    return ("; ".join(parts) + ".") if parts else ""


# --- findings -----------------------------------------------------------------------------


def _known_id(finding_id: str) -> None:
    from wsgidoctor.core.catalogue import CATALOG
    from wsgidoctor.areas import load_rules as load_all

    load_all()
    if finding_id not in CATALOG:
        close = [i for i in CATALOG if finding_id.split("-")[0] in i][:5]
        hint = f" (similar: {', '.join(sorted(close))})" if close else ""
        raise ValueError(f"wsgidoctor has no finding with id {finding_id!r}{hint}; "
                         "`wsgidoctor explain --list` shows every id")


def _at_least(subject: Subject, worst: Severity, ignore: Iterable[str]) -> list[Finding]:
    ignored = set(ignore)
    return [f for f in _findings(subject)
            if f.severity is not Severity.INFO and f.severity.rank >= worst.rank and f.id not in ignored]


def _findings_message(head: str, found: Sequence[Finding]) -> str:
    return head + "\n\n" + "\n\n".join(describe_finding(f) for f in found)


def _unchecked(report: Subject) -> list[str]:
    """Probes that crashed or ran out of time: what they should have checked was not checked."""
    return [f"probe {p.get('name')!r} {p.get('status')}: {p.get('error')}" for p in _probes(report)
            if p.get("status") in ("failed", "timeout")]


def _check_findings(report: Subject, worst: Severity, ignore: Iterable[str], allow_incomplete: bool) -> None:
    __tracebackhide__ = True
    found = _at_least(report, worst, ignore)
    unchecked = [] if allow_incomplete else _unchecked(report)
    if not found and not unchecked:
        return
    parts = []
    if found:
        counts = {s: sum(1 for f in found if f.severity is s) for s in (Severity.ERROR, Severity.WARNING)}
        head = " and ".join(_plural(n, s.value) for s, n in counts.items() if n)
        parts.append(_findings_message(f"wsgidoctor found {head}:", found))
    if unchecked:
        parts.append("wsgidoctor could not check everything, so this is not a pass:\n"
                     + "\n".join(f"    {u}" for u in unchecked)
                     + "\n  fix: run `wsgidoctor check -v` in the same place to see why; a probe that "
                       "crashes is a wsgidoctor bug worth reporting. `allow_incomplete=True` accepts it.")
    _fail("\n\n".join(parts))


def assert_no_errors(report: Subject, *, ignore: Iterable[str] = (), allow_incomplete: bool = False) -> None:
    """No finding of severity ``error`` (``ignore`` lists finding ids to let pass).

    A probe that crashed or timed out fails this too (what it checks was not checked), unless
    ``allow_incomplete`` is true. Probes with nothing to examine (not applicable) are fine.
    """
    __tracebackhide__ = True
    _check_findings(report, Severity.ERROR, ignore, allow_incomplete)


def assert_no_warnings(report: Subject, *, ignore: Iterable[str] = (), allow_incomplete: bool = False) -> None:
    """No finding of severity ``warning`` or ``error`` (the CLI's default ``--fail-on warning``).

    Like :func:`assert_no_errors`, a crashed or timed-out probe fails it unless ``allow_incomplete``.
    """
    __tracebackhide__ = True
    _check_findings(report, Severity.WARNING, ignore, allow_incomplete)


def assert_no_finding(report: Subject, finding_id: str) -> None:
    """No finding with id ``finding_id`` (of any severity). An unknown id is a ValueError."""
    __tracebackhide__ = True
    _known_id(finding_id)
    found = [f for f in _findings(report) if f.id == finding_id]
    if found:
        _fail(_findings_message(f"wsgidoctor reports {finding_id} ({_plural(len(found), 'time')}):", found))


def assert_finding(report: Subject, finding_id: str) -> list[Finding]:
    """At least one finding with id ``finding_id``; returns them (to check the detail further)."""
    __tracebackhide__ = True
    _known_id(finding_id)
    found = [f for f in _findings(report) if f.id == finding_id]
    if not found:
        others = ", ".join(sorted({f.id for f in _findings(report)})) or "none"
        _fail(f"wsgidoctor does not report {finding_id}. Findings in this report: {others}.")
    return found


# --- Apache ---------------------------------------------------------------------------------


def _mpm_evidence(subject: Subject) -> list[str]:
    out = []
    for source, text in _raw_texts(subject, "httpd-V"):
        # a segment of a paste is named ``path:N``, N being the line of the paste it starts at
        segment = re.fullmatch(r"(.+):(\d+)", source)
        name, first = (segment.group(1), int(segment.group(2))) if segment else (source, 1)
        for number, line in enumerate(text.splitlines(), first):
            if line.strip().startswith("Server MPM:"):
                out.append(f"{name} (line {number}): {line.strip()}")
    return out


def _directive(facts: Mapping[str, Any], name: str, pattern: str) -> Optional[Mapping[str, Any]]:
    """The first directive ``name`` whose arguments match ``pattern`` (from ``config.directives``)."""
    for d in factlib.get(facts, "config.directives") or []:
        if isinstance(d, Mapping) and str(d.get("name", "")).lower() == name.lower() \
                and re.search(pattern, " ".join(map(str, d.get("args") or ()))):
            return d
    return None


def _mpm_fix(facts: Mapping[str, Any], current: str, wanted: str) -> str:
    static = factlib.get(facts, "apache.static_mpm")
    compiled = factlib.get(facts, "apache.compiled_in") or []
    if static == current or f"{current}.c" in compiled:
        return (f"This httpd has the {current} MPM compiled in (httpd -l lists {current}.c), so no "
                f"configuration can change it: build Apache with `--with-mpm={wanted}` (or "
                "`--enable-mpms-shared=all`), or use a package built that way.")
    line = _directive(facts, "LoadModule", rf"mpm_{current}_module")
    where = f" (loaded at {line['file']}:{line['line']})" if line and line.get("file") else ""
    if factlib.get(facts, "install.distribution") == "debian":
        return (f"`a2dismod mpm_{current} && a2enmod mpm_{wanted}`{where}, then restart Apache. "
                "Modules that need prefork (php) must be disabled first; a2enmod says which.")
    return (f"Replace `LoadModule mpm_{current}_module modules/mod_mpm_{current}.so` with "
            f"`LoadModule mpm_{wanted}_module modules/mod_mpm_{wanted}.so`{where} (RHEL: "
            "/etc/httpd/conf.modules.d/00-mpm.conf), then restart Apache.")


def assert_mpm(subject: Subject, expected: str) -> None:
    """Apache runs the MPM ``expected`` (``event``, ``worker``, ``prefork``; ``mpm_`` optional)."""
    __tracebackhide__ = True
    facts = _facts(subject)
    wanted = expected.lower().replace("mpm_", "").replace("_module", "").strip()
    current = factlib.get(facts, "apache.mpm.name") or factlib.get(facts, "apache.static_mpm")
    if current is None:
        _fail(f"Apache's MPM is unknown, expected {wanted}. "
              f"{_why_unknown(subject, ('discovery', 'httpd_version', 'httpd_compiled'))}".rstrip())
    if current != wanted:
        evidence = _mpm_evidence(subject)
        lines = [f"Apache's MPM is {current}, expected {wanted}."]
        if evidence:
            lines += ["  evidence:"] + [f"    {e}" for e in evidence]
        lines.append(f"  fix: {_mpm_fix(facts, current, wanted)}")
        _fail("\n".join(lines))


def _module_fix(facts: Mapping[str, Any], name: str) -> str:
    short = name[: -len("_module")]
    if factlib.get(facts, "install.distribution") == "debian":
        pkg = " (package libapache2-mod-wsgi-py3)" if short == "wsgi" else ""
        return f"`a2enmod {short}`{pkg}, then restart Apache."
    if short == "wsgi":
        return ("Add `LoadModule wsgi_module /path/to/mod_wsgi.so` to the configuration (for a pip-installed "
                "mod_wsgi, `mod_wsgi-express module-config` prints the line), then restart Apache.")
    return f"Add `LoadModule {name} modules/mod_{short}.so` to the configuration, then restart Apache."


def _loaded_modules(subject: Subject, wanted: str) -> list[str]:
    facts = _facts(subject)
    mods = factlib.get(facts, "apache.modules")
    if not isinstance(mods, list):
        _fail(f"Apache's loaded modules are unknown, so {wanted} cannot be checked. "
              f"{_why_unknown(subject, ('discovery', 'httpd_modules'))}".rstrip())
    return [m.get("name") for m in mods if isinstance(m, Mapping)]


def assert_module_loaded(subject: Subject, name: str) -> None:
    """Apache loads module ``name`` (``wsgi``, ``mod_wsgi`` or ``wsgi_module``), per ``httpd -M``."""
    __tracebackhide__ = True
    wanted = module_name(name)
    names = _loaded_modules(subject, wanted)
    if wanted not in names:
        _fail(f"Apache does not load {wanted}; httpd -M lists {len(names)} modules: "
              f"{', '.join(sorted(n for n in names if n))}.\n  fix: {_module_fix(_facts(subject), wanted)}")


def assert_module_not_loaded(subject: Subject, name: str) -> None:
    """Apache does not load module ``name`` (e.g. ``python`` - mod_python cannot live beside mod_wsgi)."""
    __tracebackhide__ = True
    wanted = module_name(name)
    if wanted in _loaded_modules(subject, wanted):
        facts = _facts(subject)
        line = _directive(facts, "LoadModule", rf"^{re.escape(wanted)}\b")
        where = f" ({line['file']}:{line['line']})" if line and line.get("file") else ""
        short = wanted[: -len("_module")]
        how = (f"`a2dismod {short}`" if factlib.get(facts, "install.distribution") == "debian"
               else f"remove its LoadModule line{where}")
        _fail(f"Apache loads {wanted}{where}, which should not be loaded.\n  fix: {how}, then restart Apache.")


# --- WSGI mounts ----------------------------------------------------------------------------


def _norm_group(value: Optional[str]) -> Optional[str]:
    """mod_wsgi's spelling: ``%{GLOBAL}`` is the empty name (main interpreter / embedded mode)."""
    if value is None:
        return None
    return "" if value.strip() in ("", GLOBAL) else value.strip()


def _show_group(value: Optional[str]) -> str:
    if value is None:
        return "not known"
    return f"'' ({GLOBAL})" if value == "" else repr(value)


def _mounts(subject: Subject, url: str, host: Optional[str]) -> list[Mapping[str, Any]]:
    facts = _facts(subject)
    mounts = [m for m in factlib.get(facts, "config.mounts") or [] if isinstance(m, Mapping)]
    if not mounts:
        _fail(f"No WSGI mounts are known (config.mounts is empty), so {url} cannot be checked. "
              f"{_why_unknown(subject, ('config',))}".rstrip())
    url = url.rstrip("/") or "/"
    found = [m for m in mounts if (str(m.get("url") or "").rstrip("/") or "/") == url
             and (host is None or host in (m.get("server_name"), m.get("vhost")))]
    if not found:
        listed = ", ".join(f"{m.get('url')} ({_where(m)})" for m in mounts)
        _fail(f"No WSGIScriptAlias mounts {url}{f' for {host}' if host else ''}. Mounts: {listed}.")
    return found


def _where(mount: Mapping[str, Any]) -> str:
    place = f"{mount.get('file')}:{mount.get('line')}" if mount.get("file") else "an unknown place"
    name = mount.get("vhost") or mount.get("server_name")
    return f"{place} ({name})" if name else place


def _group_matches(actual: Optional[str], expected: str, mount: Mapping[str, Any]) -> bool:
    want = _norm_group(expected)
    if actual is None:
        return False
    if actual == want or actual == expected or (mount.get("spec") is not None and mount.get("spec") == expected):
        return True
    # A label the prediction (or mod_wsgi) has expanded: %{RESOURCE} is "host[:port]|/mount".
    if expected == "%{RESOURCE}":
        return actual.endswith("|" + str(mount.get("url") or "").rstrip("/").lower())
    if expected in ("%{SERVER}", "%{HOST}"):
        return "|" not in actual and actual.split(":")[0] == mount.get("server_name")
    return False


def _is_live(subject: Any) -> bool:
    """A live client (the ``wsgidoctor_server`` fixture) rather than a report."""
    return callable(getattr(subject, "probe", None)) and callable(getattr(subject, "error_log", None))


def _group_fix(mount: Optional[Mapping[str, Any]], key: str, expected: str, directive: str, option: str) -> str:
    set_at = (mount or {}).get(f"{key}_set_at")
    where = _where(mount) if mount else "its mount"
    how = (f"change the setting at {set_at} to `{expected}`" if set_at else
           f"add `{option}={expected}` to the WSGIScriptAlias at {where}, or `{directive} {expected}` in the "
           "<VirtualHost> or <Directory> that serves it")
    return f"  fix: {how}; then restart Apache."


def _check_group(subject: Subject, url: str, expected: str, host: Optional[str], key: str,
                 what: str, directive: str, option: str) -> None:
    __tracebackhide__ = True
    if _is_live(subject):
        _check_group_live(subject, url, expected, host, key, what, directive, option)
        return
    bad = []
    for mount in _mounts(subject, url, host):
        actual = mount.get(key)
        actual = _norm_group(actual) if isinstance(actual, str) else None
        if not _group_matches(actual, expected, {**mount, "spec": mount.get(f"{key}_spec")}):
            bad.append((mount, actual))
    if not bad:
        return
    lines = []
    for mount, actual in bad:
        set_at = mount.get(f"{key}_set_at")
        source = f" (set at {set_at})" if set_at else ""
        lines.append(f"The {what} of {mount.get('url')} ({_where(mount)}) is {_show_group(actual)}{source}, "
                     f"expected {_show_group(_norm_group(expected))}.")
    lines.append(_group_fix(bad[0][0], key, expected, directive, option))
    _fail("\n".join(lines))


def _live_mount(client: Any, url: str, host: Optional[str]) -> Optional[Mapping[str, Any]]:
    target = url.rstrip("/") or "/"
    for m in client.mounts:
        if (str(m.get("url") or "").rstrip("/") or "/") == target and (
                host is None or host.split(":")[0] in (m.get("server_name"), str(m.get("vhost", "")).split(":")[0])):
            return m
    return None


def _check_group_live(client: Any, url: str, expected: str, host: Optional[str], key: str,
                      what: str, directive: str, option: str) -> None:
    __tracebackhide__ = True
    answer = client.probe(url, host=host)
    raw = (answer.get("environ") or {}).get(f"mod_wsgi.{key}")
    actual = _norm_group(raw) if isinstance(raw, str) else None
    mount = _live_mount(client, url, host)
    if _group_matches(actual, expected, {"url": url, "server_name": (mount or {}).get("server_name"),
                                         "spec": (mount or {}).get(f"{key}_spec")}):
        return
    request = answer.get("_request") or {}
    lines = [f"mod_wsgi runs the application at {url} in {what} {_show_group(actual)}, expected "
             f"{_show_group(_norm_group(expected))} (live: GET {request.get('url')} with Host: "
             f"{request.get('host')} on the throwaway server)."]
    if mount and mount.get(f"{key}_set_at"):
        lines.append(f"  set at: {mount[f'{key}_set_at']}")
    lines.append(_group_fix(mount, key, expected, directive, option))
    _fail("\n".join(lines))


def assert_application_group(subject: Subject, url: str, expected: str, *, host: Optional[str] = None) -> None:
    """The WSGI application mounted at ``url`` runs in application group (sub-interpreter) ``expected``.

    ``%{GLOBAL}`` means the main interpreter (mod_wsgi shows it as ``''``). With the report, the
    configuration's prediction is checked; with the ``wsgidoctor_server`` fixture, mod_wsgi's own
    answer. ``host`` picks the virtual host (ServerName) when several mount the same URL;
    otherwise every mount of ``url`` must match.
    """
    __tracebackhide__ = True
    _check_group(subject, url, expected, host, "application_group", "application group",
                 "WSGIApplicationGroup", "application-group")


def assert_process_group(subject: Subject, url: str, expected: str, *, host: Optional[str] = None) -> None:
    """The WSGI application at ``url`` runs in process group ``expected`` (``%{GLOBAL}``: embedded mode)."""
    __tracebackhide__ = True
    _check_group(subject, url, expected, host, "process_group", "process group",
                 "WSGIProcessGroup", "process-group")


def assert_daemon_mode(subject: Subject, url: str, *, host: Optional[str] = None) -> None:
    """The WSGI application at ``url`` runs in a daemon process group (not embedded in Apache's children)."""
    __tracebackhide__ = True
    fix = ("  fix: define `WSGIDaemonProcess NAME ...` and add `process-group=NAME` to its WSGIScriptAlias "
           "(or `WSGIProcessGroup NAME` in its <VirtualHost>); then restart Apache.")
    if _is_live(subject):
        answer = subject.probe(url, host=host)
        if not (answer.get("environ") or {}).get("mod_wsgi.process_group"):
            request = answer.get("_request") or {}
            _fail(f"mod_wsgi runs the application at {url} in embedded mode: its process group is '' "
                  f"(live: GET {request.get('url')} with Host: {request.get('host')}).\n{fix}")
        return
    embedded = [m for m in _mounts(subject, url, host)
                if m.get("mode") == "embedded" or not _norm_group(m.get("process_group") or "")]
    if embedded:
        where = "; ".join(_where(m) for m in embedded)
        _fail(f"The application at {url} runs in embedded mode ({where}): its process group is ''.\n{fix}")


# --- values -------------------------------------------------------------------------------


def assert_fact(subject: Subject, path: str, expected: Any, *, fix: Optional[str] = None) -> None:
    """The fact at dotted ``path`` equals ``expected``; ``fix`` is shown when it does not."""
    __tracebackhide__ = True
    actual = factlib.get(_facts(subject), path)
    if actual != expected:
        message = f"{path} is {actual!r}, expected {expected!r}."
        if actual is None:
            message = f"{path} is not known (null in the report), expected {expected!r}."
        if fix:
            message += f"\n  fix: {fix}"
        _fail(message)


def _version_prefix(version: Any) -> Optional[str]:
    m = re.match(r"\s*(\d+\.\d+(?:\.\d+)?)", str(version)) if version is not None else None
    return m.group(1) if m else None


def assert_python_version(subject: Subject, expected: str) -> None:
    """The Python that mod_wsgi runs is version ``expected`` (``"3.11"`` or ``"3.11.2"``).

    With the ``wsgidoctor_server`` fixture, read from the running interpreter. With a report, from
    ``python.version`` when it has it, else from the libpython mod_wsgi loads, else from the
    version mod_wsgi was compiled for.
    """
    __tracebackhide__ = True
    if _is_live(subject):
        answer = subject.probe()
        info = (answer.get("python") or {}).get("version_info") or []
        value = ".".join(str(v) for v in info)
        if not (value == expected or value.startswith(expected + ".")):
            _fail(f"mod_wsgi runs Python {value or 'unknown'}, expected {expected} (live: the probe application's "
                  f"sys.version_info, prefix {(answer.get('python') or {}).get('prefix')}).\n  fix: install a "
                  f"mod_wsgi built for Python {expected} (`mod_wsgi-express module-config` prints its LoadModule "
                  "line); a python-home must be of the same version.")
        return
    facts = _facts(subject)
    sources = (("python.version", "the interpreter mod_wsgi runs"),
               ("linkage.python_library.python_version", "the libpython mod_wsgi loads"),
               ("mod_wsgi.python_compiled", "the Python mod_wsgi was compiled for"))
    # The first source known is the most direct; a patch-level difference between what mod_wsgi
    # was compiled for and what it runs (3.11.1 vs 3.11.2 on Debian 12) is normal.
    for path, label in sources:
        value = _version_prefix(factlib.get(facts, path))
        if value is None:
            continue
        if value != expected and not value.startswith(expected + "."):
            _fail(f"mod_wsgi runs Python {value}, expected {expected} ({label}, {path}).\n"
                  f"  fix: install a mod_wsgi built for Python {expected}: `pip install mod_wsgi` with that "
                  "Python, then use the LoadModule line `mod_wsgi-express module-config` prints (or the "
                  "distribution's package for that Python); a python-home must be of the same version.")
        return
    _fail(f"The Python version mod_wsgi uses is not known, expected {expected}. "
          f"{_why_unknown(subject, ('linkage',))}".rstrip())
