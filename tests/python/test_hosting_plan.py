"""From facts to the hosting program's request: processes, runs, homes, user, start-up API."""

from __future__ import annotations

import pytest

from wsgidoctor.python.hosting.plan import build_plan, init_api_for, parse_version
from wsgidoctor.python.hosting.spec import module_name

SCRIPT = "/opt/wsgidoctor/probes/wsgi/wsgidoctor_probe.wsgi"


def plan_for(facts, *, as_root=True):
    return build_plan(facts, libpython="/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0", script=SCRIPT,
                      script_source="def application(e, s): pass\n", run_as_user=as_root, local_host="web1")


def daemon(name, **options):
    opts = {"processes": "1", "threads": "15", **options}
    given = set(options)
    threads = int(opts["threads"])
    return {"name": name, "processes": int(opts["processes"]), "threads": threads,
            "multiprocess": "processes" in given, "multithread": threads != 1,
            "python_home": opts.get("python-home"), "python_path": opts.get("python-path"),
            "user": opts.get("user"), "group": opts.get("group"), "options": opts,
            "file": "/etc/apache2/sites-enabled/app.conf", "line": 3}


def mount(url, pg, ag, mt, mp, d=None, home=None, path=None, port=80, server="app.example"):
    return {"vhost": f"{server}:{port}", "server_name": server, "port": port, "url": url,
            "script": f"/srv/app{url.rstrip('/') or '/root'}.wsgi", "request_path": url,
            "process_group": pg, "application_group": ag, "multithread": mt, "multiprocess": mp,
            "python_home": home, "python_path": path, "daemon": d,
            "file": "/etc/apache2/sites-enabled/app.conf", "line": 10}


BASE = {
    "install": {"user": "www-data", "group": "www-data",
                "start_env": {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C", "APACHE_RUN_USER": "www-data"}},
    "apache": {"version": "2.4.71", "mpm": {"name": "event", "threaded": True, "forked": True}},
    "mod_wsgi": {"version": "4.9.4"},
}


def test_without_mounts_one_embedded_run_in_the_main_interpreter_with_the_mpm_threading():
    plan = plan_for(BASE)
    (proc,) = plan.spec.processes
    (run,) = proc.runs
    assert proc.process_group == "" and run.application_group == ""
    assert (run.multithread, run.multiprocess) == (True, True)
    assert run.requests == 3 and run.main_thread is False
    assert proc.user == "www-data" and proc.cwd == "/"
    assert plan.spec.env["PATH"] == "/usr/local/bin:/usr/bin:/bin" and plan.spec.env["LANG"] == "C"
    assert plan.spec.init_api == "legacy"
    assert any("no WSGIScriptAlias" in n for n in plan.notes)


def test_prefork_serves_on_the_main_thread_single_threaded():
    facts = {**BASE, "apache": {"version": "2.4.71", "mpm": {"name": "prefork", "threaded": False, "forked": True}}}
    run = plan_for(facts).spec.processes[0].runs[0]
    assert (run.multithread, run.multiprocess, run.main_thread, run.requests) == (False, True, True, 1)


def test_each_process_group_is_one_process_and_each_application_group_one_run():
    d1 = daemon("d_venv", **{"python-home": "/srv/venv", "processes": "2", "threads": "1", "user": "appuser"})
    d2 = daemon("d_threads", threads="4")
    facts = {**BASE, "config": {
        "wsgi": {"python_home": "/opt/py311", "python_path": "/srv/lib", "python_optimize": 1,
                 "set_at": {"WSGIPythonHome": "/etc/apache2/apache2.conf:5"}},
        "mounts": [
            mount("/", "", "", True, True, home="/opt/py311", path="/srv/lib"),
            mount("/admin", "", "app.example|/admin", True, True, home="/opt/py311", path="/srv/lib"),
            mount("/api", "d_venv", "", False, True, d=d1, home="/srv/venv"),
            mount("/api2", "d_venv", "", False, True, d=d1, home="/srv/venv"),  # same groups: no new run
            mount("/t", "d_threads", "app.example:8080|/t", True, False, d=d2, home="/opt/py311", port=8080),
        ]}}
    plan = plan_for(facts)
    procs = {p.process_group: p for p in plan.spec.processes}
    assert list(procs) == ["", "d_venv", "d_threads"]
    emb, venv, thr = procs[""], procs["d_venv"], procs["d_threads"]
    assert [r.application_group for r in emb.runs] == ["", "app.example|/admin"]
    assert (emb.python_home, emb.python_path, emb.optimize, emb.home) == ("/opt/py311", "/srv/lib", 1, None)
    assert (venv.python_home, venv.python_path, venv.user, venv.group) == ("/srv/venv", None, "appuser", "www-data")
    assert (venv.cwd, thr.cwd) == ("~", "/")  # another user's daemon starts in that user's home
    assert venv.mod_wsgi["maximum_processes"] == 2 and venv.mod_wsgi["threads_per_process"] == 1
    (vrun,) = venv.runs
    assert (vrun.multithread, vrun.multiprocess, vrun.requests, vrun.main_thread) == (False, True, 1, False)
    (trun,) = thr.runs
    assert (trun.multithread, trun.multiprocess, trun.requests) == (True, False, 3)
    assert trun.environ["HTTP_HOST"] == "app.example:8080" and trun.environ["SERVER_PORT"] == "8080"
    assert trun.environ["mod_wsgi.application_group"] == "app.example:8080|/t"
    assert trun.environ["mod_wsgi.process_group"] == "d_threads"
    assert trun.environ["SCRIPT_NAME"] == "/t" and trun.environ["SCRIPT_FILENAME"] == "/srv/app/t.wsgi"
    assert trun.module_name == module_name("/srv/app/t.wsgi")
    assert trun.script == SCRIPT
    homes = {(h.path, h.directive): h for h in plan.homes}
    assert homes[("/srv/venv", "WSGIDaemonProcess python-home=")].line == 3
    assert homes[("/opt/py311", "WSGIPythonHome")].file == "/etc/apache2/apache2.conf"
    assert homes[("/opt/py311", "WSGIPythonHome")].process_groups == ["", "d_threads"]
    assert [(r["process_index"], r["run_index"]) for r in plan.runs] == [(0, 0), (0, 1), (1, 0), (2, 0)]


def test_root_mount_has_an_empty_script_name_and_the_whole_path_as_path_info():
    facts = {**BASE, "config": {"mounts": [mount("/", "", "", True, True)]}}
    env = plan_for(facts).spec.processes[0].runs[0].environ
    assert (env["SCRIPT_NAME"], env["PATH_INFO"], env["REQUEST_URI"], env["HTTP_HOST"]) == ("", "/", "/", "app.example")
    assert env["mod_wsgi.version"] == [4, 9, 4] and env["apache.version"] == [2, 4, 71]
    assert env["mod_wsgi.script_reloading"] == "1" and "mod_wsgi.daemon_connects" not in env


def test_a_mount_whose_group_depends_on_the_request_is_skipped_with_a_note():
    m = mount("/x", "", None, True, True)
    plan = plan_for({**BASE, "config": {"mounts": [m]}})
    assert plan.spec.processes[0].runs[0].label.startswith("default")
    assert any("depends on the request" in n for n in plan.notes)


def test_not_root_means_no_user_switch():
    d1 = daemon("d", user="appuser")
    facts = {**BASE, "config": {"mounts": [mount("/a", "d", "", True, False, d=d1)]}}
    proc = plan_for(facts, as_root=False).spec.processes[0]
    assert proc.user is None and proc.group is None


def test_unknown_start_environment_and_version_are_noted():
    plan = plan_for({"apache": {"mpm": {"name": "worker", "threaded": True, "forked": True}}})
    assert plan.spec.env == {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    assert plan.spec.init_api == "auto"
    assert len(plan.notes) == 3


def test_pythonhome_in_apaches_environment_counts_as_a_home():
    facts = {**BASE, "install": {**BASE["install"], "start_env": {"PATH": "/usr/bin", "PYTHONHOME": "/opt/py"}}}
    plan = plan_for(facts)
    assert [(h.path, h.directive, h.process_groups) for h in plan.homes] == [("/opt/py", "PYTHONHOME", [""])]


@pytest.mark.parametrize("version, api", [
    ((4, 9, 4), "legacy"), ((5, 0, 0), "legacy"), ((5, 0, 1), "pyconfig"), ((6, 0, 5), "pyconfig"), (None, "auto"),
])
def test_the_start_up_api_follows_mod_wsgis_version(version, api):
    assert init_api_for(version) == api


def test_mod_wsgi_6_environ_differs():
    facts = {**BASE, "mod_wsgi": {"version": "6.0.5"}}
    run = plan_for(facts).spec.processes[0].runs[0]
    assert isinstance(run.environ["mod_wsgi.request_start"], float)
    assert "mod_wsgi.script_reloading" not in run.environ and "GATEWAY_INTERFACE" not in run.environ
    assert run.environ_drop == ["mod_wsgi.total_requests", "mod_wsgi.thread_requests"]


@pytest.mark.parametrize("value, expected", [
    ("4.9.4", (4, 9, 4)), ([5, 0], (5, 0, 0)), ("2.4.71 (Debian)", (2, 4, 71)), (None, None), ("x", None), ([True], None),
])
def test_parse_version(value, expected):
    assert parse_version(value) == expected


def test_the_spec_serialises_to_ascii_json():
    spec = plan_for(BASE).spec
    data = spec.dumps()
    assert data.startswith(b'{"schema": 1') and data.isascii()


def test_without_config_wsgi_the_directives_are_read():
    directives = [
        {"name": "WSGIPythonHome", "args": ["/opt/py"], "file": "/etc/httpd.conf", "line": 4, "sections": []},
        {"name": "WSGIPythonPath", "args": ["/srv/a:/srv/b"], "file": "/etc/httpd.conf", "line": 5, "sections": []},
        {"name": "WSGIPythonOptimize", "args": ["2"], "file": "/etc/httpd.conf", "line": 6, "sections": []},
        {"name": "WSGIPythonHome", "args": ["/ignored"], "file": "/etc/httpd.conf", "line": 9,
         "sections": ["<VirtualHost *:80>"]},
    ]
    plan = plan_for({**BASE, "config": {"directives": directives}})
    proc = plan.spec.processes[0]
    assert (proc.python_home, proc.python_path, proc.optimize) == ("/opt/py", "/srv/a:/srv/b", 2)
    assert [(h.file, h.line) for h in plan.homes] == [("/etc/httpd.conf", 4)]
