"""A real Debian apache2 + mod_wsgi, started on 127.0.0.1 from a temporary directory with a Python
home that does not exist: its own error log must give python-home-invalid, and nothing else."""

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from wsgidoctor.errorlog import scan_file
from wsgidoctor.core.model import Severity
from wsgidoctor.core.hookspec import Options, ProbeContext
from wsgidoctor.errorlog import probe
from wsgidoctor.areas import diagnose
from wsgidoctor.live.launcher import launch

APACHE = "/usr/sbin/apache2"
MODULES = "/usr/lib/apache2/modules"
MISSING_HOME = "/srv/wsgidoctor-test-missing-home"

pytestmark = pytest.mark.apache


HEALTHY_APP = "def application(environ, start_response):\n    start_response('200 OK', [])\n    return [b'ok']\n"


def _run_apache(config: str, until: bytes, timeout: float = 20.0, request: bool = False,
                app: str = HEALTHY_APP) -> Path:
    """Start apache2 with ``config`` (in a fresh directory www-data can read) through the launcher,
    optionally send it one request once it is up (to ``app``, the source of app.wsgi), wait until
    its error log contains ``until``,
    stop it, and return a copy of the log."""
    if not (os.path.exists(APACHE) and os.path.exists(f"{MODULES}/mod_wsgi.so")):
        pytest.skip("Debian's apache2 and libapache2-mod-wsgi-py3 are not installed")

    def render(tmp: str, ports: dict) -> str:
        root = Path(tmp)
        (root / "app.wsgi").write_text(app)
        (root / "private").mkdir(mode=0o700)
        return config.format(root=root, port=ports["main"], modules=MODULES)

    server = launch(APACHE, render, env={}, pid_file="httpd.pid", prefix="wsgidoctor-errorlog-", dir_mode=0o755)
    log = Path(server.error_log)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and server.process.running():
            text = log.read_bytes() if log.exists() else b""
            if until in text:
                break
            if request and b"resuming normal operations" in text:
                request = False
                server.get("/app", timeout=10)  # a failure is what the log is expected to record
            time.sleep(0.1)
        server.process.stop(grace=15)
        saved = Path(tempfile.mkdtemp(prefix="wsgidoctor-errorlog-kept-")) / "error.log"
        shutil.copy(log, saved)
    finally:
        server.stop()
    return saved


BASE = """
ServerRoot {root}
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule wsgi_module {modules}/mod_wsgi.so
Listen 127.0.0.1:{port}
ServerName localhost
PidFile {root}/httpd.pid
ErrorLog {root}/error.log
LogLevel info
DefaultRuntimeDir {root}
User www-data
Group www-data
StartServers 1
<Directory {root}>
    Require all granted
</Directory>
"""
CONFIG = BASE + """
WSGIPythonHome """ + MISSING_HOME + """
WSGIScriptAlias /app {root}/app.wsgi
"""
#: Daemon sockets in a directory (mode 0700, owned by root) Apache's children cannot search.
SOCKET_CONFIG = BASE + """
WSGISocketPrefix {root}/private/wsgi
WSGIDaemonProcess app processes=1 threads=2
WSGIProcessGroup app
WSGIScriptAlias /app {root}/app.wsgi
"""
#: Debian's module as packaged, healthy: embedded mode beside a daemon group serving /app.
HEALTHY_CONFIG = BASE + """
WSGISocketPrefix {root}/wsgi
WSGIDaemonProcess app processes=2 threads=2
WSGIScriptAlias /app {root}/app.wsgi process-group=app
WSGIScriptAlias / {root}/app.wsgi
"""


@pytest.fixture(scope="module")
def missing_home_log():
    assert not os.path.exists(MISSING_HOME)
    log = _run_apache(CONFIG, until=b"No module named 'encodings'")
    yield log
    shutil.rmtree(log.parent, ignore_errors=True)


def test_the_real_log_of_a_missing_python_home_gives_python_home_invalid(missing_home_log):
    facts = scan_file(str(missing_home_log))
    assert facts["banner"]["mod_wsgi_version"] and facts["banner"]["apache_vendor"] == "Debian"
    assert facts["path_config"]["pythonhome"] == MISSING_HOME
    assert facts["path_config"]["prefix"] == MISSING_HOME
    found = {f.id: f for f in diagnose({"errorlog": facts})}
    errors = {i for i, f in found.items() if f.severity is not Severity.INFO}
    assert errors == {"python-home-invalid"}
    detail = found["python-home-invalid"].detail
    assert f"Python home {MISSING_HOME}: No such file or directory ({missing_home_log}:" in detail
    assert "No module named 'encodings'" in detail


def test_the_probe_finds_that_log_through_the_configuration(missing_home_log):
    facts = {"config": {"directives": [{"name": "ErrorLog", "args": [str(missing_home_log)],
                                        "file": "httpd.conf", "line": 9, "sections": []}]}}
    out = probe.run(ProbeContext(Options(), facts))
    log = out.facts["errorlog"]
    assert log["path"] == str(missing_home_log) and log["first_line"] == 1
    assert log["events"]["python-home-unusable"]["by"] == {MISSING_HOME: log["events"]["python-home-unusable"]["count"]}


def test_a_socket_directory_the_children_cannot_search_gives_daemon_socket_denied():
    log = _run_apache(SOCKET_CONFIG, until=b"Unable to connect to WSGI daemon process", request=True)
    try:
        found = {f.id: f for f in diagnose({"errorlog": scan_file(str(log))})}
    finally:
        shutil.rmtree(log.parent, ignore_errors=True)
    errors = {i for i, f in found.items() if f.severity is not Severity.INFO}
    assert errors == {"daemon-socket-denied"}
    assert "uid=33" in found["daemon-socket-denied"].detail and "/private" in found["daemon-socket-denied"].detail


def test_a_healthy_server_with_and_without_a_daemon_group_raises_no_alarm():
    log = _run_apache(HEALTHY_CONFIG, until=b"Loading Python script file", request=True)
    try:
        facts = scan_file(str(log))
        text = log.read_text()
    finally:
        shutil.rmtree(log.parent, ignore_errors=True)
    assert "Starting process 'app'" in text and "Initializing Python" in text  # both modes ran
    found = {f.id: f for f in diagnose({"errorlog": facts})}
    assert set(found) == {"errorlog-last-startup"}, {i: f.detail for i, f in found.items()}


def test_an_exception_raised_while_handling_a_request_is_the_script_exception_finding():
    """mod_wsgi 4.x (as 3.x) logs "Exception occurred processing WSGI script" and the traceback,
    with no "Failed to exec" line: the application raised during the request, it did not fail to load."""
    app = "def application(environ, start_response):\n    raise RuntimeError('raised by the test application')\n"
    # In a daemon group: an embedded child that logged the exception outlives SIGTERM here (10 s more)
    config = BASE + ("WSGISocketPrefix {root}/wsgi\nWSGIDaemonProcess app threads=1\n"
                     "WSGIScriptAlias /app {root}/app.wsgi process-group=app\n")
    log = _run_apache(config, until=b"raised by the test application", request=True, app=app)
    try:
        facts = scan_file(str(log))
        text = log.read_text()
    finally:
        shutil.rmtree(log.parent, ignore_errors=True)
    assert "Exception occurred processing WSGI script" in text and "Failed to exec" not in text
    found = {f.id: f for f in diagnose({"errorlog": facts})}
    errors = {i for i, f in found.items() if f.severity is not Severity.INFO}
    assert errors == {"wsgi-script-load-failed"}, {i: f.detail for i, f in found.items()}
    detail = found["wsgi-script-load-failed"].detail
    assert "app.wsgi raised an exception" in detail and not detail.startswith("Loading")
