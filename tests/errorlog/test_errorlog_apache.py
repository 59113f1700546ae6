"""A real Debian apache2 + mod_wsgi, started on 127.0.0.1 from a temporary directory with a Python
home that does not exist: its own error log must give python-home-invalid, and nothing else."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from wsgidoctor.errorlog import scan_file
from wsgidoctor.core.model import Severity
from wsgidoctor.core.hookspec import Options, ProbeContext
from wsgidoctor.errorlog import probe
from wsgidoctor.areas import diagnose

APACHE = "/usr/sbin/apache2"
MODULES = "/usr/lib/apache2/modules"
MISSING_HOME = "/srv/wsgidoctor-test-missing-home"

pytestmark = pytest.mark.apache


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_apache(config: str, until: bytes, timeout: float = 20.0, request: bool = False) -> Path:
    """Start apache2 in the foreground with ``config`` (in a fresh directory www-data can read),
    optionally send it one request once it is up, wait until its error log contains ``until``,
    stop it by its pid, and return a copy of the log."""
    if not (os.path.exists(APACHE) and os.path.exists(f"{MODULES}/mod_wsgi.so")):
        pytest.skip("Debian's apache2 and libapache2-mod-wsgi-py3 are not installed")
    root = Path(tempfile.mkdtemp(prefix="wsgidoctor-errorlog-", dir="/tmp"))
    root.chmod(0o755)
    (root / "app.wsgi").write_text("def application(environ, start_response):\n"
                                   "    start_response('200 OK', [])\n    return [b'ok']\n")
    port = _free_port()
    (root / "private").mkdir(mode=0o700)
    (root / "httpd.conf").write_text(config.format(root=root, port=port, modules=MODULES))
    log = root / "error.log"
    proc = subprocess.Popen([APACHE, "-f", str(root / "httpd.conf"), "-DFOREGROUND"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            text = log.read_bytes() if log.exists() else b""
            if until in text:
                break
            if request and b"resuming normal operations" in text:
                request = False
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/app", timeout=10).read()
                except (urllib.error.URLError, OSError):
                    pass  # the failure is what the log is expected to record
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group this test started, and only it
            proc.wait(timeout=5)
    saved = Path(tempfile.mkdtemp(prefix="wsgidoctor-errorlog-kept-")) / "error.log"
    shutil.copy(log, saved)
    shutil.rmtree(root, ignore_errors=True)
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
