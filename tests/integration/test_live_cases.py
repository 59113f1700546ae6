"""Live mode against Debian's real apache2 + mod_wsgi: predictions equal what mod_wsgi reports.

Each case is a configuration a user could have; the live probe starts a throwaway server from it
and asks the probe application at each mount. Every test also checks that no process, file or
socket of the throwaway server is left.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.support.live_helpers import (assert_nothing_left, assert_predictions_confirmed,
                                            needs_apache, run_probes, write_case)
from tests.support.live_helpers import open_tmp  # noqa: F401 - a fixture, used by name

pytestmark = [pytest.mark.apache, needs_apache]


def ids(report):
    return {f.id for f in report.findings}


def test_event_mpm_embedded_and_daemon_groups_named_and_global_with_a_vhost_on_another_port(tmp_path):
    srv = tmp_path / "srv"
    conf = write_case(tmp_path / "etc", f"""\
Listen 18080
ServerName testhost.example
WSGIDaemonProcess d_p2t1 processes=2 threads=1
WSGIDaemonProcess d_plain
WSGIDaemonProcess d_p1 processes=1 threads=4
WSGIScriptAlias /App {srv}/app.wsgi process-group=d_p2t1
WSGIScriptAlias /embedded {srv}/app.wsgi
WSGIScriptAlias /global {srv}/app.wsgi process-group=d_plain application-group=%{{GLOBAL}}
<Directory {srv}/named>
    WSGIProcessGroup d_p1
    WSGIApplicationGroup shared-interpreter
</Directory>
WSGIScriptAlias /named {srv}/named/app.wsgi
Listen 18443
<VirtualHost *:18443>
    ServerName vhost.example
    WSGIDaemonProcess v_daemon threads=2
    WSGIScriptAlias /v {srv}/v.wsgi process-group=v_daemon
</VirtualHost>
""")
    report = run_probes(conf)
    mounts = assert_predictions_confirmed(report, expected_count=9)
    got = {(m["vhost"], m["path"]): m["observed"] for m in mounts}
    assert got[("testhost.example:18080", "/App")] == {
        "process_group": "d_p2t1", "application_group": "testhost.example:18080|/app",
        "multithread": False, "multiprocess": True}
    assert got[("testhost.example:18080", "/embedded")]["multithread"] is True  # event: 25 threads
    assert got[("testhost.example:18080", "/global")]["application_group"] == ""
    assert got[("testhost.example:18080", "/named")]["application_group"] == "shared-interpreter"
    assert got[("vhost.example:18443", "/v")]["application_group"] == "vhost.example:18443|/v"
    # the main server's mounts are inherited by the virtual host, named after its ServerName
    assert got[("vhost.example:18443", "/App")]["application_group"] == "vhost.example:18443|/app"
    assert report.facts["wsgi"]["process_group"] == {"value": "d_p2t1", "source": "live"}
    assert "multiprocess-processes-1" in ids(report)
    assert "live-probe-failed" not in ids(report)
    assert_nothing_left(report.facts["live"])


def test_script_alias_match_is_asked_at_a_url_made_up_from_its_pattern(tmp_path):
    conf = write_case(tmp_path / "etc", f"""\
Listen 18099
ServerName match.example
WSGIDaemonProcess apps threads=2
WSGIScriptAliasMatch ^/Apps/([^/]+) {tmp_path}/srv/apps/$1.wsgi process-group=apps
WSGIScriptAliasMatch ^/embedded/(\\d+)/ {tmp_path}/srv/e$1.wsgi
""")
    report = run_probes(conf)
    mounts = {m["path"]: m["observed"] for m in assert_predictions_confirmed(report, 2)}
    assert mounts["/Apps/a"]["application_group"] == "match.example:18099|/apps/a"
    assert mounts["/embedded/1/"]["application_group"] == "match.example:18099|/embedded/1/"
    assert_nothing_left(report.facts["live"])


def test_a_mount_whose_callable_has_another_name_is_confirmed_not_failed(tmp_path):
    """callable-object= and WSGICallableObject name the callable mod_wsgi calls: the probe answers
    under those names (before, such a healthy mount gave a 500 and a false live-probe-failed)."""
    srv = tmp_path / "srv"
    conf = write_case(tmp_path / "etc", f"""\
Listen 18097
ServerName callables.example
WSGIDaemonProcess apps threads=2
WSGIScriptAlias /option {srv}/option.wsgi process-group=apps callable-object=app
<Directory {srv}/dir>
    WSGICallableObject make_app
</Directory>
WSGIScriptAlias /directive {srv}/dir/site.wsgi
""")
    report = run_probes(conf)
    mounts = {m["path"]: m["observed"] for m in assert_predictions_confirmed(report, 2)}
    assert mounts["/option"]["process_group"] == "apps"
    assert mounts["/directive"]["process_group"] == ""
    assert "live-probe-failed" not in ids(report)
    assert_nothing_left(report.facts["live"])


def test_worker_mpm_single_threaded_children_and_the_embedded_flags(tmp_path):
    conf = write_case(tmp_path / "etc", f"""\
Listen 18081
ServerName worker.example
ThreadsPerChild 1
MaxRequestWorkers 4
WSGIScriptAlias /emb {tmp_path}/srv/app.wsgi
WSGIDaemonProcess d threads=1
WSGIScriptAlias /daemon {tmp_path}/srv/app.wsgi process-group=d
""", mpm="worker")
    report = run_probes(conf)
    mounts = {m["path"]: m["observed"] for m in assert_predictions_confirmed(report, 2)}
    assert (mounts["/emb"]["multithread"], mounts["/emb"]["multiprocess"]) == (False, True)
    assert (mounts["/daemon"]["multithread"], mounts["/daemon"]["multiprocess"]) == (False, False)
    assert_nothing_left(report.facts["live"])


def test_prefork_embedded_mode_is_flagged_and_confirmed(tmp_path):
    conf = write_case(tmp_path / "etc", f"""\
Listen 18082
ServerName prefork.example
StartServers 5
MinSpareServers 5
MaxSpareServers 10
MaxRequestWorkers 150
WSGIScriptAlias /app {tmp_path}/srv/app.wsgi
WSGIApplicationGroup %{{GLOBAL}}
""", mpm="prefork")
    report = run_probes(conf)
    (m,) = assert_predictions_confirmed(report, 1)
    assert m["observed"] == {"process_group": "", "application_group": "", "multithread": False,
                             "multiprocess": True}
    finding = next(f for f in report.findings if f.id == "embedded-mode-prefork")
    assert "httpd.conf:" in finding.detail and "MaxRequestWorkers 150" in finding.detail
    assert_nothing_left(report.facts["live"])


def test_tuned_prefork_is_not_flagged(tmp_path):
    conf = write_case(tmp_path / "etc", f"""\
Listen 18083
ServerName prefork.example
StartServers 4
MinSpareServers 4
MaxSpareServers 4
MaxRequestWorkers 4
WSGIScriptAlias /app {tmp_path}/srv/app.wsgi
""", mpm="prefork")
    report = run_probes(conf, live=False)
    assert "embedded-mode-prefork" not in ids(report)


def test_mod_python_beside_mod_wsgi_stops_the_server(tmp_path):
    if not os.path.exists("/usr/lib/apache2/modules/mod_python.so"):
        pytest.skip("libapache2-mod-python is not installed")
    conf = write_case(tmp_path / "etc", f"""\
Listen 18084
ServerName both.example
WSGIScriptAlias /app {tmp_path}/srv/app.wsgi
""", extra_modules=["python"])
    report = run_probes(conf)
    conflict = next(f for f in report.findings if f.id == "mod-python-conflict")
    assert "refuses to start" in conflict.detail and conflict.evidence[0].line == 8
    failed = next(f for f in report.findings if f.id == "live-probe-failed")
    assert "can not be used in conjunction with mod_wsgi 4.0+" in failed.detail
    assert all(m["answer"] is None for m in report.facts["live"]["mounts"])
    assert_nothing_left(report.facts["live"])


def _bind_mounted(base: Path, source: str, name: str):
    """A Python installation of pyenv's (under /root, mode 0700 here) shown at a path Apache's
    user can read, as if it were installed in /opt; a context manager undoing the mount."""
    import contextlib

    @contextlib.contextmanager
    def cm():
        if not os.path.exists(source + "/bin/python3") or os.geteuid() != 0:
            pytest.skip(f"needs root and {source}")
        target = base / name
        target.mkdir()
        target.chmod(0o755)
        if subprocess.run(["mount", "--bind", source, str(target)], capture_output=True).returncode != 0:
            pytest.skip("bind mounts are not allowed here")
        try:
            yield target
        finally:
            subprocess.run(["umount", str(target)], capture_output=True)
    return cm()


def _venv_case(base: Path, python: str, port: int):
    venv = base / "venv"
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    conf = write_case(base / "etc", f"""\
Listen {port}
ServerName venv.example
WSGIDaemonProcess venv python-home={venv}
WSGIScriptAlias /app {base}/srv/app.wsgi process-group=venv
""")
    return conf, venv


def test_python_home_venv_of_another_python_version_is_silently_ignored(open_tmp):
    """A 3.12 venv as python-home of a mod_wsgi built for 3.11: no error at all; sys.prefix is
    the venv, the standard library the system's 3.11, and the venv's packages are not used."""
    with _bind_mounted(open_tmp, "/root/.pyenv/versions/3.12.1", "py312") as py312:
        conf, venv = _venv_case(open_tmp, str(py312 / "bin" / "python3"), 18085)
        report = run_probes(conf)
    (m,) = assert_predictions_confirmed(report, 1)
    python = m["answer"]["python"]
    assert (python["prefix"], python["base_prefix"]) == (str(venv), "/usr")
    assert python["version_info"][:2] == [3, 11]  # mod_wsgi's own Python, not the venv's 3.12
    assert not any(p.startswith(str(venv)) for p in python["path"])
    assert report.facts["config"]["mounts"][0]["python_home"] == str(venv)
    assert_nothing_left(report.facts["live"])


def test_python_home_venv_of_another_installation_of_the_same_version(open_tmp):
    """A pyenv 3.11.7 venv with Debian's mod_wsgi (libpython 3.11.2): it silently runs the
    3.11.2 interpreter on the other installation's standard library."""
    with _bind_mounted(open_tmp, "/root/.pyenv/versions/3.11.7", "py3117") as py3117:
        conf, venv = _venv_case(open_tmp, str(py3117 / "bin" / "python3"), 18096)
        report = run_probes(conf)
    (m,) = assert_predictions_confirmed(report, 1)
    python = m["answer"]["python"]
    assert (python["prefix"], python["base_prefix"]) == (str(venv), str(py3117))
    assert python["version"].startswith("3.11.2")
    assert_nothing_left(report.facts["live"])


def test_python_home_venv_whose_base_apache_cannot_read(open_tmp):
    """A venv of pyenv's 3.11.7, whose base is under /root (0700): Python, running as www-data,
    cannot see the base and falls back to the system's 3.11 standard library."""
    other = "/root/.pyenv/versions/3.11.7/bin/python3"
    if not os.path.exists(other) or os.geteuid() != 0:
        pytest.skip("needs root and pyenv's Python 3.11.7")
    conf, venv = _venv_case(open_tmp, other, 18097)
    report = run_probes(conf)
    (m,) = assert_predictions_confirmed(report, 1)
    python = m["answer"]["python"]
    assert (python["prefix"], python["base_prefix"]) == (str(venv), "/usr")
    assert "/usr/lib/python3.11" in python["path"]
    assert_nothing_left(report.facts["live"])


def test_python_home_that_does_not_exist_makes_the_daemon_die_at_start(open_tmp):
    conf = write_case(open_tmp / "etc", f"""\
Listen 18098
ServerName missing.example
WSGIDaemonProcess gone python-home={open_tmp}/no-such-venv
WSGIScriptAlias /app {open_tmp}/srv/app.wsgi process-group=gone
""")
    report = run_probes(conf, live_request_timeout=3.0)
    failed = next(f for f in report.findings if f.id == "live-probe-failed")
    assert "No module named 'encodings'" in failed.detail
    assert any("Unable to stat Python home" in e.text for e in failed.evidence)
    assert_nothing_left(report.facts["live"])


def test_daemon_socket_directory_the_apache_user_cannot_search(tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    conf = write_case(tmp_path / "etc", f"""\
Listen 18086
ServerName sock.example
WSGISocketPrefix {private}/wsgi
WSGIDaemonProcess d
WSGIScriptAlias /app {tmp_path}/srv/app.wsgi process-group=d
""")
    report = run_probes(conf)
    finding = next(f for f in report.findings if f.id == "socket-prefix-unreachable")
    assert str(private) in finding.detail and "www-data" in finding.detail
    assert finding.evidence[0].line == 11
    # the throwaway server never uses the real socket prefix, so the probe itself still answers
    assert_predictions_confirmed(report, 1)
    (config_text,) = [r.text for r in report.raw if r.kind == "live-httpd.conf"]
    assert str(private) not in config_text and "WSGISocketPrefix" in config_text
    assert_nothing_left(report.facts["live"])


def test_a_server_that_fails_to_start_is_reported_with_its_log(tmp_path):
    conf = write_case(tmp_path / "etc", f"""\
Listen 18087
ServerName broken.example
WSGIDaemonProcess d python-home=/srv/missing
LoadFile /nonexistent/libmissing.so.1
WSGIScriptAlias /app {tmp_path}/srv/app.wsgi process-group=d
""")
    report = run_probes(conf)
    live = report.facts["live"]
    assert "exited" in live["error"]
    failed = next(f for f in report.findings if f.id == "live-probe-failed")
    assert "libmissing.so.1" in failed.detail
    assert any("libmissing.so.1" in e.text for e in failed.evidence)
    assert_nothing_left(live)


def test_a_daemon_that_never_answers_is_time_limited(tmp_path):
    """python-home missing: the daemon dies at Python start and is respawned, requests hang."""
    from wsgidoctor.config.model import build_model
    from wsgidoctor.wsgi.predict import predict_mounts
    from wsgidoctor.config.reader import read_config
    from wsgidoctor.live.plan import plan
    from wsgidoctor.live.server import run_live
    from tests.support.live_helpers import HTTPD, PROBE

    conf = write_case(tmp_path / "etc", f"""\
Listen 18088
ServerName stuck.example
WSGIDaemonProcess d python-home=/srv/missing-home
WSGIScriptAlias /app {tmp_path}/srv/app.wsgi process-group=d
""")
    tree = read_config(str(conf))
    model = build_model(tree)
    modules = {d.args[0]: d.args[1] for d in tree.named("LoadModule")}
    the_plan = plan(model, predict_mounts(model), module_paths=modules, as_root=os.geteuid() == 0,
                    user="www-data", group="www-data", local_host="localhost")
    result = run_live(HTTPD, the_plan, str(PROBE), request_timeout=2.0)
    (answer,) = result.answers
    assert answer.body is None and "no answer within 2s" in answer.error
    assert any("Unable to stat Python home /srv/missing-home" in l or "encodings" in l for l in result.error_log)
    assert_nothing_left({"tmp_dirs": result.tmp_dirs, "leftover_pids": result.leftovers})


def test_a_port_already_in_use(tmp_path):
    from wsgidoctor.config.model import build_model
    from wsgidoctor.wsgi.predict import predict_mounts
    from wsgidoctor.config.reader import read_config
    from wsgidoctor.live.plan import plan
    from wsgidoctor.live.server import run_live
    from tests.support.live_helpers import HTTPD, PROBE

    conf = write_case(tmp_path / "etc", f"Listen 18089\nServerName busy.example\n"
                                        f"WSGIScriptAlias /app {tmp_path}/srv/app.wsgi\n")
    tree = read_config(str(conf))
    model = build_model(tree)
    modules = {d.args[0]: d.args[1] for d in tree.named("LoadModule")}
    the_plan = plan(model, predict_mounts(model), module_paths=modules, as_root=os.geteuid() == 0,
                    user="www-data", group="www-data", local_host="localhost")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = run_live(HTTPD, the_plan, str(PROBE), ports={"main": port})
    assert result.error and result.answers == []
    assert any("Address already in use" in line for line in result.error_log)
    assert_nothing_left({"tmp_dirs": result.tmp_dirs, "leftover_pids": result.leftovers})


def test_two_live_checks_at_once_do_not_interfere(tmp_path):
    import threading

    confs = [write_case(tmp_path / f"etc{i}", f"Listen 1809{i}\nServerName par{i}.example\n"
                                              f"WSGIDaemonProcess d{i}\n"
                                              f"WSGIScriptAlias /app {tmp_path}/srv/app.wsgi process-group=d{i}\n")
             for i in range(2)]
    reports = [None, None]

    def go(i):
        reports[i] = run_probes(confs[i])

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for i, report in enumerate(reports):
        (m,) = assert_predictions_confirmed(report, 1)
        assert m["observed"]["application_group"] == f"par{i}.example:1809{i}|/app"
        assert_nothing_left(report.facts["live"])


def test_a_relative_python_home_means_what_it_means_to_a_server_started_as_a_service(open_tmp):
    """httpd started by apachectl or systemd runs in / (it detaches with chdir("/")), so mod_wsgi
    and Python read a relative WSGIPythonHome from /. The throwaway server runs there too: its
    answer is the real server's (checked by hand with `apache2 -k start`: sys.prefix
    '//tmp/.../venv') and the hosting program's, not 'Unable to stat Python home'."""
    from tests.support.express import report
    from tests.support.live_helpers import HTTPD

    venv = open_tmp / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    subprocess.run(["chmod", "-R", "a+rX", str(venv)], check=True)
    conf = write_case(open_tmp / "etc", f"""\
Listen 18099
ServerName relative.example
WSGIPythonHome {os.path.relpath(venv, "/")}
WSGIScriptAlias /app {open_tmp}/srv/app.wsgi
""")
    data, _ = report("--live", "--httpd", HTTPD, "--config", str(conf))
    ids = {f["id"] for f in data["findings"]}
    assert "live-probe-failed" not in ids, data["facts"]["live"]["error_log"][-10:]
    (m,) = data["facts"]["live"]["mounts"]
    (run,) = data["facts"]["hosting"]["runs"]
    assert m["answer"]["python"]["prefix"] == run["python"]["prefix"]
    assert m["answer"]["python"]["prefix"].lstrip("/") == os.path.relpath(venv, "/")  # "//tmp/...": Python's own
    assert "emulation-live-disagree" not in ids
