"""An error log that exists but that wsgidoctor's user may not read is "not examined", never a
silent pass: the log is where Apache and mod_wsgi say what fails. The probe runs as nobody."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from tests.support.as_user import can_switch_user, probe_as

pytestmark = pytest.mark.skipif(not can_switch_user(), reason="needs root to become nobody")

LOG_LINE = ("[Fri Dec 04 10:00:00.000000 2026] [wsgi:error] [pid 42:tid 42] [client 127.0.0.1:5000] "
            "Timeout when reading response headers from daemon process 'site': /srv/site/site.wsgi\n")


@pytest.fixture
def log_dir():
    top = tempfile.mkdtemp(prefix="wsgidoctor-test-log-")
    os.chmod(top, 0o755)
    try:
        yield top
    finally:
        shutil.rmtree(top)


def write_log(directory: str, mode: int) -> str:
    path = os.path.join(directory, "error.log")
    with open(path, "w") as fh:
        fh.write(LOG_LINE)
    os.chmod(path, mode)
    return path


def test_a_log_only_root_may_read_marks_the_section_not_examined(log_dir):
    path = write_log(log_dir, 0o640)  # root:root, as Debian's adm-group logs are to other users
    report = probe_as("nobody", ["wsgidoctor.errorlog.probe:run"], {"install": {"httpd": "/usr/sbin/apache2"}},
                      extra={"error_log": path})
    log = report.facts["errorlog"]
    assert log["path"] is None and log["as_root"] is False
    assert [u["path"] for u in log["unreadable"]] == [path]
    incomplete = report.facts["incomplete"]["errorlog"]
    assert path in incomplete["reason"] and "Permission denied" in incomplete["reason"]
    assert "as root" in incomplete["fix"]
    assert "sections-not-examined" in {f.id for f in report.findings}


def test_the_same_log_readable_by_all_is_read_and_diagnosed(log_dir):
    path = write_log(log_dir, 0o644)
    report = probe_as("nobody", ["wsgidoctor.errorlog.probe:run"], {"install": {"httpd": "/usr/sbin/apache2"}},
                      extra={"error_log": path})
    assert report.facts["errorlog"]["path"] == path
    assert "errorlog" not in report.facts.get("incomplete", {})
    assert "daemon-response-timeout" in {f.id for f in report.findings}
