"""The hosting program against the real thing.

- System libpython3.11: what Debian's mod_wsgi 4.9.4 inside a real Apache reports for a venv
  home, a home from another Python version, a missing home and a fake python3 earlier on PATH
  equals what the hosting program reports for the same configuration (apache2 started from a
  temporary directory on 127.0.0.1; tests/apache_harness.py).
- Application groups and threading flags equal mod_wsgi's for embedded event/worker/prefork and
  for daemon processes=/threads= combinations, going through the configuration probe's
  predictions and the hosting plan.
- pyenv 2.7, 3.6, 3.10, 3.12, 3.13: sys.prefix and sys.path from the hosting program equal those
  of that Python run with ``-c`` in the same situation (its prefix as home, a venv home, no home).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support import apache_harness
from tests.support.hosting_support import (PROBE_SCRIPT, PYENV, SYSTEM_LIBPYTHON, answers, built_program,
                                   make_readable_tempdir, make_venv, pyenv_library, pyenv_version, run_host)
from wsgidoctor.python.hosting.execute import run_host as wrapper_run_host
from wsgidoctor.python.hosting.pathdump import parse_startup_failure
from wsgidoctor.python.hosting.plan import build_plan

COMPARED = ("version_info", "prefix", "base_prefix", "exec_prefix", "executable", "path", "site_packages", "venv",
            "filesystem_encoding")


# -- system Python 3.11 versus a real Apache + Debian mod_wsgi ---------------------------------

@pytest.fixture(scope="module")
def homes():
    if not os.path.exists(SYSTEM_LIBPYTHON) or not shutil.which("python3.11"):
        pytest.skip("needs the system Python 3.11")
    base = make_readable_tempdir("wsgidoctor-homes-")
    make_venv("/usr/bin/python3.11", base / "venv311")
    other = pyenv_version("3.12") or pyenv_version("3.10")
    if other:
        make_venv(str(PYENV / other / "bin" / "python3"), base / "venv-other")
    fake = base / "fake"
    (fake / "bin").mkdir(parents=True)
    (fake / "bin" / "python3").write_text("#!/bin/sh\nexit 1\n")
    (fake / "bin" / "python3").chmod(0o755)
    (fake / "lib" / "python3.11").mkdir(parents=True)
    (fake / "lib" / "python3.11" / "os.py").write_text("")
    for d in (base, fake, fake / "bin", fake / "lib", fake / "lib" / "python3.11"):
        d.chmod(0o755)
    yield {"base": base, "venv": base / "venv311", "other": (base / "venv-other") if other else None,
           "missing": base / "missing", "fake": fake,
           "env": {"PATH": f"{fake}/bin:/usr/local/bin:/usr/bin:/bin", "LANG": "C"}}
    shutil.rmtree(base, ignore_errors=True)


DAEMONS = {  # process group -> which home
    "d_venv": "venv", "d_other": "other", "d_missing": "missing", "d_path": None,
}


@pytest.fixture(scope="module")
def apache_homes(homes):
    why = apache_harness.available()
    if why:
        pytest.skip(why)
    lines = ["WSGIRestrictEmbedded On"]
    for group, key in DAEMONS.items():
        if key == "other" and homes["other"] is None:
            continue
        home = f" python-home={homes[key]}" if key else ""
        lines.append(f"WSGIDaemonProcess {group}{home} connect-timeout=2 socket-timeout=2")
        lines.append(f"WSGIScriptAlias /{group} {{root}}/probe/probe.wsgi process-group={group} "
                     f"application-group=%{{GLOBAL}}")
    server = apache_harness.start("\n".join(lines) + "\n", env=homes["env"],
                                  files={"probe/probe.wsgi": PROBE_SCRIPT.read_text(encoding="utf-8")})
    with server:
        got = {group: server.get(f"/{group}", timeout=10) for group in DAEMONS}
        yield {"answers": got, "log": server.error_log(), "root": server.root}


@pytest.fixture(scope="module")
def hosted_homes(homes):
    """The same four daemon processes through the hosting plan, as wsgidoctor would run them."""
    mounts = []
    for group, key in DAEMONS.items():
        if key == "other" and homes["other"] is None:
            continue
        home = str(homes[key]) if key else None
        mounts.append({"url": f"/{group}", "server_name": "testhost.example", "port": 80, "script": "/p.wsgi",
                       "process_group": group, "application_group": "", "multithread": True,
                       "multiprocess": False, "python_home": home, "python_path": None,
                       "daemon": {"name": group, "processes": 1, "threads": 15, "python_home": home,
                                  "options": {}, "file": "httpd.conf", "line": 1}})
    facts = {"install": {"user": "www-data", "group": "www-data", "start_env": homes["env"]},
             "mod_wsgi": {"version": "4.9.4"}, "config": {"mounts": mounts}}
    plan = build_plan(facts, libpython=SYSTEM_LIBPYTHON, script=str(PROBE_SCRIPT),
                      script_source=PROBE_SCRIPT.read_text(encoding="utf-8"), run_as_user=os.geteuid() == 0)
    execution = wrapper_run_host(built_program(), plan.spec)
    return {p.process_group: p for p in execution.record.processes}


def _python_of(proc):
    (resp, *_) = proc.responses
    return resp.payload()["python"]


@pytest.mark.apache
@pytest.mark.parametrize("group", ["d_venv", "d_other"])
def test_sys_prefix_and_path_equal_real_mod_wsgi_for_a_working_home(apache_homes, hosted_homes, homes, group):
    if group == "d_other" and homes["other"] is None:
        pytest.skip("no pyenv 3.12 or 3.10 to make a venv of another version")
    status, body = apache_homes["answers"][group]
    assert status == 200, apache_homes["log"][-3000:]
    real = json.loads(body)["python"]
    emulated = _python_of(hosted_homes[group])
    assert {k: emulated[k] for k in COMPARED} == {k: real[k] for k in COMPARED}
    if group == "d_venv":
        assert real["path"][-1] == f"{homes['venv']}/lib/python3.11/site-packages"
    else:
        assert real["prefix"] == str(homes["other"]) and real["base_prefix"] == "/usr"
        assert not any(str(homes["other"]) in p for p in real["path"])  # the silent version mismatch


@pytest.mark.apache
@pytest.mark.parametrize("group, prefix_key", [("d_missing", "missing"), ("d_path", "fake")])
def test_start_up_failures_equal_real_mod_wsgis(apache_homes, hosted_homes, homes, group, prefix_key):
    status, _ = apache_homes["answers"][group]
    assert status != 200
    expected_prefix = str(homes[prefix_key])
    log = apache_homes["log"]
    assert f"sys.prefix = '{expected_prefix}'" in log
    assert "Fatal Python error: init_fs_encoding: failed to get the Python codec of the filesystem encoding" in log
    proc = hosted_homes[group]
    assert proc.state == "init-failed" and proc.responses == ()
    dump = parse_startup_failure(proc.stderr)
    assert dump.value("sys.prefix") == expected_prefix
    assert dump.fatal == "init_fs_encoding: failed to get the Python codec of the filesystem encoding"
    assert dump.exception == "ModuleNotFoundError: No module named 'encodings'"
    if group == "d_missing":
        assert f"Unable to stat Python home {homes['missing']}." in log
        assert f"Unable to stat Python home {homes['missing']}." in proc.stderr


# -- application groups and threading flags: predictions + hosting versus mod_wsgi -------------

GROUPS_CONFIG = """
WSGIDaemonProcess d_single processes=1 threads=1
WSGIDaemonProcess d_multi processes=2 threads=3
WSGIDaemonProcess d_default
WSGIScriptAlias /glob {root}/probe/probe.wsgi application-group=%{GLOBAL}
WSGIScriptAlias /res {root}/probe/probe.wsgi
WSGIScriptAlias /srv {root}/probe/probe.wsgi application-group=%{SERVER}
WSGIScriptAlias /named {root}/probe/probe.wsgi application-group=shared-app
WSGIScriptAlias /single {root}/probe/probe.wsgi process-group=d_single application-group=%{GLOBAL}
WSGIScriptAlias /multi {root}/probe/probe.wsgi process-group=d_multi
WSGIScriptAlias /dflt {root}/probe/probe.wsgi process-group=d_default application-group=%{GLOBAL}
"""


def _config_facts(root: Path, env: dict[str, str], mpm: str) -> dict[str, Any]:
    """What the configuration probe predicts for a test server's configuration."""
    config_probe = pytest.importorskip("wsgidoctor.config.probe")
    from wsgidoctor.core.hookspec import Options, ProbeContext

    facts = {"install": {"httpd": apache_harness.APACHE2, "server_root": str(root),
                         "config_file": str(root / "httpd.conf"), "start_env": env},
             "apache": {"version": "2.4.71", "mpm": {"name": mpm}}, "mod_wsgi": {"version": "4.9.4"}}
    out = config_probe.run(ProbeContext(Options(config=str(root / "httpd.conf")), facts))
    facts["config"] = out.facts["config"]
    facts["apache"]["mpm"].update({"threaded": mpm != "prefork", "forked": True})
    return facts


def _hosted_by_url(facts):
    plan = build_plan(facts, libpython=SYSTEM_LIBPYTHON, script=str(PROBE_SCRIPT),
                      script_source=PROBE_SCRIPT.read_text(encoding="utf-8"), run_as_user=os.geteuid() == 0)
    record = wrapper_run_host(built_program(), plan.spec).record
    out = {}
    for meta in plan.runs:
        proc = record.processes[meta["process_index"]]
        resp = [r for r in proc.responses if r.run == meta["run_index"]]
        out[meta["mount"]["url"]] = [r.payload()["environ"] for r in resp]
    return out


def _observed(environ):
    return (environ["mod_wsgi.process_group"], environ["mod_wsgi.application_group"],
            environ["wsgi.multithread"], environ["wsgi.multiprocess"])


@pytest.mark.apache
@pytest.mark.parametrize("mpm, config", [
    ("event", GROUPS_CONFIG),
    ("worker", "WSGIScriptAlias /res {root}/probe/probe.wsgi\n"),
    ("prefork", "WSGIScriptAlias /res {root}/probe/probe.wsgi\nWSGIScriptAlias /glob {root}/probe/probe.wsgi "
                "application-group=%{GLOBAL}\n"),
])
def test_groups_and_flags_equal_mod_wsgis(mpm, config):
    why = apache_harness.available()
    if why:
        pytest.skip(why)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C"}
    with apache_harness.start(config, env=env, mpm=mpm,
                              files={"probe/probe.wsgi": PROBE_SCRIPT.read_text(encoding="utf-8")}) as server:
        urls = [line.split()[1] for line in config.splitlines() if line.startswith("WSGIScriptAlias")]
        real = {}
        for url in urls:
            status, body = server.get(url)
            assert status == 200, server.error_log()[-2000:]
            real[url] = _observed(json.loads(body)["environ"])
        default_ports = {}
        for port in (80, 443):  # a Host header naming port 80 or 443: mod_wsgi drops the port
            status, body = server.get("/res", host=f"testhost.example:{port}")
            default_ports[port] = _observed(json.loads(body)["environ"])
        facts = _config_facts(server.root, env, mpm)
    from wsgidoctor.wsgi.predict import expand_group

    for port, seen in default_ports.items():
        predicted = expand_group(None, server_name="testhost.example", port=port, script_name="/res")
        assert predicted == seen[1] == "testhost.example|/res"
        mount = next(m for m in facts["config"]["mounts"] if m["url"] == "/res")
        dropped = dict(facts, config={**facts["config"], "mounts": [{**mount, "port": port,
                                                                       "application_group": predicted}]})
        ((hosted_env, *_),) = _hosted_by_url(dropped).values()
        assert _observed(hosted_env) == seen
        assert hosted_env["SERVER_PORT"] == str(port)
        assert hosted_env["HTTP_HOST"] == ("testhost.example" if port == 80 else "testhost.example:443")
    hosted = _hosted_by_url(facts)
    assert set(hosted) == set(real)
    for url, envs in hosted.items():
        assert envs, url
        assert {_observed(e) for e in envs} == {real[url]}, url
    if mpm == "event":
        assert real["/res"][1] == f"testhost.example:{server.port}|/res"
        assert real["/single"][2:] == (False, True)  # processes=1 makes multiprocess true
        assert real["/dflt"][2:] == (True, False)
    if mpm == "prefork":
        assert real["/res"][2:] == (False, True)


# -- pyenv Pythons versus themselves ----------------------------------------------------------

PYENV_SERIES = ["2.7", "3.6", "3.10", "3.12", "3.13"]
SELF_REPORT = ("import sys, json; print(json.dumps([sys.prefix, getattr(sys, 'base_prefix', sys.prefix), "
               "sys.exec_prefix, sys.executable, sys.path[1:]]))")


def _self_report(python: str, env: dict[str, str]) -> list[Any]:
    out = subprocess.run([python, "-c", SELF_REPORT], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _hosted_report(lib: str, env: dict[str, str], home: str | None) -> list[Any]:
    spec = {"schema": 1, "libpython": lib, "env": env, "python_home": home,
            "runs": [{"application_group": "", "script": str(PROBE_SCRIPT), "main_thread": True,
                      "source": PROBE_SCRIPT.read_text(encoding="utf-8")}]}
    code, record = run_host(spec)
    assert code == 0, record["processes"][0]["stderr"]
    py = answers(record)[0]["python"]
    return [py["prefix"], py["base_prefix"], py["exec_prefix"], py["executable"], py["path"]]


@pytest.fixture(scope="module", params=PYENV_SERIES)
def pyenv_python(request):
    version = pyenv_version(request.param)
    lib = pyenv_library(version) if version else None
    if not lib:
        pytest.skip(f"no pyenv {request.param} with a shared library")
    return request.param, PYENV / version, lib


def test_pyenv_with_its_own_prefix_as_home(pyenv_python):
    series, prefix, lib = pyenv_python
    env = {"PATH": "/usr/bin:/bin", "PYTHONHOME": str(prefix)}
    python = str(prefix / "bin" / ("python" if series.startswith("2") else "python3"))
    expected = _self_report(python, env)
    got = _hosted_report(lib, {"PATH": "/usr/bin:/bin"}, str(prefix))
    assert got[0] == expected[0] == str(prefix)
    assert got[4] == expected[4]


def test_pyenv_found_on_path_without_home(pyenv_python):
    series, prefix, lib = pyenv_python
    env = {"PATH": f"{prefix}/bin:/usr/bin:/bin"}
    name = "python" if series.startswith("2") else "python3"
    found = subprocess.run(["/bin/sh", "-c", f"command -v {name}"], env=env, capture_output=True, text=True).stdout.strip()
    expected = _self_report(found, env)
    got = _hosted_report(lib, env, None)
    assert got[0] == expected[0] and got[4] == expected[4]


def test_pyenv_with_a_venv_home(pyenv_python, tmp_path):
    series, prefix, lib = pyenv_python
    if series.startswith("2"):
        pytest.skip("Python 2.7 has no venv module")
    venv = make_venv(str(prefix / "bin" / "python3"), tmp_path / "venv")
    env = {"PATH": "/usr/bin:/bin"}
    expected = _self_report(str(venv / "bin" / "python"), env)
    got = _hosted_report(lib, env, str(venv))
    assert got == expected
    assert got[0] == str(venv) and got[1] == str(prefix)


# -- the probe, end to end ----------------------------------------------------------------------

@pytest.mark.apache
def test_the_probe_on_this_machines_apache(monkeypatch):
    """The whole pipeline (discovery, linkage, config, hosting) on Debian's own configuration."""
    from wsgidoctor.core.hookspec import Options
    from wsgidoctor.areas import collect, finish

    monkeypatch.setenv("WSGIDOCTOR_HOST_PROGRAM", built_program())
    collected = collect(Options(config="/etc/apache2/apache2.conf", load_plugins=False,
                                skip_probes=("errorlog",)))
    gathered, before = collected.facts, copy.deepcopy(collected.facts)
    report = finish(collected)
    assert gathered == before, "a derivation wrote into the facts the probes gathered"
    assert report.facts["mutex"]["effective"]["wsgi"] and "mutex" not in gathered
    assert {p.name: p.status.value for p in report.probes}["hosting"] == "ok"
    hosting, python = report.facts["hosting"], report.facts["python"]
    assert hosting["libpython_source"] == "linkage" and hosting["library_prefix"] == "/usr"
    assert hosting["init_api"] == "legacy"  # Debian's mod_wsgi 4.9.4
    assert [p["state"] for p in hosting["processes"]] == ["ok"]
    if os.geteuid() == 0:
        assert hosting["processes"][0]["user"] == {"name": "www-data", "switched": True, "reason": None}
    assert python["prefix"] == "/usr" and python["source"] == "emulated"
    assert python["version"].startswith(hosting["library_version"].split()[0])
    assert report.facts["wsgi"]["process_group"] == {"value": "", "source": "emulated"}
    assert not [f for f in report.findings if f.section == "python" and f.severity.value != "info"]


def test_the_probe_with_a_missing_home_finds_what_is_wrong(tmp_path, monkeypatch):
    if not os.path.exists(SYSTEM_LIBPYTHON):
        pytest.skip("needs the system Python 3.11")
    from wsgidoctor.core.hookspec import Options, ProbeContext
    from wsgidoctor.python.probe import run
    from wsgidoctor.areas import diagnose

    missing = tmp_path / "gone"
    facts = {"install": {"start_env": {"PATH": "/usr/bin:/bin", "LANG": "C"}},
             "mod_wsgi": {"version": "5.0.2"},
             "linkage": {"python_library": {"path": SYSTEM_LIBPYTHON, "found": True, "python_version": "3.11.2"}},
             "config": {"wsgi": {"python_home": str(missing), "set_at": {"WSGIPythonHome": "/etc/httpd.conf:7"}}}}
    out = run(ProbeContext(Options(), facts, environ={"WSGIDOCTOR_HOST_PROGRAM": built_program()}))
    facts.update(out.facts)
    assert facts["hosting"]["init_api"] == "pyconfig"
    found = {f.id: f for f in diagnose(facts) if f.section == "python"}
    assert set(found) == {"python-init-failed", "python-home-invalid"}
    assert f"sys.prefix = '{missing}'" in found["python-init-failed"].detail
    assert any(e.source == "/etc/httpd.conf" and e.line == 7 for e in found["python-home-invalid"].evidence)
