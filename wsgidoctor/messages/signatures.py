"""The one message classifier: what a message line means (its event), and the values it carries.

Every message line goes through :func:`classify`, whatever it came from: an error log, the
output of ``httpd -t``/``-M``, the start command's stderr, a journal, a line pasted on its own.

Each :class:`EventType` names an event (``daemon-header-timeout``), the regular expression that
recognises its message, the ``AH``/``WSGI`` codes that identify it without looking at the
wording, and which extracted value to count occurrences by (the daemon group, the symbol...).
:func:`classify` returns the first matching event of a line, so order matters: specific before
general. A line that no pattern matches but that carries a known ``WSGI####`` code (mod_wsgi 6)
is the event its code maps to in :mod:`wsgidoctor.messages.codes`, or ``mod-wsgi-code``.

The error-log scanner only asks about lines that contain one of :data:`NEEDLES` (the one
exception, ``command-line``, is read from the line after the banner), so every event that can be
logged must contain one of them; :data:`NOT_LOGGED` names those that only a loader or a
command's stderr prints (read in full by :func:`wsgidoctor.errorlog.scan_messages`). The tests
check this against sample lines of every event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from wsgidoctor.messages import codes as wsgi_codes
from wsgidoctor.messages.lines import LogLine
from wsgidoctor.messages.symbols import symbol_owner
from wsgidoctor.core.lazyre import lazy_re

#: Byte strings of which every interesting line contains at least one. A large file is searched
#: for all of them at once by grep or ripgrep (:mod:`wsgidoctor.errorlog.prefilter`); anything
#: else runs one ``bytes.find`` pass per needle over each block, and CPython's search is fastest
#: for needles of six or more characters, so these are few, and long where coverage allows.
#: :data:`NEEDLES` adds the ``AH`` codes of :data:`EVENT_TYPES`, which identify a line on their own.
_WORDING_NEEDLES: tuple[bytes, ...] = (
    b"configured --", b"Python", b"WSGI", b"rocess '", b"ImportError", b"odule", b"Cannot load",
    b"exit signal", b"ccept ", b"client denied", b"caught SIG", b"restart", b"mod_wsgi (",
    b"timed out", b"codec can", b"esponse header", b"t create", b"No MPM", b"mod_python: ", b"python_init: ",
)

#: Events printed by a dynamic loader or on a command's stderr, never as a log line of their own.
NOT_LOGGED = frozenset({"loader-fatal"})


@dataclass(frozen=True)
class EventType:
    name: str
    hints: tuple[str, ...]  # the message contains one of these whenever ``pattern`` matches
    pattern: Optional[re.Pattern[str]] = None
    codes: tuple[str, ...] = ()
    key: Optional[str] = None  # the field occurrences are counted by


def _re(pattern: str) -> re.Pattern[str]:
    return lazy_re(pattern)  # compiled when a line first carries one of its event's hints


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
    # "Cannot load X" alone: the poster cut the loader's reason (only a module path is taken).
    EventType("module-load-failed", ('Cannot load',),
              _re(r"Cannot load (?P<module>.+?) into server: (?P<reason>.*)"
                  r"|Cannot load (?P<module2>\S+\.(?:so|dll|dylib|bundle|pyd|a)\b\S*|/\S+)"
                  r"(?:\s+i(?:n(?:t(?:o(?:\s+\w*:?)?)?)?)?)?\s*$"),
              key="module"),
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
                  r" daemon process(?: " + _GROUP + r")?(?:: (?P<script>.*))?"
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
    EventType("no-mpm-loaded", ('No MPM',), _re(r"Configuration error: No MPM loaded"), codes=("AH00534",)),
    EventType("mutex-create-failed", ('create',),
              _re(r"Couldn't create (?:the )?(?P<which>[\w-]+ mutex|accept lock)(?: '(?P<path>[^']*)')?"
                  r"|Unable to create accept lock '(?P<path2>[^']*)'"),
              codes=("AH00023", "WSGI0030"), key="which"),
    EventType("accept-mutex-failed", ('mutex',),
              _re(r"couldn't (?P<op>grab|release) the accept mutex|apr_proc_mutex_(?P<op2>lock|unlock) failed"),
              codes=("AH00144", "AH00146"), key="errno"),
    # "Exception occurred processing" is mod_wsgi 3.x/4.x's line before a traceback (at load and
    # during a request); mod_wsgi 6 says "<type> exception raised processing" (WSGI0174).
    EventType("script-exec-failed", ('Python script file', 'as Python module', 'exception raised processing',
                                     'Exception occurred processing'),
              _re(r"(?:Failed to exec|Unable to execute) Python script file '(?P<script>[^']*)'"
                  r"|Target WSGI script '(?P<script2>[^']*)' cannot be loaded as Python module"
                  r"|(?P<exception>\w+) exception raised processing WSGI script '(?P<script3>[^']*)'"
                  r"|Exception occurred processing WSGI script '(?P<script4>[^']*)'"),
              codes=("WSGI0109", "WSGI0110"), key="script"),
    EventType("import-error", ('Error: ',),
              _re(r"^(?P<exception>ModuleNotFoundError|ImportError): (?P<detail>.*)"), key="module"),
    EventType("script-not-found", ('Target WSGI script not found',),
              _re(r"Target WSGI script not found or unable to stat(?:: (?P<path>.*))?"),
              codes=("WSGI0135",), key="path"),
    EventType("client-denied", ('client denied',), _re(r"client denied by server configuration: (?P<path>.*)"),
              codes=("AH01630",), key="path"),
    # Rare messages last: the common events of a busy log are tried first.
    EventType("unicode-ascii", ("codec can't",),
              _re(r"(?P<exception>Unicode(?:En|De)codeError): 'ascii' codec can't (?P<op>encode|decode)"),
              key="op"),
    EventType("daemon-configure-failed", ('Failure to configure', 'configuration failed'),
              _re(r"Failure to configure the daemon process correctly"
                  r"|Daemon process configuration failed; process left in unspecified state"),
              key=None),
    EventType("script-compile-failed", ('read/compile', 'read or compile'),
              _re(r"Could not read(?:/| or )compile (?:source file|WSGI script) '(?P<script>[^']*)'"), key="script"),
    EventType("script-timeout", ('Script timed out',),
              _re(r"Script timed out before returning headers(?:: (?P<script>.*))?"), key="script"),
    EventType("wsgi-daemon-duplicate", ('duplicates previous',),
              _re(r"Name duplicates previous WSGI daemon\b")),
    EventType("wsgi-option-invalid", ('Invalid option to WSGI',),
              _re(r"Invalid option to WSGI (?P<what>daemon process|[\w ]+?)(?: definition|\s|$)"), key="what"),
    EventType("code-signing", ('Code signing',),
              _re(r"Code signing absent - not loading module at: (?P<module>\S+)"), codes=("AH06665",), key="module"),
    # A loader's own line without httpd's "Cannot load X into server:" around it (Solaris
    # ld.so.1; glibc's "X: cannot open shared object file: ..." quoted from systemctl status).
    EventType("loader-fatal", ('ld.so.1', 'cannot open shared object file'),
              _re(r"ld\.so\.1: (?P<program>[^:\s]+): fatal: (?P<reason>.*)"
                  r"|(?:^|[\s'\"`(])(?P<reason2>(?P<module>/?[^\s:'\"`]+\.(?:so|bundle)\b[^\s:'\"`]*): cannot "
                  r"open shared object file: [^`'\"]*)"), key="module"),
)

#: Byte strings of which every line an event can be recognised in contains one: the wording's
#: (above) and the httpd message codes the events know (a line carrying ``AH00052`` is that event
#: whatever its wording, a translated or reworded build's included).
NEEDLES: tuple[bytes, ...] = _WORDING_NEEDLES + tuple(sorted({
    code.encode() for et in EVENT_TYPES for code in et.codes if code.startswith("AH")}))

BY_NAME = {e.name: e for e in EVENT_TYPES}

#: ``WSGI####`` code -> event, from the one table of mod_wsgi's codes.
CODE_EVENTS: dict[str, str] = wsgi_codes.events_by_code()

#: The value each event (including the names :func:`classify` refines to) is tallied by.
TALLY_KEYS: dict[str, Optional[str]] = {
    **{e.name: e.key for e in EVENT_TYPES},
    "module-undefined-symbol": "symbol", "module-load-denied": "module", "libpython-missing": "library",
    "accept-mutex-removed": "errno", "no-module-encodings": None, "semaphores-exhausted": "which",
    "daemon-mode-windows": "directive", "windows-dll-not-found": "module", "windows-not-win32": "module",
    "library-not-loaded": "library", "module-needs-ibt": "module", "mod-wsgi-code": "code",
    "libpython-static": "library",
}

_MODULE_NAMED = lazy_re(r"No module named '?(?P<module>[\w.]+)'?")
_CANNOT_IMPORT = lazy_re(r"cannot import name '?(?P<name>\w+)'?(?: from '(?P<module>[\w.]+)')?")
_UNDEFINED = lazy_re(r"undefined symbol: (?P<symbol>\S+)")
_SYNTAX_ERROR = lazy_re(r"Syntax error on line (?P<config_line>\d+) of (?P<config_file>.+?):(?: |$)")
_NO_SHARED_OBJECT = lazy_re(r"(?P<library>[^\s:]+): cannot open shared object file: (?P<why>.*)")
#: macOS dyld: "Symbol not found: _PyBool_Type", "symbol not found in flat namespace '_PyBool_Type'";
#: Solaris ld.so.1: "relocation error: file F: symbol S: referenced symbol not found".
_DYLD_SYMBOL = lazy_re(r"[Ss]ymbol not found(?: in flat namespace)?:? '?(?P<symbol>[^'\s]+)'?"
                       r"|relocation error: (?:file \S+: )?symbol (?P<symbol2>[^:\s]+): referenced symbol not found")
_DYLD_LIBRARY = lazy_re(r"Library not loaded: '?(?P<library>[^'\s]+)'?"
                        r"|(?:fatal: )?(?P<library2>[^:\s]+): open failed: (?P<why>[^.]*)")
#: A static archive (lib*.a) named to LoadFile/LoadModule; macOS prints its "!<arch>" magic.
_STATIC_ARCHIVE = lazy_re(r"\.a[\"']?$")
_AR_MAGIC = lazy_re(r"first eight bytes: 0x21 0x3C 0x61 0x72 0x63 0x68", re.I)
_PYTHON_LIBRARY = lazy_re(r"libpython|Python\.framework|/Python3?$|python\d+\.dll", re.I)
_WINDOWS = lazy_re(r"(?:^|[\s'\"(])[A-Za-z]:[/\\]|\.exe\b|\((?:Win32|Win64)\)")
#: Windows' loader messages, in English and as localised Windows versions print them (German seen).
_WINDOWS_NOT_FOUND = lazy_re(r"specified (?:module|procedure) could not be found"
                             r"|angegebene (?:Modul|Prozedur) wurde nicht gefunden", re.I)
_WINDOWS_DENIED = lazy_re(r"Access is denied|cannot access the file|Zugriff verweigert"
                          r"|kann auf die Datei nicht zugreifen", re.I)
#: Directives that mod_wsgi does not provide on Windows (no daemon mode there).
_DAEMON_ONLY = ("WSGIDaemonProcess", "WSGIProcessGroup", "WSGISocketPrefix", "WSGIAcceptMutex",
                "WSGISocketRotation", "WSGIDaemonSocket")


#: Classifications of recent messages: a log repeats the same few messages with other times,
#: pids and clients, and what a line means depends only on this key. Bounded: cleared when full,
#: long messages never kept.
_RECENT: dict[tuple[str, Optional[str], Optional[int], Optional[str]], Optional[tuple[str, dict[str, str]]]] = {}
_RECENT_LIMIT = 2048
_RECENT_MESSAGE = 512


def classify(line: LogLine) -> Optional[tuple[str, dict[str, str]]]:
    """The event a line records and the values it carries, or ``None`` for an ordinary line.

    A function of the line's message, code, errno and errno text alone (the rest of the line -
    time, pid, client - never changes what it means); the fields are the caller's to change.
    """
    if len(line.message) > _RECENT_MESSAGE:
        return _classify(line)
    key = (line.message, line.code, line.errno, line.errtext)
    try:
        found = _RECENT[key]
    except KeyError:
        found = _classify(line)
        if len(_RECENT) >= _RECENT_LIMIT:
            _RECENT.clear()
        _RECENT[key] = (found[0], dict(found[1])) if found is not None else None
        return found
    return (found[0], dict(found[1])) if found is not None else None


def _classify(line: LogLine) -> Optional[tuple[str, dict[str, str]]]:
    msg = line.message
    code = line.code
    code_event = CODE_EVENTS.get(code) if code else None
    for et in EVENT_TYPES:
        m = None
        if et.pattern is not None:
            for hint in et.hints:
                if hint in msg:
                    m = et.pattern.search(msg)
                    break
        if m is None and not (code and (code_event == et.name or code in et.codes)):
            continue
        fields = _fields(m)
        name = _refine(et.name, fields, line)
        if name is None:
            continue
        return name, fields
    entry = wsgi_codes.lookup(code)
    if entry is not None:
        return "mod-wsgi-code", {"code": entry.code, "meaning": entry.meaning,
                                 "severity": entry.severity or "", "message": msg}
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
    if name == "invalid-command":
        if fields.get("directive") in _DAEMON_ONLY and _WINDOWS.search(line.message):
            return "daemon-mode-windows"
        return name
    if name == "loader-fatal":
        found = _load_failure(name, fields.get("reason", ""), fields)
        if found == name and fields.get("module") and "while loading shared libraries" not in line.message:
            return "module-load-failed"  # a module's own file could not be opened
        return found
    if name == "module-load-failed":
        return _load_failure(name, fields.get("reason", ""), fields)
    if name == "no-module-site":
        if "'" not in line.message and "ModuleNotFoundError" not in line.message:
            fields["python"] = "2"  # Python 3 quotes the name: No module named 'site'
        return name
    if name == "mutex-create-failed" and line.errno == 28:
        return "semaphores-exhausted"  # ENOSPC from semget: the system's SysV semaphores are used up
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
        if line.errno == 28:
            return "semaphores-exhausted"
        # EIDRM (43) or EINVAL (22) on a SysV semaphore: it was removed while Apache ran.
        return "accept-mutex-removed" if line.errno in (43, 22) else name
    return name


def _load_failure(name: str, reason: str, fields: dict[str, str]) -> str:
    """Which loader failure a "Cannot load X into server: REASON" (or a loader's own line) is."""
    module = fields.get("module", "")
    if _STATIC_ARCHIVE.search(module) or _AR_MAGIC.search(reason):
        # LoadFile/LoadModule of a static archive (libpythonX.Y.a): no loader can map it.
        fields["library"] = module
        return "libpython-static" if _PYTHON_LIBRARY.search(module) else name
    m = _UNDEFINED.search(reason) or _DYLD_SYMBOL.search(reason)
    if m:
        symbol = m.group("symbol") or m.groupdict().get("symbol2") or ""
        if "Symbol not found" in reason or "flat namespace" in reason:
            symbol = symbol[1:] if symbol.startswith("_") else symbol  # Mach-O names carry a leading _
        fields["symbol"] = symbol
        fields["owner"] = symbol_owner(symbol)
        return "module-undefined-symbol"
    if "code signature" in reason or "Library Validation" in reason:
        return "code-signing"
    if "Permission denied" in reason or "failed to map segment" in reason or _WINDOWS_DENIED.search(reason):
        return "module-load-denied"
    if "IBT support" in reason:
        return "module-needs-ibt"
    if "not a valid Win32 application" in reason:
        return "windows-not-win32"
    if _WINDOWS_NOT_FOUND.search(reason):
        return "windows-dll-not-found"
    m = _NO_SHARED_OBJECT.search(reason)
    if m:
        fields["library"] = m.group("library")
        return "libpython-missing" if _PYTHON_LIBRARY.search(m.group("library")) else name
    m = _DYLD_LIBRARY.search(reason)
    if m:
        library = m.group("library") or m.group("library2") or ""
        fields["library"] = library
        return "libpython-missing" if _PYTHON_LIBRARY.search(library) else "library-not-loaded"
    return name
