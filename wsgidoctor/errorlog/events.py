"""The catalogue of error-log events: what a line means, and the values it carries.

Each :class:`EventType` names an event (``daemon-header-timeout``), the regular expression that
recognises its message, the ``AH``/``WSGI`` codes that identify it without looking at the
wording, and which extracted value to count occurrences by (the daemon group, the symbol...).
:func:`classify` returns the first matching event of a line, so order matters: specific before
general. The scanner only asks about lines that contain one of :data:`NEEDLES` (the one
exception, ``command-line``, is read from the line after the banner), so every event here must
contain one of them; the tests check this against sample lines of every event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from wsgidoctor.errorlog.lines import LogLine
from wsgidoctor.errorlog.symbols import symbol_owner

#: Byte strings of which every interesting line contains at least one. The scanner runs one
#: ``bytes.find`` pass per needle over each block, and CPython's search is fastest for needles of
#: six or more characters, so these are few, and long where coverage allows.
NEEDLES: tuple[bytes, ...] = (
    b"configured --", b"Python", b"WSGI", b"rocess '", b"ImportError", b"odule", b"Cannot load",
    b"exit signal", b"ccept ", b"client denied", b"caught SIG", b"restart",
)


@dataclass(frozen=True)
class EventType:
    name: str
    hints: tuple[str, ...]  # the message contains one of these whenever ``pattern`` matches
    pattern: Optional[re.Pattern[str]] = None
    codes: tuple[str, ...] = ()
    key: Optional[str] = None  # the field occurrences are counted by


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_GROUP = r"'(?P<group>[^']*)'"
_VERSION = r"(?P<version>[\w.+~-]+?)\.?\s*$"

EVENT_TYPES: tuple[EventType, ...] = (
    EventType("banner", ('configured --',), _re(r"^(?P<description>.*?) ?configured -- resuming normal operations"),
              key=None),
    EventType("command-line", ('Command line',), _re(r"^Command line: '(?P<command>.*)'\s*$"), codes=("AH00094",)),
    EventType("server-restart", ('SIG', 'Graceful restart'), _re(r"(?P<signal>SIGHUP|SIGUSR1) received|Graceful restart requested"
                                    r"|caught (?P<stop>SIGTERM|SIGWINCH)"), key="signal"),
    EventType("python-version-mismatch", ('but runtime using',),
              _re(r"Compiled for Python/(?P<compiled>[\w.+~-]+) but runtime using Python/"
                  r"(?P<runtime>[\w.+~-]+?) in (?P<context>.+?)\.?\s*$"), codes=("WSGI0099",)),
    EventType("compiled-for-python", ('Compiled for Python/',), _re(r"^(?:mod_wsgi: )?Compiled for Python/" + _VERSION)),
    EventType("runtime-using-python", ('Runtime using Python/',), _re(r"^(?:mod_wsgi: )?Runtime using Python/" + _VERSION)),
    EventType("python-path-config", ('Python path configuration',), _re(r"^Python path configuration:")),
    EventType("python-home-unusable", ('Python home',),
              _re(r"Unable to stat Python home '?(?P<home>.+?)'?(?: for (?P<context>[^;]+?))?[.;] Python"
                  r"|Python home '?(?P<home2>.+?)'?(?: for (?P<context2>.+?))? is not "
                  r"(?P<problem>a directory|accessible)"),
              codes=("WSGI0100", "WSGI0101", "WSGI0102"), key="home"),
    EventType("python-home-set", ('Python home',), _re(r"^Python home (?:set to )?'?(?P<home>[^']+?)'?(?: for (?P<context>.+?))?\.$"),
              key="home"),
    EventType("fatal-python-error", ('Fatal Python error',), _re(r"Fatal Python error: (?P<reason>.*)"), key="reason"),
    EventType("no-module-encodings", ('encodings',), _re(r"No module named '?encodings'?")),
    EventType("no-module-site", ('site',), _re(r"No module named '?site'?\s*$|'import site' failed")),
    EventType("python-init-failed", ('initiali',), _re(r"Python (?:child )?initiali[sz]ation failed"),
              codes=("WSGI0001", "WSGI0002", "WSGI0028")),
    EventType("interpreter-change", ('Interpreter change',), _re(r"Interpreter change detected")),
    EventType("module-load-failed", ('Cannot load',),
              _re(r"Cannot load (?P<module>.+?) into server: (?P<reason>.*)"), key="module"),
    EventType("module-incompatible", ('not compatible',),
              _re(r"[Mm]odule \"?(?P<module>[^\"]+?)\"? is not compatible with this version of Apache"
                  r"(?: \(found (?P<found>\d+), need (?P<need>\d+)\))?")),
    EventType("invalid-command", ('Invalid command',),
              _re(r"Invalid command '(?P<directive>WSGI\w*)', perhaps misspelled"), key="directive"),
    EventType("mod-python-conflict", ('mod_python module',), _re(r"mod_python module can not be used in conjunction with mod_wsgi")),
    EventType("mod-python-loaded", ('mod_python: ', 'python_init: '), _re(r"^(?:mod_python: |python_init: )(?P<detail>.*)")),
    EventType("daemon-connect-refused", ('Unable to connect',),
              _re(r"Unable to connect to WSGI daemon process " + _GROUP + r" on '(?P<socket>[^']*)'"
                  r" after multiple attempts"), codes=("WSGI0116",), key="group"),
    EventType("daemon-connect-failed", ('Unable to connect',),
              _re(r"Unable to connect to WSGI daemon process " + _GROUP + r" on '(?P<socket>[^']*)'"
                  r"(?: as user with uid=(?P<uid>-?\d+))?"), codes=("WSGI0117",), key="group"),
    EventType("daemon-header-timeout", ('Timeout when reading',),
              _re(r"Timeout when reading response headers from daemon process " + _GROUP +
                  r"(?:: (?P<script>.*))?"), codes=("WSGI0145",), key="group"),
    EventType("daemon-truncated-headers", ('response headers', 'Response header'),
              _re(r"(?P<variant>Truncated or oversized response headers received from"
                  r"|Response header line too long from|Error reading response headers from)"
                  r" daemon process " + _GROUP + r"(?:: (?P<script>.*))?"
                  r"|Daemon process " + _GROUP.replace("group", "group2") +
                  r" closed connection before sending complete response headers"),
              codes=("WSGI0144", "WSGI0146", "WSGI0147"), key="group"),
    EventType("daemon-deadlock-timeout", ('deadlock timer',),
              _re(r"Daemon process deadlock timer expired, stopping process " + _GROUP), key="group"),
    EventType("daemon-request-time-limit", ('time limit exceeded',),
              _re(r"Daemon process request time limit exceeded, stopping process " + _GROUP), key="group"),
    EventType("daemon-died", ('has died',),
              _re(r"^Process " + _GROUP + r"(?: \(pid=\d+\))? has died(?:,|;) (?:deregister|deregistering)"),
              key="group"),
    EventType("daemon-terminated", ('terminated',),
              _re(r"^Process " + _GROUP + r"(?: \(pid=\d+\))? terminated (?:by signal (?P<signal>\d+)"
                  r"|normally, exit code (?P<exit>-?\d+))"), key="group"),
    EventType("daemon-group-unknown", ('WSGI daemon process called', 'cannot be accessed'),
              _re(r"No WSGI daemon process called " + _GROUP + r" has been configured"
                  r"|Daemon process called " + _GROUP.replace("group", "group2") +
                  r" cannot be accessed by this WSGI application"), key="group"),
    EventType("child-crashed", ('exit signal',),
              _re(r"child pid (?P<child>\d+) exit signal (?P<signame>.+?) \((?P<signal>\d+)\)"
                  r"(?:, possible coredump in (?P<coredir>.+))?"), codes=("AH00051", "AH00052"),
              key="signal"),
    EventType("mutex-create-failed", ('create',),
              _re(r"Couldn't create (?:the )?(?P<which>[\w-]+ mutex|accept lock)(?: '(?P<path>[^']*)')?"
                  r"|Unable to create accept lock '(?P<path2>[^']*)'"),
              codes=("AH00023", "WSGI0030"), key="which"),
    EventType("accept-mutex-failed", ('mutex',),
              _re(r"couldn't (?P<op>grab|release) the accept mutex|apr_proc_mutex_(?P<op2>lock|unlock) failed"),
              codes=("AH00144", "AH00146"), key="errno"),
    EventType("script-exec-failed", ('Python script file', 'as Python module', 'exception raised processing'),
              _re(r"(?:Failed to exec|Unable to execute) Python script file '(?P<script>[^']*)'"
                  r"|Target WSGI script '(?P<script2>[^']*)' cannot be loaded as Python module"
                  r"|(?P<exception>\w+) exception raised processing WSGI script '(?P<script3>[^']*)'"),
              codes=("WSGI0109", "WSGI0110"), key="script"),
    EventType("import-error", ('Error: ',),
              _re(r"^(?P<exception>ModuleNotFoundError|ImportError): (?P<detail>.*)"), key="module"),
    EventType("script-not-found", ('Target WSGI script not found',),
              _re(r"Target WSGI script not found or unable to stat(?:: (?P<path>.*))?"),
              codes=("WSGI0135",), key="path"),
    EventType("client-denied", ('client denied',), _re(r"client denied by server configuration: (?P<path>.*)"),
              codes=("AH01630",), key="path"),
)

BY_NAME = {e.name: e for e in EVENT_TYPES}

#: The value each event (including the names :func:`classify` refines to) is tallied by.
TALLY_KEYS: dict[str, Optional[str]] = {
    **{e.name: e.key for e in EVENT_TYPES},
    "module-undefined-symbol": "symbol", "module-load-denied": "module", "libpython-missing": "library",
    "accept-mutex-removed": "errno", "no-module-encodings": None,
}

_MODULE_NAMED = re.compile(r"No module named '?(?P<module>[\w.]+)'?")
_CANNOT_IMPORT = re.compile(r"cannot import name '?(?P<name>\w+)'?(?: from '(?P<module>[\w.]+)')?")
_UNDEFINED = re.compile(r"undefined symbol: (?P<symbol>\S+)")
_SYNTAX_ERROR = re.compile(r"Syntax error on line (?P<config_line>\d+) of (?P<config_file>.+?):(?: |$)")
_NO_SHARED_OBJECT = re.compile(r"(?P<library>[^\s:]+): cannot open shared object file: (?P<why>.*)")


def classify(line: LogLine) -> Optional[tuple[str, dict[str, str]]]:
    """The event a line records and the values it carries, or ``None`` for an ordinary line."""
    msg = line.message
    code = line.code
    for et in EVENT_TYPES:
        m = None
        if et.pattern is not None:
            for hint in et.hints:
                if hint in msg:
                    m = et.pattern.search(msg)
                    break
        if m is None and not (code and code in et.codes):
            continue
        fields = _fields(m)
        name = _refine(et.name, fields, line)
        if name is None:
            continue
        return name, fields
    return None


def _fields(m: Optional[re.Match[str]]) -> dict[str, str]:
    """Named groups that matched; ``group2``/``script3``-style alternates fold into their base name."""
    out: dict[str, str] = {}
    if m is None:
        return out
    for key, value in m.groupdict().items():
        if value is None:
            continue
        base = key.rstrip("0123456789")
        out.setdefault(base, value.strip())
    return out


def _refine(name: str, fields: dict[str, str], line: LogLine) -> Optional[str]:
    """Sharpen an event by what it carries (which library failed, which errno...)."""
    if line.errno is not None:
        fields.setdefault("errno", str(line.errno))
        if line.errtext:
            fields.setdefault("error", line.errtext)
    if name == "banner":
        return name if fields.get("description") else None
    if name == "server-restart":
        fields.setdefault("signal", fields.get("stop") or "SIGUSR1")
        return name
    if name in ("module-load-failed", "invalid-command", "module-incompatible"):
        m = _SYNTAX_ERROR.search(line.message)
        if m:
            fields.update(m.groupdict())
    if name == "module-load-failed":
        reason = fields.get("reason", "")
        m = _UNDEFINED.search(reason)
        if m:
            fields["symbol"] = m.group("symbol")
            fields["owner"] = symbol_owner(m.group("symbol"))
            return "module-undefined-symbol"
        if "Permission denied" in reason or "failed to map segment" in reason:
            return "module-load-denied"
        m = _NO_SHARED_OBJECT.search(reason)
        if m:
            fields["library"] = m.group("library")
            if re.search(r"libpython", m.group("library")):
                return "libpython-missing"
        return name
    if name == "import-error":
        detail = fields.get("detail", "")
        if "Interpreter change detected" in detail:
            return "interpreter-change"
        m = _MODULE_NAMED.search(detail) or _CANNOT_IMPORT.search(detail)
        if m and m.groupdict().get("module"):
            fields["module"] = m.group("module")
        elif m:
            fields["module"] = m.group("name")
        if fields.get("module") == "encodings":
            return "no-module-encodings"
        return name
    if name == "accept-mutex-failed":
        # EIDRM (43) or EINVAL (22) on a SysV semaphore: it was removed while Apache ran.
        return "accept-mutex-removed" if line.errno in (43, 22) else name
    return name
