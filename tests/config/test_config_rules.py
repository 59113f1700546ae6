"""Findings from the configuration: each cites the directive's file and line.

The facts come from the real config probe run on configurations written to a temporary
directory (it also runs httpd's own configuration dump when Apache is installed).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from wsgidoctor.core.model import Severity
from wsgidoctor.areas import derive_all, diagnose

MODS = "/usr/lib/apache2/modules"


def facts_for(tmp_path: Path, body: str, mpm: str = "event", extra: str = "") -> dict:
    from wsgidoctor import areas as runner
    from wsgidoctor.core.hookspec import Options
    from wsgidoctor.config.probe import PROBE

    conf = tmp_path / "httpd.conf"
    conf.write_text(f"ServerRoot {tmp_path}\nErrorLog {tmp_path}/error.log\nUser www-data\nGroup www-data\n"
                    f"LoadModule mpm_{mpm}_module {MODS}/mod_mpm_{mpm}.so\n{extra}"
                    f"LoadModule wsgi_module {MODS}/mod_wsgi.so\n" + body)
    report = runner.collect(Options(config=str(conf), load_plugins=False), probes=[PROBE])
    assert report.probes[0].status.value == "ok", report.probes[0].error
    return report.facts


def findings(facts: dict, wanted: str):
    facts = derive_all(facts)
    return [f for f in diagnose(facts) if f.id == wanted]


def test_global_only_directives_inside_sections(tmp_path):
    facts = facts_for(tmp_path, """\
<VirtualHost *:80>
    WSGIPythonHome /srv/venv
    <Directory /srv>
        WSGISocketPrefix run/wsgi
    </Directory>
</VirtualHost>
<Location /x>
    WSGIDaemonProcess inside-location
    WSGIProcessGroup fine-here
</Location>
WSGIPythonPath /srv/app
""")
    found = findings(facts, "directive-wrong-context")
    assert [(f.evidence[0].line, f.severity) for f in found] == [(8, Severity.ERROR), (10, Severity.ERROR), (14, Severity.ERROR)]
    assert "cannot occur within <VirtualHost> section" in found[0].detail
    assert "httpd.conf:8" in found[0].detail
    assert "WSGIDaemonProcess not allowed here" in found[2].detail


def test_undefined_and_inaccessible_daemon_groups(tmp_path):
    facts = facts_for(tmp_path, """\
Listen 80
Listen 443
WSGIDaemonProcess global-ok
<VirtualHost *:80>
    ServerName a.example
    WSGIDaemonProcess a-only
    WSGIScriptAlias /typo /srv/a.wsgi process-group=a-onyl
</VirtualHost>
<VirtualHost *:443>
    ServerName b.example
    WSGIScriptAlias /other /srv/b.wsgi process-group=a-only
    WSGIScriptAlias /global /srv/b.wsgi process-group=global-ok
    <Directory /srv/c>
        WSGIProcessGroup missing
    </Directory>
</VirtualHost>
""")
    found = findings(facts, "daemon-group-undefined")
    details = [f.detail for f in found]
    assert len(found) == 3, details
    assert "'a-onyl'" in details[0] and "httpd.conf:13" in details[0]
    assert "'missing'" in details[1] and "httpd.conf:20" in details[1]
    assert "cannot be accessed" in details[2] and found[2].evidence[0].line == 17


def test_trailing_slash_on_a_file_target_only(tmp_path):
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    facts = facts_for(tmp_path, f"""\
WSGIScriptAlias /app/ /srv/app/app.wsgi
WSGIScriptAlias /fine /srv/app/app.wsgi
WSGIScriptAlias /scripts/ {scripts}
WSGIScriptAlias / /srv/root.wsgi
""")
    (f,) = findings(facts, "script-alias-trailing-slash")
    assert f.evidence[0].line == 7 and "/app/page" in f.detail and "WSGIScriptAlias /app /srv/app/app.wsgi" in f.fix


def test_processes_1_is_an_info_note(tmp_path):
    facts = facts_for(tmp_path, "WSGIDaemonProcess one processes=1\nWSGIDaemonProcess none threads=2\n")
    (f,) = findings(facts, "multiprocess-processes-1")
    assert f.severity is Severity.INFO and f.evidence[0].line == 7


def test_socket_prefix_checks(tmp_path):
    private = tmp_path / "private"
    private.mkdir()
    private.chmod(0o700)
    long_dir = tmp_path / ("d" * 90)
    long_dir.mkdir()
    long_dir.chmod(0o755)
    facts = facts_for(tmp_path, f"WSGISocketPrefix {private}/wsgi\nWSGIDaemonProcess d\n")
    (f,) = findings(facts, "socket-prefix-unreachable")
    assert "not searchable by www-data" in f.detail and f.evidence[0].line == 7
    facts = facts_for(tmp_path, f"WSGISocketPrefix {long_dir}/wsgi\nWSGIDaemonProcess d\n")
    found = findings(facts, "socket-prefix-unreachable")
    parents_closed = any(p.stat().st_mode & 0o001 == 0 for p in tmp_path.parents if str(p) != "/")
    assert [x.title for x in found][-1] == "The mod_wsgi daemon socket path is too long for a UNIX socket"
    assert len(found) == (2 if parents_closed else 1)  # pytest's temp root is 0700 as well
    facts = facts_for(tmp_path, f"WSGISocketPrefix {private}/wsgi\n")  # no daemon: no sockets
    assert findings(facts, "socket-prefix-unreachable") == []


def test_embedded_prefork_only_with_the_shipped_sizing(tmp_path):
    shipped = ("StartServers 5\nMinSpareServers 5\nMaxSpareServers 10\nMaxRequestWorkers 150\n"
               "MaxConnectionsPerChild 0\n")
    facts = facts_for(tmp_path, shipped + "WSGIScriptAlias /app /srv/app.wsgi\n", mpm="prefork")
    (f,) = findings(facts, "embedded-mode-prefork")
    assert "/app" in f.detail and "MaxRequestWorkers 150" in f.detail
    facts = facts_for(tmp_path, "WSGIScriptAlias /app /srv/app.wsgi\n", mpm="prefork")
    assert len(findings(facts, "embedded-mode-prefork")) == 1  # httpd's compiled-in defaults
    facts = facts_for(tmp_path, "MaxRequestWorkers 8\nWSGIScriptAlias /app /srv/app.wsgi\n", mpm="prefork")
    assert findings(facts, "embedded-mode-prefork") == []  # tuned
    facts = facts_for(tmp_path, shipped + "WSGIDaemonProcess d\nWSGIScriptAlias /app /srv/app.wsgi process-group=d\n",
                      mpm="prefork")
    assert findings(facts, "embedded-mode-prefork") == []  # daemon mode
    facts = facts_for(tmp_path, "WSGIScriptAlias /app /srv/app.wsgi\n", mpm="event")
    assert findings(facts, "embedded-mode-prefork") == []


def test_mod_python_beside_mod_wsgi_by_version(tmp_path):
    if not Path(f"{MODS}/mod_python.so").exists():
        pytest.skip("libapache2-mod-python is not installed")
    facts = facts_for(tmp_path, "", extra=f"LoadModule python_module {MODS}/mod_python.so\n")
    assert facts["config"]["mod_python"]["python_version"] == "3.11"
    (f,) = findings(facts, "mod-python-conflict")
    assert f.severity is Severity.ERROR and "4.0 or later (assumed)" in f.detail and f.evidence[0].line == 6
    old = copy.deepcopy(facts)
    old["mod_wsgi"] = {"version": "3.5"}
    old["linkage"] = {"python_library": {"python_version": "3.11"}}
    (f,) = findings(old, "mod-python-conflict")
    assert f.severity is Severity.WARNING
    old["linkage"]["python_library"]["python_version"] = "2.7"
    (f,) = findings(old, "mod-python-conflict")
    assert f.severity is Severity.ERROR and "Python 3.11" in f.detail


def test_predictions_are_remade_once_the_mod_wsgi_version_is_known(tmp_path):
    facts = facts_for(tmp_path, "ServerName h.example\nWSGIScriptAlias /MyApp /srv/app.wsgi\n")
    assert facts["config"]["prediction_version_assumed"] is True
    assert facts["config"]["mounts"][0]["application_group"] == "h.example|/myapp"
    facts["mod_wsgi"] = {"version": "6.0.5"}
    facts = derive_all(facts)
    assert facts["config"]["mounts"][0]["application_group"] == "h.example|/MyApp"
    assert facts["config"]["prediction_version"] == "6.0.5"


def test_unknown_wsgi_directives_and_httpds_syntax_error_are_notes(tmp_path):
    facts = facts_for(tmp_path, "WSGIScriptAlais / /srv/x.wsgi\n")
    notes = {n["kind"]: n for n in facts["config"]["notes"]}
    assert notes["unknown-directive"]["line"] == 7 and notes["unknown-directive"]["fatal"]
    if "syntax-error" in notes:  # httpd installed: its own configuration test agrees
        assert notes["syntax-error"]["line"] == 7 and "Invalid command 'WSGIScriptAlais'" in notes["syntax-error"]["text"]
    assert "cross-check" not in notes
