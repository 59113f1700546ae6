"""The throwaway server's plan: only the user's WSGI-relevant settings, only its own paths/ports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wsgidoctor.config.model import build_model
from wsgidoctor.wsgi.predict import predict_mounts
from wsgidoctor.config.reader import read_config
from wsgidoctor.live.plan import TMP, plan
from wsgidoctor.live.launcher import free_ports
from wsgidoctor.live.server import Guard, LiveError

REAL = """\
ServerRoot {root}
PidFile /run/apache2/apache2.pid
ErrorLog /var/log/apache2/error.log
DefaultRuntimeDir /run/apache2
Mutex sysvsem default
User www-data
Group www-data
LoadModule mpm_prefork_module modules/mod_mpm_prefork.so
LoadModule ssl_module modules/mod_ssl.so
LoadModule authz_core_module modules/mod_authz_core.so
LoadModule wsgi_module modules/mod_wsgi.so
LoadFile /opt/python/lib/libpython3.12.so.1.0
Listen 80
Listen 443
MaxRequestWorkers 40
StartServers 8
WSGIPythonHome /srv/venv
WSGISocketPrefix /run/apache2/wsgi
WSGIAcceptMutex sysvsem
WSGIDaemonProcess big processes=16 threads=4 display-name=%{{GROUP}}
<Directory /srv/app>
    WSGIProcessGroup big
    Require all granted
</Directory>
WSGIScriptAlias /app /srv/app/app.wsgi
<VirtualHost *:443>
    ServerName secure.example
    SSLEngine on
    WSGIScriptAlias /s /srv/s.wsgi application-group=%{{GLOBAL}}
</VirtualHost>
"""


@pytest.fixture
def the_plan(tmp_path: Path):
    conf = tmp_path / "httpd.conf"
    conf.write_text(REAL.format(root=tmp_path))
    tree = read_config(str(conf))
    model = build_model(tree)
    modules = {d.args[0]: d.args[1] for d in tree.named("LoadModule")}
    return model, plan(model, predict_mounts(model, local_host="host.example"), module_paths=modules,
                       as_root=True, user="www-data", group="www-data", local_host="host.example",
                       load_files=["/opt/python/lib/libpython3.12.so.1.0"])


def test_only_its_own_paths_and_loopback_ports(the_plan):
    _, p = the_plan
    text = p.render({"main": 40001, "vh:*:443": 40002}, "/tmp/wsgidoctor-live-x")
    for real in ("/run/apache2", "/var/log/apache2", "sysvsem"):
        assert real not in text
    assert re.findall(r"^Listen (.*)$", text, re.M) == ["127.0.0.1:40001", "127.0.0.1:40002"]
    assert 'PidFile "/tmp/wsgidoctor-live-x/run/httpd.pid"' in text
    assert 'WSGISocketPrefix "/tmp/wsgidoctor-live-x/run/wsgi"' in text
    assert "<VirtualHost 127.0.0.1:40002>" in text
    assert TMP not in text and "@PORT" not in text


def test_carries_the_wsgi_relevant_settings_and_nothing_else(the_plan):
    _, p = the_plan
    text = p.template
    assert 'LoadFile "/opt/python/lib/libpython3.12.so.1.0"' in text
    assert "mpm_prefork_module" in text and "authz_core_module" in text and "wsgi_module" in text
    assert "ssl_module" not in text and "SSLEngine" not in text
    assert "MaxRequestWorkers 40" in text and "StartServers 1" in text and "StartServers 8" not in text
    assert "WSGIPythonHome /srv/venv" in text
    assert 'WSGIDaemonProcess "big" processes="2" threads="4" display-name="%{GROUP}"' in text
    assert f'<Directory "{TMP}/root/srv/app">\n  WSGIProcessGroup big\n</Directory>' in text
    assert 'User "www-data"' in text
    assert p.scripts == [f"{TMP}/root/srv/app/app.wsgi", f"{TMP}/root/srv/s.wsgi"]


def test_requests_carry_the_host_header_of_a_browser(the_plan):
    _, p = the_plan
    hosts = {(r.path, r.host, r.listen_key) for r in p.requests}
    # the main server is unreachable on 443 (a vhost has it) and answers on 80: no port shown
    assert hosts == {("/app", "host.example", "main"), ("/s", "secure.example", "vh:*:443"),
                     ("/app", "secure.example", "vh:*:443")}
    expected = {r.path + r.host: r.expected for r in p.requests}
    assert expected["/apphost.example"] == {"process_group": "big", "application_group": "host.example|/app",
                                            "multithread": True, "multiprocess": True}
    assert expected["/ssecure.example"]["application_group"] == ""


def test_not_root_means_no_user_switch(tmp_path):
    conf = tmp_path / "httpd.conf"
    conf.write_text(REAL.format(root=tmp_path))
    model = build_model(read_config(str(conf)))
    p = plan(model, predict_mounts(model), module_paths={}, as_root=False, user="www-data",
             group="www-data", local_host="h")
    assert "User " not in p.template


def test_no_mounts_asks_a_probe_in_embedded_mode(tmp_path):
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"ServerRoot {tmp_path}\nLoadModule mpm_event_module m.so\nListen 80\n")
    model = build_model(read_config(str(conf)))
    p = plan(model, [], module_paths={"mpm_event_module": "m.so"}, as_root=False, user=None, group=None,
             local_host="h")
    (r,) = p.requests
    assert r.path == "/wsgidoctor-probe" and r.expected == {
        "process_group": "", "application_group": "", "multithread": True, "multiprocess": True}
    assert "application-group=%{GLOBAL}" in p.template


def test_guard_refuses_the_real_servers_paths_and_ports():
    guard = Guard(paths=("/run/apache2/apache2.pid",), ports=(80, 8080))
    with pytest.raises(LiveError):
        guard.check('PidFile "/run/apache2/apache2.pid"\n', [40000])
    with pytest.raises(LiveError):
        guard.check("PidFile \"/tmp/x/run/httpd.pid\"\n", [8080])
    guard.check('PidFile "/tmp/x/run/httpd.pid"\n', [40000])
    ports = free_ports(3, avoid=(80, 8080))
    assert len(set(ports)) == 3 and not set(ports) & {80, 8080}


def test_nothing_to_ask_when_embedded_mode_is_refused_and_nothing_is_mounted(tmp_path):
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"ServerRoot {tmp_path}\nLoadModule mpm_event_module m.so\nWSGIRestrictEmbedded On\n")
    model = build_model(read_config(str(conf)))
    p = plan(model, [], module_paths={}, as_root=False, user=None, group=None, local_host="h")
    assert p.requests == [] and "nothing to ask" in p.notes[0]


def _plan_of(tmp_path: Path, text: str, as_root: bool):
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"ServerRoot {tmp_path}\nLoadModule wsgi_module modules/mod_wsgi.so\n" + text)
    model = build_model(read_config(str(conf)))
    return plan(model, predict_mounts(model, local_host="host.example"),
                module_paths={"wsgi_module": "/m/mod_wsgi.so"}, as_root=as_root, user="www-data",
                group="www-data", local_host="host.example")


def test_only_the_daemon_groups_of_asked_mounts_are_planned(tmp_path):
    groups = "".join(f"WSGIDaemonProcess g{i}\n" for i in range(300))
    mounts = "".join(f"WSGIScriptAlias /m{i} /srv/m{i}.wsgi process-group=g{i}\n" for i in range(20))
    p = _plan_of(tmp_path, groups + mounts, as_root=True)
    daemons = [l for l in p.template.splitlines() if l.startswith("WSGIDaemonProcess")]
    assert len(p.requests) == 12 and len(daemons) == 12
    assert {l.split()[1].strip('"') for l in daemons} == {f"g{i}" for i in range(12)}


def test_not_as_root_daemons_keep_their_group_but_not_the_users_identity_or_home(tmp_path):
    text = ("WSGIDaemonProcess d user=app group=app home=/home/app threads=2\n"
            "WSGIScriptAlias /a /srv/a.wsgi process-group=d\n")
    as_user = _plan_of(tmp_path, text, as_root=False)
    (line,) = [l for l in as_user.template.splitlines() if l.startswith("WSGIDaemonProcess")]
    assert line == f'WSGIDaemonProcess "d" threads="2" home="{TMP}"'
    assert any("not running as root" in n for n in as_user.notes) and as_user.group is None
    as_root = _plan_of(tmp_path, text, as_root=True)
    assert 'user="app"' in as_root.template and 'home="/home/app"' in as_root.template
    assert as_root.group == "www-data"
