"""The hosting program's record, read from real records captured on this machine."""

from __future__ import annotations

import json

import pytest

from tests.support.hosting_support import FIXTURES
from wsgidoctor.python.hosting.record import parse_record


def load(name: str):
    return parse_record((FIXTURES / name).read_text(encoding="utf-8"))


def test_a_healthy_run_gives_one_answer_per_request_in_the_right_interpreters():
    rec = load("record-3.11-system-ok-two-groups.json")
    assert rec.error is None and rec.program_version == "1.0.0"
    (proc,) = rec.processes
    assert proc.state == "ok" and proc.exit_code == 0
    assert proc.runtime_version.startswith("3.11.2")
    groups = [r.application_group for r in proc.responses]
    assert groups == ["", "localhost|/app", "localhost|/app"]
    main, *threaded = proc.responses
    assert main.thread["main"] is True and main.thread["name"] == "MainThread"
    assert {r.thread["name"] for r in threaded} == {"Dummy-1", "Dummy-2"}
    answer = main.payload()
    assert answer["python"]["prefix"] == "/usr"
    assert answer["environ"]["mod_wsgi.application_group"] == ""
    assert threaded[0].payload()["mod_wsgi_module"]["application_group"] == "localhost|/app"


def test_a_virtual_environment_of_another_version_is_visible_in_the_answer():
    rec = load("record-3.11-venv312-home.json")
    proc = rec.processes[0]
    assert proc.state == "ok"
    assert proc.event("home")["pyvenv"] is True
    assert proc.event("initialising")["program_name"] == "/tmp/ht/venv312/bin/python"
    py = proc.responses[0].payload()["python"]
    assert (py["prefix"], py["base_prefix"]) == ("/tmp/ht/venv312", "/usr")
    assert not any("venv312" in p for p in py["path"])


@pytest.mark.parametrize("name, state, how", [
    ("record-3.11-missing-home-pyconfig.json", "init-failed", "exited with status 1"),
    ("record-3.11-fake-python3-on-path-legacy.json", "init-failed", "exited with status 1"),
    ("record-3.6-missing-home.json", "init-failed", "was killed by signal SIGABRT"),
    ("record-3.7-missing-home.json", "init-failed", "was killed by signal SIGABRT"),
    ("record-2.7-missing-home.json", "init-failed", "exited with status 1"),
    ("record-3.11-probe-aborts.json", "crashed", "was killed by signal SIGABRT"),
    ("record-not-a-library.json", "load-failed", "exited with status 10"),
])
def test_failures_are_classified_with_how_the_process_ended(name, state, how):
    proc = load(name).processes[0]
    assert proc.state == state
    assert proc.how_it_ended == how
    assert proc.responses == ()


def test_a_probe_that_raises_is_a_500_with_the_traceback_and_the_process_goes_on():
    proc = load("record-3.11-probe-raises.json").processes[0]
    assert proc.state == "ok"
    (resp,) = proc.responses
    assert resp.status == "500 Internal Server Error" and not resp.ok
    assert resp.error["stage"] == "application" and resp.error["type"] == "RuntimeError"
    assert "probe raised on purpose" in resp.error["traceback"]
    assert "Exception occurred processing WSGI script '/srv/probe/raises.wsgi'" in proc.stderr


def test_the_start_up_error_status_is_reported_as_an_event():
    err = load("record-3.11-missing-home-pyconfig.json").processes[0].error
    assert err["stage"] == "init" and err["function"] == "init_fs_encoding"


@pytest.mark.parametrize("text", [
    "", "   ", "not json", "[1, 2]", "null", "{\"schema\": 2}", b"\x00\xff\xfe garbage",
    "{\"schema\": 1, \"processes\": \"nope\"}", "{\"schema\": 1, \"processes\": [1, null, {\"messages\": 5}]}",
])
def test_bad_records_never_raise(text):
    rec = parse_record(text)
    assert rec.error is not None or all(p.responses == () for p in rec.processes)


def test_every_truncation_of_a_real_record_is_handled():
    text = (FIXTURES / "record-3.11-system-ok-two-groups.json").read_text(encoding="utf-8")
    for cut in range(0, len(text), 37):
        rec = parse_record(text[:cut])
        assert rec.error is not None  # a cut record is never mistaken for a complete one


def test_odd_field_types_in_a_valid_record_are_tolerated():
    data = json.loads((FIXTURES / "record-3.11-system-ok-two-groups.json").read_text(encoding="utf-8"))
    msg = data["processes"][0]["messages"]
    msg.append({"kind": "response", "run": "x", "headers": [["a"], 5, ["k", "v"]], "thread": [], "error": "e"})
    rec = parse_record(json.dumps(data))
    odd = rec.processes[0].responses[-1]
    assert odd.run is None and odd.headers == (("k", "v"),) and odd.thread == {} and odd.error is None
