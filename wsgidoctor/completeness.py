"""Which report sections could not be examined, why, and what would make it possible.

A section whose facts are missing is not healthy, it is unexamined: the derivation here writes
``incomplete.<section> = {reason, fix}`` for each one, the renderers show it instead of ✓, and one
warning (``sections-not-examined``) names them all with how to make the examination possible.

Only reports of this machine (``check``/``report``, which have ``install`` facts) are judged and
warned about: a pasted output covers what it covers; the one gap marked in a paste is a module
list that is not whole (it cannot prove that a module is absent).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.core.catalogue import derivation, finding, rule
from wsgidoctor.core.model import Evidence, Finding, Severity
from wsgidoctor.install.rules import MEMORY_LIMIT_HIT

NOT_EXAMINED = finding(
    "sections-not-examined", Severity.WARNING, "general",
    "Part of the installation could not be examined",
    """Some sections of the report have no answer because what they need was not available:
    httpd could not be run, its configuration did not load, Apache's development headers (apr.h)
    are not installed, the hosting program was not built (no C compiler when wsgidoctor was
    installed) or wsgidoctor ran without the rights to read what Apache reads. Those sections are
    marked "incomplete" rather than healthy: nothing was verified there.""",
    "Do what each line of the detail says (install a C compiler, install apache2-dev, run as root, "
    "pass --httpd/--config/--server-root), then run wsgidoctor again.",
)


def _first_error(facts: dict[str, Any]) -> Optional[str]:
    for err in F.get(facts, "apache.configtest.errors") or ():
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"]).splitlines()[0][:200]
    return None


_MEMORY_FIX = ("find what makes httpd need that much memory to read the configuration (Defines or "
               "variables expanded into each other, a huge Include): `apachectl -t` shows it")
_WRONG_BINARY_FIX = "pass --httpd naming the real Apache httpd binary"


def _apache(facts: dict[str, Any]) -> Optional[dict[str, str]]:
    if not F.get(facts, "install.httpd") or F.get(facts, "apache.version"):
        return None
    cmd = F.get(facts, "install.version_command") or {}
    why = cmd.get("error") or (f"exit code {cmd['exit_code']}" if cmd.get("exit_code") else "it printed no version")
    return {"reason": f"`{cmd.get('command') or 'httpd -V'}` gave no build information ({why})",
            "fix": _MEMORY_FIX if MEMORY_LIMIT_HIT in str(why) else _WRONG_BINARY_FIX}


def _modules_cut(facts: dict[str, Any]) -> Optional[dict[str, str]]:
    """A module list that is not whole (cut by its author or by an output limit) proves no absence."""
    if not (F.get(facts, "apache.modules") and F.get(facts, "apache.modules_truncated")):
        return None
    why = F.get(facts, "apache.modules_cut") or "it was cut off"
    return {"reason": f"the module list is not whole ({why}): a module it does not show may still be loaded",
            "fix": "give the whole output of `apachectl -M` (or run `wsgidoctor check` on the server)"}


def _modules(facts: dict[str, Any]) -> Optional[dict[str, str]]:
    if F.get(facts, "apache.modules"):
        return _modules_cut(facts)
    cmd = F.get(facts, "apache.modules_command") or {}
    if not cmd:
        return None
    unreadable = [u for u in F.get(facts, "apache.config_read.unreadable") or () if isinstance(u, dict)]
    if unreadable:
        first = unreadable[0]
        where = (f"{first.get('path')}" + (f" ({first.get('reason')}: {first.get('blocked_at')}, "
                                           f"{first.get('mode')})" if first.get("blocked_at") else ""))
        more = f" and {len(unreadable) - 1} more" if len(unreadable) > 1 else ""
        return {"reason": f"wsgidoctor does not run as root, and `{cmd.get('command') or 'httpd -M'}` run as "
                          f"its user could not read {where}{more}; Apache reads its configuration as root "
                          "when it starts, so this is not Apache refusing it",
                "fix": "run wsgidoctor as root, as Apache itself starts (sudo wsgidoctor check)"}
    error = _first_error(facts) or cmd.get("error") or "no module list"
    fix = ("fix the configuration error shown (or pass --config/--server-root for the configuration "
           "the server really uses)") if F.get(facts, "apache.version") else _WRONG_BINARY_FIX
    if MEMORY_LIMIT_HIT in str(cmd.get("error") or ""):
        fix = _MEMORY_FIX
    return {"reason": f"`{cmd.get('command') or 'httpd -M'}` listed no modules: {error}", "fix": fix}


def _mutex(facts: dict[str, Any]) -> Optional[dict[str, str]]:
    if not F.get(facts, "apache.version") or F.get(facts, "mutex.available"):
        return None
    return {"reason": "the available mutex mechanisms are unknown (no apr.h, and httpd -t on a "
                      "test configuration did not list them)",
            "fix": "install Apache's development files (Debian/Ubuntu: apt-get install apache2-dev; "
                   "RHEL: dnf install httpd-devel apr-devel)"}


def _config(facts: dict[str, Any]) -> Optional[dict[str, str]]:
    """A configuration file wsgidoctor could not open: what it holds (a WSGIScriptAlias, a
    WSGIDaemonProcess...) was not examined, and every prediction made without it is a guess."""
    unread = [n for n in F.get(facts, "config.notes") or ()
              if isinstance(n, dict) and n.get("kind") == "unreadable-file"]
    if not unread:
        return None
    first = unread[0]
    at = f" (Include at {first.get('file')}:{first.get('line')})" if first.get("file") else ""
    more = f" and {len(unread) - 1} more" if len(unread) > 1 else ""
    reason = (f"{first.get('text')}{at}{more}: the directives in it (WSGIScriptAlias, WSGIDaemonProcess, "
              "Require...) were not examined")
    if F.get(facts, "apache.config_read.as_root") is False:
        return {"reason": reason, "fix": "run wsgidoctor as root, as Apache itself starts (sudo wsgidoctor check)"}
    return {"reason": reason, "fix": "make the file readable by root (Apache cannot read it either: see the "
                                     "refusal), then run wsgidoctor again"}


def _errorlog(facts: dict[str, Any]) -> Optional[dict[str, str]]:
    """An error log that exists and could not be read: what Apache and mod_wsgi said was not seen."""
    read = bool(F.get(facts, "errorlog.path"))
    # Once the main log was read, a fallback candidate that failed before it does not matter.
    unreadable = [u for u in F.get(facts, "errorlog.unreadable") or () if isinstance(u, dict)
                  and (not read or u.get("source") == "virtual host ErrorLog")]
    if not unreadable:
        return None
    listed = "; ".join(f"{u.get('path')} ({u.get('problem')})" for u in unreadable[:3])
    more = f" and {len(unreadable) - 3} more" if len(unreadable) > 3 else ""
    what = "these virtual hosts' error logs" if read else "the error log"
    fix = ("run wsgidoctor as root (or as a member of the logs' group, adm on Debian and Ubuntu)"
           if F.get(facts, "errorlog.as_root") is False
           else "make the log readable (an SELinux or AppArmor label, or an immutable attribute, can "
                "deny even root), or give it to `wsgidoctor analyze`")
    return {"reason": f"could not read {listed}{more}: what Apache and mod_wsgi logged there, in "
                      f"{what}, was not examined", "fix": fix}


def _permissions(facts: dict[str, Any]) -> Optional[dict[str, str]]:
    """Paths Apache's user needs that wsgidoctor's own user could not look at: unknown, not fine."""
    unchecked = [c for c in F.get(facts, "permissions.checks") or () if isinstance(c, dict) and c.get("unchecked")]
    if not unchecked:
        return None
    first = unchecked[0]
    more = f" and {len(unchecked) - 1} more" if len(unchecked) > 1 else ""
    return {"reason": f"wsgidoctor's user may not look at {first['unchecked'].get('path')}, so whether "
                      f"{first.get('user')} can reach {first.get('path')} ({first.get('directive')} at "
                      f"{first.get('where')}){more} is unknown",
            "fix": "run wsgidoctor as root, as Apache itself starts (sudo wsgidoctor check)"}


def _linkage(facts: dict[str, Any]) -> Optional[dict[str, str]]:
    if not F.get(facts, "linkage.module"):
        return None
    if F.get(facts, "linkage.python_library.name") or F.get(facts, "linkage.static"):
        return None
    return {"reason": f"which libpython {F.get(facts, 'linkage.module')} uses is unknown",
            "fix": "run as root (or as a user who can read mod_wsgi.so), or pass --module"}


def _python(facts: dict[str, Any]) -> Optional[dict[str, str]]:
    if F.get(facts, "python.version") or not (F.get(facts, "linkage.module") or F.get(facts, "config.module")):
        return None
    processes = [p for p in F.get(facts, "hosting.processes") or () if isinstance(p, dict)]
    if any(p.get("exit_code") is not None or p.get("signal") or p.get("timed_out") for p in processes):
        return None  # Python was started as Apache starts it and failed: that is the answer
    error = F.get(facts, "hosting.error")
    if not F.get(facts, "hosting.libpython") and not error:
        return {"reason": "no libpython could be loaded to start Python as Apache does",
                "fix": "fix the Python shared library first (see that section's findings), then check again"}
    reason = (f"the hosting program could not run: {error}" if error
              else "the hosting program gave no answer about Python")
    return {"reason": reason,
            "fix": "install wsgidoctor's prebuilt wheel, or a C compiler (apt-get install gcc libc6-dev) "
                   "and reinstall wsgidoctor so that its hosting program is built; or run "
                   "`wsgidoctor check --live`"}


_CHECKS = {"apache": _apache, "modules": _modules, "mutex": _mutex, "config": _config, "linkage": _linkage,
           "python": _python, "permissions": _permissions, "errorlog": _errorlog}

#: What is not known when the binary did not answer as Apache httpd (``install.httpd_identified``):
#: the sections that need httpd's own answer, beyond its build and modules.
_NEED_HTTPD = {
    "mutex": "the accept mutex it uses is unknown (the mechanisms shown are those of the APR headers found)",
    "config": "its configuration was not read",
    "linkage": "how mod_wsgi.so's libraries resolve depends on the program that loads it, and this one is not Apache",
    "python": "Python was started as this program, not Apache, would start it",
    "wsgi": "its mounts and its MPM's threading are unknown (what is shown is the default)",
    "errorlog": "its error log is unknown (its configuration names it)",
}


def _not_httpd(facts: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    if F.get(facts, "install.httpd_identified") is not False:
        return {}
    binary = F.get(facts, "install.httpd") or "httpd"
    return {section: {"reason": f"`{binary}` did not answer as Apache httpd: {what}", "fix": _WRONG_BINARY_FIX}
            for section, what in _NEED_HTTPD.items()}


@derivation(order=90)
def incomplete_sections(facts: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    """``incomplete.<section> = {reason, fix}`` for each section of this machine left unexamined,
    and, for pasted outputs, a module list that is not whole."""
    if not isinstance(facts.get("install"), dict) or not F.get(facts, "install.httpd"):
        cut = _modules_cut(facts)
        return {"incomplete": {"modules": cut}} if cut else None
    found = {}
    for section, check in _CHECKS.items():
        entry = check(facts)
        if entry:
            found[section] = entry
    for section, entry in _not_httpd(facts).items():
        found.setdefault(section, entry)
    return {"incomplete": found} if found else None


@rule
def sections_examined(facts: dict[str, Any]) -> Iterable[Finding]:
    """One warning naming every incomplete section, why, and how to make its examination possible.

    It fires even when an error already explains the cause (a refused configuration leaves the
    module list unread): the error says what is wrong, this says what was therefore not verified.
    """
    found = facts.get("incomplete")
    if not isinstance(found, dict) or not found or not F.get(facts, "install.httpd"):
        return  # a paste covers what it covers: its gaps are shown in their sections, not warned about
    from wsgidoctor.core.catalogue import SECTIONS

    lines = [f"{SECTIONS.get(k, k)}: {v.get('reason')} — to examine it: {v.get('fix')}"
             for k, v in found.items() if isinstance(v, dict)]
    yield NOT_EXAMINED.make("Not examined: " + ", ".join(SECTIONS.get(k, k) for k in found) + ".\n"
                            + "\n".join(lines),
                            [Evidence("incomplete", line) for line in lines])
