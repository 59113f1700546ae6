"""Live-probe findings: failures quote the error log lines that explain them; emulation checks."""

from __future__ import annotations

from tests.conftest import read_fixture
from wsgidoctor.areas import diagnose
from wsgidoctor.live.rules import explaining_lines

MISSING_HOME_LOG = read_fixture("config/live-errorlog-missing-python-home.txt").splitlines()


def ids(facts):
    return [f for f in diagnose(facts) if f.id in ("live-probe-failed", "emulation-live-disagree")]


def test_explaining_lines_put_pythons_own_words_first():
    lines = explaining_lines(MISSING_HOME_LOG)
    assert lines[0] == "ModuleNotFoundError: No module named 'encodings'"
    assert lines[1].startswith("Fatal Python error: init_fs_encoding")
    assert any("Unable to stat Python home /srv/no-such-venv" in l for l in lines)
    assert len(lines) == len(set(lines)) <= 10  # the crash loop repeats; each line is quoted once
    assert not any("[wsgi:info]" in l and "Initializing Python" in l for l in lines)


def test_a_mount_that_got_no_answer():
    facts = {"live": {"mode": "throwaway", "error": None, "error_log": MISSING_HOME_LOG,
                      "mounts": [{"path": "/app", "vhost": "missing.example:18098", "status": None,
                                  "error": "no answer within 2s", "answer": None}]}}
    (f,) = ids(facts)
    assert f.id == "live-probe-failed"
    assert "/app (missing.example:18098)" in f.detail and "no answer within 2s" in f.detail
    assert "No module named 'encodings'" in f.detail
    assert f.evidence[0].source == "live server error log"


def test_a_server_that_did_not_start_is_one_finding():
    facts = {"live": {"mode": "throwaway", "error": "apache2 exited with status 1 while starting",
                      "error_log": ["AH00526: Syntax error on line 12 of /tmp/x/httpd.conf:",
                                    "Cannot load /nonexistent/libmissing.so.1 into server: No such file"],
                      "mounts": [{"path": "/app", "answer": None, "error": "refused"}]}}
    (f,) = ids(facts)
    assert "exited with status 1 while starting" in f.detail and "libmissing.so.1" in f.detail


def test_answers_that_arrived_raise_nothing():
    facts = {"live": {"mode": "throwaway", "error": None, "error_log": MISSING_HOME_LOG,
                      "mounts": [{"path": "/app", "status": 200, "answer": {"python": {}}, "observed": {}}]}}
    assert ids(facts) == []


def _run(prefix, path, pg="d", mount=("/etc/httpd.conf", 7)):
    return {"mount": {"url": "/app", "vhost": "h:80", "file": mount[0], "line": mount[1]},
            "process_group": pg, "application_group": "h|/app", "multithread": True, "multiprocess": False,
            "python": {"version": "3.11.2 (main)", "prefix": prefix, "base_prefix": "/usr", "path": path}}


def _live(prefix, path, pg="d"):
    return {"mode": "throwaway", "error": None, "error_log": [], "mounts": [{
        "path": "/app", "vhost": "h:80", "status": 200, "mount": {"file": "/etc/httpd.conf", "line": 7},
        "answer": {"python": {"version": "3.11.2 (main, other build)", "prefix": prefix, "base_prefix": "/usr",
                              "path": path}},
        "observed": {"process_group": pg, "application_group": "h|/app", "multithread": True,
                     "multiprocess": False}}]}


def test_emulation_and_live_agree():
    facts = {"hosting": {"runs": [_run("/srv/venv", ["/srv/app", "/usr/lib/python3.11"])]},
             "live": _live("/srv/venv", ["/srv/app", "/usr/lib/python3.11"])}
    assert ids(facts) == []  # the version is compared on its number, not the build text


def test_emulation_and_live_disagree_on_prefix_path_and_group():
    facts = {"hosting": {"runs": [_run("/srv/venv", ["/srv/app", "/usr/lib/python3.11"]),
                                  _run("/elsewhere", [], mount=("/etc/other.conf", 1))]},
             "live": _live("/usr", ["/usr/lib/python3.11"], pg="other")}
    (f,) = ids(facts)
    assert f.id == "emulation-live-disagree"
    assert "sys.prefix: emulated '/srv/venv', live '/usr'" in f.detail
    assert "sys.path" in f.detail and "process group: emulated 'd', live 'other'" in f.detail
    assert {e.source for e in f.evidence} == {"hosting program", "live probe"}


def test_a_mount_the_emulation_did_not_run_is_compared_with_the_run_of_its_groups():
    # mod_wsgi-express: its WSGIHandlerScript mount shares the daemon group and %{GLOBAL} with a
    # WSGIScriptAlias; the hosting program runs that interpreter once, for the alias
    live = _live("/usr", ["/usr/lib/python3.11"])
    entry = live["mounts"][0]
    entry["mount"] = {"file": "/etc/httpd.conf", "line": 99}
    entry["expected"] = {"process_group": "d", "application_group": "h|/app"}
    facts = {"hosting": {"runs": [_run("/srv/venv", ["/srv/app", "/usr/lib/python3.11"])]}, "live": live}
    (f,) = ids(facts)
    assert "sys.prefix: emulated '/srv/venv', live '/usr'" in f.detail
    assert "sys.path: only the emulation has ['/srv/app']" in f.detail
    entry["expected"] = {"process_group": "other", "application_group": ""}  # another interpreter
    assert ids(facts) == []
