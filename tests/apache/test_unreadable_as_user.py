"""wsgidoctor run by a user who is not root: httpd -M, run as that user, cannot read a file only
root may read. Apache reads it as root when it starts, so this is "not examined", never "Apache
refuses this configuration". A file that is really missing is still a refusal, whoever runs.

The probes really run as ``nobody`` (tests/support/as_user.py) on this machine's apache2.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from tests.support.apache_harness import APACHE2
from tests.support.as_user import can_switch_user, probe_as
from wsgidoctor.core.model import Report
from wsgidoctor.render.outline import refusal

pytestmark = [
    pytest.mark.skipif(not can_switch_user(), reason="needs root to become nobody"),
    pytest.mark.skipif(not os.path.exists(APACHE2), reason="needs Debian's apache2"),
]

@pytest.fixture
def root_only_include():
    """A configuration (readable by all) that includes a file in a directory only root may enter."""
    top = tempfile.mkdtemp(prefix="wsgidoctor-test-unreadable-")
    os.chmod(top, 0o755)
    private = os.path.join(top, "private")
    os.mkdir(private, 0o700)
    with open(os.path.join(private, "site.conf"), "w") as fh:
        fh.write("ServerName site.example\n")
    try:
        yield top, private
    finally:
        shutil.rmtree(top)


def write_config(top: str, include: str) -> str:
    path = os.path.join(top, "httpd.conf")
    with open(path, "w") as fh:
        fh.write(f"""ServerRoot /etc/apache2
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
Listen 127.0.0.1:9
PidFile {top}/pid
ErrorLog {top}/error.log
Include {include}
""")
    os.chmod(path, 0o644)
    return path


def probe_as_nobody(config: str) -> Report:
    """httpd -M and the configuration read, as nobody; then derived and diagnosed."""
    facts = {"install": {"httpd": APACHE2, "httpd_argv": [APACHE2, "-f", config], "server_root": "/etc/apache2",
                         "config_file": config}}
    return probe_as("nobody", ["wsgidoctor.apache.probe_modules:run_modules", "wsgidoctor.config.probe:run"],
                    facts, config=config)


def test_a_file_only_root_may_read_is_not_examined_not_a_refusal(root_only_include):
    top, private = root_only_include
    report = probe_as_nobody(write_config(top, os.path.join(private, "site.conf")))
    read = report.facts["apache"]["config_read"]
    assert read["exit_code"] != 0 and read["as_root"] is False
    assert [u["blocked_at"] for u in read["unreadable"]] == [private]
    ids = {f.id for f in report.findings}
    assert not [f for f in report.findings if f.severity.value == "error"], ids
    assert refusal(report) is None
    incomplete = report.facts["incomplete"]
    assert "does not run as root" in incomplete["modules"]["reason"] and private in incomplete["modules"]["reason"]
    assert "as root" in incomplete["modules"]["fix"]
    # what the unread file holds was not examined either: the configuration section says so
    assert "site.conf" in incomplete["config"]["reason"] and "as root" in incomplete["config"]["fix"]
    assert "sections-not-examined" in ids


def test_a_missing_include_is_still_a_refusal_when_not_root(root_only_include):
    top, _ = root_only_include
    report = probe_as_nobody(write_config(top, os.path.join(top, "missing.conf")))
    assert report.facts["apache"]["config_read"]["unreadable"] == []
    assert "apache-config-rejected" in {f.id for f in report.findings}
    assert "config" not in report.facts.get("incomplete", {})  # missing, not unread: the refusal says it
    assert refusal(report).startswith("Apache refuses this configuration: Could not open configuration file")
