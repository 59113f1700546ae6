"""pip's mod_wsgi for real: mod_wsgi-express roots and the lines `module-config` prints.

One virtual environment of Debian's Python gets mod_wsgi from PyPI, compiled here against
Debian's apache2-dev (about 90 s, once per session). Each test then makes what a user makes with
it, asks the real server itself, and checks that wsgidoctor's report says the same: the process
group, application group and threading of the mount, the libpython the processes map, sys.prefix
and sys.path.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support import apache_harness
from tests.support.express import (ExpressServer, cleanup, modwsgi_venv, open_dir, report, setup_server,
                                   wsgidoctor)

pytestmark = [pytest.mark.apache, pytest.mark.slow]


@pytest.fixture(scope="module")
def venv():
    where = open_dir("wsgidoctor-express-venv-")
    try:
        yield modwsgi_venv(where)
    finally:
        cleanup(where)


@pytest.fixture
def where():
    path = open_dir("wsgidoctor-express-")
    try:
        yield path
    finally:
        cleanup(path)


def ids(data):
    return {f["id"] for f in data["findings"]}


def _mount(data, url):
    mounts = [m for m in data["facts"]["config"]["mounts"] if m["url"] == url]
    assert mounts, [m["url"] for m in data["facts"]["config"]["mounts"]]
    return mounts[0]


def test_a_stopped_setup_server_root_is_read_with_expresss_own_environment_and_flags(venv, where):
    root, port = setup_server(venv, where, "--processes", "2", "--threads", "3", "--mount-point", "/app")
    data, code = report("--server-root", str(root))

    assert data["facts"]["install"]["express"]["root"] == str(root)
    assert data["facts"]["install"]["start_env"]["MOD_WSGI_MODULES_DIRECTORY"] == "/usr/lib/apache2/modules"
    # httpd -M runs as express's apachectl runs httpd: the modules and the MPM load
    names = {m["name"] for m in data["facts"]["apache"]["modules"]}
    assert {"wsgi_module", "mpm_event_module", "rewrite_module"} <= names
    assert "httpd-modules-failed" not in ids(data)
    assert data["summary"]["incomplete"] == []
    mount = _mount(data, "/app")
    assert (mount["process_group"], mount["application_group"]) == (f"127.0.0.1:{port}", "")
    assert (mount["multithread"], mount["multiprocess"]) == (True, True)
    assert data["facts"]["python"]["prefix"] == str(venv.path)

    # the real server, started by its own apachectl, answers the same
    with ExpressServer.start(root, port) as server:
        real = server.ask("/app/")
        running, _ = report("--config", str(root / "httpd.conf"))
    assert (real["process_group"], real["application_group"]) == (mount["process_group"], mount["application_group"])
    assert (real["multithread"], real["multiprocess"]) == (mount["multithread"], mount["multiprocess"])
    assert real["prefix"] == data["facts"]["python"]["prefix"]
    assert real["path"] == data["facts"]["python"]["path"]
    # found as the running server through its -f; the libpython its processes map is the predicted one
    assert running["facts"]["install"]["examined_pid"] == server.process.pid
    mapped = [p for p in running["facts"]["linkage"]["running"] if p.get("path")]
    assert mapped and all(p["same_as_prediction"] for p in mapped), running["facts"]["linkage"]["running"]
    assert mapped[0]["path"] == running["facts"]["linkage"]["python_library"]["path"]


def test_check_live_asks_the_express_mount_in_its_daemon_group(venv, where):
    root, port = setup_server(venv, where, "--threads", "1")
    done = wsgidoctor("check", "--live", "--server-root", str(root))
    assert done.returncode == 0, done.stdout + done.stderr
    data, _ = report("--live", "--server-root", str(root))
    asked = [m for m in data["facts"]["live"]["mounts"] if m.get("answer")]
    assert asked, data["facts"]["live"]
    assert asked[0]["observed"] == {"process_group": f"127.0.0.1:{port}", "application_group": "",
                                    "multithread": False, "multiprocess": False}
    assert asked[0]["mismatches"] == {}
    # the emulation ran the same mount, and agrees with the real mod_wsgi
    runs = [r for r in data["facts"]["hosting"]["runs"] if (r.get("mount") or {}).get("file") == asked[0]["mount"]["file"]]
    assert runs and runs[0]["python"]["prefix"] == asked[0]["answer"]["python"]["prefix"] == str(venv.path)
    assert "emulation-live-disagree" not in ids(data)


def test_a_loadfiled_libpython_is_the_python_of_a_module_that_names_none(venv, where):
    """`module-config` prints `LoadFile <libpython>` where mod_wsgi.so relies on the host for
    Python (macOS builds, conda). Such a module is made here from pip's: the same build with its
    DT_NEEDED libpython and run path removed (patchelf), so only the LoadFile provides Python."""
    module = where / "mod_wsgi-hostpython.so"
    subprocess.run(["cp", str(venv.module()), str(module)], check=True)
    lib = subprocess.run([str(venv.path / "bin" / "python"), "-c",
                          "import sysconfig, os; print(os.path.join(sysconfig.get_config_var('LIBDIR'),"
                          " sysconfig.get_config_var('INSTSONAME')))"],
                         capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run(["patchelf", "--remove-needed", os.path.basename(lib), "--remove-rpath", str(module)], check=True)
    config = f"""\
LoadFile "{lib}"
WSGIPythonHome "{venv.path}"
WSGIDaemonProcess lf threads=2
WSGIScriptAlias /app "{{root}}/app.wsgi" process-group=lf application-group=%{{GLOBAL}}
"""
    from tests.support.express import ANSWER_APP

    with apache_harness.start(config, env={"PATH": "/usr/bin:/bin"}, files={"app.wsgi": ANSWER_APP},
                              wsgi_module=str(module)) as server:
        status, body = server.get("/app")
        assert status == 200, (body, server.error_log())
        import json

        real = json.loads(body)
        data, _ = report("--config", str(server.root / "httpd.conf"))
    lib_fact = data["facts"]["linkage"]["python_library"]
    assert (lib_fact["path"], lib_fact["via"]) == (lib, "LoadFile")
    assert data["facts"]["python"]["prefix"] == real["prefix"] == str(venv.path)
    assert data["facts"]["python"]["version"].split()[0] == real["version"]
    mount = _mount(data, "/app")
    assert (mount["process_group"], mount["multithread"]) == (real["process_group"], real["multithread"])
