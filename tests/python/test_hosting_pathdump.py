"""CPython's start-up failure text: real captures from this machine's Pythons and a real error log."""

from __future__ import annotations

import json

import pytest

from tests.conftest import CORPUS
from tests.support.hosting_support import FIXTURES
from wsgidoctor.python.hosting.pathdump import parse_startup_failure


def stderr_of(name: str) -> str:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))["processes"][0]["stderr"]


def test_python_311_dump_gives_the_home_the_prefix_and_the_fatal_error():
    text = stderr_of("record-3.11-missing-home-pyconfig.json")
    got = parse_startup_failure(text)
    assert got.fatal == "init_fs_encoding: failed to get the Python codec of the filesystem encoding"
    assert got.exception == "ModuleNotFoundError: No module named 'encodings'"
    assert got.value("PYTHONHOME") == "/srv/missing"
    assert got.value("PYTHONPATH") is None  # "(not set)"
    assert got.value("program name") == "python3"
    assert got.value("sys.prefix") == "/srv/missing"
    assert got.value("environment") == 1
    assert got.sys_path == ["/srv/missing/lib/python311.zip", "/srv/missing/lib/python3.11",
                            "/srv/missing/lib/python3.11/lib-dynload"]
    lines = text.splitlines()
    assert lines[got.fatal_line - 1].startswith("Fatal Python error: init_fs_encoding")
    assert "sys.prefix = '/srv/missing'" in lines[got.config_lines["sys.prefix"] - 1]


def test_a_fake_python3_on_path_shows_in_the_dump():
    got = parse_startup_failure(stderr_of("record-3.11-fake-python3-on-path-legacy.json"))
    assert got.value("PYTHONHOME") is None
    assert got.value("sys.prefix") == "/tmp/ht/fake"
    assert got.value("sys._base_executable") == "/tmp/ht/fake/bin/python3"
    assert got.fatal.startswith("init_fs_encoding")


@pytest.mark.parametrize("name, fatal", [
    ("record-3.6-missing-home.json", "Py_Initialize: Unable to get the locale encoding"),
    ("record-3.7-missing-home.json", "initfsencoding: unable to load the file system codec"),
])
def test_older_pythons_print_no_dump_but_the_fatal_error(name, fatal):
    got = parse_startup_failure(stderr_of(name))
    assert got.fatal == fatal
    assert got.exception == "ModuleNotFoundError: No module named 'encodings'"
    assert got.config == {} and got.sys_path is None


def test_python_27_says_no_module_named_site():
    got = parse_startup_failure(stderr_of("record-2.7-missing-home.json"))
    assert got.fatal is None
    assert got.exception == "ImportError: No module named site"
    assert got.found


def test_a_real_windows_error_log_excerpt():
    text = (CORPUS / "errorlog" / "windows-2.4.43-mod_wsgi-4.7.1-py3.7-fatal-initfsencoding-bare-python-lines.txt"
            ).read_text(encoding="utf-8")
    got = parse_startup_failure(text)
    assert got.fatal == "initfsencoding: unable to load the file system codec"
    assert got.exception == "ModuleNotFoundError: No module named 'encodings'"


def test_pasted_with_crlf_and_quoted_in_markdown():
    text = stderr_of("record-3.11-missing-home-pyconfig.json")
    pasted = "```\r\n" + "\r\n".join("> " + line for line in text.splitlines()) + "\r\n```\r\n"
    got = parse_startup_failure(pasted)
    assert got.value("sys.prefix") == "/srv/missing"
    assert got.fatal.startswith("init_fs_encoding")
    assert len(got.sys_path) == 3


def test_a_successful_start_up_reports_nothing():
    got = parse_startup_failure(stderr_of("record-3.11-probe-raises.json"))
    assert not got.found


@pytest.mark.parametrize("text", [
    "", None, 42, b"\x00\x01\x02\xff" * 100, "Python path configuration:\n  sys.path = [\n    '/a',\n",
    "Python path configuration:\n  sys.prefix = '/unterminated\n", "Fatal Python error: ",
    "\n".join(["  x = 1"] * 1000),
])
def test_garbage_never_raises(text):
    parse_startup_failure(text)


def test_a_truncated_dump_keeps_what_it_saw():
    text = stderr_of("record-3.11-missing-home-pyconfig.json")
    cut = text[: text.index("sys.path = [") + 50]
    got = parse_startup_failure(cut)
    assert got.value("sys.prefix") == "/srv/missing" and got.fatal is None
