"""Predictions per mount: mod_wsgi's naming, precedence and threading rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from wsgidoctor.config.model import build_model, tree_from_facts
from wsgidoctor.config.mpm import MpmSettings
from wsgidoctor.wsgi.predict import (embedded_threading, expand_group, predict_mounts,
                                       script_name_part)
from wsgidoctor.config.reader import read_config


@pytest.mark.parametrize("spec, port, expected", [
    (None, 18080, "testhost.example:18080|/app"),
    (None, 80, "testhost.example|/app"),
    (None, 443, "testhost.example|/app"),  # 443 is dropped whatever the scheme
    ("%{RESOURCE}", 8443, "testhost.example:8443|/app"),
    ("%{SERVER}", 80, "testhost.example"),
    ("%{SERVER}", 8000, "testhost.example:8000"),
    ("%{HOST}", 8000, "client.example:8000"),
    ("%{GLOBAL}", 8000, ""),
    ("named", 8000, "named"),
    ("%{FOO}", 8000, "%{FOO}"),  # unknown labels are used literally
    ("%{ENV:GROUP}", 80, "from-env"),
    ("%{ENV:INDIRECT}", 80, "testhost.example"),  # a %-value found in the environment expands again
    ("%{ENV:MISSING}", 80, "%{ENV:MISSING}"),
])
def test_application_group_expansion(spec, port, expected):
    env = {"GROUP": "from-env", "INDIRECT": "%{SERVER}"}.get
    assert expand_group(spec, server_name="testhost.example", port=port, script_name="/app",
                        host="client.example", env=env) == expected


def test_process_group_expansion_defaults_to_embedded():
    assert expand_group(None, server_name="h", port=80, script_name="/a", application=False) == ""
    assert expand_group("%{GLOBAL}", server_name="h", port=80, script_name="/a", application=False) == ""
    assert expand_group("%{RESOURCE}", server_name="h", port=81, script_name="/a", application=False) == "h:81|/a"


def test_mount_part_is_lowercased_before_6_0_only():
    assert script_name_part("/Scripts//Probe.wsgi", (4, 9, 4)) == "/scripts/probe.wsgi"
    assert script_name_part("/Scripts//Probe.wsgi", (5, 0, 2)) == "/scripts/probe.wsgi"
    assert script_name_part("/Scripts//Probe.wsgi", (6, 0, 5)) == "/Scripts/Probe.wsgi"
    assert script_name_part("/App", (6, 0, 5), platform="darwin") == "/app"
    assert script_name_part("/App", (6, 0, 5), case_sensitivity=False) == "/app"


@pytest.mark.parametrize("mpm, values, version, expected", [
    ("event", {}, (4, 9, 4), (True, True)),
    ("event", {"ThreadsPerChild": 25, "MaxRequestWorkers": 150}, (4, 9, 4), (True, True)),
    ("event", {"ThreadsPerChild": 1}, (4, 9, 4), (False, True)),
    ("event", {"ThreadsPerChild": 1}, (4, 8, 0), (True, True)),  # before 4.9.0: any threaded MPM
    ("event", {"ThreadsPerChild": 25, "MaxRequestWorkers": 25}, (4, 9, 4), (True, False)),
    ("event", {"ThreadsPerChild": 25, "MaxRequestWorkers": 40}, (4, 9, 4), (True, False)),  # rounded down
    # ThreadsPerChild is capped at ThreadLimit (64), so 100 workers make 1 child
    ("event", {"ThreadsPerChild": 100, "MaxRequestWorkers": 100}, (4, 9, 4), (True, False)),
    ("event", {"ThreadsPerChild": 100, "MaxRequestWorkers": 128}, (4, 9, 4), (True, True)),
    ("event", {"ServerLimit": 1}, (4, 9, 4), (True, False)),
    ("worker", {"ThreadsPerChild": 1, "MaxRequestWorkers": 1}, (4, 9, 4), (False, False)),
    ("prefork", {}, (4, 9, 4), (False, True)),
    ("prefork", {"MaxRequestWorkers": 1}, (4, 9, 4), (False, False)),
    ("prefork", {"ServerLimit": 1, "MaxRequestWorkers": 10}, (4, 9, 4), (False, False)),
    (None, {}, (4, 9, 4), (None, None)),
])
def test_embedded_threading_from_the_mpm(mpm, values, version, expected):
    assert embedded_threading(MpmSettings(mpm, "config", values), version) == expected


def model_for(tmp_path: Path, body: str, mpm: str = "event"):
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"ServerRoot {tmp_path}\nLoadModule mpm_{mpm}_module modules/mod_mpm_{mpm}.so\n"
                    "LoadModule wsgi_module modules/mod_wsgi.so\n" + body)
    return build_model(read_config(str(conf)))


def by_url(mounts, vhost=None):
    return {m.alias.url: m for m in mounts if vhost is None or m.vhost == vhost}


def test_precedence_alias_options_over_directory_over_server(tmp_path):
    model = model_for(tmp_path, """\
Listen 8080
ServerName main.example
WSGIDaemonProcess srv
WSGIDaemonProcess dir threads=1
WSGIDaemonProcess opt processes=1
WSGIProcessGroup srv
WSGIApplicationGroup %{SERVER}
<Directory /srv/dir>
    WSGIProcessGroup dir
</Directory>
<Location /loc>
    WSGIApplicationGroup loc-group
</Location>
WSGIScriptAlias /server /srv/server/app.wsgi
WSGIScriptAlias /dir /srv/dir/app.wsgi
WSGIScriptAlias /loc /srv/dir/app.wsgi
WSGIScriptAlias /opt /srv/dir/app.wsgi process-group=opt application-group=%{GLOBAL}
""")
    m = by_url(predict_mounts(model))
    assert (m["/server"].process_group, m["/server"].application_group) == ("srv", "main.example:8080")
    assert (m["/dir"].process_group, m["/dir"].application_group) == ("dir", "main.example:8080")
    assert (m["/loc"].process_group, m["/loc"].application_group) == ("dir", "loc-group")
    assert (m["/opt"].process_group, m["/opt"].application_group) == ("opt", "")
    assert (m["/server"].multithread, m["/server"].multiprocess) == (True, False)
    assert (m["/dir"].multithread, m["/dir"].multiprocess) == (False, False)
    assert (m["/opt"].multithread, m["/opt"].multiprocess) == (True, True)  # processes=1 counts
    assert m["/dir"].process_group_spec.at.line == 12  # where the setting came from


def test_virtual_hosts_inherit_main_aliases_and_name_groups_after_their_own_server(tmp_path):
    model = model_for(tmp_path, """\
Listen 80
Listen 8443
ServerName main.example
WSGIScriptAlias /shared /srv/app.wsgi
<VirtualHost *:80>
    ServerName www.example
    WSGIScriptAlias /Own /srv/own.wsgi
</VirtualHost>
<VirtualHost *:8443>
    ServerName other.example
    UseCanonicalName On
</VirtualHost>
""")
    mounts = predict_mounts(model)
    assert sorted((m.vhost, m.alias.url, m.application_group, m.depends_on_host) for m in mounts) == [
        ("other.example:8443", "/shared", "other.example|/shared", False),  # canonical: ServerName's port (none)
        ("www.example:80", "/Own", "www.example|/own", True),
        ("www.example:80", "/shared", "www.example|/shared", True),
    ]  # the main server is unreachable: every Listen port has a virtual host


def test_daemon_groups_follow_the_same_servername_rule_as_mod_wsgi(tmp_path):
    model = model_for(tmp_path, """\
Listen 80
Listen 443
<VirtualHost *:80>
    ServerName a.example
    WSGIDaemonProcess a_app
</VirtualHost>
<VirtualHost *:443>
    ServerName a.example
    WSGIScriptAlias /same /srv/a.wsgi process-group=a_app
</VirtualHost>
<VirtualHost *:443>
    ServerName b.example
    WSGIScriptAlias /other /srv/b.wsgi process-group=a_app
    WSGIScriptAlias /typo /srv/b.wsgi process-group=a_ap
</VirtualHost>
""")
    m = by_url(predict_mounts(model))
    assert m["/same"].problems == [] and m["/same"].daemon.name == "a_app"
    assert [p["kind"] for p in m["/other"].problems] == ["daemon-inaccessible"]
    assert [p["kind"] for p in m["/typo"].problems] == ["daemon-undefined"]
    assert m["/typo"].multithread is None  # unknown: the request fails


def test_python_home_and_path_in_force_per_mount(tmp_path):
    model = model_for(tmp_path, """\
ServerName h
WSGIPythonHome /srv/global-venv
WSGIPythonPath /srv/embedded-path
WSGIDaemonProcess own python-home=/srv/own-venv python-path=/srv/own-path
WSGIDaemonProcess inherits
WSGIScriptAlias /embedded /srv/a.wsgi
WSGIScriptAlias /own /srv/a.wsgi process-group=own
WSGIScriptAlias /inherits /srv/a.wsgi process-group=inherits
""")
    m = by_url(predict_mounts(model))
    assert (m["/embedded"].python_home, m["/embedded"].python_path) == ("/srv/global-venv", "/srv/embedded-path")
    assert (m["/own"].python_home, m["/own"].python_path) == ("/srv/own-venv", "/srv/own-path")
    assert (m["/inherits"].python_home, m["/inherits"].python_path) == ("/srv/global-venv", None)


def test_root_mount_directory_targets_match_patterns_and_shadowing(tmp_path):
    model = model_for(tmp_path, """\
ServerName h.example
WSGIScriptAlias / /srv/root.wsgi
WSGIScriptAlias /later /srv/later.wsgi
WSGIScriptAliasMatch ^/apps/([^/]+) /srv/apps/$1.wsgi
""")
    m = by_url(predict_mounts(model, is_dir=lambda p: False))
    assert m["/"].application_group == "h.example|"  # the root mount has an empty mount part
    assert [p["kind"] for p in m["/later"].problems] == ["shadowed"]
    assert {p["kind"] for p in m["^/apps/([^/]+)"].problems} == {"shadowed", "per-url"}
    model = model_for(tmp_path, "ServerName h.example\nWSGIScriptAliasMatch ^/Apps/([^/]+) /srv/apps/$1.wsgi\n"
                                "WSGIScriptAliasMatch ^/(?!x)y(.*)(\\d+) /srv/$9$1.wsgi\n")
    match, odd = predict_mounts(model)
    # one group per matching URL: predicted (and asked live) for a URL made up from the pattern
    assert (match.request_path, match.script) == ("/Apps/a", "/srv/apps/a.wsgi")
    assert match.application_group == "h.example|/apps/a"
    assert match.application_group_pattern == "h.example|^/Apps/([^/]+)"
    assert [p["kind"] for p in match.problems] == ["per-url"]
    assert (odd.request_path, odd.script) == ("/ya1", "/srv/a.wsgi")  # $9: no such group, empty
    model = model_for(tmp_path, "ServerName h.example\nWSGIScriptAlias /scripts/ /srv/scripts/\n")
    d = predict_mounts(model, is_dir=lambda p: p == "/srv/scripts/")[0]
    assert d.script_is_directory and d.application_group is None
    assert d.application_group_pattern == "h.example|/scripts/<script>"
    assert d.request_path == "/scripts/wsgidoctor_probe.wsgi"


def test_restrict_embedded_and_unknown_server_name(tmp_path):
    model = model_for(tmp_path, "WSGIRestrictEmbedded On\nWSGIScriptAlias /a /srv/a.wsgi\n")
    (m,) = predict_mounts(model, local_host=None)
    assert {p["kind"] for p in m.problems} == {"embedded-restricted", "server-name-unknown"}
    (m,) = predict_mounts(model, local_host="127.0.0.1")
    assert m.application_group == "127.0.0.1|/a"


def test_predictions_survive_a_round_trip_through_report_facts(tmp_path):
    """analyze on a saved report re-makes the same predictions from config.directives."""
    model = model_for(tmp_path, """\
Listen 8080
ServerName h.example
WSGIDaemonProcess "my app" processes=2 python-path="/a b"
<VirtualHost *:8080>
  <Location /x>
    WSGIProcessGroup "my app"
  </Location>
  WSGIScriptAlias /x "/srv/with space/x.wsgi" application-group=%{GLOBAL}
</VirtualHost>
""")
    facts = {"directives": [d.to_json() for d in model.tree.directives]}
    again = build_model(tree_from_facts(facts))
    first, second = predict_mounts(model)[0].to_json(), predict_mounts(again)[0].to_json()
    assert first == second
    assert (first["process_group"], first["application_group"], first["multiprocess"]) == ("my app", "", True)
    assert first["daemon"]["python_path"] == "/a b"
