"""Planted secrets through the real thing: a running Apache, the real command line, every output format.

A throwaway Apache (tests/support/apache_harness.py) is started with secrets of every class in its
configuration (``SetEnv``/``Define`` under joined names, directives whose argument is a secret,
header directives, credentials in URLs), in its environment (read back from /proc/PID/environ),
on its command line (``-D``) and, once it runs, in its error log (command lines, Python assignments,
URLs). A second run examines the same configuration with no server running, so that Apache's
start environment comes from an ``envvars`` file holding more secrets. Then ``wsgidoctor`` runs as a
user runs it: ``report --json``, ``--markdown``, ``--text``, ``check -v``, ``analyze --from`` a saved
unredacted report, and the pytest plugin's JSON artifact. No planted value, nor any 12-character
piece of one, may appear in any of them; and ``--no-redact`` must show them (else this proves nothing).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.redaction.test_redact_planted import leaks
from tests.support import apache_harness

pytestmark = pytest.mark.apache

#: Planted values by class. Each is used once below; all are fake.
PLANTED: dict[str, list[str]] = {
    "joined names in SetEnv/Define": ["Real-Dbpass-Setenv-1a2b", "Real-Bindpw-Setenv-3c4d",
                                      "Real-Smtppass-Define-5e6f", "Real-Myapppass-Lower-7g8h"],
    "directives whose argument is a secret": ["Real-Ldap-Bind-9i0j", "Real-Session-Crypto-1k2l",
                                              "Real-Basic-Fake-3m4n", "Real-Dbd-Pass-5o6p"],
    "credentials in URLs (ProxyPass, RewriteRule)": ["Real-Proxy-Pass-7q8r", "Real-Query-Key-9s0t"],
    "header directives": ["UmVhbC1SZXF1ZXN0LUF1dGg=", "Real-X-Api-Key-1u2v", "Real-Set-Cookie-3w4x"],
    "running server's environment": ["Real-Environ-Dbpass-5y6z", "Real-Environ-Bindpw-7a8b",
                                     "Real-Environ-Smtp-9c0d", "Real-Environ-App-1e2f",
                                     "Real-Environ-Password-3g4h"],
    "command line (-D)": ["Real-Argv-Token-5i6j"],
    "error log": ["Real-Log-Mysqldump-7k8l", "Real-Log-Dash-Password-9m0n", "Real-Log-Py-Environ-1o2p",
                  "Real-Log-Url-Cred-3q4r", "Real-Log-Curl-5s6t", "Real-Log-Header-7u8v"],
    "envvars": ["Real-Envvars-Dbpass-9w0x", "Real-Envvars-Bindpw-1y2z", "Real-Envvars-Smtp-3a4c",
                "Real-Envvars-Api-Key-5d6e"],
}
ALL = [v for values in PLANTED.values() for v in values]
MODULES = ["env", "headers", "setenvif", "ldap", "authnz_ldap", "authn_core", "auth_basic", "authz_user",
           "session", "session_crypto", "dbd", "proxy", "proxy_http", "rewrite"]

CONFIG = "\n".join(f"LoadModule {m}_module {apache_harness.MODULES}/mod_{m}.so" for m in MODULES) + """
Define SMTPPASS Real-Smtppass-Define-5e6f
SetEnv DBPASS Real-Dbpass-Setenv-1a2b
SetEnv LDAP_BINDPW Real-Bindpw-Setenv-3c4d
SetEnv myapppass Real-Myapppass-Lower-7g8h
DBDParams "host=db.example user=shop pass=Real-Dbd-Pass-5o6p dbname=shop"
ProxyPass /legacy http://svc:Real-Proxy-Pass-7q8r@127.0.0.1:9/
RewriteEngine On
RewriteRule ^/maps$ https://maps.example.com/api?key=Real-Query-Key-9s0t&sensor=false [R]
RequestHeader set Authorization "Basic UmVhbC1SZXF1ZXN0LUF1dGg="
RequestHeader set X-Api-Key "Real-X-Api-Key-1u2v"
Header always set Set-Cookie "backend=Real-Set-Cookie-3w4x; Path=/; HttpOnly"
Header always set X-Frame-Options SAMEORIGIN
<Location /private>
    AuthType Basic
    AuthName "private"
    AuthBasicProvider ldap
    AuthLDAPURL ldap://127.0.0.1:9/dc=example,dc=com?uid
    AuthLDAPBindDN cn=reader,dc=example,dc=com
    AuthLDAPBindPassword Real-Ldap-Bind-9i0j
    AuthBasicFake demo Real-Basic-Fake-3m4n
    Session On
    SessionCryptoPassphrase Real-Session-Crypto-1k2l
    Require valid-user
</Location>
"""
ENVIRON = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C",
           "DBPASS": "Real-Environ-Dbpass-5y6z", "LDAP_BINDPW": "Real-Environ-Bindpw-7a8b",
           "SmtpPass": "Real-Environ-Smtp-9c0d", "myapppass": "Real-Environ-App-1e2f",
           "DJANGO_DB_PASSWORD": "Real-Environ-Password-3g4h"}
LOG_LINES = """\
[Fri Dec 04 10:00:00.000001 2026] [wsgi:error] [pid 9] backup failed: mysqldump -u shop -pReal-Log-Mysqldump-7k8l shop
[Fri Dec 04 10:00:00.000002 2026] [wsgi:error] [pid 9] Running: pg_dump --password=Real-Log-Dash-Password-9m0n shop
[Fri Dec 04 10:00:00.000003 2026] [wsgi:error] [pid 9]     os.environ["DB_PASSWORD"] = "Real-Log-Py-Environ-1o2p"
[Fri Dec 04 10:00:00.000004 2026] [wsgi:error] [pid 9] ConnectionError: https://api:Real-Log-Url-Cred-3q4r@api.example.net/v1
[Fri Dec 04 10:00:00.000005 2026] [wsgi:error] [pid 9] subprocess: curl -u shop:Real-Log-Curl-5s6t https://api.example.net/
[Fri Dec 04 10:00:00.000006 2026] [wsgi:error] [pid 9] request headers: {'HTTP_X_API_KEY': 'Real-Log-Header-7u8v'}
"""
ENVVARS = """\
export APACHE_RUN_USER=www-data
export APACHE_RUN_GROUP=www-data
export DBPASS=Real-Envvars-Dbpass-9w0x
export LDAP_BINDPW='Real-Envvars-Bindpw-1y2z'
export SMTPPASS="Real-Envvars-Smtp-3a4c"
export MyApiKey=Real-Envvars-Api-Key-5d6e
"""


def _wsgidoctor(*args: str, env: dict[str, str] | None = None) -> str:
    out = subprocess.run([sys.executable, "-m", "wsgidoctor", *args], capture_output=True, text=True,
                         timeout=300, env={**os.environ, **(env or {})})
    assert out.returncode in (0, 1, 2), out.stderr
    assert "Traceback" not in out.stderr
    return out.stdout


def _plugin_artifact(tmp_path: Path, examine: list[str]) -> str:
    """The JSON artifact of a pytest run with the wsgidoctor plugin, examining this installation."""
    (tmp_path / "test_image.py").write_text("def test_report(wsgidoctor_report):\n    assert wsgidoctor_report\n")
    artifact = tmp_path / "artifact.json"
    httpd, config = examine[1], examine[3]
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                          str(tmp_path / "test_image.py"), "--rootdir", str(tmp_path),
                          "--wsgidoctor-httpd", httpd, "--wsgidoctor-config", config,
                          "--wsgidoctor-report", str(artifact)],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert artifact.exists(), out.stdout + out.stderr
    return artifact.read_text()


def _outputs(examine: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """Every output format of one installation, and the unredacted JSON (the guard)."""
    raw = _wsgidoctor("report", "--json", "--no-redact", *examine, env=env)
    saved = tmp_path / "saved.json"
    saved.write_text(raw)
    return {
        "unredacted": raw,
        "report --json": _wsgidoctor("report", "--json", *examine, env=env),
        "report --markdown": _wsgidoctor("report", "--markdown", *examine, env=env),
        "report --text": _wsgidoctor("report", "--text", *examine, env=env),
        "check -v": _wsgidoctor("check", "-v", "--color", "never", *examine, env=env),
        "analyze --from (unredacted report)": _wsgidoctor("analyze", "--from", str(saved), "--json", env=env),
    }


def _leaks_by_format(outputs: dict[str, str], values: list[str]) -> dict[str, list[str]]:
    found = {}
    for fmt, text in outputs.items():
        if fmt != "unredacted":
            # JSON escapes nothing in these values, but unescape anyway: "\u002d" cannot hide a leak
            hits = leaks(text if not text.lstrip().startswith("{") else text + json.dumps(json.loads(text)), values)
            if hits:
                found[fmt] = hits
    return found


@pytest.fixture(scope="module")
def planted_server():
    why = apache_harness.available()
    if why:
        pytest.fail(why)
    with apache_harness.start(CONFIG, env=ENVIRON, defines=["DEPLOY_TOKEN=Real-Argv-Token-5i6j"]) as server:
        with open(server.log, "a", encoding="utf-8") as log:
            log.write(LOG_LINES)
        yield server


def test_no_planted_secret_of_a_running_server_reaches_any_output(planted_server, tmp_path):
    examine = ["--httpd", apache_harness.APACHE2, "--config", str(planted_server.root / "httpd.conf")]
    outputs = _outputs(examine, tmp_path)
    outputs["pytest plugin artifact"] = _plugin_artifact(tmp_path, examine)
    values = [v for cls, vs in PLANTED.items() if cls != "envvars" for v in vs]
    assert [v for v in values if v not in outputs["unredacted"]] == []  # the guard: they were there
    assert json.loads(outputs["unredacted"])["facts"]["install"]["start_env_source"] == "running-process"
    assert _leaks_by_format(outputs, values) == {}
    # what a maintainer needs stays: the directives, their names and their harmless arguments
    records = json.loads(outputs["report --json"])["facts"]["config"]["directives"]
    directives = [[r["name"], *r["args"]] for r in records]
    for kept in (["SetEnv", "DBPASS", "<redacted>"], ["AuthLDAPBindPassword", "<redacted>"],
                 ["AuthBasicFake", "demo", "<redacted>"], ["RequestHeader", "set", "Authorization", "Basic <redacted>"],
                 ["Header", "always", "set", "X-Frame-Options", "SAMEORIGIN"],
                 ["AuthLDAPURL", "ldap://127.0.0.1:9/dc=example,dc=com?uid"]):
        assert kept in directives, kept


def test_no_planted_secret_of_envvars_reaches_any_output(planted_server, tmp_path):
    """No server runs with this configuration: the start environment is sourced from envvars."""
    confdir = tmp_path / "confdir"
    confdir.mkdir()
    (confdir / "envvars").write_text(ENVVARS)
    config = tmp_path / "apache2.conf"
    config.write_text((planted_server.root / "httpd.conf").read_text())
    examine = ["--httpd", apache_harness.APACHE2, "--config", str(config)]
    outputs = _outputs(examine, tmp_path, env={"APACHE_CONFDIR": str(confdir)})
    assert json.loads(outputs["unredacted"])["facts"]["install"]["start_env_source"] == "envvars"
    values = PLANTED["envvars"] + PLANTED["joined names in SetEnv/Define"] + PLANTED["header directives"]
    assert [v for v in values if v not in outputs["unredacted"]] == []
    assert _leaks_by_format(outputs, values) == {}
