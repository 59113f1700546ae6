"""The hosting program's own behaviour, with this machine's system libpython3.11 (the real thing)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.support.hosting_support import (SYSTEM_LIBPYTHON, answers, built_program, probe_run, pyenv_library, run_host)

pytestmark = pytest.mark.skipif(not os.path.exists(SYSTEM_LIBPYTHON), reason="no system libpython3.11")
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C"}


def spec(**kw):
    base = {"schema": 1, "libpython": SYSTEM_LIBPYTHON, "env": dict(ENV), "runs": [probe_run()]}
    base.update(kw)
    return base


def only_answer(record):
    (answer,) = answers(record)
    return answer


@pytest.mark.parametrize("api", ["legacy", "pyconfig"])
def test_optimize_is_applied_and_leaves_no_trace_in_the_environment(api):
    code, rec = run_host(spec(init_api=api, optimize=2))
    assert code == 0
    assert only_answer(rec)["python"]["flags_optimize"] == 2
    env_run = {"application_group": "", "script": "/x/env.wsgi", "main_thread": True, "source":
               "import os, json\n"
               "def application(e, s):\n"
               "    s('200 OK', [])\n"
               "    return [json.dumps(sorted(k for k in os.environ if k.startswith('PYTHON'))).encode()]\n"}
    code, rec = run_host(spec(init_api=api, optimize=2, runs=[env_run]))
    body = [m["body"] for m in rec["processes"][0]["messages"] if m["kind"] == "response"][0]
    assert json.loads(body) == []


def test_pythonoptimize_in_apaches_environment_wins_when_larger():
    env = {**ENV, "PYTHONOPTIMIZE": "2"}
    for api in ("legacy", "pyconfig"):
        code, rec = run_host(spec(init_api=api, optimize=1, env=env))
        assert only_answer(rec)["python"]["flags_optimize"] == 2


def test_python_path_entries_go_first_in_order_with_their_pth_files(tmp_path):
    a, b, extra = tmp_path / "a", tmp_path / "b", tmp_path / "extra"
    for d in (a, b, extra):
        d.mkdir()
    (a / "more.pth").write_text(f"{extra}\n")
    code, rec = run_host(spec(python_path=f"{a}:{b}"))
    path = only_answer(rec)["python"]["path"]
    assert path[:3] == [str(a), str(extra), str(b)]
    assert path[3:] == ["/usr/lib/python311.zip", "/usr/lib/python3.11", "/usr/lib/python3.11/lib-dynload",
                        "/usr/local/lib/python3.11/dist-packages", "/usr/lib/python3/dist-packages"][: len(path) - 3]


def test_daemon_home_is_sys_path_0_and_the_working_directory(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    cwd_run = {"application_group": "", "script": "/x/cwd.wsgi", "main_thread": True, "source":
               "import os, sys, json\n"
               "def application(e, s):\n"
               "    s('200 OK', [])\n"
               "    return [json.dumps([os.getcwd(), sys.path[:2], sys.argv]).encode()]\n"}
    code, rec = run_host(spec(processes=[{"process_group": "d", "home": str(app), "cwd": str(app),
                                          "python_path": str(tmp_path), "runs": [cwd_run]}]))
    body = [m["body"] for m in rec["processes"][0]["messages"] if m["kind"] == "response"][0]
    cwd, first, argv = json.loads(body)
    assert cwd == str(app) and first == [str(app), str(tmp_path)] and argv == ["mod_wsgi"]


def test_pythonpath_from_apaches_environment_is_honoured(tmp_path):
    code, rec = run_host(spec(env={**ENV, "PYTHONPATH": str(tmp_path)}))
    assert str(tmp_path) in only_answer(rec)["python"]["path"]


def test_application_groups_get_their_own_interpreters_and_threads():
    runs = [probe_run(""), probe_run("a|/x", requests=3, main_thread=False, wsgi={"multithread": True}),
            probe_run("b|/y", requests=2, main_thread=False)]
    code, rec = run_host(spec(runs=runs))
    assert code == 0
    events = [m for m in rec["processes"][0]["messages"] if m["kind"] == "interpreter"]
    assert [(e["application_group"], e["created"]) for e in events] == [("", False), ("a|/x", True), ("b|/y", True)]
    got = answers(rec)
    groups = [a["mod_wsgi_module"]["application_group"] for a in got]
    assert groups == ["", "a|/x", "a|/x", "a|/x", "b|/y", "b|/y"]
    assert got[0]["process"]["thread"] == "MainThread"
    assert len({a["process"]["thread"] for a in got[1:4]}) == 3
    assert {a["environ"]["wsgi.multithread"] for a in got[1:4]} == {True}


def test_environ_values_and_tuples_arrive_as_mod_wsgi_gives_them():
    run = probe_run("", environ={"SCRIPT_NAME": "/app", "mod_wsgi.version": [4, 9, 4], "apache.version": [2, 4, 55],
                                 "SERVER_PORT": "8080"}, wsgi={"multiprocess": True})
    env = only_answer(run_host(spec(runs=[run]))[1])["environ"]
    assert env["SCRIPT_NAME"] == "/app" and env["SERVER_PORT"] == "8080"
    assert env["mod_wsgi.version"] == [4, 9, 4] and env["wsgi.version"] == [1, 0]
    assert env["mod_wsgi.process_group"] == "" and env["mod_wsgi.application_group"] == ""
    assert (env["wsgi.multithread"], env["wsgi.multiprocess"], env["wsgi.url_scheme"]) == (False, True, "http")


def test_a_script_is_read_from_disk_when_no_source_is_given(tmp_path):
    script = tmp_path / "hello.wsgi"
    script.write_text("def application(e, s):\n    s('200 OK', [('X-A', 'b')])\n    return [b'hi']\n")
    code, rec = run_host(spec(runs=[{"application_group": "", "script": str(script), "main_thread": True}]))
    (resp,) = [m for m in rec["processes"][0]["messages"] if m["kind"] == "response"]
    assert (resp["status"], resp["headers"], resp["body"]) == ("200 OK", [["X-A", "b"]], "hi")


@pytest.mark.parametrize("source, stage", [
    ("def application(:\n", "load"),
    ("import no_such_module_here\n", "load"),
    ("app = None\n", "callable"),
    ("def application(e, s):\n    return [b'no start_response']\n", "response"),
    ("def application(e, s):\n    s('200 OK', [])\n    return ['text, not bytes']\n", "application"),
])
def test_broken_applications_are_500s_with_the_reason(source, stage):
    run = {"application_group": "", "script": "/srv/broken.wsgi", "source": source, "main_thread": True}
    code, rec = run_host(spec(runs=[run]))
    assert code == 0
    (resp,) = [m for m in rec["processes"][0]["messages"] if m["kind"] == "response"]
    assert resp["status"] == "500 Internal Server Error" and resp["error"]["stage"] == stage


def test_sys_exit_in_an_application_or_at_import_does_not_end_the_process():
    runs = [{"application_group": "", "script": "/srv/exit.wsgi", "main_thread": True,
             "source": "import sys\ndef application(e, s):\n    sys.exit(3)\n"},
            {"application_group": "g", "script": "/srv/exit-at-import.wsgi", "main_thread": True,
             "source": "raise SystemExit(4)\n"},
            probe_run("")]
    code, rec = run_host(spec(runs=runs))
    proc = rec["processes"][0]
    assert code == 0 and proc["exit_code"] == 0
    statuses = [(m["status"], (m["error"] or {}).get("type")) for m in proc["messages"] if m["kind"] == "response"]
    assert statuses == [("500 Internal Server Error", "SystemExit"), ("500 Internal Server Error", "SystemExit"),
                        ("200 OK", None)]


def test_processes_run_at_the_same_time():
    sleeper = {"application_group": "", "script": "/srv/sleep.wsgi", "main_thread": True,
               "source": "import time\ndef application(e, s):\n    time.sleep(1)\n    s('200 OK', [])\n    return [b'']\n"}
    code, rec = run_host(spec(processes=[{"process_group": f"d{i}", "runs": [sleeper]} for i in range(3)]))
    assert code == 0
    assert [p["process_group"] for p in rec["processes"]] == ["d0", "d1", "d2"]
    assert rec["duration_ms"] < 2800  # three 1 s requests, not one after the other


def test_a_hanging_application_is_killed_after_the_time_limit():
    run = {"application_group": "", "script": "/srv/hang.wsgi", "main_thread": True,
           "source": "import time\ndef application(e, s):\n    time.sleep(60)\n"}
    code, rec = run_host(spec(runs=[run], timeout=1))
    proc = rec["processes"][0]
    assert code == 1 and proc["timed_out"] is True and proc["exit_code"] is None
    assert 900 < proc["duration_ms"] < 10000


def test_switching_to_apaches_user():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    code, rec = run_host(spec(user="www-data"))
    assert only_answer(rec)["process"]["uid"] == 33
    user = [m for m in rec["processes"][0]["messages"] if m["kind"] == "user"][0]
    assert user["switched"] is True and user["uid"] == 33


def test_a_daemon_of_another_user_starts_in_that_users_home_directory():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    import pwd

    run = {"application_group": "", "script": "/x/cwd.wsgi", "main_thread": True,
           "source": "import os\ndef application(e, s):\n    s('200 OK', [])\n    return [os.getcwd().encode()]\n"}
    code, rec = run_host(spec(processes=[{"process_group": "d", "user": "www-data", "cwd": "~", "runs": [run]}]))
    (resp,) = [m for m in rec["processes"][0]["messages"] if m["kind"] == "response"]
    assert resp["body"] == pwd.getpwnam("www-data").pw_dir


def test_an_unknown_user_fails_that_process_only():
    code, rec = run_host(spec(processes=[{"process_group": "a", "user": "no-such-user-here", "runs": [probe_run()]},
                                         {"process_group": "b", "runs": [probe_run()]}]))
    a, b = rec["processes"]
    assert code == 1 and a["exit_code"] == 12 and b["exit_code"] == 0
    assert len(answers({"processes": [b]})) == 1


def test_a_private_pyenv_as_apaches_user_is_the_real_world_failure():
    lib = pyenv_library("3.12.1")
    if os.geteuid() != 0 or not lib:
        pytest.skip("needs root and pyenv 3.12.1 under /root")
    code, rec = run_host(spec(libpython=lib, user="www-data"))
    proc = rec["processes"][0]
    assert code == 1 and "No module named 'encodings'" in proc["stderr"]
    assert [m["kind"] for m in proc["messages"]][-1] in ("initialising", "error")


@pytest.mark.parametrize("stdin, message", [
    (b"", "invalid JSON: unexpected end of input"),
    (b"{", "invalid JSON"),
    (b"[1]", "the spec is not a JSON object"),
    (b'{"schema": 1}', "the spec names no libpython"),
    (b'{"schema": 9, "libpython": "x"}', "unsupported spec schema"),
    (b'{"libpython": "x", "a": "\\ud800\\u"}', "invalid JSON: bad \\u escape"),
])
def test_bad_specs_exit_2_with_a_record_saying_why(stdin, message):
    proc = subprocess.run([built_program()], input=stdin, capture_output=True, timeout=30)
    assert proc.returncode == 2
    rec = json.loads(proc.stdout)
    assert rec["schema"] == 1 and rec["processes"] == [] and rec["error"].startswith(message)


def test_a_spec_file_argument_and_usage(tmp_path):
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec()))
    assert subprocess.run([built_program(), str(path)], capture_output=True, timeout=30).returncode == 0
    assert subprocess.run([built_program(), "a", "b"], capture_output=True, timeout=30).returncode == 2
    missing = subprocess.run([built_program(), str(tmp_path / "none.json")], capture_output=True, timeout=30)
    assert missing.returncode == 2 and b"cannot read the spec" in missing.stdout


def test_undecodable_bytes_round_trip_through_the_record(tmp_path):
    run = {"application_group": "", "script": "/srv/bytes.wsgi", "main_thread": True,
           "source": "import sys\ndef application(e, s):\n    sys.stderr.write(u'caf\\xe9 \\udcff\\n')\n"
                     "    s('200 OK', [])\n    return [b'\\xff\\xfe']\n"}
    code, rec = run_host(spec(runs=[run]))
    proc = rec["processes"][0]
    (resp,) = [m for m in proc["messages"] if m["kind"] == "response"]
    assert resp["body"] is None and resp["body_base64"] == "//4="
    assert "café" in proc["stderr"]
