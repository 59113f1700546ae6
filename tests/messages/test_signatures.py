"""Every event of the catalogue is recognised from real message wording, and the scanner's
needles reach every one of them (otherwise a line would never be looked at)."""

from pathlib import Path

import pytest

from wsgidoctor.messages.signatures import BY_NAME, EVENT_TYPES, NEEDLES, NOT_LOGGED, classify
from wsgidoctor.messages.lines import parse_line

P = "[Sun Nov 22 16:51:07.321406 2026] [wsgi:error] [pid 22764:tid 140001] "

#: (line, expected event, expected fields) - wording from mod_wsgi 3.x-6.x and httpd 2.2/2.4.
SAMPLES = [
    ("[Sun Nov 22 16:51:07.315332 2026] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.71 (Debian) "
     "mod_wsgi/4.9.4 Python/3.11 configured -- resuming normal operations", "banner",
     {"description": "Apache/2.4.71 (Debian) mod_wsgi/4.9.4 Python/3.11"}),
    ("[Sun Nov 22 16:51:07.315477 2026] [core:notice] [pid 1:tid 1] AH00094: Command line: '/usr/sbin/apache2'",
     "command-line", {"command": "/usr/sbin/apache2"}),
    ("[Fri Aug 03 08:50:42.594930 2018] [mpm_event:notice] [pid 1:tid 2] AH00494: SIGHUP received.  Attempting to restart",
     "server-restart", {"signal": "SIGHUP"}),
    ("[Tue Aug 21 19:33:25 2012] [notice] caught SIGTERM, shutting down", "server-restart", {"signal": "SIGTERM"}),
    ("[Tue Aug 21 19:33:25 2012] [notice] Graceful restart requested, doing restart", "server-restart",
     {"signal": "SIGUSR1"}),
    (P + "WSGI0099: Compiled for Python/3.12.1 but runtime using Python/3.12.4 in daemon process 'app'.",
     "python-version-mismatch", {"compiled": "3.12.1", "runtime": "3.12.4", "context": "daemon process 'app'"}),
    ("[Tue Aug 21 19:33:26 2012] [warn] mod_wsgi: Compiled for Python/2.7.2+.", "compiled-for-python",
     {"version": "2.7.2+"}),
    ("mod_wsgi: Runtime using Python/2.4.2.", "runtime-using-python", {"version": "2.4.2"}),
    ("Python path configuration:", "python-path-config", {}),
    (P + "(2)No such file or directory: mod_wsgi (pid=15440): Unable to stat Python home /srv/missing. Python "
     "interpreter may not be able to be initialized correctly. Verify the supplied path and access permissions "
     "for whole of the path.", "python-home-unusable", {"home": "/srv/missing", "errno": "2"}),
    (P + "WSGI0100: Unable to stat Python home '/srv/missing' for daemon process 'app'; Python interpreter may "
     "not initialise correctly.", "python-home-unusable", {"home": "/srv/missing", "context": "daemon process 'app'"}),
    (P + "mod_wsgi (pid=1): Python home /srv/venv/bin/python is not a directory. Python interpreter may not be "
     "able to be initialized correctly.", "python-home-unusable",
     {"home": "/srv/venv/bin/python", "problem": "a directory"}),
    (P + "WSGI0102: Python home '/root/venv' for embedded mode is not accessible; Python interpreter may not "
     "initialise correctly.", "python-home-unusable", {"home": "/root/venv", "problem": "accessible"}),
    ("[Sun Nov 22 16:51:07.321328 2026] [wsgi:info] [pid 2:tid 2] mod_wsgi (pid=2): Python home /srv/venv.",
     "python-home-set", {"home": "/srv/venv"}),
    ("Fatal Python error: init_fs_encoding: failed to get the Python codec of the filesystem encoding",
     "fatal-python-error", {"reason": "init_fs_encoding: failed to get the Python codec of the filesystem encoding"}),
    ("ModuleNotFoundError: No module named 'encodings'", "no-module-encodings", {}),
    ("ImportError: No module named 'encodings'", "no-module-encodings", {}),
    ("ImportError: No module named site", "no-module-site", {}),
    ("[Mon Jan 01 12:00:00.000000 2026] [wsgi:crit] [pid 12345] WSGI0001: Python initialisation failed in "
     "Apache child process; Python based handlers will not be available.", "python-init-failed", {}),
    (P + "[remote 10.0.0.1:5] ImportError: Interpreter change detected - this module can only be loaded into "
     "one interpreter per process.", "interpreter-change", {}),
    ("httpd: Syntax error on line 5 of /etc/httpd/conf.d/wsgi.conf: Cannot load modules/mod_wsgi.so into server: "
     "libpython3.9.so.1.0: cannot open shared object file: No such file or directory", "libpython-missing",
     {"library": "libpython3.9.so.1.0", "module": "modules/mod_wsgi.so", "config_file": "/etc/httpd/conf.d/wsgi.conf",
      "config_line": "5"}),
    ("apache2: Syntax error on line 146 of /etc/apache2/apache2.conf: Cannot load /usr/lib/apache2/modules/"
     "mod_wsgi.so into server: /usr/lib/apache2/modules/mod_wsgi.so: undefined symbol: ap_accept_lock_mech",
     "module-undefined-symbol", {"symbol": "ap_accept_lock_mech", "owner": "apache"}),
    ("Cannot load /opt/mod_wsgi.so into server: /opt/mod_wsgi.so: undefined symbol: PyExc_SystemExit",
     "module-undefined-symbol", {"symbol": "PyExc_SystemExit", "owner": "python"}),
    ("httpd: Syntax error on line 1 of /etc/httpd/conf.modules.d/10-wsgi.conf: Cannot load /home/u/venv/mod_wsgi.so "
     "into server: /home/u/venv/mod_wsgi.so: cannot open shared object file: Permission denied",
     "module-load-denied", {}),
    ("Cannot load /opt/py/lib/mod_wsgi.so into server: libpython3.6m.so.1.0: failed to map segment from shared "
     "object: Permission denied", "module-load-denied", {}),
    ("httpd.exe: Syntax error on line 180 of C:/Apache24/conf/httpd.conf: Cannot load c:/venv/mod_wsgi.cp37-win_amd64"
     ".pyd into server: The specified module could not be found.", "windows-dll-not-found",
     {"config_file": "C:/Apache24/conf/httpd.conf", "config_line": "180"}),
    ("Module \"wsgi_module\" is not compatible with this version of Apache (found 20051115, need 20120211).",
     "module-incompatible", {"found": "20051115", "need": "20120211"}),
    ("AH00526: Syntax error on line 3 of /etc/apache2/sites-enabled/app.conf: Invalid command 'WSGIScriptAlias', "
     "perhaps misspelled or defined by a module not included in the server configuration", "invalid-command",
     {"directive": "WSGIScriptAlias"}),
    ("[Sun Nov 22 10:00:00.000000 2026] [wsgi:crit] [pid 9] mod_wsgi (pid=9): The mod_python module can not be "
     "used in conjunction with mod_wsgi 4.0+. Remove the mod_python module from the Apache configuration.",
     "mod-python-conflict", {}),
    ("[Tue Aug 21 19:33:26 2012] [error] python_init: Python version mismatch, expected '2.7.2+', found '2.7.3'.",
     "mod-python-loaded", {}),
    (P + "(13)Permission denied: [client 127.0.0.1:4567] mod_wsgi (pid=22764): Unable to connect to WSGI daemon "
     "process 'd_crash' on '/srv/private/wsgi.22759.0.1.sock' as user with uid=33.", "daemon-connect-failed",
     {"group": "d_crash", "socket": "/srv/private/wsgi.22759.0.1.sock", "uid": "33", "errno": "13"}),
    (P + "[client 1.2.3.4:5] mod_wsgi (pid=1): Unable to connect to WSGI daemon process 'app' on "
     "'/var/run/wsgi.1.0.1.sock' after multiple attempts as listener backlog limit was exceeded or the socket "
     "does not exist.", "daemon-connect-refused", {"group": "app", "socket": "/var/run/wsgi.1.0.1.sock"}),
    (P + "[client 127.0.0.1:1] Timeout when reading response headers from daemon process 'd_badhome': "
     "/srv/probe.wsgi", "daemon-header-timeout", {"group": "d_badhome", "script": "/srv/probe.wsgi"}),
    (P + "[client 127.0.0.1:1] WSGI0145: Timeout when reading response headers from daemon process 'app'.",
     "daemon-header-timeout", {"group": "app"}),
    (P + "[client 127.0.0.1:1] Truncated or oversized response headers received from daemon process 'app': "
     "/srv/app.wsgi", "daemon-truncated-headers", {"group": "app", "script": "/srv/app.wsgi"}),
    (P + "WSGI0146: Daemon process 'app' closed connection before sending complete response headers.",
     "daemon-truncated-headers", {"group": "app"}),
    (P + "WSGI0147: Error reading response headers from daemon process 'app' (Connection reset by peer).",
     "daemon-truncated-headers", {"group": "app"}),
    ("[Sun Nov 22 10:00:00.000000 2026] [wsgi:info] [pid 1] mod_wsgi (pid=7): Daemon process deadlock timer "
     "expired, stopping process 'app'.", "daemon-deadlock-timeout", {"group": "app"}),
    ("[Sun Nov 22 10:00:00.000000 2026] [wsgi:info] [pid 1] mod_wsgi (pid=7): Daemon process request time limit "
     "exceeded, stopping process 'app'.", "daemon-request-time-limit", {"group": "app"}),
    ("[Sun Nov 22 10:00:00.000000 2026] [wsgi:info] [pid 1:tid 1] mod_wsgi (pid=7): Process 'd_badhome' has died, "
     "deregister and restart it.", "daemon-died", {"group": "d_badhome"}),
    ("[Sun Nov 22 10:00:00.000000 2026] [wsgi:info] [pid 1:tid 1] Process 'app' (pid=7) has died; deregistering "
     "and restarting it.", "daemon-died", {"group": "app"}),
    ("[Sun Nov 22 10:00:00.000000 2026] [wsgi:info] [pid 1:tid 1] mod_wsgi (pid=7): Process 'd_badhome' "
     "terminated by signal 1", "daemon-terminated", {"group": "d_badhome", "signal": "1"}),
    (P + "[client 1.2.3.4:5] No WSGI daemon process called 'shop' has been configured: /srv/shop.wsgi",
     "daemon-group-unknown", {"group": "shop"}),
    ("[Fri Apr 12 11:08:46.480404 2019] [core:notice] [pid 1:tid 1] AH00051: child pid 162 exit signal "
     "Segmentation fault (11), possible coredump in /tmp/x", "child-crashed",
     {"child": "162", "signame": "Segmentation fault", "signal": "11", "coredir": "/tmp/x"}),
    ("[Sun Nov 22 10:00:00 2012] [notice] child pid 77 exit signal Aborted (6)", "child-crashed",
     {"signal": "6", "signame": "Aborted"}),
    ("[Sun Nov 22 10:00:00.000000 2026] [core:emerg] [pid 1] (28)No space left on device: AH00023: Couldn't "
     "create the mpm-accept mutex", "semaphores-exhausted", {"which": "mpm-accept mutex", "errno": "28"}),
    ("[Sun Nov 22 10:00:00.000000 2026] [wsgi:crit] [pid 1] (13)Permission denied: mod_wsgi (pid=1): Couldn't "
     "create accept lock '/etc/httpd/logs/wsgi.1.0.1.lock' (5).", "mutex-create-failed",
     {"which": "accept lock", "path": "/etc/httpd/logs/wsgi.1.0.1.lock"}),
    ("[Tue Mar 06 06:10:44.791307 2018] [mpm_prefork:emerg] [pid 601] (43)Identifier removed: AH00144: couldn't "
     "grab the accept mutex", "accept-mutex-removed", {"op": "grab", "errno": "43"}),
    ("[Tue Mar 06 06:10:44.791307 2018] [mpm_prefork:emerg] [pid 601] (4)Interrupted system call: AH00144: "
     "couldn't grab the accept mutex", "accept-mutex-failed", {"errno": "4"}),
    (P + "[client 1.2.3.4:5] mod_wsgi (pid=1): Failed to exec Python script file '/srv/app/app.wsgi'.",
     "script-exec-failed", {"script": "/srv/app/app.wsgi"}),
    (P + "[client 1.2.3.4:5] mod_wsgi (pid=1): Target WSGI script '/srv/app.wsgi' cannot be loaded as Python "
     "module.", "script-exec-failed", {"script": "/srv/app.wsgi"}),
    ("[Thu Mar 23 19:02:08 2017] [error] mod_wsgi (pid=1965): Exception occurred processing WSGI script "
     "'/opt/google/gehttpd/wsgi-bin/serve/push/stream/stream_push_app.wsgi'.", "script-exec-failed",
     {"script": "/opt/google/gehttpd/wsgi-bin/serve/push/stream/stream_push_app.wsgi"}),
    (P + "WSGI0174: ImportError exception raised processing WSGI script '/srv/app.wsgi' for main interpreter "
     "in embedded mode.", "script-exec-failed", {"script": "/srv/app.wsgi", "exception": "ImportError"}),
    (P + "[remote 1.2.3.4:5] ModuleNotFoundError: No module named 'django'", "import-error",
     {"module": "django", "exception": "ModuleNotFoundError"}),
    (P + "[remote 1.2.3.4:5] ImportError: cannot import name 'url' from 'django.conf.urls'", "import-error",
     {"module": "django.conf.urls"}),
    (P + "[client 1.2.3.4:5] Target WSGI script not found or unable to stat: /srv/app.wsgix", "script-not-found",
     {"path": "/srv/app.wsgix"}),
    ("[Sun Nov 22 10:00:00.000000 2026] [authz_core:error] [pid 1:tid 2] [client 1.2.3.4:5] AH01630: client denied "
     "by server configuration: /srv/app/app.wsgi", "client-denied", {"path": "/srv/app/app.wsgi"}),
    # The messages the catalogue was extended with (wording from mod_wsgi 3.x-6.x, httpd, the loaders).
    (P + "[remote 10.0.0.1:5] UnicodeEncodeError: 'ascii' codec can't encode character '\\xe9' in position 7: "
     "ordinal not in range(128)", "unicode-ascii", {"exception": "UnicodeEncodeError", "op": "encode"}),
    ("[Sun Nov 22 10:00:00.000000 2026] [wsgi:alert] [pid 7] mod_wsgi (pid=7): Failure to configure the daemon "
     "process correctly and process left in unspecified state. Restarting daemon process after delay.",
     "daemon-configure-failed", {}),
    (P + "mod_wsgi (pid=22764, process='app', application=''): Could not read/compile source file "
     "'/srv/app/app.wsgi'.", "script-compile-failed", {"script": "/srv/app/app.wsgi"}),
    ("[Tue Aug 21 19:33:26 2012] [error] [client 10.0.0.1] Script timed out before returning headers: app.wsgi",
     "script-timeout", {"script": "app.wsgi"}),
    ("AH00526: Syntax error on line 12 of /etc/apache2/sites-enabled/app-le-ssl.conf: Name duplicates previous "
     "WSGI daemon definition.", "wsgi-daemon-duplicate", {}),
    ("AH00526: Syntax error on line 3 of /tmp/httpd.conf: Invalid option to WSGI daemon process definition.",
     "wsgi-option-invalid", {"what": "daemon process"}),
    ("[Mon Jan 01 12:00:00.000000 2026] [so:error] [pid 1] AH06665: Code signing absent - not loading module at: "
     "/usr/local/lib/mod_wsgi.so", "code-signing", {"module": "/usr/local/lib/mod_wsgi.so"}),
    ("ld.so.1: httpd: fatal: relocation error: file /usr/apache2/libexec/mod_wsgi.so: symbol PyExc_SystemExit: "
     "referenced symbol not found", "module-undefined-symbol", {"symbol": "PyExc_SystemExit", "owner": "python"}),
    ("httpd.exe: Syntax error on line 5 of C:/Apache24/conf/httpd.conf: Invalid command 'WSGIDaemonProcess', "
     "perhaps misspelled or defined by a module not included in the server configuration", "daemon-mode-windows",
     {"directive": "WSGIDaemonProcess"}),
    ("httpd.exe: Syntax error on line 180 of C:/Apache24/conf/httpd.conf: Cannot load C:/mod_wsgi.pyd into "
     "server: %1 is not a valid Win32 application.  ", "windows-not-win32", {}),
    ("httpd: Syntax error on line 60 of /etc/httpd/conf/httpd.conf: Cannot load modules/mod_wsgi.so into server: "
     "/usr/lib64/httpd/modules/mod_wsgi.so: rebuild shared object with IBT support enabled", "module-needs-ibt", {}),
    ("Cannot load /opt/x/mod_wsgi.so into server: dlopen(/opt/x/mod_wsgi.so, 10): Library not loaded: "
     "@rpath/libgcc_s.1.dylib", "library-not-loaded", {"library": "@rpath/libgcc_s.1.dylib"}),
    ("Cannot load /opt/x/mod_wsgi.so into server: dlopen(/opt/x/mod_wsgi.so, 10): Library not loaded: "
     "@rpath/libpython3.5m.dylib", "libpython-missing", {"library": "@rpath/libpython3.5m.dylib"}),
    ("[Mon Jan 01 12:00:00.000000 2026] [wsgi:alert] [pid 1] WSGI0012: Unable to create unix domain socket for "
     "daemon process 'app'. Daemon group will not start.", "mod-wsgi-code", {"code": "WSGI0012", "severity": "alert"}),
    ("[Mon Jan 01 12:00:00.000000 2026] [wsgi:alert] [pid 1] WSGI0025: Daemon process configuration failed; "
     "process left in unspecified state.", "daemon-configure-failed", {}),
    # "Cannot load X" with the loader's reason cut off by the poster (systemctl status, mod_wsgi#580)
    ("/etc/apache2/mods-enabled/wsgi.load: Cannot load /home/pi/venv/lib/python3.7/site-packages/mod_wsgi/server/"
     "mod_wsgi-py37.cpython-37m-arm-linux-gnueabihf.so", "module-load-failed",
     {"module": "/home/pi/venv/lib/python3.7/site-packages/mod_wsgi/server/mod_wsgi-py37.cpython-37m-arm-linux-gnueabihf.so"}),
    # LoadFile of a static libpython (pyenv without --enable-shared; macOS dyld, mod_wsgi#257)
    ("httpd (mod_wsgi-express) : Syntax error on line 156 of /tmp/mod_wsgi-localhost:8000:501/httpd.conf: Cannot "
     "load /Users/u/.pyenv/versions/2.7.14/lib/libpython2.7.a into server: dlopen(/Users/u/.pyenv/versions/2.7.14/"
     "lib/libpython2.7.a, 10): no suitable image found.", "libpython-static",
     {"library": "/Users/u/.pyenv/versions/2.7.14/lib/libpython2.7.a"}),
    # the time cut off by the poster; an older mod_wsgi names no daemon group (mod_wsgi#340)
    (" [wsgi:error] [pid 4305] [client 1.1.1.10:9787] Truncated or oversized response headers received from daemon "
     "process", "daemon-truncated-headers", {}),
    # a custom ErrorLogFormat: no time, pid masked, source file, message in brackets, no errno (kloxong#33)
    ("[core:emerg] [pid ***] [util_mutex.c(394):] [AH00023: Couldn't create the rewrite-map mutex ]",
     "mutex-create-failed", {"which": "rewrite-map mutex"}),
    # Debian's apache2 -t on a configuration that loads no MPM (a real capture of this machine)
    ("AH00534: apache2: Configuration error: No MPM loaded.", "no-mpm-loaded", {}),
]

#: Lines only a loader prints (``NOT_LOGGED``): quoted on their own from ``systemctl status`` or a
#: program's stderr. (line, event, fields)
LOADER_SAMPLES = [
    ("/home/admin/.pyenv/versions/3.10.2/envs/app/lib/python3.10/site-packages/mod_wsgi/server/mod_wsgi-py310."
     "cpython-310-x86_64-linux-gnu.so: cannot open shared object file: Permission denied", "module-load-denied", {}),
    ("/usr/lib/apache2/modules/mod_wsgi.so: cannot open shared object file: No such file or directory",
     "module-load-failed", {"module": "/usr/lib/apache2/modules/mod_wsgi.so"}),
    ("/usr/sbin/apache2: error while loading shared libraries: libpython3.8.so.1.0: cannot open shared object file: "
     "No such file or directory", "libpython-missing", {"library": "libpython3.8.so.1.0"}),
]



@pytest.mark.parametrize("text, name, fields", SAMPLES + LOADER_SAMPLES,
                         ids=[f"{s[1]}-{i}" for i, s in enumerate(SAMPLES + LOADER_SAMPLES)])
def test_each_event_is_recognised_with_its_values(text, name, fields):
    found = classify(parse_line(text))
    assert found is not None, text
    assert found[0] == name
    for key, value in fields.items():
        assert found[1].get(key) == value, (key, found[1])


@pytest.mark.parametrize("text", [s[0] for s in SAMPLES if s[1] != "command-line" and not s[0].startswith("ld.so.1")])
def test_every_event_line_carries_a_needle_the_scanner_searches_for(text):
    data = text.encode()
    assert any(n in data for n in NEEDLES), text


def _fixture_lines() -> list[bytes]:
    root = Path(__file__).resolve().parents[2] / "fixtures"
    return [line for path in sorted(root.rglob("*")) if path.is_file() for line in path.read_bytes().splitlines()]


def test_every_event_line_of_the_fixtures_carries_a_needle():
    """Real captures: each line the classifier recognises would be looked at in a large log too
    (lines only a loader prints, and the command line read after the banner, aside)."""
    not_logged = [hint for name in NOT_LOGGED for hint in BY_NAME[name].hints]
    checked, missed = 0, []
    for raw in _fixture_lines():
        text = raw.decode("utf-8", "replace")
        found = classify(parse_line(text[:65536]))
        if found is None or found[0] == "command-line" or any(h in text for h in not_logged):
            continue
        checked += 1
        if not any(n in raw for n in NEEDLES):
            missed.append((found[0], text[:120]))
    assert checked > 250 and missed == []


def test_every_event_type_has_a_sample():
    sampled = {s[1] for s in SAMPLES}
    # events that classify() refines into other names are covered through them
    refined = {"module-load-failed": "module-undefined-symbol", "accept-mutex-failed": "accept-mutex-removed",
               "loader-fatal": "module-undefined-symbol"}
    missing = [e.name for e in EVENT_TYPES if e.name not in sampled and refined.get(e.name) not in sampled]
    assert missing == []


@pytest.mark.parametrize("text", [
    "[Sun Nov 22 16:31:02.000100 2026] [wsgi:error] [pid 1:tid 2] [remote 10.0.0.1:5] Traceback (most recent call last):",
    "[Sun Nov 22 16:31:02.000100 2026] [core:info] [pid 1:tid 2] [client 10.0.0.1:5] AH00128: File does not exist: /x",
    "AH00558: apache2: Could not reliably determine the server's fully qualified domain name",
    "[Sun Nov 22 16:31:02.000100 2026] [wsgi:info] [pid 1:tid 2] mod_wsgi (pid=1): Process 'app' has died but "
    "server is being stopped, deregister it.",
    "[Sun Nov 22 16:31:02.000100 2026] [wsgi:error] [pid 1:tid 2] [remote 10.0.0.1:5] KeyError: 'basket'",
])
def test_ordinary_lines_are_not_events(text):
    assert classify(parse_line(text)) is None
