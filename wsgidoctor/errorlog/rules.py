"""Rules for the "Error log" section: what the server's own log says went wrong.

Facts come from ``probes/errorlog.py`` (the main log from the last start-up on) or from a pasted
log (``wsgidoctor analyze error.log``); see docs/errorlog-facts.md. Every finding cites the log
lines (path:line) it rests on. Where the cause belongs to another area, that area's finding id is
used (``libpython-not-found``, ``module-magic-mismatch``, ``libpython-version-mismatch``,
``wsgi-module-not-loaded``); ids nobody had declared yet are declared here, in the section that
owns the cause, and looked up in the catalogue at run time so that a later declaration elsewhere
takes over.

Events that all happened before the last start-up are reported as information only: the log
shows them, but they may have been fixed since.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Mapping, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.errorlog.banner import version_tuple
from wsgidoctor.errorlog.cite import LogView, join
from wsgidoctor.messages.symbols import is_python2_symbol
from wsgidoctor.core.model import Evidence, Finding, Severity
from wsgidoctor.core.catalogue import FindingSpec, finding, rule
from wsgidoctor.linkage.rules import NOT_FOUND as LIBPYTHON_NOT_FOUND, MAGIC as MAGIC_MISMATCH, VERSION as VERSION_MISMATCH
from wsgidoctor.linkage.rules import LIBRARY_NOT_LOADED, CODE_SIGNING, WINDOWS_DLL, WINDOWS_WIN32, NEEDS_IBT
from wsgidoctor.linkage.rules import STATIC as LIBPYTHON_STATIC
from wsgidoctor.apache.rules import NO_MPM, WSGI_NOT_LOADED
from wsgidoctor.config.rules import MOD_PYTHON as MOD_PYTHON_CONFLICT, DAEMON_DUPLICATE, OPTION_UNKNOWN, DAEMON_MODE_WINDOWS
from wsgidoctor.python.rules import HOME_INVALID as PYTHON_HOME_INVALID, PATCH_MISMATCH, INIT_FAILED as PYTHON_INIT_FAILED, FOUND_VIA_PATH
from wsgidoctor.python.rules import LOCALE_ASCII_ERROR, PY2_NO_SITE
from wsgidoctor.mutex.rules import MUTEX_DIRECTORY, MUTEX_UNAVAILABLE, SEMAPHORES_EXHAUSTED
from wsgidoctor.core.lazyre import lazy_re

SECTION = "errorlog"


# --- catalogue: ids owned by other areas ------------------------------------------------------

# --- catalogue: ids that belong to other sections but were first needed here ------------------

# --- catalogue: this section's own findings ---------------------------------------------------

LAST_STARTUP = finding(
    "errorlog-last-startup", Severity.INFO, SECTION,
    "What the server reported at its last start-up",
    """When Apache has finished starting it logs a banner naming itself and the modules that add
    to it: "Apache/2.4.71 (Debian) mod_wsgi/4.9.4 Python/3.11 configured -- resuming normal
    operations". It shows the mod_wsgi version actually loaded and, for mod_wsgi 4.5.7 and later,
    the Python X.Y it was compiled for (earlier versions show the full version of the Python
    running). The line's message code names the MPM: AH00489 event, AH00292 worker, AH00163
    prefork, AH00455 the Windows MPM.""",
    "Nothing to do; compare these versions with the installed ones when something else is wrong.",
)

RUNNING_MODULE_DIFFERS = finding(
    "running-module-differs", Severity.WARNING, SECTION,
    "The running server loaded another mod_wsgi version than the one installed",
    """The start-up banner names the mod_wsgi version the server loaded at its last start. When it
    differs from the version of the module file examined now, the module was replaced after the
    server started (it has not been restarted since), or the server loads another module file
    than the one you think.""",
    "Restart Apache so it loads the installed module (`apachectl -k restart` or `systemctl "
    "restart apache2`/`httpd`), and check the LoadModule path.",
)

UNDEFINED_SYMBOL = finding(
    "module-undefined-symbol", Severity.ERROR, SECTION,
    "Apache cannot load a module: undefined symbol",
    """"Cannot load ... into server: ...: undefined symbol: X" means the module calls a function or
    uses a variable that nothing loaded provides. Who should have provided it tells the cause: an
    Apache or APR symbol (ap_*, apr_*) means the module was compiled against another Apache (2.2
    headers loaded into 2.4, or another build); a Python symbol (Py*, _Py*) means the module is not
    linked against libpython (a static or dynamic-lookup build that needs a LoadFile of the
    library) or was built for another Python version (Python 2 symbols such as _Py_ZeroStruct or
    PyString_* in a Python 3 process); anything else is a system library the build expected.""",
    "Rebuild mod_wsgi on this machine against this Apache (its apxs) and the Python it should run.",
)

LOAD_DENIED = finding(
    "module-load-denied", Severity.ERROR, SECTION,
    "Apache is not allowed to read a module or the Python library",
    """"Permission denied" or "failed to map segment from shared object" while loading a module
    means the loader may not read or map the file. With SELinux enforcing (RHEL, Fedora, CentOS)
    this is the usual cause for files outside the standard library directories - a mod_wsgi or
    Python built in a home directory or /opt carries user_home_t or another type that httpd_t may
    not map; plain Unix permissions (a 0700 home directory on the way) give the same message.""",
    "With SELinux: give the files a type Apache may load (`semanage fcontext -a -t lib_t "
    "'/opt/python(/.*)?'` then `restorecon -Rv /opt/python`; check `ausearch -m avc -ts recent`). "
    "Otherwise make the file and every directory above it readable by the user that starts Apache.",
)

LOAD_FAILED = finding(
    "module-load-failed", Severity.ERROR, SECTION,
    "Apache cannot load a module",
    """LoadModule failed ("Cannot load ... into server") for a reason other than a missing Python
    library or an undefined symbol: usually the module file itself is missing at that path, or,
    on Windows, a DLL it depends on (python3X.dll) is not on the DLL search path ("The specified
    module could not be found").""",
    "Check the LoadModule path (`mod_wsgi-express module-config` prints the right line for a pip "
    "install); on Windows add `LoadFile \"C:/PythonXY/python3X.dll\"` before LoadModule.",
)

SOCKET_DENIED = finding(
    "daemon-socket-denied", Severity.ERROR, SECTION,
    "Apache's children cannot reach the daemon processes' socket (permission denied)",
    """Requests are passed to a mod_wsgi daemon group over a UNIX socket created under
    WSGISocketPrefix (by default the server's run-time directory, e.g. /etc/httpd/logs on RHEL,
    which is mode 0700). Apache's child processes, running as Apache's User, must be able to
    search every directory of that path. When they cannot, connect() fails with "(13)Permission
    denied: ... Unable to connect to WSGI daemon process" and every request gets 503 Service
    Unavailable. mod_ruid2, mpm-itk or a socket-user= that differs from the child user cause the
    same.""",
    "Put the sockets in a directory Apache's user can search: add `WSGISocketPrefix /var/run/wsgi` "
    "(RHEL: `WSGISocketPrefix run/wsgi`) at server level, outside any VirtualHost, and restart "
    "Apache.",
)

CONNECT_FAILED = finding(
    "daemon-connect-failed", Severity.ERROR, SECTION,
    "Apache's children cannot connect to a daemon group (503)",
    """The daemon group's socket refused connections for longer than connect-timeout (15 s):
    "Unable to connect to WSGI daemon process ... after multiple attempts as listener backlog limit
    was exceeded or the socket does not exist". Either no daemon process is running (they crash at
    start, or the socket was deleted, e.g. by a temp-file cleaner), or all its threads are busy
    and the listen backlog (100) is full. From mod_wsgi 6 this can also follow a graceful restart
    with WSGISocketRotation On.""",
    "Make the daemon processes start (see the other findings); if they run, add processes= or "
    "threads=, set request-timeout= and queue-timeout= on WSGIDaemonProcess so stuck requests are "
    "cleared, and keep the sockets out of /tmp (`WSGISocketPrefix /var/run/wsgi`).",
)

RESPONSE_TIMEOUT = finding(
    "daemon-response-timeout", Severity.ERROR, SECTION,
    "Requests time out waiting for a daemon group (504)",
    """"Timeout when reading response headers from daemon process" (mod_wsgi 6: WSGI0145) means
    the daemon accepted the request but sent no response headers within socket-timeout (default:
    Apache's Timeout, 60 s). The application hangs or deadlocks - C extensions such as numpy, lxml
    or psycopg2 are known to deadlock when run in a sub-interpreter - or the daemon processes keep
    dying while starting (a wrong python-home gives exactly this), or a slow backend holds every
    thread.""",
    "Run the application in the main interpreter (`WSGIApplicationGroup %{GLOBAL}`, or "
    "application-group=%{GLOBAL} on WSGIScriptAlias), set request-timeout= on WSGIDaemonProcess so "
    "stuck requests are recycled, and fix any daemon start-up failure shown in the log.",
)

TRUNCATED_HEADERS = finding(
    "daemon-truncated-headers", Severity.ERROR, SECTION,
    "A daemon process died or broke off while answering (truncated headers)",
    """"Truncated or oversized response headers received from daemon process" (mod_wsgi 6:
    WSGI0144, WSGI0146, WSGI0147) means the connection to the daemon closed before complete
    response headers arrived. Almost always the daemon process died mid-request: a crash in a C
    extension (segmentation fault), the kernel's OOM killer, or a restart forced by
    request-timeout, deadlock-timeout or maximum-requests. Rarely a header line really exceeded
    header-buffer-size (32768 bytes).""",
    "Find why the process died: look in the main error log for \"exit signal\", \"terminated by "
    "signal\" or \"time limit exceeded\" at the same time; run the application with "
    "`WSGIApplicationGroup %{GLOBAL}` if C extensions are involved; raise header-buffer-size= only "
    "for genuinely large headers.",
)

CRASH_LOOP = finding(
    "daemon-crash-loop", Severity.ERROR, SECTION,
    "mod_wsgi daemon processes keep dying and being restarted",
    """With LogLevel info mod_wsgi logs "Process 'G' has died, deregister and restart it" each time a
    daemon process of group G exits unexpectedly, then starts a new one. Seen repeatedly, the
    daemon is in a crash loop: usually it cannot initialise Python (wrong python-home), crashes in
    a C extension, or is killed by the OOM killer. Requests routed to the group wait and fail.""",
    "Fix what kills the processes (the log lines before each death show it); the signal number "
    "helps: 11 is a segmentation fault, 9 a kill (OOM killer), 6 an abort.",
)

CHILD_CRASHED = finding(
    "apache-child-crashed", Severity.ERROR, SECTION,
    "Apache child processes crash (exit signal)",
    """"AH00052: child pid N exit signal Segmentation fault (11)" (AH00051 when a core file may have
    been written) means an Apache child process died from a signal. With mod_wsgi in embedded
    mode the Python code and its C extensions run in these processes. Common causes: an extension
    that is not safe in a Python sub-interpreter, two copies of a shared library with clashing
    symbols (expat, OpenSSL or libpq of a binary wheel against those Apache loaded), mod_python
    loaded as well, or memory exhaustion (signal 9).""",
    "Run the application in the main interpreter (`WSGIApplicationGroup %{GLOBAL}`) and preferably "
    "in daemon mode; rebuild binary wheels from source (e.g. psycopg2 instead of psycopg2-binary); "
    "set CoreDumpDirectory to get a core file for gdb.",
)

ACCEPT_MUTEX_REMOVED = finding(
    "accept-mutex-removed", Severity.ERROR, SECTION,
    "The accept mutex's semaphore was removed while Apache ran",
    """"(43)Identifier removed: AH00144: couldn't grab the accept mutex" means the SysV semaphore
    used as Apache's accept mutex was deleted underneath the running server, after which its
    children exit and Apache stops ("AH00050: ... Apache is exiting!"). The usual culprit is
    systemd-logind: with RemoveIPC=yes (the default) it deletes all SysV IPC objects of a
    non-system user when that user's last login session ends, so an Apache running as a regular
    account (uid 1000 or above) loses its semaphore when someone logs out. A manual `ipcrm` does
    the same.""",
    "Set `RemoveIPC=no` in /etc/systemd/logind.conf and `systemctl restart systemd-logind`, or run "
    "Apache as a system user; alternatively use a file-based mutex: `Mutex fcntl:/var/run/apache2 "
    "default` at server level.",
)

SUBINTERPRETER = finding(
    "subinterpreter-incompatible", Severity.ERROR, SECTION,
    "A Python module refuses to run in a sub-interpreter",
    """"ImportError: Interpreter change detected - this module can only be loaded into one
    interpreter per process" comes from C extensions (numpy and packages built on it, xmlsec,
    tensorflow...) that support only the main Python interpreter. mod_wsgi runs each application in
    its own sub-interpreter by default (application group %{RESOURCE}), so the second interpreter
    that imports such a module fails; Django then often reports "populate() isn't reentrant".""",
    "Run the application in the main interpreter: `WSGIApplicationGroup %{GLOBAL}` in its "
    "VirtualHost/Directory, or application-group=%{GLOBAL} on WSGIScriptAlias.",
)

SCRIPT_IMPORT_FAILED = finding(
    "wsgi-script-import-failed", Severity.ERROR, SECTION,
    "The WSGI script cannot import a module it needs",
    """mod_wsgi logged "Failed to exec Python script file" (mod_wsgi 6: WSGI0109) followed by an
    ImportError or ModuleNotFoundError: the Python that mod_wsgi runs cannot import a package the
    application needs. The code runs with mod_wsgi's Python and environment, not your shell's:
    usually the virtual environment is not in use (python-home on a daemon group the request is not
    delegated to, or a venv of another Python version, which mod_wsgi silently ignores), the
    project directory is missing from python-path, or the package is installed for another
    Python.""",
    "Make the package importable by mod_wsgi's Python: set python-home= (daemon mode) or "
    "WSGIPythonHome to the virtual environment that has it, created with the Python version mod_wsgi "
    "was built for; add the project with python-path=; delegate the script with WSGIProcessGroup.",
)

SCRIPT_LOAD_FAILED = finding(
    "wsgi-script-load-failed", Severity.ERROR, SECTION,
    "The WSGI script raises an exception (when loaded or handling a request)",
    """mod_wsgi logged "Failed to exec Python script file" (older versions: "Target WSGI script
    cannot be loaded as Python module"; mod_wsgi 6: WSGI0109/WSGI0110): executing the WSGI script
    raised an exception, so every request to it fails with 500. Or it logged only "Exception
    occurred processing WSGI script" (mod_wsgi 3.x and 4.x; mod_wsgi 6: "<type> exception raised
    processing WSGI script", WSGI0174): the application raised an exception while handling a
    request, and that request failed with 500. Either way the traceback follows in the log.""",
    "Read the traceback after the quoted line and fix the exception (run the script with the same "
    "Python and settings to reproduce it).",
)

SCRIPT_NOT_FOUND = finding(
    "wsgi-script-not-found", Severity.ERROR, SECTION,
    "Target WSGI script not found (404)",
    """"Target WSGI script not found or unable to stat" means the file a WSGIScriptAlias maps the
    URL to does not exist, or Apache's user cannot search a directory on its path. A mount point
    with a trailing slash ("WSGIScriptAlias /app/ /srv/app.wsgi") also maps "/app/x" to
    "/srv/app.wsgix".""",
    "Check the path (`namei -l <path>` shows every directory's permissions for Apache's user) and "
    "give WSGIScriptAlias a mount point and target that either both end in a slash or neither does.",
)

ACCESS_DENIED = finding(
    "wsgi-access-denied", Severity.WARNING, SECTION,
    "Apache denies access to files (AH01630, 403)",
    """"AH01630: client denied by server configuration: PATH" means Apache 2.4's access control
    refused the request: no `Require all granted` covers the directory. For a WSGI script the
    directory holding it needs a <Directory> block granting access; Apache 2.2's `Order allow,deny
    / Allow from all` does nothing in 2.4 without mod_access_compat. The message also appears for
    paths that are denied on purpose.""",
    "Grant access to the script's directory: `<Directory /srv/app> Require all granted "
    "</Directory>` (use the directory of the WSGIScriptAlias target).",
)

GROUP_UNKNOWN = finding(
    "daemon-group-unknown", Severity.ERROR, SECTION,
    "Requests are delegated to a daemon group that is not defined or not reachable (500)",
    """"No WSGI daemon process called 'G' has been configured" means WSGIProcessGroup or
    process-group= names a group that no WSGIDaemonProcess defines; "Daemon process called 'G'
    cannot be accessed by this WSGI application" means it is defined in another VirtualHost (one
    with a different ServerName).""",
    "Define the group with WSGIDaemonProcess in the same VirtualHost (or globally) and spell the "
    "names alike.",
)
DAEMON_CONFIGURE_FAILED = finding(
    "daemon-configure-failed", Severity.ERROR, SECTION,
    "mod_wsgi daemon processes fail to set themselves up and are restarted",
    """"Failure to configure the daemon process correctly and process left in unspecified state.
    Restarting daemon process after delay." (mod_wsgi 6: WSGI0008/WSGI0025, after WSGI0003-0011)
    means a freshly forked daemon process could not switch to what its WSGIDaemonProcess asks
    for: the user= or group= (setuid/setgid refused, unknown account, supplementary groups),
    the home= or working directory (missing, or not searchable by that user; without home= it is
    the user's home directory), or chroot. It exits and is restarted after a delay, forever, and
    requests to the group time out. The lines just before it name the step that failed.""",
    "Fix the step named before the message: make the directory given by home= (or the user's home "
    "directory) exist and be searchable by the daemon's user, check user=/group= name existing "
    "accounts, and start Apache as root when user= differs from Apache's User.",
)
SCRIPT_COMPILE_FAILED = finding(
    "wsgi-script-compile-failed", Severity.ERROR, SECTION,
    "mod_wsgi could not read or compile the WSGI script file",
    """"Could not read/compile source file '...'" (mod_wsgi 6: WSGI0105/WSGI0106 "Could not read or
    compile WSGI script") means mod_wsgi could not load the .wsgi file before running it: the
    process may not read it (permissions, SELinux label, a home directory Apache cannot enter), it
    is not a text file, or it has a Python syntax error (a SyntaxError follows in the log, often
    Python 2 code run by Python 3 or the reverse).""",
    "Make the file readable by the daemon's user (`namei -l <file>`; on SELinux `restorecon -Rv` "
    "or httpd_sys_content_t), and check it compiles with the Python mod_wsgi uses: `python3 -m "
    "py_compile <file>`.",
)
MOD_WSGI_REPORTED = finding(
    "mod-wsgi-reported", Severity.ERROR, SECTION,
    "mod_wsgi logged coded errors (WSGI####)",
    """mod_wsgi 6 prefixes its serious messages with a stable code (WSGI0001 to WSGI0210, listed in
    mod_wsgi's docs/error-reference.rst). These are codes wsgidoctor has no more specific finding
    for; the detail names each one's meaning. ALERT and CRIT mean a process or daemon group
    cannot run; ERR concerns one request or a degraded part; WARNING is a condition to look at.""",
    "Look up each code in mod_wsgi's error reference (docs/error-reference.rst, "
    "https://modwsgi.readthedocs.io) and act on the lines around it in the log.",
)


#: Events whose finding needs nothing but the event itself: event -> (finding, what it means).
#: The same table serves log lines and ``httpd -t`` errors (wsgidoctor/config/refusal.py).
SIMPLE_EVENTS: dict[str, tuple[FindingSpec, str]] = {
    "wsgi-daemon-duplicate": (DAEMON_DUPLICATE, "a second WSGIDaemonProcess reuses a daemon group name"),
    "wsgi-option-invalid": (OPTION_UNKNOWN, "a WSGI directive has an option the installed mod_wsgi does not know"),
    "daemon-mode-windows": (DAEMON_MODE_WINDOWS, "daemon-mode directives do not exist in mod_wsgi on Windows"),
    "semaphores-exhausted": (SEMAPHORES_EXHAUSTED, "the system's SysV semaphores are used up, not the disk"),
    "unicode-ascii": (LOCALE_ASCII_ERROR, "Python encodes text as ASCII: Apache runs with the C locale"),
    "library-not-loaded": (LIBRARY_NOT_LOADED, "macOS's loader cannot find a library the module needs"),
    "code-signing": (CODE_SIGNING, "macOS refuses a module or library that is not validly signed"),
    "windows-dll-not-found": (WINDOWS_DLL, "Windows cannot find a DLL the module needs"),
    "windows-not-win32": (WINDOWS_WIN32, "the module or a DLL it needs is of another bitness"),
    "module-needs-ibt": (NEEDS_IBT, "the module lacks the IBT markers this httpd enforces"),
    "daemon-configure-failed": (DAEMON_CONFIGURE_FAILED, "daemon processes cannot take their user, group or directory"),
    "script-compile-failed": (SCRIPT_COMPILE_FAILED, "mod_wsgi cannot read or compile the WSGI script"),
    "no-mpm-loaded": (NO_MPM, "the configuration loads no MPM, so Apache does not start"),
}


def static_libpython(fields: Mapping[str, Any]) -> tuple[str, str]:
    """Why Apache cannot load ``fields['library']`` (a libpythonX.Y.a) and how to fix it."""
    library = fields.get("library") or "libpython*.a"
    return (f"{library} is a static archive: LoadFile (or LoadModule) can only load a shared library, "
            "and this Python was built without one (no --enable-shared), so mod_wsgi cannot use it.",
            "Rebuild that Python with a shared library (pyenv: `PYTHON_CONFIGURE_OPTS=--enable-shared "
            "pyenv install X.Y.Z`; macOS also --enable-framework), reinstall mod_wsgi with it, and point "
            "LoadFile at the libpythonX.Y.so/.dylib (`mod_wsgi-express module-config` prints the lines).")


def undefined_symbol(fields: Mapping[str, Any], f: dict[str, Any]) -> tuple[str, Optional[str]]:
    """Why a module lacks ``fields['symbol']`` and how to fix it (the same in a log and in ``-t``)."""
    symbol, owner = fields.get("symbol", "?"), fields.get("owner")
    module = fields.get("module", "the module")
    if owner == "apache":
        apxs = F.get(f, "install.apxs") or "/path/to/this/apxs"
        return (f"{symbol} is an Apache/APR symbol: {module} was compiled against another Apache "
                f"(e.g. 2.2 headers loaded into 2.4) than this one.",
                f"Rebuild mod_wsgi against this Apache: `APXS={apxs} pip install mod_wsgi`, or "
                f"install the distribution's mod_wsgi package, and fix the LoadModule line to load it.")
    if owner == "python" and is_python2_symbol(symbol):
        return (f"{symbol} exists only in Python 2: {module} was built for Python 2.",
                "Install or build a mod_wsgi for the Python 3 you use (Debian/Ubuntu: "
                "libapache2-mod-wsgi-py3; otherwise `pip install mod_wsgi` in that Python).")
    if owner == "python":
        return (f"{symbol} is a Python symbol: {module} is not linked against libpython (a static "
                f"or dynamic-lookup build), or it was built for a newer Python than the library "
                f"it loads.",
                "Load the Python library first: `LoadFile /path/to/libpythonX.Y.so.1.0` before "
                "LoadModule, or rebuild mod_wsgi against a Python built with --enable-shared.")
    return (f"{symbol} is neither an Apache nor a Python symbol: a system library the build "
            f"expected is missing or of another version.", None)


def configtest_events(f: dict[str, Any]) -> set[str]:
    """Events of the errors ``httpd -t``/``-M`` reported now; reported from there, not twice."""
    errors = F.get(f, "apache.configtest.errors")
    return {str(e.get("event")) for e in errors or () if isinstance(e, Mapping) and e.get("event")} \
        if isinstance(errors, list) else set()


# --- helpers ---------------------------------------------------------------------------------


def _view(f: dict[str, Any]) -> Optional[LogView]:
    """The main error log."""
    log = F.get(f, "errorlog")
    return LogView(log) if isinstance(log, Mapping) and log.get("events") is not None else None


def _request_views(f: dict[str, Any]) -> Iterable[tuple[LogView, LogView]]:
    """``(log, main)`` for the main log and each virtual host's log: requests fail in the log of
    their virtual host, while daemon processes and Python report to the main one."""
    main = _view(f)
    if not main:
        return
    yield main, main
    for log in F.get(f, "errorlog.vhost_logs") or ():
        if isinstance(log, Mapping) and log.get("events") is not None:
            yield LogView(log), main


def _make(spec: FindingSpec, view: LogView, detail: str, evidence: Iterable[Evidence],
          events: Iterable[Optional[Mapping[str, Any]]], *, fix: Optional[str] = None,
          severity: Optional[Severity] = None) -> Finding:
    """A finding, downgraded to information when everything it cites predates the last start-up."""
    if view.stale(*events):
        detail = (f"All of this happened before the last start-up (which begins at "
                  f"{view.where(view.log.get('startup_line'))}); it may have been fixed since. ") + detail
        severity = Severity.INFO
    return spec.make(detail=detail, evidence=list(evidence), fix=fix, severity=severity)


def _windows(view: LogView) -> bool:
    banner = view.log.get("banner") or {}
    return bool(banner.get("mpm") == "winnt" or str(banner.get("apache_vendor") or "").startswith("Win"))


def _python_xy(f: dict[str, Any], view: LogView) -> Optional[str]:
    for value in (view.log.get("compiled_python"), F.get(f, "mod_wsgi.python_compiled"),
                  F.get(f, "linkage.python_library.python_version")):
        t = version_tuple(str(value)) if value else ()
        if len(t) >= 2:
            return f"{t[0]}.{t[1]}"
    return None


def _config_lines(f: dict[str, Any], names: tuple[str, ...], value: Optional[str] = None) -> list[Evidence]:
    """Configuration directives (by name, optionally mentioning ``value``) as evidence."""
    out = []
    for d in F.get(f, "config.directives") or ():
        if not isinstance(d, Mapping) or str(d.get("name", "")).lower() not in names:
            continue
        args = " ".join(str(a) for a in d.get("args") or ())
        if value is None or value.rstrip("/") in args:
            out.append(Evidence(str(d.get("file") or "configuration"), f"{d.get('name')} {args}", d.get("line")))
    return out


#: Events that follow from daemon processes failing to start Python; reported with that cause.
CONSEQUENCES = (("daemon-died", "daemon processes died and were restarted"),
                ("daemon-header-timeout", "requests timed out waiting for the daemon processes"),
                ("daemon-connect-refused", "connections to the daemon processes were refused"))


def _python_failed(view: LogView) -> bool:
    """True when the log shows Python failing to start (and not only before the last start-up)."""
    events = [view.event(n) for n in ("python-home-unusable", "no-module-encodings", "no-module-site",
                                      "fatal-python-error", "python-init-failed")]
    return any(events) and not view.stale(*events)


# --- rules -----------------------------------------------------------------------------------


@rule
def last_startup(f: dict[str, Any]) -> Iterable[Finding]:
    view = _view(f)
    banner = view.log.get("banner") if view else None
    if not banner:
        return
    parts = [f"Apache {banner.get('apache_version') or '?'}"
             + (f" ({banner['apache_vendor']})" if banner.get("apache_vendor") else "")]
    if banner.get("mod_wsgi_version"):
        parts.append(f"mod_wsgi {banner['mod_wsgi_version']}")
        if banner.get("python_version"):
            kind = ("compiled for" if banner.get("python_version_kind") == "compile-time" else "running")
            parts.append(f"Python {banner['python_version']} ({kind})")
    if banner.get("mpm"):
        parts.append(f"MPM {banner['mpm']}")
    detail = f"Last start-up banner at {view.where(banner.get('line'))}: " + ", ".join(parts) + "."
    if not banner.get("mod_wsgi_version"):
        detail += " The banner names no mod_wsgi: it was not loaded at that start-up."
    if banner.get("mod_python_version"):
        detail += f" mod_python {banner['mod_python_version']} was loaded too."
    startups, restarts = view.log.get("startups") or 0, view.log.get("restarts") or 0
    if startups > 1 or restarts:
        detail += (f" The lines read show {startups} start-up(s) and {restarts} stop/restart signal(s).")
    evidence = [Evidence(view.path, str(banner.get("text") or ""), banner.get("line"))]
    yield LAST_STARTUP.make(detail=detail, evidence=evidence)


@rule
def running_module_differs(f: dict[str, Any]) -> Iterable[Finding]:
    view = _view(f)
    banner = view.log.get("banner") if view else None
    installed = F.get(f, "mod_wsgi.version")
    running = banner.get("mod_wsgi_version") if banner else None
    if not (installed and running) or version_tuple(str(installed)) == version_tuple(str(running)):
        return
    yield RUNNING_MODULE_DIFFERS.make(
        detail=(f"The last start-up banner ({view.where(banner.get('line'))}) names mod_wsgi {running}, "
                f"but the installed module is mod_wsgi {installed}."),
        evidence=[Evidence(view.path, str(banner.get("text") or ""), banner.get("line"))])


@rule
def compiled_vs_runtime_python(f: dict[str, Any]) -> Iterable[Finding]:
    view = _view(f)
    if not view:
        return
    compiled, runtime = view.log.get("compiled_python"), view.log.get("runtime_python")
    if not compiled or not runtime or compiled == runtime:
        return
    events = [view.event(n) for n in ("compiled-for-python", "runtime-using-python", "python-version-mismatch")]
    evidence = view.evidence(*events)
    banner = view.log.get("banner") or {}
    if view.log.get("runtime_python_source") == "banner" and banner:
        evidence.append(Evidence(view.path, str(banner.get("text") or ""), banner.get("line")))
    cites = "; ".join(view.where(ev.get("first")) for ev in events if ev) or view.where(banner.get("line"))
    c, r = version_tuple(compiled), version_tuple(runtime)
    if c[:2] != r[:2]:
        yield _make(VERSION_MISMATCH, view,
                    f"mod_wsgi was compiled for Python {compiled} but runs Python {runtime} ({cites}): "
                    f"a different Python series, so the module is running with a library it was not "
                    f"built for.", evidence, events, severity=Severity.ERROR,
                    fix=f"Rebuild mod_wsgi against Python {r[0] if r else '?'}.{r[1] if len(r) > 1 else '?'} "
                        f"(`pip install mod_wsgi` with that Python), or make Apache load the "
                        f"libpython{c[0] if c else ''}.{c[1] if len(c) > 1 else ''} it was built for.")
        return
    yield _make(PATCH_MISMATCH, view,
                f"mod_wsgi reports it was compiled for Python {compiled} and runs Python {runtime} "
                f"({cites}). The same Python series, so this is harmless if both come from one "
                f"installation (the distribution updated python3 after building mod_wsgi).",
                evidence, events, severity=Severity.INFO,
                fix=("Nothing, if both versions come from one installation. If the runtime is another "
                     "installation of that Python (a /usr/local, pyenv or conda build), rebuild mod_wsgi "
                     "against the Python it loads (`pip install mod_wsgi` in that Python, or the "
                     "distribution's mod_wsgi package for the system Python)."))


@rule
def python_start(f: dict[str, Any]) -> Iterable[Finding]:
    """Python could not start: which home it used (if the log shows it) decides the finding."""
    view = _view(f)
    if not view:
        return
    home_ev = view.event("python-home-unusable")
    missing = view.event("no-module-encodings") or view.event("no-module-site")
    fatal = view.event("fatal-python-error")
    init = view.event("python-init-failed")
    dump_ev = view.event("python-path-config")
    dump = view.log.get("path_config") or {}
    if not (home_ev or missing or fatal or init):
        return
    events = [home_ev, dump_ev, fatal, missing, init]
    sentences: list[str] = []
    fix: Optional[str] = None
    home: Optional[str] = None
    if home_ev:
        fields = (home_ev.get("examples") or [{}])[-1].get("fields") or {}
        home = fields.get("home")
        problem = fields.get("problem")
        reason = f"it is not {problem}" if problem else (fields.get("error") or "it cannot be examined")
        sentences.append(f"mod_wsgi cannot use the Python home {home}: {reason} ({view.cite(home_ev)}).")
        if problem == "a directory":
            parent = os.path.dirname(os.path.dirname(home)) if home and "/bin/" in home else "/path/to/venv"
            fix = (f"python-home/WSGIPythonHome must name the installation or virtual environment "
                   f"directory (its sys.prefix), not a file inside it such as bin/python: e.g. "
                   f"`WSGIPythonHome {parent}`, then restart Apache.")
        elif problem == "accessible" or fields.get("errno") == "13":
            fix = (f"Let Apache's user search every directory on the way to {home} (`namei -l {home}` "
                   f"shows the permissions): add o+x to the parents, or move the environment out of "
                   f"a private home directory (e.g. to /srv or /opt), then restart Apache.")
    program = dump.get("program_name")
    venv_home = (os.path.dirname(os.path.dirname(program))
                 if isinstance(program, str) and program.endswith(("/bin/python", "/bin/python3")) else None)
    if dump:
        described = ", ".join(f"{label} = {dump.get(key)!r}" for key, label in (
            ("pythonhome", "PYTHONHOME"), ("program_name", "program name"), ("prefix", "sys.prefix"))
            if key in dump)
        sentences.append(f"Python's path configuration ({view.where(dump.get('line'))}): {described}.")
        home = home or dump.get("pythonhome") or venv_home
    if fatal:
        reasons = view.values(fatal, "reason")
        sentences.append(f"Python stopped: \"Fatal Python error: {reasons[0] if reasons else ''}\" "
                         f"({view.cite(fatal)}).")
    if init:
        sentences.append(f"\"{view.quote(init).split('] ')[-1]}\" ({view.cite(init)}).")
    if missing:
        module = "encodings" if view.event("no-module-encodings") else "site"
        sentences.append(f"\"No module named '{module}'\" ({view.cite(missing)}): Python found no "
                         f"standard library under the prefix it used.")
    evidence = view.evidence(home_ev, dump_ev, fatal, missing, init)
    followed = [(log, log.event(n), label) for log, _ in _request_views(f) for n, label in CONSEQUENCES
                if log.event(n) and (log.log is view.log or n != "daemon-died")]
    crashed = view.event("child-crashed")
    if crashed and _aborted_by_python(view, crashed):
        followed.append((view, crashed, "Apache's child processes aborted (SIGABRT, AH00051)"))
    if followed:
        sentences.append("As a result " + "; ".join(f"{label} ({log.cite(ev)})" for log, ev, label in followed) + ".")
        for log, ev, _ in followed:
            evidence.extend(log.evidence(ev, limit=1))
    if home:
        evidence.extend(_config_lines(f, ("wsgipythonhome", "wsgidaemonprocess"), str(home)))
        target = f"Python {_python_xy(f, view)}" if _python_xy(f, view) else "the Python mod_wsgi was built for"
        fix = fix or (f"Point WSGIPythonHome (or python-home= of the daemon group) at an existing "
                      f"installation or venv of {target} instead of {home}: the directory `python3 -c "
                      f"'import sys; print(sys.prefix)'` prints in that Python, readable by Apache's "
                      f"user. Then restart Apache.")
        yield _make(PYTHON_HOME_INVALID, view, join(sentences), evidence, events, fix=fix)
        return
    if dump and dump.get("pythonhome") is None and (missing or fatal):
        sentences.append(f"No Python home was set, so Python looked for {program or 'python3'} on "
                         f"Apache's PATH and took sys.prefix = {dump.get('prefix')!r} from it, which holds "
                         f"no standard library for the Python mod_wsgi loads.")
        yield _make(FOUND_VIA_PATH, view, join(sentences), evidence, events, severity=Severity.ERROR,
                    fix=("Set `WSGIPythonHome` to the prefix of the Python mod_wsgi was built for (for the "
                         "distribution's python3: `WSGIPythonHome /usr`), or remove the python3 that comes "
                         "first on Apache's PATH (PATH in envvars or the service unit), then restart Apache."))
        return
    if missing:
        sentences.append("The log does not show the home Python used: usually a wrong "
                         "WSGIPythonHome/python-home, or none set and a prefix guessed from Apache's PATH.")
    if _windows(view):
        fix = ("On Windows, WSGIPythonHome must be the base Python installation (e.g. `WSGIPythonHome "
               "\"C:/Python37\"`), not a virtual environment; add the venv's Lib/site-packages with "
               "WSGIPythonPath instead, and load the DLL first with `LoadFile \"C:/Python37/python37.dll\"` "
               "(`mod_wsgi-express module-config` prints both lines).")
    site = view.event("no-module-site")
    if site and "2" in view.values(site, "python"):
        yield _make(PY2_NO_SITE, view, join(sentences), evidence, events)
        return
    yield _make(PYTHON_INIT_FAILED, view, join(sentences), evidence, events, fix=fix)


@rule
def module_load(f: dict[str, Any]) -> Iterable[Finding]:
    view = _view(f)
    if not view:
        return
    now = configtest_events(f)
    ev = view.event("libpython-missing") if "libpython-missing" not in now else None
    if ev:
        libs = ", ".join(view.values(ev, "library"))
        modules = ", ".join(view.values(ev, "module")) or "mod_wsgi"
        yield _make(LIBPYTHON_NOT_FOUND, view,
                    f"Apache refused to load {modules}: the loader cannot find {libs} "
                    f"({view.cite(ev)}).", view.evidence(ev), [ev])
    ev = view.event("module-undefined-symbol") if "module-undefined-symbol" not in now else None
    if ev:
        for ex in view.examples(ev, 1):
            fields = ex.get("fields") or {}
            why, fix = undefined_symbol(fields, f)
            yield _make(UNDEFINED_SYMBOL, view, f"Apache could not load {fields.get('module', 'the module')}: "
                        f"undefined symbol {fields.get('symbol', '?')} ({view.cite(ev)}). {why}",
                        view.evidence(ev), [ev], fix=fix)
    ev = view.event("module-load-denied") if "module-load-denied" not in now else None
    if ev:
        yield _make(LOAD_DENIED, view, f"Permission denied while loading: \"{view.quote(ev)}\" "
                    f"({view.cite(ev)}).", view.evidence(ev), [ev])
    ev = view.event("module-incompatible") if "module-incompatible" not in now else None
    if ev:
        ex = (ev.get("examples") or [{}])[0].get("fields") or {}
        numbers = (f" (built for module magic number {ex['found']}, this Apache needs {ex['need']})"
                   if ex.get("found") else "")
        yield _make(MAGIC_MISMATCH, view, f"Apache refused {ex.get('module', 'a module')}{numbers} "
                    f"({view.cite(ev)}).", view.evidence(ev), [ev])
    ev = view.event("libpython-static") if "libpython-static" not in now else None
    if ev:
        why, fix = static_libpython((ev.get("examples") or [{}])[0].get("fields") or {})
        yield _make(LIBPYTHON_STATIC, view, f"Apache could not load the Python library ({view.cite(ev)}). {why}",
                    view.evidence(ev), [ev], fix=fix, severity=Severity.ERROR)
    ev = view.event("module-load-failed") if "module-load-failed" not in now else None
    if ev:
        yield _make(LOAD_FAILED, view, f"\"{view.quote(ev)}\" ({view.cite(ev)}).", view.evidence(ev), [ev])


@rule
def simple_events(f: dict[str, Any]) -> Iterable[Finding]:
    """The events of :data:`SIMPLE_EVENTS`, in any log (each once: not when ``-t`` reports it)."""
    now = configtest_events(f)
    for view, _ in _request_views(f):
        for name, (spec, meaning) in SIMPLE_EVENTS.items():
            ev = view.event(name)
            if ev and name not in now:
                message = view.quote(ev).split("] ")[-1]
                yield _make(spec, view, f"{meaning[:1].upper()}{meaning[1:]}: \"{message}\" ({view.cite(ev)}).",
                            view.evidence(ev), [ev])


_LEVELS = {"emerg": Severity.ERROR, "alert": Severity.ERROR, "crit": Severity.ERROR, "err": Severity.ERROR,
           "warning": Severity.WARNING}


@rule
def coded_messages(f: dict[str, Any]) -> Iterable[Finding]:
    """mod_wsgi 6's WSGI#### codes that no more specific event covers, each with its meaning."""
    for view, _ in _request_views(f):
        ev = view.event("mod-wsgi-code")
        if not ev:
            continue
        seen: dict[str, Mapping[str, Any]] = {}
        for ex in ev.get("examples") or ():
            fields = ex.get("fields") or {}
            seen.setdefault(str(fields.get("code")), fields)
        for code in ev.get("by") or {}:
            seen.setdefault(code, {"code": code})
        from wsgidoctor.messages.codes import lookup

        parts, worst = [], Severity.INFO
        for code in sorted(seen):
            entry = lookup(code)
            level = entry.severity if entry else seen[code].get("severity")
            severity = _LEVELS.get(str(level), Severity.INFO)
            worst = severity if severity.rank > worst.rank else worst
            parts.append(f"{code} ({level or '?'}): {entry.meaning if entry else '?'}")
        yield _make(MOD_WSGI_REPORTED, view, f"mod_wsgi logged {'; '.join(parts)} ({view.cite(ev)}).",
                    view.evidence(ev), [ev], severity=worst)


@rule
def daemon_connect(f: dict[str, Any]) -> Iterable[Finding]:
    for view, main in _request_views(f):
        yield from _daemon_connect(view, main)


def _daemon_connect(view: LogView, main: LogView) -> Iterable[Finding]:
    ev = view.event("daemon-connect-failed")
    if ev:
        denied = [ex for ex in ev.get("examples") or () if (ex.get("fields") or {}).get("errno") == "13"]
        ex = (denied or ev.get("examples") or [{}])[0]
        fields = ex.get("fields") or {}
        socket = fields.get("socket", "")
        directory = os.path.dirname(socket) or "?"
        if denied:
            fix = None
            if directory.startswith(("/etc/httpd", "/var/log")):
                fix = ("Add `WSGISocketPrefix run/wsgi` at server level (RHEL/CentOS: it puts the sockets "
                       "in /var/run/wsgi.*), outside any VirtualHost, and restart Apache.")
            yield _make(SOCKET_DENIED, view,
                        f"Apache's child (uid={fields.get('uid', '?')}) may not connect to daemon group "
                        f"'{fields.get('group')}' at {socket}: Permission denied ({view.cite(ev)}). The "
                        f"directory {directory} must be searchable by that user.",
                        view.evidence(ev), [ev], fix=fix)
        else:
            yield _make(CONNECT_FAILED, view,
                        f"Connecting to daemon group '{fields.get('group')}' at {socket} failed: "
                        f"{fields.get('error') or 'error ' + str(fields.get('errno', '?'))} ({view.cite(ev)}).",
                        view.evidence(ev), [ev])
    ev = view.event("daemon-connect-refused")
    if ev and not _python_failed(main):  # otherwise reported with the Python start failure
        causes = _daemon_trouble(main)
        yield _make(CONNECT_FAILED, view,
                    f"The daemon group(s) {view.tally(ev)} refused connections until connect-timeout "
                    f"({view.cite(ev)}): listener backlog full or socket missing. {causes}",
                    view.evidence(ev), [ev])


def _aborted_by_python(view: LogView, crashed: Mapping[str, Any]) -> bool:
    """True when every crash is SIGABRT (6) and Python failed to start: "Fatal Python error"
    calls abort(), so the aborted children are that failure, not a second cause."""
    signals = set(view.values(crashed, "signal")) | set(crashed.get("by") or {})
    return _python_failed(view) and signals == {"6"}


def _daemon_trouble(view: LogView) -> str:
    """A sentence naming daemon start-up failures or deaths seen in the same log, if any."""
    found = []
    for name, label in (("fatal-python-error", "Python failed to start"),
                        ("python-home-unusable", "the Python home is unusable"),
                        ("daemon-died", "daemon processes died"),
                        ("daemon-terminated", "daemon processes were terminated"),
                        ("child-crashed", "processes crashed"),
                        ("daemon-request-time-limit", "request-timeout restarted daemons"),
                        ("daemon-deadlock-timeout", "deadlock-timeout restarted daemons")):
        ev = view.event(name)
        if ev:
            found.append(f"{label} ({view.cite(ev)})")
    return ("The same log shows why: " + "; ".join(found) + ".") if found else ""


def _sub_interpreter_mounts(f: dict[str, Any]) -> list[Evidence]:
    """Mounts whose application does not run in the main interpreter, as evidence."""
    return [Evidence(str(m.get("file") or "configuration"),
                     f"WSGIScriptAlias {m.get('url')} {m.get('script')} (application group "
                     f"{m.get('application_group')!r})", m.get("line"))
            for m in F.get(f, "config.mounts") or ()
            if isinstance(m, Mapping) and m.get("application_group") not in (None, "", "%{GLOBAL}")]


@rule
def daemon_responses(f: dict[str, Any]) -> Iterable[Finding]:
    for view, main in _request_views(f):
        yield from _daemon_responses(f, view, main)


def _daemon_responses(f: dict[str, Any], view: LogView, main: LogView) -> Iterable[Finding]:
    ev = view.event("daemon-header-timeout")
    if ev and not _python_failed(main):  # otherwise reported with the Python start failure
        trouble = _daemon_trouble(main)
        sub = _sub_interpreter_mounts(f)
        detail = (f"Requests to daemon group(s) {view.tally(ev)} got no response headers in time "
                  f"({view.cite(ev)}). {trouble}")
        if sub and not trouble:
            detail += (" The application runs in a sub-interpreter (see the configuration lines), "
                       "where some C extensions deadlock.")
        yield _make(RESPONSE_TIMEOUT, view, detail, view.evidence(ev) + sub, [ev])
    ev = view.event("script-timeout")
    scripts = [p for p in view.values(ev, "script") if not p.endswith((".php", ".cgi", ".pl"))] if ev else []
    if ev and (scripts or not view.values(ev, "script")):
        yield _make(RESPONSE_TIMEOUT, view,
                    f"Requests to {', '.join(scripts) or 'a WSGI script'} returned no headers before Apache's "
                    f"Timeout (\"Script timed out before returning headers\", mod_wsgi 3.x daemon mode; "
                    f"{view.cite(ev)}). {_daemon_trouble(main)}", view.evidence(ev), [ev])
    ev = view.event("daemon-truncated-headers")
    if ev:
        trouble = _daemon_trouble(main)
        groups = view.tally(ev)
        yield _make(TRUNCATED_HEADERS, view,
                    f"{'Daemon group(s) ' + groups if groups else 'A daemon process'} closed the connection before sending complete "
                    f"headers ({view.cite(ev)}). {trouble}", view.evidence(ev), [ev])


@rule
def daemon_deaths(f: dict[str, Any]) -> Iterable[Finding]:
    view = _view(f)
    if not view:
        return
    died = view.event("daemon-died")
    if died and not _python_failed(view):  # otherwise reported with the Python start failure
        terminated = view.event("daemon-terminated")
        signals = view.values(terminated, "signal") if terminated else []
        loop = any(n >= 3 for n in (died.get("by") or {}).values()) or died.get("count", 0) >= 3
        detail = (f"Daemon processes died and were restarted: {view.tally(died)} ({view.cite(died)})."
                  + (f" Signals: {', '.join(signals)}." if signals else "")
                  + (" " + _daemon_trouble(view) if view.event("child-crashed") else ""))
        yield _make(CRASH_LOOP, view, detail, view.evidence(died, terminated), [died],
                    severity=None if loop else Severity.WARNING)
    crashed = view.event("child-crashed")
    if crashed and _aborted_by_python(view, crashed):
        crashed = None  # Python's start failure aborted them: reported with that cause
    if crashed:
        names = ", ".join(sorted({f"{(ex.get('fields') or {}).get('signame')} ({(ex.get('fields') or {}).get('signal')})"
                                  for ex in crashed.get("examples") or ()}))
        fix = None
        if set(view.values(crashed, "signal")) == {"9"}:
            fix = ("The processes were killed (signal 9), usually by the kernel's OOM killer (`dmesg | "
                   "grep -i oom`): reduce processes/threads or memory use, or set maximum-requests= "
                   "on WSGIDaemonProcess to recycle growing processes.")
        yield _make(CHILD_CRASHED, view,
                    f"Apache child processes died from a signal: {names} ({view.cite(crashed)}).",
                    view.evidence(crashed), [crashed], fix=fix)


_MUTEX_FIXES = {
    "38": ("This platform or container does not implement the default mechanism (common under "
           "emulation, e.g. amd64 images on Apple Silicon): add `Mutex posixsem` (or `Mutex fcntl`) at "
           "server level."),
    "95": ("The mechanism is not supported here: add `Mutex posixsem` (or `Mutex fcntl`) at server level."),
    "2": ("The lock file's directory does not exist: create it, or name an existing one, e.g. "
          "`Mutex file:/var/run/apache2 default`."),
    "13": ("Apache may not create the lock file: make the Mutex directory writable by the user that "
           "starts Apache, or name another one, e.g. `Mutex file:/var/run/apache2 default`."),
}


@rule
def mutexes(f: dict[str, Any]) -> Iterable[Finding]:
    view = _view(f)
    if not view:
        return
    ev = view.event("mutex-create-failed")
    if ev:
        ex = (ev.get("examples") or [{}])[0].get("fields") or {}
        errno = ex.get("errno")
        which = ex.get("which") or "mutex"
        detail = f"Apache could not create the {which}"
        if ex.get("path"):
            detail += f" '{ex['path']}'"
        if ex.get("error"):
            detail += f": ({errno}) {ex['error']}"
        detail += f" ({view.cite(ev)})."
        fix = _MUTEX_FIXES.get(errno or "")
        if "lock" in which and fix is None:
            fix = ("mod_wsgi creates its accept lock next to the daemon sockets: make the "
                   "WSGISocketPrefix directory exist and be writable, or choose another mechanism "
                   "with `WSGIAcceptMutex`.")
        if errno is None:
            # The log format shows no errno (a custom ErrorLogFormat without %E, or the poster cut
            # it): the common cause of a mutex Apache cannot create is semget()'s ENOSPC.
            detail += (" The line shows no error number, so the reason is not certain; by far the most "
                       "common one is that the system's SysV semaphores are used up (errno 28, \"No space "
                       "left on device\"); (13) or (2) would point at the lock directory instead.")
            spec, fix = SEMAPHORES_EXHAUSTED, None
        else:
            spec = MUTEX_DIRECTORY if errno in ("2", "13") and "lock" not in which else MUTEX_UNAVAILABLE
        yield _make(spec, view, detail, view.evidence(ev) + _config_lines(f, ("mutex",)), [ev], fix=fix)
    ev = view.event("accept-mutex-removed")
    if ev:
        user = F.get(f, "install.user")
        detail = (f"\"{view.quote(ev).split('] ')[-1]}\" ({view.cite(ev)}): the semaphore was deleted "
                  f"while Apache was running.")
        if user:
            detail += f" Apache runs as {user}; if that is a regular account, systemd-logind's RemoveIPC removes its semaphores at logout."
        yield _make(ACCEPT_MUTEX_REMOVED, view, detail, view.evidence(ev), [ev])


@rule
def configuration_events(f: dict[str, Any]) -> Iterable[Finding]:
    view = _view(f)
    if not view:
        return
    ev = view.event("invalid-command") if "invalid-command" not in configtest_events(f) else None
    if ev:
        directives = ", ".join(view.values(ev, "directive"))
        detail = f"Apache does not know {directives} ({view.cite(ev)}): mod_wsgi was not loaded when it read them."
        if "WSGIDaemonProcess" in directives and _windows(view):
            yield _make(DAEMON_MODE_WINDOWS, view, f"Apache does not know {directives} ({view.cite(ev)}): "
                        f"the Windows build of mod_wsgi has no daemon mode.", view.evidence(ev), [ev])
        else:
            yield _make(WSGI_NOT_LOADED, view, detail, view.evidence(ev), [ev])
    conflict = view.event("mod-python-conflict")
    banner = view.log.get("banner") or {}
    loaded = view.event("mod-python-loaded")
    if conflict:
        yield _make(MOD_PYTHON_CONFLICT, view,
                    f"mod_wsgi refuses to run beside mod_python ({view.cite(conflict)}), so Apache "
                    f"does not start.", view.evidence(conflict), [conflict])
    elif banner.get("mod_python_version") and banner.get("mod_wsgi_version"):
        detail = (f"The start-up banner ({view.where(banner.get('line'))}) lists mod_python "
                  f"{banner['mod_python_version']} and mod_wsgi {banner['mod_wsgi_version']}: both embed Python.")
        if loaded:
            detail += f" mod_python logged: \"{view.quote(loaded).split('] ')[-1]}\" ({view.cite(loaded)})."
        evidence = [Evidence(view.path, str(banner.get("text") or ""), banner.get("line"))] + view.evidence(loaded)
        yield _make(MOD_PYTHON_CONFLICT, view, detail, evidence, [loaded] if loaded else [],
                    severity=Severity.WARNING)


@rule
def application_events(f: dict[str, Any]) -> Iterable[Finding]:
    for view, _ in _request_views(f):
        yield from _application_events(f, view)


def _application_events(f: dict[str, Any], view: LogView) -> Iterable[Finding]:
    ev = view.event("daemon-group-unknown")
    if ev:
        yield _make(GROUP_UNKNOWN, view, f"Requests are sent to daemon group(s) {view.tally(ev)} "
                    f"that this server does not offer them ({view.cite(ev)}).", view.evidence(ev), [ev])
    ev = view.event("interpreter-change")
    if ev:
        sub = _sub_interpreter_mounts(f)
        yield _make(SUBINTERPRETER, view, f"A C extension refused a second interpreter "
                    f"({view.cite(ev)}).", view.evidence(ev) + sub, [ev])
    failed = view.event("script-exec-failed")
    imports = view.event("import-error")
    tied = [ex for ex in (imports.get("examples") if imports else None) or ()
            if (ex.get("fields") or {}).get("script")]
    if failed and imports and (tied or not any(ex.get("pid") for ex in failed.get("examples") or ())):
        scripts = ", ".join(view.values(failed, "script"))
        detail = f"Loading {scripts} failed ({view.cite(failed)}) on an import error: " + _import_detail(f, view, imports)
        yield _make(SCRIPT_IMPORT_FAILED, view, detail, view.evidence(failed, imports), [failed, imports])
    elif imports and not failed:
        # The "Failed to exec" line is not in the text (cut, or a bare pasted traceback line).
        detail = "Python code under mod_wsgi failed on an import error: " + _import_detail(f, view, imports)
        yield _make(SCRIPT_IMPORT_FAILED, view, detail, view.evidence(imports), [imports])
    elif failed and _request_time(failed):
        raised = _unexplained(view, failed)
        if raised:  # else each exception is another finding's cause (ASCII locale, syntax error...)
            scripts = ", ".join(dict.fromkeys(str((ex.get("fields") or {}).get("script")) for ex in raised))
            places = ", ".join(view.where(ex.get("line")) for ex in raised[:3])
            detail = (f"{scripts} raised an exception ({places}"
                      + (f", {failed.get('count')} such lines in all" if failed.get("count", 0) > 1 else "")
                      + "): the traceback after that line names it and where it was raised.")
            evidence = [Evidence(view.path, str(ex.get("text") or ""), ex.get("line")) for ex in raised[:3]]
            yield _make(SCRIPT_LOAD_FAILED, view, detail, evidence, [failed])
    elif failed:
        yield _make(SCRIPT_LOAD_FAILED, view, f"Loading {', '.join(view.values(failed, 'script'))} raised an "
                    f"exception ({view.cite(failed)}).", view.evidence(failed), [failed])
    ev = view.event("script-not-found")
    if ev:
        paths = ", ".join(view.values(ev, "path")) or "the script"
        yield _make(SCRIPT_NOT_FOUND, view, f"Apache found no WSGI script at {paths} ({view.cite(ev)}).",
                    view.evidence(ev), [ev])
    ev = view.event("client-denied")
    if ev:
        yield from _client_denied(f, view, ev)


#: The wording of the lines that say a script failed to load (the rest say only that it raised).
_LOAD_WORDING = ("Python script file", "as Python module")


def _request_time(failed: Mapping[str, Any]) -> bool:
    """Whether every line of the event only says that the script raised ("Exception occurred
    processing", WSGI0174) and none that loading it failed: an exception while handling a request."""
    texts = [str(ex.get("text") or "") for ex in failed.get("examples") or ()]
    return bool(texts) and not any(w in t for t in texts for w in _LOAD_WORDING)


#: Events that name the exception a script raised, whose own findings say more than "it raised":
#: the traceback after "Exception occurred processing" ends in them, or they come just before it.
_EXPLAINING = ("unicode-ascii", "script-compile-failed", "interpreter-change")
#: How many lines after its "Exception occurred processing" line a traceback may end, and before
#: it the line that says why it failed may be (lines of a paste wrapped at 80 columns count each).
_TRACEBACK_LINES, _BEFORE_LINES = 200, 10


def _unexplained(view: LogView, failed: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The examples of an exception raised by a script that no more specific event of the same
    process, just before it or in its traceback, explains."""
    explaining = [ex for name in _EXPLAINING for ex in ((view.event(name) or {}).get("examples") or ())]

    def explained(ex: Mapping[str, Any]) -> bool:
        line = ex.get("line")
        return line is not None and any(
            e.get("pid") == ex.get("pid") and isinstance(e.get("line"), int)
            and line - _BEFORE_LINES <= e["line"] <= line + _TRACEBACK_LINES for e in explaining)

    return [ex for ex in failed.get("examples") or () if not explained(ex)]


def _import_detail(f: dict[str, Any], view: LogView, imports: Mapping[str, Any]) -> str:
    """What an ImportError says: the module (or the quoted line), an extension built for another
    Python, and the Python mod_wsgi runs."""
    modules = view.tally(imports) or ", ".join(view.values(imports, "module"))
    detail = f"{'missing ' + modules if modules else 'see the quoted line'} ({view.cite(imports)})."
    symbols = [s for s in (_UNDEFINED_IN.search(str((ex.get("fields") or {}).get("detail") or ""))
                           for ex in imports.get("examples") or ()) if s]
    if symbols:
        symbol = symbols[0].group("symbol")
        detail += (f" The extension module was built for another Python than the one mod_wsgi runs: it needs "
                   f"{symbol}, which that Python lacks")
        detail += (" (PyUnicodeUCS2_* / PyUnicodeUCS4_*: a Python 2 built with the other Unicode width)."
                   if "UCS" in symbol else ".")
    xy = _python_xy(f, view)
    if xy:
        detail += f" mod_wsgi runs Python {xy}; the packages it imports must be installed for that Python."
    return detail


_UNDEFINED_IN = lazy_re(r"undefined symbol: (?P<symbol>\S+)")


def _client_denied(f: dict[str, Any], view: LogView, ev: Mapping[str, Any]) -> Iterable[Finding]:
    mounts = [m for m in F.get(f, "config.mounts") or () if isinstance(m, Mapping) and m.get("script")]
    paths = list((ev.get("by") or {}).keys())
    scripts = [p for p in paths if any(p.rstrip("/") == str(m["script"]).rstrip("/")
                                       or p.startswith(os.path.dirname(str(m["script"])) + "/")
                                       for m in mounts)]
    if mounts and not scripts:
        severity = Severity.INFO
        note = " None of these paths belongs to a WSGI application of this configuration."
    elif scripts:
        severity = Severity.ERROR
        note = f" {', '.join(scripts)} belong(s) to a WSGI application: every request to it gets 403."
    else:
        severity, note = None, ""
    yield _make(ACCESS_DENIED, view, f"Access was denied to {view.tally(ev)} ({view.cite(ev)}).{note}",
                view.evidence(ev), [ev], severity=severity)
