"""Each kind of trouble in a log becomes the right finding, citing the lines, with a specific fix;
a healthy log raises nothing."""

from wsgidoctor.errorlog import scan_text
from wsgidoctor.core.model import Severity
from wsgidoctor.areas import diagnose

T = "[Sun Nov 22 16:51:07.321406 2026]"
BANNER = (f"{T} [mpm_event:notice] [pid 100:tid 100] AH00489: Apache/2.4.71 (Debian) mod_wsgi/4.9.4 "
          "Python/3.11 configured -- resuming normal operations")
CMD = f"{T} [core:notice] [pid 100:tid 100] AH00094: Command line: '/usr/sbin/apache2'"
W = f"{T} [wsgi:error] [pid 200:tid 201]"


def run(*lines, **facts):
    """Findings (by id) for a log made of ``lines`` plus other facts."""
    log = scan_text("\n".join(lines) + "\n", path="/var/log/apache2/error.log")
    return {f.id: f for f in diagnose({"errorlog": log, **facts})}


def problems(found):
    return {i for i, f in found.items() if f.severity is not Severity.INFO}


def test_a_healthy_debian_start_and_stop_raises_nothing_but_the_banner_note():
    found = run(
        "AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using "
        "127.0.1.1. Set the 'ServerName' directive globally to suppress this message",
        BANNER, CMD,
        f"{T} [mpm_event:notice] [pid 100:tid 100] AH00492: caught SIGWINCH, shutting down gracefully",
        BANNER, CMD,
        f"{T} [wsgi:error] [pid 201:tid 3] [remote 127.0.0.1:5] Traceback (most recent call last):",
        f"{T} [wsgi:error] [pid 201:tid 3] [remote 127.0.0.1:5] ValueError: bad input",
        f"{T} [mpm_event:notice] [pid 100:tid 100] AH00491: caught SIGTERM, shutting down")
    assert set(found) == {"errorlog-last-startup"}
    detail = found["errorlog-last-startup"].detail
    assert "Apache 2.4.71 (Debian), mod_wsgi 4.9.4, Python 3.11 (compiled for), MPM event" in detail
    assert "/var/log/apache2/error.log:5" in detail


MISSING_HOME = [
    BANNER, CMD,
    f"{W} (2)No such file or directory: mod_wsgi (pid=200): Unable to stat Python home /srv/missing. Python "
    "interpreter may not be able to be initialized correctly. Verify the supplied path and access permissions "
    "for whole of the path.",
    "Python path configuration:", "  PYTHONHOME = '/srv/missing'", "  program name = 'python3'",
    "  sys.prefix = '/srv/missing'",
    "Fatal Python error: init_fs_encoding: failed to get the Python codec of the filesystem encoding",
    "Python runtime state: core initialized", "ModuleNotFoundError: No module named 'encodings'",
]


def test_a_missing_python_home_is_python_home_invalid_citing_log_and_configuration():
    config = {"directives": [{"name": "WSGIPythonHome", "args": ["/srv/missing"], "file": "/etc/apache2/conf-enabled/wsgi.conf",
                              "line": 3, "sections": []}]}
    found = run(*MISSING_HOME, config=config)
    assert problems(found) == {"python-home-invalid"}
    f = found["python-home-invalid"]
    assert "/srv/missing: No such file or directory (/var/log/apache2/error.log:3)" in f.detail
    assert "PYTHONHOME = '/srv/missing'" in f.detail and "No module named 'encodings'" in f.detail
    assert "Python 3.11" in f.fix and "/srv/missing" in f.fix
    cited = {(e.source, e.line) for e in f.evidence}
    assert ("/var/log/apache2/error.log", 3) in cited and ("/etc/apache2/conf-enabled/wsgi.conf", 3) in cited


def test_a_python_home_that_is_the_executable_or_unreadable_gets_its_own_fix():
    found = run(BANNER, f"{W} mod_wsgi (pid=200): Python home /srv/venv/bin/python is not a directory. Python "
                "interpreter may not be able to be initialized correctly.")
    assert "`WSGIPythonHome /srv/venv`" in found["python-home-invalid"].fix
    found = run(BANNER, f"{W} (13)Permission denied: mod_wsgi (pid=200): Unable to stat Python home "
                "/root/.venv. Python interpreter may not be able to be initialized correctly.")
    assert "namei -l /root/.venv" in found["python-home-invalid"].fix


def test_no_home_and_a_prefix_from_path_is_python_found_via_path_as_an_error():
    found = run(BANNER, "Python path configuration:", "  PYTHONHOME = (not set)", "  program name = 'python3'",
                "  sys.prefix = '/opt/fakeprefix'",
                "Fatal Python error: init_fs_encoding: failed to get the Python codec of the filesystem encoding",
                "ModuleNotFoundError: No module named 'encodings'")
    assert problems(found) == {"python-found-via-path"}
    f = found["python-found-via-path"]
    assert f.severity is Severity.ERROR and "'/opt/fakeprefix'" in f.detail and "WSGIPythonHome /usr" in f.fix


def test_a_fatal_python_error_with_no_home_information_is_python_init_failed():
    found = run(BANNER, "Fatal Python error: PyThreadState_Get: no current thread")
    assert problems(found) == {"python-init-failed"}
    assert "PyThreadState_Get" in found["python-init-failed"].detail


def test_module_load_failures_name_their_cause():
    load = "apache2: Syntax error on line 1 of /etc/apache2/mods-enabled/wsgi.load: Cannot load /opt/mod_wsgi.so into server: "
    found = run(load + "libpython3.12.so.1.0: cannot open shared object file: No such file or directory")
    assert problems(found) == {"libpython-not-found"}
    assert "libpython3.12.so.1.0" in found["libpython-not-found"].detail
    apache = run(load + "/opt/mod_wsgi.so: undefined symbol: ap_unixd_config")["module-undefined-symbol"]
    python2 = run(load + "/opt/mod_wsgi.so: undefined symbol: _Py_ZeroStruct")["module-undefined-symbol"]
    unlinked = run(load + "/opt/mod_wsgi.so: undefined symbol: PyExc_SystemExit")["module-undefined-symbol"]
    assert "Apache/APR symbol" in apache.detail and "apxs" in apache.fix.lower()
    assert "Python 2" in python2.detail and "libapache2-mod-wsgi-py3" in python2.fix
    assert "not linked against libpython" in unlinked.detail and "LoadFile" in unlinked.fix
    denied = run(load + "/opt/mod_wsgi.so: cannot open shared object file: Permission denied")
    assert problems(denied) == {"module-load-denied"} and "restorecon" in denied["module-load-denied"].fix
    magic = run("Module \"wsgi_module\" is not compatible with this version of Apache (found 20051115, need 20120211).")
    assert problems(magic) == {"module-magic-mismatch"} and "20051115" in magic["module-magic-mismatch"].detail


def test_a_socket_directory_the_children_cannot_search_is_daemon_socket_denied():
    found = run(BANNER, f"{W} (13)Permission denied: [client 127.0.0.1:4567] mod_wsgi (pid=200): Unable to connect "
                "to WSGI daemon process 'shop' on '/etc/httpd/logs/wsgi.100.0.1.sock' as user with uid=48.")
    assert problems(found) == {"daemon-socket-denied"}
    f = found["daemon-socket-denied"]
    assert "uid=48" in f.detail and "/etc/httpd/logs" in f.detail and "WSGISocketPrefix run/wsgi" in f.fix


def test_refused_connections_timeouts_and_deaths_after_a_python_start_failure_are_reported_with_it():
    died = f"{T} [wsgi:info] [pid 100:tid 100] mod_wsgi (pid=%d): Process 'app' has died, deregister and restart it."
    found = run(*MISSING_HOME, *[died % p for p in range(4)],
                f"{W} [client 1.2.3.4:5] mod_wsgi (pid=200): Unable to connect to WSGI daemon process 'app' on "
                "'/run/apache2/wsgi.1.0.1.sock' after multiple attempts as listener backlog limit was exceeded or "
                "the socket does not exist.",
                f"{W} [client 127.0.0.1:1] Timeout when reading response headers from daemon process 'app': /srv/app.wsgi")
    assert problems(found) == {"python-home-invalid"}
    detail = found["python-home-invalid"].detail
    assert "As a result daemon processes died and were restarted (/var/log/apache2/error.log:11, 4 times" in detail
    assert "requests timed out" in detail and "connections to the daemon processes were refused" in detail


def test_refused_connections_and_timeouts_on_their_own_are_findings():
    found = run(BANNER,
                f"{W} [client 1.2.3.4:5] mod_wsgi (pid=200): Unable to connect to WSGI daemon process 'app' on "
                "'/run/apache2/wsgi.1.0.1.sock' after multiple attempts as listener backlog limit was exceeded or "
                "the socket does not exist.",
                f"{W} [client 127.0.0.1:1] Timeout when reading response headers from daemon process 'app': /srv/app.wsgi")
    assert problems(found) == {"daemon-connect-failed", "daemon-response-timeout"}
    assert "'app' 1×" in found["daemon-response-timeout"].detail


def test_a_timeout_with_the_application_in_a_sub_interpreter_cites_the_mount():
    mounts = [{"url": "/", "script": "/srv/app.wsgi", "application_group": "localhost|", "file": "/etc/apache2/sites-enabled/app.conf", "line": 7}]
    found = run(BANNER, f"{W} [client 127.0.0.1:1] Timeout when reading response headers from daemon process 'app': /srv/app.wsgi",
                config={"mounts": mounts})
    f = found["daemon-response-timeout"]
    assert "sub-interpreter" in f.detail and ("/etc/apache2/sites-enabled/app.conf", 7) in {(e.source, e.line) for e in f.evidence}
    assert "%{GLOBAL}" in f.fix


def test_truncated_headers_mention_the_crashes_seen_in_the_same_log():
    found = run(BANNER, f"{T} [core:notice] [pid 100:tid 100] AH00052: child pid 300 exit signal Segmentation fault (11)",
                f"{W} [client 127.0.0.1:1] Truncated or oversized response headers received from daemon process 'app': /srv/app.wsgi")
    assert problems(found) == {"daemon-truncated-headers", "apache-child-crashed"}
    assert "processes crashed" in found["daemon-truncated-headers"].detail


def test_repeated_daemon_deaths_are_a_crash_loop_and_a_single_one_a_warning():
    died = f"{T} [wsgi:info] [pid 100:tid 100] mod_wsgi (pid=%d): Process 'app' has died, deregister and restart it."
    term = f"{T} [wsgi:info] [pid 100:tid 100] mod_wsgi (pid=%d): Process 'app' terminated by signal 9"
    loop = run(BANNER, *[l % p for p in range(5) for l in (died, term)])
    assert loop["daemon-crash-loop"].severity is Severity.ERROR and "Signals: 9" in loop["daemon-crash-loop"].detail
    once = run(BANNER, died % 1)
    assert once["daemon-crash-loop"].severity is Severity.WARNING


def test_an_oom_killed_child_gets_a_memory_fix():
    found = run(BANNER, f"{T} [core:notice] [pid 100:tid 100] AH00052: child pid 300 exit signal Killed (9)")
    assert "OOM" in found["apache-child-crashed"].fix


def test_mutex_creation_failures_get_an_errno_specific_fix():
    found = run(f"{T} [core:emerg] [pid 1] (28)No space left on device: AH00023: Couldn't create the mpm-accept mutex")
    assert problems(found) == {"sysv-semaphores-exhausted"} and "ipcrm" in found["sysv-semaphores-exhausted"].fix
    found = run(f"{T} [core:emerg] [pid 1] (38)Function not implemented: AH00023: Couldn't create the mpm-accept mutex")
    assert "Mutex posixsem" in found["mutex-unavailable"].fix
    found = run(f"{T} [core:emerg] [pid 1] (2)No such file or directory: AH00023: Couldn't create the mpm-accept mutex")
    assert problems(found) == {"mutex-directory-invalid"} and "Mutex file:" in found["mutex-directory-invalid"].fix


def test_configuration_problems_from_the_log():
    found = run("AH00526: Syntax error on line 3 of /etc/apache2/sites-enabled/app.conf: Invalid command "
                "'WSGIScriptAlias', perhaps misspelled or defined by a module not included in the server configuration")
    assert problems(found) == {"wsgi-module-not-loaded"} and "WSGIScriptAlias" in found["wsgi-module-not-loaded"].detail
    found = run(f"{T} [wsgi:crit] [pid 9] mod_wsgi (pid=9): The mod_python module can not be used in conjunction "
                "with mod_wsgi 4.0+. Remove the mod_python module from the Apache configuration.")
    assert found["mod-python-conflict"].severity is Severity.ERROR and "a2dismod python" in found["mod-python-conflict"].fix
    found = run(BANNER, f"{W} [client 1.2.3.4:5] No WSGI daemon process called 'shop' has been configured: /srv/shop.wsgi")
    assert problems(found) == {"daemon-group-unknown"}


def test_application_failures():
    found = run(BANNER, f"{W} [remote 1.2.3.4:5] ImportError: Interpreter change detected - this module can only be "
                "loaded into one interpreter per process.")
    assert problems(found) == {"subinterpreter-incompatible"}
    assert "WSGIApplicationGroup %{GLOBAL}" in found["subinterpreter-incompatible"].fix
    failed = f"{W} [client 1.2.3.4:5] mod_wsgi (pid=200): Failed to exec Python script file '/srv/app/app.wsgi'."
    found = run(BANNER, failed, f"{W} [client 1.2.3.4:5] ModuleNotFoundError: No module named 'django'")
    assert problems(found) == {"wsgi-script-import-failed"}
    f = found["wsgi-script-import-failed"]
    assert "/srv/app/app.wsgi" in f.detail and "'django'" in f.detail and "Python 3.11" in f.detail
    found = run(BANNER, failed, f"{W} [client 1.2.3.4:5] ZeroDivisionError: division by zero")
    assert problems(found) == {"wsgi-script-load-failed"}
    found = run(BANNER, f"{W} [client 1.2.3.4:5] Target WSGI script not found or unable to stat: /srv/app.wsgix")
    assert problems(found) == {"wsgi-script-not-found"} and "/srv/app.wsgix" in found["wsgi-script-not-found"].detail


def test_denied_access_is_an_error_only_for_a_wsgi_application_of_the_configuration():
    line = (f"{T} [authz_core:error] [pid 1:tid 2] [client 1.2.3.4:5] AH01630: client denied by server "
            "configuration: %s")
    mounts = {"mounts": [{"url": "/", "script": "/srv/app/app.wsgi", "file": "x.conf", "line": 1}]}
    assert run(line % "/srv/app/app.wsgi", config=mounts)["wsgi-access-denied"].severity is Severity.ERROR
    assert run(line % "/var/www/.git", config=mounts)["wsgi-access-denied"].severity is Severity.INFO
    assert run(line % "/srv/app/app.wsgi")["wsgi-access-denied"].severity is Severity.WARNING


def test_trouble_before_the_last_start_up_is_only_information():
    found = run(*MISSING_HOME, f"{T} [mpm_event:notice] [pid 100:tid 100] AH00491: caught SIGTERM, shutting down",
                BANNER, CMD)
    f = found["python-home-invalid"]
    assert f.severity is Severity.INFO and "before the last start-up" in f.detail
    assert "/var/log/apache2/error.log:12" in f.detail


def test_python_versions_in_the_log():
    found = run("mod_wsgi: Compiled for Python/2.7.18.", "mod_wsgi: Runtime using Python/3.6.8.")
    assert found["libpython-version-mismatch"].severity is Severity.ERROR
    found = run(BANNER, mod_wsgi={"version": "5.0.2"})
    assert found["running-module-differs"].severity is Severity.WARNING
    assert "mod_wsgi 4.9.4" in found["running-module-differs"].detail
    assert "running-module-differs" not in run(BANNER, mod_wsgi={"version": "4.9.4"})


ABORTED = f"{T} [core:notice] [pid 100:tid 100] AH00051: child pid 812 exit signal Aborted (6), possible coredump in /etc/apache2"
SEGV = f"{T} [core:notice] [pid 100:tid 100] AH00051: child pid 813 exit signal Segmentation fault (11)"
PY_FAILED = ["Fatal Python error: Py_Initialize: Unable to get the locale encoding",
             "ModuleNotFoundError: No module named 'encodings'"]


def test_children_aborted_by_a_failed_python_start_are_that_one_cause():
    found = run(BANNER, CMD, ABORTED, *PY_FAILED)
    assert problems(found) == {"python-init-failed"}
    assert "aborted (SIGABRT, AH00051)" in found["python-init-failed"].detail


def test_a_segfault_beside_a_failed_python_start_is_still_its_own_finding():
    assert problems(run(BANNER, CMD, ABORTED, SEGV, *PY_FAILED)) == {"python-init-failed", "apache-child-crashed"}
    assert problems(run(BANNER, CMD, ABORTED)) == {"apache-child-crashed"}  # no Python failure: a crash


def test_an_import_error_without_its_failed_to_exec_line_is_still_an_import_failure():
    found = run("ImportError: /opt/py/lib/python2.7/lib-dynload/_io.so: undefined symbol: PyUnicodeUCS2_Replace")
    f = found["wsgi-script-import-failed"]
    assert "PyUnicodeUCS2_Replace" in f.detail and "Unicode width" in f.detail


def test_an_apache_22_traceback_line_goes_with_the_latest_failed_to_exec_line():
    t = "[Thu Mar 23 19:02:08 2017] [error]"
    found = run(f"{t} mod_wsgi (pid=1965): Target WSGI script '/srv/app.wsgi' cannot be loaded as Python module.",
                f"{t} Traceback (most recent call last):",
                f"{t} ImportError: No module named django")
    assert problems(found) == {"wsgi-script-import-failed"}
    assert "/srv/app.wsgi" in found["wsgi-script-import-failed"].detail


def test_a_mutex_failure_without_errno_is_most_likely_semaphores_and_says_so():
    found = run("[core:emerg] [pid ***] [util_mutex.c(394):] [AH00023: Couldn't create the rewrite-map mutex ]")
    assert problems(found) == {"sysv-semaphores-exhausted"}
    assert "no error number" in found["sysv-semaphores-exhausted"].detail
    found = run(f"{T} [core:emerg] [pid 1] (13)Permission denied: AH00023: Couldn't create the rewrite-map mutex "
                "(file /var/lock/apache2/rewrite-map.1)")
    assert problems(found) == {"mutex-directory-invalid"}
