"""The same files, examined by root and by a user who is not root.

A WSGI script Apache's user may not read, in a directory closed to everyone but root and www-data:
root sees that www-data cannot read it (an error); nobody cannot even look, so it must say the
permissions were not examined, never pass them. The probes run as nobody for real
(tests/support/as_user.py).
"""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile

import pytest

from tests.support.apache_harness import APACHE2
from tests.support.as_user import can_switch_user, probe_as

pytestmark = [
    pytest.mark.skipif(not can_switch_user(), reason="needs root to become nobody"),
    pytest.mark.skipif(not os.path.exists(APACHE2), reason="needs Debian's apache2"),
]

PROBES = ["wsgidoctor.config.probe:run", "wsgidoctor.permissions.probe:run"]


@pytest.fixture
def closed_app():
    """httpd.conf (readable by all) mounting /…/app/app.wsgi: app/ is root:www-data 0750, the
    script root 0600, so www-data may enter the directory but not read the script."""
    try:
        www = pwd.getpwnam("www-data")
    except KeyError:
        pytest.skip("no www-data user")
    top = tempfile.mkdtemp(prefix="wsgidoctor-test-perm-")
    os.chmod(top, 0o755)
    app = os.path.join(top, "app")
    os.mkdir(app)
    script = os.path.join(app, "app.wsgi")
    with open(script, "w") as fh:
        fh.write("def application(environ, start_response):\n    return []\n")
    os.chown(app, 0, www.pw_gid)
    os.chmod(app, 0o750)
    os.chmod(script, 0o600)
    config = os.path.join(top, "httpd.conf")
    with open(config, "w") as fh:
        fh.write(f"""ServerRoot /etc/apache2
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule wsgi_module /usr/lib/apache2/modules/mod_wsgi.so
Listen 127.0.0.1:9
User www-data
Group www-data
WSGIScriptAlias /app {script}
<Directory {app}>
    Require all granted
</Directory>
""")
    os.chmod(config, 0o644)
    facts = {"install": {"httpd": APACHE2, "server_root": "/etc/apache2", "config_file": config,
                         "start_env": {}, "user": "www-data", "group": "www-data"},
             "apache": {"version": "2.4.71", "mpm": {"name": "event"}}, "mod_wsgi": {"version": "4.9.4"}}
    try:
        yield config, script, facts
    finally:
        shutil.rmtree(top)


def test_root_sees_that_apaches_user_cannot_read_the_script(closed_app):
    config, script, facts = closed_app
    report = probe_as("root", PROBES, facts, config=config)
    [check] = [c for c in report.facts["permissions"]["checks"] if c["kind"] == "wsgi-script"]
    assert check["blocked"]["path"] == script and check["blocked"]["checked"] is True
    assert "path-not-accessible" in {f.id for f in report.findings}


def test_nobody_says_the_permissions_were_not_examined(closed_app):
    config, script, facts = closed_app
    report = probe_as("nobody", PROBES, facts, config=config)
    [check] = [c for c in report.facts["permissions"]["checks"] if c["kind"] == "wsgi-script"]
    assert check["blocked"] is None and check["exists"] is None
    assert check["unchecked"]["checked"] is False and check["unchecked"]["path"] == script
    incomplete = report.facts["incomplete"]["permissions"]
    assert script in incomplete["reason"] and "www-data" in incomplete["reason"]
    assert "as root" in incomplete["fix"]
    assert "path-not-accessible" not in {f.id for f in report.findings}
    assert "sections-not-examined" in {f.id for f in report.findings}
